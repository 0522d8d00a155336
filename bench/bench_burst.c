/*
 * bench_burst: the collector after an outage. Two parts:
 *
 *   bench_burst drain URL DB_URL KIOSKS VISITS THREADS
 *     KIOSKS kiosks (enrolled straight into DB_URL) reconnect at once,
 *     each with a backlog of VISITS visits in signed batches of up to
 *     1000, through one proxy address (each kiosk's own address in
 *     X-Forwarded-For; start the collector with --trusted-proxy
 *     127.0.0.1). THREADS uploaders share them; a batch the collector
 *     does not acknowledge (503, 429, a reset) is sent again after its
 *     Retry-After. Prints the time to drain, the answers by status, and
 *     checks in the store that every visit is there exactly once.
 *
 *   bench_burst load URL PATH CONNECTIONS SECONDS
 *     CONNECTIONS keep-alive clients GET PATH as fast as they can;
 *     prints requests a second and the p50, p99 and worst latency.
 *
 * Exit 0 when the drain stored everything once (or the load ran), 1 if
 * not. Both use the same HTTP client as the kiosk (common/http.c) for
 * uploads, and libcurl for the load.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "db.h"
#include "http.h"
#include "keys.h"
#include "ktime.h"
#include "log.h"
#include "parsenum.h"
#include "wire.h"

struct kiosk {
	struct key_pair key;
	char id[KEYS_ID_LEN + 1];
	char instance[WIRE_INSTANCE_LEN + 1];
	char addr[32];
};

static struct {
	const char *url;
	struct kiosk *k;
	int kiosks, visits;
	int next;			/* the next kiosk to take */
	pthread_mutex_t lock;
	long by_status[600];
	long errors, batches, resent;
} g;

static void
tally(long status)
{
	pthread_mutex_lock(&g.lock);
	if (status > 0 && status < 600)
		g.by_status[status]++;
	else
		g.errors++;
	pthread_mutex_unlock(&g.lock);
}

/* Send one kiosk's backlog, each batch until it is acknowledged. */
static void
upload(struct kiosk *k)
{
	struct wire_visit *v = calloc(1000, sizeof(*v));
	int64_t first, now = ktime_wall_ms();
	int i, n;

	if (v == NULL)
		abort();
	for (first = 1; first <= g.visits; first += n) {
		struct wire_header h;
		char lines[WIRE_HEADER_LINES][WIRE_HEADER_LINE_MAX];
		char xff[64];
		const char *hdrs[WIRE_HEADER_LINES + 3];
		unsigned char *z;
		size_t zlen;
		struct wire_ack ack;
		char url[300];

		n = g.visits - (int)first + 1 < 1000 ? g.visits - (int)first +
		    1 : 1000;
		for (i = 0; i < n; i++) {
			memset(&v[i], 0, sizeof(v[i]));
			v[i].seq = first + i;
			snprintf(v[i].kind, sizeof(v[i].kind), "phone");
			snprintf(v[i].subject, sizeof(v[i].subject),
			    "09%08d", (int)((first + i) * 7919 % 100000000));
			snprintf(v[i].direction, sizeof(v[i].direction), "in");
			v[i].wall_ms = now - 3600000 + (first + i) * 1000;
			snprintf(v[i].boot_id, sizeof(v[i].boot_id), "boot");
			v[i].mono_ms = first + i;
			snprintf(v[i].source, sizeof(v[i].source), "camera");
		}
		if (wire_batch_encode(v, (size_t)n, &z, &zlen) != 0)
			abort();
		memset(&h, 0, sizeof(h));
		snprintf(h.device, sizeof(h.device), "%s", k->id);
		snprintf(h.instance, sizeof(h.instance), "%s", k->instance);
		h.first_seq = first;
		h.last_seq = first + n - 1;
		h.count = n;
		for (;;) {
			struct http_resp r;
			int rc;

			wire_sign(&k->key, &h, z, zlen, ktime_wall_ms());
			wire_header_lines(&h, lines);
			for (i = 0; i < WIRE_HEADER_LINES; i++)
				hdrs[i] = lines[i];
			snprintf(xff, sizeof(xff), "X-Forwarded-For: %s",
			    k->addr);
			hdrs[i++] = xff;
			hdrs[i++] = "Content-Type: application/octet-stream";
			hdrs[i] = NULL;
			snprintf(url, sizeof(url), "%s/api/v1/batch", g.url);
			rc = http_post(url, hdrs, z, zlen, 120, &r);
			tally(rc == 0 ? r.status : 0);
			if (rc == 0 && r.status == 200 && wire_ack_parse(r.body,
			    r.len, &ack) == 0 && ack.acked_through ==
			    h.last_seq) {
				wire_ack_release(&ack);
				http_resp_release(&r);
				break;
			}
			pthread_mutex_lock(&g.lock);
			g.resent++;
			pthread_mutex_unlock(&g.lock);
			usleep((useconds_t)(r.retry_after_s > 0 ?
			    r.retry_after_s * 1000000 : 200000));
			http_resp_release(&r);
		}
		pthread_mutex_lock(&g.lock);
		g.batches++;
		pthread_mutex_unlock(&g.lock);
		free(z);
	}
	free(v);
}

