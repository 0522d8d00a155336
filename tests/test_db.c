/*
 * test_db: the collector's storage interface (sync/db.h), the same tests
 * on both backends: SQLite in a scratch folder, and PostgreSQL on the
 * server tests/run.sh starts (KIOSK_TEST_PG, see tests/pg.sh), each test
 * in a database of its own. Without KIOSK_TEST_PG the PostgreSQL group
 * fails, saying so: the suite must not pass with half its backends.
 */
#include "helpers.h"

#include <inttypes.h>

#include <jansson.h>
#include <pthread.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "wire.h"
#include "db.h"
#include "db_ward.h"
#include "keys.h"
#include "ingest.h"
#include "hours.h"
#include "report.h"
#include "trace.h"
#include "query.h"
#include "codes.h"
#include "workq.h"
#include "token.h"

#define DAY INT64_C(86400000)

struct fx {
	char url[512];
	char *dir;
	struct db *d;
	struct key_pair key;
	struct wire_device dev;
};

static int backend_pg;	/* which group is running */

static int
fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	static unsigned n;

	assert_non_null(f);
	f->dir = scratch_new();
	if (backend_pg) {
		const char *base = getenv("KIOSK_TEST_PG");
		char admin[512], sql[128];
		PGconn *c;
		PGresult *r;

		if (base == NULL) {
			print_error("KIOSK_TEST_PG is not set: run the suite "
			    "with tests/run.sh, which starts PostgreSQL\n");
			return -1;
		}
		snprintf(admin, sizeof(admin), "%s/postgres", base);
		snprintf(sql, sizeof(sql), "CREATE DATABASE test_db_%d_%u",
		    (int)getpid(), n);
		c = PQconnectdb(admin);
		r = PQexec(c, sql);
		assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
		PQclear(r);
		PQfinish(c);
		snprintf(f->url, sizeof(f->url), "%s/test_db_%d_%u", base,
		    (int)getpid(), n++);
	} else {
		snprintf(f->url, sizeof(f->url), "sqlite:%s/c.db", f->dir);
	}
	f->d = db_open(f->url);
	assert_non_null(f->d);
	assert_string_equal(db_backend(f->d), backend_pg ? "postgresql" :
	    "sqlite");
	keys_generate(KEY_ED25519, &f->key);
	keys_id(f->key.pk, f->dev.device_id);
	memcpy(f->dev.pk, f->key.pk, KEYS_PUB_LEN);
	snprintf(f->dev.venue_id, sizeof(f->dev.venue_id), "Q1-CAFE-001");
	snprintf(f->dev.venue_name, sizeof(f->dev.venue_name),
	    "Cà phê Sài Gòn");
	snprintf(f->dev.address, sizeof(f->dev.address), "1 Lê Lợi");
	snprintf(f->dev.ward, sizeof(f->dev.ward), "Bến Nghé");
	*state = f;
	return 0;
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	db_close(f->d);
	scratch_free(f->dir);
	keys_wipe(&f->key);
	free(f);
	return 0;
}

static int
group_sqlite(void **state)
{
	(void)state;
	backend_pg = 0;
	return 0;
}

static int
group_pg(void **state)
{
	(void)state;
	backend_pg = 1;
	return 0;
}

static void
enroll(struct fx *f)
{
	char tok[DB_TOKEN_LEN + 1];

	char why[400];

	assert_int_equal(db_token_new(f->d, "device-enrolment", "Bến Nghé",
	    tok), 0);
	assert_int_equal(db_enroll(f->d, tok, &f->dev, why, sizeof(why)), 0);
}

/* Rows SEQ0.. at the given times: phone numbers, check-ins. */
static struct wire_visit *
rows(int64_t seq0, const int64_t *wall, size_t n)
{
	struct wire_visit *v = calloc(n, sizeof(*v));
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		v[i].seq = seq0 + (int64_t)i;
		snprintf(v[i].kind, sizeof(v[i].kind), "phone");
		snprintf(v[i].subject, sizeof(v[i].subject), "+8490%07d",
		    (int)(seq0 + (int64_t)i));
		snprintf(v[i].direction, sizeof(v[i].direction), "in");
		v[i].wall_ms = wall[i];
		snprintf(v[i].boot_id, sizeof(v[i].boot_id), "b\\oot\tid");
		v[i].mono_ms = (int64_t)i;
		snprintf(v[i].source, sizeof(v[i].source), "camera");
	}
	return v;
}

static void
header(struct fx *f, struct wire_header *h, const struct wire_visit *v,
    size_t n)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->device, sizeof(h->device), "%s", f->dev.device_id);
	snprintf(h->instance, sizeof(h->instance), "inst1");
	h->first_seq = v[0].seq;
	h->last_seq = v[n - 1].seq;
	h->count = (int64_t)n;
}

static int64_t
stat_of(struct db *d, const char *key)
{
	struct db_stats st;
	int64_t n = -1;

	assert_int_equal(db_stats(d, &st), 0);
	if (strcmp(key, "devices") == 0)
		n = st.devices;
	else if (strcmp(key, "visits") == 0)
		n = st.visits;
	else if (strcmp(key, "rejects") == 0)
		n = st.rejects;
	else if (strcmp(key, "heartbeats") == 0)
		n = st.heartbeats;
	else if (strcmp(key, "partitions") == 0)
		n = st.partitions;
	else
		fail_msg("no statistic '%s'", key);
	db_stats_release(&st);
	return n;
}

/* The collector's own key, the authority's, the wards' pass lists with
 * their versions, token expiry, the token list and revocation. */
