/*
 * api: routes and the kiosk's and phones' endpoints. See api.h; the
 * tracer, patrol and admin endpoints are in api_query.c.
 */
#include "api_impl.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "fileio.h"
#include "ingest.h"
#include "codes.h"
#include "db_ward.h"
#include "ktime.h"
#include "limit.h"
#include "log.h"
#include "payload.h"
#include "query.h"
#include "token.h"
#include "wire.h"

/* ---- answers ---- */

void
api_json(struct api_response *rs, unsigned status, char *json)
{
	rs->status = status;
	rs->content_type = "application/json";
	if (json == NULL) {
		rs->status = HTTP_INTERNAL;
		json = strdup("{\"error\":\"out of memory\"}");
	}
	rs->body = json;
	rs->len = json ? strlen(json) : 0;
}

static void
pack(struct api_response *rs, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	api_json(rs, status, s);
}

void
api_fail(struct api_response *rs, unsigned status, const char *msg)
{
	pack(rs, status, json_pack("{s:s}", "error", msg));
}

void
api_result(struct api_response *rs, unsigned status, const char *result,
    const char *reason)
{
	pack(rs, status, json_pack("{s:s, s:s}", "result", result, "reason",
	    reason));
}

void
api_print(struct api_response *rs, int (*print)(FILE *f, const void *ctx),
    const void *ctx, const char *ctype, const char *filename)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL) {
		api_fail(rs, HTTP_INTERNAL, "out of memory");
		return;
	}
	rc = print(f, ctx);
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		api_fail(rs, HTTP_INTERNAL, "the answer could not be written");
		return;
	}
	rs->status = HTTP_OK;
	rs->content_type = ctype;
	rs->body = buf;
	rs->len = len;
	if (filename != NULL)
		snprintf(rs->disposition, sizeof(rs->disposition),
		    "attachment; filename=\"%s\"", filename);
}

void
api_response_release(struct api_response *rs)
{
	free(rs->body);
	rs->body = NULL;
}

/* ---- callers ---- */

