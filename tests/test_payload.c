/*
 * test_payload: every input rule and every format rule of DESIGN.md
 * section 4, each with cases that pass and cases that must not. Cases are
 * data: one table per format.
 */
#include "helpers.h"

#include "payload.h"
#include "reason.h"

/* Local noon on 2026-11-22: "today" for every date check below. */
#define NOW "2026-11-22T12:00:00"

struct tcase {
	const char *text;
	enum reason want;	/* REASON_NONE: accepted */
	const char *id;		/* the subject id expected when accepted */
};

static struct payload_opts opts;

static int
setup(void **state)
{
	(void)state;
	opts.now_ms = at(NOW);
	opts.trust = NULL;
	return 0;
}

static void
run_table(const struct tcase *cases, size_t n, enum payload_kind kind)
{
	struct payload p;
	enum reason r;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		r = REASON_NONE;
		rc = payload_parse(&opts, cases[i].text, strlen(cases[i].text),
		    &p, &r);
		if (cases[i].want == REASON_NONE) {
			if (rc != 0)
				fail_msg("case %zu \"%s\": refused (%s)", i,
				    cases[i].text, reason_code(r));
			assert_int_equal(p.kind, kind);
			if (cases[i].id != NULL)
				assert_string_equal(p.id, cases[i].id);
		} else if (rc == 0 || r != cases[i].want) {
			fail_msg("case %zu \"%s\": want %s, got %s", i,
			    cases[i].text, reason_code(cases[i].want),
			    rc == 0 ? "accepted" : reason_code(r));
		}
		payload_wipe(&p);
	}
}

#define ADDR "12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh"

static const struct tcase cccd_cases[] = {
	/* The brief's synthetic example. */
	{ "079095001234|023456789|Nguyễn Văn An|14031995|Nam|" ADDR
	  "|20042021", REASON_NONE, "079095001234" },
	/* Empty old ID. */
	{ "079095001234||Nguyễn Văn An|14031995|Nam|" ADDR "|20042021",
	  REASON_NONE, "079095001234" },
	/* 12-digit old ID. */
	{ "079095001234|079095001111|Nguyễn Văn An|14031995|Nam|" ADDR
	  "|20042021", REASON_NONE, NULL },
	/* 6-field form with no old ID. */
	{ "079095001234|Nguyễn Văn An|14031995|Nam|" ADDR "|20042021",
	  REASON_NONE, "079095001234" },
	/* 2024 card: 11 fields, trailing empties. */
	{ "079095001234|023456789|Nguyễn Văn An|14031995|Nam|" ADDR
	  "|20042021||||", REASON_NONE, "079095001234" },
	/* Female, born in the 2000s: digit 4 = 3. */
	{ "001305000001||Lê Thị Cúc|01012005|Nữ|Hà Nội|02022022",
	  REASON_NONE, "001305000001" },
	/* Male 2000s: digit 4 = 2; 29 Feb of a leap year. */
	{ "001204000002||Phạm Minh|29022004|Nam|Hà Nội|01032021",
	  REASON_NONE, NULL },
	/* Female 1900s: digit 4 = 1. Upper-case gender. */
	{ "001180000003||Đỗ Thị Hoa|05061980|NỮ|Hà Nội|01032021",
	  REASON_NONE, NULL },
	/* Decomposed (NFD) "Nữ" is normalised to NFC before the check. */
	{ "001180000003||Đỗ Thị Hoa|05061980|Nu\xcc\x9b\xcc\x83|Hà Nội|"
	  "01032021", REASON_NONE, NULL },
	/* Issued today is fine. */
	{ "079095001234||Nguyễn Văn An|14031995|Nam|x|22112026",
	  REASON_NONE, NULL },
	/* Unknown province 003: a warning, still accepted. */
	{ "003095001234||Nguyễn Văn An|14031995|Nam|x|20042021",
	  REASON_NONE, "003095001234" },

	/* ID: 12 digits. */
	{ "07909500123||Nguyễn Văn An|14031995|Nam|x|20042021",
	  REASON_CCCD_ID, NULL },
	{ "0790950012345||Nguyễn Văn An|14031995|Nam|x|20042021",
	  REASON_CCCD_ID, NULL },
	/* Old ID: empty, 9 or 12 digits. */
	{ "079095001234|12345678|Nguyễn Văn An|14031995|Nam|x|20042021",
	  REASON_CCCD_OLD_ID, NULL },
	{ "079095001234|12345678a|Nguyễn Văn An|14031995|Nam|x|20042021",
	  REASON_CCCD_OLD_ID, NULL },
	{ "079095001234|1234567890|Nguyễn Văn An|14031995|Nam|x|20042021",
	  REASON_CCCD_OLD_ID, NULL },
	/* Name present. */
	{ "079095001234|||14031995|Nam|x|20042021", REASON_CCCD_NAME, NULL },
	/* DOB real and not in the future. */
	{ "079095001234||An|31021995|Nam|x|20042021", REASON_CCCD_DOB, NULL },
	{ "079095001234||An|29021995|Nam|x|20042021", REASON_CCCD_DOB, NULL },
	{ "079095001234||An|1403199|Nam|x|20042021", REASON_CCCD_DOB, NULL },
	{ "079095001234||An|14131995|Nam|x|20042021", REASON_CCCD_DOB, NULL },
	{ "079227001234||An|01012027|Nam|x|20042021", REASON_CCCD_DOB, NULL },
	/* Gender text. */
	{ "079095001234||An|14031995|Male|x|20042021", REASON_CCCD_GENDER,
	  NULL },
	/* Digit 4 parity against the gender field. */
	{ "079095001234||An|14031995|Nữ|x|20042021",
	  REASON_CCCD_GENDER_MISMATCH, NULL },
	{ "079195001234||An|14031995|Nam|x|20042021",
	  REASON_CCCD_GENDER_MISMATCH, NULL },
	/* Digit 4 century and digits 5-6 year against the DOB. */
	{ "079096001234||An|14031995|Nam|x|20042021",
	  REASON_CCCD_YEAR_MISMATCH, NULL },
	{ "079295001234||An|14031995|Nam|x|20042021",
	  REASON_CCCD_YEAR_MISMATCH, NULL },
	/* Issue date real, after DOB, not in the future. */
	{ "079095001234||An|14031995|Nam|x|31042021",
	  REASON_CCCD_ISSUE_DATE, NULL },
	{ "079095001234||An|14031995|Nam|x|14031995",
	  REASON_CCCD_ISSUE_DATE, NULL },
	{ "079095001234||An|14031995|Nam|x|01011990",
	  REASON_CCCD_ISSUE_DATE, NULL },
	{ "079095001234||An|14031995|Nam|x|23112026",
	  REASON_CCCD_ISSUE_DATE, NULL },
	/* Field counts: 5 and 12 are neither form; past 12 is not a card. */
	{ "079095001234|An|14031995|Nam|x", REASON_CCCD_FIELDS, NULL },
	{ "079095001234||An|14031995|Nam|x|20042021|||||",
	  REASON_CCCD_FIELDS, NULL },
	{ "079095001234||An|14031995|Nam|x|20042021||||||",
	  REASON_UNKNOWN_FORMAT, NULL },
};

