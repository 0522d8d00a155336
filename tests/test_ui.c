/*
 * test_ui: every screen, in both languages, at 800x480 (7" panel),
 * 1920x1080 and 480x800 (portrait), rendered with SDL's offscreen driver
 * and saved as PNG under $TEST_OUT/screens (default build/test-output).
 *
 * What a test can check, it does: no text had to be clipped; an answer
 * screen is the colour it should be; the venue QR read back from the
 * screenshot is the signed URL and verifies against the device key; the
 * patrol receipt read back verifies; touch, keypad typing and a HID
 * scanner burst drive the screens as a person would.
 */
#include "helpers.h"

#include <sys/stat.h>

#include <SDL.h>
#include <sodium.h>

#include "decode.h"
#include "image.h"
#include "keys.h"
#include "token.h"
#include "ui.h"

struct fake {
	struct key_pair device;
	char submitted[256];
	char source[16];
	int submits;
	int64_t purged;
};

static struct fake fk;
static char outdir[512];
static int jobs_manual;		/* rig_open: jobs run in ui_settle() only */

static void
f_submit(void *d, const char *text, const char *source)
{
	(void)d;
	snprintf(fk.submitted, sizeof(fk.submitted), "%s", text);
	snprintf(fk.source, sizeof(fk.source), "%s", source);
	fk.submits++;
}

static int
f_status(void *d, struct screen_status *o)
{
	(void)d;
	o->today = 128;
	o->total = 5321;
	o->pending = 17;
	o->last_upload_ms = 0;
	o->online = 0;
	return 0;
}

static int
f_patrol(void *d, struct screen_patrol *o)
{
	(void)d;
	snprintf(o->venue, sizeof(o->venue), "Cà phê Sài Gòn (Q1-CAFE-001)");
	keys_id(fk.device.pk, o->device);
	o->today = 128;
	o->week = 912;
	o->pending = 17;
	o->gaps = 1;
	o->longest_gap_min = 42;
	snprintf(o->health, sizeof(o->health), "ok");
	return token_receipt(&fk.device, "{\"v\":1,\"venue\":\"Q1-CAFE-001\","
	    "\"today\":128,\"week\":912,\"pending\":17,\"gaps_24h\":1}",
	    o->receipt, sizeof(o->receipt));
}

static int64_t
f_purge(void *d)
{
	(void)d;
	return fk.purged = 42;
}

static int
f_pin(void *d, const char *pin)
{
	(void)d;
	return strcmp(pin, "2468") == 0;
}

static int
f_url(void *d, int64_t slot, char *out, size_t size)
{
	(void)d;
	return token_venue_url(&fk.device, "https://checkin.example.vn",
	    "Q1-CAFE-001", slot, 30, out, size);
}

struct rig {
	SDL_Window *win;
	SDL_Renderer *ren;
	struct ui *ui;
	int w, h;
};

static int rig_setup;		/* rig_open: a kiosk with no settings */

static void
rig_open(struct rig *r, int w, int h, const char *lang, enum screen_mode mode)
{
	struct ui_opts o;

	r->w = w;
	r->h = h;
	r->win = SDL_CreateWindow("test", 0, 0, w, h, 0);
	assert_non_null(r->win);
	r->ren = SDL_CreateRenderer(r->win, -1, SDL_RENDERER_SOFTWARE);
	assert_non_null(r->ren);
	memset(&o, 0, sizeof(o));
	o.lang = lang;
	o.mode = mode;
	o.venue_name = "Cà phê Sài Gòn — Chi nhánh Bến Nghé";
	o.display_period_s = 30;
	o.font_regular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
	o.font_bold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
	o.sound = 0;
	o.hooks = (struct ui_hooks){ NULL, f_submit };
	o.jobs = (struct jobs_hooks){ NULL, f_status, f_patrol, f_purge,
	    f_pin, f_url, NULL, NULL };
	o.jobs_manual = jobs_manual;
	o.setup = rig_setup;
	o.setup_cmd = rig_setup ? "sudo kioskctl --db /var/lib/kiosk/visits.db "
	    "init --venue-id ID --venue-name NAME --authority-key FILE" : NULL;
	r->ui = ui_new(r->ren, &o);
	assert_non_null(r->ui);
}

