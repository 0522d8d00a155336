/*
 * enrol: set-up from an enrolment code, and the enrolment. See enrol.h.
 */
#include "enrol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "fileio.h"
#include "http.h"
#include "ktime.h"
#include "log.h"
#include "store.h"

/* The collector's words in an error answer BODY, or BODY itself. */
static const char *
their_words(const char *body, char *buf, size_t size)
{
	const char *p = body ? strstr(body, "\"error\":\"") : NULL;
	size_t i = 0;

	if (p == NULL)
		return body ? body : "";
	for (p += 9; *p != '\0' && *p != '"' && i + 1 < size; p++)
		buf[i++] = *p == '\\' && p[1] != '\0' ? *++p : *p;
	buf[i] = '\0';
	return buf;
}

/* KEY's public key in the answer BODY into PK: 1, or 0 when not there. */
static int
answer_key(const char *body, size_t len, const char *key, enum key_type type,
    unsigned char pk[KEYS_PUB_LEN])
{
	json_t *j = json_loadb(body, len, 0, NULL);
	json_t *v = json_object_get(j, key);
	int ok = json_is_string(v) && keys_parse_public(json_string_value(v),
	    type, pk) == 0;

	json_decref(j);
	return ok;
}

int
enrol_send(const struct config *c, const struct key_pair *dev,
    const char *token, struct enrol_answer *ans, char *why, size_t wsize)
{
	struct wire_device *got = &ans->dev;
	size_t ulen;
	const char *headers[2] = { "Content-Type: application/json", NULL };
	char id[KEYS_ID_LEN + 1], full[600], words[400], *body;
	struct wire_device venue;
	struct http_resp r;
	int rc;

	keys_id(dev->pk, id);
	config_venue(c, &venue);
	memcpy(venue.pk, dev->pk, KEYS_PUB_LEN);
	body = wire_enroll_encode(dev, token, &venue);
	if (body == NULL) {
		snprintf(why, wsize, "out of memory");
		return ENROL_RUN_FAILED;
	}
	memset(ans, 0, sizeof(*ans));
	/* "https://x/" and "https://x" are one collector. */
	ulen = strlen(c->collector_url);
	if (ulen > 0 && c->collector_url[ulen - 1] == '/')
		ulen--;
	snprintf(full, sizeof(full), "%.*s/api/v1/enroll", (int)ulen,
	    c->collector_url);
	rc = http_post(full, headers, body, strlen(body), 30, &r);
	sodium_memzero(body, strlen(body));
	free(body);
	if (rc != 0) {
		snprintf(why, wsize, "cannot reach the collector at %s: %s",
		    c->collector_url, r.error);
		return ENROL_RUN_UNREACHABLE;
	}
	rc = ENROL_RUN_OK;
	if (r.status >= 400 && r.status < 500 && r.status != 408 &&
	    r.status != 429 && r.body != NULL && strstr(r.body, "\"error\"")) {
		snprintf(why, wsize, "%s", their_words(r.body, words,
		    sizeof(words)));
		rc = ENROL_RUN_REFUSED;
	} else if (r.status != 201) {
		/* A proxy, a captive portal, a collector being restarted:
		 * not the collector's no. */
		snprintf(why, wsize, "the collector at %s did not answer "
		    "(HTTP %ld)", c->collector_url, r.status);
		rc = ENROL_RUN_UNREACHABLE;
	} else if (wire_enrolled_parse(r.body, r.len, got) != 0 ||
	    strcmp(got->device_id, id) != 0) {
		snprintf(why, wsize, "the address %s answered, but not as a "
		    "collector (a captive portal?)", c->collector_url);
		rc = ENROL_RUN_UNREACHABLE;
	} else {
		ans->have_collector_key = answer_key(r.body, r.len,
		    "collector_key", KEY_ED25519, ans->collector_pk);
		ans->have_authority_key = answer_key(r.body, r.len,
		    "authority_key", KEY_X25519, ans->authority_pk);
	}
	http_resp_release(&r);
	return rc;
}

