/*
 * token: signed venue tokens and patrol receipts. See token.h.
 */
#include "token.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Write "<b64(body)>.<b64(sig)>" into OUT. */
static int
sign_b64(const struct key_pair *key, const char *body, char *out,
    size_t size)
{
	unsigned char sig[crypto_sign_BYTES];
	size_t blen = strlen(body);
	size_t need = sodium_base64_ENCODED_LEN(blen, B64) +
	    sodium_base64_ENCODED_LEN(sizeof(sig), B64);

	if (need + 1 > size || key->type != KEY_ED25519)
		return -1;
	crypto_sign_detached(sig, NULL, (const unsigned char *)body, blen,
	    key->sk);
	sodium_bin2base64(out, size, (const unsigned char *)body, blen, B64);
	blen = strlen(out);
	out[blen++] = '.';
	sodium_bin2base64(out + blen, size - blen, sig, sizeof(sig), B64);
	return 0;
}

/* Verify "<b64(body)>.<b64(sig)>" (LEN bytes); body into OUT. */
static int
verify_b64(const unsigned char pk[KEYS_PUB_LEN], const char *text,
    size_t len, char *out, size_t size)
{
	unsigned char sig[crypto_sign_BYTES];
	const char *dot = memchr(text, '.', len), *end;
	size_t blen, slen;

	if (dot == NULL || size < 2)
		return -1;
	if (sodium_base642bin((unsigned char *)out, size - 1, text,
	    (size_t)(dot - text), NULL, &blen, &end, B64) != 0 || end != dot)
		return -1;
	if (sodium_base642bin(sig, sizeof(sig), dot + 1,
	    len - (size_t)(dot + 1 - text), NULL, &slen, &end, B64) != 0 ||
	    slen != sizeof(sig) || end != text + len)
		return -1;
	if (crypto_sign_verify_detached(sig, (unsigned char *)out, blen,
	    pk) != 0)
		return -1;
	out[blen] = '\0';
	return memchr(out, '\0', blen) == NULL ? 0 : -1;
}

int
token_venue_url(const struct key_pair *device, const char *base_url,
    const char *venue_id, int64_t slot, int period_s, char *out,
    size_t size)
{
	char kid[KEYS_ID_LEN + 1], body[256], tok[TOKEN_URL_MAX];
	size_t blen = strlen(base_url);
	json_t *o;
	char *s;
	int r;

	keys_id(device->pk, kid);
	o = json_pack("{s:i, s:s, s:s, s:I, s:i}", "v", 1, "venue", venue_id,
	    "dev", kid, "slot", (json_int_t)slot, "p", period_s);
	if (o == NULL)
		return -1;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return -1;
	r = snprintf(body, sizeof(body), "%s", s);
	free(s);
	if (r < 0 || (size_t)r >= sizeof(body) ||
	    sign_b64(device, body, tok, sizeof(tok)) != 0)
		return -1;
	while (blen > 0 && base_url[blen - 1] == '/')
		blen--;
	r = snprintf(out, size, "%.*s/c/%s", (int)blen, base_url, tok);
	return (r < 0 || (size_t)r >= size) ? -1 : 0;
}

int
token_venue_verify(const unsigned char pk[KEYS_PUB_LEN], const char *token,
    char venue_id[65], int64_t *slot)
{
	char body[256];
	json_t *o, *v, *s;
	int ret = -1;

	if (verify_b64(pk, token, strlen(token), body, sizeof(body)) != 0)
		return -1;
	o = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	v = json_object_get(o, "venue");
	s = json_object_get(o, "slot");
	if (json_is_string(v) && json_string_length(v) <= 64 &&
	    json_is_integer(s)) {
		memcpy(venue_id, json_string_value(v),
		    json_string_length(v) + 1);
		*slot = json_integer_value(s);
		ret = 0;
	}
	json_decref(o);
	return ret;
}

int
token_receipt(const struct key_pair *device, const char *body_json,
    char *out, size_t size)
{
	size_t plen = strlen(RECEIPT_PREFIX);

	if (size <= plen)
		return -1;
	memcpy(out, RECEIPT_PREFIX, plen);
	return sign_b64(device, body_json, out + plen, size - plen);
}

int
token_receipt_verify(const unsigned char pk[KEYS_PUB_LEN], const char *text,
    char *body, size_t size)
{
	size_t plen = strlen(RECEIPT_PREFIX), len = strlen(text);

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len <= plen || strncmp(text, RECEIPT_PREFIX, plen) != 0)
		return -1;
	return verify_b64(pk, text + plen, len - plen, body, size);
}

int
token_venue_peek(const char *token, struct venue_token *out)
{
	const char *dot = strchr(token, '.'), *end;
	char body[256];
	size_t blen;
	json_t *o;
	const char *venue, *dev;
	json_int_t slot;
	int period, ret = -1;

	memset(out, 0, sizeof(*out));
	if (dot == NULL || sodium_base642bin((unsigned char *)body,
	    sizeof(body) - 1, token, (size_t)(dot - token), NULL, &blen, &end,
	    B64) != 0 || end != dot)
		return -1;
	body[blen] = '\0';
	o = json_loads(body, JSON_REJECT_DUPLICATES, NULL);
	if (json_unpack(o, "{s:s, s:s, s:I, s:i}", "venue", &venue, "dev",
	    &dev, "slot", &slot, "p", &period) == 0 && strlen(venue) <= 64 &&
	    strlen(dev) == KEYS_ID_LEN && period >= TOKEN_PERIOD_MIN &&
	    period <= TOKEN_PERIOD_MAX && slot >= 0) {
		memcpy(out->venue_id, venue, strlen(venue) + 1);
		memcpy(out->device, dev, KEYS_ID_LEN + 1);
		out->slot = slot;
		out->period_s = period;
		ret = 0;
	}
	json_decref(o);
	return ret;
}
