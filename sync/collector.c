/*
 * collector: the ward's server. Kiosks enrol and upload signed batches
 * here; tracers and patrols query it (issue #5).
 *
 *   collector serve --listen ADDR:PORT --db URL [--max-body BYTES]
 *   collector token --db URL --role device-enrolment|tracer|patrol|admin
 *                   [--ward W]
 *   collector stats --db URL [--json]
 *   collector purge --db URL --older-than DAYS
 *
 * URL is sqlite:PATH or postgresql://USER@HOST:PORT/DBNAME (db.h).
 * HTTP (libmicrohttpd), JSON in and out, errors as {"error": "..."}:
 *   GET  /api/v1/health
 *   POST /api/v1/enroll      {"token","device_pub","venue_id",...}
 *   POST /api/v1/batch       zlib JSON body, signed X-Kiosk-* headers
 *   POST /api/v1/heartbeat   JSON body, signed X-Kiosk-* headers
 *   GET  /c/<token>          the phone check-in page (assets/web)
 *   GET  /api/v1/venue/<token> the venue's name, once the code checks out
 *   POST /api/v1/phone-checkin {"token","who"}: a visit from a phone
 *   GET  /api/v1/trace, /api/v1/report, /api/v1/audit,
 *        /api/v1/verify-receipt   by role token (docs/trace.md)
 * See docs/sync.md. Meant to sit behind a TLS proxy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "batch.h"
#include "collector_cmds.h"
#include "db.h"
#include "ingest.h"
#include "query.h"
#include "trace.h"
#include "fileio.h"
#include "i18n.h"
#include "payload.h"
#include "token.h"
#include "wipe.h"
#include "keys.h"
#include "ktime.h"
#include "log.h"

#define DEFAULT_MAX_BODY BATCH_MAX_BODY
#define HTTP_TOO_LARGE 413

static size_t max_body = DEFAULT_MAX_BODY;
static char web_dir[1024];
static volatile sig_atomic_t stopping;

struct req {
	char *buf;
	size_t len, cap;
	int too_big;
};

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, json_t *j)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	if (s == NULL)
		s = strdup("{\"error\":\"out of memory\"}");
	r = MHD_create_response_from_buffer(strlen(s), s,
	    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
fail(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, json_pack("{s:s}", "error", msg));
}

static const char *
hdr(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static int
hdr_int(struct MHD_Connection *c, const char *name, int64_t *out)
{
	const char *v = hdr(c, name);
	char *end;

	if (v == NULL)
		return -1;
	errno = 0;
	*out = strtoll(v, &end, 10);
	return (errno || end == v || *end) ? -1 : 0;
}

static int
hdr_str(struct MHD_Connection *c, const char *name, char *dst, size_t size)
{
	const char *v = hdr(c, name);

	if (v == NULL || strlen(v) == 0 || strlen(v) >= size)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/*
 * Read the signed X-Kiosk-* header. Returns 0, or 400 with *WHY set.
 */
static unsigned
batch_header_of(struct MHD_Connection *c, struct batch_header *h,
    const char **why)
{
	memset(h, 0, sizeof(*h));
	if (hdr_str(c, "X-Kiosk-Device", h->device, sizeof(h->device)) ||
	    hdr_str(c, "X-Kiosk-Instance", h->instance, sizeof(h->instance)) ||
	    hdr_int(c, "X-Kiosk-First-Seq", &h->first_seq) ||
	    hdr_int(c, "X-Kiosk-Last-Seq", &h->last_seq) ||
	    hdr_int(c, "X-Kiosk-Count", &h->count) ||
	    hdr_str(c, "X-Kiosk-Digest", h->digest, sizeof(h->digest)) ||
	    hdr_int(c, "X-Kiosk-Sent-At", &h->sent_at_ms) ||
	    hdr_str(c, "X-Kiosk-Signature", h->signature,
	    sizeof(h->signature))) {
		*why = "missing or malformed X-Kiosk-* headers";
		return MHD_HTTP_BAD_REQUEST;
	}
	return 0;
}