static void
test_cccd(void **state)
{
	(void)state;
	run_table(cccd_cases, sizeof(cccd_cases) / sizeof(cccd_cases[0]),
	    PAYLOAD_CCCD);
}

static void
test_cccd_fields(void **state)
{
	const char *t = "079095001234|023456789|Nguyễn Văn An|14031995|Nam|"
	    ADDR "|20042021";
	struct payload p;
	enum reason r;
	char *json;

	(void)state;
	assert_int_equal(payload_parse(&opts, t, strlen(t), &p, &r), 0);
	assert_string_equal(p.name, "Nguyễn Văn An");
	assert_string_equal(p.display, "Nguyễn Văn An");
	assert_string_equal(p.old_id, "023456789");
	assert_string_equal(p.dob, "14031995");
	assert_string_equal(p.gender, "Nam");
	assert_string_equal(p.address, ADDR);
	assert_string_equal(p.issue_date, "20042021");
	assert_int_equal(p.warnings, 0);
	json = payload_personal_json(&p);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"name\":\"Nguyễn Văn An\""));
	assert_null(strstr(json, "079095001234"));	/* the id is not personal-sealed */
	free(json);
	payload_wipe(&p);

	t = "003095001234||An|14031995|Nam|x|20042021";
	assert_int_equal(payload_parse(&opts, t, strlen(t), &p, &r), 0);
	assert_int_equal(p.warnings & PAYLOAD_WARN_PROVINCE,
	    PAYLOAD_WARN_PROVINCE);
}

