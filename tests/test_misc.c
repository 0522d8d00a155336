/*
 * test_misc: the small modules: time text, formula-safe CSV, the settings
 * file, UI strings complete in every language, and QR encode -> decode
 * round trips through the kiosk's decode pipeline.
 */
#include "helpers.h"

#include <sodium.h>

#include "config.h"
#include "csv.h"
#include "decode.h"
#include "image.h"
#include "keys.h"
#include "pace.h"
#include "qr.h"
#include "parsenum.h"
#include "reason.h"
#include "termtext.h"
#include "wardname.h"
#include "hours.h"
#include "i18n.h"

static void
test_ktime(void **state)
{
	int64_t ms;
	char buf[40];

	(void)state;
	assert_int_equal(ktime_parse("1700000000", &ms), 0);
	assert_int_equal(ms, 1700000000000LL);
	assert_int_equal(ktime_parse("2026-11-22T01:02:03Z", &ms), 0);
	assert_int_equal(ms, 1795309323000LL);
	assert_int_equal(ktime_parse("2026-11-22T08:02:03+07:00", &ms), 0);
	assert_int_equal(ms, 1795309323000LL);
	assert_int_equal(ktime_parse("2026-11-22T08:02+0700", &ms), 0);
	assert_int_equal(ms, 1795309320000LL);
	assert_int_equal(ktime_parse("2026-11-22", &ms), 0);
	assert_int_equal(ktime_parse("2026-02-30", &ms), -1);
	assert_int_equal(ktime_parse("2026-13-01", &ms), -1);
	assert_int_equal(ktime_parse("yesterday", &ms), -1);
	assert_int_equal(ktime_parse("", &ms), -1);
	assert_int_equal(ktime_parse("2026-11-22T25:00", &ms), -1);
	assert_int_equal(ktime_parse("2026-11-22T10:00junk", &ms), -1);

	/* Format and parse back. */
	assert_int_equal(ktime_format(1795309323000LL, buf, sizeof(buf)), 0);
	assert_int_equal(ktime_parse(buf, &ms), 0);
	assert_int_equal(ms, 1795309323000LL);
	assert_int_equal(ktime_format(0, buf, 5), -1);
	assert_int_equal(ktime_boot_id(buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 36);
}

/* Write one row of CELLS to a memory file and return it (caller frees). */
static char *
csv_row(const char *const *cells, size_t n)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	for (i = 0; i < n; i++)
		assert_int_equal(csv_cell(f, cells[i], i == 0), 0);
	csv_end(f);
	fclose(f);
	return buf;
}

static void
test_csv(void **state)
{
	static const char *const cells[] = {
		"=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)",
		"\tTab", "\rCR", "plain", "Nguyễn Văn An", "a,b", "say \"hi\"",
		"", "line\nbreak", "1-2",
	};
	char *row;

	(void)state;
	row = csv_row(cells, sizeof(cells) / sizeof(cells[0]));
	assert_string_equal(row,
	    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"'+1\",\"'-2\","
	    "\"'@SUM(A1)\",\"'\tTab\",\"'\rCR\",plain,Nguyễn Văn An,"
	    "\"a,b\",\"say \"\"hi\"\"\",,\"line\nbreak\",1-2\r\n");
	free(row);
}

