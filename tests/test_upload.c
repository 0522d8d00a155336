/*
 * test_upload: what the kiosk does with the collector's answers
 * (uploader_answer, the same code kiosk-sync runs after its POST), and
 * the batches the outbox makes:
 *
 *   an acknowledgement that refuses rows as seq_reused (the collector
 *   holds other visits under their numbers: this store was rolled back)
 *   moves them, and every later visit, to a new instance id: nothing set
 *   aside, nothing marked uploaded that the collector did not store;
 *   a store put back from an older copy finds itself below the
 *   collector's mark at open and takes a new instance id by itself;
 *   a batch of several rows refused whole is sent again in halves, never
 *   set aside whole; one row refused is set aside;
 *   1000 PC-Covid visits with long ids, flagged, make batches the
 *   collector can inflate (the JSON measured exactly);
 *   visits held back for the clock are counted when nothing is sent.
 */
#include "helpers.h"

#include <sodium.h>
#include <zlib.h>

#include "http.h"
#include "keys.h"
#include "outbox.h"
#include "store.h"
#include "uploader.h"
#include "wire.h"

#define MIN (60LL * 1000)

struct fixture {
	char *dir, *path;
	struct store *s;
	struct key_pair dev;
	struct uploader u;
	int64_t t0;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_true(sodium_init() >= 0);
	f->dir = scratch_new();
	f->path = scratch_path(f->dir, "visits.db");
	f->s = store_open(f->path);
	assert_non_null(f->s);
	keys_generate(KEY_ED25519, &f->dev);
	f->u.store = f->s;
	f->u.device = &f->dev;
	keys_id(f->dev.pk, f->u.device_id);
	f->u.base_url = "http://127.0.0.1:9";
	f->t0 = ktime_wall_ms() - 60 * MIN;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	keys_wipe(&f->dev);
	free(f->path);
	scratch_free(f->dir);
	free(f);
	return 0;
}

/* A visit of SUBJECT (kind KIND) at T; SEALED_LEN bytes of sealed
 * fields, or none; flagged when UNTRUSTED. Its seq. */
static int64_t
visit(struct store *s, const char *kind, const char *subject, int64_t t,
    size_t sealed_len, int untrusted)
{
	struct store_checkin_req req;
	struct store_checkin_res res;
	unsigned char sealed[512];

	assert_true(sealed_len <= sizeof(sealed));
	randombytes_buf(sealed, sizeof(sealed));
	memset(&req, 0, sizeof(req));
	req.kind = kind;
	req.subject = subject;
	req.sealed = sealed_len ? sealed : NULL;
	req.sealed_len = sealed_len;
	req.source = "camera";
	req.wall_ms = t;
	req.mono_ms = 1000;
	req.boot_id = "22222222-2222-4222-8222-222222222222";
	req.window_ms = 5 * MIN;
	req.clock_untrusted = untrusted;
	assert_int_equal(store_checkin(s, &req, &res), 0);
	assert_int_equal(res.outcome, STORE_ACCEPTED);
	return res.seq;
}

static void
phones(struct store *s, int from, int n, int64_t t)
{
	char subj[16];
	int i;

	for (i = from; i < from + n; i++) {
		snprintf(subj, sizeof(subj), "09%08d", i);
		visit(s, "phone", subj, t + i, 0, 0);
	}
}

/* The collector's answer: STATUS with BODY (taken over by R). */
static void
answer(struct http_resp *r, long status, char *body)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->body = body;
	r->len = body ? strlen(body) : 0;
	r->retry_after_s = -1;
}

/* The acknowledgement of B, refusing its rows from wire seq FROM on
 * with REASON (none when FROM is 0). */
static char *
ack_of(const struct outbox_batch *b, int64_t from, const char *reason)
{
	struct wire_ack a;
	struct wire_reject rj[WIRE_MAX_VISITS];
	size_t i;

	memset(&a, 0, sizeof(a));
	a.acked_through = b->h.last_seq;
	a.rejects = rj;
	for (i = 0; i < b->n; i++)
		if (from > 0 && b->wire_seqs[i] >= from) {
			rj[a.n_rejects].seq = b->wire_seqs[i];
			snprintf(rj[a.n_rejects].reason, sizeof(rj[0].reason),
			    "%s", reason);
			a.n_rejects++;
		}
	a.stored = (int64_t)(b->n - a.n_rejects);
	a.rejected = (int64_t)a.n_rejects;
	return wire_ack_encode(&a);
}

