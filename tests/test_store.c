/*
 * test_store: the visit store's promises (DESIGN.md section 5): re-scan
 * window and check-out mode, seq never reused, retention that keeps what
 * was never uploaded, schema migration, corrupt files moved aside, events,
 * clock jumps and reject counts.
 */
#include "store_helpers.h"

#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "keys.h"
#include "outbox.h"
#include "store.h"

#define MIN (60LL * 1000)
#define DAY (24LL * 60 * MIN)

/* Scan SUBJECT at T; return the outcome, the seq in *SEQ. */
static enum store_outcome
scan(struct store *s, const char *subject, int64_t t,
    enum store_rescan mode, int64_t *seq, enum store_dir *dir)
{
	struct store_checkin_req req;
	struct store_checkin_res res;

	memset(&req, 0, sizeof(req));
	req.kind = "phone";
	req.subject = subject;
	req.source = "keypad";
	req.wall_ms = t;
	req.mono_ms = t;	/* the boot clock keeps pace */
	req.boot_id = "00000000-0000-0000-0000-000000000000";
	req.window_ms = 5 * MIN;
	req.rescan = mode;
	assert_int_equal(store_checkin(s, &req, &res), 0);
	if (seq)
		*seq = res.seq;
	if (dir)
		*dir = res.dir;
	return res.outcome;
}

static void
test_rescan_window(void **state)
{
	struct fixture *f = *state;
	int64_t seq, first;

	assert_int_equal(scan(f->s, "0912345678", f->t0,
	    STORE_RESCAN_DUPLICATE, &first, NULL), STORE_ACCEPTED);
	/* Within five minutes: the same visit. */
	assert_int_equal(scan(f->s, "0912345678", f->t0 + 1 * MIN,
	    STORE_RESCAN_DUPLICATE, &seq, NULL), STORE_DUPLICATE);
	assert_int_equal(seq, first);
	assert_int_equal(scan(f->s, "0912345678", f->t0 + 5 * MIN - 1,
	    STORE_RESCAN_DUPLICATE, NULL, NULL), STORE_DUPLICATE);
	/* Another person at the same moment is a visit of their own. */
	assert_int_equal(scan(f->s, "0987654321", f->t0 + 1 * MIN,
	    STORE_RESCAN_DUPLICATE, NULL, NULL), STORE_ACCEPTED);
	/* After the window: a new visit. */
	assert_int_equal(scan(f->s, "0912345678", f->t0 + 5 * MIN,
	    STORE_RESCAN_DUPLICATE, &seq, NULL), STORE_ACCEPTED);
	assert_true(seq > first);
	/* A wall clock set back an hour does not make a new visit. */
	assert_int_equal(scan(f->s, "0912345678", f->t0 - 60 * MIN,
	    STORE_RESCAN_DUPLICATE, NULL, NULL), STORE_DUPLICATE);
}

static void
test_checkout_mode(void **state)
{
	struct fixture *f = *state;
	enum store_dir dir;

	assert_int_equal(scan(f->s, "0912345678", f->t0,
	    STORE_RESCAN_CHECKOUT, NULL, &dir), STORE_ACCEPTED);
	assert_int_equal(dir, STORE_IN);
	/* A double read of one card is one scan. */
	assert_int_equal(scan(f->s, "0912345678", f->t0 + 5000,
	    STORE_RESCAN_CHECKOUT, NULL, NULL), STORE_DUPLICATE);
	/* Leaving: the next scan closes the visit. */
	assert_int_equal(scan(f->s, "0912345678", f->t0 + 45 * MIN,
	    STORE_RESCAN_CHECKOUT, NULL, &dir), STORE_ACCEPTED);
	assert_int_equal(dir, STORE_OUT);
	/* Back again: a new check-in. */
	assert_int_equal(scan(f->s, "0912345678", f->t0 + 90 * MIN,
	    STORE_RESCAN_CHECKOUT, NULL, &dir), STORE_ACCEPTED);
	assert_int_equal(dir, STORE_IN);
	/* The next day: the open visit is too old to close; a new one. */
	assert_int_equal(scan(f->s, "0912345678", f->t0 + DAY,
	    STORE_RESCAN_CHECKOUT, NULL, &dir), STORE_ACCEPTED);
	assert_int_equal(dir, STORE_IN);
}