static void
test_ward_lists(void **state)
{
	struct fx *f = *state;
	struct key_pair k1, k2, iss;
	unsigned char apk[KEYS_PUB_LEN], got[KEYS_PUB_LEN];
	char tok[DB_TOKEN_LEN + 1], tok2[DB_TOKEN_LEN + 1], why[400];
	char role[DB_ROLE_LEN], ward[64];
	struct passlist l;
	struct wire_device d = f->dev, b;
	int64_t v0;

	assert_int_equal(db_collector_key(f->d, &k1, 0), 1);
	assert_int_equal(db_collector_key(f->d, &k1, 1), 0);
	assert_int_equal(db_collector_key(f->d, &k2, 1), 0);
	assert_memory_equal(k1.pk, k2.pk, KEYS_PUB_LEN);	/* made once */
	assert_int_equal(db_authority_get(f->d, got), 1);
	randombytes_buf(apk, sizeof(apk));
	assert_int_equal(db_authority_set(f->d, apk), 0);
	assert_int_equal(db_authority_get(f->d, got), 0);
	assert_memory_equal(apk, got, KEYS_PUB_LEN);

	v0 = db_pass_list_version(f->d);
	assert_int_equal(v0, 0);
	keys_generate(KEY_ED25519, &iss);
	assert_int_equal(db_issuer_add(f->d, "Bến Nghé", iss.pk), 0);
	assert_int_equal(db_issuer_add(f->d, "Bến Nghé", iss.pk), 1);
	assert_int_equal(db_pass_list_version(f->d), 1);
	assert_int_equal(db_pass_revoke(f->d, "P-0001"), 0);
	assert_int_equal(db_pass_revoke(f->d, "P-0001"), 1);
	assert_int_equal(db_pass_revoke(f->d, "P-0002"), 0);
	assert_int_equal(db_pass_list_version(f->d), 3);
	assert_int_equal(db_pass_list(f->d, "Bến Nghé", &l), 0);
	assert_int_equal(l.version, 3);
	assert_int_equal(l.n_issuers, 1);
	assert_memory_equal(l.issuers[0], iss.pk, KEYS_PUB_LEN);
	assert_int_equal(l.n_revoked, 2);
	assert_string_equal(l.revoked[0], "P-0001");
	passlist_free(&l);
	/* Another ward: none of these issuers, every revoked pass. */
	assert_int_equal(db_pass_list(f->d, "Đa Kao", &l), 0);
	assert_int_equal(l.n_issuers, 0);
	assert_int_equal(l.n_revoked, 2);
	passlist_free(&l);

	/* An expired token is refused, and said to be. */
	memset(&b, 0, sizeof(b));
	snprintf(b.ward, sizeof(b.ward), "%s", d.ward);
	assert_int_equal(db_token_new_until(f->d, "device-enrolment", &b,
	    ktime_wall_ms() - 1000, tok), 0);
	assert_int_equal(db_enroll(f->d, tok, &d, why, sizeof(why)),
	    DB_ENROLL_BAD_TOKEN);
	assert_non_null(strstr(why, "has expired"));
	assert_int_equal(db_token_new_until(f->d, "patrol", NULL,
	    ktime_wall_ms() - 1000, tok2), 0);
	assert_int_equal(db_token_role(f->d, tok2, role, ward, sizeof(ward)),
	    1);
	/* Revoked by its hash's head, or by itself: then refused. */
	assert_int_equal(db_token_new_until(f->d, "device-enrolment", &b,
	    ktime_wall_ms() + 86400000, tok), 0);
	assert_int_equal(db_token_revoke(f->d, "0000000000"), 1);
	assert_int_equal(db_token_revoke(f->d, tok), 0);
	assert_int_equal(db_token_revoke(f->d, tok), 2);
	assert_int_equal(db_enroll(f->d, tok, &d, why, sizeof(why)),
	    DB_ENROLL_BAD_TOKEN);
	assert_non_null(strstr(why, "revoked by the ward"));
	keys_wipe(&k1);
	keys_wipe(&k2);
	keys_wipe(&iss);
}

static void
test_tokens_and_enrolment(void **state)
{
	struct fx *f = *state;
	char tok[DB_TOKEN_LEN + 1], tok2[DB_TOKEN_LEN + 1], role[DB_ROLE_LEN],
	    ward[64], why[400];
	unsigned char pk[KEYS_PUB_LEN];
	struct wire_device other = f->dev, d = f->dev;

	assert_int_equal(db_token_new(f->d, "tracer", NULL, tok), 0);
	assert_int_equal(db_token_role(f->d, tok, role, ward, sizeof(ward)),
	    0);
	assert_string_equal(role, "tracer");
	assert_string_equal(ward, "");
	assert_int_equal(db_token_role(f->d, "not-a-token", role, ward,
	    sizeof(ward)), 1);
	/* A tracer token cannot enrol a device. */
	assert_int_equal(db_enroll(f->d, tok, &d, why, sizeof(why)),
	    DB_ENROLL_BAD_TOKEN);
	assert_non_null(strstr(why, "unknown here"));
	assert_int_equal(db_device_key(f->d, f->dev.device_id, pk), 1);

	assert_int_equal(db_token_new(f->d, "device-enrolment", "Bến Nghé",
	    tok2), 0);
	assert_int_equal(db_token_role(f->d, tok2, role, ward, sizeof(ward)),
	    0);
	assert_string_equal(ward, "Bến Nghé");
	assert_int_equal(db_enroll(f->d, tok2, &d, why, sizeof(why)), 0);
	/* One time only. */
	assert_int_equal(db_enroll(f->d, tok2, &d, why, sizeof(why)),
	    DB_ENROLL_BAD_TOKEN);
	assert_int_equal(db_device_key(f->d, f->dev.device_id, pk), 0);
	assert_memory_equal(pk, f->dev.pk, KEYS_PUB_LEN);

	/* Another key under the same id is refused; nothing changes. */
	other.pk[0] ^= 1;
	assert_int_equal(db_token_new(f->d, "device-enrolment", "Bến Nghé",
	    tok2), 0);
	assert_int_equal(db_enroll(f->d, tok2, &other, why, sizeof(why)),
	    DB_ENROLL_KEY_TAKEN);
	assert_int_equal(db_device_key(f->d, f->dev.device_id, pk), 0);
	assert_memory_equal(pk, f->dev.pk, KEYS_PUB_LEN);
	assert_int_equal(stat_of(f->d, "devices"), 1);
}

/* A new kiosk of KEY declaring VENUE_ID, NAME and WARD. */
static struct wire_device
kiosk_of(struct key_pair *key, const char *venue_id, const char *name,
    const char *ward)
{
	struct wire_device d;

	memset(&d, 0, sizeof(d));
	keys_generate(KEY_ED25519, key);
	memcpy(d.pk, key->pk, KEYS_PUB_LEN);
	keys_id(key->pk, d.device_id);
	snprintf(d.venue_id, sizeof(d.venue_id), "%s", venue_id);
	snprintf(d.venue_name, sizeof(d.venue_name), "%s", name);
	snprintf(d.ward, sizeof(d.ward), "%s", ward);
	return d;
}

/*
 * The attack that was reproduced: a token issued for ward B enrolled a
 * kiosk that declared ward A and another shop's venue id. A token now
 * binds its ward (and venue when the ward names it); a venue id is one
 * ward's; a kiosk moves ward only once revoked; a revoked key stays so.
 * A refused enrolment leaves the token unused.
 */
