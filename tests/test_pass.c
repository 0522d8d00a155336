/*
 * test_pass: signed passes: issue and verify, every refusal reason, the
 * trust and revocation files, and that payload_parse() routes passes here.
 */
#include "helpers.h"

#include <sodium.h>

#include "keys.h"
#include "pass.h"
#include "payload.h"

struct fixture {
	struct key_pair issuer, other;
	struct pass_trust *trust;
	int64_t now;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_true(sodium_init() >= 0);
	keys_generate(KEY_ED25519, &f->issuer);
	keys_generate(KEY_ED25519, &f->other);
	f->trust = pass_trust_new();
	assert_int_equal(pass_trust_add(f->trust, f->issuer.pk), 0);
	f->now = at("2026-11-22T12:00:00Z");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	pass_trust_free(f->trust);
	keys_wipe(&f->issuer);
	keys_wipe(&f->other);
	free(f);
	return 0;
}

/* Issue a pass valid from NBF_OFF to EXP_OFF seconds around now. */
static void
issue(struct fixture *f, const struct key_pair *key, enum pass_role role,
    const char *id, int64_t nbf_off, int64_t exp_off, char *out,
    size_t size)
{
	struct pass_info info;

	memset(&info, 0, sizeof(info));
	snprintf(info.id, sizeof(info.id), "%s", id);
	snprintf(info.name, sizeof(info.name), "Trần Thị Bình");
	info.role = role;
	info.not_before = f->now / 1000 + nbf_off;
	info.expires = f->now / 1000 + exp_off;
	assert_int_equal(pass_issue(key, &info, out, size), 0);
}

static void
test_roundtrip(void **state)
{
	struct fixture *f = *state;
	char text[PASS_TEXT_MAX + 1];
	struct pass_info info;
	enum reason r;

	issue(f, &f->issuer, PASS_VISITOR, "visitor-0001", -60, 86400, text,
	    sizeof(text));
	assert_true(strncmp(text, "KP1.", 4) == 0);
	assert_int_equal(pass_verify(f->trust, text, strlen(text), f->now,
	    &info, &r), 0);
	assert_string_equal(info.id, "visitor-0001");
	assert_string_equal(info.name, "Trần Thị Bình");
	assert_int_equal(info.role, PASS_VISITOR);

	issue(f, &f->issuer, PASS_OFFICER, "officer-07", -60, 86400, text,
	    sizeof(text));
	assert_int_equal(pass_verify(f->trust, text, strlen(text), f->now,
	    &info, &r), 0);
	assert_int_equal(info.role, PASS_OFFICER);
}

static void
expect(struct fixture *f, const char *text, enum reason want)
{
	struct pass_info info;
	enum reason r = REASON_NONE;

	assert_int_equal(pass_verify(f->trust, text, strlen(text), f->now,
	    &info, &r), -1);
	if (r != want)
		fail_msg("want %s, got %s", reason_code(want), reason_code(r));
	assert_string_equal(info.id, "");	/* nothing half-filled */
}

