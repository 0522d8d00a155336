/*
 * api_console: the web console's files and its admin endpoints
 * (docs/console.md).
 *
 *   GET  /                        the console (assets/web/console)
 *   GET  /console/NAME            its script, style and words
 *   GET  /vendor/NAME             Chart.js (Debian) and libsodium.js (npm),
 *                                 copied in at build time
 *   GET  /api/v1/whoami           a token's role and ward
 *   GET  /api/v1/tokens           admin: the tokens (never a token itself)
 *   POST /api/v1/tokens           admin: a new token; an enrolment token
 *                                 with its code and A4 sheet (PDF)
 *   POST /api/v1/tokens/revoke    admin: {"id"}
 *   GET  /api/v1/devices          admin: the kiosks (?ward=W)
 *   POST /api/v1/devices/revoke   admin: {"device"}
 *
 * Only the named files are served: never a path taken from the URL.
 */
#include "api_impl.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <unistr.h>

#include "db_ward.h"
#include "enrolsheet.h"
#include "fileio.h"
#include "hours.h"
#include "wardname.h"
#include "ktime.h"
#include "parsenum.h"
#include "query.h"
#include "termtext.h"
#include "wire.h"

#define DAY_MS (86400LL * 1000)

/* The console's policy: scripts from here only (no inline script), the
 * WebAssembly libsodium.js compiles from its own bytes, pictures may be
 * data (Chart.js) or blob (downloads, the receipt camera). */
#define CONSOLE_CSP "default-src 'self'; script-src 'self' " \
	"'wasm-unsafe-eval'; img-src 'self' data: blob:; media-src 'self' " \
	"blob:; style-src 'self'; connect-src 'self'; object-src 'none'; " \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

static const struct {
	const char *url, *file, *type;
} files[] = {
	{ "/", "console/index.html", "text/html; charset=utf-8" },
	{ "/console/app.js", "console/app.js", "text/javascript; charset=utf-8" },
	{ "/console/words.js", "console/words.js",
	    "text/javascript; charset=utf-8" },
	{ "/console/app.css", "console/app.css", "text/css; charset=utf-8" },
	{ "/vendor/chart.min.js", "vendor/chart.min.js",
	    "text/javascript; charset=utf-8" },
	{ "/vendor/libsodium.js", "vendor/libsodium.js",
	    "text/javascript; charset=utf-8" },
	{ "/vendor/libsodium-wrappers.js", "vendor/libsodium-wrappers.js",
	    "text/javascript; charset=utf-8" },
};

int
api_console_file(const struct api_config *cfg, const struct api_request *rq,
    struct api_response *rs)
{
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (strcmp(rq->url, files[i].url) == 0) {
			api_serve_file(cfg, rs, files[i].file, files[i].type,
			    CONSOLE_CSP);
			return 0;
		}
	return -1;
}

static void
answer(struct api_response *rs, unsigned status, json_t *j)
{
	api_json(rs, status, j ? json_dumps(j, JSON_COMPACT |
	    JSON_PRESERVE_ORDER) : NULL);
	json_decref(j);
}

static json_t *
body_of(const struct api_request *rq)
{
	return json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, NULL);
}

/* A time in ms as ISO 8601, or null for 0. */
static json_t *
iso(int64_t ms)
{
	char buf[40];

	if (ms == 0 || ktime_format(ms, buf, sizeof(buf)) != 0)
		return json_null();
	return json_string(buf);
}

/* A name a person gave (a ward, a venue's name or address): plain text
 * (termtext_plain), not only blanks, no invisible characters. */
static int
name_ok(const char *text)
{
	const uint8_t *p = (const uint8_t *)text;
	size_t len = strlen(text);
	int seen = 0, n;
	ucs4_t c;

	if (!termtext_plain(text))
		return 0;
	for (; len > 0; p += n, len -= (size_t)n) {
		n = u8_mbtouc(&c, p, len);
		if (c == 0x00ad || (c >= 0x200b && c <= 0x200d) || c == 0x2060 ||
		    c == 0xfeff)
			return 0;
		seen |= c != ' ' && c != '\t';
	}
	return seen;
}

/* GET /api/v1/whoami: what the console shows a token. An enrolment token
 * is a kiosk's, not a person's. */
void
api_whoami(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	struct api_caller who;

	if (api_authorize(db, rq, "tracer patrol admin", "a tracer, patrol "
	    "or admin token", "an enrolment token is for a kiosk, not for "
	    "the console", "whoami", &who, rs) != 0)
		return;
	{
		const char *auth = rq->header(rq->ctx, "Authorization");
		char id[13];

		db_token_id(auth + 7, id);
		/* Its id as the token list shows it, and the collector's
		 * time (the offset the pages show times in). */
		answer(rs, HTTP_OK, json_pack("{s:s, s:o, s:s, s:o}", "role",
		    who.role, "ward", who.ward[0] ? json_string(who.ward) :
		    json_null(), "token_id", id, "now", iso(ktime_wall_ms())));
	}
}

