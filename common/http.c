/*
 * http: libcurl POST. See http.h.
 */
#include "http.h"

#include "dynbuf.h"
#include "parsenum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	size_t n = size * nmemb;

	/* Past HTTP_MAX_RESPONSE the add fails, and so does the transfer:
	 * bounded input. */
	return dynbuf_add(arg, p, n) == 0 ? n : 0;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct http_resp *r = arg;
	size_t n = size * nmemb;

	char v[32];
	size_t k = 12, m = 0;
	int64_t secs;

	/* Retry-After in seconds (an HTTP date is left alone: -1). */
	if (n <= 12 || strncasecmp(p, "Retry-After:", 12) != 0)
		return n;
	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	while (k < n && m + 1 < sizeof(v) && p[k] != '\r' && p[k] != '\n' &&
	    p[k] != ' ')
		v[m++] = p[k++];
	v[m] = '\0';
	if (parsenum(v, 0, 86400, &secs) == 0)
		r->retry_after_s = secs;
	return n;
}

static const char *trust_pem;

void
http_trust(const char *pem_path)
{
	trust_pem = pem_path != NULL && *pem_path != '\0' ? pem_path : NULL;
}

int
http_post(const char *url, const char *const *headers, const void *body,
    size_t len, long total_s, struct http_resp *out)
{
	struct curl_slist *hl = NULL;
	CURL *c;
	CURLcode rc;
	struct dynbuf b;
	char errbuf[CURL_ERROR_SIZE] = "";

	memset(out, 0, sizeof(*out));
	out->retry_after_s = -1;
	c = curl_easy_init();
	if (c == NULL) {
		snprintf(out->error, sizeof(out->error), "curl init failed");
		return -1;
	}
	for (; headers != NULL && *headers != NULL; headers++)
		hl = curl_slist_append(hl, *headers);
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	dynbuf_init(&b, HTTP_MAX_RESPONSE);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* Always bounded: a dead or stalled link is abandoned and retried. */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, total_s);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 512L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, total_s / 2 < 15 ?
	    (total_s / 2 > 0 ? total_s / 2 : 1) : 15L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (trust_pem != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, trust_pem);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	else
		snprintf(out->error, sizeof(out->error), "%s",
		    errbuf[0] ? errbuf : curl_easy_strerror(rc));
	if (b.len > 0)
		out->body = dynbuf_take(&b, &out->len);
	dynbuf_release(&b);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

void
http_resp_release(struct http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}