static void *
uploader(void *arg)
{
	int i;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&g.lock);
		i = g.next < g.kiosks ? g.next++ : -1;
		pthread_mutex_unlock(&g.lock);
		if (i < 0)
			return NULL;
		upload(&g.k[i]);
	}
}

static int
drain(int argc, char **argv)
{
	int threads, i;
	pthread_t *t;
	struct db *db;
	struct db_stats st;
	int64_t t0, took;
	long bad = 0;
	size_t j;

	if (argc != 7)
		return 2;
	g.url = argv[2];
	if (parsenum_int(argv[4], 1, 1000000, &g.kiosks) != 0 ||
	    parsenum_int(argv[5], 1, 1000000, &g.visits) != 0 ||
	    parsenum_int(argv[6], 1, 4096, &threads) != 0)
		return 2;
	db = db_open(argv[3]);
	if (db == NULL)
		return 1;
	g.k = calloc((size_t)g.kiosks, sizeof(*g.k));
	t = calloc((size_t)threads, sizeof(*t));
	if (g.k == NULL || t == NULL)
		return 1;
	t0 = ktime_mono_ms();
	for (i = 0; i < g.kiosks; i++) {
		struct wire_device d;
		char tok[DB_TOKEN_LEN + 1], why[400];
		unsigned char rnd[16];

		keys_generate(KEY_ED25519, &g.k[i].key);
		keys_id(g.k[i].key.pk, g.k[i].id);
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(g.k[i].instance, sizeof(g.k[i].instance), rnd,
		    sizeof(rnd));
		snprintf(g.k[i].addr, sizeof(g.k[i].addr), "10.%d.%d.%d",
		    (i >> 16) & 255, (i >> 8) & 255, i & 255);
		memset(&d, 0, sizeof(d));
		memcpy(d.pk, g.k[i].key.pk, KEYS_PUB_LEN);
		memcpy(d.device_id, g.k[i].id, sizeof(d.device_id));
		snprintf(d.venue_id, sizeof(d.venue_id), "BURST-%d", i);
		snprintf(d.venue_name, sizeof(d.venue_name), "Quán %d", i);
		if (db_token_new(db, "device-enrolment", "Burst", tok) != 0 ||
		    db_enroll(db, tok, &d, why, sizeof(why)) != 0) {
			fprintf(stderr, "bench_burst: enrolment: %s\n", why);
			return 1;
		}
	}
	printf("burst: %d kiosks enrolled in %lld ms\n", g.kiosks,
	    (long long)(ktime_mono_ms() - t0));
	fflush(stdout);
	t0 = ktime_mono_ms();
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, uploader, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	took = ktime_mono_ms() - t0;
	printf("burst: %d kiosks x %d visits (%ld batches) drained in %.1f s "
	    "by %d uploaders through one address: %ld sent again;", g.kiosks,
	    g.visits, g.batches, (double)took / 1000, threads, g.resent);
	for (i = 0; i < 600; i++)
		if (g.by_status[i] > 0)
			printf(" HTTP %d x%ld", i, g.by_status[i]);
	printf(" errors x%ld\n", g.errors);
	if (db_stats(db, &st) != 0)
		return 1;
	for (j = 0; j < st.n_per; j++)
		if (st.per[j].visits != g.visits || st.per[j].max_seq !=
		    g.visits)
			bad++;
	printf("burst: stored %lld visits of %lld, %zu kiosks' streams, %ld "
	    "not exactly once\n", (long long)st.visits,
	    (long long)g.kiosks * g.visits, st.n_per, bad);
	i = st.visits == (int64_t)g.kiosks * g.visits && bad == 0 &&
	    st.n_per == (size_t)g.kiosks ? 0 : 1;
	db_stats_release(&st);
	db_close(db);
	return i;
}