static void
test_enrolment_bound(void **state)
{
	struct fx *f = *state;
	char tok[DB_TOKEN_LEN + 1], why[400];
	unsigned char pk[KEYS_PUB_LEN];
	struct key_pair k2, k3;
	struct wire_device d = f->dev, b, shop, rogue;
	struct db_venue_status *v;
	size_t n;

	/* The real shop, in ward A. */
	snprintf(d.ward, sizeof(d.ward), "Phường A");
	memset(&b, 0, sizeof(b));
	snprintf(b.ward, sizeof(b.ward), "Phường A");
	snprintf(b.venue_id, sizeof(b.venue_id), "Q1-CAFE-001");
	snprintf(b.venue_name, sizeof(b.venue_name), "Cà phê Sài Gòn");
	assert_int_equal(db_token_new_venue(f->d, &b, tok), 0);
	/* Declaring another name than the token's is refused, clearly. */
	snprintf(d.venue_name, sizeof(d.venue_name), "Quán khác");
	assert_int_equal(db_enroll(f->d, tok, &d, why, sizeof(why)),
	    DB_ENROLL_MISMATCH);
	assert_non_null(strstr(why, "Cà phê Sài Gòn"));
	assert_non_null(strstr(why, "Quán khác"));
	/* The token was not used up: the right kiosk takes it, with the
	 * token's address filled in where it said nothing. */
	snprintf(d.venue_name, sizeof(d.venue_name), "Cà phê Sài Gòn");
	d.ward[0] = '\0';
	assert_int_equal(db_enroll(f->d, tok, &d, why, sizeof(why)), 0);
	assert_string_equal(d.ward, "Phường A");

	/* Ward B's token, a kiosk that says ward A: refused. */
	rogue = kiosk_of(&k2, "Q1-CAFE-001", "Cà phê Sài Gòn", "Phường A");
	assert_int_equal(db_token_new(f->d, "device-enrolment", "Phường B",
	    tok), 0);
	assert_int_equal(db_enroll(f->d, tok, &rogue, why, sizeof(why)),
	    DB_ENROLL_MISMATCH);
	assert_non_null(strstr(why, "Phường B"));
	/* Saying nothing of its ward, it gets ward B's, and the shop's
	 * venue id, held in ward A, is refused. */
	rogue.ward[0] = '\0';
	assert_int_equal(db_enroll(f->d, tok, &rogue, why, sizeof(why)),
	    DB_ENROLL_VENUE_HELD);
	assert_non_null(strstr(why, "Phường A"));
	assert_int_equal(db_device_key(f->d, rogue.device_id, pk), 1);
	/* A venue of its own in ward B is fine. */
	snprintf(rogue.venue_id, sizeof(rogue.venue_id), "B-SHOP-7");
	assert_int_equal(db_enroll(f->d, tok, &rogue, why, sizeof(why)), 0);
	/* It cannot move to ward A while ward B holds it. */
	assert_int_equal(db_token_new(f->d, "device-enrolment", "Phường A",
	    tok), 0);
	rogue.ward[0] = '\0';
	assert_int_equal(db_enroll(f->d, tok, &rogue, why, sizeof(why)),
	    DB_ENROLL_OTHER_WARD);

	/* Revoked: no key, no venue name; its enrolment refused. */
	assert_int_equal(db_device_revoke(f->d, rogue.device_id,
	    ktime_wall_ms()), 0);
	assert_int_equal(db_device_revoke(f->d, rogue.device_id,
	    ktime_wall_ms()), 2);
	assert_int_equal(db_device_revoke(f->d, "0123456789abcdef",
	    ktime_wall_ms()), 1);
	assert_int_equal(db_device_key(f->d, rogue.device_id, pk), 2);
	{
		char name[160];

		assert_int_equal(db_device_venue(f->d, rogue.device_id, name,
		    sizeof(name)), 1);
	}
	rogue.ward[0] = '\0';
	assert_int_equal(db_enroll(f->d, tok, &rogue, why, sizeof(why)),
	    DB_ENROLL_REVOKED);
	/* Its patrol receipts no longer check out. */
	{
		char text[TOKEN_RECEIPT_MAX];
		struct receipt_check rc;
		char body[200];

		snprintf(body, sizeof(body), "{\"v\":1,\"venue\":\"B-SHOP-7\","
		    "\"device\":\"%s\"}", rogue.device_id);
		assert_int_equal(token_receipt(&k2, body, text, sizeof(text)),
		    0);
		assert_int_equal(query_receipt(f->d, text, &rc), 0);
		assert_int_equal(rc.valid, 0);
		assert_non_null(strstr(rc.reason, "revoked"));
		query_receipt_release(&rc);
	}
	assert_non_null(strstr(why, "--new-key"));
	/* Listed, revoked, with the shop. */
	assert_int_equal(db_ward_devices(f->d, NULL, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].dev.ward, "Phường A");
	assert_int_equal(v[0].revoked_ms, 0);
	assert_string_equal(v[1].dev.venue_id, "B-SHOP-7");
	assert_true(v[1].revoked_ms > 0);
	assert_true(v[1].enrolled_ms > 0);
	db_ward_devices_free(v, n);
	/* A second kiosk at the shop, with a token of its ward. */
	shop = kiosk_of(&k3, "Q1-CAFE-001", "Cà phê Sài Gòn", "");
	assert_int_equal(db_enroll(f->d, tok, &shop, why, sizeof(why)), 0);
	keys_wipe(&k2);
	keys_wipe(&k3);
}

static void
test_ingest_idempotent(void **state)
{
	struct fx *f = *state;
	int64_t now = ktime_wall_ms(), wall[300];
	struct wire_visit *v;
	struct wire_header h;
	struct db_ingest_res res;
	unsigned char sealed[5] = { 0, '\\', '\t', '\n', 0xff };
	char venue[129];
	size_t i;

	enroll(f);
	/* Three days, so PostgreSQL makes three partitions. */
	for (i = 0; i < 300; i++)
		wall[i] = now - (int64_t)(i / 100) * DAY - (int64_t)i * 1000;
	v = rows(1, wall, 300);
	v[7].sealed = malloc(sizeof(sealed));
	memcpy(v[7].sealed, sealed, sizeof(sealed));
	v[7].sealed_len = sizeof(sealed);
	header(f, &h, v, 300);
	assert_int_equal(db_ingest(f->d, &h, v, 300, now, &res), 0);
	assert_int_equal(res.stored, 300);
	assert_int_equal(res.duplicates, 0);
	assert_int_equal(res.acked_through, 300);
	/* The same batch again stores nothing and is acknowledged. */
	assert_int_equal(db_ingest(f->d, &h, v, 300, now, &res), 0);
	assert_int_equal(res.stored, 0);
	assert_int_equal(res.duplicates, 300);
	assert_int_equal(res.acked_through, 300);
	assert_int_equal(stat_of(f->d, "visits"), 300);
	if (backend_pg)
		assert_true(stat_of(f->d, "partitions") >= 3);
	assert_int_equal(db_device_venue(f->d, f->dev.device_id, venue,
	    sizeof(venue)), 0);
	assert_string_equal(venue, "Cà phê Sài Gòn");
	wire_visits_free(v, 300);
}