static void
test_config(void **state)
{
	char *dir = scratch_new(), *db, *path;
	struct config c, back;
	struct key_pair kp;
	const char *why;
	FILE *f;

	(void)state;
	assert_true(sodium_init() >= 0);
	db = scratch_path(dir, "visits.db");
	path = scratch_path(dir, "kiosk.conf");
	config_defaults(&c, db);
	assert_int_equal(c.rescan_window_s, 300);
	assert_int_equal(c.default_stay_min, 60);
	assert_int_equal(c.retention_days, 21);
	assert_string_equal(c.language, "vi");
	assert_non_null(strstr(c.trust_file, "/trusted-issuers"));

	assert_int_equal(config_set(&c, "venue_id", "Q1-CAFE-001", &why), 0);
	assert_int_equal(config_set(&c, "venue_id", "bad id", &why), -1);
	assert_int_equal(config_set(&c, "venue_name", "Cà phê Sài Gòn", &why),
	    0);
	assert_int_equal(config_set(&c, "venue_name", "", &why), -1);
	assert_int_equal(config_set(&c, "rescan_means", "checkout", &why), 0);
	assert_int_equal(config_set(&c, "rescan_means", "maybe", &why), -1);
	assert_int_equal(config_set(&c, "retention_days", "0", &why), -1);
	assert_int_equal(config_set(&c, "retention_days", "30x", &why), -1);
	assert_int_equal(config_set(&c, "default_stay", "90", &why), 0);
	assert_int_equal(config_set(&c, "language", "fr", &why), -1);
	assert_int_equal(config_set(&c, "no_such_key", "1", &why), -1);
	keys_generate(KEY_X25519, &kp);
	memcpy(c.authority_pk, kp.pk, KEYS_PUB_LEN);
	c.have_authority = 1;
	assert_int_equal(config_save(path, &c), 0);

	config_defaults(&back, db);
	assert_int_equal(config_load(path, &back), 0);
	assert_string_equal(back.venue_id, "Q1-CAFE-001");
	assert_string_equal(back.venue_name, "Cà phê Sài Gòn");
	assert_int_equal(back.rescan, STORE_RESCAN_CHECKOUT);
	assert_int_equal(back.default_stay_min, 90);
	assert_int_equal(back.have_authority, 1);
	assert_memory_equal(back.authority_pk, kp.pk, KEYS_PUB_LEN);

	/* A bad line stops the load. */
	f = fopen(path, "a");
	fputs("rescan_window = soon\n", f);
	fclose(f);
	config_defaults(&back, db);
	assert_int_equal(config_load(path, &back), -1);
	/* A venue id without a venue name (found by fuzz_config). */
	f = fopen(path, "w");
	fputs("venue_id = Q1\n", f);
	fclose(f);
	config_defaults(&back, db);
	assert_int_equal(config_load(path, &back), -1);
	/* A missing file too. */
	assert_int_equal(config_load("/nonexistent/kiosk.conf", &back), -1);

	keys_wipe(&kp);
	free(db);
	free(path);
	scratch_free(dir);
}

static void
test_strings_complete(void **state)
{
	static const char *const langs[] = { "vi", "en" };
	struct i18n *s[2];
	char key[64];
	size_t i, k;
	int r;

	(void)state;
	for (i = 0; i < 2; i++) {
		s[i] = i18n_load(i18n_dir(), langs[i]);
		assert_non_null(s[i]);
	}
	/* Every key in each language exists in the other. */
	for (i = 0; i < 2; i++)
		for (k = 0; k < i18n_count(s[i]); k++) {
			const char *key_i = i18n_key(s[i], k);

			if (strcmp(i18n_get(s[1 - i], key_i), key_i) == 0)
				fail_msg("'%s' is in %s.txt but not %s.txt",
				    key_i, langs[i], langs[1 - i]);
		}
	/* Every reject reason has words for the visitor. */
	for (r = 1; r < REASON_COUNT; r++) {
		snprintf(key, sizeof(key), "reason.%s", reason_code(r));
		for (i = 0; i < 2; i++)
			if (strcmp(i18n_get(s[i], key), key) == 0)
				fail_msg("no %s text for %s", langs[i], key);
	}
	/* Vietnamese is really Vietnamese. */
	assert_non_null(strstr(i18n_get(s[0], "reason.pass_expired"),
	    "hết hạn"));
	assert_string_equal(i18n_get(s[0], "no.such.key"), "no.such.key");
	i18n_free(s[0]);
	i18n_free(s[1]);
}