/* Scan SUBJECT in boot BOOT at wall time T, boot time MONO, the clock
 * trusted or not; the outcome. */
static enum store_outcome
scan_boot(struct store *s, const char *subject, const char *boot,
    int64_t t, int64_t mono, int untrusted)
{
	struct store_checkin_req req;
	struct store_checkin_res res;

	memset(&req, 0, sizeof(req));
	req.kind = "phone";
	req.subject = subject;
	req.source = "keypad";
	req.wall_ms = t;
	req.mono_ms = mono;
	req.boot_id = boot;
	req.window_ms = 5 * MIN;
	req.clock_untrusted = untrusted;
	assert_int_equal(store_checkin(s, &req, &res), 0);
	return res.outcome;
}

/*
 * Across boots only the wall clock is left, and a time from a clock that
 * could not be trusted cannot be compared: a Pi with no network that
 * boots at the same saved time every morning records each day's visitor.
 */
static void
test_rescan_across_boots(void **state)
{
	struct fixture *f = *state;

	/* Day 1, 08:00 by a clock that was not set; day 2, the clock
	 * starts again from the same saved time: 08:03. */
	assert_int_equal(scan_boot(f->s, "0911111111", "boot-day-1", f->t0,
	    60 * 1000, 1), STORE_ACCEPTED);
	assert_int_equal(scan_boot(f->s, "0911111111", "boot-day-2",
	    f->t0 + 3 * MIN, 60 * 1000, 1), STORE_ACCEPTED);
	/* Within one boot the boot clock still judges it. */
	assert_int_equal(scan_boot(f->s, "0911111111", "boot-day-2",
	    f->t0 + 4 * MIN, 2 * MIN, 1), STORE_DUPLICATE);
	/* Only one side untrusted: not comparable either. */
	assert_int_equal(scan_boot(f->s, "0922222222", "boot-a", f->t0,
	    MIN, 0), STORE_ACCEPTED);
	assert_int_equal(scan_boot(f->s, "0922222222", "boot-b",
	    f->t0 + MIN, MIN, 1), STORE_ACCEPTED);
	/* Both trusted: the wall clock says it is a re-scan. */
	assert_int_equal(scan_boot(f->s, "0933333333", "boot-a", f->t0,
	    MIN, 0), STORE_ACCEPTED);
	assert_int_equal(scan_boot(f->s, "0933333333", "boot-b",
	    f->t0 + MIN, MIN, 0), STORE_DUPLICATE);
}

struct counter {
	int n;
	int64_t last_seq;
	int uploaded;
};

static int
count_visit(void *ctx, const struct store_visit *v)
{
	struct counter *c = ctx;

	c->n++;
	c->last_seq = v->seq;
	if (v->uploaded_ms)
		c->uploaded++;
	return 0;
}

