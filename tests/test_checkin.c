/*
 * test_checkin: one scan through the whole kiosk core, as the kiosk and
 * `kioskctl checkin` run it: personal fields sealed (never in the file in
 * clear, openable by the authority), refused texts never stored, officer
 * passes recorded as inspections.
 */
#include "helpers.h"

#include <sodium.h>
#include <sqlite3.h>

#include "checkin.h"
#include "config.h"
#include "keys.h"
#include "pass.h"
#include "seal.h"
#include "store.h"

#define CARD "079095001234|023456789|Nguyễn Văn An|14031995|Nam|" \
	"12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021"

struct fixture {
	char *dir, *path;
	struct config cfg;
	struct key_pair authority, issuer;
	struct pass_trust *trust;
	struct store *s;
	struct checkin_ctx ctx;
	int64_t now;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_true(sodium_init() >= 0);
	f->dir = scratch_new();
	f->path = scratch_path(f->dir, "visits.db");
	config_defaults(&f->cfg, f->path);
	keys_generate(KEY_X25519, &f->authority);
	keys_generate(KEY_ED25519, &f->issuer);
	memcpy(f->cfg.authority_pk, f->authority.pk, KEYS_PUB_LEN);
	f->cfg.have_authority = 1;
	f->trust = pass_trust_new();
	pass_trust_add(f->trust, f->issuer.pk);
	f->s = store_open(f->path);
	assert_non_null(f->s);
	f->ctx.store = f->s;
	f->ctx.config = &f->cfg;
	f->ctx.trust = f->trust;
	f->now = at("2026-11-22T10:00:00");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->s);
	pass_trust_free(f->trust);
	keys_wipe(&f->authority);
	keys_wipe(&f->issuer);
	free(f->path);
	scratch_free(f->dir);
	free(f);
	return 0;
}

static int
grab_sealed(void *ctx, const struct store_visit *v)
{
	unsigned char **out = ctx;

	if (v->sealed == NULL)
		return 0;
	out[0] = malloc(v->sealed_len);
	memcpy(out[0], v->sealed, v->sealed_len);
	out[1] = (unsigned char *)(uintptr_t)v->sealed_len;
	return 1;
}

static void
test_sealed_at_rest(void **state)
{
	struct fixture *f = *state;
	struct checkin_out out;
	unsigned char *got[2] = { NULL, NULL };
	char *opened, *wal;
	size_t len;

	assert_int_equal(checkin_scan(&f->ctx, CARD, strlen(CARD), "camera",
	    f->now, &out), 0);
	assert_int_equal(out.result, CHECKIN_ACCEPTED);
	assert_int_equal(out.kind, PAYLOAD_CCCD);
	assert_string_equal(out.display, "Nguyễn Văn An");
	assert_int_equal(out.seq, 1);

	/* The authority can open what the kiosk sealed. */
	assert_int_equal(store_foreach_visit(f->s, 0, INT64_MAX, 0,
	    grab_sealed, got), 1);
	opened = seal_open(&f->authority, got[0], (size_t)(uintptr_t)got[1],
	    &len);
	assert_non_null(opened);
	assert_non_null(strstr(opened, "\"name\":\"Nguyễn Văn An\""));
	assert_non_null(strstr(opened, "\"dob\":\"14031995\""));
	assert_non_null(strstr(opened, "Bến Nghé"));
	free(opened);
	/* Another key cannot. */
	{
		struct key_pair other;

		keys_generate(KEY_X25519, &other);
		assert_null(seal_open(&other, got[0],
		    (size_t)(uintptr_t)got[1], &len));
		keys_wipe(&other);
	}
	free(got[0]);

	/* Neither the name, the address nor the old ID are in the files. */
	wal = scratch_path(f->dir, "visits.db-wal");
	assert_false(file_contains(f->path, "Nguyễn Văn An"));
	assert_false(file_contains(wal, "Nguyễn Văn An"));
	assert_false(file_contains(wal, "Bến Nghé"));
	assert_false(file_contains(wal, "023456789"));
	store_close(f->s);
	f->s = NULL;
	assert_false(file_contains(f->path, "Nguyễn Văn An"));
	assert_false(file_contains(f->path, "Bến Nghé"));
	assert_false(file_contains(f->path, "023456789"));
	/* The subject id is the tracing key and stays in clear. */
	assert_true(file_contains(f->path, "079095001234"));
	free(wal);
}

