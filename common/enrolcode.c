/*
 * enrolcode: the enrolment code. See enrolcode.h.
 */
#include "enrolcode.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "signed_json.h"

/* Copy S (at most SIZE - 1 bytes) into OUT; 0, or -1 when too long. */
static int
take(char *out, size_t size, const char *s)
{
	size_t n;

	if (s == NULL || (n = strlen(s)) >= size)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

int
enrol_code_make(const struct key_pair *signer, struct enrol_code *c,
    char **out)
{
	char auth[KEYS_PUB_TEXT], sk[KEYS_PUB_TEXT], iss[KEYS_PUB_TEXT];
	json_t *o, *list;
	int i, bad = 0;

	*out = NULL;
	memcpy(c->signer_pk, signer->pk, KEYS_PUB_LEN);
	if (keys_format_public(KEY_X25519, c->authority_pk, auth,
	    sizeof(auth)) != 0 || keys_format_public(KEY_ED25519,
	    c->signer_pk, sk, sizeof(sk)) != 0)
		return -1;
	list = json_array();
	for (i = 0; list != NULL && i < c->n_issuers; i++) {
		(void)keys_format_public(KEY_ED25519, c->issuers[i], iss,
		    sizeof(iss));
		bad |= json_array_append_new(list, json_string(iss));
	}
	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, "
	    "s:I, s:s}", "v", 1, "url", c->url, "tok", c->token, "ward",
	    c->ward, "vid", c->venue_id, "vname", c->venue_name, "addr",
	    c->address, "hours", c->hours, "auth", auth, "iss", list,
	    "exp", (json_int_t)c->expires, "signer", sk);
	if (o == NULL || bad) {
		json_decref(o);
		log_error("enrolment code: a field is not UTF-8 text");
		return -1;
	}
	*out = signed_wrap(ENROL_PREFIX, o, signer);
	json_decref(o);
	if (*out == NULL) {
		log_error("enrolment code: out of memory");
		return -1;
	}
	if (strlen(*out) > ENROL_TEXT_MAX) {
		log_error("enrolment code: %zu bytes, more than a QR code for "
		    "a camera holds (%d): shorten the venue's name or address",
		    strlen(*out), ENROL_TEXT_MAX);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

enum enrol_error
enrol_code_read(const char *text, size_t len, int64_t now_s,
    struct enrol_code *c)
{
	const char *signer;
	json_t *o, *list;
	long long v, exp;
	size_t i;
	int bad;

	memset(c, 0, sizeof(*c));
	if (len < strlen(ENROL_PREFIX) ||
	    memcmp(text, ENROL_PREFIX, strlen(ENROL_PREFIX)) != 0)
		return ENROL_NOT_CODE;
	o = signed_peek(ENROL_PREFIX, text, len, ENROL_TEXT_MAX);
	signer = o ? signed_str(o, "signer", KEYS_PUB_TEXT) : NULL;
	if (signer == NULL || keys_parse_public(signer, KEY_ED25519,
	    c->signer_pk) != 0) {
		json_decref(o);
		return ENROL_DAMAGED;
	}
	json_decref(o);
	o = signed_unwrap(ENROL_PREFIX, text, len, ENROL_TEXT_MAX,
	    c->signer_pk);
	if (o == NULL)
		return ENROL_DAMAGED;
	list = json_object_get(o, "iss");
	bad = signed_int(o, "v", &v) != 0 || v != 1 ||
	    signed_int(o, "exp", &exp) != 0 ||
	    take(c->url, sizeof(c->url), signed_str(o, "url", 256)) != 0 ||
	    take(c->token, sizeof(c->token), signed_str(o, "tok", 128)) != 0 ||
	    take(c->ward, sizeof(c->ward), signed_str(o, "ward", 128)) != 0 ||
	    take(c->venue_id, sizeof(c->venue_id),
	    signed_str(o, "vid", 64)) != 0 ||
	    take(c->venue_name, sizeof(c->venue_name),
	    signed_str(o, "vname", 128)) != 0 ||
	    take(c->address, sizeof(c->address),
	    signed_str(o, "addr", 256)) != 0 ||
	    take(c->hours, sizeof(c->hours), signed_str(o, "hours", 127)) != 0 ||
	    keys_parse_public(signed_str(o, "auth", KEYS_PUB_TEXT) ?
	    signed_str(o, "auth", KEYS_PUB_TEXT) : "", KEY_X25519,
	    c->authority_pk) != 0 ||
	    !json_is_array(list) || json_array_size(list) > ENROL_ISSUERS_MAX;
	for (i = 0; !bad && i < json_array_size(list); i++) {
		const json_t *s = json_array_get(list, i);

		bad = !json_is_string(s) || keys_parse_public(
		    json_string_value(s), KEY_ED25519, c->issuers[i]) != 0;
	}
	json_decref(o);
	if (bad || c->token[0] == '\0' || c->url[0] == '\0' ||
	    c->ward[0] == '\0' || c->venue_id[0] == '\0') {
		memset(c, 0, sizeof(*c));
		return ENROL_DAMAGED;
	}
	c->n_issuers = (int)i;
	c->expires = exp;
	if (exp != 0 && now_s >= exp)
		return ENROL_EXPIRED;
	return ENROL_OK;
}

void
enrol_fingerprint(const unsigned char pk[KEYS_PUB_LEN],
    char out[ENROL_FPR_LEN + 1])
{
	char id[KEYS_ID_LEN + 1];
	int i, o = 0;

	keys_id(pk, id);
	for (i = 0; i < KEYS_ID_LEN; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = (char)toupper((unsigned char)id[i]);
	}
	out[o] = '\0';
}