static void
test_retention(void **state)
{
	struct fixture *f = *state;
	struct store_purge_res pr;
	struct store_status st;
	struct counter c = { 0, 0, 0 };
	int64_t now = f->t0 + 30 * DAY, s1, s2, s3, s4;

	scan(f->s, "0900000001", f->t0, STORE_RESCAN_DUPLICATE, &s1, NULL);
	scan(f->s, "0900000002", f->t0, STORE_RESCAN_DUPLICATE, &s2, NULL);
	scan(f->s, "0900000003", now - 1 * DAY, STORE_RESCAN_DUPLICATE, &s3,
	    NULL);
	scan(f->s, "0900000004", now - 1 * DAY, STORE_RESCAN_DUPLICATE, &s4,
	    NULL);
	assert_int_equal(store_event(f->s, "start", NULL, f->t0), 0);
	assert_int_equal(store_count_reject(f->s, "cccd_bad_id", f->t0), 0);

	/* Visits 1 and 3 were acknowledged by the collector. */
	assert_int_equal(store_mark_uploaded(f->s, &s1, 1, now), 1);
	assert_int_equal(store_mark_uploaded(f->s, &s3, 1, now), 1);
	assert_int_equal(store_mark_uploaded(f->s, &s1, 1, now), 0);

	assert_int_equal(store_status(f->s, now, 21, &st), 0);
	assert_int_equal(st.visits_total, 4);
	assert_int_equal(st.pending_upload, 2);
	assert_int_equal(st.pending_overdue, 1);	/* visit 2: 30 days old */
	assert_int_equal(st.last_upload_ms, now);

	assert_int_equal(store_purge(f->s, now, 21, &pr), 0);
	assert_int_equal(pr.visits_deleted, 1);		/* only visit 1 */
	assert_int_equal(pr.kept_unuploaded, 1);	/* visit 2 kept */
	assert_int_equal(pr.events_deleted, 1);
	assert_int_equal(pr.rejects_deleted, 1);
	assert_int_equal(store_foreach_visit(f->s, 0, INT64_MAX, 0,
	    count_visit, &c), 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.uploaded, 1);

	/* A seq is never reused, even after its row is purged. */
	{
		int64_t rest[2] = { s2, s4 };

		assert_int_equal(store_mark_uploaded(f->s, rest, 2, now), 2);
	}
	assert_int_equal(store_purge(f->s, now + 60 * DAY, 21, &pr), 0);
	assert_int_equal(pr.visits_deleted, 3);
	scan(f->s, "0900000005", now + 60 * DAY, STORE_RESCAN_DUPLICATE, &s1,
	    NULL);
	assert_int_equal(s1, s4 + 1);
}