static void
test_qr_roundtrip(void **state)
{
	static const char *const texts[] = {
		"079095001234|023456789|Nguyễn Văn An|14031995|Nam|"
		"12 Đường Số 1, P. Bến Nghé, Q.1, TP. Hồ Chí Minh|20042021",
		"0912345678",
		"KP1.eyJ2IjoxfQ.abc",
	};
	struct decode_result res;
	struct decoder *d = decoder_new();
	struct image img, small;
	size_t i, n;
	int x, y;

	(void)state;
	assert_non_null(d);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		/* Plain: read on the first pass (zxing-cpp). */
		assert_true(qr_render(texts[i], 4, &img) > 0);
		assert_int_equal(decoder_scan(d, &img, &res), 1);
		assert_string_equal(decoder_pass_name(res.pass), "zxing");
		assert_string_equal(res.texts[0], texts[i]);
		decode_result_release(&res);

		/* Inverted (dark mode): read by the inverted pass, in the
		 * same frame. */
		n = (size_t)img.w * (size_t)img.h;
		for (x = 0; (size_t)x < n; x++)
			img.px[x] = (unsigned char)(255 - img.px[x]);
		assert_int_equal(decoder_scan_live(d, &img, &res), 1);
		assert_string_equal(decoder_pass_name(res.pass), "zxing-inv");
		assert_string_equal(res.texts[0], texts[i]);
		decode_result_release(&res);
		image_release(&img);
	}

	/* Tiny: one pixel a module, blurred by a 2x2 box filter. */
	assert_true(qr_render(texts[1], 1, &img) > 0);
	assert_int_equal(image_init(&small, img.w, img.h), 0);
	for (y = 0; y < img.h; y++)
		for (x = 0; x < img.w; x++) {
			int x1 = x + 1 < img.w ? x + 1 : x;
			int y1 = y + 1 < img.h ? y + 1 : y;

			small.px[y * img.w + x] = (unsigned char)((
			    img.px[y * img.w + x] + img.px[y * img.w + x1] +
			    img.px[y1 * img.w + x] + img.px[y1 * img.w + x1]) / 4);
		}
	assert_true(decoder_scan(d, &small, &res) >= 0);
	decode_result_release(&res);

	/* A blank frame reads nothing, quickly. */
	memset(small.px, 200, (size_t)small.w * (size_t)small.h);
	assert_int_equal(decoder_scan(d, &small, &res), 0);
	assert_int_equal(res.pass, 0);
	image_release(&small);
	image_release(&img);
	decoder_free(d);
}

static void
test_image_files(void **state)
{
	char *dir = scratch_new(), *png, *txt;
	struct image img, back;
	FILE *f;

	(void)state;
	png = scratch_path(dir, "code.png");
	txt = scratch_path(dir, "not-an-image.png");
	assert_true(qr_render("0912345678", 3, &img) > 0);
	assert_int_equal(image_save_png(&img, png), 0);
	assert_int_equal(image_load(png, &back), 0);
	assert_int_equal(back.w, img.w);
	assert_memory_equal(back.px, img.px, (size_t)img.w * (size_t)img.h);
	image_release(&back);
	image_release(&img);

	f = fopen(txt, "w");
	fputs("hello", f);
	fclose(f);
	assert_int_equal(image_load(txt, &back), -1);
	assert_int_equal(image_load("/nonexistent.png", &back), -1);
	free(png);
	free(txt);
	scratch_free(dir);
}

/*
 * Found by the attack: venue names with ESC, CR or a right-to-left
 * override reached a patrol's terminal raw. Shown by their numbers;
 * Vietnamese text untouched; a name that holds them is refused at the
 * kiosk's settings.
 */
/* The one number parser: the whole text, in range, or nothing. */
static void
test_parsenum(void **state)
{
	static const char *const bad[] = { "", " 5", "5 ", "+5", "0x10",
	    "5e3", "--5", "-", "9223372036854775808", "1.5", "\xd9\xa5" };
	int64_t v = 77;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parsenum(bad[i], INT64_MIN, INT64_MAX, &v), -1);
		assert_int_equal(v, 77);
	}
	assert_int_equal(parsenum(NULL, 0, 1, &v), -1);
	assert_int_equal(parsenum("-5", -10, 10, &v), 0);
	assert_int_equal(v, -5);
	assert_int_equal(parsenum("9223372036854775807", 0, INT64_MAX, &v), 0);
	assert_int_equal(parsenum("11", 0, 10, &v), -1);
}

static void
test_termtext(void **state)
{
	char out[TERMTEXT_SIZE(64)], small[12];
	struct config c;
	const char *why;

	(void)state;
	assert_string_equal(termtext("Cà phê Sài Gòn", out, sizeof(out)),
	    "Cà phê Sài Gòn");
	assert_string_equal(termtext("a\x1b[2Jb\rc", out, sizeof(out)),
	    "a<U+001B>[2Jb<U+000D>c");
	assert_string_equal(termtext("x\u202egnoS\u2066y", out, sizeof(out)),
	    "x<U+202E>gnoS<U+2066>y");
	assert_string_equal(termtext("\xc2\x9b" "31m", out, sizeof(out)),
	    "<U+009B>31m");
	assert_string_equal(termtext("bad \xff\xfe utf8", out, sizeof(out)),
	    "bad ?? utf8");
	/* Cut at a character, never inside one or an escape. */
	assert_string_equal(termtext("Đường\x1b", small, sizeof(small)),
	    "Đường");
	assert_int_equal(termtext_plain("Phường Bến Nghé"), 1);
	assert_int_equal(termtext_plain("a\tb"), 0);
	assert_int_equal(termtext_plain("a\u202eb"), 0);
	assert_int_equal(termtext_plain("\xff"), 0);
	config_defaults(&c, "/tmp/v.db");
	assert_int_equal(config_set(&c, "venue_name", "Quán\x1b]0;x\x07",
	    &why), -1);
	assert_int_equal(config_set(&c, "venue_name", "Quán \u202eA", &why),
	    -1);
	assert_int_equal(config_set(&c, "venue_name", "Quán Ốc", &why), 0);
}

