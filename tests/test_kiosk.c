/*
 * test_kiosk: the kiosk's parts that need no display: HID scanner burst
 * detection, signed venue tokens and receipts, camera pixel conversions on
 * recorded-style YUYV and MJPEG buffers (with and without the Huffman
 * tables webcams leave out), the dir: camera, and the worker from frame to
 * durable check-in.
 */
#include "helpers.h"

#include <sys/stat.h>

#include <jpeglib.h>
#include <sodium.h>

#include "camera.h"
#include "config.h"
#include "decode.h"
#include "image.h"
#include "keys.h"
#include "qr.h"
#include "scanner.h"
#include "store.h"
#include "token.h"
#include "worker.h"

static void
test_scanner(void **state)
{
	struct scanner s;
	char out[64];
	const char *code = "0912345678";
	int64_t t = 1000;
	size_t i;

	(void)state;
	scanner_init(&s);
	/* A scanner: 3 ms a character, then Enter. */
	for (i = 0; code[i]; i++) {
		char c[2] = { code[i], 0 };

		scanner_text(&s, c, t);
		t += 3;
	}
	assert_int_equal(scanner_end(&s, t, out, sizeof(out)), 10);
	assert_string_equal(out, code);

	/* A person: 150 ms a key. */
	for (i = 0; code[i]; i++) {
		char c[2] = { code[i], 0 };

		scanner_text(&s, c, t);
		t += 150;
	}
	assert_int_equal(scanner_end(&s, t, out, sizeof(out)), 0);

	/* A person's slow start, then a scanner burst: only the burst. */
	scanner_text(&s, "9", t);
	t += 400;
	for (i = 0; code[i]; i++) {
		char c[2] = { code[i], 0 };

		scanner_text(&s, c, t);
		t += 2;
	}
	assert_int_equal(scanner_end(&s, t, out, sizeof(out)), 10);
	assert_string_equal(out, code);

	/* Enter long after the burst: not a scan. */
	scanner_text(&s, "0912345678", t);
	assert_int_equal(scanner_end(&s, t + 500, out, sizeof(out)), 0);
	/* Too short to be a code. */
	scanner_text(&s, "12", t);
	assert_int_equal(scanner_end(&s, t + 1, out, sizeof(out)), 0);
	/* Does not fit the caller's buffer. */
	scanner_text(&s, "0912345678", t);
	assert_int_equal(scanner_end(&s, t + 1, out, 5), -1);
	/* Multi-byte UTF-8 from SDL_TEXTINPUT is kept whole. */
	scanner_text(&s, "Nguyễn", t);
	scanner_text(&s, " Văn", t + 1);
	assert_int_equal(scanner_end(&s, t + 2, out, sizeof(out)),
	    (int)strlen("Nguyễn Văn"));
	assert_string_equal(out, "Nguyễn Văn");
}

static void
test_tokens(void **state)
{
	struct key_pair dev, other;
	char url[TOKEN_URL_MAX], venue[65], body[512];
	char rc[TOKEN_RECEIPT_MAX];
	const char *tok;
	int64_t slot;

	(void)state;
	assert_true(sodium_init() >= 0);
	keys_generate(KEY_ED25519, &dev);
	keys_generate(KEY_ED25519, &other);
	assert_int_equal(token_venue_url(&dev, "https://c.example.vn/",
	    "Q1-CAFE-001", 59845000, 30, url, sizeof(url)), 0);
	assert_true(strncmp(url, "https://c.example.vn/c/", 23) == 0);
	tok = url + 23;
	assert_int_equal(token_venue_verify(dev.pk, tok, venue, &slot), 0);
	assert_string_equal(venue, "Q1-CAFE-001");
	assert_int_equal(slot, 59845000);
	assert_int_equal(token_venue_verify(other.pk, tok, venue, &slot), -1);
	/* One character changed anywhere: refused. */
	{
		char bad[TOKEN_URL_MAX];

		snprintf(bad, sizeof(bad), "%s", tok);
		bad[5] = bad[5] == 'A' ? 'B' : 'A';
		assert_int_equal(token_venue_verify(dev.pk, bad, venue, &slot),
		    -1);
	}
	/* Too small a buffer fails cleanly. */
	assert_int_equal(token_venue_url(&dev, "https://c.example.vn",
	    "Q1", 1, 30, url, 20), -1);
	{
		struct venue_token vt;

		assert_int_equal(token_venue_peek(tok, &vt), 0);
		assert_string_equal(vt.venue_id, "Q1-CAFE-001");
		assert_int_equal(vt.slot, 59845000);
		assert_int_equal(vt.period_s, 30);
		keys_id(dev.pk, venue);
		assert_string_equal(vt.device, venue);
		assert_int_equal(token_venue_peek("garbage", &vt), -1);
	}

	assert_int_equal(token_receipt(&dev, "{\"v\":1,\"today\":5}", rc,
	    sizeof(rc)), 0);
	assert_true(strncmp(rc, "KR1.", 4) == 0);
	assert_int_equal(token_receipt_verify(dev.pk, rc, body, sizeof(body)),
	    0);
	assert_string_equal(body, "{\"v\":1,\"today\":5}");
	assert_int_equal(token_receipt_verify(other.pk, rc, body,
	    sizeof(body)), -1);
	rc[6] = rc[6] == 'x' ? 'y' : 'x';
	assert_int_equal(token_receipt_verify(dev.pk, rc, body, sizeof(body)),
	    -1);
	assert_int_equal(token_receipt_verify(dev.pk, "KP1.abc.def", body,
	    sizeof(body)), -1);
	keys_wipe(&dev);
	keys_wipe(&other);
}

