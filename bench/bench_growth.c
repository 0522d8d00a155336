/*
 * bench_growth: the store as it grows. For each size N a store is filled
 * with N visits (one bulk transaction through the store's own schema and
 * triggers; a CCCD visit's sealed blob on every other row), then timed:
 *
 *   open      store_open again in the same boot (no page check: once a boot)
 *   check     the first open of a boot (PRAGMA quick_check), for reference
 *   status    store_status, the call the kiosk's screen makes every 2 s
 *   drain     every visit read in batches (outbox_next) and marked uploaded,
 *             as kiosk-sync does after a week offline (no network)
 *
 * Ratios are against the smallest size in the same run: the open and the
 * status must not grow with the store, the drain only linearly (per visit
 * the same). Usage: bench_growth [N ...] (default 1000 100000 200000
 * 1000000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "bench_util.h"
#include "keys.h"
#include "ktime.h"
#include "log.h"
#include "outbox.h"
#include "parsenum.h"
#include "store.h"

struct figures {
	long n;
	double open_ms, check_ms, status_ms, drain_s;
	long drained;
};

/* N visits, one a second up to now, none uploaded, in one transaction. */
static int
fill(const char *path, const char *instance, long n, int64_t now)
{
	unsigned char blob[180];
	sqlite3 *db;
	sqlite3_stmt *ins;
	char subj[16];
	long i;
	int rc = 0;

	randombytes_buf(blob, sizeof(blob));
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db, "INSERT INTO visits(instance_id, kind, "
	    "subject, sealed, direction, wall_ms, boot_id, mono_ms, source) "
	    "VALUES (?1, ?2, ?3, ?4, 'in', ?5, 'bench-boot', ?5, 'camera')",
	    -1, &ins, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		int cccd = i % 2 == 0;

		if (cccd)
			snprintf(subj, sizeof(subj), "0792%08ld", i % 100000000);
		else
			snprintf(subj, sizeof(subj), "09%08ld", i % 100000000);
		sqlite3_bind_text(ins, 1, instance, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, cccd ? "cccd" : "phone", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, subj, -1, SQLITE_STATIC);
		if (cccd)
			sqlite3_bind_blob(ins, 4, blob, sizeof(blob),
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 4);
		sqlite3_bind_int64(ins, 5, now - (int64_t)(n - i) * 1000);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = -1;
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	if (sqlite3_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL,
	    NULL) != SQLITE_OK)
		rc = -1;
	sqlite3_close(db);
	return rc;
}

/* As after a reboot: the next open checks the pages. */
static void
forget_check(const char *path)
{
	sqlite3 *db;

	if (sqlite3_open(path, &db) == SQLITE_OK)
		sqlite3_exec(db, "DELETE FROM meta WHERE key = 'checked_boot'",
		    NULL, NULL, NULL);
	sqlite3_close(db);
}

static int
measure(const char *dir, long n, const struct key_pair *dev,
    struct figures *f)
{
	char path[512], instance[STORE_INSTANCE_LEN + 1];
	double t0, times[21];
	int64_t now = ktime_wall_ms(), after = 0;
	struct store_status st;
	struct store *s;
	int i, rc;

	memset(f, 0, sizeof(*f));
	f->n = n;
	snprintf(path, sizeof(path), "%s/growth-%ld.db", dir, n);
	unlink(path);
	s = store_open(path);
	if (s == NULL)
		return -1;
	snprintf(instance, sizeof(instance), "%s", store_instance_id(s));
	store_close(s);
	if (fill(path, instance, n, now) != 0)
		return -1;

	forget_check(path);
	t0 = now_s();
	s = store_open(path);
	f->check_ms = (now_s() - t0) * 1000;
	store_close(s);
	for (i = 0; i < 5; i++) {
		t0 = now_s();
		s = store_open(path);
		times[i] = (now_s() - t0) * 1000;
		if (s == NULL)
			return -1;
		if (i < 4)
			store_close(s);
	}
	qsort(times, 5, sizeof(times[0]), cmp_double);
	f->open_ms = times[2];
	for (i = 0; i < 21; i++) {
		t0 = now_s();
		if (store_status(s, now, 30, &st) != 0)
			return -1;
		times[i] = (now_s() - t0) * 1000;
	}
	qsort(times, 21, sizeof(times[0]), cmp_double);
	f->status_ms = times[10];
	if (st.visits_total != n || st.pending_upload != n) {
		fprintf(stderr, "status says %lld visits, %lld pending; %ld "
		    "were stored\n", (long long)st.visits_total,
		    (long long)st.pending_upload, n);
		return -1;
	}

	t0 = now_s();
	for (;;) {
		struct outbox_batch b;

		rc = outbox_next(s, dev, after, 0, now, &b);
		if (rc <= 0)
			break;
		after = b.seqs[b.n - 1];
		if (store_mark_uploaded(s, b.seqs, b.n, now) != (int64_t)b.n)
			rc = -1;
		f->drained += (long)b.n;
		outbox_batch_release(&b);
		if (rc < 0)
			break;
	}
	f->drain_s = now_s() - t0;
	store_close(s);
	unlink(path);
	if (rc < 0 || f->drained != n) {
		fprintf(stderr, "drained %ld of %ld\n", f->drained, n);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	long sizes[16] = { 1000, 100000, 200000, 1000000 };
	struct figures f[16];
	struct key_pair dev;
	const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "build";
	int n = 4, i;

	log_set_prefix("bench_growth");
	log_set_level(LOG_WARN);
	if (sodium_init() < 0)
		return 1;
	if (argc > 1) {
		n = 0;
		for (i = 1; i < argc && n < 16; i++) {
			int64_t v;

			if (parsenum(argv[i], 1, 100000000, &v) != 0) {
				fprintf(stderr, "usage: bench_growth [N ...]\n");
				return 2;
			}
			sizes[n++] = (long)v;
		}
	}
	keys_generate(KEY_ED25519, &dev);
	printf("%10s %9s %9s %10s %9s %11s %12s\n", "visits", "open ms",
	    "check ms", "status ms", "drain s", "us/visit", "vs smallest");
	for (i = 0; i < n; i++) {
		double per, base;

		if (measure(dir, sizes[i], &dev, &f[i]) != 0) {
			fprintf(stderr, "bench_growth: failed at %ld visits\n",
			    sizes[i]);
			return 1;
		}
		per = f[i].drain_s * 1e6 / (double)f[i].n;
		base = f[0].drain_s * 1e6 / (double)f[0].n;
		printf("%10ld %9.2f %9.1f %10.3f %9.2f %11.2f %11.2fx\n",
		    f[i].n, f[i].open_ms, f[i].check_ms, f[i].status_ms,
		    f[i].drain_s, per, per / base);
		fflush(stdout);
	}
	for (i = 1; i < n; i++)
		if (sizes[i] == 2 * sizes[i - 1])
			printf("drain of %ld visits / of %ld: %.2fx (linear: "
			    "2x; the target is <= 2.2x)\n", sizes[i],
			    sizes[i - 1], f[i].drain_s / f[i - 1].drain_s);
	printf("status at %ld visits / at %ld: %.2fx (the target: flat, "
	    "and < 5 ms)\n", sizes[n - 1], sizes[0],
	    f[n - 1].status_ms / f[0].status_ms);
	keys_wipe(&dev);
	return 0;
}
