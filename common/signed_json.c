/*
 * signed_json: signed JSON documents as one line of text. See signed_json.h.
 */
#include "signed_json.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

char *
signed_wrap(const char *prefix, const json_t *body, const struct key_pair *key)
{
	unsigned char sig[crypto_sign_BYTES];
	char sigb64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char *json, *out;
	size_t jlen, plen = strlen(prefix), b64len, head;

	if (key->type != KEY_ED25519)
		return NULL;
	json = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (json == NULL)
		return NULL;
	jlen = strlen(json);
	b64len = sodium_base64_ENCODED_LEN(jlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out = malloc(plen + b64len + 1 + sizeof(sigb64));
	if (out == NULL) {
		free(json);
		return NULL;
	}
	memcpy(out, prefix, plen);
	sodium_bin2base64(out + plen, b64len, (unsigned char *)json, jlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(json);
	head = strlen(out);
	crypto_sign_detached(sig, NULL, (unsigned char *)out, head, key->sk);
	sodium_bin2base64(sigb64, sizeof(sigb64), sig, sizeof(sig),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	out[head] = '.';
	memcpy(out + head + 1, sigb64, strlen(sigb64) + 1);
	return out;
}

/* Split TEXT into its JSON (decoded, checked) and signature; the signed
 * head's length into *HEAD. The JSON object, or NULL. */
static json_t *
split(const char *prefix, const char *text, size_t len, size_t max,
    unsigned char sig[crypto_sign_BYTES], size_t *head)
{
	size_t plen = strlen(prefix), blen, slen;
	const char *dot, *end;
	unsigned char *body;
	json_t *o;

	if (len <= plen || len > max || memcmp(text, prefix, plen) != 0)
		return NULL;
	dot = memchr(text + plen, '.', len - plen);
	if (dot == NULL)
		return NULL;
	if (sodium_base642bin(sig, crypto_sign_BYTES, dot + 1,
	    len - (size_t)(dot + 1 - text), NULL, &slen, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    slen != crypto_sign_BYTES || end != text + len)
		return NULL;
	body = malloc(len);
	if (body == NULL)
		return NULL;
	if (sodium_base642bin(body, len, text + plen, (size_t)(dot - text) -
	    plen, NULL, &blen, &end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || end != dot) {
		free(body);
		return NULL;
	}
	o = json_loadb((const char *)body, blen, JSON_REJECT_DUPLICATES, NULL);
	free(body);
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	*head = (size_t)(dot - text);
	return o;
}

json_t *
signed_peek(const char *prefix, const char *text, size_t len, size_t max)
{
	unsigned char sig[crypto_sign_BYTES];
	size_t head;

	return split(prefix, text, len, max, sig, &head);
}

json_t *
signed_unwrap(const char *prefix, const char *text, size_t len, size_t max,
    const unsigned char pk[KEYS_PUB_LEN])
{
	unsigned char sig[crypto_sign_BYTES];
	size_t head;
	json_t *o = split(prefix, text, len, max, sig, &head);

	if (o == NULL)
		return NULL;
	if (crypto_sign_verify_detached(sig, (const unsigned char *)text, head,
	    pk) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

const char *
signed_str(const json_t *o, const char *key, size_t max)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

int
signed_int(const json_t *o, const char *key, long long *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return -1;
	*out = (long long)json_integer_value(v);
	return 0;
}
