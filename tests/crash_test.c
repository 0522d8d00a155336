/*
 * crash_test: kill -9 during check-ins, many times, then check the one
 * invariant that matters: every check-in that reported success is in the
 * store, nothing is there twice, and SQLite's integrity_check is ok.
 *
 * Each round forks a child that opens the store (so kills also land in
 * open, quick_check and migration) and checks visitors in as fast as it
 * can, writing "seq subject" to a pipe after each success is reported to
 * it; the parent kills it with SIGKILL after a random 0-30 ms.
 *
 * CRASH_KILLS sets the number of kills (default 200; `make soak` 2000).
 * SIGKILL tests the program, not the disk: a real power cut also loses the
 * OS page cache, which WAL + synchronous=FULL (fsync at commit) covers.
 */
#include "helpers.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>

#include "checkin.h"
#include "config.h"
#include "keys.h"
#include "store.h"

struct reported {
	int64_t seq;
	char subject[16];
};

static void
child(const char *path, const struct config *cfg, int fd, int round)
{
	struct checkin_ctx ctx;
	struct checkin_out out;
	char subject[16], line[64];
	struct store *s;
	int i, n;

	s = store_open(path);
	if (s == NULL)
		_exit(2);
	ctx.store = s;
	ctx.config = cfg;
	ctx.trust = NULL;
	for (i = 0;; i++) {
		snprintf(subject, sizeof(subject), "09%04d%04d", round % 10000,
		    i % 10000);
		if (checkin_scan(&ctx, subject, strlen(subject), "scanner",
		    ktime_wall_ms(), &out) != 0)
			_exit(3);
		if (out.result != CHECKIN_ACCEPTED)
			_exit(4);
		n = snprintf(line, sizeof(line), "%lld %s\n",
		    (long long)out.seq, subject);
		/* One write < PIPE_BUF: the line arrives whole or not at all. */
		if (write(fd, line, (size_t)n) != n)
			_exit(5);
	}
}

static void
test_kill_during_checkins(void **state)
{
	const char *env = getenv("CRASH_KILLS");
	int kills = env ? (int)strtol(env, NULL, 10) : 200;
	char *dir = scratch_new(), *path = scratch_path(dir, "visits.db");
	struct reported *rep = NULL;
	size_t nrep = 0, cap = 0, i;
	struct key_pair authority;
	struct config cfg;
	struct store *s;
	sqlite3 *db;
	sqlite3_stmt *st;
	int round, checked = 0, early_exits = 0;

	(void)state;
	assert_true(sodium_init() >= 0);
	config_defaults(&cfg, path);
	keys_generate(KEY_X25519, &authority);
	memcpy(cfg.authority_pk, authority.pk, KEYS_PUB_LEN);
	cfg.have_authority = 1;
	srand((unsigned)time(NULL));

	for (round = 0; round < kills; round++) {
		char buf[65536], *p, *nl;
		size_t have = 0;
		int fds[2], status;
		ssize_t n;
		pid_t pid;

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child(path, &cfg, fds[1], round);
		}
		close(fds[1]);
		usleep((useconds_t)(rand() % 30000));
		kill(pid, SIGKILL);
		while ((n = read(fds[0], buf + have, sizeof(buf) - 1 - have))
		    > 0)
			have += (size_t)n;
		close(fds[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
			early_exits++;
		buf[have] = '\0';
		for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
			*nl = '\0';
			if (nrep == cap) {
				cap = cap ? cap * 2 : 1024;
				rep = realloc(rep, cap * sizeof(*rep));
			}
			assert_int_equal(sscanf(p, "%lld %15s",
			    (long long *)&rep[nrep].seq, rep[nrep].subject), 2);
			nrep++;
		}
	}
	assert_int_equal(early_exits, 0);

	/* The store opens cleanly and passes the full integrity check. */
	s = store_open(path);
	assert_non_null(s);
	assert_null(store_recovered_from(s));
	assert_int_equal(store_check(s, 1), 0);
	store_close(s);

	/* Every reported check-in is there, with its seq, exactly once. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM visits "
	    "WHERE seq = ?1 AND subject = ?2", -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < nrep; i++) {
		sqlite3_bind_int64(st, 1, rep[i].seq);
		sqlite3_bind_text(st, 2, rep[i].subject, -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if (sqlite3_column_int(st, 0) != 1)
			fail_msg("reported check-in seq %lld %s is missing",
			    (long long)rep[i].seq, rep[i].subject);
		sqlite3_reset(st);
		checked++;
	}
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM (SELECT "
	    "subject FROM visits GROUP BY subject HAVING count(*) > 1)", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);

	print_message("crash test: %d kills, %d reported check-ins all "
	    "present, integrity ok\n", kills, checked);
	assert_true(checked > 0);
	keys_wipe(&authority);
	free(rep);
	free(path);
	scratch_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_during_checkins),
	};

	setenv("KIOSK_LOG_LEVEL", "error", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
