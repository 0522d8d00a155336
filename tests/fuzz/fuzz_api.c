/*
 * fuzz_api: the collector's request handling (sync/api.h) on any request:
 * the route, the parsing of headers, query arguments and body, and the
 * role checks, over an in-memory SQLite store that holds an enrolled
 * kiosk and a token of each role. The input is
 *
 *   byte 0       the route (from the table below) and the method
 *   byte 1       the Authorization: none, one of the four tokens, or a
 *                line of the input
 *   then lines   a path suffix, "Name: value" header lines and
 *                "name=value" query arguments up to an empty line; the
 *                rest is the body ("@token@" in it becomes a venue code
 *                signed by the kiosk, so phone check-ins get past it)
 *
 * Must never crash, leak or hit undefined behaviour; every answer must
 * be a status from 200 to 599 with a content type, and a body when it
 * says it has one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "api.h"
#include "db.h"
#include "keys.h"
#include "ktime.h"
#include "limit.h"
#include "log.h"
#include "token.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"/api/v1/health", "/c/", "/web/checkin.js", "/api/v1/venue/",
	"/api/v1/trace", "/api/v1/report", "/api/v1/audit",
	"/api/v1/verify-receipt", "/api/v1/batch", "/api/v1/heartbeat",
	"/api/v1/enroll", "/api/v1/phone-checkin", "/nowhere",
	/* the web console's files and admin routes */
	"/", "/console/", "/vendor/", "/api/v1/whoami", "/api/v1/tokens",
	"/api/v1/tokens/revoke", "/api/v1/devices", "/api/v1/devices/revoke",
};

static struct db *db;
static struct api_config cfg;
static char tokens[4][DB_TOKEN_LEN + 1];
static char venue_code[TOKEN_URL_MAX];

/* The store, the kiosk and the tokens, once. */
static void
setup(void)
{
	static const char *const roles[4] = { "tracer", "patrol", "admin",
	    "device-enrolment" };
	struct key_pair k;
	struct wire_device d;
	char tok[DB_TOKEN_LEN + 1], why[400], url[TOKEN_URL_MAX];
	int i;

	log_set_level(LOG_NONE);
	if (sodium_init() < 0 || (db = db_open("sqlite::memory:")) == NULL)
		abort();
	keys_generate(KEY_ED25519, &k);
	memset(&d, 0, sizeof(d));
	memcpy(d.pk, k.pk, KEYS_PUB_LEN);
	keys_id(k.pk, d.device_id);
	snprintf(d.venue_id, sizeof(d.venue_id), "FUZZ-1");
	snprintf(d.venue_name, sizeof(d.venue_name), "Quán");
	if (db_token_new(db, "device-enrolment", "W", tok) != 0 ||
	    db_enroll(db, tok, &d, why, sizeof(why)) != 0)
		abort();
	for (i = 0; i < 4; i++)
		if (db_token_new(db, roles[i], "W", tokens[i]) != 0)
			abort();
	if (token_venue_url(&k, "", "FUZZ-1", ktime_wall_ms() / 1000 / 30, 30,
	    url, sizeof(url)) != 0)
		abort();
	snprintf(venue_code, sizeof(venue_code), "%s", url + 3);  /* "/c/" */
	keys_wipe(&k);
	cfg.web_dir = "assets/web";
	cfg.phone_window_ms = 300000;
	cfg.limits = limit_new();
	cfg.phone_per_address = cfg.phone_per_code = 1000000;
	cfg.phone_per_slot = 1000000;
}

struct fuzz_rq {
	char *lines[32];	/* "Name: value" and "name=value" */
	size_t n;
	const char *auth;
};

static const char *
find(const struct fuzz_rq *f, const char *name, char sep)
{
	size_t i, len = strlen(name);

	for (i = 0; i < f->n; i++)
		if (strncasecmp(f->lines[i], name, len) == 0 &&
		    f->lines[i][len] == sep)
			return f->lines[i] + len + 1 + (sep == ':' &&
			    f->lines[i][len + 1] == ' ');
	return NULL;
}

static const char *
header(void *ctx, const char *name)
{
	const struct fuzz_rq *f = ctx;

	if (strcmp(name, "Authorization") == 0 && f->auth != NULL)
		return f->auth;
	return find(f, name, ':');
}

static const char *
arg(void *ctx, const char *name)
{
	return find(ctx, name, '=');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_request rq;
	struct api_response rs;
	struct fuzz_rq f;
	char *text, *p, *nl, *body, *sub, url[300], auth[200];
	size_t k;

	if (db == NULL)
		setup();
	if (size < 2)
		return 0;
	text = malloc(size - 2 + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data + 2, size - 2);
	text[size - 2] = '\0';
	memset(&f, 0, sizeof(f));
	/* The path suffix, then lines up to an empty one, then the body. */
	p = text;
	nl = strchr(p, '\n');
	if (nl != NULL)
		*nl = '\0';
	snprintf(url, sizeof(url), "%s%s", paths[data[0] % (sizeof(paths) /
	    sizeof(paths[0]))], p);
	p = nl ? nl + 1 : p + strlen(p);
	while (*p != '\0' && *p != '\n' && f.n < 32) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		f.lines[f.n++] = p;
		p = nl ? nl + 1 : p + strlen(p);
	}
	if (*p == '\n')
		p++;
	body = p;
	k = data[1] % 6;
	if (k >= 1 && k <= 4) {
		snprintf(auth, sizeof(auth), "Bearer %s", tokens[k - 1]);
		f.auth = auth;
	}
	/* A signed venue code where the input says so. */
	sub = NULL;
	if ((p = strstr(body, "@token@")) != NULL &&
	    asprintf(&sub, "%.*s%s%s", (int)(p - body), body, venue_code,
	    p + 7) > 0)
		body = sub;
	memset(&rq, 0, sizeof(rq));
	rq.method = (data[0] & 0x80) ? "POST" : "GET";
	rq.url = url;
	rq.body = *body ? body : NULL;
	rq.len = strlen(body);
	rq.client = (data[1] & 0x80) ? "10.0.0.1" : "10.0.0.2";
	rq.header = header;
	rq.arg = arg;
	rq.ctx = &f;
	api_handle(db, &cfg, &rq, &rs);
	if (rs.status < 200 || rs.status > 599 || rs.content_type == NULL ||
	    (rs.len > 0 && rs.body == NULL))
		abort();
	api_response_release(&rs);
	free(sub);
	free(text);
	return 0;
}
