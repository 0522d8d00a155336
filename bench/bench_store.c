/*
 * bench_store: check-ins per second through the kiosk's own path
 * (checkin_scan: parse, validate, seal, duplicate look-up, durable insert)
 * against a bare SQLite insert loop with the same durability settings
 * (WAL, synchronous=FULL, one transaction per row, a blob of the same
 * size), in the same process, interleaved so both see the same machine.
 *
 * Prints each round and the ratio of medians; the target is <= 1.5.
 * Usage: bench_store [N per round] [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "checkin.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "store.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The reference: what any program would do to store a row durably. */
static double
bare_loop(const char *path, int n, int round)
{
	unsigned char blob[260];
	sqlite3 *db;
	sqlite3_stmt *ins;
	double t0;
	char subj[16];
	int i;

	unlink(path);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	    "CREATE TABLE v(seq INTEGER PRIMARY KEY AUTOINCREMENT, "
	    "instance_id TEXT, kind TEXT, subject TEXT, sealed BLOB, "
	    "direction TEXT, wall_ms INTEGER, boot_id TEXT, mono_ms INTEGER, "
	    "source TEXT, uploaded_ms INTEGER)", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO v(instance_id, kind, subject, "
	    "sealed, direction, wall_ms, boot_id, mono_ms, source) VALUES "
	    "('0123456789abcdef0123456789abcdef', 'cccd', ?1, ?2, 'in', ?3, "
	    "'00000000-0000-0000-0000-000000000000', 0, 'camera')", -1, &ins,
	    NULL);
	randombytes_buf(blob, sizeof(blob));
	t0 = now_s();
	for (i = 0; i < n; i++) {
		snprintf(subj, sizeof(subj), "0790950%05d", (round * n + i) %
		    100000);
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_text(ins, 1, subj, -1, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 2, blob, sizeof(blob), SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, (long long)i);
		sqlite3_step(ins);
		sqlite3_reset(ins);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	t0 = now_s() - t0;
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return t0;
}

static double
kiosk_loop(const char *path, const struct config *cfg, int n, int round)
{
	struct checkin_ctx ctx;
	struct checkin_out out;
	struct store *s;
	char text[256];
	double t0;
	int i, len;

	unlink(path);
	s = store_open(path);
	if (s == NULL)
		exit(1);
	ctx.store = s;
	ctx.config = cfg;
	ctx.trust = NULL;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		len = snprintf(text, sizeof(text), "0790950%05d|023456789|"
		    "Nguyễn Văn An|14031995|Nam|12 Đường Số 1, P. Bến Nghé, "
		    "Q.1, TP. Hồ Chí Minh|20042021", (round * n + i) % 100000);
		if (checkin_scan(&ctx, text, (size_t)len, "camera",
		    1795345995000LL + i, &out) != 0 ||
		    out.result != CHECKIN_ACCEPTED) {
			fprintf(stderr, "bench: check-in %d failed\n", i);
			exit(1);
		}
	}
	t0 = now_s() - t0;
	store_close(s);
	return t0;
}

int
main(int argc, char **argv)
{
	int n = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2000;
	int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	char dir[] = "/tmp/kiosk-bench-XXXXXX", p1[64], p2[64];
	double *bare, *ours, ratio;
	struct key_pair kp;
	struct config cfg;
	int r;

	if (sodium_init() < 0 || mkdtemp(dir) == NULL || n < 1 || rounds < 1)
		return 1;
	log_set_level(LOG_WARN);
	snprintf(p1, sizeof(p1), "%s/bare.db", dir);
	snprintf(p2, sizeof(p2), "%s/kiosk.db", dir);
	config_defaults(&cfg, p2);
	keys_generate(KEY_X25519, &kp);
	memcpy(cfg.authority_pk, kp.pk, KEYS_PUB_LEN);
	cfg.have_authority = 1;
	bare = calloc((size_t)rounds, sizeof(double));
	ours = calloc((size_t)rounds, sizeof(double));

	printf("store bench: %d check-ins per round, %d rounds, WAL + "
	    "synchronous=FULL, one transaction each\n", n, rounds);
	for (r = 0; r < rounds; r++) {
		bare[r] = bare_loop(p1, n, r);
		ours[r] = kiosk_loop(p2, &cfg, n, r);
		printf("  round %d: bare insert %8.0f/s   kiosk check-in %8.0f/s"
		    "   ratio %.2f\n", r + 1, n / bare[r], n / ours[r],
		    ours[r] / bare[r]);
	}
	qsort(bare, (size_t)rounds, sizeof(double), cmp_double);
	qsort(ours, (size_t)rounds, sizeof(double), cmp_double);
	ratio = ours[rounds / 2] / bare[rounds / 2];
	printf("store: median bare %.0f/s, kiosk %.0f/s: kiosk takes %.2fx the "
	    "bare loop's time per check-in (target <= 1.5x) %s\n",
	    n / bare[rounds / 2], n / ours[rounds / 2], ratio,
	    ratio <= 1.5 ? "OK" : "OVER");
	unlink(p1);
	unlink(p2);
	{
		char wal[80];

		snprintf(wal, sizeof(wal), "%s-wal", p1);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", p1);
		unlink(wal);
	}
	rmdir(dir);
	keys_wipe(&kp);
	free(bare);
	free(ours);
	return 0;
}
