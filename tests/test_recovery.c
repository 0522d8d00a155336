/*
 * test_recovery: a store that goes bad loses nothing that was accepted
 * (docs/store.md, "Corruption"): a handle follows a store another process
 * moved aside, whatever it does next; a corrupt page met while the store
 * is in use is recovered from at once and the operation made again; a
 * corrupt file is salvaged once and marked so, never again by a later
 * store; an empty file is an alert, not a fresh start; a move aside cut
 * short by a crash is finished, with the commits in its write-ahead log;
 * salvage keeps why a visit was set aside.
 */
#include "store_helpers.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "keys.h"
#include "outbox.h"
#include "store.h"

#define MIN (60LL * 1000)

/* A new visit of SUBJECT at T; its outcome. */
static enum store_outcome
scan(struct store *s, const char *subject, int64_t t, int64_t *seq)
{
	struct store_checkin_req req;
	struct store_checkin_res res;

	memset(&req, 0, sizeof(req));
	req.kind = "phone";
	req.subject = subject;
	req.source = "keypad";
	req.wall_ms = t;
	req.mono_ms = t;
	req.boot_id = "11111111-1111-4111-8111-111111111111";
	req.window_ms = 5 * MIN;
	assert_int_equal(store_checkin(s, &req, &res), 0);
	if (seq != NULL)
		*seq = res.seq;
	return res.outcome;
}

/* N visits of subjects PREFIX<i>, from T. */
static void
scan_many(struct store *s, const char *prefix, int n, int64_t t)
{
	char subj[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(subj, sizeof(subj), "%s%06d", prefix, i);
		assert_int_equal(scan(s, subj, t + i, NULL), STORE_ACCEPTED);
	}
}

/* How many files in DIR have names ending in SUFFIX ("" for any moved
 * main file, i.e. "visits.db.corrupt-*" but not its -wal or -shm). */
static int
count_files(const char *dir, const char *suffix)
{
	char cmd[1024];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls '%s' | grep '^visits\\.db\\.corrupt-' "
	    "| grep -v -- '-wal$' | grep -v -- '-shm$' | grep -c -- '%s$'",
	    dir, suffix);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

/*
 * Another process moves the store aside (it found it corrupt) while this
 * handle has it open: everything this handle does next (a heartbeat, an
 * event, status, the clock, the outbox, the collector's last word) is
 * the new store's, not the moved file's.
 */
static void
test_follows_a_move(void **state)
{
	struct fixture *f = *state;
	struct store_status st;
	struct store_sync sy;
	struct outbox_batch b;
	struct key_pair dev;
	struct clock_now now;
	struct store *other;
	int hb = 0, ev = 0;

	scan_many(f->s, "09", 20, f->t0);
	spoil_index(f->path, "visits_subject");
	other = store_open(f->path);	/* the other process moves it */
	assert_non_null(other);
	assert_non_null(store_recovered_from(other));

	/* The moved file is there no more under its old name. */
	assert_int_equal(store_heartbeat(f->s, f->t0, 5000), 0);
	assert_int_equal(store_event(f->s, "admin", NULL, f->t0), 0);
	assert_int_equal(store_sync_note(f->s, STORE_SYNC_OK, 200, "", 1), 0);
	assert_int_equal(store_foreach_event(other, "heartbeat", 0, 10,
	    count_event, &hb), 0);
	assert_int_equal(store_foreach_event(other, "admin", 0, 10,
	    count_event, &ev), 0);
	assert_int_equal(hb, 1);
	assert_int_equal(ev, 1);
	assert_int_equal(store_sync_last(other, &sy), 0);
	assert_true(sy.heartbeat_ok_ms > 0);
	/* It reads what the new store holds: the 20 salvaged visits. */
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.visits_total, 20);
	assert_int_equal(st.salvaged, 20);
	assert_string_equal(store_instance_id(f->s), store_instance_id(other));
	clock_read(&now);
	assert_true(store_clock_observe(f->s, &now, NULL) >= 0);
	keys_generate(KEY_ED25519, &dev);
	assert_int_equal(outbox_next(f->s, &dev, 0, 0, f->t0, &b), 1);
	assert_int_equal(b.n, 20);
	assert_int_equal(store_mark_uploaded(f->s, b.seqs, b.n, f->t0), 20);
	outbox_batch_release(&b);
	assert_int_equal(store_status(other, f->t0, 21, &st), 0);
	assert_int_equal(st.pending_upload, 0);
	keys_wipe(&dev);
	store_close(other);
}