static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	char text[PASS_TEXT_MAX + 1], *dot;

	/* Expired a second ago; valid again an hour before. */
	issue(f, &f->issuer, PASS_VISITOR, "pass-exp", -86400, -1, text,
	    sizeof(text));
	expect(f, text, REASON_PASS_EXPIRED);

	/* Starts in an hour; clock slack of two minutes is allowed. */
	issue(f, &f->issuer, PASS_VISITOR, "pass-nbf", 3600, 86400, text,
	    sizeof(text));
	expect(f, text, REASON_PASS_NOT_YET_VALID);
	issue(f, &f->issuer, PASS_VISITOR, "pass-skew", 60, 86400, text,
	    sizeof(text));
	{
		struct pass_info info;
		enum reason r;

		assert_int_equal(pass_verify(f->trust, text, strlen(text),
		    f->now, &info, &r), 0);
	}

	/* Signed by a key the kiosk does not trust. */
	issue(f, &f->other, PASS_VISITOR, "pass-other", -60, 86400, text,
	    sizeof(text));
	expect(f, text, REASON_PASS_UNKNOWN_ISSUER);

	/* Revoked. */
	issue(f, &f->issuer, PASS_VISITOR, "pass-rev", -60, 86400, text,
	    sizeof(text));
	assert_int_equal(pass_trust_revoke(f->trust, "pass-rev"), 0);
	expect(f, text, REASON_PASS_REVOKED);

	/* A flipped bit in the signature. */
	issue(f, &f->issuer, PASS_VISITOR, "pass-sig", -60, 86400, text,
	    sizeof(text));
	dot = strrchr(text, '.');
	dot[5] = dot[5] == 'A' ? 'B' : 'A';
	expect(f, text, REASON_PASS_SIGNATURE);

	/* Another pass's body under this pass's signature. */
	{
		char other[PASS_TEXT_MAX + 1], mixed[2 * PASS_TEXT_MAX];

		issue(f, &f->issuer, PASS_VISITOR, "pass-body", -60, 86400,
		    text, sizeof(text));
		issue(f, &f->issuer, PASS_OFFICER, "pass-body", -60, 86400,
		    other, sizeof(other));
		*strrchr(other, '.') = '\0';
		snprintf(mixed, sizeof(mixed), "%s%s", other,
		    strrchr(text, '.'));
		expect(f, mixed, REASON_PASS_SIGNATURE);
	}

	/* Malformed. */
	expect(f, "KP1.", REASON_PASS_FORMAT);
	expect(f, "KP1.abc", REASON_PASS_FORMAT);
	expect(f, "KP1.!!!.abc", REASON_PASS_FORMAT);
	expect(f, "KP1.e30.AAAA", REASON_PASS_FORMAT);	/* "{}", short sig */
	expect(f, "KP2.e30.AAAA", REASON_PASS_FORMAT);
}