/*
 * The collector holds other visits under numbers 11-20 of this store's
 * instance (the store was rolled back and numbered again): they are not
 * set aside, not marked uploaded, and go again under a new instance id,
 * with every visit made after.
 */
static void
test_seq_reused(void **state)
{
	struct fixture *f = *state;
	char old[STORE_INSTANCE_LEN + 1];
	struct upload_outcome o;
	struct outbox_batch b;
	struct store_status st;
	struct http_resp r;

	snprintf(old, sizeof(old), "%s", store_instance_id(f->s));
	phones(f->s, 1, 20, f->t0);
	assert_int_equal(outbox_next(f->s, &f->dev, 0, 0, f->t0, &b), 1);
	assert_int_equal(b.n, 20);
	answer(&r, 200, ack_of(&b, 11, "seq_reused"));
	assert_int_equal(uploader_answer(&f->u, &b, 1, &r, &o), UPLOAD_SENT);
	http_resp_release(&r);
	outbox_batch_release(&b);
	assert_int_equal(o.refused, 0);
	assert_int_equal(o.renewed, 10);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(st.pending_upload, 10);
	assert_true(strcmp(store_instance_id(f->s), old) != 0);
	/* A visit made now goes under the new id too, after them. */
	phones(f->s, 21, 1, f->t0 + MIN);
	assert_int_equal(outbox_next(f->s, &f->dev, 0, 0, f->t0, &b), 1);
	assert_string_equal(b.h.instance, store_instance_id(f->s));
	assert_int_equal(b.h.first_seq, 11);
	assert_int_equal(b.h.last_seq, 21);
	assert_int_equal(b.n, 11);
	answer(&r, 200, ack_of(&b, 0, NULL));
	assert_int_equal(uploader_answer(&f->u, &b, 1, &r, &o), UPLOAD_SENT);
	http_resp_release(&r);
	outbox_batch_release(&b);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.pending_upload, 0);
	assert_int_equal(st.quarantined, 0);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *a = fopen(from, "rb"), *b;
	size_t n;

	if (a == NULL) {
		unlink(to);
		return;
	}
	b = fopen(to, "wb");
	assert_non_null(b);
	while ((n = fread(buf, 1, sizeof(buf), a)) > 0)
		assert_int_equal(fwrite(buf, 1, n, b), n);
	fclose(a);
	fclose(b);
}

/* The store's files copied from FROM to TO ("visits.db" etc.). */
static void
copy_store(const char *dir, const char *from, const char *to)
{
	static const char *const sfx[] = { "", "-wal" };
	char a[1024], b[1024];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(a, sizeof(a), "%s/%s%s", dir, from, sfx[i]);
		snprintf(b, sizeof(b), "%s/%s%s", dir, to, sfx[i]);
		copy_file(a, b);
	}
	snprintf(b, sizeof(b), "%s/%s-shm", dir, to);
	unlink(b);
}

static int
count_event(void *ctx, int64_t wall_ms, const char *detail)
{
	(void)wall_ms;
	(void)detail;
	(*(int *)ctx)++;
	return 0;
}

/*
 * The store is put back from a copy made before visits 11-20, which the
 * collector holds: opened, it finds itself below the collector's mark
 * (kept outside the SQLite file) and takes a new instance id before the
 * next visit gets number 11 again.
 */