/*
 * The header as batch_header_of reads it, checked against BODY (see
 * ingest_verify). Returns 0, or an HTTP status with the reason in WHY.
 */
static unsigned
signed_header(struct db *db, struct MHD_Connection *c, const char *body,
    size_t len, struct batch_header *h, char *why, size_t size)
{
	const char *w;
	unsigned st;

	if ((st = batch_header_of(c, h, &w)) != 0) {
		snprintf(why, size, "%s", w);
		return st;
	}
	return ingest_verify(db, h, body, len, why, size);
}

static enum MHD_Result
do_batch(struct db *db, struct MHD_Connection *c, struct req *rq)
{
	struct batch_header h;
	struct db_ingest_res res;
	const char *why;
	char err[200];
	unsigned st;
	json_t *rejects;
	int64_t drift;

	if ((st = batch_header_of(c, &h, &why)) != 0)
		return fail(c, st, why);
	st = ingest_signed(db, &h, rq->buf, rq->len, ktime_wall_ms(), &res,
	    &rejects, err, sizeof(err));
	if (st != 0)
		return fail(c, st, err);
	drift = h.sent_at_ms - ktime_wall_ms();
	if (drift > 60000 || drift < -60000)
		log_warn("device %s clock is off by %lld s", h.device,
		    (long long)(drift / 1000));
	return reply(c, MHD_HTTP_OK, json_pack("{s:I, s:I, s:I, s:I, s:o}",
	    "acked_through", (json_int_t)res.acked_through,
	    "stored", (json_int_t)res.stored,
	    "duplicates", (json_int_t)res.duplicates,
	    "rejected", (json_int_t)res.rejected, "rejects", rejects));
}

static enum MHD_Result
do_heartbeat(struct db *db, struct MHD_Connection *c, struct req *rq)
{
	struct batch_header h;
	char why[200];
	unsigned st;

	st = signed_header(db, c, rq->buf, rq->len, &h, why, sizeof(why));
	if (st == 0)
		st = ingest_heartbeat(db, h.device, rq->buf, rq->len,
		    h.sent_at_ms, ktime_wall_ms(), why, sizeof(why));
	if (st != 0)
		return fail(c, st, why);
	return reply(c, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"));
}

static enum MHD_Result
do_enroll(struct db *db, struct MHD_Connection *c, struct req *rq)
{
	struct db_device dev;
	const char *token, *pub, *vid, *vname, *addr = "", *ward = "";
	json_t *j;
	int r;

	memset(&dev, 0, sizeof(dev));
	j = json_loadb(rq->buf, rq->len, JSON_REJECT_DUPLICATES, NULL);
	if (json_unpack(j, "{s:s, s:s, s:s, s:s, s?s, s?s}", "token", &token,
	    "device_pub", &pub, "venue_id", &vid, "venue_name", &vname,
	    "address", &addr, "ward", &ward) != 0 ||
	    keys_parse_public(pub, KEY_ED25519, dev.pk) != 0 ||
	    strlen(vid) == 0 || strlen(vid) > 64 || strlen(vname) == 0 ||
	    strlen(vname) > 128 || strlen(addr) > 256 || strlen(ward) > 128) {
		json_decref(j);
		return fail(c, MHD_HTTP_BAD_REQUEST, "want {\"token\", "
		    "\"device_pub\": \"ed25519:...\", \"venue_id\", "
		    "\"venue_name\", \"address\", \"ward\"}");
	}
	keys_id(dev.pk, dev.device_id);
	snprintf(dev.venue_id, sizeof(dev.venue_id), "%s", vid);
	snprintf(dev.venue_name, sizeof(dev.venue_name), "%s", vname);
	snprintf(dev.address, sizeof(dev.address), "%s", addr);
	snprintf(dev.ward, sizeof(dev.ward), "%s", ward);
	r = db_enroll(db, token, &dev);
	json_decref(j);
	if (r == 1)
		return fail(c, MHD_HTTP_FORBIDDEN,
		    "enrolment token unknown or already used");
	if (r == 2)
		return fail(c, MHD_HTTP_CONFLICT, "device id taken");
	if (r != 0)
		return fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "storage error");
	log_info("enrolled device %s for venue %s", dev.device_id,
	    dev.venue_id);
	return reply(c, MHD_HTTP_CREATED, json_pack("{s:s}", "device_id",
	    dev.device_id));
}

