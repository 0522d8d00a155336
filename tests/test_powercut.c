/*
 * test_powercut: the power goes out, again and again, while visitors are
 * checked in and batches are uploaded at the same time, and each time the
 * one invariant is checked after the store is opened again:
 *
 *   every check-in that reported success is in the store, as it was;
 *   SQLite's integrity_check is ok (no store had to be moved aside);
 *   the collector holds each visit once, under the identity the kiosk
 *   gave it, and every visit it holds is the kiosk's (a seq never comes
 *   back for another visit);
 *   every visit the kiosk marked uploaded is at the collector.
 *
 * Uploads run the collector's own ingest and the kiosk's own handling of
 * its acknowledgement (uploader_answer), as kiosk-sync does after its
 * POST; only the HTTP hop is left out.
 *
 * The power cuts come from a VFS shim (powercut_vfs.c) that drops or
 * tears every write not yet synced. Some rounds also make fsync fail or
 * the disk fill up: a check-in that then reports an error was not
 * confirmed, and may or may not be stored (docs/store.md, "when the disk
 * fails at commit"); either way nothing confirmed is lost.
 *
 * POWERCUTS sets the number of cuts (default 150; `make soak` 2000). It
 * prints one line with the figures.
 */
#include "helpers.h"

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <time.h>

#include "db.h"
#include "dynbuf.h"
#include "http.h"
#include "ingest.h"
#include "keys.h"
#include "outbox.h"
#include "parsenum.h"
#include "powercut_vfs.h"
#include "store.h"
#include "uploader.h"
#include "wire.h"

struct confirmed {
	int64_t seq;
	char subject[16];
};

struct world {
	char *dir, *kiosk, *collector;
	struct db *coll;
	struct key_pair dev;
	pthread_mutex_t mu;
	int cut;		/* the power is off: nothing more is confirmed */
	struct confirmed *ok;
	size_t n_ok, cap_ok;
	int64_t next_subject;
	int64_t failed_checkins, batches, upload_failed;
};

/* The power is off: set by the test, or by the shim mid-write. */
static int
is_cut(struct world *w)
{
	return __atomic_load_n(&w->cut, __ATOMIC_SEQ_CST) || pcvfs_went();
}

static void *
checkins(void *arg)
{
	struct world *w = arg;
	struct store *s = NULL;

	while (!is_cut(w)) {
		struct store_checkin_req req;
		struct store_checkin_res res;
		char subject[16];
		int rc;

		if (s == NULL && (s = store_open(w->kiosk)) == NULL)
			continue;
		pthread_mutex_lock(&w->mu);
		snprintf(subject, sizeof(subject), "09%08lld",
		    (long long)w->next_subject++ % 100000000);
		pthread_mutex_unlock(&w->mu);
		memset(&req, 0, sizeof(req));
		req.kind = "phone";
		req.subject = subject;
		req.source = "keypad";
		req.wall_ms = ktime_wall_ms();
		req.mono_ms = ktime_mono_ms();
		req.window_ms = 5 * 60000;
		rc = store_checkin(s, &req, &res);
		pthread_mutex_lock(&w->mu);
		if (rc == 0 && !is_cut(w) && res.outcome == STORE_ACCEPTED) {
			/* Reported while the power was on: a promise. */
			if (dynbuf_grow(&w->ok, &w->cap_ok, w->n_ok + 1,
			    sizeof(*w->ok), 1u << 24) == 0) {
				w->ok[w->n_ok].seq = res.seq;
				snprintf(w->ok[w->n_ok].subject,
				    sizeof(w->ok[0].subject), "%s", subject);
				w->n_ok++;
			}
		} else if (rc != 0 && !is_cut(w)) {
			w->failed_checkins++;
		}
		pthread_mutex_unlock(&w->mu);
	}
	store_close(s);		/* with the power off: nothing reaches disk */
	return NULL;
}

/*
 * One batch from the kiosk to the collector, as kiosk-sync does: the
 * outbox's signed batch, the collector's own ingest of it (signature,
 * inflate, parse, one transaction), its acknowledgement as it would go
 * on the wire, and the uploader's handling of that answer (the code
 * kiosk-sync runs after its POST: what is marked uploaded, set aside or
 * moved). Only the HTTP hop is left out.
 */