static const struct tcase pccovid_cases[] = {
	{ "******123456|NGUYEN VAN AN|1995-**-**|1|a1b2c3d4e5f6|",
	  REASON_NONE, "a1b2c3d4e5f6" },
	{ "079095001234|NGUYEN VAN AN|1995-03-14|1|QID-0001|ext",
	  REASON_NONE, "QID-0001" },
	{ "******789|TRAN THI B|1990-06-**|2|0123456789abcdef|",
	  REASON_NONE, NULL },
	{ "C1234567|JOHN SMITH|1980-01-01|3|q1w2e3r4|", REASON_NONE, NULL },

	{ "*******23456|NGUYEN VAN AN|1995-**-**|1|a1b2c3d4e5f6|",
	  REASON_PCCOVID_DOC, NULL },
	{ "******|NGUYEN VAN AN|1995-**-**|1|a1b2c3d4e5f6|",
	  REASON_PCCOVID_DOC, NULL },
	{ "12*456789|NGUYEN VAN AN|1995-**-**|1|a1b2c3d4e5f6|",
	  REASON_PCCOVID_DOC, NULL },
	{ "******123456|Nguyen Van An|1995-**-**|1|a1b2c3d4e5f6|",
	  REASON_PCCOVID_NAME, NULL },
	{ "******123456|NGUYỄN VĂN AN|1995-**-**|1|a1b2c3d4e5f6|",
	  REASON_PCCOVID_NAME, NULL },
	{ "******123456||1995-**-**|1|a1b2c3d4e5f6|", REASON_PCCOVID_NAME,
	  NULL },
	{ "******123456|NGUYEN VAN AN|1995-13-**|1|a1b2c3d4e5f6|",
	  REASON_PCCOVID_DOB, NULL },
	{ "******123456|NGUYEN VAN AN|1995-02-30|1|a1b2c3d4e5f6|",
	  REASON_PCCOVID_DOB, NULL },
	{ "******123456|NGUYEN VAN AN|1995-**-14|1|a1b2c3d4e5f6|",
	  REASON_PCCOVID_DOB, NULL },
	{ "******123456|NGUYEN VAN AN|2030-01-01|1|a1b2c3d4e5f6|",
	  REASON_PCCOVID_DOB, NULL },
	{ "******123456|NGUYEN VAN AN|1995-**-**|x|a1b2c3d4e5f6|",
	  REASON_PCCOVID_TYPE, NULL },
	{ "******123456|NGUYEN VAN AN|1995-**-**|1|abc|",
	  REASON_PCCOVID_QID, NULL },
	{ "******123456|NGUYEN VAN AN|1995-**-**|1|abc def ghi|",
	  REASON_PCCOVID_QID, NULL },
};

static void
test_pccovid(void **state)
{
	(void)state;
	run_table(pccovid_cases,
	    sizeof(pccovid_cases) / sizeof(pccovid_cases[0]), PAYLOAD_PCCOVID);
}

static const struct tcase phone_cases[] = {
	{ "0912345678", REASON_NONE, "0912345678" },
	{ "0312345678", REASON_NONE, "0312345678" },
	{ "0512345678", REASON_NONE, NULL },
	{ "0712345678", REASON_NONE, NULL },
	{ "0812345678", REASON_NONE, NULL },
	{ "+84912345678", REASON_NONE, "0912345678" },
	{ "84912345678", REASON_NONE, "0912345678" },
	{ "+84 91 234 5678", REASON_NONE, "0912345678" },
	{ "091.234.5678", REASON_NONE, "0912345678" },

	{ "0112345678", REASON_PHONE, NULL },
	{ "0212345678", REASON_PHONE, NULL },
	{ "0412345678", REASON_PHONE, NULL },
	{ "0612345678", REASON_PHONE, NULL },
	{ "091234567", REASON_PHONE, NULL },
	{ "09123456789", REASON_PHONE, NULL },
	{ "+1 650 555 1234", REASON_PHONE, NULL },
	{ "+849123456789", REASON_PHONE, NULL },
};

static void
test_phone(void **state)
{
	struct payload p;
	enum reason r;

	(void)state;
	run_table(phone_cases, sizeof(phone_cases) / sizeof(phone_cases[0]),
	    PAYLOAD_PHONE);
	assert_int_equal(payload_parse(&opts, "0912345678", 10, &p, &r), 0);
	assert_string_equal(p.display, "091***5678");
}

