/*
 * pass: signed visitor and officer passes. See pass.h.
 */
#include "pass.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "dynbuf.h"
#include "fileio.h"
#include "log.h"

#define TRUST_FILE_MAX (1024 * 1024)

struct issuer {
	unsigned char pk[KEYS_PUB_LEN];
	char id[KEYS_ID_LEN + 1];
};

struct pass_trust {
	struct issuer *issuers;
	size_t n_issuers, cap_issuers;
	char (*revoked)[PASS_ID_MAX + 1];
	size_t n_revoked, cap_revoked;
};

struct pass_trust *
pass_trust_new(void)
{
	return calloc(1, sizeof(struct pass_trust));
}

void
pass_trust_free(struct pass_trust *t)
{
	if (t == NULL)
		return;
	free(t->issuers);
	free(t->revoked);
	free(t);
}

size_t
pass_trust_count(const struct pass_trust *t)
{
	return t->n_issuers;
}

/* A trust or revocation list holds at most this many entries. */
#define PASS_LIST_MAX (1u << 20)

/* Room in *ARRAY of element SIZE for one more than *N. */
static int
grow(void *array, size_t *n, size_t *cap, size_t size)
{
	return dynbuf_grow(array, cap, *n + 1, size, PASS_LIST_MAX);
}

int
pass_trust_add(struct pass_trust *t, const unsigned char pk[KEYS_PUB_LEN])
{
	struct issuer *is;

	if (grow(&t->issuers, &t->n_issuers, &t->cap_issuers,
	    sizeof(*t->issuers)) != 0)
		return -1;
	is = &t->issuers[t->n_issuers++];
	memcpy(is->pk, pk, KEYS_PUB_LEN);
	keys_id(pk, is->id);
	return 0;
}

static int
valid_id(const char *id, size_t len)
{
	size_t i;

	if (len < 4 || len > PASS_ID_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)id[i]) && id[i] != '-' &&
		    id[i] != '_')
			return 0;
	return 1;
}

int
pass_trust_revoke(struct pass_trust *t, const char *id)
{
	size_t len = strlen(id);

	if (!valid_id(id, len))
		return -1;
	if (grow(&t->revoked, &t->n_revoked, &t->cap_revoked,
	    sizeof(*t->revoked)) != 0)
		return -1;
	memcpy(t->revoked[t->n_revoked++], id, len + 1);
	return 0;
}

/*
 * Call LINE_FN on each line of PATH with comments and blanks trimmed.
 * A missing file is an empty list.
 */
static int
each_line(const char *path, struct pass_trust *t,
    int (*line_fn)(struct pass_trust *, char *))
{
	char *text, *line, *save = NULL;
	size_t lineno = 0;

	if (path == NULL)
		return 0;
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		log_debug("'%s' does not exist: an empty list", path);
		return 0;
	}
	text = fileio_read(path, TRUST_FILE_MAX, NULL);
	if (text == NULL)
		return errno == ENOENT ? 0 : -1;
	for (line = text; line != NULL; line = save) {
		char *nl = strchr(line, '\n'), *hash, *end;

		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		while (isspace((unsigned char)*line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*line == '\0')
			continue;
		if (line_fn(t, line) != 0)
			log_warn("%s:%zu: not understood, line skipped", path,
			    lineno);
	}
	free(text);
	return 0;
}

static int
trust_line(struct pass_trust *t, char *line)
{
	unsigned char pk[KEYS_PUB_LEN];

	if (keys_parse_public(line, KEY_ED25519, pk) != 0)
		return -1;
	return pass_trust_add(t, pk);
}

static int
revoke_line(struct pass_trust *t, char *line)
{
	line[strcspn(line, " \t")] = '\0';
	return pass_trust_revoke(t, line);
}

struct pass_trust *
pass_trust_load(const char *trust_path, const char *revoked_path)
{
	struct pass_trust *t = pass_trust_new();

	if (t == NULL)
		return NULL;
	if (each_line(trust_path, t, trust_line) != 0 ||
	    each_line(revoked_path, t, revoke_line) != 0) {
		pass_trust_free(t);
		return NULL;
	}
	if (t->n_issuers == 0)
		log_debug("no trusted pass issuers%s%s: passes will be refused",
		    trust_path ? " in " : "", trust_path ? trust_path : "");
	return t;
}

static const struct issuer *
find_issuer(const struct pass_trust *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->n_issuers; i++)
		if (strcmp(t->issuers[i].id, id) == 0)
			return &t->issuers[i];
	return NULL;
}

static int
is_revoked(const struct pass_trust *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->n_revoked; i++)
		if (strcmp(t->revoked[i], id) == 0)
			return 1;
	return 0;
}

/* A display name: 1..PASS_NAME_MAX bytes, no control characters. */
static int
valid_name(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > PASS_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
		/* U+0080..U+009F (C1 controls) are 0xC2 0x80..0x9F in UTF-8 */
		if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return 0;
	}
	return 1;
}

