/*
 * bench_store: check-ins per second through the kiosk's own path
 * (checkin_scan: parse, validate, seal, duplicate look-up, durable insert)
 * against a bare SQLite insert loop with the same durability settings
 * (WAL, synchronous=FULL, one transaction per row, a blob of the same
 * size), in the same process, interleaved so both see the same machine.
 *
 * The check-in's time is split into what any durable insert pays (the
 * bare loop: mostly fsync, measured apart by the same loop with
 * synchronous=OFF), the sealing for the health authority (seal_box on the
 * same personal fields, alone) and the rest: the store's own overhead
 * (parsing, the re-scan look-up, indexes, counters), whose ratio to the
 * bare insert does not move with the disk. Target: (check-in - sealing)
 * / bare insert <= 1.5.
 * Usage: bench_store [N per round] [rounds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "bench_util.h"
#include "checkin.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "seal.h"
#include "store.h"

/* The reference: what any program would do to store a row durably. */
static double
bare_loop(const char *path, int n, int round, int durable)
{
	unsigned char blob[260];
	sqlite3 *db;
	sqlite3_stmt *ins;
	double t0;
	char subj[16];
	int i;

	unlink(path);
	sqlite3_open(path, &db);
	sqlite3_exec(db, durable ? "PRAGMA journal_mode=WAL; PRAGMA "
	    "synchronous=FULL;" : "PRAGMA journal_mode=WAL; PRAGMA "
	    "synchronous=OFF;", NULL, NULL, NULL);
	sqlite3_exec(db, ""
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

/* Sealing alone: the personal fields of a CCCD visit, as checkin_scan
 * seals them. */
static double
seal_loop(const unsigned char *pk, int n)
{
	const char *personal = "{\"name\":\"Nguyễn Văn An\",\"dob\":"
	    "\"14031995\",\"sex\":\"Nam\",\"address\":\"12 Đường Số 1, P. "
	    "Bến Nghé, Q.1, TP. Hồ Chí Minh\",\"old_id\":\"023456789\"}";
	double t0 = now_s();
	int i;

	for (i = 0; i < n; i++) {
		size_t len;
		unsigned char *box = seal_box(pk, personal, strlen(personal),
		    &len);

		if (box == NULL)
			exit(1);
		free(box);
	}
	return now_s() - t0;
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
	double *bare, *ours, *nosync, *seal, ratio, own;
	struct key_pair kp;
	struct config cfg;
	int r, m;

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
	nosync = calloc((size_t)rounds, sizeof(double));
	seal = calloc((size_t)rounds, sizeof(double));

	printf("store bench: %d check-ins per round, %d rounds, WAL + "
	    "synchronous=FULL, one transaction each\n", n, rounds);
	for (r = 0; r < rounds; r++) {
		bare[r] = bare_loop(p1, n, r, 1);
		nosync[r] = bare_loop(p1, n, r, 0);
		seal[r] = seal_loop(kp.pk, n);
		ours[r] = kiosk_loop(p2, &cfg, n, r);
		printf("  round %d: bare insert %8.0f/s   kiosk check-in %8.0f/s"
		    "   ratio %.2f   (sealing %.0f us, fsync %.0f us a "
		    "check-in)\n", r + 1, n / bare[r], n / ours[r],
		    ours[r] / bare[r], seal[r] * 1e6 / n,
		    (bare[r] - nosync[r]) * 1e6 / n);
	}
	qsort(bare, (size_t)rounds, sizeof(double), cmp_double);
	qsort(ours, (size_t)rounds, sizeof(double), cmp_double);
	qsort(nosync, (size_t)rounds, sizeof(double), cmp_double);
	qsort(seal, (size_t)rounds, sizeof(double), cmp_double);
	m = rounds / 2;
	ratio = ours[m] / bare[m];
	own = (ours[m] - seal[m]) / bare[m];
	printf("store: median bare %.0f/s, kiosk %.0f/s: a check-in takes "
	    "%.2fx a bare insert\n", n / bare[m], n / ours[m], ratio);
	printf("store: of a check-in's %.0f us: fsync "
	    "%.0f us (%.0f%%), sealing %.0f us (%.0f%%), the store's work past a "
	    "bare insert %.0f us (%.0f%%)\n", ours[m] * 1e6 / n,
	    (bare[m] - nosync[m]) * 1e6 / n,
	    100 * (bare[m] - nosync[m]) / ours[m], seal[m] * 1e6 / n,
	    100 * seal[m] / ours[m], (ours[m] - seal[m] - bare[m]) * 1e6 / n,
	    100 * (ours[m] - seal[m] - bare[m]) / ours[m]);
	printf("store: without sealing a check-in takes %.2fx a bare insert "
	    "(target <= 1.5x) %s\n", own, own <= 1.5 ? "OK" : "OVER");
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
	free(nosync);
	free(seal);
	return 0;
}