static void
test_input_rules(void **state)
{
	char big[PAYLOAD_MAX_BYTES + 10];
	struct payload p;
	enum reason r;
	const char *t;

	(void)state;
	/* BOM and CR/LF framing from HID scanners is stripped. */
	t = "\xef\xbb\xbf" "0912345678\r\n";
	assert_int_equal(payload_parse(&opts, t, strlen(t), &p, &r), 0);
	assert_string_equal(p.id, "0912345678");

	assert_int_equal(payload_parse(&opts, "", 0, &p, &r), -1);
	assert_int_equal(r, REASON_EMPTY);
	assert_int_equal(payload_parse(&opts, "\r\n", 2, &p, &r), -1);
	assert_int_equal(r, REASON_EMPTY);

	/* Exactly the limit is read; one byte more is refused. */
	memset(big, 'a', sizeof(big));
	assert_int_equal(payload_parse(&opts, big, PAYLOAD_MAX_BYTES, &p, &r),
	    -1);
	assert_int_equal(r, REASON_UNKNOWN_FORMAT);
	assert_int_equal(payload_parse(&opts, big, PAYLOAD_MAX_BYTES + 1, &p,
	    &r), -1);
	assert_int_equal(r, REASON_TOO_LONG);

	/* Invalid UTF-8: a lone continuation byte, an overlong form. */
	assert_int_equal(payload_parse(&opts, "09\x80" "12", 5, &p, &r), -1);
	assert_int_equal(r, REASON_BAD_UTF8);
	assert_int_equal(payload_parse(&opts, "\xc0\xaf", 2, &p, &r), -1);
	assert_int_equal(r, REASON_BAD_UTF8);

	/* NUL, other C0 controls, DEL and C1 controls. */
	assert_int_equal(payload_parse(&opts, "0912\0" "345678", 11, &p, &r),
	    -1);
	assert_int_equal(r, REASON_CONTROL_CHARS);
	assert_int_equal(payload_parse(&opts, "0912\t345678", 11, &p, &r), -1);
	assert_int_equal(r, REASON_CONTROL_CHARS);
	assert_int_equal(payload_parse(&opts, "0912\x7f" "45678", 10, &p, &r),
	    -1);
	assert_int_equal(r, REASON_CONTROL_CHARS);
	assert_int_equal(payload_parse(&opts, "ab\xc2\x85" "cd", 6, &p, &r),
	    -1);
	assert_int_equal(r, REASON_CONTROL_CHARS);
	/* A CR inside (not trailing) is a control character. */
	assert_int_equal(payload_parse(&opts, "0912\r345678", 11, &p, &r), -1);
	assert_int_equal(r, REASON_CONTROL_CHARS);

	/* Plain text that is none of the formats. */
	t = "https://example.com/";
	assert_int_equal(payload_parse(&opts, t, strlen(t), &p, &r), -1);
	assert_int_equal(r, REASON_UNKNOWN_FORMAT);
	t = "a|b|c";
	assert_int_equal(payload_parse(&opts, t, strlen(t), &p, &r), -1);
	assert_int_equal(r, REASON_UNKNOWN_FORMAT);

	/* A pass with no trust list is refused as from an unknown issuer. */
	t = "KP1.abc.def";
	assert_int_equal(payload_parse(&opts, t, strlen(t), &p, &r), -1);
	assert_int_equal(r, REASON_PASS_UNKNOWN_ISSUER);
}

static void
test_clean_nfc(void **state)
{
	char out[PAYLOAD_MAX_BYTES + 1];
	enum reason r;

	(void)state;
	/* "ữ" decomposed (u + horn + tilde) becomes one code point. */
	assert_int_equal(payload_clean("Nu\xcc\x9b\xcc\x83", 6, out,
	    sizeof(out), &r), 4);
	assert_string_equal(out, "Nữ");
}

static void
test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(payload_kind_name(PAYLOAD_CCCD), "cccd");
	assert_string_equal(payload_kind_name(PAYLOAD_PCCOVID), "pccovid");
	assert_string_equal(payload_kind_name(PAYLOAD_PASS), "pass");
	assert_string_equal(payload_kind_name(PAYLOAD_OFFICER), "officer");
	assert_string_equal(payload_kind_name(PAYLOAD_PHONE), "phone");
	assert_int_equal(reason_from_code("pass_expired"), REASON_PASS_EXPIRED);
	assert_int_equal(reason_from_code("nope"), REASON_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_cccd, setup),
		cmocka_unit_test_setup(test_cccd_fields, setup),
		cmocka_unit_test_setup(test_pccovid, setup),
		cmocka_unit_test_setup(test_phone, setup),
		cmocka_unit_test_setup(test_input_rules, setup),
		cmocka_unit_test_setup(test_clean_nfc, setup),
		cmocka_unit_test_setup(test_kind_names, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