static void
upload_one(struct world *w, struct uploader *u)
{
	struct outbox_batch b;
	struct upload_outcome o;
	struct http_resp r;
	struct wire_ack ack;
	char err[160];
	unsigned st;

	/* Batches of a few rows, so that some pending visits are left out
	 * of each (as with a backlog, or after a split): a mark that runs
	 * past its batch's rows shows. */
	u->max_rows = 1 + randombytes_uniform(8);
	if (outbox_next(u->store, &w->dev, 0, u->max_rows, ktime_wall_ms(),
	    &b) != 1)
		return;
	st = ingest_signed(w->coll, &b.h, b.body, b.len, ktime_wall_ms(), &ack,
	    err, sizeof(err));
	if (st == WIRE_REFUSED_STATUS)
		fail_msg("the collector refused a batch the outbox made: %s",
		    err);
	memset(&r, 0, sizeof(r));
	r.retry_after_s = -1;
	if (st == 0) {
		r.status = 200;
		r.body = wire_ack_encode(&ack);
		r.len = r.body ? strlen(r.body) : 0;
		wire_ack_release(&ack);
	} else {
		r.status = st;		/* the collector's store failed */
	}
	/* Acknowledged: marked now; a cut before this resends. */
	switch (uploader_answer(u, &b, 1, &r, &o)) {
	case UPLOAD_SENT:
		pthread_mutex_lock(&w->mu);
		w->batches++;
		pthread_mutex_unlock(&w->mu);
		break;
	case UPLOAD_ERROR:
		if (!is_cut(w)) {
			pthread_mutex_lock(&w->mu);
			w->upload_failed++;
			pthread_mutex_unlock(&w->mu);
		}
		break;
	case UPLOAD_QUARANTINED:
	case UPLOAD_SPLIT:
		fail_msg("the collector refused visits of the kiosk's: %s",
		    o.message);
		break;
	default:
		break;
	}
	http_resp_release(&r);
	outbox_batch_release(&b);
}

static void *
uploads(void *arg)
{
	struct world *w = arg;
	struct uploader u;
	struct timespec nap = { 0, 2 * 1000000L };

	memset(&u, 0, sizeof(u));
	u.device = &w->dev;
	keys_id(w->dev.pk, u.device_id);
	while (!is_cut(w)) {
		if (u.store == NULL && (u.store = store_open(w->kiosk)) == NULL)
			continue;
		upload_one(w, &u);
		nanosleep(&nap, NULL);
	}
	store_close(u.store);
	return NULL;
}

/* The kiosk's visits by seq, as stored now (STORE_ALL). */
struct kiosk_rows {
	char (*subject)[16];
	char (*instance)[33];
	int64_t *wire_seq;
	char *uploaded;		/* the kiosk marked it uploaded */
	char *held;		/* the collector holds it */
	size_t cap;
};

static int
kiosk_row(void *ctx, const struct store_visit *v)
{
	struct kiosk_rows *k = ctx;

	if ((size_t)v->seq >= k->cap)
		fail_msg("seq %lld past what was given out", (long long)v->seq);
	snprintf(k->subject[v->seq], 16, "%s", v->subject);
	snprintf(k->instance[v->seq], 33, "%s", v->wire_instance);
	k->wire_seq[v->seq] = v->wire_seq;
	k->uploaded[v->seq] = v->uploaded_ms != 0;
	return 0;
}