/* The phone page and its files, from assets/web (never a path from the URL). */
static enum MHD_Result
serve_file(struct MHD_Connection *c, const char *name, const char *ctype)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char path[1200];
	size_t len;
	char *body;

	snprintf(path, sizeof(path), "%s/%s", web_dir, name);
	body = fileio_read(path, 256 * 1024, &len);
	if (body == NULL)
		return fail(c, MHD_HTTP_NOT_FOUND, "page missing");
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Content-Security-Policy",
	    "default-src 'self'; frame-ancestors 'none'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * Check a venue TOKEN: signed by an enrolled device, slot current (this
 * period or the one before). Returns NULL with *VT filled, or the reason
 * code the page shows ("bad_token", "stale").
 */
static const char *
check_venue_token(struct db *db, const char *token, struct venue_token *vt)
{
	unsigned char pk[KEYS_PUB_LEN];
	char venue[65];
	int64_t slot, cur;

	if (strlen(token) > 600 || token_venue_peek(token, vt) != 0 ||
	    db_device_key(db, vt->device, pk) != 0 ||
	    token_venue_verify(pk, token, venue, &slot) != 0)
		return "bad_token";
	cur = ktime_wall_ms() / 1000 / vt->period_s;
	if (slot != cur && slot != cur - 1)
		return "stale";
	return NULL;
}

static enum MHD_Result
do_venue(struct db *db, struct MHD_Connection *c, const char *token)
{
	struct venue_token vt;
	const char *why = check_venue_token(db, token, &vt);
	char name[160];

	if (why != NULL || db_device_venue(db, vt.device, name,
	    sizeof(name)) != 0)
		return reply(c, MHD_HTTP_FORBIDDEN, json_pack("{s:s, s:s}",
		    "result", "rejected", "reason", why ? why : "bad_token"));
	return reply(c, MHD_HTTP_OK, json_pack("{s:s, s:s}", "venue_id",
	    vt.venue_id, "venue_name", name));
}

/*
 * A visit made on a phone from the venue QR: the token must be signed by
 * the enrolled device and its time slot current (this period or the one
 * before: "within about a minute"); the number must be a Vietnamese
 * mobile number or a 12-digit ID card number.
 */
static enum MHD_Result
do_phone_checkin(struct db *db, struct MHD_Connection *c, struct req *rq)
{
	struct venue_token vt;
	struct payload p;
	enum reason why;
	const char *token, *who, *kind;
	char vname[160], subject[64];
	int64_t now = ktime_wall_ms();
	json_t *j;
	int r;

	j = json_loadb(rq->buf, rq->len, JSON_REJECT_DUPLICATES, NULL);
	if (json_unpack(j, "{s:s, s:s}", "token", &token, "who", &who) != 0 ||
	    strlen(token) > 600 || strlen(who) > 20) {
		json_decref(j);
		return fail(c, MHD_HTTP_BAD_REQUEST,
		    "want {\"token\", \"who\"}");
	}
	{
		const char *bad = check_venue_token(db, token, &vt);

		if (bad != NULL) {
			json_decref(j);
			return reply(c, MHD_HTTP_FORBIDDEN, json_pack(
			    "{s:s, s:s}", "result", "rejected", "reason",
			    bad));
		}
	}
	if (strlen(who) == 12 && strspn(who, "0123456789") == 12) {
		kind = "cccd";
		snprintf(subject, sizeof(subject), "%s", who);
	} else if (payload_parse_phone(who, &p, &why) == 0) {
		kind = "phone";
		snprintf(subject, sizeof(subject), "%s", p.id);
		payload_wipe(&p);
	} else {
		json_decref(j);
		return reply(c, MHD_HTTP_BAD_REQUEST, json_pack("{s:s, s:s}",
		    "result", "rejected", "reason", "bad_number"));
	}
	json_decref(j);
	r = db_phone_checkin(db, vt.device, kind, subject, now,
	    5 * 60 * 1000, vname, sizeof(vname));
	if (r < 0 || r == 2)
		return fail(c, r < 0 ? MHD_HTTP_SERVICE_UNAVAILABLE :
		    MHD_HTTP_FORBIDDEN, r < 0 ? "storage error" :
		    "unknown device");
	return reply(c, MHD_HTTP_OK, json_pack("{s:s, s:s}", "result",
	    r == 0 ? "accepted" : "duplicate", "venue_name", vname));
}