/*
 * An index goes bad while the kiosk runs: the next check-in meets it,
 * the store is moved aside and rebuilt at once, everything waiting is
 * salvaged, and the visitor in front of the kiosk is recorded.
 */
static void
test_corrupt_while_in_use(void **state)
{
	struct fixture *f = *state;
	struct store_status st;
	int64_t up[10], seq;
	char old[STORE_INSTANCE_LEN + 1];
	int i;

	scan_many(f->s, "09", 50, f->t0);
	for (i = 0; i < 10; i++)
		up[i] = i + 1;
	assert_int_equal(store_mark_uploaded(f->s, up, 10, f->t0), 10);
	snprintf(old, sizeof(old), "%s", store_instance_id(f->s));
	spoil_index(f->path, "visits_subject");

	assert_int_equal(scan(f->s, "0399999999", f->t0 + MIN, &seq),
	    STORE_ACCEPTED);
	assert_non_null(store_recovered_from(f->s));
	assert_true(strcmp(store_instance_id(f->s), old) != 0);
	assert_int_equal(store_check(f->s, 1), 0);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.salvaged, 40);
	assert_int_equal(st.visits_total, 41);
	assert_int_equal(st.pending_upload, 41);
	assert_int_equal(st.unreadable, 0);
	/* And the next scans too. */
	assert_int_equal(scan(f->s, "0399999998", f->t0 + MIN, NULL),
	    STORE_ACCEPTED);
	assert_int_equal(scan(f->s, "0399999999", f->t0 + MIN + 1000, NULL),
	    STORE_DUPLICATE);
}

/*
 * Two corruptions in a row: store B salvages file A, uploads its visits,
 * then goes bad itself; store C salvages B and leaves A alone (it was
 * marked done), so nothing is counted or sent twice.
 */
static void
test_salvaged_once(void **state)
{
	struct fixture *f = *state;
	struct store_status st;
	struct outbox_batch b;
	struct key_pair dev;

	scan_many(f->s, "09", 40, f->t0);
	store_close(f->s);
	spoil_index(f->path, "visits_subject");
	f->s = store_open(f->path);	/* B */
	assert_non_null(f->s);
	assert_int_equal(count_files(f->dir, ".salvaged"), 1);
	assert_int_equal(scan(f->s, "0711111111", f->t0 + MIN, NULL),
	    STORE_ACCEPTED);
	/* B uploads all 41. */
	keys_generate(KEY_ED25519, &dev);
	while (outbox_next(f->s, &dev, 0, 0, f->t0, &b) == 1) {
		assert_int_equal(store_mark_uploaded(f->s, b.seqs, b.n, f->t0),
		    (int64_t)b.n);
		outbox_batch_release(&b);
	}
	keys_wipe(&dev);
	scan_many(f->s, "03", 5, f->t0 + 2 * MIN);
	store_close(f->s);
	spoil_index(f->path, "visits_subject");
	f->s = store_open(f->path);	/* C */
	assert_non_null(f->s);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.salvaged, 5);
	assert_int_equal(st.visits_total, 5);
	assert_int_equal(st.pending_upload, 5);
	assert_int_equal(st.moved, 2);
	assert_int_equal(st.unreadable, 0);
	assert_int_equal(count_files(f->dir, ".salvaged"), 2);
	/* Opened again: still nothing twice. */
	store_close(f->s);
	f->s = store_open(f->path);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.visits_total, 5);
}

/*
 * A store file of 0 bytes (truncated, restored empty) is not a new store:
 * it is moved aside like a corrupt one and status raises the alert. A
 * path with no file yet is a new store, no alert.
 */