static void
test_reopen_and_migrations(void **state)
{
	struct fixture *f = *state;
	char id[STORE_INSTANCE_LEN + 1], *p2;
	sqlite3 *db;
	struct store *s;
	int64_t seq;

	snprintf(id, sizeof(id), "%s", store_instance_id(f->s));
	scan(f->s, "0912345678", f->t0, STORE_RESCAN_DUPLICATE, &seq, NULL);
	store_close(f->s);

	/* Schema version recorded; reopening keeps the instance id. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	{
		sqlite3_stmt *st;

		sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0),
		    STORE_SCHEMA_VERSION);
		sqlite3_finalize(st);
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0),
		    "wal");
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	f->s = store_open(f->path);
	assert_non_null(f->s);
	assert_string_equal(store_instance_id(f->s), id);
	assert_null(store_recovered_from(f->s));

	/* A version-0 file (an empty SQLite database) is brought up to date. */
	p2 = scratch_path(f->dir, "v0.db");
	assert_int_equal(sqlite3_open(p2, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE unrelated(x); "
	    "PRAGMA user_version = 0", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = store_open(p2);
	assert_non_null(s);
	assert_int_equal(scan(s, "0912345678", f->t0, STORE_RESCAN_DUPLICATE,
	    NULL, NULL), STORE_ACCEPTED);
	store_close(s);

	/* A file from newer software is refused, not damaged. */
	assert_int_equal(sqlite3_open(p2, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(p2));
	assert_int_equal(sqlite3_open(p2, &db), SQLITE_OK);
	{
		sqlite3_stmt *st;

		sqlite3_prepare_v2(db, "SELECT count(*) FROM visits", -1, &st,
		    NULL);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 1);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	free(p2);
}

static void
corrupt_and_reopen(struct fixture *f, int garbage_file)
{
	char id[STORE_INSTANCE_LEN + 1];
	struct store_status st;
	struct stat sb;
	FILE *fp;
	int i;

	snprintf(id, sizeof(id), "%s", store_instance_id(f->s));
	for (i = 0; i < 200; i++) {
		char subj[16];

		snprintf(subj, sizeof(subj), "09%08d", i);
		scan(f->s, subj, f->t0, STORE_RESCAN_DUPLICATE, NULL, NULL);
	}
	store_close(f->s);
	f->s = NULL;
	forget_check(f->path);

	fp = fopen(f->path, "r+b");
	assert_non_null(fp);
	if (garbage_file) {
		fputs("this is not a database at all, just text\n", fp);
	} else {
		/* Scribble over the middle pages; keep the header intact. */
		assert_int_equal(stat(f->path, &sb), 0);
		assert_true(sb.st_size > 4 * 4096);
		fseek(fp, 2 * 4096, SEEK_SET);
		for (i = 0; i < 2 * 4096; i++)
			fputc(i * 7 & 0xff, fp);
	}
	fclose(fp);

	f->s = store_open(f->path);
	assert_non_null(f->s);
	assert_non_null(store_recovered_from(f->s));
	assert_int_equal(stat(store_recovered_from(f->s), &sb), 0);
	assert_true(strcmp(store_instance_id(f->s), id) != 0);
	assert_int_equal(store_check(f->s, 1), 0);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	/* What could be read came over; what could not is reported. */
	assert_int_equal(st.visits_total, st.salvaged);
	if (garbage_file) {
		assert_int_equal(st.salvaged, 0);
		assert_int_equal(st.unreadable, 1);
	} else {
		assert_true(st.salvaged > 0 || st.unreadable == 1);
	}
	/* And it keeps working. */
	assert_int_equal(scan(f->s, "0912345678", f->t0,
	    STORE_RESCAN_DUPLICATE, NULL, NULL), STORE_ACCEPTED);
}

/*
 * A store whose index went bad: every visit not yet uploaded is salvaged
 * into the new store, under the identity it was recorded under, and
 * goes out under it.
 */
static void
test_salvage_keeps_identity(void **state)
{
	struct fixture *f = *state;
	char old[STORE_INSTANCE_LEN + 1];
	struct store_status st;
	struct outbox_batch b;
	struct key_pair dev;
	int64_t seq;
	int i;

	snprintf(old, sizeof(old), "%s", store_instance_id(f->s));
	for (i = 0; i < 300; i++) {
		char subj[16];

		snprintf(subj, sizeof(subj), "09%08d", i);
		scan(f->s, subj, f->t0 + i, STORE_RESCAN_DUPLICATE, &seq, NULL);
	}
	/* The first 100 were uploaded: they stay behind. */
	{
		int64_t up[100];

		for (i = 0; i < 100; i++)
			up[i] = i + 1;
		assert_int_equal(store_mark_uploaded(f->s, up, 100, f->t0),
		    100);
	}
	store_close(f->s);
	spoil_index(f->path, "visits_subject");
	f->s = store_open(f->path);
	assert_non_null(f->s);
	assert_non_null(store_recovered_from(f->s));
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.salvaged, 200);
	assert_int_equal(st.unreadable, 0);
	assert_int_equal(st.pending_upload, 200);
	keys_generate(KEY_ED25519, &dev);
	assert_int_equal(outbox_next(f->s, &dev, 0, 0, f->t0, &b), 1);
	assert_string_equal(b.h.instance, old);
	assert_int_equal(b.h.first_seq, 101);
	assert_int_equal(b.h.last_seq, 300);
	assert_int_equal(b.n, 200);
	outbox_batch_release(&b);
	/* Opened again: nothing is salvaged twice. */
	store_close(f->s);
	f->s = store_open(f->path);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.visits_total, 200);
	keys_wipe(&dev);
}

/*
 * One process finds the store corrupt and moves it aside while another
 * has it open: the other's next check-in goes to the new store, not into
 * the moved file.
 */
static void
test_moved_while_open(void **state)
{
	struct fixture *f = *state;
	struct store_status st;
	struct store *b;
	int i;

	for (i = 0; i < 20; i++) {
		char subj[16];

		snprintf(subj, sizeof(subj), "09%08d", i);
		scan(f->s, subj, f->t0 + i, STORE_RESCAN_DUPLICATE, NULL, NULL);
	}
	spoil_index(f->path, "visits_subject");
	b = store_open(f->path);	/* the second process */
	assert_non_null(b);
	assert_non_null(store_recovered_from(b));
	/* The first writes after the move. */
	assert_int_equal(scan(f->s, "0999999999", f->t0 + 100,
	    STORE_RESCAN_DUPLICATE, NULL, NULL), STORE_ACCEPTED);
	assert_int_equal(store_status(b, f->t0, 21, &st), 0);
	assert_int_equal(st.visits_total, 21);
	assert_int_equal(st.salvaged, 20);
	store_close(b);
}

/*
 * `kioskctl export --sealed` after a salvage: 50 salvaged visits go out
 * under their old seqs (301-350), 11 new ones under this store's (51-61):
 * every one of them is in the file.
 */
static void
test_export_after_salvage(void **state)
{
	struct fixture *f = *state;
	struct wire_device venue;
	struct key_pair dev, auth;
	int64_t up[300], visits = 0;
	char *file = NULL;
	size_t len = 0;
	int i;

	for (i = 0; i < 350; i++) {
		char subj[16];

		snprintf(subj, sizeof(subj), "09%08d", i);
		scan(f->s, subj, f->t0 + i, STORE_RESCAN_DUPLICATE, NULL, NULL);
	}
	for (i = 0; i < 300; i++)
		up[i] = i + 1;
	assert_int_equal(store_mark_uploaded(f->s, up, 300, f->t0), 300);
	store_close(f->s);
	spoil_index(f->path, "visits_subject");
	f->s = store_open(f->path);
	assert_non_null(f->s);
	for (i = 0; i < 11; i++) {
		char subj[16];

		snprintf(subj, sizeof(subj), "07%08d", i);
		scan(f->s, subj, f->t0 + 1000 + i, STORE_RESCAN_DUPLICATE, NULL,
		    NULL);
	}
	keys_generate(KEY_ED25519, &dev);
	keys_generate(KEY_X25519, &auth);
	memset(&venue, 0, sizeof(venue));
	snprintf(venue.venue_id, sizeof(venue.venue_id), "V1");
	assert_int_equal(outbox_export(f->s, &dev, &venue, auth.pk, &file,
	    &len, &visits), 0);
	assert_int_equal(visits, 61);
	free(file);
	keys_wipe(&dev);
	keys_wipe(&auth);
}

static void
test_corrupt_garbage(void **state)
{
	corrupt_and_reopen(*state, 1);
}

static void
test_corrupt_pages(void **state)
{
	corrupt_and_reopen(*state, 0);
}

static void
test_events_and_clock(void **state)
{
	struct fixture *f = *state;
	struct store_status st;
	sqlite3 *db;
	sqlite3_stmt *q;

	assert_int_equal(store_heartbeat(f->s, f->t0, 1000 * 1000), 0);
	/* Five minutes later by both clocks: no jump. */
	assert_int_equal(store_heartbeat(f->s, f->t0 + 5 * MIN,
	    1000 * 1000 + 5 * MIN), 0);
	/* The wall clock leaps an hour ahead of the monotonic clock. */
	assert_int_equal(store_heartbeat(f->s, f->t0 + 70 * MIN,
	    1000 * 1000 + 10 * MIN), 0);
	assert_int_equal(store_status(f->s, f->t0 + 70 * MIN, 21, &st), 0);
	assert_int_equal(st.last_heartbeat_ms, f->t0 + 70 * MIN);
	assert_int_equal(st.events_total, 4);

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "SELECT detail FROM events WHERE kind = "
	    "'clock_jump'", -1, &q, NULL);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0),
	    "{\"jump_ms\":3600000}");
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* The clock's verdicts, a pure function. */
static void
test_clock_judge(void **state)
{
	struct clock_memory mem;
	struct clock_now now;
	int64_t t = at("2026-11-22T09:00:00");

	(void)state;
	memset(&now, 0, sizeof(now));
	memset(&mem, 0, sizeof(mem));
	now.wall_ms = t;
	now.boot_ms = 3600 * 1000;
	/* Trusted at 09:00 in this boot, on a marker file's word. */
	now.sync = CLOCK_SYNC_MARKER;
	assert_int_equal(clock_judge(&now, &mem, 0), CLOCK_TRUSTED);
	mem.have_anchor = 1;
	mem.anchor_offset_ms = now.wall_ms - now.boot_ms;
	mem.last_trusted_ms = t;
	/* Set 30 days ahead by hand; the marker stays until reboot: the
	 * jump against the boot clock wins. */
	now.wall_ms = t + 30 * DAY;
	assert_int_equal(clock_judge(&now, &mem, 0), CLOCK_JUMPED);
	now.sync = CLOCK_SYNC_NONE;
	assert_int_equal(clock_judge(&now, &mem, 0), CLOCK_JUMPED);
	/* The kernel's word is fresh: NTP set it. */
	now.sync = CLOCK_SYNC_KERNEL;
	assert_int_equal(clock_judge(&now, &mem, 0), CLOCK_TRUSTED);
	/* Keeping pace with the anchor, no sync needed. */
	now.sync = CLOCK_SYNC_NONE;
	now.wall_ms = t + 60 * 1000;
	now.boot_ms += 60 * 1000;
	assert_int_equal(clock_judge(&now, &mem, 0), CLOCK_TRUSTED);
	/* A new boot: behind the last trusted time, or not synchronised. */
	mem.have_anchor = 0;
	now.wall_ms = t - DAY;
	assert_int_equal(clock_judge(&now, &mem, 0), CLOCK_BEHIND);
	now.sync = CLOCK_SYNC_MARKER;
	assert_int_equal(clock_judge(&now, &mem, 0), CLOCK_BEHIND);
	now.sync = CLOCK_SYNC_KERNEL;
	assert_int_equal(clock_judge(&now, &mem, 0), CLOCK_TRUSTED);
	now.sync = CLOCK_SYNC_NONE;
	now.wall_ms = t + DAY;
	assert_int_equal(clock_judge(&now, &mem, 0), CLOCK_UNSYNCED);
	assert_int_equal(clock_judge(&now, &mem, t + 2 * DAY),
	    CLOCK_BEFORE_BUILD);
}