/* A body signed correctly but with bad fields is still refused. */
static void
test_signed_garbage(void **state)
{
	struct fixture *f = *state;
	static const char *const bodies[] = {
		"{}",
		"[1,2]",
		"{\"v\":2,\"id\":\"abcd\",\"role\":\"visitor\",\"name\":\"A\","
		"\"iss\":\"%s\",\"nbf\":0,\"exp\":9999999999}",
		"{\"v\":1,\"id\":\"ab\",\"role\":\"visitor\",\"name\":\"A\","
		"\"iss\":\"%s\",\"nbf\":0,\"exp\":9999999999}",
		"{\"v\":1,\"id\":\"abcd\",\"role\":\"admin\",\"name\":\"A\","
		"\"iss\":\"%s\",\"nbf\":0,\"exp\":9999999999}",
		"{\"v\":1,\"id\":\"abcd\",\"role\":\"visitor\",\"name\":\"\","
		"\"iss\":\"%s\",\"nbf\":0,\"exp\":9999999999}",
		"{\"v\":1,\"id\":\"abcd\",\"role\":\"visitor\",\"name\":\"a\\u0007\","
		"\"iss\":\"%s\",\"nbf\":0,\"exp\":9999999999}",
		"{\"v\":1,\"id\":\"abcd\",\"role\":\"visitor\",\"name\":\"A\","
		"\"iss\":\"%s\",\"nbf\":\"0\",\"exp\":9999999999}",
		"{\"v\":1,\"id\":\"abcd\",\"id\":\"efgh\",\"role\":\"visitor\","
		"\"name\":\"A\",\"iss\":\"%s\",\"nbf\":0,\"exp\":9999999999}",
	};
	char kid[KEYS_ID_LEN + 1], body[512], b64[1024], sb64[128];
	char text[2048];
	unsigned char sig[crypto_sign_BYTES];
	size_t i;

	keys_id(f->issuer.pk, kid);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(body, sizeof(body), bodies[i], kid);
#pragma GCC diagnostic pop
		crypto_sign_detached(sig, NULL, (unsigned char *)body,
		    strlen(body), f->issuer.sk);
		sodium_bin2base64(b64, sizeof(b64), (unsigned char *)body,
		    strlen(body), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_bin2base64(sb64, sizeof(sb64), sig, sizeof(sig),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		snprintf(text, sizeof(text), "KP1.%s.%s", b64, sb64);
		expect(f, text, REASON_PASS_FORMAT);
	}
}

static void
test_issue_checks(void **state)
{
	struct fixture *f = *state;
	struct key_pair box;
	struct pass_info info;
	char text[PASS_TEXT_MAX + 1];

	memset(&info, 0, sizeof(info));
	snprintf(info.name, sizeof(info.name), "A");
	info.not_before = 100;
	info.expires = 50;
	assert_int_equal(pass_issue(&f->issuer, &info, text, sizeof(text)),
	    -1);
	info.expires = 200;
	snprintf(info.id, sizeof(info.id), "bad id!");
	assert_int_equal(pass_issue(&f->issuer, &info, text, sizeof(text)),
	    -1);
	info.id[0] = '\0';
	assert_int_equal(pass_issue(&f->issuer, &info, text, sizeof(text)), 0);
	assert_int_equal(strlen(info.id), 16);	/* a random id was made */
	keys_generate(KEY_X25519, &box);
	assert_int_equal(pass_issue(&box, &info, text, sizeof(text)), -1);
	keys_wipe(&box);
}

static void
test_trust_files(void **state)
{
	struct fixture *f = *state;
	char *dir = scratch_new(), *tpath, *rpath, line[KEYS_PUB_TEXT];
	char text[PASS_TEXT_MAX + 1];
	struct pass_trust *t;
	struct pass_info info;
	enum reason r;
	FILE *fp;

	tpath = scratch_path(dir, "trusted-issuers");
	rpath = scratch_path(dir, "revoked-passes");
	keys_format_public(KEY_ED25519, f->issuer.pk, line, sizeof(line));
	fp = fopen(tpath, "w");
	fprintf(fp, "# comment\n\n  %s   ward 1 issuer # trailing\n"
	    "not a key\ned25519:AAAA\n", line);
	fclose(fp);
	fp = fopen(rpath, "w");
	fprintf(fp, "# revoked\nlost-pass-01\n  stolen-02  # note\nx\n");
	fclose(fp);

	t = pass_trust_load(tpath, rpath);
	assert_non_null(t);
	assert_int_equal(pass_trust_count(t), 1);

	issue(f, &f->issuer, PASS_VISITOR, "good-pass", -60, 3600, text,
	    sizeof(text));
	assert_int_equal(pass_verify(t, text, strlen(text), f->now, &info,
	    &r), 0);
	issue(f, &f->issuer, PASS_VISITOR, "stolen-02", -60, 3600, text,
	    sizeof(text));
	assert_int_equal(pass_verify(t, text, strlen(text), f->now, &info,
	    &r), -1);
	assert_int_equal(r, REASON_PASS_REVOKED);
	pass_trust_free(t);

	/* Missing files are empty lists, not errors. */
	t = pass_trust_load("/nonexistent/trust", "/nonexistent/revoked");
	assert_non_null(t);
	assert_int_equal(pass_trust_count(t), 0);
	pass_trust_free(t);

	free(tpath);
	free(rpath);
	scratch_free(dir);
}

static void
test_payload_route(void **state)
{
	struct fixture *f = *state;
	struct payload_opts o = { f->now, f->trust, 0 };
	char text[PASS_TEXT_MAX + 8];
	struct payload p;
	enum reason r;

	issue(f, &f->issuer, PASS_OFFICER, "officer-01", -60, 3600, text,
	    sizeof(text));

	{
		size_t n = strlen(text);

		memcpy(text + n, "\r\n", 3);	/* scanner framing */
	}
	assert_int_equal(payload_parse(&o, text, strlen(text), &p, &r), 0);
	assert_int_equal(p.kind, PAYLOAD_OFFICER);
	assert_string_equal(p.id, "officer-01");
	assert_string_equal(p.display, "Trần Thị Bình");
	payload_wipe(&p);
	issue(f, &f->issuer, PASS_VISITOR, "visitor-01", -60, 3600, text,
	    sizeof(text));
	assert_int_equal(payload_parse(&o, text, strlen(text), &p, &r), 0);
	assert_int_equal(p.kind, PAYLOAD_PASS);
	payload_wipe(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_garbage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_issue_checks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trust_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_payload_route, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