static int
admin(struct db *db, const struct api_request *rq, struct api_caller *who,
    struct api_response *rs)
{
	return api_authorize(db, rq, "admin", "an admin token", "only an "
	    "admin token may manage tokens and devices", "admin", who, rs);
}

struct token_rows {
	json_t *a;
	int64_t now;
};

static void
token_row(void *ctx, const struct db_token_info *t)
{
	struct token_rows *l = ctx;
	const char *state = t->used_ms ? "used" : t->revoked_ms ? "revoked" :
	    t->expires_ms && t->expires_ms <= l->now ? "expired" : "usable";

	json_array_append_new(l->a, json_pack("{s:s, s:s, s:s, s:s, s:s, "
	    "s:o, s:o, s:o, s:o}", "id", t->id, "role", t->role, "state",
	    state, "ward", t->ward, "venue_id", t->venue_id, "created",
	    iso(t->created_ms), "expires", iso(t->expires_ms), "used",
	    iso(t->used_ms), "revoked", iso(t->revoked_ms)));
}

/* GET /api/v1/tokens */
void
api_tokens(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	struct token_rows l = { json_array(), ktime_wall_ms() };
	struct api_caller who;

	if (admin(db, rq, &who, rs) != 0) {
		json_decref(l.a);
		return;
	}
	if (db_token_list(db, token_row, &l) < 0) {
		json_decref(l.a);
		api_fail(rs, HTTP_UNAVAILABLE, "the store is not answering");
		return;
	}
	answer(rs, HTTP_OK, json_pack("{s:o}", "tokens", l.a));
}

static void
audit(struct db *db, const struct api_caller *who, const char *action,
    json_t *detail)
{
	char *d = json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (d != NULL)
		(void)db_audit_add(db, ktime_wall_ms(), who->who, action, d, 1);
	free(d);
	json_decref(detail);
}

/* Is WARD one the collector knows (a kiosk's or a pass issuer's), as
 * people type it? */
static int
ward_known(struct db *db, const char *ward)
{
	struct db_ward *w;
	size_t n, i;
	int found = 0;

	if (db_wards(db, &w, &n) != 0)
		return 1;	/* not known to be new: no note */
	for (i = 0; i < n && !found; i++)
		found = ward_same(w[i].name, ward);
	free(w);
	return found;
}

/* The enrolment code and sheet for a new token bound to VENUE: *CODE
 * and *PDF (base64), or a message in MSG. */
static int
enrol_sheet(struct db *db, const char *url, const struct wire_device *venue,
    const char *hours, int64_t expires_ms, char **code, char **pdf_b64,
    char *msg, size_t size)
{
	unsigned char pk[KEYS_PUB_LEN];
	struct enrolsheet mk;
	char path[] = "/tmp/collector-sheet-XXXXXX";
	char *pdf = NULL;
	size_t len = 0, b;
	int fd, r;

	*code = *pdf_b64 = NULL;
	if (db_authority_get(db, pk) != 0) {
		snprintf(msg, size, "the collector has no signing key or no "
		    "health authority key yet: run `collector init "
		    "--authority-key FILE.pub` first");
		return -1;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(msg, size, "the sheet could not be written");
		return -1;
	}
	close(fd);
	r = enrolsheet_open(&mk, db, url, venue->ward, expires_ms, path);
	if (r == 0)
		r = enrolsheet_venue(&mk, venue, hours, code);
	if (enrolsheet_close(&mk, r == 0 ? path : NULL) != 0)
		r = -1;
	if (r == 0)
		pdf = fileio_read(path, 8 * 1024 * 1024, &len);
	(void)unlink(path);
	if (pdf == NULL) {
		free(*code);
		*code = NULL;
		snprintf(msg, size, "the enrolment code could not be made "
		    "(the collector's log says why; has `collector init` "
		    "been run?)");
		return -1;
	}
	b = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
	*pdf_b64 = malloc(b);
	if (*pdf_b64 != NULL)
		sodium_bin2base64(*pdf_b64, b, (unsigned char *)pdf, len,
		    sodium_base64_VARIANT_ORIGINAL);
	free(pdf);
	return *pdf_b64 != NULL ? 0 : -1;
}

/* POST /api/v1/tokens {"role", "ward", "expires_days", and for an
 * enrolment token "venue_id", "venue_name", "address", "hours",
 * "collector_url"}. The token is shown once, in this answer. */