int
api_authorize(struct db *db, const struct api_request *rq, const char *roles,
    const char *need, const char *forbid, const char *action,
    struct api_caller *who, struct api_response *rs)
{
	const char *auth = rq->header(rq->ctx, "Authorization");
	unsigned char h[32];
	char label[17], msg[160];
	const char *p;
	size_t n;
	int rc;

	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
	    strlen(auth + 7) > 128) {
		snprintf(msg, sizeof(msg), "%s is needed (Authorization: "
		    "Bearer ...)", need);
		api_fail(rs, HTTP_UNAUTHORIZED, msg);
		return -1;
	}
	rc = db_token_role(db, auth + 7, who->role, who->ward,
	    sizeof(who->ward));
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "%s is needed (Authorization: "
		    "Bearer ...)", need);
		api_fail(rs, rc < 0 ? HTTP_UNAVAILABLE : HTTP_UNAUTHORIZED,
		    rc < 0 ? "the store is not answering" : msg);
		return -1;
	}
	/* The audit names the token by its hash, never the token. */
	crypto_generichash(h, sizeof(h), (const unsigned char *)auth + 7,
	    strlen(auth + 7), NULL, 0);
	sodium_bin2hex(label, sizeof(label), h, 8);
	snprintf(who->who, sizeof(who->who), "http:%s:%s@%s", who->role,
	    label, rq->client ? rq->client : "?");
	n = strlen(who->role);
	for (p = roles; (p = strstr(p, who->role)) != NULL; p += n)
		if ((p == roles || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return 0;
	if (action != NULL)
		query_refused(db, who->who, action, "role may not ask this");
	api_fail(rs, HTTP_FORBIDDEN, forbid);
	return -1;
}

/* ---- kiosks ---- */

static const char *
header_of(void *ctx, const char *name)
{
	const struct api_request *rq = ctx;

	return rq->header(rq->ctx, name);
}

static void
do_batch(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	struct wire_header h;
	struct wire_ack ack;
	char err[200];
	unsigned st;
	int64_t drift;

	if (wire_header_read(&h, header_of, (void *)(uintptr_t)rq) != 0) {
		api_fail(rs, HTTP_BAD_REQUEST, "missing or malformed X-Kiosk-* "
		    "headers");
		return;
	}
	st = ingest_signed(db, &h, rq->body, rq->len, ktime_wall_ms(), &ack,
	    err, sizeof(err));
	if (st == WIRE_REFUSED_STATUS) {
		/* The collector's own word that this batch can never be
		 * taken: the kiosk sets these rows aside (docs/sync.md). */
		struct wire_refusal rf;

		snprintf(rf.error, sizeof(rf.error), "%s", err);
		rf.first_seq = h.first_seq;
		rf.last_seq = h.last_seq;
		api_json(rs, st, wire_refusal_encode(&rf));
		return;
	}
	if (st != 0) {
		api_fail(rs, st, err);
		return;
	}
	drift = h.sent_at_ms - ktime_wall_ms();
	if (drift > 60000 || drift < -60000)
		log_warn("device %s clock is off by %lld s", h.device,
		    (long long)(drift / 1000));
	api_json(rs, HTTP_OK, wire_ack_encode(&ack));
	wire_ack_release(&ack);
}

/*
 * A device's small signed request (a heartbeat, the pass list's): its
 * X-Kiosk-* headers into *H. 0, or 1 when RQ was answered (malformed
 * headers 400, a body over WIRE_MAX_HEARTBEAT 413 with TOO_LARGE).
 */
static int
signed_small(const struct api_request *rq, struct api_response *rs,
    struct wire_header *h, const char *too_large)
{
	if (wire_header_read(h, header_of, (void *)(uintptr_t)rq) != 0) {
		api_fail(rs, HTTP_BAD_REQUEST, "missing or malformed X-Kiosk-* "
		    "headers");
		return 1;
	}
	if (rq->len > WIRE_MAX_HEARTBEAT) {
		api_fail(rs, HTTP_TOO_LARGE, too_large);
		return 1;
	}
	return 0;
}

static void
do_heartbeat(struct db *db, const struct api_request *rq,
    struct api_response *rs)
{
	struct wire_header h;
	const char *refused = NULL;
	char why[200];
	int64_t now = ktime_wall_ms();
	unsigned st;

	if (signed_small(rq, rs, &h, "a heartbeat is at most 64 KiB"))
		return;
	st = ingest_verify(db, &h, rq->body, rq->len, why, sizeof(why));
	if (st == 0)
		st = ingest_heartbeat(db, h.device, rq->body, rq->len,
		    h.sent_at_ms, now, &refused, why, sizeof(why));
	if (refused != NULL) {
		struct wire_hb_refusal rf;

		snprintf(rf.error, sizeof(rf.error), "%s", why);
		snprintf(rf.why, sizeof(rf.why), "%s", refused);
		rf.collector_ms = now;
		api_json(rs, st, wire_hb_refusal_encode(&rf));
	} else if (st != 0)
		api_fail(rs, st, why);
	else
		/* The pass lists' version: a kiosk with an older one asks
		 * for its ward's (/api/v1/pass-list). */
		pack(rs, HTTP_OK, json_pack("{s:s, s:I}", "status", "ok",
		    "pass_list_version", (json_int_t)db_pass_list_version(db)));
}

/* The device's ward's pass list, signed by the collector: asked for with a
 * signed request (the X-Kiosk-* headers, as a heartbeat's). */
static void
do_pass_list(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	struct wire_header h;
	struct passlist l;
	char why[200], ward[129];
	char *text;
	unsigned st;

	if (signed_small(rq, rs, &h, "a request is at most 64 KiB"))
		return;
	st = ingest_verify(db, &h, rq->body, rq->len, why, sizeof(why));
	if (st != 0) {
		api_fail(rs, st, why);
		return;
	}
	if (cfg->signing_key == NULL) {
		api_fail(rs, HTTP_UNAVAILABLE, "this collector has no signing "
		    "key (collector init makes one)");
		return;
	}
	if (db_device_ward(db, h.device, ward, sizeof(ward)) != 0 ||
	    db_pass_list(db, ward, &l) != 0) {
		api_fail(rs, HTTP_UNAVAILABLE, "storage error");
		return;
	}
	text = passlist_make(cfg->signing_key, &l);
	passlist_free(&l);
	if (text == NULL) {
		api_fail(rs, HTTP_UNAVAILABLE, "cannot sign the pass list");
		return;
	}
	pack(rs, HTTP_OK, json_pack("{s:s}", "pass_list", text));
	free(text);
}

static void
do_enroll(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	static const unsigned status[] = {
		[DB_ENROLL_BAD_TOKEN] = HTTP_FORBIDDEN,
		[DB_ENROLL_KEY_TAKEN] = HTTP_CONFLICT,
		[DB_ENROLL_MISMATCH] = HTTP_FORBIDDEN,
		[DB_ENROLL_VENUE_HELD] = HTTP_CONFLICT,
		[DB_ENROLL_OTHER_WARD] = HTTP_CONFLICT,
		[DB_ENROLL_REVOKED] = HTTP_FORBIDDEN,
	};
	struct wire_device dev;
	char token[WIRE_TOKEN_MAX + 1], why[400];
	const char *bad;
	int r;

	if (wire_enroll_parse(rq->body, rq->len, token, &dev, &bad) != 0) {
		api_fail(rs, HTTP_BAD_REQUEST, bad);
		return;
	}
	r = db_enroll(db, token, &dev, why, sizeof(why));
	sodium_memzero(token, sizeof(token));
	if (r != 0) {
		api_fail(rs, r > 0 && (size_t)r < sizeof(status) /
		    sizeof(status[0]) ? status[r] : HTTP_UNAVAILABLE, why);
		return;
	}
	log_info("enrolled device %s for venue %s of ward %s", dev.device_id,
	    dev.venue_id, dev.ward);
	{
		/* With this collector's own keys: a kiosk set up from an
		 * enrolment code checks the code's are these (a sheet whose
		 * keys were swapped is refused there), and one enrolled by
		 * hand learns the key its pass lists are signed with. */
		char *text = wire_enrolled_encode(&dev), pk[KEYS_PUB_TEXT];
		json_t *j = text ? json_loads(text, 0, NULL) : NULL;
		unsigned char apk[KEYS_PUB_LEN];

		free(text);
		if (j != NULL && cfg->signing_key != NULL) {
			(void)keys_format_public(KEY_ED25519,
			    cfg->signing_key->pk, pk, sizeof(pk));
			json_object_set_new(j, "collector_key", json_string(pk));
		}
		if (j != NULL && db_authority_get(db, apk) == 0) {
			(void)keys_format_public(KEY_X25519, apk, pk,
			    sizeof(pk));
			json_object_set_new(j, "authority_key", json_string(pk));
		}
		pack(rs, HTTP_CREATED, j);
	}
}

/* ---- phones ---- */

/* The phone page and its files, from the web folder (never a path from
 * the URL). */
void
api_serve_file(const struct api_config *cfg, struct api_response *rs,
    const char *name, const char *ctype, const char *csp)
{
	char path[1200];
	size_t len;
	char *body;

	snprintf(path, sizeof(path), "%s/%s", cfg->web_dir, name);
	body = fileio_read(path, 4 * 1024 * 1024, &len);
	if (body == NULL) {
		api_fail(rs, HTTP_NOT_FOUND, "page missing");
		return;
	}
	rs->status = HTTP_OK;
	rs->content_type = ctype;
	rs->body = body;
	rs->len = len;
	rs->headers[0][0] = "Content-Security-Policy";
	rs->headers[0][1] = csp != NULL ? csp :
	    "default-src 'self'; frame-ancestors 'none'";
	rs->headers[1][0] = "X-Content-Type-Options";
	rs->headers[1][1] = "nosniff";
	rs->headers[2][0] = "Cache-Control";
	rs->headers[2][1] = "no-store";
	rs->headers[3][0] = "Referrer-Policy";
	rs->headers[3][1] = "no-referrer";
}

/*
 * Check a venue TOKEN: signed by an enrolled, not revoked device, slot
 * current (this period or the one before: "within about a minute").
 * Returns NULL with *VT and the venue's NAME filled, or the reason code
 * the page shows ("bad_token", "stale"). A code that checked out lately
 * is taken from CFG's cache (codes.h) without the store.
 */
static const char *
check_venue_token(struct db *db, const struct api_config *cfg,
    const char *token, struct venue_token *vt, char *name, size_t size)
{
	unsigned char pk[KEYS_PUB_LEN];
	char venue[65];
	int64_t slot, cur, now = ktime_wall_ms();

	if (strlen(token) > 600)
		return "bad_token";
	if (cfg->codes == NULL || !codes_get(cfg->codes, token, now, vt, name,
	    size)) {
		if (token_venue_peek(token, vt) != 0 ||
		    db_device_key(db, vt->device, pk) != 0 ||
		    token_venue_verify(pk, token, venue, &slot) != 0 ||
		    db_device_venue(db, vt->device, name, size) != 0)
			return "bad_token";
		vt->slot = slot;
		if (cfg->codes != NULL)
			codes_put(cfg->codes, token, now, (slot + 2) *
			    vt->period_s * INT64_C(1000), vt, name);
	}
	cur = now / 1000 / vt->period_s;
	if (vt->slot != cur && vt->slot != cur - 1)
		return "stale";
	return NULL;
}

static void
do_venue(struct db *db, const struct api_config *cfg, const char *token,
    struct api_response *rs)
{
	struct venue_token vt;
	char name[160];
	const char *why = check_venue_token(db, cfg, token, &vt, name,
	    sizeof(name));

	if (why != NULL) {
		api_result(rs, HTTP_FORBIDDEN, "rejected", why);
		return;
	}
	pack(rs, HTTP_OK, json_pack("{s:s, s:s}", "venue_id", vt.venue_id,
	    "venue_name", name));
}

/*
 * A phone check-in's limits (docs/phone.md): from one address, with one
 * venue code, and a venue's check-ins in one code's slot. Returns 0, or
 * -1 with the 429 answered (Retry-After in seconds).
 */
static int
phone_limits(const struct api_config *cfg, const struct api_request *rq,
    const char *token, const struct venue_token *vt, int64_t now_ms,
    struct api_response *rs)
{
	char key[96], hex[33];
	unsigned char h[16];
	int64_t retry = 0, r;
	const char *reason = "too_many";

	if (cfg->limits == NULL)
		return 0;
	snprintf(key, sizeof(key), "a:%s", rq->client ? rq->client : "?");
	if (limit_take(cfg->limits, key, cfg->phone_per_address,
	    cfg->phone_per_address, now_ms, &r) != 0)
		retry = r;
	crypto_generichash(h, sizeof(h), (const unsigned char *)token,
	    strlen(token), NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(key, sizeof(key), "t:%s", hex);
	if (retry == 0 && limit_take(cfg->limits, key, cfg->phone_per_code,
	    cfg->phone_per_code, now_ms, &r) != 0)
		retry = r;
	snprintf(key, sizeof(key), "s:%s:%lld", vt->device,
	    (long long)vt->slot);
	if (retry == 0 && limit_take(cfg->limits, key, cfg->phone_per_slot, 0,
	    now_ms, &r) != 0) {
		/* Until the next code is shown; the one already shown when
		 * this is the last slot's code: scan it now. */
		retry = ((vt->slot + 1) * vt->period_s * INT64_C(1000)) - now_ms;
		reason = retry > 0 ? "slot_full" : "stale";
	}
	if (retry == 0)
		return 0;
	if (retry < 1000)
		retry = 1000;
	snprintf(rs->retry_after, sizeof(rs->retry_after), "%lld",
	    (long long)((retry + 999) / 1000));
	pack(rs, HTTP_TOO_MANY, json_pack("{s:s, s:s, s:I}", "result",
	    "rejected", "reason", reason, "retry_after_s",
	    (json_int_t)((retry + 999) / 1000)));
	rs->headers[0][0] = "Retry-After";
	rs->headers[0][1] = rs->retry_after;
	return -1;
}

/*
 * A visit made on a phone from the venue QR: the token must be signed by
 * the enrolled device and current, within the limits; the number a
 * Vietnamese mobile number or a chip ID card's number, by the kiosk's
 * own rules. Accepted and "already here" answer the same: the page never
 * tells anyone whether a number was at the venue.
 */
static void
do_phone_checkin(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	struct payload_opts po;
	struct venue_token vt;
	struct payload p;
	enum reason why;
	const char *token, *who, *bad;
	char vname[160];
	int64_t now = ktime_wall_ms();
	json_t *j;
	int r;

	j = json_loadb(rq->body, rq->len, JSON_REJECT_DUPLICATES, NULL);
	if (json_unpack(j, "{s:s, s:s}", "token", &token, "who", &who) != 0 ||
	    strlen(token) > 600 || strlen(who) > 20) {
		json_decref(j);
		api_fail(rs, HTTP_BAD_REQUEST, "want {\"token\", \"who\"}");
		return;
	}
	if ((bad = check_venue_token(db, cfg, token, &vt, vname,
	    sizeof(vname))) != NULL) {
		json_decref(j);
		api_result(rs, HTTP_FORBIDDEN, "rejected", bad);
		return;
	}
	if (phone_limits(cfg, rq, token, &vt, now, rs) != 0) {
		json_decref(j);
		return;
	}
	memset(&po, 0, sizeof(po));
	po.now_ms = now;
	if (payload_parse_cccd_number(&po, who, &p, &why) != 0 &&
	    payload_parse_phone(who, &p, &why) != 0) {
		json_decref(j);
		api_result(rs, HTTP_BAD_REQUEST, "rejected", "bad_number");
		return;
	}
	json_decref(j);
	r = db_phone_checkin(db, vt.device, payload_kind_name(p.kind), p.id,
	    now, cfg->phone_window_ms, vname, sizeof(vname));
	payload_wipe(&p);
	if (r < 0 || r == 2) {
		api_fail(rs, r < 0 ? HTTP_UNAVAILABLE : HTTP_FORBIDDEN,
		    r < 0 ? "storage error" : "unknown device");
		return;
	}
	pack(rs, HTTP_OK, json_pack("{s:s, s:s}", "result", "accepted",
	    "venue_name", vname));
}

/* ---- routes ---- */

static void
r_health(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	pack(rs, HTTP_OK, json_pack("{s:s, s:s}", "status", "ok", "version",
	    KIOSK_VERSION));
}

static void
r_page(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	api_serve_file(cfg, rs, "checkin.html", "text/html; charset=utf-8",
	    NULL);
}

static void
r_js(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	api_serve_file(cfg, rs, "checkin.js", "text/javascript; charset=utf-8",
	    NULL);
}

static void
r_css(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	api_serve_file(cfg, rs, "checkin.css", "text/css; charset=utf-8",
	    NULL);
}

static void
r_venue(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	do_venue(db, cfg, rq->url + strlen("/api/v1/venue/"), rs);
}

static void
r_batch(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	do_batch(db, rq, rs);
}

static void
r_heartbeat(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	do_heartbeat(db, rq, rs);
}

static void
r_pass_list(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	do_pass_list(db, cfg, rq, rs);
}

static void
r_enroll(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	do_enroll(db, cfg, rq, rs);
}

static void
r_phone(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	do_phone_checkin(db, cfg, rq, rs);
}

static void
r_query(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	if (strcmp(rq->url, "/api/v1/trace") == 0)
		api_trace(db, cfg, rq, rs);
	else if (strcmp(rq->url, "/api/v1/report") == 0)
		api_report(db, cfg, rq, rs);
	else if (strcmp(rq->url, "/api/v1/audit") == 0)
		api_audit(db, rq, rs);
	else
		api_receipt(db, rq, rs);
}

static void
r_console(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	if (api_console_file(cfg, rq, rs) != 0)
		api_fail(rs, HTTP_NOT_FOUND, "no such file");
}

static void
r_admin(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	int post = strcmp(rq->method, "POST") == 0;

	if (strcmp(rq->url, "/api/v1/whoami") == 0)
		api_whoami(db, rq, rs);
	else if (strcmp(rq->url, "/api/v1/tokens") == 0)
		(post ? api_token_issue : api_tokens)(db, rq, rs);
	else if (strcmp(rq->url, "/api/v1/tokens/revoke") == 0)
		api_token_revoke(db, rq, rs);
	else if (strcmp(rq->url, "/api/v1/devices") == 0)
		api_devices(db, rq, rs);
	else
		api_device_revoke(db, rq, rs);
}

/* The routes: a path (or, ending in '/', a prefix), the method, whether a
 * body is needed, and who answers. */
static const struct route {
	const char *path;
	const char *method;
	int body;
	void (*fn)(struct db *, const struct api_config *,
	    const struct api_request *, struct api_response *);
} routes[] = {
	{ "/api/v1/health", "GET", 0, r_health },
	{ "/c/", "GET", 0, r_page },
	{ "/web/checkin.js", "GET", 0, r_js },
	{ "/web/checkin.css", "GET", 0, r_css },
	{ "/api/v1/venue/", "GET", 0, r_venue },
	{ "/api/v1/trace", "GET", 0, r_query },
	{ "/api/v1/report", "GET", 0, r_query },
	{ "/api/v1/audit", "GET", 0, r_query },
	{ "/api/v1/verify-receipt", "GET", 0, r_query },
	{ "/api/v1/verify-receipt", "POST", 1, r_query },
	{ "/api/v1/batch", "POST", 1, r_batch },
	{ "/api/v1/heartbeat", "POST", 1, r_heartbeat },
	{ "/api/v1/pass-list", "POST", 1, r_pass_list },
	{ "/api/v1/enroll", "POST", 1, r_enroll },
	{ "/api/v1/phone-checkin", "POST", 1, r_phone },
	{ "/console/", "GET", 0, r_console },
	{ "/vendor/", "GET", 0, r_console },
	{ "/api/v1/whoami", "GET", 0, r_admin },
	{ "/api/v1/tokens", "GET", 0, r_admin },
	{ "/api/v1/tokens", "POST", 1, r_admin },
	{ "/api/v1/tokens/revoke", "POST", 1, r_admin },
	{ "/api/v1/devices", "GET", 0, r_admin },
	{ "/api/v1/devices/revoke", "POST", 1, r_admin },
};

static int
matches(const struct route *r, const char *url)
{
	size_t n = strlen(r->path);

	return r->path[n - 1] == '/' ? strncmp(url, r->path, n) == 0 :
	    strcmp(url, r->path) == 0;
}

static void
method_not_allowed(struct api_response *rs, const char *allow)
{
	api_fail(rs, HTTP_BAD_METHOD, "method not allowed here");
	rs->headers[0][0] = "Allow";
	rs->headers[0][1] = allow;
}

void
api_handle(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs)
{
	const char *allow = NULL, *method = rq->method;
	size_t i;

	memset(rs, 0, sizeof(*rs));
	/* HEAD is GET without the body (the server sends no body). */
	if (strcmp(rq->method, "HEAD") == 0)
		method = "GET";
	/* The console's page: "/" only, not a prefix. */
	if (strcmp(rq->url, "/") == 0) {
		if (strcmp(method, "GET") == 0)
			r_console(db, cfg, rq, rs);
		else
			method_not_allowed(rs, "GET");
		return;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!matches(&routes[i], rq->url))
			continue;
		if (strcmp(routes[i].method, method) != 0) {
			allow = allow == NULL ? routes[i].method : "GET, POST";
			continue;
		}
		if (routes[i].body && rq->body == NULL) {
			api_fail(rs, HTTP_BAD_REQUEST, "empty body");
			return;
		}
		routes[i].fn(db, cfg, rq, rs);
		return;
	}
	if (allow == NULL) {
		api_fail(rs, HTTP_NOT_FOUND, "no such endpoint");
		return;
	}
	method_not_allowed(rs, allow);
}