static void
test_row_rejects(void **state)
{
	struct fx *f = *state;
	int64_t now = ktime_wall_ms();
	int64_t wall[4] = { now - 5000, now - 4000, now - 3000, now - 2000 };
	struct wire_visit *v = rows(1, wall, 4);
	struct wire_header h;
	struct db_ingest_res res;

	enroll(f);
	/* 1: check-in of A; 2: check-out of A after it (fine); 3: check-out
	 * of B who never came in; 4: refused by the parser already. */
	snprintf(v[1].subject, sizeof(v[1].subject), "%s", v[0].subject);
	snprintf(v[1].direction, sizeof(v[1].direction), "out");
	snprintf(v[2].direction, sizeof(v[2].direction), "out");
	v[3].reject = "future_time";
	header(f, &h, v, 4);
	assert_int_equal(db_ingest(f->d, &h, v, 4, now, &res), 0);
	assert_int_equal(res.stored, 2);
	assert_int_equal(res.rejected, 2);
	assert_null(v[0].reject);
	assert_null(v[1].reject);
	assert_non_null(v[2].reject);
	assert_string_equal(v[2].reject, "checkout_before_checkin");
	assert_int_equal(stat_of(f->d, "visits"), 2);
	assert_int_equal(stat_of(f->d, "rejects"), 2);
	wire_visits_free(v, 4);
}

/* The stored check-in of SUBJECT: its time and clock flag. */
static void
stored_in(struct fx *f, const char *subject, int64_t from, int64_t *wall,
    int *clock)
{
	struct db_visit *v;
	size_t n, i;

	assert_int_equal(db_visits_venue(f->d, f->dev.venue_id, from,
	    from + 10 * DAY, &v, &n), 0);
	*wall = -1;
	for (i = 0; i < n; i++)
		if (strcmp(v[i].subject, subject) == 0 &&
		    strcmp(v[i].direction, "in") == 0) {
			*wall = v[i].wall_ms;
			*clock = v[i].clock;
		}
	db_visits_free(v, n);
}

/*
 * Found by review: a kiosk store that lost its last commits (a torn WAL,
 * a card that ignores flush, an image restored from backup) numbers new
 * visits again under the same instance; the collector took them for
 * duplicates of the old ones, and both were lost. Another visit under a
 * stored number is refused as seq_reused (the kiosk then moves to a new
 * instance); the same visit again is a duplicate.
 */
static void
test_seq_reused(void **state)
{
	struct fx *f = *state;
	int64_t now = ktime_wall_ms();
	int64_t wall[5] = { now - 9000, now - 8000, now - 7000, now - 6000,
	    now - 5000 };
	struct wire_visit *v = rows(1, wall, 5), *w;
	struct wire_header h;
	struct db_ingest_res res;
	size_t i;

	enroll(f);
	header(f, &h, v, 5);
	assert_int_equal(db_ingest(f->d, &h, v, 5, now, &res), 0);
	assert_int_equal(res.stored, 5);
	/* Rolled back to seq 2: seqs 3-5 again, for other people, then 6. */
	w = rows(3, wall, 4);
	for (i = 0; i < 3; i++) {
		snprintf(w[i].subject, sizeof(w[i].subject), "+849100000%02zu",
		    i);
		w[i].mono_ms = 1000 + (int64_t)i;
	}
	header(f, &h, w, 4);
	assert_int_equal(db_ingest(f->d, &h, w, 4, now, &res), 0);
	assert_int_equal(res.stored, 1);
	assert_int_equal(res.rejected, 3);
	for (i = 0; i < 3; i++) {
		assert_non_null(w[i].reject);
		assert_string_equal(w[i].reject, "seq_reused");
	}
	assert_null(w[3].reject);
	/* The old visits are untouched; the same ones again are duplicates,
	 * not refusals. */
	wire_visits_free(w, 4);
	header(f, &h, v, 5);
	assert_int_equal(db_ingest(f->d, &h, v, 5, now + 1000, &res), 0);
	assert_int_equal(res.stored, 0);
	assert_int_equal(res.duplicates, 5);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(stat_of(f->d, "visits"), 6);
	wire_visits_free(v, 5);
}

/*
 * Found by review: a visit sent flagged (its kiosk could not trust its
 * clock), committed, its acknowledgement lost; re-dated by the kiosk once
 * its clock was trusted and sent again, it was counted a duplicate and
 * the untrusted time kept. The trusted copy now replaces it. A flagged
 * check-out is not refused for a check-in filed later than it.
 */
static void
test_redated_and_flagged(void **state)
{
	struct fx *f = *state;
	int64_t now = ktime_wall_ms();
	int64_t wall[2] = { now - 3 * 3600000, now - 2 * 3600000 };
	struct wire_visit *v = rows(1, wall, 2);
	struct wire_header h;
	struct db_ingest_res res;
	int64_t got;
	int clock;

	enroll(f);
	v[0].clock_untrusted = DB_CLOCK_UNTRUSTED;
	v[0].wall_ms = now - 5 * DAY;		/* the wrong clock's time */
	header(f, &h, v, 1);
	assert_int_equal(db_ingest(f->d, &h, v, 1, now, &res), 0);
	assert_int_equal(res.stored, 1);
	stored_in(f, v[0].subject, now - 6 * DAY, &got, &clock);
	assert_int_equal(got, now - 5 * DAY);
	assert_int_equal(clock, DB_CLOCK_UNTRUSTED);
	/* Re-dated at the kiosk, sent again with its check-out. */
	v[0].clock_untrusted = DB_CLOCK_OK;
	v[0].wall_ms = wall[0];
	snprintf(v[1].subject, sizeof(v[1].subject), "%s", v[0].subject);
	snprintf(v[1].direction, sizeof(v[1].direction), "out");
	header(f, &h, v, 2);
	assert_int_equal(db_ingest(f->d, &h, v, 2, now, &res), 0);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(stat_of(f->d, "visits"), 2);
	stored_in(f, v[0].subject, now - 6 * DAY, &got, &clock);
	assert_int_equal(got, wall[0]);
	assert_int_equal(clock, DB_CLOCK_OK);
	wire_visits_free(v, 2);

	/* A check-in filed at its arrival (a time in the future), then a
	 * trusted check-out before that: taken. A flagged check-out with no
	 * check-in at all: taken as well. */
	wall[0] = now + 2 * DAY;
	wall[1] = now - 60000;
	v = rows(3, wall, 2);
	snprintf(v[1].subject, sizeof(v[1].subject), "%s", v[0].subject);
	snprintf(v[1].direction, sizeof(v[1].direction), "out");
	header(f, &h, v, 1);
	assert_int_equal(db_ingest(f->d, &h, v, 1, now, &res), 0);
	header(f, &h, v + 1, 1);
	assert_int_equal(db_ingest(f->d, &h, v + 1, 1, now, &res), 0);
	assert_int_equal(res.rejected, 0);
	wire_visits_free(v, 2);
	v = rows(5, wall, 1);
	snprintf(v[0].direction, sizeof(v[0].direction), "out");
	v[0].clock_untrusted = DB_CLOCK_UNTRUSTED;
	header(f, &h, v, 1);
	assert_int_equal(db_ingest(f->d, &h, v, 1, now, &res), 0);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(stat_of(f->d, "visits"), 5);
	wire_visits_free(v, 1);
}