static void
rig_close(struct rig *r)
{
	ui_free(r->ui);
	SDL_DestroyRenderer(r->ren);
	SDL_DestroyWindow(r->win);
}

static int64_t fake_now = 1000000;

/*
 * One frame, as the kiosk's loop draws it, except that the jobs the
 * screens asked for (counts, the venue token, the patrol's figures, a
 * PIN) are let finish first, so that what is drawn does not depend on
 * the jobs thread's timing. test_screens checks the screens while a job
 * still runs.
 */
static void
frame(struct rig *r)
{
	fake_now += 16;
	ui_tick(r->ui, fake_now);
	ui_settle(r->ui);
	ui_render(r->ui);
}

static void
shot(struct rig *r, const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s.png", outdir, name);
	assert_int_equal(ui_save_png(r->ren, path), 0);
}

/* RGB of the pixel at (x, y) of what was last rendered. */
static void
pixel(struct rig *r, int x, int y, unsigned char rgb[3])
{
	SDL_Rect one = { x, y, 1, 1 };

	assert_int_equal(SDL_RenderReadPixels(r->ren, &one,
	    SDL_PIXELFORMAT_RGB24, rgb, 3), 0);
}

/* Decode the QR codes in the current screen. */
static int
read_screen(struct rig *r, struct decode_result *res)
{
	unsigned char *rgb = malloc((size_t)r->w * (size_t)r->h * 3);
	struct decoder *d = decoder_new();
	struct image img;
	int i, n;

	assert_int_equal(SDL_RenderReadPixels(r->ren, NULL,
	    SDL_PIXELFORMAT_RGB24, rgb, r->w * 3), 0);
	assert_int_equal(image_init(&img, r->w, r->h), 0);
	for (i = 0; i < r->w * r->h; i++)
		img.px[i] = (unsigned char)((rgb[3 * i] + rgb[3 * i + 1] +
		    rgb[3 * i + 2]) / 3);
	n = decoder_scan(d, &img, res);
	image_release(&img);
	decoder_free(d);
	free(rgb);
	return n;
}

static void
result_of(struct checkin_out *o, enum checkin_result res, enum reason why,
    const char *display)
{
	memset(o, 0, sizeof(*o));
	o->result = res;
	o->reason = why;
	o->kind = PAYLOAD_CCCD;
	o->seq = 12;
	o->dir = STORE_IN;
	o->previous_ms = 1795345995000LL;
	snprintf(o->display, sizeof(o->display), "%s", display);
}

/* ---- the words on the screen ---- */

/* 1 if a text the last frame drew contains NEEDLE. */
static int
screen_says(struct rig *r, const char *needle)
{
	const char *w[64];
	size_t n = ui_words(r->ui, w, 64), i;

	for (i = 0; i < n && i < 64; i++)
		if (strstr(w[i], needle) != NULL)
			return 1;
	return 0;
}

static void
dump_words(struct rig *r)
{
	const char *w[64];
	size_t n = ui_words(r->ui, w, 64), i;

	for (i = 0; i < n && i < 64; i++)
		print_error("  drawn: '%s'\n", w[i]);
}

/* No raw string key and no empty text on the screen. */
static void
assert_clean_words(struct rig *r, const char *what)
{
	static const char *const raw[] = { "reason.", "ui.", "result.",
	    "error.", "setup." };
	const char *w[64];
	size_t n = ui_words(r->ui, w, 64), i, k;

	assert_true(n > 0);
	for (i = 0; i < n && i < 64; i++) {
		int bad = w[i][0] == '\0';

		for (k = 0; k < sizeof(raw) / sizeof(raw[0]); k++)
			if (strncmp(w[i], raw[k], strlen(raw[k])) == 0)
				bad = 1;
		if (strstr(w[i], "%s") != NULL)
			bad = 1;
		if (bad) {
			print_error("%s: raw key or empty text '%s'\n", what,
			    w[i]);
			dump_words(r);
			fail();
		}
	}
}

static const struct {
	int w, h;
} sizes[] = { { 800, 480 }, { 1920, 1080 }, { 480, 800 } };

static const char *const langs[] = { "vi", "en" };