static int64_t
last_trusted(struct store *s)
{
	struct clock_memory mem;

	assert_int_equal(store_clock_state(s, "b", &mem), 0);
	return mem.last_trusted_ms;
}

/*
 * The latest trusted time is never raised by a time that was not the
 * clock's (a visit recorded with --at a year ahead), and a wrong one is
 * put right once the kernel says the clock is synchronised; the owner
 * can reset it.
 */
static void
test_clock_counter(void **state)
{
	struct fixture *f = *state;
	struct store_checkin_req req;
	struct store_checkin_res res;
	struct clock_now now;
	enum clock_verdict v;
	int64_t t = ktime_wall_ms();	/* after this program's build */
	sqlite3 *db;

	memset(&now, 0, sizeof(now));
	now.wall_ms = t;
	now.boot_ms = 1000 * 1000;
	snprintf(now.boot_id, sizeof(now.boot_id), "boot-now");
	now.sync = CLOCK_SYNC_MARKER;
	memset(&req, 0, sizeof(req));
	req.kind = "phone";
	req.subject = "0922222222";
	req.source = "keypad";
	req.wall_ms = t + 365 * DAY;	/* kioskctl checkin --at */
	req.time_given = 1;
	req.window_ms = 5 * MIN;
	assert_int_equal(store_checkin(f->s, &req, &res), 0);
	assert_int_equal(store_clock_trusted(f->s, &now), 0);
	assert_int_equal(last_trusted(f->s), t);

	/* Poisoned all the same (a hand-set clock a stale marker covered,
	 * in an earlier version): a year ahead. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE counters SET value = value "
	    "+ 365 * 86400000", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	snprintf(now.boot_id, sizeof(now.boot_id), "boot-next");
	now.wall_ms = t + DAY;
	assert_true(store_clock_observe(f->s, &now, &v) >= 0);
	assert_int_equal(v, CLOCK_BEHIND);	/* a marker is not enough */
	now.sync = CLOCK_SYNC_KERNEL;
	assert_int_equal(store_clock_observe(f->s, &now, &v), now.wall_ms);
	assert_int_equal(v, CLOCK_TRUSTED);
	assert_int_equal(last_trusted(f->s), now.wall_ms);

	/* The owner's reset: nothing remembered. */
	assert_int_equal(store_clock_reset(f->s, "boot-next"), 0);
	assert_int_equal(last_trusted(f->s), 0);
}