/* A still scene with sensor noise: grey levels around a texture. */
static void
noisy_scene(struct image *img, unsigned seed, int shift)
{
	int x, y;

	for (y = 0; y < img->h; y++)
		for (x = 0; x < img->w; x++) {
			int v = 90 + ((x + shift) / 17 + y / 13) % 5 * 25;

			seed = seed * 1103515245u + 12345u;
			v += (int)((seed >> 16) % 7) - 3;
			img->px[y * img->w + x] = (unsigned char)v;
		}
}

/*
 * The camera's pace: a still scene is decoded about once a second
 * (first passes only) after the first moments; a frame that changes (a
 * card held up) is decoded at once with the retries, and every frame for
 * a while after; so is everything after a read.
 */
static void
test_pace(void **state)
{
	struct pace p;
	struct image img;
	int64_t t = 1000000;
	int i, full = 0, quick = 0, skip = 0;
	enum pace_verdict v;

	(void)state;
	assert_int_equal(image_init(&img, 640, 480), 0);
	pace_init(&p);
	/* 10 s of a still scene at 25 frames a second. */
	for (i = 0; i < 250; i++, t += 40) {
		noisy_scene(&img, (unsigned)i, 0);
		v = pace_frame(&p, &img, t);
		full += v == PACE_FULL;
		quick += v == PACE_QUICK;
		skip += v == PACE_SKIP;
	}
	assert_int_equal(full, PACE_ACTIVE_MS / 40 + 1);	/* the start */
	assert_true(quick >= 8 && quick <= 9);		/* once a second */
	assert_int_equal(full + quick + skip, 250);
	/* Something moves into view: decoded now, with the retries. */
	noisy_scene(&img, 7, 40);
	assert_int_equal(pace_frame(&p, &img, t), PACE_FULL);
	/* Held still: every frame for PACE_ACTIVE_MS, then idle again. */
	for (i = 1; i * 40 < PACE_ACTIVE_MS; i++)
		assert_int_equal(pace_frame(&p, &img, t + i * 40), PACE_FULL);
	t += (int64_t)i * 40;
	assert_int_equal(pace_frame(&p, &img, t + 200), PACE_SKIP);
	/* A read keeps it decoding every frame. */
	pace_found(&p, t + 240);
	assert_int_equal(pace_frame(&p, &img, t + 280), PACE_FULL);
	image_release(&img);
}

/*
 * Ward names match as people type them: every Vietnamese letter with
 * every tone mark, upper and lower case, precomposed (NFC) or with
 * combining marks (NFD), đ and Ð as d, runs of spaces; and the distance
 * that finds the closest names.
 */
static void
test_ward_key(void **state)
{
	static const char *const same[][2] = {
		{ "Phường Bến Nghé", "phuong ben nghe" },
		{ "PHƯỜNG   BẾN NGHÉ ", "phuong ben nghe" },
		{ "Phu\xcc\x9bo\xcc\x9b\xcc\x80ng Be\xcc\x82\xcc\x81n "
		    "Nghe\xcc\x81", "phuong ben nghe" },	/* NFD */
		{ "Phường Đa Kao", "phuong da kao" },
		{ "Phường Ða Kao", "phuong da kao" },	/* Ð for Đ */
		{ "Xã Quỳnh Lưu", "xa quynh luu" },
		{ "Phường 12", "phuong 12" },
	};
	static const char *const letters =
	    "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợ"
	    "uùúủũụưừứửữựyỳýỷỹỵđAÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊ"
	    "OÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ";
	char key[WARD_KEY_MAX], one[8];
	const char *p = letters;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(ward_key(same[i][0], key, sizeof(key)), 0);
		assert_string_equal(key, same[i][1]);
	}
	/* Each letter alone is one plain letter of aeiouyd. */
	while (*p != '\0') {
		size_t n = 1;

		while (((unsigned char)p[n] & 0xc0) == 0x80)
			n++;
		memcpy(one, p, n);
		one[n] = '\0';
		assert_int_equal(ward_key(one, key, sizeof(key)), 0);
		if (strlen(key) != 1 || strchr("aeiouyd", key[0]) == NULL)
			fail_msg("'%s' keyed as '%s'", one, key);
		p += n;
	}
	assert_int_equal(ward_key("Ph\xffng", key, sizeof(key)), -1);
	assert_int_equal(ward_key("Phường Bến Nghé", key, 4), -1);
	assert_int_equal(ward_distance("phuong ben nghe", "phuong ben nge"), 1);
	assert_int_equal(ward_distance("phuong da kao", "phuong da kao"), 0);
	assert_true(ward_distance("phuong ben nghe", "xa quynh luu") > 5);
}