static void
test_retention(void **state)
{
	struct fx *f = *state;
	int64_t now = ktime_wall_ms(), today = now - now % DAY, wall[40];
	struct wire_visit *v, *w;
	struct wire_header h;
	struct db_ingest_res res;
	struct db *other;
	size_t i;

	enroll(f);
	/* Ten visits on each of the last four days (UTC). */
	for (i = 0; i < 40; i++)
		wall[i] = today - (int64_t)(i / 10) * DAY + 1000 *
		    (int64_t)(i % 10);
	v = rows(1, wall, 40);
	header(f, &h, v, 40);
	assert_int_equal(db_ingest(f->d, &h, v, 40, now, &res), 0);
	assert_int_equal(res.stored, 40);
	/* Days that ended two days before now: the oldest two go. */
	assert_int_equal(db_purge(f->d, today - DAY), 20);
	assert_int_equal(stat_of(f->d, "visits"), 20);
	assert_int_equal(db_purge(f->d, today - DAY), 0);

	/* Another process purges a day this one has seen (its partition is
	 * cached here); a late batch for that day still lands. */
	other = db_open(f->url);
	assert_non_null(other);
	assert_int_equal(db_purge(other, today + DAY), 20);
	db_close(other);
	assert_int_equal(stat_of(f->d, "visits"), 0);
	w = rows(41, (int64_t[]){ today + 5 }, 1);
	header(f, &h, w, 1);
	assert_int_equal(db_ingest(f->d, &h, w, 1, now, &res), 0);
	assert_int_equal(res.stored, 1);
	assert_int_equal(stat_of(f->d, "visits"), 1);
	wire_visits_free(v, 40);
	wire_visits_free(w, 1);
}

static void
test_phone_and_heartbeat(void **state)
{
	struct fx *f = *state;
	int64_t now = ktime_wall_ms();
	char venue[129];

	assert_int_equal(db_phone_checkin(f->d, f->dev.device_id, "phone",
	    "+84901234567", now, 60000, venue, sizeof(venue)), 2);
	enroll(f);
	assert_int_equal(db_phone_checkin(f->d, f->dev.device_id, "phone",
	    "+84901234567", now, 60000, venue, sizeof(venue)), 0);
	assert_string_equal(venue, "Cà phê Sài Gòn");
	assert_int_equal(db_phone_checkin(f->d, f->dev.device_id, "phone",
	    "+84901234567", now + 1000, 60000, venue, sizeof(venue)), 1);
	assert_int_equal(db_phone_checkin(f->d, f->dev.device_id, "phone",
	    "+84901234568", now + 2000, 60000, venue, sizeof(venue)), 0);
	assert_int_equal(stat_of(f->d, "visits"), 2);
	assert_int_equal(db_heartbeat(f->d, f->dev.device_id,
	    "{\"backlog\":3}", now - 1500, now), 0);
	assert_int_equal(stat_of(f->d, "heartbeats"), 1);
}

/*
 * Found by the attack: a 30-day-old heartbeat and an exact replay were
 * both taken, so a dead kiosk looked alive; heartbeats were never purged.
 * Now: fresh (within the window), newer than the last, gone with
 * retention; a revoked kiosk's refused.
 */
static void
test_heartbeat_fresh_and_once(void **state)
{
	struct fx *f = *state;
	int64_t now = ktime_wall_ms();
	const char *refused, *hb = "{\"backlog\":3}";
	char why[200];

	enroll(f);
	/* 30 days old, and 11 minutes ahead: stale. */
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now - 30 * DAY, now, &refused, why, sizeof(why)),
	    WIRE_HEARTBEAT_STATUS);
	assert_string_equal(refused, "stale");
	assert_non_null(strstr(why, "collector's time"));
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now + 11 * 60000, now, &refused, why, sizeof(why)),
	    WIRE_HEARTBEAT_STATUS);
	assert_int_equal(stat_of(f->d, "heartbeats"), 0);
	/* A fresh one; the same again, and an older one: replays. */
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now - 1000, now, &refused, why, sizeof(why)), 0);
	assert_null(refused);
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now - 1000, now + 5000, &refused, why, sizeof(why)),
	    WIRE_HEARTBEAT_STATUS);
	assert_string_equal(refused, "replay");
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now - 2000, now + 5000, &refused, why, sizeof(why)),
	    WIRE_HEARTBEAT_STATUS);
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now + 1000, now + 5000, &refused, why, sizeof(why)),
	    0);
	assert_int_equal(stat_of(f->d, "heartbeats"), 2);
	/* A clock 9 min ahead, then put right (found by the review): its
	 * heartbeats are taken again a minute on, not 9 minutes on. */
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now + 9 * 60000, now + 6000, &refused, why,
	    sizeof(why)), 0);
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now + 7000, now + 7000, &refused, why, sizeof(why)),
	    WIRE_HEARTBEAT_STATUS);
	assert_non_null(strstr(why, "clock was ahead"));
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now + 67000, now + 67000, &refused, why,
	    sizeof(why)), 0);
	assert_int_equal(stat_of(f->d, "heartbeats"), 4);
	/* Retention takes them with the days they arrived in. */
	assert_true(db_purge(f->d, now + 2 * DAY) >= 0);
	assert_int_equal(stat_of(f->d, "heartbeats"), 0);
	/* Revoked: refused. */
	assert_int_equal(db_device_revoke(f->d, f->dev.device_id, now), 0);
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, hb,
	    strlen(hb), now + 3000, now + 5000, &refused, why, sizeof(why)),
	    403);
}