/*
 * A v2 store with one visit from a clock five years ahead, upgraded: the
 * latest trusted time is not that visit's (the upgrade took it from the
 * times the clock was trusted, none), so a right clock is trusted.
 */
static void
test_v2_upgrade_counter(void **state)
{
	struct fixture *f = *state;
	struct clock_now now;
	enum clock_verdict v;
	int64_t t = ktime_wall_ms();	/* after this program's build */
	sqlite3 *db;

	scan(f->s, "0911111111", t, STORE_RESCAN_DUPLICATE, NULL, NULL);
	store_close(f->s);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TRIGGER visits_count_in; "
	    "DROP TRIGGER visits_count_out; DROP TRIGGER visits_count_change; "
	    "DROP TRIGGER events_count_in; DROP TRIGGER events_count_out; "
	    "DROP INDEX visits_unsent; DROP INDEX visits_unsent_time; "
	    "DROP INDEX visits_untrusted; DROP INDEX visits_origin; "
	    "ALTER TABLE visits DROP COLUMN clock; "
	    "ALTER TABLE visits DROP COLUMN recorded_ms; ALTER TABLE visits "
	    "DROP COLUMN origin_instance; ALTER TABLE visits DROP COLUMN "
	    "origin_seq; ALTER TABLE visits DROP COLUMN reinstanced_ms; DROP "
	    "TABLE clock_anchors; DROP TABLE counters; DROP TABLE salvage; "
	    "UPDATE visits SET wall_ms = wall_ms + 5 * 365 * 86400000; PRAGMA "
	    "user_version = 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	f->s = store_open(f->path);
	assert_non_null(f->s);
	assert_true(last_trusted(f->s) < t);
	memset(&now, 0, sizeof(now));
	now.wall_ms = t + MIN;
	now.boot_ms = 1000 * 1000;
	snprintf(now.boot_id, sizeof(now.boot_id), "boot-now");
	now.sync = CLOCK_SYNC_MARKER;
	assert_int_equal(store_clock_observe(f->s, &now, &v), now.wall_ms);
	assert_int_equal(v, CLOCK_TRUSTED);
}