static void
verify(struct world *w, int64_t *lost)
{
	struct kiosk_rows k;
	struct store *s;
	sqlite3 *c;
	sqlite3_stmt *q;
	size_t i;
	int rc;

	s = store_open(w->kiosk);
	assert_non_null(s);
	if (store_recovered_from(s) != NULL)
		fail_msg("a power cut left the store corrupt");
	assert_int_equal(store_check(s, 1), 0);
	k.cap = (size_t)w->next_subject + 16;
	k.subject = calloc(k.cap, sizeof(*k.subject));
	k.instance = calloc(k.cap, sizeof(*k.instance));
	k.wire_seq = calloc(k.cap, sizeof(*k.wire_seq));
	k.uploaded = calloc(k.cap, 1);
	k.held = calloc(k.cap, 1);
	assert_non_null(k.subject);
	assert_non_null(k.held);
	assert_int_equal(store_foreach_visit(s, 0, INT64_MAX, STORE_ALL,
	    kiosk_row, &k), 0);
	store_close(s);
	/* Every promise kept. */
	for (i = 0; i < w->n_ok; i++)
		if (strcmp(k.subject[w->ok[i].seq], w->ok[i].subject) != 0) {
			(*lost)++;
			print_error("confirmed visit %lld (%s) is not in the "
			    "store\n", (long long)w->ok[i].seq,
			    w->ok[i].subject);
		}
	/* Every visit the collector holds is the kiosk's, once. */
	assert_int_equal(sqlite3_open_v2(w->collector, &c,
	    SQLITE_OPEN_READWRITE, "unix"), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(c, "SELECT seq, subject, "
	    "instance_id FROM visits", -1, &q, NULL), SQLITE_OK);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(q, 0);
		const char *subj = (const char *)sqlite3_column_text(q, 1);
		const char *inst = (const char *)sqlite3_column_text(q, 2);

		/* No store was rebuilt here, so a visit's seq is its own. */
		if (seq <= 0 || (size_t)seq >= k.cap || k.wire_seq[seq] != seq ||
		    strcmp(k.instance[seq], inst) != 0 ||
		    strcmp(k.subject[seq], subj) != 0)
			fail_msg("the collector holds %s/%lld (%s), which the "
			    "kiosk does not", inst, (long long)seq, subj);
		k.held[seq] = 1;
	}
	assert_int_equal(rc, SQLITE_DONE);
	sqlite3_finalize(q);
	sqlite3_close(c);
	/* Every visit the kiosk marked uploaded is at the collector: the
	 * mark never runs ahead of the acknowledgement. */
	for (i = 1; i < k.cap; i++)
		if (k.uploaded[i] && !k.held[i])
			fail_msg("the kiosk marked visit %zu (%s) uploaded, but "
			    "the collector does not hold it", i, k.subject[i]);
	free(k.subject);
	free(k.instance);
	free(k.wire_seq);
	free(k.uploaded);
	free(k.held);
}

static void
test_power_cuts(void **state)
{
	int cuts = 150, i;
	int64_t undone = 0, lost = 0, fsync_failed, enospc;
	struct world w;
	unsigned char seed[8];
	uint64_t s64;

	(void)state;
	if (getenv("POWERCUTS") != NULL &&
	    parsenum_int(getenv("POWERCUTS"), 1, 1000000, &cuts) != 0)
		fail_msg("POWERCUTS wants a number of cuts");
	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.mu, NULL);
	w.dir = scratch_new();
	assert_non_null(w.dir);
	w.kiosk = scratch_path(w.dir, "visits.db");
	w.collector = scratch_path(w.dir, "collector.db");
	{
		char url[600];

		snprintf(url, sizeof(url), "sqlite:%s", w.collector);
		pcvfs_default(0);	/* the collector: not on the shim */
		w.coll = db_open(url);
		pcvfs_default(1);
		assert_non_null(w.coll);
	}
	keys_generate(KEY_ED25519, &w.dev);
	{
		struct wire_device d;
		char tok[DB_TOKEN_LEN + 1], why[400];

		memset(&d, 0, sizeof(d));
		memcpy(d.pk, w.dev.pk, KEYS_PUB_LEN);
		keys_id(w.dev.pk, d.device_id);
		snprintf(d.venue_id, sizeof(d.venue_id), "V1");
		snprintf(d.venue_name, sizeof(d.venue_name), "Venue");
		assert_int_equal(db_token_new(w.coll, "device-enrolment", "W",
		    tok), 0);
		assert_int_equal(db_enroll(w.coll, tok, &d, why, sizeof(why)),
		    0);
	}
	randombytes_buf(seed, sizeof(seed));
	memcpy(&s64, seed, sizeof(s64));
	print_message("powercut seed %llu\n", (unsigned long long)s64);
	w.next_subject = 1;
	{
		/* The store exists, synced, before the first cut. */
		struct store *s = store_open(w.kiosk);

		assert_non_null(s);
		store_close(s);
	}
	for (i = 0; i < cuts; i++) {
		pthread_t a, b;
		struct timespec run = { 0, 200 * 1000000L };

		/* Every third round the disk misbehaves as well. */
		pcvfs_faults(i % 3 == 2 ? 30 : 0, i % 3 == 2 ? 10 : 0);
		__atomic_store_n(&w.cut, 0, __ATOMIC_SEQ_CST);
		pcvfs_restore();
		/* The power goes at a random write or sync, in the middle of
		 * whatever the store is doing; else after a while. */
		pcvfs_arm((int64_t)randombytes_uniform(400) + 1);
		assert_int_equal(pthread_create(&a, NULL, checkins, &w), 0);
		assert_int_equal(pthread_create(&b, NULL, uploads, &w), 0);
		while (!pcvfs_went() && run.tv_nsec > 0) {
			struct timespec step = { 0, 1000000L };

			nanosleep(&step, NULL);
			run.tv_nsec -= step.tv_nsec;
		}
		__atomic_store_n(&w.cut, 1, __ATOMIC_SEQ_CST);
		undone += pcvfs_cut();
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		pcvfs_faults(0, 0);
		pcvfs_restore();
		verify(&w, &lost);
	}
	pcvfs_counts(&fsync_failed, &enospc);
	printf("power cuts: %d cuts, %lld unsynced writes undone or torn, "
	    "%zu check-ins confirmed, lost: %lld; %lld batches acknowledged; "
	    "%lld fsync failures and %lld full-disk writes injected, %lld "
	    "check-ins refused for them\n", cuts, (long long)undone, w.n_ok,
	    (long long)lost, (long long)w.batches, (long long)fsync_failed,
	    (long long)enospc, (long long)w.failed_checkins);
	assert_int_equal(lost, 0);
	assert_true(w.n_ok > 0);
	db_close(w.coll);
	keys_wipe(&w.dev);
	free(w.ok);
	free(w.kiosk);
	free(w.collector);
	scratch_free(w.dir);
}