static void
test_rolled_back_store(void **state)
{
	struct fixture *f = *state;
	char old[STORE_INSTANCE_LEN + 1];
	struct upload_outcome o;
	struct outbox_batch b;
	struct http_resp r;
	int64_t seq;
	int n = 0, events = 0;

	snprintf(old, sizeof(old), "%s", store_instance_id(f->s));
	phones(f->s, 1, 10, f->t0);
	copy_store(f->dir, "visits.db", "copy.db");	/* the older copy */
	phones(f->s, 11, 10, f->t0 + MIN);
	assert_int_equal(outbox_next(f->s, &f->dev, 0, 0, f->t0, &b), 1);
	assert_int_equal(b.n, 20);
	answer(&r, 200, ack_of(&b, 0, NULL));
	assert_int_equal(uploader_answer(&f->u, &b, 1, &r, &o), UPLOAD_SENT);
	http_resp_release(&r);
	outbox_batch_release(&b);
	store_close(f->s);
	copy_store(f->dir, "copy.db", "visits.db");	/* put back */
	f->s = f->u.store = store_open(f->path);
	assert_non_null(f->s);
	assert_true(strcmp(store_instance_id(f->s), old) != 0);
	assert_int_equal(store_foreach_event(f->s, "store_rolled_back", 0, 10,
	    count_event, &events), 0);
	assert_int_equal(events, 1);
	seq = visit(f->s, "phone", "0377777777", f->t0 + 2 * MIN, 0, 0);
	assert_int_equal(seq, 11);
	/* Visits 1-10 go again under the old id (the collector has them:
	 * duplicates), the new one under the new id. */
	while (outbox_next(f->s, &f->dev, 0, 0, f->t0, &b) == 1) {
		if (n++ == 0) {
			assert_string_equal(b.h.instance, old);
			assert_int_equal(b.n, 10);
		} else {
			assert_string_equal(b.h.instance,
			    store_instance_id(f->s));
			assert_int_equal(b.h.first_seq, 11);
		}
		assert_int_equal(store_mark_uploaded(f->s, b.seqs, b.n, f->t0),
		    (int64_t)b.n);
		outbox_batch_release(&b);
	}
	assert_int_equal(n, 2);
}

/*
 * The collector refuses a batch of several rows as a whole: it is sent
 * again in halves, nothing set aside; a single row it refuses is set
 * aside, the rest goes on.
 */
static void
test_refused_batch_split(void **state)
{
	struct fixture *f = *state;
	struct wire_refusal rf;
	struct upload_outcome o;
	struct outbox_batch b;
	struct store_status st;
	struct http_resp r;

	phones(f->s, 1, 10, f->t0);
	assert_int_equal(outbox_next(f->s, &f->dev, 0, f->u.max_rows, f->t0,
	    &b), 1);
	assert_int_equal(b.n, 10);
	memset(&rf, 0, sizeof(rf));
	snprintf(rf.error, sizeof(rf.error), "batch inflates past the limit");
	rf.first_seq = b.h.first_seq;
	rf.last_seq = b.h.last_seq;
	answer(&r, WIRE_REFUSED_STATUS, wire_refusal_encode(&rf));
	assert_int_equal(uploader_answer(&f->u, &b, 1, &r, &o), UPLOAD_SPLIT);
	http_resp_release(&r);
	outbox_batch_release(&b);
	assert_int_equal(f->u.max_rows, 5);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(st.pending_upload, 10);
	/* Down to one row: that one is set aside. */
	f->u.max_rows = 1;
	assert_int_equal(outbox_next(f->s, &f->dev, 0, f->u.max_rows, f->t0,
	    &b), 1);
	assert_int_equal(b.n, 1);
	rf.first_seq = rf.last_seq = b.h.first_seq;
	answer(&r, WIRE_REFUSED_STATUS, wire_refusal_encode(&rf));
	assert_int_equal(uploader_answer(&f->u, &b, 1, &r, &o),
	    UPLOAD_QUARANTINED);
	http_resp_release(&r);
	outbox_batch_release(&b);
	assert_int_equal(store_status(f->s, f->t0, 21, &st), 0);
	assert_int_equal(st.quarantined, 1);
	assert_int_equal(st.pending_upload, 9);
	/* An acknowledgement lets batches grow again. */
	assert_int_equal(outbox_next(f->s, &f->dev, 0, f->u.max_rows, f->t0,
	    &b), 1);
	answer(&r, 200, ack_of(&b, 0, NULL));
	assert_int_equal(uploader_answer(&f->u, &b, 1, &r, &o), UPLOAD_SENT);
	http_resp_release(&r);
	outbox_batch_release(&b);
	assert_int_equal(f->u.max_rows, 2);
}