void
api_token_issue(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	const char *role = NULL, *ward = "", *vid = "", *vname = "",
	    *addr = "", *hours = "", *curl = "", *why;
	json_t *days_j = NULL;
	json_int_t days = -1;
	struct api_caller who;
	struct wire_device venue;
	struct hours h;
	char tok[DB_TOKEN_LEN + 1], msg[300];
	char *code = NULL, *pdf = NULL;
	int64_t expires_ms = 0;
	json_t *j, *out;
	int enrol;

	if (admin(db, rq, &who, rs) != 0)
		return;
	j = body_of(rq);
	/* Every key known ("wrd" is not a ward left out), a number of days
	 * from 1 to 3650 when given. */
	if (json_unpack(j, "{s:s, s?s, s?o, s?s, s?s, s?s, s?s, s?s !}",
	    "role", &role, "ward", &ward, "expires_days", &days_j, "venue_id",
	    &vid, "venue_name", &vname, "address", &addr, "hours", &hours,
	    "collector_url", &curl) != 0 || (strcmp(role, "tracer") != 0 &&
	    strcmp(role, "patrol") != 0 && strcmp(role, "admin") != 0 &&
	    strcmp(role, "device-enrolment") != 0) || (days_j != NULL &&
	    (!json_is_integer(days_j) || (days = json_integer_value(days_j)) <
	    1 || days > 3650))) {
		json_decref(j);
		api_fail(rs, HTTP_BAD_REQUEST, "want {\"role\": tracer, patrol, "
		    "admin or device-enrolment, \"ward\", \"expires_days\" (1 "
		    "to 3650)}");
		return;
	}
	enrol = strcmp(role, "device-enrolment") == 0;
	memset(&venue, 0, sizeof(venue));
	msg[0] = '\0';
	if (strlen(ward) >= sizeof(venue.ward) || (*ward && !name_ok(ward)) ||
	    (enrol && *ward == '\0'))
		snprintf(msg, sizeof(msg), "a ward is 1 to 128 bytes of plain "
		    "text, not only blanks, nothing invisible (an enrolment "
		    "token needs one)");
	else if (!enrol && (*vid || *vname || *addr || *hours || *curl))
		snprintf(msg, sizeof(msg), "only an enrolment token has a "
		    "venue, hours or a collector address");
	else if (*vid && !wire_venue_id_ok(vid))
		snprintf(msg, sizeof(msg), "a venue id is 1-64 letters, digits, "
		    "'-', '_' or '.'");
	else if (strlen(vname) >= sizeof(venue.venue_name) ||
	    strlen(addr) >= sizeof(venue.address) || (*vname &&
	    !name_ok(vname)) || (*addr && !name_ok(addr)) ||
	    ((*vname || *addr) && !*vid))
		snprintf(msg, sizeof(msg), "a name is at most 128 bytes, an "
		    "address 256; both need a venue id");
	else if (*hours && hours_parse(hours, &h, &why) != 0)
		snprintf(msg, sizeof(msg), "hours '%.60s': %s", hours, why);
	else if (*curl && ((strncmp(curl, "https://", 8) != 0 &&
	    strncmp(curl, "http://", 7) != 0) || strlen(curl) > 256 || !*vid ||
	    !termtext_plain(curl) || strpbrk(curl, " \"<>\\") != NULL ||
	    curl[strcspn(curl, ":") + 3] == '\0' ||
	    curl[strcspn(curl, ":") + 3] == '/'))
		snprintf(msg, sizeof(msg), "an enrolment code needs a venue id "
		    "and the collector's address as kiosks reach it "
		    "(https://..., at most 256 bytes)");
	if (msg[0] != '\0') {
		json_decref(j);
		api_fail(rs, HTTP_BAD_REQUEST, msg);
		return;
	}
	snprintf(venue.ward, sizeof(venue.ward), "%s", ward);
	snprintf(venue.venue_id, sizeof(venue.venue_id), "%s", vid);
	snprintf(venue.venue_name, sizeof(venue.venue_name), "%s", vname);
	snprintf(venue.address, sizeof(venue.address), "%s", addr);
	if (days < 0 && enrol)
		days = 30;
	if (days > 0)
		expires_ms = ktime_wall_ms() + (int64_t)days * DAY_MS;
	if (*curl) {
		if (enrol_sheet(db, curl, &venue, hours, expires_ms, &code,
		    &pdf, msg, sizeof(msg)) != 0) {
			json_decref(j);
			api_fail(rs, HTTP_UNAVAILABLE, msg);
			return;
		}
		tok[0] = '\0';
	} else if (db_token_new_until(db, role, enrol || *ward ? &venue : NULL,
	    expires_ms, tok) != 0) {
		json_decref(j);
		api_fail(rs, HTTP_UNAVAILABLE, "the store is not answering");
		return;
	}
	out = json_pack("{s:s, s:s, s:o}", "role", role, "ward", ward,
	    "expires", iso(expires_ms));
	if (*ward && !ward_known(db, ward))
		json_object_set_new(out, "note", json_string("no kiosk and no "
		    "pass issuer is in this ward yet: a new ward, or a typo?"));
	if (tok[0] != '\0')
		json_object_set_new(out, "token", json_string(tok));
	if (code != NULL) {
		json_object_set_new(out, "code", json_string(code));
		json_object_set_new(out, "sheet_pdf", json_string(pdf));
	}
	audit(db, &who, "token", json_pack("{s:s, s:s, s:s, s:b}", "role",
	    role, "ward", ward, "venue_id", vid, "sheet", code != NULL));
	sodium_memzero(tok, sizeof(tok));
	free(code);
	free(pdf);
	json_decref(j);
	answer(rs, HTTP_CREATED, out);
}

