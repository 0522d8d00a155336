/*
 * api: the collector's HTTP API, apart from the HTTP server that carries
 * it (server.c, libmicrohttpd). A request comes in as a plain struct and
 * an answer goes out as one, so the routes, the parsing and the role
 * checks are the same code whether a socket, a test or a fuzzer
 * (tests/fuzz/fuzz_api.c) asks.
 *
 *   GET  /api/v1/health
 *   POST /api/v1/enroll        {"token","device_pub","venue_id",...}
 *   POST /api/v1/batch         zlib JSON body, signed X-Kiosk-* headers
 *   POST /api/v1/heartbeat     JSON body, signed X-Kiosk-* headers
 *   GET  /c/<token>            the phone check-in page (assets/web)
 *   GET  /api/v1/venue/<token> the venue's name, once the code checks out
 *   POST /api/v1/phone-checkin {"token","who"}: a visit from a phone
 *   GET  /api/v1/trace, /api/v1/report, /api/v1/audit,
 *        /api/v1/verify-receipt   by role token (docs/trace.md)
 *
 * Errors are {"error": "..."} with the HTTP status (404 for no such path,
 * 405 with Allow for another method); see docs/sync.md.
 */
#ifndef KIOSK_API_H
#define KIOSK_API_H

#include <stddef.h>
#include <stdint.h>

struct key_pair;

struct db;

struct api_request {
	const char *method;		/* "GET", "POST", ... */
	const char *url;		/* the path, without the query */
	const char *body;		/* NUL-terminated, or NULL */
	size_t len;
	const char *client;		/* the client's address, for the audit */
	/* A header's or a query argument's value, or NULL. */
	const char *(*header)(void *ctx, const char *name);
	const char *(*arg)(void *ctx, const char *name);
	void *ctx;
	/* 1 when the client has gone away (long work stops), or NULL. */
	int (*gone)(void *gone_ctx);
	void *gone_ctx;
};

#define API_MAX_HEADERS 6

struct api_response {
	unsigned status;
	const char *content_type;	/* static */
	char *body;			/* owned */
	size_t len;
	const char *headers[API_MAX_HEADERS][2];	/* static name, or a
					 * value in this struct */
	char disposition[96];		/* Content-Disposition, or "" */
	char retry_after[24];		/* Retry-After's value, or "" */
};

struct limit;
struct codes;

/* Phone check-in limits' defaults (docs/phone.md). */
#define API_PHONE_PER_ADDRESS 10	/* a minute, and at once */
#define API_PHONE_PER_CODE 30		/* a minute, and at once */
#define API_PHONE_PER_SLOT 100		/* a venue's, in one code's slot */

struct api_config {
	const char *web_dir;		/* the phone page's files */
	int64_t phone_window_ms;	/* a phone re-scan is a duplicate */
	struct limit *limits;		/* phone check-in buckets; NULL: none */
	struct codes *codes;		/* venue codes checked lately; NULL:
					 * none */
	int64_t phone_per_address, phone_per_code, phone_per_slot;
	/* The collector's own key: signs the wards' pass lists. NULL:
	 * none (the pass list is refused, 503). */
	const struct key_pair *signing_key;
	/* Where traces and reports are read (a standby, db_open_reader),
	 * with the lag said in the answer; NULL: the store itself. The
	 * audit is always written to the store (the primary). */
	struct db *read_db;
};

/*
 * api_handle(db, cfg, rq, rs):
 * Answer RQ into *RS (release with api_response_release). Never fails:
 * every problem is an answer with its status.
 */
void api_handle(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs);

/* api_response_release(rs): free RS's body. */
void api_response_release(struct api_response *rs);

#endif