static void
collect(void *ctx, const char *reason, int64_t n)
{
	char *buf = ctx;
	size_t len = strlen(buf);

	snprintf(buf + len, 256 - len, "%s=%lld;", reason, (long long)n);
}

static void
test_rejects(void **state)
{
	struct fixture *f = *state;
	struct store_status st;
	char buf[256] = "";

	store_count_reject(f->s, "pass_expired", f->t0 - DAY);
	store_count_reject(f->s, "pass_expired", f->t0);
	store_count_reject(f->s, "pass_expired", f->t0);
	store_count_reject(f->s, "cccd_bad_id", f->t0);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.rejects_today, 3);
	assert_int_equal(st.rejects_total, 4);
	assert_int_equal(store_rejects(f->s, collect, buf), 0);
	assert_string_equal(buf, "pass_expired=3;cccd_bad_id=1;");
}

static void
test_visits_today(void **state)
{
	struct fixture *f = *state;
	struct store_status st;

	scan(f->s, "0900000001", f->t0 - DAY, STORE_RESCAN_DUPLICATE, NULL,
	    NULL);
	scan(f->s, "0900000002", f->t0, STORE_RESCAN_DUPLICATE, NULL, NULL);
	scan(f->s, "0900000003", f->t0 + MIN, STORE_RESCAN_DUPLICATE, NULL,
	    NULL);
	assert_int_equal(store_status(f->s, f->t0 + 2 * MIN, 21, &st), 0);
	assert_int_equal(st.visits_total, 3);
	assert_int_equal(st.visits_today, 2);
	assert_int_equal(st.seq_max, 3);
}