static int
count_subject(void *ctx, const struct store_visit *v)
{
	int64_t *n = ctx;

	if (strcmp(v->subject, "0987654321") == 0)
		(*n)++;
	return 0;
}

/*
 * fsync fails at the commit of a check-in: the visitor is told it was not
 * recorded (an error), though the row may be on the disk all the same.
 * That is the safe direction: a re-scan then says "already checked in"
 * or records it, and either way exactly one visit is there, before and
 * after a power cut.
 */
static void
test_fsync_fails_at_commit(void **state)
{
	struct store_checkin_req req;
	struct store_checkin_res res;
	char *dir = scratch_new(), *path;
	struct store *s;
	int64_t n = 0;
	int rc;

	(void)state;
	path = scratch_path(dir, "visits.db");
	s = store_open(path);
	assert_non_null(s);
	memset(&req, 0, sizeof(req));
	req.kind = "phone";
	req.subject = "0987654321";
	req.source = "keypad";
	req.wall_ms = ktime_wall_ms();
	req.mono_ms = ktime_mono_ms();
	req.window_ms = 5 * 60000;
	pcvfs_faults(1000, 0);		/* every fsync fails */
	rc = store_checkin(s, &req, &res);
	pcvfs_faults(0, 0);
	assert_int_equal(rc, -1);	/* reported: not recorded */
	req.mono_ms = ktime_mono_ms();
	assert_int_equal(store_checkin(s, &req, &res), 0);
	assert_true(res.outcome == STORE_ACCEPTED ||
	    res.outcome == STORE_DUPLICATE);
	store_close(s);
	pcvfs_cut();			/* and the power goes */
	pcvfs_restore();
	s = store_open(path);
	assert_non_null(s);
	assert_int_equal(store_foreach_visit(s, 0, INT64_MAX, STORE_ALL,
	    count_subject, &n), 0);
	assert_int_equal(n, 1);
	print_message("fsync failing at commit: the re-scan was %s\n",
	    res.outcome == STORE_DUPLICATE ? "a duplicate (the row had been "
	    "written)" : "recorded (the row had not been)");
	store_close(s);
	free(path);
	scratch_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fsync_fails_at_commit),
		cmocka_unit_test(test_power_cuts),
	};

	unsigned char seed[8];
	uint64_t s64;

	if (sodium_init() < 0)
		return 1;
	randombytes_buf(seed, sizeof(seed));
	memcpy(&s64, seed, sizeof(s64));
	if (pcvfs_register(s64) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