/* A 640x480 frame with a QR in the middle, MODULE pixels a module. */
static void
qr_frame(const char *text, int module, struct image *out)
{
	struct image q;
	int x, y, ox, oy;

	assert_true(qr_render(text, module, &q) > 0);
	assert_int_equal(image_init(out, 640, 480), 0);
	memset(out->px, 140, 640 * 480);
	ox = (640 - q.w) / 2;
	oy = (480 - q.h) / 2;
	for (y = 0; y < q.h; y++)
		for (x = 0; x < q.w; x++)
			out->px[(oy + y) * 640 + ox + x] = q.px[y * q.w + x];
	image_release(&q);
}

static int
decodes_to(const struct image *img, const char *want)
{
	struct decoder *d = decoder_new();
	struct decode_result r;
	int ok;

	ok = decoder_scan(d, img, &r) == 1 && strcmp(r.texts[0], want) == 0;
	decode_result_release(&r);
	decoder_free(d);
	return ok;
}

/* Encode IMG as JPEG in memory (as a webcam's MJPEG frame would be). */
static unsigned char *
jpeg_encode(const struct image *img, unsigned long *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *buf = NULL;
	JSAMPROW row;

	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &buf, len);
	c.image_width = (JDIMENSION)img->w;
	c.image_height = (JDIMENSION)img->h;
	c.input_components = 1;
	c.in_color_space = JCS_GRAYSCALE;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 80, TRUE);
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		row = img->px + (size_t)c.next_scanline * (size_t)img->w;
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	return buf;
}

/* Remove every DHT (Huffman table) segment, as MJPEG webcams send. */
static unsigned long
strip_dht(unsigned char *b, unsigned long len)
{
	unsigned long i = 2, o = 2;

	while (i + 4 <= len && b[i] == 0xff && b[i + 1] != 0xda) {
		unsigned long seg = 2 + ((unsigned long)b[i + 2] << 8 |
		    b[i + 3]);

		if (b[i + 1] != 0xc4) {
			memmove(b + o, b + i, seg);
			o += seg;
		}
		i += seg;
	}
	memmove(b + o, b + i, len - i);
	return o + (len - i);
}

static void
test_conversions(void **state)
{
	const char *text = "079095001234||Nguyễn Văn An|14031995|Nam|x|"
	    "20042021";
	struct image src, got = { 0, 0, NULL };
	unsigned char *yuyv, *jpg;
	unsigned long jlen;
	int i;

	(void)state;
	qr_frame(text, 4, &src);

	/* YUYV: Y0 U Y1 V, chroma neutral. */
	yuyv = malloc(640 * 480 * 2);
	for (i = 0; i < 640 * 480; i++) {
		yuyv[2 * i] = src.px[i];
		yuyv[2 * i + 1] = 128;
	}
	assert_int_equal(camera_yuyv_to_grey(yuyv, 640 * 480 * 2, 640, 480,
	    &got), 0);
	assert_memory_equal(got.px, src.px, 640 * 480);
	assert_true(decodes_to(&got, text));
	/* A short buffer (a truncated frame) is refused. */
	assert_int_equal(camera_yuyv_to_grey(yuyv, 1000, 640, 480, &got), -1);
	free(yuyv);

	/* MJPEG with its tables. */
	jpg = jpeg_encode(&src, &jlen);
	assert_int_equal(camera_mjpeg_to_grey(jpg, jlen, &got), 0);
	assert_int_equal(got.w, 640);
	assert_true(decodes_to(&got, text));
	/* Without Huffman tables, as most webcams send MJPEG. */
	jlen = strip_dht(jpg, jlen);
	assert_int_equal(camera_mjpeg_to_grey(jpg, jlen, &got), 0);
	assert_true(decodes_to(&got, text));
	/* A frame cut short or garbage: refused, no crash. */
	assert_int_equal(camera_mjpeg_to_grey(jpg, 100, &got), -1);
	memset(jpg + 2, 0x55, 200);
	assert_int_equal(camera_mjpeg_to_grey(jpg, jlen, &got), -1);
	free(jpg);
	image_release(&got);
	image_release(&src);
}