/* One figure straight from the tables, to hold the counters against. */
static int64_t
scan_count(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

static void
check_counters(struct store *s, const char *path, int64_t now)
{
	struct store_status st;
	sqlite3 *db;

	assert_int_equal(store_status(s, now, 30, &st), 0);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(st.visits_total, scan_count(db, "SELECT count(*) "
	    "FROM visits"));
	assert_int_equal(st.pending_upload, scan_count(db, "SELECT count(*) "
	    "FROM visits WHERE uploaded_ms IS NULL AND quarantined_ms IS "
	    "NULL"));
	assert_int_equal(st.quarantined, scan_count(db, "SELECT count(*) FROM "
	    "visits WHERE quarantined_ms IS NOT NULL AND uploaded_ms IS "
	    "NULL"));
	assert_int_equal(st.untrusted, scan_count(db, "SELECT count(*) FROM "
	    "visits WHERE clock = 1 AND uploaded_ms IS NULL"));
	assert_int_equal(st.events_total, scan_count(db, "SELECT count(*) "
	    "FROM events"));
	assert_int_equal(st.oldest_pending_ms, scan_count(db, "SELECT "
	    "coalesce(min(wall_ms), 0) FROM visits WHERE uploaded_ms IS "
	    "NULL"));
	assert_true(st.last_upload_ms >= scan_count(db, "SELECT "
	    "coalesce(max(uploaded_ms), 0) FROM visits"));
	sqlite3_close(db);
}

/*
 * The counts status shows are counters kept by triggers: after a random
 * run of check-ins (some with an untrusted clock), uploads, refusals,
 * releases, events and purges, and after a reopen, each equals a full
 * count of the rows.
 */
/* A check-in of one of 60 numbers at T, either re-scan mode, one in
 * five with a clock that cannot be trusted. */
static void
random_checkin(struct store *s, int64_t t)
{
	struct store_checkin_req req;
	struct store_checkin_res res;
	char subj[16];

	snprintf(subj, sizeof(subj), "09%08ld", random() % 60);
	memset(&req, 0, sizeof(req));
	req.kind = "phone";
	req.subject = subj;
	req.source = "keypad";
	req.wall_ms = t;
	req.mono_ms = t;
	req.boot_id = "00000000-0000-0000-0000-000000000000";
	req.window_ms = 5 * MIN;
	req.rescan = random() % 2 ? STORE_RESCAN_CHECKOUT :
	    STORE_RESCAN_DUPLICATE;
	req.clock_untrusted = random() % 5 == 0;
	assert_int_equal(store_checkin(s, &req, &res), 0);
}

/* Up to 8 visits picked at random: set aside (QUARANTINED) or still to
 * send. Returns how many, their seqs in SEQS. */
static size_t
pick_seqs(const char *path, int quarantined, int64_t seqs[8])
{
	sqlite3 *db;
	sqlite3_stmt *q;
	size_t n = 0;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, quarantined ? "SELECT seq "
	    "FROM visits WHERE quarantined_ms IS NOT NULL ORDER BY random() "
	    "LIMIT 8" : "SELECT seq FROM visits WHERE uploaded_ms IS NULL "
	    "ORDER BY random() LIMIT 8", -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW && n < 8)
		seqs[n++] = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

static void
test_counters_match(void **state)
{
	static const char *const why[8] = { "refused", "refused", "refused",
	    "refused", "refused", "refused", "refused", "refused" };
	struct fixture *f = *state;
	struct store_purge_res pr;
	unsigned char seed[4];
	uint32_t s32;
	int64_t t = f->t0, seqs[8];
	size_t n;
	int i, op;

	randombytes_buf(seed, sizeof(seed));
	memcpy(&s32, seed, sizeof(s32));
	print_message("counters seed %u\n", s32);
	srandom(s32);
	for (i = 0; i < 600; i++) {
		op = (int)(random() % 10);
		t += (random() % 20) * MIN;
		if (op < 5) {
			random_checkin(f->s, t);
		} else if (op < 9) {
			n = pick_seqs(f->path, op == 8, seqs);
			if (n > 0)
				assert_true((op < 7 ? store_mark_uploaded(f->s,
				    seqs, n, t) : op == 7 ? store_quarantine(f->s,
				    seqs, why, n, t) : store_release(f->s, seqs,
				    n)) >= 0);
		} else if (random() % 3 == 0) {
			assert_int_equal(store_purge(f->s, t, 1, &pr), 0);
		} else {
			assert_int_equal(store_event(f->s, "note", NULL, t), 0);
		}
		if (i % 50 == 49)
			check_counters(f->s, f->path, t);
	}
	store_close(f->s);
	f->s = store_open(f->path);
	assert_non_null(f->s);
	check_counters(f->s, f->path, t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rescan_window,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_checkout_mode,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_rescan_across_boots,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_retention,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_reopen_and_migrations,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_garbage,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_salvage_keeps_identity,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_moved_while_open,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_export_after_salvage,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_pages,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_events_and_clock,
		    store_setup, store_teardown),
		cmocka_unit_test(test_clock_judge),
		cmocka_unit_test_setup_teardown(test_clock_counter,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_v2_upgrade_counter,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_rejects,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_visits_today,
		    store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_counters_match,
		    store_setup, store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