int
enrol_new_pin(char pin[7], char hash[160])
{
	snprintf(pin, 7, "%06u", (unsigned)randombytes_uniform(1000000));
	if (crypto_pwhash_str(hash, pin, strlen(pin),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		log_error("out of memory hashing the PIN");
		sodium_memzero(pin, 7);
		return -1;
	}
	return 0;
}

/*
 * The trust and revocation files, when there are none yet. The ward's
 * issuers are not written there: they come in the ward's signed pass
 * list (kiosk-sync takes it at its first heartbeat, right after
 * enrolment), from which the ward can also withdraw them.
 */
static int
write_trust(const struct config *c)
{
	if (fileio_create_if_missing(c->trust_file, "# Pass issuers this kiosk "
	    "trusts besides the ward's (those come with its pass list,\n# "
	    "pass_list_file): one \"ed25519:<base64>\" line each.\n") != 0)
		return -1;
	return fileio_create_if_missing(c->revoked_file, "# Revoked pass ids, one "
	    "a line (the ward's come with its pass list).\n");
}

/* The device key at C's device_key, made when there is none; into *DEV. */
static int
device_key(const struct config *c, struct key_pair *dev)
{
	char prefix[CONFIG_PATH_MAX];
	size_t dl = strlen(c->device_key);

	if (dl < 5 || dl >= sizeof(prefix) || strcmp(c->device_key + dl - 4,
	    ".sec") != 0) {
		log_error("device_key '%s' is not a .sec file", c->device_key);
		return -1;
	}
	if (access(c->device_key, F_OK) != 0) {
		memcpy(prefix, c->device_key, dl - 4);
		prefix[dl - 4] = '\0';
		keys_generate(KEY_ED25519, dev);
		if (keys_save(dev, prefix) != 0) {
			keys_wipe(dev);
			return -1;
		}
		return 0;
	}
	return keys_load_secret(c->device_key, KEY_ED25519, dev);
}

int
enrol_run(const char *db_path, const char *cfg_path,
    const struct enrol_code *code, const char *pin_hash, char *why,
    size_t wsize, struct wire_device *got)
{
	char dir[CONFIG_PATH_MAX];
	const char *bad;
	struct enrol_answer ans;
	struct key_pair dev;
	struct config c;
	struct store *s;
	const char *ca = getenv(ENROL_CA_ENV);
	int rc;

	snprintf(why, wsize, "this kiosk could not keep its settings (see "
	    "its log)");
	config_defaults(&c, db_path);
	if (config_set(&c, "venue_id", code->venue_id, &bad) != 0 ||
	    config_set(&c, "venue_name", code->venue_name[0] ?
	    code->venue_name : code->venue_id, &bad) != 0 ||
	    config_set(&c, "address", code->address, &bad) != 0 ||
	    config_set(&c, "ward", code->ward, &bad) != 0 ||
	    config_set(&c, "hours", code->hours, &bad) != 0 ||
	    config_set(&c, "collector_url", code->url, &bad) != 0) {
		snprintf(why, wsize, "the code's venue details do not fit "
		    "this kiosk (want %s): ask the ward for a new code", bad);
		return ENROL_RUN_REFUSED;
	}
	memcpy(c.authority_pk, code->authority_pk, KEYS_PUB_LEN);
	c.have_authority = 1;
	memcpy(c.collector_pk, code->signer_pk, KEYS_PUB_LEN);
	c.have_collector_key = 1;
	/* A ward with its own CA: the kiosk image says where its PEM is. */
	if (ca != NULL && *ca != '\0' &&
	    config_set(&c, "collector_ca", ca, &bad) != 0) {
		snprintf(why, wsize, "%s='%s' is not a file path", ENROL_CA_ENV,
		    ca);
		return ENROL_RUN_FAILED;
	}
	http_trust(c.collector_ca);
	snprintf(c.admin_pin, sizeof(c.admin_pin), "%s", pin_hash);
	if (fileio_dirname(db_path, dir, sizeof(dir)) != 0 ||
	    fileio_mkdirs(dir, 0700) != 0) {
		log_error("cannot make the folder of '%s': %s", db_path,
		    strerror(errno));
		return ENROL_RUN_FAILED;
	}
	if (device_key(&c, &dev) != 0)
		return ENROL_RUN_FAILED;
	rc = enrol_send(&c, &dev, code->token, &ans, why, wsize);
	keys_wipe(&dev);
	*got = ans.dev;
	if (rc != ENROL_RUN_OK)
		return rc;
	/* The code's keys must be the collector's own: a sheet re-signed
	 * with another key (to choose whom visitors' names are sealed to,
	 * or whose passes are trusted) is refused here, whatever its
	 * fingerprint. Its token is spent: the ward makes a new sheet. */
	if ((ans.have_collector_key && memcmp(ans.collector_pk,
	    code->signer_pk, KEYS_PUB_LEN) != 0) || (ans.have_authority_key &&
	    memcmp(ans.authority_pk, code->authority_pk, KEYS_PUB_LEN) != 0)) {
		snprintf(why, wsize, "the enrolment code's keys are not the "
		    "collector's own: the sheet was altered or is not the "
		    "ward's. Nothing was set up; ask the ward for a new sheet");
		log_error("set-up refused: the code was signed by another key "
		    "than the collector's (or names another authority key)");
		return ENROL_RUN_REFUSED;
	}
	/* The ward's word on its venue, as the token gave it. */
	{
		struct config as = c;

		if (config_set(&as, "ward", got->ward, &bad) == 0 &&
		    config_set(&as, "venue_id", got->venue_id, &bad) == 0 &&
		    config_set(&as, "venue_name", got->venue_name[0] ?
		    got->venue_name : got->venue_id, &bad) == 0 &&
		    config_set(&as, "address", got->address, &bad) == 0)
			c = as;
	}
	(void)ktime_format(ktime_wall_ms(), c.enrolled_at,
	    sizeof(c.enrolled_at));
	snprintf(why, wsize, "enrolled, but this kiosk could not keep its "
	    "settings (see its log); scan the code again after fixing it");
	if (write_trust(&c) != 0)
		return ENROL_RUN_FAILED;
	s = store_open(db_path);
	if (s == NULL)
		return ENROL_RUN_FAILED;
	(void)store_event(s, "admin", "{\"action\":\"enroll\"}",
	    ktime_wall_ms());
	store_close(s);
	/* Last: its appearing is what the set-up screen waits for. */
	if (config_save(cfg_path, &c) != 0)
		return ENROL_RUN_FAILED;
	why[0] = '\0';
	return ENROL_RUN_OK;
}

/* The path of NAME beside the store DB_PATH, into BUF. */
static int
beside(const char *db_path, const char *name, char *buf, size_t size)
{
	return fileio_sibling(db_path, name, buf, size);
}

int
enrol_request_put(const char *db_path, const char *code,
    const char *pin_hash)
{
	char path[CONFIG_PATH_MAX], *text;
	size_t n = strlen(code) + strlen(pin_hash) + 3;
	int r;

	if (beside(db_path, ENROL_REQUEST_NAME, path, sizeof(path)) != 0)
		return -1;
	{
		/* A new machine: the store's folder, private. */
		char dir[CONFIG_PATH_MAX];

		if (fileio_dirname(db_path, dir, sizeof(dir)) != 0 ||
		    fileio_mkdirs(dir, 0700) != 0) {
			log_error("cannot make the folder of '%s': %s", db_path,
			    strerror(errno));
			return -1;
		}
	}
	text = malloc(n);
	if (text == NULL)
		return -1;
	snprintf(text, n, "%s\n%s\n", code, pin_hash);
	r = fileio_write_atomic(path, text, strlen(text), 0600);
	sodium_memzero(text, n);
	free(text);
	return r;
}

int
enrol_request_take(const char *db_path, char **code, char pin_hash[160])
{
	char path[CONFIG_PATH_MAX], *text, *nl, *nl2;
	size_t len;

	*code = NULL;
	if (beside(db_path, ENROL_REQUEST_NAME, path, sizeof(path)) != 0)
		return -1;
	if (access(path, F_OK) != 0)
		return errno == ENOENT ? 1 : -1;
	text = fileio_read(path, ENROL_TEXT_MAX + 200, &len);
	if (text == NULL)
		return -1;
	nl = strchr(text, '\n');
	nl2 = nl ? strchr(nl + 1, '\n') : NULL;
	if (nl == NULL || nl2 == NULL || (size_t)(nl2 - nl - 1) >= 160) {
		log_error("'%s' is damaged: removed (scan the code again)",
		    path);
		free(text);
		(void)unlink(path);
		return 1;
	}
	*nl = *nl2 = '\0';
	memcpy(pin_hash, nl + 1, strlen(nl + 1) + 1);
	*code = text;
	return 0;
}

void
enrol_request_drop(const char *db_path)
{
	char path[CONFIG_PATH_MAX];

	if (beside(db_path, ENROL_REQUEST_NAME, path, sizeof(path)) == 0)
		(void)unlink(path);
}

static const char *const progress_names[] = { "none", "trying",
    "unreachable", "refused", "failed" };

int
enrol_progress_put(const char *db_path, enum enrol_progress p,
    const char *words)
{
	char path[CONFIG_PATH_MAX], text[600];

	if (beside(db_path, ENROL_STATE_NAME, path, sizeof(path)) != 0)
		return -1;
	snprintf(text, sizeof(text), "%s\n%s\n", progress_names[p],
	    words ? words : "");
	return fileio_write_atomic(path, text, strlen(text), 0600);
}

enum enrol_progress
enrol_progress_get(const char *db_path, char *words, size_t size)
{
	char path[CONFIG_PATH_MAX], *text, *nl;
	enum enrol_progress p = ENROL_PR_NONE;
	size_t len, i;

	words[0] = '\0';
	if (beside(db_path, ENROL_STATE_NAME, path, sizeof(path)) != 0 ||
	    access(path, F_OK) != 0)
		return ENROL_PR_NONE;
	text = fileio_read(path, 4096, &len);
	if (text == NULL)
		return ENROL_PR_NONE;
	nl = strchr(text, '\n');
	if (nl != NULL) {
		*nl = '\0';
		for (i = 1; i < 5; i++)
			if (strcmp(text, progress_names[i]) == 0)
				p = (enum enrol_progress)i;
		snprintf(words, size, "%s", nl + 1);
		len = strlen(words);
		while (len > 0 && words[len - 1] == '\n')
			words[--len] = '\0';
	}
	free(text);
	return p;
}

void
enrol_progress_drop(const char *db_path)
{
	char path[CONFIG_PATH_MAX];

	if (beside(db_path, ENROL_STATE_NAME, path, sizeof(path)) == 0)
		(void)unlink(path);
}