/* Rows at one device for the trace rules: (subject, direction, minute). */
struct tr { const char *subject, *dir; int min; };

static void
ingest_rows(struct fx *f, int64_t t0, const struct tr *t, size_t n)
{
	struct wire_visit *v = calloc(n, sizeof(*v));
	struct wire_header h;
	struct db_ingest_res res;
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		v[i].seq = (int64_t)i + 1;
		snprintf(v[i].kind, sizeof(v[i].kind), "phone");
		snprintf(v[i].subject, sizeof(v[i].subject), "%s",
		    t[i].subject);
		snprintf(v[i].direction, sizeof(v[i].direction), "%s",
		    t[i].dir);
		v[i].wall_ms = t0 + (int64_t)t[i].min * 60000;
		snprintf(v[i].boot_id, sizeof(v[i].boot_id), "b");
		snprintf(v[i].source, sizeof(v[i].source), "keypad");
	}
	header(f, &h, v, n);
	assert_int_equal(db_ingest(f->d, &h, v, n, t0 + 2 * DAY, &res), 0);
	assert_int_equal(res.stored, (int64_t)n);
	wire_visits_free(v, n);
}

/* The F1 subjects of a trace of SUBJECT, as "a b c" in result order. */
static void
f1_of(struct fx *f, const char *subject, int64_t t0, int min_overlap,
    char *out, size_t size)
{
	struct trace_opts o = { .kind = "phone", .depth = 1,
	    .min_overlap_ms = (int64_t)min_overlap * 60000,
	    .default_stay_ms = 60 * 60000, .from_ms = t0, .to_ms = t0 + DAY };
	struct trace_result r;
	size_t i, len = 0;

	snprintf(o.subject, sizeof(o.subject), "%s", subject);
	assert_int_equal(trace_run(f->d, &o, &r), 0);
	out[0] = '\0';
	for (i = 0; i < r.f1.n; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s=%lld",
		    i ? " " : "", r.f1.v[i].subject + 6,
		    (long long)r.f1.v[i].overlap_min);
	trace_result_release(&r);
}

static void
test_trace_rules(void **state)
{
	struct fx *f = *state;
	int64_t t0 = ktime_wall_ms() - 3 * DAY;
	/* All rows in order of time, minutes after t0. */
	static const struct tr rows_[] = {
		/* A check-out 13.5 h later is not this visit's: A's visit
		 * lasts the default hour, so B (from 12:00) never met A. */
		{ "0900000001", "in", 600 },
		{ "0900000010", "in", 605 },
		{ "0900000010", "out", 618 },
		{ "0900000001", "in", 620 },
		{ "0900000011", "in", 625 },
		{ "0900000011", "out", 650 },
		{ "0900000002", "in", 720 },
		{ "0900000002", "out", 780 },
		{ "0900000001", "out", 1410 },
	};
	char got[256];

	enroll(f);
	ingest_rows(f, t0, rows_, sizeof(rows_) / sizeof(rows_[0]));
	/* A came in at 600 and again at 620: the first visit is cut at
	 * 620, so 0900000010 (605-618) overlaps it 13 minutes (under 15);
	 * 0900000011 (625-650) overlaps the second by 25. */
	f1_of(f, "0900000001", t0, 15, got, sizeof(got));
	assert_string_equal(got, "0900000011=25");
	f1_of(f, "0900000001", t0, 10, got, sizeof(got));
	assert_string_equal(got, "0900000010=13 0900000011=25");
	/* 0900000002 (720-780) meets nobody: A's last visit (620) ended
	 * at 680 by the default stay, not at the check-out at 1410. */
	f1_of(f, "0900000002", t0, 0, got, sizeof(got));
	assert_string_equal(got, "");
}

struct resend {
	struct fx *f;
	int64_t when;		/* the rows' time; 0: a time that cannot be */
	int64_t stored;
};

static void *
resend_one(void *arg)
{
	struct resend *r = arg;
	struct wire_header h;
	struct db_ingest_res res;
	int64_t wall[50];
	struct wire_visit *v;
	size_t i;

	for (i = 0; i < 50; i++)
		wall[i] = r->when ? r->when + (int64_t)i : 1000;
	v = rows(1, wall, 50);
	header(r->f, &h, v, 50);
	if (db_ingest(r->f->d, &h, v, 50, ktime_wall_ms(), &res) == 0)
		__atomic_add_fetch(&r->stored, res.stored, __ATOMIC_SEQ_CST);
	wire_visits_free(v, 50);
	return NULL;
}

/*
 * One visit arrives under two times: re-filed at its arrival (a time that
 * cannot be, sent eight times at once, as a kiosk that timed out resends),
 * or re-dated by its kiosk after an acknowledgement was lost. It is
 * stored once, on both backends.
 */