/*
 * The caller's bearer token: its role and ward into ROLE and WARD and a
 * label for the audit log into WHO ("http:tracer:1a2b3c4d@10.0.0.5": the
 * token's hash, never the token). Returns 0, or 401 with a reason.
 */
static unsigned
bearer(struct db *db, struct MHD_Connection *c, char role[DB_ROLE_LEN], char *ward,
    size_t wsize, char *who, size_t size)
{
	const char *auth = hdr(c, "Authorization");
	const union MHD_ConnectionInfo *ci;
	char ip[INET6_ADDRSTRLEN] = "?", label[17];
	unsigned char h[32];
	int rc;

	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
	    strlen(auth + 7) > 128)
		return MHD_HTTP_UNAUTHORIZED;
	rc = db_token_role(db, auth + 7, role, ward, wsize);
	if (rc != 0)
		return rc < 0 ? MHD_HTTP_SERVICE_UNAVAILABLE :
		    MHD_HTTP_UNAUTHORIZED;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    ci->client_addr)->sin_addr, ip, sizeof(ip));
	crypto_generichash(h, sizeof(h), (const unsigned char *)auth + 7,
	    strlen(auth + 7), NULL, 0);
	sodium_bin2hex(label, sizeof(label), h, 8);
	snprintf(who, size, "http:%s:%s@%s", role, label, ip);
	return 0;
}

struct caller {
	char role[DB_ROLE_LEN], ward[129], who[200];
};

/*
 * The caller's token must hold one of ROLES ("patrol admin"). Returns 0
 * with *WHO filled, or -1 with the refusal queued in *ANSWER: 401 saying
 * NEED is wanted, 403 saying FORBID (audited as ACTION when set).
 */
static int
authorize(struct db *db, struct MHD_Connection *c, const char *roles,
    const char *need, const char *forbid, const char *action,
    struct caller *who, enum MHD_Result *answer)
{
	char msg[160];
	size_t n;
	const char *p;
	unsigned st;