static void
test_dir_camera(void **state)
{
	char *dir = scratch_new(), *p;
	struct camera_opts o = { 0, 0, 0, 0 };
	struct image img, got = { 0, 0, NULL };
	struct camera *c;
	const char *names[3] = { "b.png", "a.png", "notes.txt" };
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		qr_frame(i == 0 ? "0900000002" : "0900000001", 3, &img);
		p = scratch_path(dir, names[i]);
		assert_int_equal(image_save_png(&img, p), 0);
		free(p);
		image_release(&img);
	}
	p = scratch_path(dir, names[2]);
	fclose(fopen(p, "w"));
	free(p);

	assert_false(camera_spec_valid("dir:"));
	assert_false(camera_spec_valid("usb0"));
	assert_true(camera_spec_valid("v4l2:/dev/video0"));
	assert_true(camera_spec_valid("none"));
	p = scratch_path(dir, "x");
	{
		char spec[600];

		snprintf(spec, sizeof(spec), "dir:%s", dir);
		c = camera_open(spec, &o);
	}
	free(p);
	assert_non_null(c);
	/* Name order: a.png first. */
	assert_int_equal(camera_next(c, &got, 100), 1);
	assert_true(decodes_to(&got, "0900000001"));
	assert_int_equal(camera_next(c, &got, 100), 1);
	assert_true(decodes_to(&got, "0900000002"));
	assert_int_equal(camera_next(c, &got, 100), 2);
	camera_close(c);
	assert_null(camera_open("dir:/nonexistent", &o));
	assert_null(camera_open("v4l2:/dev/nonexistent-video", &o));
	image_release(&got);
	scratch_free(dir);
}

static void
test_worker(void **state)
{
	char *dir = scratch_new(), *frames, *db, spec[600], *p;
	struct worker_opts wo;
	struct worker_event ev;
	struct store_status st;
	struct key_pair auth;
	struct config cfg;
	struct worker *w;
	struct store *s;
	struct image img;
	int results = 0, accepted = 0, rejected = 0, done = 0, i;
	int64_t t0;

	(void)state;
	frames = scratch_path(dir, "frames");
	db = scratch_path(dir, "visits.db");
	mkdir(frames, 0755);
	for (i = 0; i < 3; i++) {
		char name[16];

		qr_frame(i == 2 ? "not a code we know" : i == 0 ?
		    "0911111111" : "0922222222", 4, &img);
		snprintf(name, sizeof(name), "%02d.png", i);
		p = scratch_path(frames, name);
		image_save_png(&img, p);
		free(p);
		image_release(&img);
	}
	config_defaults(&cfg, db);
	keys_generate(KEY_X25519, &auth);
	memcpy(cfg.authority_pk, auth.pk, KEYS_PUB_LEN);
	cfg.have_authority = 1;
	snprintf(spec, sizeof(spec), "dir:%s", frames);
	memset(&wo, 0, sizeof(wo));
	wo.db_path = db;
	wo.config = &cfg;
	wo.camera = spec;
	wo.camera_opts.interval_ms = 20;
	w = worker_start(&wo);
	assert_non_null(w);
	/* And one typed on the keypad meanwhile. */
	assert_int_equal(worker_submit(w, "0933333333", "keypad"), 0);
	t0 = ktime_mono_ms();
	while (!done && ktime_mono_ms() - t0 < 10000) {
		if (!worker_poll(w, &ev)) {
			usleep(5000);
			continue;
		}
		if (ev.type == WORKER_RESULT) {
			results++;
			accepted += ev.out.result == CHECKIN_ACCEPTED;
			rejected += ev.out.result == CHECKIN_REJECTED;
			assert_true(ev.done_ms >= ev.arrived_ms);
		}
		done = ev.type == WORKER_DONE;
	}
	assert_true(done);
	worker_stop(w);
	assert_int_equal(results, 4);
	assert_int_equal(accepted, 3);
	assert_int_equal(rejected, 1);
	s = store_open(db);
	assert_int_equal(store_status(s, ktime_wall_ms(), 21, &st), 0);
	assert_int_equal(st.visits_total, 3);
	assert_int_equal(st.rejects_total, 1);
	assert_true(st.last_heartbeat_ms > 0);
	store_close(s);
	keys_wipe(&auth);
	free(frames);
	free(db);
	scratch_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scanner),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_conversions),
		cmocka_unit_test(test_dir_camera),
		cmocka_unit_test(test_worker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