static void
test_every_screen(void **state)
{
	char name[128], path[700];
	size_t si, li;
	int shots = 0;

	(void)state;
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (li = 0; li < 2; li++) {
			struct rig r;
			struct checkin_out o;
			unsigned char rgb[3];
			const char *tag = langs[li];
			int W = sizes[si].w, H = sizes[si].h;

#define SHOT(label) do { \
	snprintf(name, sizeof(name), "%s_%s_%dx%d", label, tag, W, H); \
	shot(&r, name, path, sizeof(path)); \
	shots++; \
	assert_int_equal(ui_text_clipped(r.ui), 0); \
} while (0)

			rig_open(&r, W, H, tag, SCREEN_MODE_SCAN);
			ui_camera(r.ui, SCREEN_CAMERA_OK);
			frame(&r);
			assert_int_equal(ui_screen(r.ui), SCREEN_READY);
			SHOT("ready");

			ui_camera(r.ui, SCREEN_CAMERA_LOST);
			frame(&r);
			SHOT("ready_camera_lost");
			ui_camera(r.ui, SCREEN_CAMERA_OK);

			result_of(&o, CHECKIN_ACCEPTED, REASON_NONE,
			    "Nguyễn Thị Thanh Hương");
			ui_result(r.ui, &o);
			frame(&r);
			assert_int_equal(ui_screen(r.ui), SCREEN_ACCEPTED);
			SHOT("accepted");
			pixel(&r, 3, H - 3, rgb);
			assert_true(rgb[1] > 100 && rgb[0] < 60);	/* green */

			result_of(&o, CHECKIN_DUPLICATE, REASON_NONE,
			    "091***5678");
			ui_result(r.ui, &o);
			frame(&r);
			SHOT("duplicate");
			pixel(&r, 3, H - 3, rgb);
			assert_true(rgb[2] > 120 && rgb[0] < 60);	/* blue */

			result_of(&o, CHECKIN_REJECTED, REASON_PASS_EXPIRED, "");
			ui_result(r.ui, &o);
			frame(&r);
			assert_int_equal(ui_screen(r.ui), SCREEN_REJECTED);
			SHOT("rejected");
			pixel(&r, 3, H - 3, rgb);
			assert_true(rgb[0] > 150 && rgb[1] < 60);	/* red */

			/* Longest reason text there is. */
			result_of(&o, CHECKIN_REJECTED, REASON_UNKNOWN_FORMAT,
			    "");
			ui_result(r.ui, &o);
			frame(&r);
			SHOT("rejected_long");

			ui_error(r.ui);
			frame(&r);
			SHOT("error");

			/* Every answer screen returns to ready by itself. */
			fake_now += 5000;
			frame(&r);
			assert_int_equal(ui_screen(r.ui), SCREEN_READY);

			ui_goto(r.ui, SCREEN_KEYPAD);
			frame(&r);
			ui_keypad_set(r.ui, "0912345678");
			frame(&r);
			SHOT("keypad");

			ui_goto(r.ui, SCREEN_PIN);
			frame(&r);
			ui_keypad_set(r.ui, "24");
			frame(&r);
			SHOT("pin");

			ui_goto(r.ui, SCREEN_ADMIN);
			frame(&r);
			SHOT("admin");

			/* A keyboard-mode scanner lost a card's letters: the
			 * visitor is sent to the camera, the owner told. */
			result_of(&o, CHECKIN_REJECTED, REASON_SCANNER_KEYBOARD,
			    "");
			ui_result(r.ui, &o);
			frame(&r);
			assert_true(screen_says(&r, li == 0 ? "camera" :
			    "camera"));
			SHOT("rejected_scanner_keyboard");
			ui_goto(r.ui, SCREEN_ADMIN);
			frame(&r);
			assert_true(screen_says(&r, "CDC-ACM"));
			SHOT("admin_scanner_keyboard");

			result_of(&o, CHECKIN_ACCEPTED, REASON_NONE, "Cán bộ");
			o.patrol = 1;
			o.kind = PAYLOAD_OFFICER;
			ui_result(r.ui, &o);
			frame(&r);
			assert_int_equal(ui_screen(r.ui), SCREEN_PATROL);
			SHOT("patrol");
			{
				struct decode_result res;
				char body[1024];

				assert_int_equal(read_screen(&r, &res), 1);
				assert_int_equal(token_receipt_verify(
				    fk.device.pk, res.texts[0], body,
				    sizeof(body)), 0);
				assert_non_null(strstr(body, "\"week\":912"));
				decode_result_release(&res);
			}
			rig_close(&r);

			/* The venue QR: display and side by side. */
			{
				static const enum screen_mode modes[2] = {
				    SCREEN_MODE_DISPLAY, SCREEN_MODE_BOTH };
				static const char *const mname[2] = {
				    "display", "both" };
				int m;

				for (m = 0; m < 2; m++) {
					struct decode_result res;
					const char *url, *tok;
					char venue[65];
					int64_t slot, before, after;

					rig_open(&r, W, H, tag, modes[m]);
					ui_camera(r.ui, SCREEN_CAMERA_NONE);
					/* The slot may turn over while a slow
					 * (sanitized) frame renders. */
					before = ktime_wall_ms() / 1000 / 30;
					frame(&r);
					SHOT(mname[m]);
					url = ui_venue_text(r.ui);
					assert_true(strncmp(url,
					    "https://checkin.example.vn/c/",
					    29) == 0);
					assert_int_equal(read_screen(&r, &res),
					    1);
					assert_string_equal(res.texts[0], url);
					tok = strstr(res.texts[0], "/c/") + 3;
					assert_int_equal(token_venue_verify(
					    fk.device.pk, tok, venue, &slot), 0);
					assert_string_equal(venue,
					    "Q1-CAFE-001");
					after = ktime_wall_ms() / 1000 / 30;
					assert_in_range(slot, before, after);
					decode_result_release(&res);
					rig_close(&r);
				}
			}
		}
	print_message("%d screenshots in %s\n", shots, outdir);
}