/* MS of local DAY (2026-11-16 is a Monday) at HH:MM. */
static int64_t
local_ms(int day, int hh, int mm)
{
	char text[40];
	int64_t ms;

	snprintf(text, sizeof(text), "2026-11-%02dT%02d:%02d:00", 16 + day, hh,
	    mm);
	assert_int_equal(ktime_parse(text, &ms), 0);
	return ms;
}

/*
 * Opening hours as owners write them: every day, two ranges, per
 * weekday, past midnight; refused with a reason when they are not hours.
 */
static void
test_hours(void **state)
{
	static const char *const bad[] = { "7:00-22:00", "07:00", "07:00-25:00",
	    "07:00-07:00", "mon-fry 07:00-22:00", "07:00-22:00;", "24:00-01:00",
	    "07:00-22:00 sat", "07:60-22:00" };
	struct hours h;
	const char *why;
	size_t i;

	(void)state;
	assert_int_equal(hours_parse("", &h, &why), 0);
	assert_true(h.always && hours_open_at(&h, local_ms(0, 3, 0)));
	assert_int_equal(hours_parse("07:00-22:00", &h, &why), 0);
	assert_false(hours_open_at(&h, local_ms(0, 6, 59)));
	assert_true(hours_open_at(&h, local_ms(0, 7, 0)));
	assert_true(hours_open_at(&h, local_ms(6, 21, 59)));
	assert_false(hours_open_at(&h, local_ms(6, 22, 0)));
	assert_int_equal(hours_open_ms(&h, local_ms(0, 0, 0), local_ms(1, 0,
	    0)), 15 * 3600000LL);
	assert_int_equal(hours_parse("07:00-11:00, 13:00-22:00", &h, &why), 0);
	assert_false(hours_open_at(&h, local_ms(2, 12, 0)));
	assert_true(hours_open_at(&h, local_ms(2, 13, 30)));
	assert_int_equal(hours_parse("mon-fri 07:00-22:00; sat,sun "
	    "08:00-01:00", &h, &why), 0);
	assert_false(hours_open_at(&h, local_ms(4, 23, 0)));	/* Friday */
	assert_true(hours_open_at(&h, local_ms(5, 23, 30)));	/* Saturday */
	assert_true(hours_open_at(&h, local_ms(6, 0, 30)));	/* its night */
	/* Sunday's night goes into Monday, to 01:00. */
	assert_true(hours_open_at(&h, local_ms(0, 0, 30)));
	assert_false(hours_open_at(&h, local_ms(0, 1, 0)));
	assert_false(hours_open_at(&h, local_ms(6, 1, 30)));
	assert_int_equal(hours_parse("sun 18:00-02:00", &h, &why), 0);
	assert_true(hours_open_at(&h, local_ms(7, 1, 0)));	/* Monday 01:00 */
	assert_false(hours_open_at(&h, local_ms(7, 2, 0)));
	/* At the venue's own offset: 01:30 UTC is 08:30 in UTC+7. */
	assert_int_equal(hours_parse("08:00-09:00", &h, &why), 0);
	h.have_offset = 1;
	h.offset_min = 420;
	assert_true(hours_open_at(&h, 1795311000000LL + 0));	/* 2026-11-22
								 * 01:30Z */
	h.offset_min = 0;
	assert_false(hours_open_at(&h, 1795311000000LL));
	assert_int_equal(hours_parse("00:00-24:00", &h, &why), 0);
	assert_true(hours_open_at(&h, local_ms(3, 23, 59)));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (hours_parse(bad[i], &h, &why) == 0)
			fail_msg("'%s' taken as hours", bad[i]);
		assert_non_null(why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ktime),
		cmocka_unit_test(test_pace),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_termtext),
		cmocka_unit_test(test_ward_key),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_parsenum),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_strings_complete),
		cmocka_unit_test(test_qr_roundtrip),
		cmocka_unit_test(test_image_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