static void
test_empty_file(void **state)
{
	struct fixture *f = *state;
	char old[STORE_INSTANCE_LEN + 1], *other, *p;
	struct store_status st;
	struct store *s;
	FILE *fp;

	scan_many(f->s, "09", 5, f->t0);
	snprintf(old, sizeof(old), "%s", store_instance_id(f->s));
	store_close(f->s);
	f->s = NULL;
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	fclose(fp);
	p = scratch_path(f->dir, "visits.db-wal");
	unlink(p);
	free(p);
	p = scratch_path(f->dir, "visits.db-shm");
	unlink(p);
	free(p);

	f->s = store_open(f->path);
	assert_non_null(f->s);
	assert_non_null(store_recovered_from(f->s));
	assert_true(strcmp(store_instance_id(f->s), old) != 0);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.moved, 1);
	assert_int_equal(st.unreadable, 1);
	assert_int_equal(scan(f->s, "0311111111", f->t0, NULL),
	    STORE_ACCEPTED);

	/* A path that is not there yet: a new store, all well. */
	other = scratch_new();
	p = scratch_path(other, "visits.db");
	s = store_open(p);
	assert_non_null(s);
	assert_null(store_recovered_from(s));
	assert_int_equal(store_status(s, f->t0, 21, &st), 0);
	assert_int_equal(st.moved, 0);
	assert_int_equal(st.unreadable, 0);
	store_close(s);
	free(p);
	scratch_free(other);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	size_t n;

	assert_non_null(a);
	assert_non_null(b);
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	fclose(b);
}

/*
 * A crash cut a move aside short after its first rename: the -wal (which
 * holds the latest commits) is under the moved name, the main file still
 * under the live one. The next opener finishes the move instead of
 * taking the main file without its log, and salvages every visit.
 */
static void
test_move_cut_short(void **state)
{
	struct fixture *f = *state;
	struct store_status st;
	char *wal, *moved_wal, *copy, *copy_wal;

	scan_many(f->s, "09", 30, f->t0);
	/* The store is open: its commits are in the -wal. Take the files as
	 * a crash would leave them. */
	copy = scratch_path(f->dir, "snap.db");
	copy_wal = scratch_path(f->dir, "snap.db-wal");
	wal = scratch_path(f->dir, "visits.db-wal");
	copy_file(f->path, copy);
	copy_file(wal, copy_wal);
	store_close(f->s);
	f->s = NULL;
	unlink(wal);
	{
		char *shm = scratch_path(f->dir, "visits.db-shm");

		unlink(shm);
		free(shm);
	}
	assert_int_equal(rename(copy, f->path), 0);
	moved_wal = scratch_path(f->dir,
	    "visits.db.corrupt-20261122-090000-1-wal");
	assert_int_equal(rename(copy_wal, moved_wal), 0);

	f->s = store_open(f->path);
	assert_non_null(f->s);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.salvaged, 30);
	assert_int_equal(st.visits_total, 30);
	assert_int_equal(st.moved, 1);
	assert_int_equal(st.unreadable, 0);
	free(wal);
	free(moved_wal);
	free(copy);
	free(copy_wal);
}

static int
grab_reason(void *ctx, const struct store_visit *v)
{
	char *out = ctx;

	if (v->quarantine_reason != NULL)
		snprintf(out, 64, "%s", v->quarantine_reason);
	return 0;
}

/* A visit the collector refused keeps its reason through a salvage. */
static void
test_salvage_keeps_reason(void **state)
{
	struct fixture *f = *state;
	const char *why[1] = { "checkout_before_checkin" };
	char got[64] = "";
	int64_t seq;

	assert_int_equal(scan(f->s, "0911111111", f->t0, &seq),
	    STORE_ACCEPTED);
	assert_int_equal(store_quarantine(f->s, &seq, why, 1, f->t0), 1);
	store_close(f->s);
	spoil_index(f->path, "visits_subject");
	f->s = store_open(f->path);
	assert_non_null(f->s);
	assert_non_null(store_recovered_from(f->s));
	assert_int_equal(store_foreach_visit(f->s, 0, INT64_MAX, STORE_ALL,
	    grab_reason, got), 0);
	assert_string_equal(got, "checkout_before_checkin");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_follows_a_move,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_while_in_use,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_salvaged_once,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_empty_file,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_move_cut_short,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_salvage_keeps_reason,
		    store_setup, store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