static void
test_stored_once_whatever_its_time(void **state)
{
	struct fx *f = *state;
	struct resend r[8];
	pthread_t t[8];
	int i;

	enroll(f);
	for (i = 0; i < 8; i++) {
		r[i].f = f;
		r[i].when = 0;
		r[i].stored = 0;
		assert_int_equal(pthread_create(&t[i], NULL, resend_one, &r[i]),
		    0);
	}
	for (i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (i = 1; i < 8; i++)
		r[0].stored += r[i].stored;
	assert_int_equal(r[0].stored, 50);
	assert_int_equal(stat_of(f->d, "visits"), 50);
	/* The same seqs again, re-dated by the kiosk: their trusted time
	 * replaces the copies filed at arrival, and nothing is added. */
	r[0].when = ktime_wall_ms() - 3600000;
	r[0].stored = 0;
	resend_one(&r[0]);
	assert_int_equal(r[0].stored, 50);
	assert_int_equal(stat_of(f->d, "visits"), 50);
	/* And once more: nothing at all. */
	r[0].stored = 0;
	resend_one(&r[0]);
	assert_int_equal(r[0].stored, 0);
	assert_int_equal(stat_of(f->d, "visits"), 50);
}

/*
 * A heartbeat with as many inspections as a kiosk sends (200) from a venue
 * with a long name: the ward report keeps every field (the backlog, the
 * inspections), where a cut-off copy once lost them.
 */
static void
test_heartbeat_whole(void **state)
{
	struct fx *f = *state;
	struct wire_inspection x[WIRE_MAX_INSPECTIONS];
	struct wire_heartbeat hb;
	struct report r;
	char why[120], *json, *out = NULL;
	const char *refused;
	size_t i, len = 0;
	int64_t now = ktime_wall_ms();
	FILE *mem;

	memset(f->dev.venue_name, 0, sizeof(f->dev.venue_name));
	for (i = 0; i + 3 < sizeof(f->dev.venue_name); i += 3)
		memcpy(f->dev.venue_name + i, "Đ", 2), f->dev.venue_name[i + 2] =
		    'a';
	enroll(f);
	for (i = 0; i < WIRE_MAX_INSPECTIONS; i++) {
		x[i].at_ms = now - 60000 - (int64_t)i * 1000;
		snprintf(x[i].pass_id, sizeof(x[i].pass_id),
		    "CA-BN-%03zu-and-a-long-officer-pass-identifier", i);
		snprintf(x[i].issuer, sizeof(x[i].issuer), "1a2b3c4d5e6f7a8b");
	}
	memset(&hb, 0, sizeof(hb));
	snprintf(hb.version, sizeof(hb.version), "0.1.0");
	hb.backlog = 4321;
	hb.inspections_24h = WIRE_MAX_INSPECTIONS;
	hb.last_inspection_ms = x[0].at_ms;
	hb.inspections = x;
	hb.n_inspections = WIRE_MAX_INSPECTIONS;
	json = wire_heartbeat_encode(&hb);
	assert_non_null(json);
	assert_true(strlen(json) > 512);
	assert_true(strlen(json) <= WIRE_MAX_HEARTBEAT);
	assert_int_equal(ingest_heartbeat(f->d, f->dev.device_id, json,
	    strlen(json), now, now, &refused, why, sizeof(why)), 0);
	free(json);
	assert_int_equal(report_build(f->d, "Bến Nghé", now, now, 30, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].backlog, 4321);
	assert_int_equal(r.v[0].inspections_24h, WIRE_MAX_INSPECTIONS);
	assert_int_equal(r.v[0].last_inspection_ms, x[0].at_ms);
	mem = open_memstream(&out, &len);
	assert_int_equal(report_print(mem, &r, "json"), 0);
	fclose(mem);
	{
		json_t *j = json_loads(out, 0, NULL), *v;

		assert_non_null(j);
		v = json_array_get(json_object_get(j, "venues"), 0);
		assert_int_equal(json_integer_value(json_object_get(v,
		    "backlog")), 4321);
		assert_string_equal(json_string_value(json_object_get(v,
		    "venue")), f->dev.venue_name);
		json_decref(j);
	}
	free(out);
	report_release(&r);
}

/*
 * Found by the attack: on PostgreSQL one device made 4,001 day
 * partitions by sending visits with far-past and far-future times. A time
 * that cannot be is filed at its arrival (and its own kept), so the days
 * stay within the window around today.
 */
static void
test_partitions_bounded(void **state)
{
	struct fx *f = *state;
	int64_t now = ktime_wall_ms(), wall[400];
	struct wire_visit *v;
	struct wire_header h;
	struct db_ingest_res res;
	size_t i;

	enroll(f);
	for (i = 0; i < 400; i++)
		wall[i] = now + ((int64_t)i - 200) * 10 * DAY;	/* +-5 years */
	v = rows(1, wall, 400);
	header(f, &h, v, 400);
	assert_int_equal(db_ingest(f->d, &h, v, 400, now, &res), 0);
	assert_int_equal(res.stored, 400);
	wire_visits_free(v, 400);
	if (backend_pg)
		assert_true(stat_of(f->d, "partitions") <= DB_MAX_AGE_MS / DAY +
		    2);
}

/*
 * Found by the attack: a depth-2 trace at a venue flooded with 2,000 fake
 * phone visits took 14 s, and at 10,000 had not finished. A venue with
 * FLOOD_N (default 100,000) visits in one day: the trace answers within
 * its budget, whole or saying it was cut short; a smaller budget or cap
 * cuts it short, and says why.
 */
static void
test_trace_flooded_venue(void **state)
{
	struct fx *f = *state;
	const char *env = getenv("KIOSK_FLOOD_N");
	size_t total = env ? (size_t)strtoul(env, NULL, 10) : 100000, i, k;
	int64_t day = ktime_wall_ms() - 2 * DAY, t0, ms;
	struct trace_opts o = { .kind = "phone", .depth = 2,
	    .min_overlap_ms = 15 * 60000, .default_stay_ms = 60 * 60000,
	    .from_ms = day, .to_ms = day + DAY };
	struct trace_result r;
	struct db_ingest_res res;
	struct wire_header h;

	enroll(f);
	day -= day % DAY;
	o.from_ms = day;
	o.to_ms = day + DAY;
	t0 = ktime_mono_ms();
	for (i = 0; i < total; i += k) {
		int64_t wall[1000];
		struct wire_visit *v;

		k = total - i < 1000 ? total - i : 1000;
		for (size_t j = 0; j < k; j++)
			wall[j] = day + (int64_t)((i + j) * (DAY / total));
		v = rows((int64_t)i + 1, wall, k);
		header(f, &h, v, k);
		assert_int_equal(db_ingest(f->d, &h, v, k, day + DAY, &res), 0);
		wire_visits_free(v, k);
	}
	print_message("flood: %zu visits at one venue stored in %lld ms\n",
	    total, (long long)(ktime_mono_ms() - t0));
	/* The case: the visit at noon. */
	snprintf(o.subject, sizeof(o.subject), "+8490%07d",
	    (int)(total / 2 + 1));
	t0 = ktime_mono_ms();
	assert_int_equal(trace_run(f->d, &o, &r), 0);
	ms = ktime_mono_ms() - t0;
	print_message("flood: depth-2 trace in %lld ms: %zu F1, %zu F2, %s\n",
	    (long long)ms, r.f1.n, r.f2.n, r.cut_short ? r.cut_short :
	    "complete");
	assert_true(ms < TRACE_BUDGET_MS + 5000);
	assert_true(r.f1.n > 0);
	assert_true(r.f1.n + r.f2.n <= TRACE_MAX_CONTACTS);
	if (r.f1.n + r.f2.n == TRACE_MAX_CONTACTS)
		assert_non_null(r.cut_short);
	trace_result_release(&r);
	/* A smaller cap: cut short, and says so. */
	o.max_contacts = 50;
	assert_int_equal(trace_run(f->d, &o, &r), 0);
	assert_int_equal(r.f1.n + r.f2.n, 50);
	assert_non_null(r.cut_short);
	assert_non_null(strstr(r.cut_short, "most contacts"));
	trace_result_release(&r);
	/* A budget of 1 ms: cut short (or no answer at all), never a
	 * silent partial one. */
	o.max_contacts = 0;
	o.budget_ms = 1;
	if (trace_run(f->d, &o, &r) == 0) {
		if (r.cut_short == NULL)
			assert_true(r.f1.n + r.f2.n < TRACE_MAX_CONTACTS);
		trace_result_release(&r);
	} else {
		assert_non_null(r.cut_short);
	}
}

/* A worker held until GATE opens. */
static int gate;

static void
held(void *arg)
{
	while (!__atomic_load_n(&gate, __ATOMIC_ACQUIRE))
		usleep(1000);
	__atomic_add_fetch((int *)arg, 1, __ATOMIC_SEQ_CST);
}

static void
dropped(void *arg)
{
	__atomic_add_fetch((int *)arg, 100, __ATOMIC_SEQ_CST);
}

/*
 * The collector's work queue: full, it refuses at once (the server then
 * answers 503 with Retry-After) instead of letting work pile up; what
 * waits when it stops is dropped, each told. The venue codes' cache keeps
 * a code no longer than its TTL or its validity.
 */
static void
test_queue_and_codes(void **state)
{
	struct workq *q = workq_new(1, 2);
	struct codes *c = codes_new();
	struct venue_token vt, got;
	int ran = 0, i;
	char name[160];

	(void)state;
	assert_non_null(q);
	gate = 0;
	assert_int_equal(workq_push(q, held, dropped, &ran), 0);
	for (i = 0; i < 100 && workq_waiting(q) > 0; i++)
		usleep(1000);		/* the worker took the first */
	assert_int_equal(workq_push(q, held, dropped, &ran), 0);
	assert_int_equal(workq_push(q, held, dropped, &ran), 0);
	assert_int_equal(workq_push(q, held, dropped, &ran), -1);
	assert_int_equal(workq_waiting(q), 2);
	__atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 1000 && __atomic_load_n(&ran, __ATOMIC_SEQ_CST) < 3;
	    i++)
		usleep(1000);
	assert_int_equal(ran, 3);
	gate = 0;
	assert_int_equal(workq_push(q, held, dropped, &ran), 0);
	for (i = 0; i < 100 && workq_waiting(q) > 0; i++)
		usleep(1000);
	assert_int_equal(workq_push(q, held, dropped, &ran), 0);
	__atomic_store_n(&gate, 1, __ATOMIC_RELEASE);
	workq_free(q);
	assert_true(ran == 5 || ran == 104);	/* ran, or dropped and told */

	assert_non_null(c);
	memset(&vt, 0, sizeof(vt));
	snprintf(vt.venue_id, sizeof(vt.venue_id), "V1");
	vt.slot = 7;
	codes_put(c, "code-a", 1000, 50000, &vt, "Quán");
	assert_int_equal(codes_get(c, "code-a", 2000, &got, name,
	    sizeof(name)), 1);
	assert_string_equal(name, "Quán");
	assert_int_equal(got.slot, 7);
	assert_int_equal(codes_get(c, "code-b", 2000, &got, name,
	    sizeof(name)), 0);
	/* At most the TTL, and never past the code's own end. */
	assert_int_equal(codes_get(c, "code-a", 1000 + CODES_TTL_MS, &got,
	    name, sizeof(name)), 0);
	codes_put(c, "code-a", 1000, 3000, &vt, "Quán");
	assert_int_equal(codes_get(c, "code-a", 3000, &got, name,
	    sizeof(name)), 0);
	codes_free(c);
}

