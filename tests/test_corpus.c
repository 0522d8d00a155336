/*
 * test_corpus: generated realistic texts (tests/gen.h) encoded with
 * libqrencode at several module sizes, error-correction levels and segment
 * modes, read back with the kiosk's own decode pipeline and each decoder
 * alone, byte for byte, then checked in through the kiosk's one check-in
 * path: every one must be accepted.
 *
 * KIOSK_CORPUS_N sets how many (default 600); `make bench` runs 5,000.
 */
#include "helpers.h"

#include <sodium.h>

#include "checkin.h"
#include "config.h"
#include "decode.h"
#include "gen.h"
#include "keys.h"
#include "log.h"
#include "pass.h"
#include "qr.h"
#include "store.h"

static const int scales[] = { 2, 3, 4, 6 };

static unsigned
corpus_n(void)
{
	const char *e = getenv("KIOSK_CORPUS_N");
	char *end;
	long n;

	if (e == NULL || *e == '\0')
		return 600;
	n = strtol(e, &end, 10);
	return *end == '\0' && n > 0 && n <= 1000000 ? (unsigned)n : 600;
}

/* IMG with a little contrast loss and sensor noise: what a webcam gives
 * of a sharp code. */
static void
noisy(struct image *img, struct gen *g)
{
	size_t i, n = (size_t)img->w * (size_t)img->h;

	for (i = 0; i < n; i++) {
		int v = img->px[i] ? 225 : 30;

		v += (int)gen_next(g, 21) - 10;
		img->px[i] = (unsigned char)v;
	}
}