/*
 * The reviewer's case: 1000 PC-Covid visits with 63-character ids and
 * sealed fields, recorded while the clock could not be trusted in a boot
 * that never got the time. Every batch the outbox makes inflates within
 * what the collector takes, and all 1000 go.
 */
static void
test_long_rows_fit(void **state)
{
	struct fixture *f = *state;
	struct outbox_batch b;
	struct wire_visit *v;
	char subj[64], err[160];
	int64_t sent = 0;
	size_t n;
	int i, j;

	for (i = 0; i < 1000; i++) {
		for (j = 0; j < 63; j++)
			subj[j] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
			    "qrstuvwxyz0123456789"[randombytes_uniform(62)];
		subj[63] = '\0';
		visit(f->s, "pccovid", subj, f->t0 + i, 96, 1);
	}
	while (outbox_next(f->s, &f->dev, 0, 0, f->t0, &b) == 1) {
		assert_int_equal(wire_batch_decode(b.body, b.len, &b.h, f->t0,
		    &v, &n, err, sizeof(err)), 0);
		assert_int_equal(n, b.n);
		wire_visits_free(v, n);
		sent += (int64_t)b.n;
		assert_int_equal(store_mark_uploaded(f->s, b.seqs, b.n, f->t0),
		    (int64_t)b.n);
		outbox_batch_release(&b);
	}
	assert_int_equal(sent, 1000);
}

/* wire_visit_size() is the row's exact share of the batch's JSON. */
static void
test_exact_size(void **state)
{
	struct wire_visit v[3];
	unsigned char blob[100];
	unsigned char *z;
	size_t zlen, want = WIRE_BATCH_FRAME + 2, i;
	uLongf jlen = 64 * 1024;
	char *json = malloc(jlen);

	(void)state;
	memset(v, 0, sizeof(v));
	randombytes_buf(blob, sizeof(blob));
	for (i = 0; i < 3; i++) {
		v[i].seq = 7 + (int64_t)i;
		snprintf(v[i].kind, sizeof(v[i].kind), "pccovid");
		snprintf(v[i].subject, sizeof(v[i].subject), "Q\"%zu\\x", i);
		snprintf(v[i].direction, sizeof(v[i].direction), "in");
		v[i].wall_ms = 1764990000000LL;
		snprintf(v[i].boot_id, sizeof(v[i].boot_id), "time-given");
		snprintf(v[i].source, sizeof(v[i].source), "camera");
		v[i].sealed = i == 1 ? NULL : blob;
		v[i].sealed_len = i == 1 ? 0 : sizeof(blob) - i;
		v[i].clock_untrusted = i == 2;
		v[i].quarantined = i == 0;
		want += wire_visit_size(&v[i]);
	}
	assert_int_equal(wire_batch_encode(v, 3, &z, &zlen), 0);
	assert_int_equal(uncompress((unsigned char *)json, &jlen, z, zlen),
	    Z_OK);
	assert_int_equal(jlen, want);
	free(z);
	free(json);
}

/* Visits held back for the clock: none sent, all counted. */
static void
test_held_counted(void **state)
{
	struct fixture *f = *state;
	struct store_checkin_req req;
	struct store_checkin_res res;
	struct clock_now now;
	struct outbox_batch b;

	clock_read(&now);
	memset(&req, 0, sizeof(req));
	req.kind = "phone";
	req.subject = "0911111111";
	req.source = "keypad";
	req.wall_ms = now.wall_ms;
	req.mono_ms = now.boot_ms;
	req.boot_id = now.boot_id;
	req.window_ms = 5 * MIN;
	req.clock_untrusted = 1;
	assert_int_equal(store_checkin(f->s, &req, &res), 0);
	req.subject = "0922222222";
	assert_int_equal(store_checkin(f->s, &req, &res), 0);
	assert_int_equal(outbox_next(f->s, &f->dev, 0, 0, f->t0, &b), 0);
	assert_int_equal(b.held, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seq_reused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rolled_back_store, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused_batch_split, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_long_rows_fit, setup,
		    teardown),
		cmocka_unit_test(test_exact_size),
		cmocka_unit_test_setup_teardown(test_held_counted, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