/* ---- load ---- */

static struct {
	char url[400];
	int64_t until;
	pthread_mutex_t lock;
	int64_t *us;			/* latencies, microseconds */
	size_t n, cap;
	long failed;
} L;

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static void *
loader(void *arg)
{
	CURL *c = curl_easy_init();
	int64_t mine[4096];
	size_t k = 0;
	long code;

	(void)arg;
	curl_easy_setopt(c, CURLOPT_URL, L.url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	while (ktime_mono_ms() < L.until) {
		struct timespec a, b;
		CURLcode rc;

		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = curl_easy_perform(c);
		clock_gettime(CLOCK_MONOTONIC, &b);
		code = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (rc != CURLE_OK || code != 200) {
			pthread_mutex_lock(&L.lock);
			L.failed++;
			pthread_mutex_unlock(&L.lock);
			continue;
		}
		mine[k++] = (b.tv_sec - a.tv_sec) * 1000000LL +
		    (b.tv_nsec - a.tv_nsec) / 1000;
		if (k == sizeof(mine) / sizeof(mine[0]) ||
		    ktime_mono_ms() >= L.until) {
			pthread_mutex_lock(&L.lock);
			if (L.n + k > L.cap) {
				L.cap = (L.n + k) * 2;
				L.us = realloc(L.us, L.cap * sizeof(*L.us));
				if (L.us == NULL)
					abort();
			}
			memcpy(L.us + L.n, mine, k * sizeof(*mine));
			L.n += k;
			pthread_mutex_unlock(&L.lock);
			k = 0;
		}
	}
	pthread_mutex_lock(&L.lock);
	if (L.n + k > L.cap) {
		L.cap = L.n + k;
		L.us = realloc(L.us, L.cap * sizeof(*L.us));
		if (L.us == NULL)
			abort();
	}
	memcpy(L.us + L.n, mine, k * sizeof(*mine));
	L.n += k;
	pthread_mutex_unlock(&L.lock);
	curl_easy_cleanup(c);
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int
load(int argc, char **argv)
{
	int conns, secs, i;
	pthread_t *t;

	if (argc != 6)
		return 2;
	snprintf(L.url, sizeof(L.url), "%s%s", argv[2], argv[3]);
	if (parsenum_int(argv[4], 1, 4096, &conns) != 0 ||
	    parsenum_int(argv[5], 1, 3600, &secs) != 0)
		return 2;
	t = calloc((size_t)conns, sizeof(*t));
	if (t == NULL)
		return 1;
	L.until = ktime_mono_ms() + secs * 1000LL;
	for (i = 0; i < conns; i++)
		pthread_create(&t[i], NULL, loader, NULL);
	for (i = 0; i < conns; i++)
		pthread_join(t[i], NULL);
	if (L.n == 0) {
		printf("load: %s: no answer\n", argv[3]);
		return 1;
	}
	qsort(L.us, L.n, sizeof(*L.us), cmp64);
	printf("load: %s, %d connections, %d s: %.0f requests/s, p50 %.2f ms, "
	    "p99 %.2f ms, worst %.1f ms, %ld failed\n", argv[3], conns, secs,
	    (double)L.n / secs, L.us[L.n / 2] / 1000.0,
	    L.us[L.n * 99 / 100] / 1000.0, L.us[L.n - 1] / 1000.0, L.failed);
	free(L.us);
	free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	pthread_mutex_init(&g.lock, NULL);
	pthread_mutex_init(&L.lock, NULL);
	log_set_level(LOG_ERROR);
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	if (argc >= 2 && strcmp(argv[1], "drain") == 0)
		return drain(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "load") == 0)
		return load(argc, argv);
	fprintf(stderr, "usage: bench_burst drain URL DB_URL KIOSKS VISITS "
	    "THREADS\n       bench_burst load URL PATH CONNECTIONS SECONDS\n");
	return 2;
}