static double
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Read N generated codes with PIPELINE (NULL: the kiosk's default) and,
 * when CHECKIN, check each in. Fails on the first text not read byte for
 * byte or not accepted.
 */
static void
run_corpus(const char *pipeline, unsigned n, int checkin)
{
	struct gen g;
	struct decoder *d = decoder_new();
	struct config cfg;
	struct key_pair authority;
	struct pass_trust *trust = pass_trust_new();
	struct store *s = NULL;
	struct checkin_ctx ctx;
	char *dir = scratch_new(), *path = scratch_path(dir, "visits.db");
	char text[2048];
	unsigned i, exact = 0, accepted = 0, kinds[GEN_KINDS] = { 0 };
	int64_t now = at("2026-11-22T10:00:00");
	double t0 = ms_now(), worst = 0;

	assert_non_null(d);
	assert_int_equal(gen_init(&g, 20261201), 0);
	if (pipeline != NULL)
		assert_int_equal(decoder_set_pipeline(d, pipeline), 0);
	config_defaults(&cfg, path);
	keys_generate(KEY_X25519, &authority);
	memcpy(cfg.authority_pk, authority.pk, KEYS_PUB_LEN);
	cfg.have_authority = 1;
	pass_trust_add(trust, g.issuer.pk);
	if (checkin) {
		s = store_open(path);
		assert_non_null(s);
	}
	ctx.store = s;
	ctx.config = &cfg;
	ctx.trust = trust;
	for (i = 0; i < n; i++) {
		enum gen_kind kind = gen_kind_for(i);
		struct decode_result res;
		struct image img;
		int len = gen_text(&g, kind, text, sizeof(text));
		double f;

		assert_true(len > 0);
		assert_true(qr_render_opts(text, scales[i % 4],
		    (enum qr_ec)((i / 4) % 4), (i / 16) % 2, &img) > 0);
		if (i % 3 == 0)
			noisy(&img, &g);
		f = ms_now();
		assert_true(decoder_scan(d, &img, &res) >= 0);
		f = ms_now() - f;
		if (f > worst)
			worst = f;
		if (res.n != 1 || res.lens[0] != (size_t)len ||
		    memcmp(res.texts[0], text, (size_t)len) != 0) {
			print_error("text %u (%s, %d px a module, EC %d, %s) "
			    "read as %zu texts: '%.*s'\n  want '%s'\n", i,
			    pipeline ? pipeline : "default", scales[i % 4],
			    (i / 4) % 4, (i / 16) % 2 ? "mixed" : "8-bit",
			    res.n, res.n ? (int)res.lens[0] : 0,
			    res.n ? res.texts[0] : "", text);
			fail();
		}
		exact++;
		if (checkin) {
			struct checkin_out out;

			assert_int_equal(checkin_scan(&ctx, res.texts[0],
			    res.lens[0], "camera", now + i * 1000, &out), 0);
			if (out.result != CHECKIN_ACCEPTED) {
				print_error("text %u not accepted (result %d, "
				    "reason %s): '%s'\n", i, out.result,
				    reason_code(out.reason), text);
				fail();
			}
			accepted++;
			kinds[kind]++;
		}
		decode_result_release(&res);
		image_release(&img);
	}
	print_message("corpus (%s): %u/%u generated texts read exactly; "
	    "%.2f ms a code on average, slowest %.1f ms", pipeline ?
	    pipeline : "kiosk pipeline", exact, n, (ms_now() - t0) / n, worst);
	if (checkin)
		print_message("; %u/%u accepted (%u CCCD, %u PC-Covid, %u "
		    "passes, %u phones)", accepted, n, kinds[GEN_CCCD],
		    kinds[GEN_PCCOVID], kinds[GEN_PASS], kinds[GEN_PHONE]);
	print_message("\n");
	store_close(s);
	pass_trust_free(trust);
	keys_wipe(&authority);
	gen_release(&g);
	decoder_free(d);
	free(path);
	scratch_free(dir);
}

/* The kiosk's pipeline, then every text through check-in. */
static void
test_corpus_kiosk(void **state)
{
	run_corpus(NULL, corpus_n(), 1);
}

/* Each decoder alone hands back the bytes: zbar in binary mode... */
static void
test_corpus_zbar_bytes(void **state)
{
	run_corpus("zbar", corpus_n() / 2, 0);
}

/* ...and zxing-cpp. */
static void
test_corpus_zxing_bytes(void **state)
{
	run_corpus("zxing", corpus_n() / 2, 0);
}

/* Over a run of names, every vowel form (12 vowels x 6 tones x 2 cases)
 * and đ/Đ appear in the CCCD texts. */
static void
test_corpus_covers_vowels(void **state)
{
	struct gen g;
	char text[2048], *all = calloc(1, 1 << 20);
	size_t used = 0;
	unsigned i;

	assert_non_null(all);
	assert_int_equal(gen_init(&g, 7), 0);
	for (i = 0; i < GEN_VOWEL_FORMS; i++) {
		int len = gen_text(&g, GEN_CCCD, text, sizeof(text));

		assert_true(len > 0 && used + (size_t)len + 1 < (1 << 20));
		memcpy(all + used, text, (size_t)len + 1);
		used += (size_t)len;
	}
	for (i = 0; i < GEN_VOWEL_FORMS; i++)
		if (strstr(all, gen_vowel_form(i)) == NULL) {
			print_error("vowel form '%s' missing\n",
			    gen_vowel_form(i));
			fail();
		}
	assert_non_null(strstr(all, "đ"));
	assert_non_null(strstr(all, "Đ"));
	assert_non_null(strstr(all, "|Nữ|"));
	assert_non_null(strstr(all, "|Nam|"));
	gen_release(&g);
	free(all);
}

/*
 * A code whose bytes are not UTF-8 (Latin-1 or Shift-JIS from an old
 * encoder) is read as its bytes and refused as bad UTF-8: nothing is
 * guessed, nothing is stored.
 */
static void
test_corpus_not_utf8_refused(void **state)
{
	static const char *const bad[] = {
		"079095001234||Nguy\xeAn V\xe3n An|14031995|Nam|12 L\xea L\xf3i|"
		    "20042021",
		"\x83\x6f\x81\x5b\x83\x57\x83\x87\x83\x93",
	};
	struct decoder *d = decoder_new();
	char *dir = scratch_new(), *path = scratch_path(dir, "visits.db");
	struct config cfg;
	struct store *s = store_open(path);
	struct checkin_ctx ctx = { s, &cfg, NULL };
	struct key_pair authority;
	size_t i;

	assert_non_null(d);
	assert_non_null(s);
	config_defaults(&cfg, path);
	keys_generate(KEY_X25519, &authority);
	memcpy(cfg.authority_pk, authority.pk, KEYS_PUB_LEN);
	cfg.have_authority = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *pipes[2] = { "zbar", "zxing" };
		size_t p;

		for (p = 0; p < 2; p++) {
			struct decode_result res;
			struct checkin_out out;
			struct image img;

			assert_int_equal(decoder_set_pipeline(d, pipes[p]), 0);
			assert_true(qr_render(bad[i], 4, &img) > 0);
			assert_int_equal(decoder_scan(d, &img, &res), 1);
			assert_int_equal(res.lens[0], strlen(bad[i]));
			assert_memory_equal(res.texts[0], bad[i], res.lens[0]);
			assert_int_equal(checkin_scan(&ctx, res.texts[0],
			    res.lens[0], "camera", at("2026-11-22T10:00:00"),
			    &out), 0);
			assert_int_equal(out.result, CHECKIN_REJECTED);
			assert_int_equal(out.reason, REASON_BAD_UTF8);
			decode_result_release(&res);
			image_release(&img);
		}
	}
	store_close(s);
	assert_false(file_contains(path, "Nguy"));
	keys_wipe(&authority);
	decoder_free(d);
	free(path);
	scratch_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_covers_vowels),
		cmocka_unit_test(test_corpus_kiosk),
		cmocka_unit_test(test_corpus_zbar_bytes),
		cmocka_unit_test(test_corpus_zxing_bytes),
		cmocka_unit_test(test_corpus_not_utf8_refused),
	};

	log_set_level(LOG_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
