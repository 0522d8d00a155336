/*
 * passlist: a ward's signed pass list. See passlist.h.
 */
#include "passlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fileio.h"
#include "log.h"
#include "signed_json.h"

char *
passlist_make(const struct key_pair *signer, const struct passlist *l)
{
	char pk[KEYS_PUB_TEXT], *text;
	json_t *o, *iss = json_array(), *rev = json_array();
	size_t i;
	int bad = iss == NULL || rev == NULL;

	for (i = 0; !bad && i < l->n_issuers; i++) {
		(void)keys_format_public(KEY_ED25519, l->issuers[i], pk,
		    sizeof(pk));
		bad = json_array_append_new(iss, json_string(pk)) != 0;
	}
	for (i = 0; !bad && i < l->n_revoked; i++)
		bad = json_array_append_new(rev,
		    json_string(l->revoked[i])) != 0;
	o = bad ? NULL : json_pack("{s:i, s:s, s:I, s:O, s:O}", "v", 1,
	    "ward", l->ward, "version", (json_int_t)l->version, "iss", iss,
	    "revoked", rev);
	json_decref(iss);
	json_decref(rev);
	if (o == NULL) {
		log_error("pass list: out of memory or not UTF-8");
		return NULL;
	}
	text = signed_wrap(PASSLIST_PREFIX, o, signer);
	json_decref(o);
	if (text == NULL)
		log_error("pass list: cannot sign it");
	return text;
}

/* A pass id as pass.c takes them: 4-32 of [A-Za-z0-9_-]. */
static int
id_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 4 || n > PASS_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

int
passlist_read(const char *text, size_t len,
    const unsigned char pk[KEYS_PUB_LEN], struct passlist *l)
{
	json_t *o, *iss, *rev;
	const char *ward;
	long long v, version;
	size_t i;

	memset(l, 0, sizeof(*l));
	o = signed_unwrap(PASSLIST_PREFIX, text, len, PASSLIST_TEXT_MAX, pk);
	if (o == NULL)
		return -1;
	iss = json_object_get(o, "iss");
	rev = json_object_get(o, "revoked");
	ward = signed_str(o, "ward", 128);
	if (signed_int(o, "v", &v) != 0 || v != 1 ||
	    signed_int(o, "version", &version) != 0 || version < 0 ||
	    ward == NULL || !json_is_array(iss) || !json_is_array(rev) ||
	    json_array_size(iss) > PASSLIST_ISSUERS_MAX ||
	    json_array_size(rev) > PASSLIST_REVOKED_MAX)
		goto bad;
	l->version = version;
	memcpy(l->ward, ward, strlen(ward) + 1);
	l->issuers = calloc(json_array_size(iss) + 1, sizeof(*l->issuers));
	l->revoked = calloc(json_array_size(rev) + 1, sizeof(*l->revoked));
	if (l->issuers == NULL || l->revoked == NULL)
		goto bad;
	for (i = 0; i < json_array_size(iss); i++) {
		const json_t *s = json_array_get(iss, i);

		if (!json_is_string(s) || keys_parse_public(
		    json_string_value(s), KEY_ED25519, l->issuers[i]) != 0)
			goto bad;
	}
	l->n_issuers = i;
	for (i = 0; i < json_array_size(rev); i++) {
		const json_t *s = json_array_get(rev, i);

		if (!json_is_string(s) || !id_ok(json_string_value(s)))
			goto bad;
		memcpy(l->revoked[i], json_string_value(s),
		    strlen(json_string_value(s)) + 1);
	}
	l->n_revoked = i;
	json_decref(o);
	return 0;
bad:
	json_decref(o);
	passlist_free(l);
	return -1;
}

int
passlist_load(const char *path, const unsigned char pk[KEYS_PUB_LEN],
    struct passlist *l)
{
	char *text;
	size_t len;
	int r;

	memset(l, 0, sizeof(*l));
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 1;
	text = fileio_read(path, PASSLIST_TEXT_MAX, &len);
	if (text == NULL)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	r = passlist_read(text, len, pk, l);
	free(text);
	if (r != 0)
		log_error("the ward's pass list '%s' is damaged or not from "
		    "this kiosk's collector: ignored", path);
	return r;
}

int
passlist_apply(const struct passlist *l, struct pass_trust *t)
{
	size_t i;

	for (i = 0; i < l->n_issuers; i++)
		if (pass_trust_add(t, l->issuers[i]) != 0)
			return -1;
	for (i = 0; i < l->n_revoked; i++)
		if (pass_trust_revoke(t, l->revoked[i]) != 0)
			return -1;
	return 0;
}

void
passlist_free(struct passlist *l)
{
	free(l->issuers);
	free(l->revoked);
	memset(l, 0, sizeof(*l));
}
