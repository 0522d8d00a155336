/*
 * http: the HTTP client, a POST through libcurl, with the timeouts an uploader on a
 * flaky link needs always set: connect, total, and a low-speed limit that
 * abandons a stalled transfer.
 */
#ifndef KIOSK_HTTP_H
#define KIOSK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_RESPONSE (64 * 1024)

struct http_resp {
	long status;			/* 0 when no response came */
	char *body;			/* NUL-terminated, owned */
	size_t len;
	int64_t retry_after_s;		/* -1 when absent */
	char error[256];		/* what went wrong, for the log */
};

/*
 * http_post(url, headers, body, len, total_s, out):
 * POST BODY to URL with the extra HEADERS (NULL-terminated "Name: value"
 * strings), giving up after TOTAL_S seconds, or when under 512 B/s for
 * min(15, TOTAL_S / 2) seconds. Returns 0 when the server answered (any status, in
 * OUT->status), -1 when it could not be reached or the transfer failed or
 * stalled (OUT->error says how). Release OUT with http_resp_release.
 */
int http_post(const char *url, const char *const *headers, const void *body,
    size_t len, long total_s, struct http_resp *out);

/*
 * http_trust(pem_path): the CA certificates (PEM) that the servers this
 * process posts to must chain to, for a collector with a certificate of
 * the ward's own CA; NULL or "": the system's. Call once, before any
 * http_post (the path is kept, not copied).
 */
void http_trust(const char *pem_path);

/* http_resp_release(r): free R's body. */
void http_resp_release(struct http_resp *r);

#endif