static void
test_rejects_never_stored(void **state)
{
	struct fixture *f = *state;
	const char *bad = "079095001234||Bí Mật Lộ|14031995|Nữ|Secret "
	    "Street 99|20042021";
	struct checkin_out out;
	struct store_status st;

	assert_int_equal(checkin_scan(&f->ctx, bad, strlen(bad), "scanner",
	    f->now, &out), 0);
	assert_int_equal(out.result, CHECKIN_REJECTED);
	assert_int_equal(out.reason, REASON_CCCD_GENDER_MISMATCH);
	assert_int_equal(store_status(f->s, f->now, 21, &st), 0);
	assert_int_equal(st.visits_total, 0);
	assert_int_equal(st.rejects_today, 1);
	store_close(f->s);
	f->s = NULL;
	assert_false(file_contains(f->path, "Secret Street"));
	assert_false(file_contains(f->path, "Bí Mật"));
	assert_false(file_contains(f->path, "079095001234"));
}

static void
test_duplicate_and_sources(void **state)
{
	struct fixture *f = *state;
	struct checkin_out out;

	assert_int_equal(checkin_scan(&f->ctx, "0912345678", 10, "keypad",
	    f->now, &out), 0);
	assert_int_equal(out.result, CHECKIN_ACCEPTED);
	assert_int_equal(checkin_scan(&f->ctx, "+84912345678", 12, "keypad",
	    f->now + 60 * 1000, &out), 0);
	assert_int_equal(out.result, CHECKIN_DUPLICATE);
	assert_int_equal(out.previous_ms, f->now);

	assert_true(checkin_source_valid("camera"));
	assert_true(checkin_source_valid("scanner"));
	assert_true(checkin_source_valid("keypad"));
	assert_true(checkin_source_valid("phone"));
	assert_false(checkin_source_valid("usb"));
}

static int
grab_boot(void *ctx, const struct store_visit *v)
{
	char *out = ctx;

	snprintf(out, STORE_BOOT_ID_LEN + 1, "%s", v->boot_id);
	return 1;
}

/*
 * A visit replayed with --at (yesterday) is on no boot's clock: the
 * visitor's real scan today is a visit of its own, not a duplicate of
 * it judged on the boot clock.
 */
static void
test_given_time_apart(void **state)
{
	struct fixture *f = *state;
	struct checkin_out out;
	char boot[STORE_BOOT_ID_LEN + 1] = "";

	assert_int_equal(checkin_scan(&f->ctx, "0912345678", 10, "keypad",
	    ktime_wall_ms() - 24LL * 3600 * 1000, &out), 0);
	assert_int_equal(out.result, CHECKIN_ACCEPTED);
	assert_int_equal(store_foreach_visit(f->s, 0, INT64_MAX, STORE_ALL,
	    grab_boot, boot), 1);
	assert_string_equal(boot, STORE_BOOT_GIVEN);
	assert_int_equal(checkin_scan(&f->ctx, "0912345678", 10, "keypad",
	    CHECKIN_NOW, &out), 0);
	assert_int_equal(out.result, CHECKIN_ACCEPTED);
}

static void
test_officer_inspection(void **state)
{
	struct fixture *f = *state;
	struct pass_info info;
	struct checkin_out out;
	struct store_status st;
	char text[PASS_TEXT_MAX + 1];

	memset(&info, 0, sizeof(info));
	snprintf(info.id, sizeof(info.id), "officer-12");
	snprintf(info.name, sizeof(info.name), "Cán bộ Phường");
	info.role = PASS_OFFICER;
	info.not_before = f->now / 1000 - 60;
	info.expires = f->now / 1000 + 3600;
	assert_int_equal(pass_issue(&f->issuer, &info, text, sizeof(text)), 0);
	assert_int_equal(checkin_scan(&f->ctx, text, strlen(text), "camera",
	    f->now, &out), 0);
	assert_int_equal(out.result, CHECKIN_ACCEPTED);
	assert_int_equal(out.patrol, 1);
	assert_int_equal(out.kind, PAYLOAD_OFFICER);
	assert_int_equal(store_status(f->s, f->now, 21, &st), 0);
	assert_int_equal(st.visits_total, 0);
	assert_int_equal(st.events_total, 1);
}

static void
test_store_failure(void **state)
{
	struct fixture *f = *state;
	struct checkin_out out;
	sqlite3 *db;

	/* The disk refuses the write: nothing may be claimed. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TRIGGER no_insert BEFORE "
	    "INSERT ON visits BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* The cached statement must be re-prepared: reopen. */
	store_close(f->s);
	f->s = store_open(f->path);
	f->ctx.store = f->s;
	assert_int_equal(checkin_scan(&f->ctx, "0912345678", 10, "keypad",
	    f->now, &out), -1);
	assert_int_equal(out.result, 0);
	assert_int_equal(out.seq, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sealed_at_rest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rejects_never_stored,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_and_sources,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_given_time_apart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_officer_inspection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_store_failure, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