/* POST /api/v1/tokens/revoke {"id"} */
void
api_token_revoke(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const results[] = { "revoked", "no_such_token",
	    "used_or_revoked_already", "ambiguous" };
	static const unsigned status[] = { HTTP_OK, HTTP_NOT_FOUND, HTTP_OK,
	    HTTP_CONFLICT };
	struct api_caller who;
	const char *id;
	json_t *j;
	int r;

	if (admin(db, rq, &who, rs) != 0)
		return;
	j = body_of(rq);
	if (json_unpack(j, "{s:s}", "id", &id) != 0 || strlen(id) < 8 ||
	    strlen(id) > DB_TOKEN_LEN) {
		json_decref(j);
		api_fail(rs, HTTP_BAD_REQUEST, "want {\"id\": at least 8 hex "
		    "digits of a token's id}");
		return;
	}
	r = db_token_revoke(db, id);
	if (r < 0) {
		json_decref(j);
		api_fail(rs, HTTP_UNAVAILABLE, "the store is not answering");
		return;
	}
	/* The id as the list shows it; never the token itself, which may
	 * be what was given. */
	if (r == 0) {
		char tid[13];

		if (strspn(id, "0123456789abcdef") == strlen(id))
			snprintf(tid, sizeof(tid), "%s", id);
		else
			db_token_id(id, tid);
		audit(db, &who, "revoke", json_pack("{s:s}", "token", tid));
	}
	json_decref(j);
	answer(rs, status[r], json_pack("{s:s}", "result", results[r]));
}

struct device_rows {
	struct db_venue_status *v;
	size_t n;
};

static int
print_devices(FILE *f, const void *ctx)
{
	const struct device_rows *l = ctx;

	return query_devices_print(f, l->v, l->n);
}

/* GET /api/v1/devices?ward=W */
void
api_devices(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	struct device_rows l;
	struct api_caller who;

	if (admin(db, rq, &who, rs) != 0)
		return;
	if (db_ward_devices(db, rq->arg(rq->ctx, "ward"), &l.v, &l.n) != 0) {
		api_fail(rs, HTTP_UNAVAILABLE, "the store is not answering");
		return;
	}
	api_print(rs, print_devices, &l, "application/json", NULL);
	db_ward_devices_free(l.v, l.n);
}

/* POST /api/v1/devices/revoke {"device"} */
void
api_device_revoke(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	struct api_caller who;
	const char *id;
	json_t *j;
	int r;

	if (admin(db, rq, &who, rs) != 0)
		return;
	j = body_of(rq);
	if (json_unpack(j, "{s:s}", "device", &id) != 0 ||
	    strlen(id) != KEYS_ID_LEN || strspn(id, "0123456789abcdef") !=
	    KEYS_ID_LEN) {
		json_decref(j);
		api_fail(rs, HTTP_BAD_REQUEST, "want {\"device\": its 16 hex "
		    "digits id}");
		return;
	}
	r = db_device_revoke(db, id, ktime_wall_ms());
	if (r == 0)
		audit(db, &who, "revoke", json_pack("{s:s}", "device", id));
	json_decref(j);
	if (r < 0)
		api_fail(rs, HTTP_UNAVAILABLE, "the store is not answering");
	else if (r == 1)
		api_fail(rs, HTTP_NOT_FOUND, "no such device");
	else
		answer(rs, HTTP_OK, json_pack("{s:s}", "result", r == 0 ?
		    "revoked" : "revoked_already"));
}