/* Click the button labelled LABEL as a mouse would. */
static void
click(struct rig *r, const char *label)
{
	SDL_Event ev;
	SDL_Rect b;

	if (ui_button_rect(r->ui, label, &b) != 0)
		fail_msg("no button '%s' on screen %d", label,
		    ui_screen(r->ui));
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_MOUSEBUTTONDOWN;
	ev.button.x = b.x + b.w / 2;
	ev.button.y = b.y + b.h / 2;
	ui_event(r->ui, &ev);
	ev.type = SDL_MOUSEBUTTONUP;
	ui_event(r->ui, &ev);
	frame(r);
}

static void
type(struct rig *r, const char *s, int gap_ms, uint32_t *t)
{
	SDL_Event ev;

	for (; *s; s++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SDL_TEXTINPUT;
		ev.text.timestamp = *t;
		ev.text.text[0] = *s;
		ui_event(r->ui, &ev);
		*t += (uint32_t)gap_ms;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_KEYDOWN;
	ev.key.timestamp = *t;
	ev.key.keysym.sym = SDLK_RETURN;
	ui_event(r->ui, &ev);
	frame(r);
}

/*
 * The set-up screen in each of its states, both languages, the three
 * sizes: nothing clipped, no raw key, the words a person needs there.
 */
static void
test_setup_screens(void **state)
{
	static const struct {
		const char *name;
		enum screen_setup_state st;
		const char *why, *detail, *says_vi;
	} states[] = {
		{ "waiting", SCREEN_SETUP_SCAN, NULL, NULL,
		    "Quét mã đăng ký do phường cấp" },
		{ "not_code", SCREEN_SETUP_FAILED, "setup.err_not_code", NULL,
		    "Đây không phải mã đăng ký" },
		{ "damaged", SCREEN_SETUP_FAILED, "setup.err_damaged", NULL,
		    "bị hỏng" },
		{ "expired", SCREEN_SETUP_FAILED, "setup.err_expired", NULL,
		    "đã hết hạn" },
		{ "used", SCREEN_SETUP_FAILED, "setup.err_used", NULL,
		    "đã được dùng" },
		{ "revoked", SCREEN_SETUP_FAILED, "setup.err_token_revoked",
		    NULL, "thu hồi" },
		{ "refused", SCREEN_SETUP_FAILED, "setup.err_refused",
		    "this enrolment token is for venue \"Q1-CAFE-001\"; the "
		    "kiosk says \"Q1-CAFE-002\"", "Phường từ chối đăng ký" },
		{ "enrolling", SCREEN_SETUP_ENROLLING, NULL, NULL,
		    "7A0C-A477-E6A6-2317" },
		{ "unreachable", SCREEN_SETUP_ENROLLING, "setup.unreachable",
		    "cannot reach the collector at https://collector.example.vn: "
		    "Could not resolve host", "Chưa kết nối được" },
		{ "no_sync", SCREEN_SETUP_ENROLLING, "setup.no_sync", NULL,
		    "kiosk-sync" },
		{ "done", SCREEN_SETUP_DONE, NULL, NULL, "482913" },
	};
	char name[128], path[700];
	size_t si, li, k;

	(void)state;
	rig_setup = 1;
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (li = 0; li < 2; li++)
			for (k = 0; k < sizeof(states) / sizeof(states[0]);
			    k++) {
				struct screen_setup ss;
				struct rig r;

				/* The big screen, in Vietnamese, for the
				 * states with the most words (each one is
				 * slow to draw under ASan). */
				if (sizes[si].w == 1920 && (li == 1 ||
				    (states[k].st != SCREEN_SETUP_DONE &&
				    states[k].detail == NULL)))
					continue;

				rig_open(&r, sizes[si].w, sizes[si].h,
				    langs[li], SCREEN_MODE_SCAN);
				ui_camera(r.ui, SCREEN_CAMERA_OK);
				memset(&ss, 0, sizeof(ss));
				ss.state = states[k].st;
				snprintf(ss.venue, sizeof(ss.venue), "Phở Hàng "
				    "Bông — Chi nhánh Hoàn Kiếm");
				snprintf(ss.ward, sizeof(ss.ward), "Phường Hàng "
				    "Bông");
				snprintf(ss.fingerprint, sizeof(ss.fingerprint),
				    "7A0C-A477-E6A6-2317");
				ss.why_key = states[k].why;
				snprintf(ss.detail, sizeof(ss.detail), "%s",
				    states[k].detail ? states[k].detail : "");
				snprintf(ss.pin, sizeof(ss.pin), "482913");
				ui_setup_set(r.ui, &ss);
				frame(&r);
				assert_int_equal(ui_screen(r.ui), SCREEN_SETUP);
				snprintf(name, sizeof(name), "setup_%s_%s_%dx%d",
				    states[k].name, langs[li], sizes[si].w,
				    sizes[si].h);
				shot(&r, name, path, sizeof(path));
				assert_clean_words(&r, name);
				if (li == 0 && !screen_says(&r,
				    states[k].says_vi)) {
					print_error("%s: no '%s'\n", name,
					    states[k].says_vi);
					dump_words(&r);
					fail();
				}
				if (ui_text_clipped(r.ui) != 0) {
					print_error("%s: text clipped\n", name);
					fail();
				}
				rig_close(&r);
			}
	rig_setup = 0;
}

static void
test_input(void **state)
{
	const char *digits = "0912345678";
	struct rig r;
	uint32_t t = 5000;
	SDL_Event ev;
	SDL_Rect b;

	(void)state;
	rig_open(&r, 800, 480, "vi", SCREEN_MODE_SCAN);
	frame(&r);

	/* Touch: keypad button, ten digits, OK. */
	click(&r, "Nhập số điện thoại");
	assert_int_equal(ui_screen(r.ui), SCREEN_KEYPAD);
	for (; *digits; digits++) {
		char d[2] = { *digits, 0 };

		click(&r, d);
	}
	fk.submits = 0;
	click(&r, "Xong");
	assert_int_equal(fk.submits, 1);
	assert_string_equal(fk.submitted, "0912345678");
	assert_string_equal(fk.source, "keypad");
	assert_int_equal(ui_screen(r.ui), SCREEN_READY);

	/* A HID scanner: a fast burst and Enter, whatever the screen. */
	fk.submits = 0;
	type(&r, "079095001234||An|14031995|Nam|x|20042021", 4, &t);
	assert_int_equal(fk.submits, 1);
	assert_string_equal(fk.source, "scanner");

	/* A person typing on a keyboard is not a scan. */
	t += 1000;
	fk.submits = 0;
	type(&r, "0912345678", 180, &t);
	assert_int_equal(fk.submits, 0);

	/* Touch in finger coordinates (0..1). */
	frame(&r);
	assert_int_equal(ui_button_rect(r.ui, "English", &b), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_FINGERDOWN;
	ev.tfinger.x = (float)(b.x + b.w / 2) / 800.0f;
	ev.tfinger.y = (float)(b.y + b.h / 2) / 480.0f;
	ui_event(r.ui, &ev);
	frame(&r);
	assert_int_equal(ui_button_rect(r.ui, "Tiếng Việt", &b), 0);

	/* Admin: a long press on the clock, a wrong PIN, the right one. */
	assert_int_equal(ui_button_rect(r.ui, "admin-corner", &b), 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_MOUSEBUTTONDOWN;
	ev.button.x = b.x + 5;
	ev.button.y = b.y + 5;
	ui_event(r.ui, &ev);
	fake_now += 3100;
	frame(&r);
	assert_int_equal(ui_screen(r.ui), SCREEN_PIN);
	click(&r, "1");
	click(&r, "1");
	click(&r, "Done");
	assert_int_equal(ui_screen(r.ui), SCREEN_PIN);
	type(&r, "", 0, &t);		/* Enter alone: nothing typed */
	click(&r, "2");
	click(&r, "4");
	click(&r, "6");
	click(&r, "8");
	click(&r, "Done");
	assert_int_equal(ui_screen(r.ui), SCREEN_ADMIN);
	click(&r, "Purge old data");
	assert_int_equal(fk.purged, 42);
	click(&r, "Switch mode");
	click(&r, "Back");
	assert_int_equal(ui_screen(r.ui), SCREEN_READY);
	frame(&r);
	/* Switched to display mode: the ready screen is the venue QR. */
	assert_true(strlen(ui_venue_text(r.ui)) > 0);

	/* The admin screen closes itself after a minute idle. */
	ui_goto(r.ui, SCREEN_ADMIN);
	frame(&r);
	fake_now += 61000;
	frame(&r);
	assert_int_equal(ui_screen(r.ui), SCREEN_READY);
	rig_close(&r);
}

struct visitor {
	enum checkin_result res;
	enum reason why;
	const char *display;	/* what an acceptance must show */
	const char *vi, *en;	/* a phrase the screen must show */
};

static const struct visitor queue[] = {
	{ CHECKIN_ACCEPTED, REASON_NONE, "Vũ Hữu Ổn", "Xin chào", "Welcome" },
	{ CHECKIN_REJECTED, REASON_CCCD_YEAR_MISMATCH, NULL,
	    "Năm sinh không khớp", "birth" },
	{ CHECKIN_ACCEPTED, REASON_NONE, "093****567", "Xin chào", "Welcome" },
	{ CHECKIN_DUPLICATE, REASON_NONE, "Trần Thị Ửng",
	    "Bạn đã quét mã rồi", "already" },
	{ CHECKIN_REJECTED, REASON_PASS_EXPIRED, NULL, "hết hạn", "expired" },
};

static void
show(struct rig *r, const struct visitor *v)
{
	struct checkin_out o;

	result_of(&o, v->res, v->why, v->display ? v->display : "");
	ui_result(r->ui, &o);
}

static void
expect(struct rig *r, const struct visitor *v, const char *lang,
    const char *when)
{
	const char *phrase = strcmp(lang, "vi") == 0 ? v->vi : v->en;

	if (!screen_says(r, phrase) || (v->display != NULL &&
	    !screen_says(r, v->display))) {
		print_error("%s (%s): the screen does not say '%s'%s%s\n",
		    when, lang, phrase, v->display ? " and " : "",
		    v->display ? v->display : "");
		dump_words(r);
		fail();
	}
	assert_clean_words(r, when);
}

/*
 * A queue at the door: results back to back, each less than a second
 * after the last, for every ordered pair of outcomes; the second screen
 * must say the second visitor's words (the reason, the name or masked
 * number), never the first's and never a raw key.
 */
static void
test_queue_words(void **state)
{
	size_t li, a, b, nq = sizeof(queue) / sizeof(queue[0]);
	char when[128];

	(void)state;
	for (li = 0; li < 2; li++) {
		struct rig r;

		rig_open(&r, 800, 480, langs[li], SCREEN_MODE_SCAN);
		ui_camera(r.ui, SCREEN_CAMERA_OK);
		frame(&r);
		for (a = 0; a < nq; a++)
			for (b = 0; b < nq; b++) {
				snprintf(when, sizeof(when), "%zu then %zu", a,
				    b);
				show(&r, &queue[a]);
				frame(&r);
				expect(&r, &queue[a], langs[li], when);
				fake_now += 400;
				frame(&r);
				show(&r, &queue[b]);
				fake_now += 300;
				frame(&r);
				expect(&r, &queue[b], langs[li], when);
				if (queue[a].display != NULL && a != b &&
				    queue[b].display != NULL &&
				    strcmp(queue[a].display,
				    queue[b].display) != 0 &&
				    screen_says(&r, queue[a].display)) {
					print_error("%s: first visitor's name "
					    "still shown\n", when);
					fail();
				}
				/* Two results within one frame: the later. */
				show(&r, &queue[a]);
				show(&r, &queue[b]);
				frame(&r);
				expect(&r, &queue[b], langs[li], when);
				frame(&r);
			}
		/* The whole queue, 300 ms apart, then back to ready. */
		for (a = 0; a < nq; a++) {
			show(&r, &queue[a]);
			fake_now += 300;
			frame(&r);
			expect(&r, &queue[a], langs[li], "queue");
		}
		fake_now += 5000;
		frame(&r);
		assert_int_equal(ui_screen(r.ui), SCREEN_READY);
		assert_false(screen_says(&r, "Trần Thị Ửng"));
		rig_close(&r);
	}
}

/*
 * Every screen with every reason, in both languages and at every size:
 * no raw key (reason.*, ui.*) and no empty text reaches the screen.
 */
static void
test_every_reason_words(void **state)
{
	size_t li, si;
	int why;

	(void)state;
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (li = 0; li < 2; li++) {
			struct rig r;
			struct checkin_out o;
			enum screen_id sc;
			enum screen_mode m;

			rig_open(&r, sizes[si].w, sizes[si].h, langs[li],
			    SCREEN_MODE_SCAN);
			for (why = 1; why < REASON_COUNT; why++) {
				result_of(&o, CHECKIN_REJECTED,
				    (enum reason)why, "");
				ui_result(r.ui, &o);
				frame(&r);
				assert_int_equal(ui_screen(r.ui), SCREEN_REJECTED);
				assert_clean_words(&r, reason_code(
				    (enum reason)why));
				assert_int_equal(ui_text_clipped(r.ui), 0);
			}
			ui_error(r.ui);
			frame(&r);
			assert_clean_words(&r, "error");
			for (m = SCREEN_MODE_SCAN; m <= SCREEN_MODE_BOTH; m++) {
				rig_close(&r);
				rig_open(&r, sizes[si].w, sizes[si].h,
				    langs[li], m);
				ui_camera(r.ui, m == SCREEN_MODE_BOTH ?
				    SCREEN_CAMERA_NONE : SCREEN_CAMERA_OK);
				frame(&r);
				assert_clean_words(&r, screen_mode_name(m));
			}
			for (sc = SCREEN_KEYPAD; sc < SCREEN_COUNT; sc++) {
				ui_goto(r.ui, sc);
				frame(&r);
				assert_clean_words(&r, "screen");
			}
			rig_close(&r);
		}
}

/* A frame drawn while the jobs asked for have not run (manual jobs). */
static void
frame_busy(struct rig *r)
{
	fake_now += 16;
	ui_tick(r->ui, fake_now);
	ui_render(r->ui);
}

/* Touch the button labelled LABEL, with no frame after. */
static void
touch(struct rig *r, const char *label)
{
	SDL_Event ev;
	SDL_Rect b;

	if (ui_button_rect(r->ui, label, &b) != 0)
		fail_msg("no button '%s' on screen %d", label,
		    ui_screen(r->ui));
	memset(&ev, 0, sizeof(ev));
	ev.type = SDL_MOUSEBUTTONDOWN;
	ev.button.x = b.x + b.w / 2;
	ev.button.y = b.y + b.h / 2;
	ui_event(r->ui, &ev);
	ev.type = SDL_MOUSEBUTTONUP;
	ui_event(r->ui, &ev);
}

/*
 * The screens while their job runs, at every size in both languages:
 * counts not known yet, the PIN being checked, the purge running, the
 * patrol's figures being gathered, the venue QR not signed yet. The jobs
 * run only when the test settles them, so each shot is deterministic.
 */
static void
test_busy_screens(void **state)
{
	char name[128], path[700];
	size_t si, li;
	int shots = 0;

	(void)state;
	jobs_manual = 1;
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (li = 0; li < 2; li++) {
			struct rig r;
			struct checkin_out o;
			const char *tag = langs[li];
			int W = sizes[si].w, H = sizes[si].h, en = li == 1;
			SDL_Event ev;

			rig_open(&r, W, H, tag, SCREEN_MODE_SCAN);
			ui_camera(r.ui, SCREEN_CAMERA_OK);
			frame_busy(&r);
			assert_true(screen_says(&r, "…"));
			assert_false(screen_says(&r, "128"));
			SHOT("ready_busy");

			ui_goto(r.ui, SCREEN_PIN);
			frame_busy(&r);
			ui_keypad_set(r.ui, "2468");
			memset(&ev, 0, sizeof(ev));
			ev.type = SDL_KEYDOWN;
			ev.key.keysym.sym = SDLK_RETURN;
			ui_event(r.ui, &ev);
			frame_busy(&r);
			assert_true(screen_says(&r, en ? "Checking the PIN" :
			    "Đang kiểm tra mã PIN"));
			SHOT("pin_checking");
			ui_settle(r.ui);
			frame_busy(&r);
			assert_int_equal(ui_screen(r.ui), SCREEN_ADMIN);

			touch(&r, en ? "Purge old data" : "Xóa dữ liệu cũ");
			frame_busy(&r);
			assert_true(screen_says(&r, en ? "Purging" : "Đang xóa"));
			SHOT("admin_purging");
			ui_settle(r.ui);
			frame_busy(&r);
			assert_true(screen_says(&r, "42"));

			result_of(&o, CHECKIN_ACCEPTED, REASON_NONE, "Cán bộ");
			o.patrol = 1;
			ui_result(r.ui, &o);
			frame_busy(&r);
			assert_true(screen_says(&r, en ? "Checking the kiosk" :
			    "Đang kiểm tra thiết bị"));
			SHOT("patrol_checking");
			rig_close(&r);

			/* Three wrong PINs: the pad is locked, and says so. */
			rig_open(&r, W, H, tag, SCREEN_MODE_SCAN);
			for (int k = 0; k < 3; k++) {
				ui_goto(r.ui, SCREEN_PIN);
				frame_busy(&r);
				ui_keypad_set(r.ui, "1111");
				memset(&ev, 0, sizeof(ev));
				ev.type = SDL_KEYDOWN;
				ev.key.keysym.sym = SDLK_RETURN;
				ui_event(r.ui, &ev);
				ui_settle(r.ui);
				frame_busy(&r);
			}
			assert_true(screen_says(&r, en ? "Too many wrong PINs" :
			    "Sai mã PIN quá nhiều lần"));
			SHOT("pin_locked");
			rig_close(&r);

			rig_open(&r, W, H, tag, SCREEN_MODE_BOTH);
			frame_busy(&r);
			assert_string_equal(ui_venue_text(r.ui), "");
			SHOT("both_busy");
			rig_close(&r);
		}
	jobs_manual = 0;
	print_message("%d screenshots of busy screens in %s\n", shots, outdir);
}

static int
setup(void **state)
{
	const char *o = getenv("TEST_OUT");

	(void)state;
	setenv("SDL_VIDEODRIVER", "offscreen", 1);
	setenv("SDL_AUDIODRIVER", "dummy", 1);
	assert_true(sodium_init() >= 0);
	assert_int_equal(SDL_Init(SDL_INIT_VIDEO), 0);
	keys_generate(KEY_ED25519, &fk.device);
	snprintf(outdir, sizeof(outdir), "%s/screens",
	    o ? o : "build/test-output");
	mkdir(o ? o : "build/test-output", 0755);
	mkdir(outdir, 0755);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	keys_wipe(&fk.device);
	SDL_Quit();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_screen),
		cmocka_unit_test(test_setup_screens),
		cmocka_unit_test(test_input),
		cmocka_unit_test(test_queue_words),
		cmocka_unit_test(test_every_reason_words),
		cmocka_unit_test(test_busy_screens),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