int
pass_issue(const struct key_pair *issuer, struct pass_info *info, char *out,
    size_t size)
{
	unsigned char sig[crypto_sign_BYTES];
	char sigb64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char *body = NULL, *bodyb64 = NULL;
	size_t blen, b64len;
	json_t *o;
	int r, ret = -1;

	if (issuer->type != KEY_ED25519) {
		log_error("a pass needs an Ed25519 issuer key");
		return -1;
	}
	if (info->id[0] == '\0') {
		unsigned char rnd[8];

		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(info->id, sizeof(info->id), rnd, sizeof(rnd));
	}
	if (!valid_id(info->id, strlen(info->id))) {
		log_error("pass id must be 4-%d letters, digits, '-' or '_'",
		    PASS_ID_MAX);
		return -1;
	}
	if (!valid_name(info->name)) {
		log_error("pass name must be 1-%d bytes of UTF-8 text",
		    PASS_NAME_MAX);
		return -1;
	}
	if (info->expires <= info->not_before) {
		log_error("pass expiry must be after its start");
		return -1;
	}
	keys_id(issuer->pk, info->issuer);

	o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I, s:I}", "v", 1,
	    "id", info->id,
	    "role", info->role == PASS_OFFICER ? "officer" : "visitor",
	    "name", info->name, "iss", info->issuer,
	    "nbf", (json_int_t)info->not_before,
	    "exp", (json_int_t)info->expires);
	if (o == NULL) {
		log_error("pass name is not valid UTF-8");
		goto err0;
	}
	body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (body == NULL)
		goto err0;
	blen = strlen(body);
	crypto_sign_detached(sig, NULL, (unsigned char *)body, blen,
	    issuer->sk);
	b64len = sodium_base64_ENCODED_LEN(blen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	bodyb64 = malloc(b64len);
	if (bodyb64 == NULL)
		goto err0;
	sodium_bin2base64(bodyb64, b64len, (unsigned char *)body, blen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(sigb64, sizeof(sigb64), sig, sizeof(sig),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	r = snprintf(out, size, "%s%s.%s", PASS_PREFIX, bodyb64, sigb64);
	if (r < 0 || (size_t)r >= size || (size_t)r > PASS_TEXT_MAX) {
		log_error("pass too long for a QR code (name too long?)");
		goto err0;
	}
	ret = 0;
err0:
	free(body);
	free(bodyb64);
	return ret;
}

/* Read a JSON integer member of O into *OUT. */
static int
get_int(json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* Copy a JSON string member of O, at most MAX bytes, into OUT. */
static const char *
get_str(json_t *o, const char *key, size_t max)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

int
pass_verify(const struct pass_trust *t, const char *text, size_t len,
    int64_t now_ms, struct pass_info *out, enum reason *reason)
{
	return pass_check(t, text, len, now_ms, now_ms, out, reason);
}

int
pass_check(const struct pass_trust *t, const char *text, size_t len,
    int64_t earliest_ms, int64_t latest_ms, struct pass_info *out,
    enum reason *reason)
{
	unsigned char body[PASS_TEXT_MAX], sig[crypto_sign_BYTES];
	const char *dot, *b64end, *id, *role, *name, *iss;
	const struct issuer *is;
	size_t plen = strlen(PASS_PREFIX), body_len, sig_len;
	int64_t v, nbf, exp;
	json_error_t jerr;
	json_t *o;

	*reason = REASON_PASS_FORMAT;
	memset(out, 0, sizeof(*out));
	if (len <= plen || len > PASS_TEXT_MAX ||
	    memcmp(text, PASS_PREFIX, plen) != 0)
		return -1;
	text += plen;
	len -= plen;
	dot = memchr(text, '.', len);
	if (dot == NULL)
		return -1;
	if (sodium_base642bin(body, sizeof(body), text, (size_t)(dot - text),
	    NULL, &body_len, &b64end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || b64end != dot)
		return -1;
	if (sodium_base642bin(sig, sizeof(sig), dot + 1,
	    len - (size_t)(dot + 1 - text), NULL, &sig_len, &b64end,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    sig_len != sizeof(sig) || b64end != text + len)
		return -1;

	o = json_loadb((const char *)body, body_len, JSON_REJECT_DUPLICATES,
	    &jerr);
	if (!json_is_object(o))
		goto bad;
	id = get_str(o, "id", PASS_ID_MAX);
	role = get_str(o, "role", 16);
	name = get_str(o, "name", PASS_NAME_MAX);
	iss = get_str(o, "iss", KEYS_ID_LEN);
	if (get_int(o, "v", &v) != 0 || v != 1 || id == NULL ||
	    !valid_id(id, strlen(id)) || role == NULL || name == NULL ||
	    !valid_name(name) || iss == NULL ||
	    get_int(o, "nbf", &nbf) != 0 || get_int(o, "exp", &exp) != 0)
		goto bad;
	if (strcmp(role, "visitor") == 0)
		out->role = PASS_VISITOR;
	else if (strcmp(role, "officer") == 0)
		out->role = PASS_OFFICER;
	else
		goto bad;

	is = find_issuer(t, iss);
	if (is == NULL) {
		*reason = REASON_PASS_UNKNOWN_ISSUER;
		goto bad;
	}
	if (crypto_sign_verify_detached(sig, body, body_len, is->pk) != 0) {
		*reason = REASON_PASS_SIGNATURE;
		goto bad;
	}
	/* Only a signed pass's own fields are trusted from here on. */
	if (is_revoked(t, id)) {
		*reason = REASON_PASS_REVOKED;
		goto bad;
	}
	if (latest_ms < nbf * 1000 - PASS_SKEW_MS) {
		*reason = REASON_PASS_NOT_YET_VALID;
		goto bad;
	}
	if (earliest_ms >= exp * 1000) {
		*reason = REASON_PASS_EXPIRED;
		goto bad;
	}
	memcpy(out->id, id, strlen(id) + 1);
	memcpy(out->name, name, strlen(name) + 1);
	memcpy(out->issuer, iss, strlen(iss) + 1);
	out->not_before = nbf;
	out->expires = exp;
	json_decref(o);
	*reason = REASON_NONE;
	return 0;
bad:
	json_decref(o);
	memset(out, 0, sizeof(*out));
	return -1;
}