/*
 * A ward report's heartbeat gaps count only opening hours: a kiosk that
 * sent heartbeats from 08:00 to 12:00 at a venue open 07:00-22:00 missed
 * 07:00-08:00 and 12:00-22:00, not the night; open always, it missed the
 * night too.
 */
static void
test_gaps_in_opening_hours(void **state)
{
	struct report_venue v;
	struct hours h;
	const char *why;
	int64_t day, beats[49];
	char a[40], b[40];
	size_t i;

	(void)state;
	assert_int_equal(ktime_parse("2026-11-16", &day), 0);
	for (i = 0; i < 49; i++)
		beats[i] = day + 8 * 3600000LL + (int64_t)i * 5 * 60000;
	memset(&v, 0, sizeof(v));
	assert_int_equal(hours_parse("07:00-22:00", &h, &why), 0);
	assert_int_equal(report_gaps(&v, &h, beats, 49, day, day +
	    86400000LL), 0);
	assert_int_equal(v.n_gaps, 2);
	assert_int_equal(ktime_format(v.gaps[0].from_ms, a, sizeof(a)), 0);
	assert_int_equal(ktime_format(v.gaps[1].to_ms, b, sizeof(b)), 0);
	assert_int_equal((v.gaps[0].to_ms - v.gaps[0].from_ms) / 60000, 60);
	assert_int_equal((v.gaps[1].to_ms - v.gaps[1].from_ms) / 60000, 600);
	assert_non_null(strstr(a, "T07:00:00"));	/* local time */
	assert_non_null(strstr(b, "T22:00:00"));
	free(v.gaps);
	memset(&v, 0, sizeof(v));
	assert_int_equal(hours_parse("", &h, &why), 0);
	assert_int_equal(report_gaps(&v, &h, beats, 49, day, day +
	    86400000LL), 0);
	assert_int_equal(v.n_gaps, 2);
	assert_int_equal((v.gaps[0].to_ms - v.gaps[0].from_ms) / 60000, 480);
	assert_int_equal((v.gaps[1].to_ms - v.gaps[1].from_ms) / 60000, 720);
	free(v.gaps);
}

#define DB_TESTS \
	cmocka_unit_test(test_queue_and_codes), \
	cmocka_unit_test(test_gaps_in_opening_hours), \
	cmocka_unit_test_setup_teardown(test_ward_lists, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_tokens_and_enrolment, \
	    fx_setup, fx_teardown), \
	cmocka_unit_test_setup_teardown(test_enrolment_bound, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_ingest_idempotent, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_row_rejects, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_seq_reused, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_redated_and_flagged, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_retention, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_phone_and_heartbeat, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_partitions_bounded, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_trace_flooded_venue, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_trace_rules, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_heartbeat_fresh_and_once, \
	    fx_setup, fx_teardown), \
	cmocka_unit_test_setup_teardown(test_heartbeat_whole, fx_setup, \
	    fx_teardown), \
	cmocka_unit_test_setup_teardown(test_stored_once_whatever_its_time, \
	    fx_setup, fx_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = { DB_TESTS };
	int failed;

	if (sodium_init() < 0)
		return 1;
	failed = cmocka_run_group_tests_name("sqlite", tests, group_sqlite,
	    NULL);
	failed += cmocka_run_group_tests_name("postgresql", tests, group_pg,
	    NULL);
	return failed;
}
