/*
 * api_impl: what the API's route files (api.c, api_query.c,
 * api_console.c) share: the
 * answer helpers and the role check. Not for other modules (api.h is).
 */
#ifndef KIOSK_API_IMPL_H
#define KIOSK_API_IMPL_H

#include <stdio.h>

#include "api.h"
#include "db.h"

#define HTTP_OK 200
#define HTTP_CREATED 201
#define HTTP_BAD_REQUEST 400
#define HTTP_UNAUTHORIZED 401
#define HTTP_FORBIDDEN 403
#define HTTP_NOT_FOUND 404
#define HTTP_BAD_METHOD 405
#define HTTP_CONFLICT 409
#define HTTP_TOO_LARGE 413
#define HTTP_TOO_MANY 429
#define HTTP_INTERNAL 500
#define HTTP_UNAVAILABLE 503

/* api_json(rs, status, json): answer with JSON text JSON (taken; NULL:
 * out of memory, answered as such). */
void api_json(struct api_response *rs, unsigned status, char *json);

/* api_fail(rs, status, msg): {"error": MSG}. */
void api_fail(struct api_response *rs, unsigned status, const char *msg);

/* api_result(rs, status, result, reason): {"result":..,"reason":..}. */
void api_result(struct api_response *rs, unsigned status,
    const char *result, const char *reason);

/*
 * api_print(rs, print, ctx, ctype, filename):
 * Answer 200 with what PRINT(f, CTX) writes (ctype CTYPE; with FILENAME, a
 * download). A failed PRINT is a 500.
 */
void api_print(struct api_response *rs, int (*print)(FILE *f,
    const void *ctx), const void *ctx, const char *ctype,
    const char *filename);

struct api_caller {
	char role[DB_ROLE_LEN], ward[129], who[200];
};

/*
 * api_authorize(db, rq, roles, need, forbid, action, who, rs):
 * The caller's bearer token must hold one of ROLES ("patrol admin").
 * Returns 0 with *WHO filled, or -1 with the refusal answered in *RS: 401
 * saying NEED is wanted, 403 saying FORBID (audited as ACTION when set).
 */
int api_authorize(struct db *db, const struct api_request *rq,
    const char *roles, const char *need, const char *forbid,
    const char *action, struct api_caller *who, struct api_response *rs);

/* The tracer, patrol and admin routes (api_query.c). */
void api_trace(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs);
void api_report(struct db *db, const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs);
void api_audit(struct db *db, const struct api_request *rq,
    struct api_response *rs);
void api_receipt(struct db *db, const struct api_request *rq,
    struct api_response *rs);

/*
 * api_serve_file(cfg, rs, name, ctype, csp): the web folder's file NAME
 * (a name from the code, never from the URL) with policy CSP (NULL: the
 * phone page's).
 */
void api_serve_file(const struct api_config *cfg, struct api_response *rs,
    const char *name, const char *ctype, const char *csp);

/* The web console (api_console.c): its files (-1: not one of them) and
 * the admin routes. */
int api_console_file(const struct api_config *cfg,
    const struct api_request *rq, struct api_response *rs);
void api_whoami(struct db *db, const struct api_request *rq,
    struct api_response *rs);
void api_tokens(struct db *db, const struct api_request *rq,
    struct api_response *rs);
void api_token_issue(struct db *db, const struct api_request *rq,
    struct api_response *rs);
void api_token_revoke(struct db *db, const struct api_request *rq,
    struct api_response *rs);
void api_devices(struct db *db, const struct api_request *rq,
    struct api_response *rs);
void api_device_revoke(struct db *db, const struct api_request *rq,
    struct api_response *rs);

#endif