	st = bearer(db, c, who->role, who->ward, sizeof(who->ward), who->who,
	    sizeof(who->who));
	if (st != 0) {
		snprintf(msg, sizeof(msg), "%s is needed (Authorization: Bearer "
		    "...)", need);
		*answer = fail(c, st, st == MHD_HTTP_UNAUTHORIZED ? msg :
		    "the store is not answering");
		return -1;
	}
	n = strlen(who->role);
	for (p = roles; (p = strstr(p, who->role)) != NULL; p += n)
		if ((p == roles || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return 0;
	if (action != NULL)
		query_refused(db, who->who, action, "role may not ask this");
	*answer = fail(c, MHD_HTTP_FORBIDDEN, forbid);
	return -1;
}

static const char *
arg(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* An optional whole-number argument in [LO, HI]; -2 when malformed. */
static long
arg_num(struct MHD_Connection *c, const char *name, long dflt, long lo,
    long hi)
{
	const char *v = arg(c, name);
	char *end;
	long n;

	if (v == NULL)
		return dflt;
	n = strtol(v, &end, 10);
	return (*v != '\0' && *end == '\0' && n >= lo && n <= hi) ? n : -2;
}

/*
 * Answer with R (taken) as JSON, or as a CSV download written by PRINT
 * when FORMAT is "csv".
 */
static enum MHD_Result
reply_as(struct MHD_Connection *c, json_t *r, const char *format,
    int (*print)(FILE *, const json_t *, const char *), const char *filename)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char disp[96], *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (strcmp(format, "csv") != 0)
		return reply(c, MHD_HTTP_OK, r);
	f = open_memstream(&buf, &len);
	if (f == NULL || print(f, r, "csv") != 0) {
		if (f != NULL)
			fclose(f);
		free(buf);
		json_decref(r);
		return fail(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	fclose(f);
	json_decref(r);
	resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type", "text/csv; charset=utf-8");
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* GET /api/v1/trace?subject=KIND:ID&from=&to=&depth=&min_overlap=
 * &default_stay=&format=json|csv, for a tracer token only. */
static enum MHD_Result
do_trace(struct db *db, struct MHD_Connection *c)
{
	struct trace_opts o = { 0 };
	struct caller who;
	enum MHD_Result answer;
	const char *format = arg(c, "format");
	long depth, overlap, stay;
	json_t *r;

	if (authorize(db, c, "tracer", "a tracer token", "this token's role "
	    "may not trace; ask for a tracer token", "trace", &who,
	    &answer) != 0)
		return answer;
	if (format == NULL)
		format = "json";
	depth = arg_num(c, "depth", 1, 1, 2);
	overlap = arg_num(c, "min_overlap", TRACE_DEFAULT_MIN_OVERLAP, 0,
	    24 * 60);
	stay = arg_num(c, "default_stay", TRACE_DEFAULT_STAY_MIN, 1, 12 * 60);
	o.to_ms = ktime_wall_ms();
	if (arg(c, "subject") == NULL || trace_subject(arg(c, "subject"),
	    o.kind, o.subject) != 0 || depth < 0 || overlap < 0 || stay < 0 ||
	    (arg(c, "to") != NULL && ktime_parse(arg(c, "to"), &o.to_ms)) ||
	    (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0))
		return fail(c, MHD_HTTP_BAD_REQUEST, "want subject=KIND:ID and "
		    "optional from, to (times), depth (1|2), min_overlap, "
		    "default_stay (minutes), format (json|csv)");
	o.from_ms = o.to_ms - 14 * 86400000LL;
	if ((arg(c, "from") != NULL && ktime_parse(arg(c, "from"),
	    &o.from_ms) != 0) || o.from_ms >= o.to_ms)
		return fail(c, MHD_HTTP_BAD_REQUEST, "from must be a time "
		    "before to");
	o.depth = (int)depth;
	o.min_overlap_ms = overlap * 60000;
	o.default_stay_ms = stay * 60000;
	r = query_trace(db, &o, who.who);
	if (r == NULL)
		return fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the trace could "
		    "not be run or audited; nothing was given out");
	return reply_as(c, r, format, trace_print, "trace.csv");
}

/* GET /api/v1/report?ward=W&date=D&format=json|csv: a patrol token (of
 * that ward, when it names one) or an admin token. */
static enum MHD_Result
do_report(struct db *db, struct MHD_Connection *c)
{
	struct caller who;
	enum MHD_Result answer;
	const char *want = arg(c, "ward"), *format = arg(c, "format");
	int64_t now = ktime_wall_ms(), day = now;
	long silent = arg_num(c, "silent_after", REPORT_SILENT_MIN, 1,
	    7 * 24 * 60);
	json_t *r;

	if (authorize(db, c, "patrol admin", "a patrol token", "this token's "
	    "role may not read ward reports", NULL, &who, &answer) != 0)
		return answer;
	if (want == NULL && who.ward[0] != '\0')
		want = who.ward;
	if (format == NULL)
		format = "json";
	if (want == NULL || silent < 0 || (arg(c, "date") != NULL &&
	    ktime_parse(arg(c, "date"), &day) != 0) ||
	    (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0))
		return fail(c, MHD_HTTP_BAD_REQUEST, "want ward=W and optional "
		    "date (YYYY-MM-DD), silent_after (minutes), format "
		    "(json|csv)");
	if (strcmp(who.role, "patrol") == 0 && who.ward[0] != '\0' &&
	    strcmp(who.ward, want) != 0)
		return fail(c, MHD_HTTP_FORBIDDEN, "this patrol token is for "
		    "another ward");
	r = query_report(db, want, day, now, (int)silent);
	if (r == NULL)
		return fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the store is not "
		    "answering");
	return reply_as(c, r, format, query_report_print, "report.csv");
}

/* GET /api/v1/audit: the audit log, for an admin token only. */
static enum MHD_Result
do_audit(struct db *db, struct MHD_Connection *c)
{
	struct caller who;
	enum MHD_Result answer;
	char *s;
	json_t *a;

	if (authorize(db, c, "admin", "an admin token", "only an admin token "
	    "may read the audit log", NULL, &who, &answer) != 0)
		return answer;
	s = db_audit_list(db);
	a = s ? json_loads(s, 0, NULL) : NULL;
	free(s);
	if (a == NULL)
		return fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the store is not "
		    "answering");
	return reply(c, MHD_HTTP_OK, a);
}

/* GET /api/v1/verify-receipt?receipt=KR1... or POST {"receipt"}: a patrol
 * or admin token. 200 with {"valid":...} either way. */
static enum MHD_Result
do_receipt(struct db *db, struct MHD_Connection *c, struct req *rq)
{
	struct caller who;
	enum MHD_Result answer;
	char text[2048];
	const char *t = NULL;
	json_t *body = NULL, *r;

	if (authorize(db, c, "patrol admin", "a patrol token", "this token's "
	    "role may not check receipts", NULL, &who, &answer) != 0)
		return answer;
	if (rq != NULL) {
		body = json_loadb(rq->buf, rq->len, 0, NULL);
		t = json_string_value(json_object_get(body, "receipt"));
	} else {
		t = arg(c, "receipt");
	}
	if (t == NULL || strlen(t) >= sizeof(text)) {
		json_decref(body);
		return fail(c, MHD_HTTP_BAD_REQUEST, "want a receipt (KR1...)");
	}
	snprintf(text, sizeof(text), "%s", t);
	json_decref(body);
	r = query_receipt(db, text);
	if (r == NULL)
		return fail(c, MHD_HTTP_SERVICE_UNAVAILABLE, "the store is not "
		    "answering");
	return reply(c, MHD_HTTP_OK, r);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *data_size, void **con_cls)
{
	struct db *db = cls;
	struct req *rq = *con_cls;

	(void)version;
	if (rq == NULL) {
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*data_size > 0) {
		/* Bounded: past the limit the rest is read and dropped. */
		if (!rq->too_big && rq->len + *data_size <= max_body) {
			if (rq->len + *data_size > rq->cap) {
				size_t ncap = (rq->len + *data_size) * 2;
				char *nb;

				if (ncap > max_body)
					ncap = max_body;
				nb = realloc(rq->buf, ncap + 1);
				if (nb == NULL)
					return MHD_NO;
				rq->buf = nb;
				rq->cap = ncap;
			}
			memcpy(rq->buf + rq->len, data, *data_size);
			rq->len += *data_size;
		} else {
			rq->too_big = 1;
		}
		*data_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return fail(c, HTTP_TOO_LARGE, "body too large");
	if (rq->buf != NULL)
		rq->buf[rq->len] = '\0';
	if (strcmp(url, "/api/v1/health") == 0 && strcmp(method, "GET") == 0)
		return reply(c, MHD_HTTP_OK, json_pack("{s:s, s:s}", "status",
		    "ok", "version", KIOSK_VERSION));
	if (strcmp(method, "GET") == 0) {
		if (strncmp(url, "/c/", 3) == 0)
			return serve_file(c, "checkin.html",
			    "text/html; charset=utf-8");
		if (strncmp(url, "/api/v1/venue/", 14) == 0)
			return do_venue(db, c, url + 14);
		if (strcmp(url, "/web/checkin.js") == 0)
			return serve_file(c, "checkin.js",
			    "text/javascript; charset=utf-8");
		if (strcmp(url, "/web/checkin.css") == 0)
			return serve_file(c, "checkin.css",
			    "text/css; charset=utf-8");
		if (strcmp(url, "/api/v1/trace") == 0)
			return do_trace(db, c);
		if (strcmp(url, "/api/v1/report") == 0)
			return do_report(db, c);
		if (strcmp(url, "/api/v1/audit") == 0)
			return do_audit(db, c);
		if (strcmp(url, "/api/v1/verify-receipt") == 0)
			return do_receipt(db, c, NULL);
	}
	if (strcmp(method, "POST") != 0)
		return fail(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
	if (rq->buf == NULL)
		return fail(c, MHD_HTTP_BAD_REQUEST, "empty body");
	if (strcmp(url, "/api/v1/batch") == 0)
		return do_batch(db, c, rq);
	if (strcmp(url, "/api/v1/heartbeat") == 0)
		return do_heartbeat(db, c, rq);
	if (strcmp(url, "/api/v1/enroll") == 0)
		return do_enroll(db, c, rq);
	if (strcmp(url, "/api/v1/phone-checkin") == 0)
		return do_phone_checkin(db, c, rq);
	if (strcmp(url, "/api/v1/verify-receipt") == 0)
		return do_receipt(db, c, rq);
	return fail(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rq != NULL) {
		free(rq->buf);
		free(rq);
		*con_cls = NULL;
	}
}

static int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "max-body", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	const char *listen = "127.0.0.1:8080", *url = NULL, *colon;
	struct sockaddr_in sa;
	struct MHD_Daemon *mhd;
	const union MHD_DaemonInfo *info;
	struct db *db;
	char host[64];
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen = optarg; break;
		case 'd': url = optarg; break;
		case 'm': max_body = (size_t)strtoul(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	colon = strrchr(listen, ':');
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	if (url == NULL)
		url = collector_db_default();
	if (colon == NULL || (size_t)(colon - listen) >=
	    sizeof(host) || max_body < 1024) {
		fprintf(stderr, "usage: collector serve --listen ADDR:PORT "
		    "--db sqlite:PATH|postgresql://... [--max-body BYTES]\n");
		return 2;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "collector: --listen wants an IPv4 address and "
		    "port, e.g. 127.0.0.1:8080\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
	{
		/* assets/web next to the strings the kiosk finds. */
		const char *sd = i18n_dir();
		size_t n = strlen(sd);

		if (n > 8 && strcmp(sd + n - 8, "/strings") == 0)
			snprintf(web_dir, sizeof(web_dir), "%.*s/web",
			    (int)(n - 8), sd);
	}
	db = db_open(url);
	if (db == NULL)
		return 1;
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0, NULL, NULL,
	    handler, db,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_END);
	if (mhd == NULL) {
		log_error("cannot listen on %s: %s", listen, strerror(errno));
		db_close(db);
		return 1;
	}
	info = MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
	printf("collector: listening on http://%s:%u\n", host,
	    info ? info->port : ntohs(sa.sin_port));
	fflush(stdout);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stopping)
		pause();
	MHD_stop_daemon(mhd);
	db_close(db);
	return 0;
}

static int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "ward", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const roles[] = { "device-enrolment", "tracer",
	    "patrol", "admin" };
	const char *url = NULL, *role = NULL, *ward = NULL;
	char tok[DB_TOKEN_LEN + 1];
	struct db *db;
	size_t i;
	int ch, ok = 0, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'r': role = optarg; break;
		case 'w': ward = optarg; break;
		default: return 2;
		}
	}
	for (i = 0; role != NULL && i < 4; i++)
		ok |= strcmp(role, roles[i]) == 0;
	if (url == NULL)
		url = collector_db_default();
	if (!ok) {
		fprintf(stderr, "usage: collector token --db URL --role "
		    "device-enrolment|tracer|patrol|admin [--ward W]\n");
		return 2;
	}
	db = db_open(url);
	if (db == NULL)
		return 1;
	r = db_token_new(db, role, ward, tok);
	db_close(db);
	if (r != 0)
		return 1;
	printf("%s token%s%s (shown once; stored hashed):\n%s\n", role,
	    ward ? " for ward " : "", ward ? ward : "", tok);
	sodium_memzero(tok, sizeof(tok));
	return 0;
}

static int
cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL;
	struct db *db;
	char *s;
	int ch, as_json = 0;
	json_t *j;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'j': as_json = 1; break;
		default: return 2;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (optind != argc) {
		fprintf(stderr, "usage: collector stats [--db URL] [--json]\n");
		return 2;
	}
	db = db_open(url);
	if (db == NULL)
		return 1;
	s = db_stats(db);
	db_close(db);
	if (s == NULL)
		return 1;
	if (as_json) {
		printf("%s\n", s);
	} else {
		j = json_loads(s, 0, NULL);
		printf("devices:  %lld\nvisits:   %lld\nrejects:  %lld\n",
		    (long long)json_integer_value(json_object_get(j,
		    "devices")), (long long)json_integer_value(
		    json_object_get(j, "visits")), (long long)
		    json_integer_value(json_object_get(j, "rejects")));
		json_decref(j);
	}
	free(s);
	return 0;
}

/* Retention: whole days older than DAYS go (partitions on PostgreSQL). */
static int
cmd_purge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *days = NULL;
	struct db *db;
	char *end = NULL;
	long n = -1;
	int64_t gone;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'o': days = optarg; break;
		default: return 2;
		}
	}
	if (days != NULL)
		n = strtol(days, &end, 10);
	if (url == NULL)
		url = collector_db_default();
	if (days == NULL || *end != '\0' || n < 1 ||
	    n > 36500) {
		fprintf(stderr, "usage: collector purge --db URL --older-than "
		    "DAYS (1 or more)\n");
		return 2;
	}
	db = db_open(url);
	if (db == NULL)
		return 1;
	gone = db_purge(db, ktime_wall_ms() - (int64_t)n * 86400000);
	db_close(db);
	if (gone < 0)
		return 1;
	printf("purged %lld visits from days older than %ld days\n",
	    (long long)gone, n);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = { { "serve", cmd_serve }, { "token", cmd_token },
	    { "stats", cmd_stats }, { "purge", cmd_purge },
	    { "trace", cmd_trace }, { "audit", cmd_audit },
	    { "report", cmd_report }, { "verify-receipt", cmd_verify_receipt },
	    { "import", cmd_import } };
	size_t i;

	log_set_prefix("collector");
	wipe_json_setup();
	if (sodium_init() < 0)
		return 1;
	if (argc >= 2)
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(argv[1], cmds[i].name) == 0) {
				optind = 0;
				return cmds[i].fn(argc - 1, argv + 1);
			}
	fprintf(stderr, "usage: collector serve|token|stats|purge|trace|audit|"
	    "report|verify-receipt|import ...\n"
	    "  (each says its own usage; docs/sync.md, docs/trace.md)\n");
	return 2;
}
