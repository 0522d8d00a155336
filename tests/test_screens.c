/*
 * test_screens: the kiosk's screens as a state machine, with no SDL at
 * all (this binary links neither SDL's flags nor its libraries). Events
 * go in as the UI glue sends them, the machine's requests come out (a
 * submit, a job, a tone), the jobs run on the real jobs thread over fake
 * hooks, and what each screen shows is read from its view model as words.
 *
 * Results back to back, the keypad, the admin PIN wrong then right while
 * its check is a job, the purge, the patrol screen, the venue QR signed
 * ahead of its time slot, every timeout back to ready, and the view's
 * buttons and touch areas.
 */
#include "helpers.h"

#include <sodium.h>

#include "jobs.h"
#include "screen.h"
#include "view.h"

#define W 800
#define H 480

/* ---- fake hooks, run on the jobs thread ---- */

struct fake {
	int status_calls, patrol_calls, purge_calls, pin_calls, venue_calls;
	int changed_calls;
	int purge_fails, patrol_fails, venue_fails;
	char changed_mode[16], changed_lang[4];
	int set_pin_calls;
	char set_pin[16];
};

static struct fake fk;

static int
f_status(void *d, struct screen_status *o)
{
	(void)d;
	fk.status_calls++;
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
	fk.patrol_calls++;
	snprintf(o->venue, sizeof(o->venue), "Cà phê Sài Gòn (Q1-CAFE-001)");
	snprintf(o->device, sizeof(o->device), "5b4ea58cee6ac242");
	o->today = 128;
	o->week = 912;
	o->pending = 17;
	o->gaps = 1;
	o->longest_gap_min = 42;
	snprintf(o->health, sizeof(o->health), "ok");
	if (fk.patrol_fails)
		return -1;
	snprintf(o->receipt, sizeof(o->receipt), "KR1.figures.signature");
	return 0;
}

static int64_t
f_purge(void *d)
{
	(void)d;
	fk.purge_calls++;
	return fk.purge_fails ? -1 : 42;
}

static int
f_pin(void *d, const char *pin)
{
	(void)d;
	fk.pin_calls++;
	return strcmp(pin, "2468") == 0;
}

static int
f_venue(void *d, int64_t slot, char *out, size_t size)
{
	(void)d;
	fk.venue_calls++;
	if (fk.venue_fails)
		return -1;
	snprintf(out, size, "https://checkin.example.vn/c/slot-%lld",
	    (long long)slot);
	return 0;
}

static void
f_changed(void *d, enum screen_mode mode, const char *lang)
{
	(void)d;
	fk.changed_calls++;
	snprintf(fk.changed_mode, sizeof(fk.changed_mode), "%s",
	    screen_mode_name(mode));
	snprintf(fk.changed_lang, sizeof(fk.changed_lang), "%s", lang);
}

static int
f_set_pin(void *d, const char *pin)
{
	(void)d;
	fk.set_pin_calls++;
	snprintf(fk.set_pin, sizeof(fk.set_pin), "%s", pin);
	return 0;
}

/* ---- the rig: what kiosk/ui.c does, without SDL ---- */

struct rig {
	struct screen *m;
	struct jobs *jobs;
	struct view v;
	int64_t mono, wall;
	int submits, sounds, last_good;
	char submitted[SCANNER_MAX + 1], source[16];
};

static void
rig_open(struct rig *r, const char *lang, enum screen_mode mode)
{
	struct screen_opts o;
	struct jobs_hooks h = { NULL, f_status, f_patrol, f_purge, f_pin,
	    f_venue, f_changed, f_set_pin };

	memset(r, 0, sizeof(*r));
	memset(&fk, 0, sizeof(fk));
	memset(&o, 0, sizeof(o));
	o.lang = lang;
	o.mode = mode;
	o.venue_name = "Cà phê Sài Gòn — Chi nhánh Bến Nghé";
	o.display_period_s = 30;
	r->m = screen_new(&o);
	assert_non_null(r->m);
	r->jobs = jobs_start(&h, 0);
	assert_non_null(r->jobs);
	r->mono = 1000000;
	/* 10:00:00 UTC, on a slot boundary (a multiple of 30 s). */
	r->wall = 1795345200000LL;
}

static void
rig_close(struct rig *r)
{
	jobs_stop(r->jobs);
	screen_free(r->m);
}

/* Carry out the machine's requests; how many jobs went out. */
static int
pump(struct rig *r)
{
	struct screen_request rq;
	int jobs = 0;

	while (screen_take(r->m, &rq)) {
		if (rq.type == SCREEN_REQ_SUBMIT) {
			r->submits++;
			snprintf(r->submitted, sizeof(r->submitted), "%s",
			    rq.text);
			snprintf(r->source, sizeof(r->source), "%s",
			    rq.source);
		} else if (rq.type == SCREEN_REQ_SOUND) {
			r->sounds++;
			r->last_good = rq.good;
		} else {
			assert_int_equal(jobs_post(r->jobs, &rq), 0);
			jobs++;
		}
	}
	return jobs;
}

static void
event(struct rig *r, const struct screen_event *ev)
{
	screen_event(r->m, ev);
	pump(r);
}

/* MS of time passing, then a tick (no job's outcome is taken). */
static void
tick(struct rig *r, int64_t ms)
{
	r->mono += ms;
	r->wall += ms;
	screen_tick(r->m, r->mono, r->wall);
	pump(r);
}

/* Let every job finish and hand its outcome in, as ui_settle() does. */
static void
settle(struct rig *r)
{
	struct screen_job_done d;
	struct screen_event ev;
	int round, busy;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_JOB;
	ev.job = &d;
	for (round = 0; round < 16; round++) {
		jobs_settle(r->jobs);
		busy = 0;
		while (jobs_poll(r->jobs, &d)) {
			screen_event(r->m, &ev);
			busy++;
		}
		screen_tick(r->m, r->mono, r->wall);
		busy += pump(r);
		if (busy == 0)
			return;
	}
	fail_msg("the screens keep asking for jobs");
}

static const struct view *
look(struct rig *r)
{
	screen_view(r->m, W, H, &r->v);
	return &r->v;
}

static void
press(struct rig *r, enum screen_button b)
{
	struct screen_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_PRESS;
	ev.button = b;
	ev.down = 1;
	event(r, &ev);
	ev.down = 0;
	event(r, &ev);
}

static void
key(struct rig *r, enum screen_key k, int digit)
{
	struct screen_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_KEY;
	ev.key = k;
	ev.digit = digit;
	event(r, &ev);
}

static void
scan(struct rig *r, const char *text)
{
	struct screen_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_SCAN;
	ev.text = text;
	event(r, &ev);
}

static void
result(struct rig *r, enum checkin_result res, enum reason why,
    const char *display, int patrol)
{
	struct checkin_out o;
	struct screen_event ev;

	memset(&o, 0, sizeof(o));
	o.result = res;
	o.reason = why;
	o.kind = patrol ? PAYLOAD_OFFICER : PAYLOAD_CCCD;
	o.patrol = patrol;
	o.dir = STORE_IN;
	o.previous_ms = r->wall - 120000;
	snprintf(o.display, sizeof(o.display), "%s", display);
	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_RESULT;
	ev.result = &o;
	event(r, &ev);
}

static void
dump(const struct view *v)
{
	const char *w[VIEW_ITEMS_MAX];
	size_t n = view_words(v, w, VIEW_ITEMS_MAX), i;

	for (i = 0; i < n && i < VIEW_ITEMS_MAX; i++)
		print_error("  shown: '%s'\n", w[i]);
}

/* The screen shows NEEDLE somewhere, or the test fails saying what is. */
static void
says(struct rig *r, const char *needle)
{
	const struct view *v = look(r);

	if (!view_says(v, needle)) {
		print_error("the screen does not say '%s'\n", needle);
		dump(v);
		fail();
	}
}

static void
not_says(struct rig *r, const char *needle)
{
	const struct view *v = look(r);

	if (view_says(v, needle)) {
		print_error("the screen still says '%s'\n", needle);
		dump(v);
		fail();
	}
}

/* No raw string key, no "%s", no empty text on the screen. */
static void
clean(struct rig *r, const char *when)
{
	static const char *const raw[] = { "reason.", "ui.", "result.",
	    "error.", "setup." };
	const struct view *v = look(r);
	const char *w[VIEW_ITEMS_MAX];
	size_t n = view_words(v, w, VIEW_ITEMS_MAX), i, k;

	assert_true(n > 0);
	assert_false(v->full);
	for (i = 0; i < n && i < VIEW_ITEMS_MAX; i++) {
		int bad = w[i][0] == '\0' || strstr(w[i], "%s") != NULL;

		for (k = 0; k < sizeof(raw) / sizeof(raw[0]); k++)
			if (strncmp(w[i], raw[k], strlen(raw[k])) == 0)
				bad = 1;
		if (bad) {
			print_error("%s: raw key or empty text '%s'\n", when,
			    w[i]);
			dump(v);
			fail();
		}
	}
}

/* ---- the tests ---- */

/*
 * A queue at the door: accepted, refused, accepted, duplicate, each less
 * than a second after the last. Every answer shows its own visitor's
 * words and never the last one's, never "reason.none".
 */
static void
test_results_back_to_back(void **state)
{
	static const char *const langs[2] = { "vi", "en" };
	int li;

	(void)state;
	for (li = 0; li < 2; li++) {
		struct rig r;
		int en = li == 1;

		rig_open(&r, langs[li], SCREEN_MODE_SCAN);
		tick(&r, 16);
		settle(&r);
		assert_int_equal(screen_current(r.m), SCREEN_READY);

		result(&r, CHECKIN_ACCEPTED, REASON_NONE, "Vũ Hữu Ổn", 0);
		tick(&r, 16);
		assert_int_equal(screen_current(r.m), SCREEN_ACCEPTED);
		says(&r, en ? "Welcome" : "Xin chào");
		says(&r, "Vũ Hữu Ổn");
		assert_int_equal(r.last_good, 1);
		clean(&r, "accepted");

		tick(&r, 400);
		result(&r, CHECKIN_REJECTED, REASON_CCCD_YEAR_MISMATCH, "", 0);
		tick(&r, 16);
		assert_int_equal(screen_current(r.m), SCREEN_REJECTED);
		says(&r, en ? "birth" : "Năm sinh không khớp");
		not_says(&r, "Vũ Hữu Ổn");
		assert_int_equal(r.last_good, 0);
		clean(&r, "refused");

		tick(&r, 300);
		result(&r, CHECKIN_ACCEPTED, REASON_NONE, "093****567", 0);
		tick(&r, 16);
		says(&r, "093****567");
		not_says(&r, en ? "birth" : "Năm sinh");
		clean(&r, "accepted again");

		tick(&r, 250);
		result(&r, CHECKIN_DUPLICATE, REASON_NONE, "Trần Thị Ửng", 0);
		tick(&r, 16);
		assert_int_equal(screen_current(r.m), SCREEN_DUPLICATE);
		says(&r, en ? "already" : "Bạn đã quét mã rồi");
		says(&r, "Trần Thị Ửng");
		not_says(&r, "093****567");
		clean(&r, "duplicate");

		/* Two answers within one frame: the later one. */
		result(&r, CHECKIN_ACCEPTED, REASON_NONE, "Lê Văn Tám", 0);
		result(&r, CHECKIN_REJECTED, REASON_PASS_EXPIRED, "", 0);
		tick(&r, 16);
		assert_int_equal(screen_current(r.m), SCREEN_REJECTED);
		says(&r, en ? "expired" : "hết hạn");
		not_says(&r, "Lê Văn Tám");

		/* A touch meant for the answer on screen does not dismiss
		 * the next visitor's, which came in the same frame. */
		result(&r, CHECKIN_ACCEPTED, REASON_NONE, "Đỗ Thị Hà", 0);
		press(&r, SCREEN_BTN_NONE);
		tick(&r, 16);
		assert_int_equal(screen_current(r.m), SCREEN_ACCEPTED);
		says(&r, "Đỗ Thị Hà");

		/* Its own touch dismisses it, and the name goes. */
		press(&r, SCREEN_BTN_NONE);
		tick(&r, 16);
		assert_int_equal(screen_current(r.m), SCREEN_READY);
		not_says(&r, "Đỗ Thị Hà");
		assert_int_equal(r.sounds, 7);
		rig_close(&r);
	}
}

/* Every refusal's reason, in both languages: words, never a raw key. */
static void
test_every_reason(void **state)
{
	static const char *const langs[2] = { "vi", "en" };
	struct rig r;
	int li, why;

	(void)state;
	for (li = 0; li < 2; li++) {
		rig_open(&r, langs[li], SCREEN_MODE_SCAN);
		tick(&r, 16);
		for (why = 1; why < REASON_COUNT; why++) {
			result(&r, CHECKIN_REJECTED, (enum reason)why, "", 0);
			tick(&r, 100);
			assert_int_equal(screen_current(r.m), SCREEN_REJECTED);
			clean(&r, reason_code((enum reason)why));
		}
		rig_close(&r);
	}
}

static void
test_keypad(void **state)
{
	const char *digits = "0912345678";
	struct rig r;
	const char *entry;

	(void)state;
	rig_open(&r, "vi", SCREEN_MODE_SCAN);
	tick(&r, 16);
	press(&r, SCREEN_BTN_KEYPAD);
	tick(&r, 16);
	assert_int_equal(screen_current(r.m), SCREEN_KEYPAD);
	says(&r, "Nhập số điện thoại");
	assert_null(view_find(look(&r), VIEW_ROLE_ENTRY, 0));

	/* Touch and keyboard digits alike; a slip taken back. */
	for (; *digits != '\0'; digits++)
		if (*digits == '5')
			key(&r, SCREEN_KEY_DIGIT, 5);
		else
			press(&r, (enum screen_button)(SCREEN_BTN_DIGIT0 +
			    (*digits - '0')));
	press(&r, SCREEN_BTN_DIGIT0 + 9);
	press(&r, SCREEN_BTN_BACKSPACE);
	entry = view_find(look(&r), VIEW_ROLE_ENTRY, 0);
	assert_non_null(entry);
	assert_string_equal(entry, "0912345678");
	press(&r, SCREEN_BTN_OK);
	assert_int_equal(r.submits, 1);
	assert_string_equal(r.submitted, "0912345678");
	assert_string_equal(r.source, "keypad");
	tick(&r, 16);
	assert_int_equal(screen_current(r.m), SCREEN_READY);

	/* Back on the keypad: the last number is gone. */
	press(&r, SCREEN_BTN_KEYPAD);
	tick(&r, 16);
	assert_null(view_find(look(&r), VIEW_ROLE_ENTRY, 0));

	/* A scanner's burst on the keypad is a scan; the digits it typed
	 * on the way are wiped. */
	key(&r, SCREEN_KEY_DIGIT, 0);
	key(&r, SCREEN_KEY_DIGIT, 7);
	scan(&r, "079095001234||An|14031995|Nam|x|20042021");
	assert_int_equal(r.submits, 2);
	assert_string_equal(r.source, "scanner");
	assert_null(view_find(look(&r), VIEW_ROLE_ENTRY, 0));

	/* OK with nothing typed submits nothing; Escape goes back. */
	press(&r, SCREEN_BTN_OK);
	assert_int_equal(r.submits, 2);
	tick(&r, 16);
	assert_int_equal(screen_current(r.m), SCREEN_READY);
	press(&r, SCREEN_BTN_KEYPAD);
	tick(&r, 16);
	key(&r, SCREEN_KEY_ESCAPE, 0);
	tick(&r, 16);
	assert_int_equal(screen_current(r.m), SCREEN_READY);
	rig_close(&r);
}

/* Type DIGITS on the pad's buttons, then OK. */
static void
pin(struct rig *r, const char *digits)
{
	for (; *digits != '\0'; digits++)
		press(r, (enum screen_button)(SCREEN_BTN_DIGIT0 +
		    (*digits - '0')));
	press(r, SCREEN_BTN_OK);
}

static void
test_pin(void **state)
{
	struct rig r;

	(void)state;
	rig_open(&r, "en", SCREEN_MODE_SCAN);
	tick(&r, 16);
	/* The clock held for 3 s. */
	{
		struct screen_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.type = SCREEN_EV_PRESS;
		ev.button = SCREEN_BTN_ADMIN_CORNER;
		ev.down = 1;
		event(&r, &ev);
		tick(&r, 2900);
		assert_int_equal(screen_current(r.m), SCREEN_READY);
		tick(&r, 200);
		assert_int_equal(screen_current(r.m), SCREEN_PIN);
		ev.down = 0;
		event(&r, &ev);
	}
	tick(&r, 16);
	says(&r, "Enter the admin PIN");

	/* Wrong: "checking" while the Argon2 job runs, no typing meanwhile. */
	pin(&r, "11");
	assert_string_equal(view_find(look(&r), VIEW_ROLE_NOTE, 0),
	    "Checking the PIN…");
	assert_null(view_find(look(&r), VIEW_ROLE_ENTRY, 0));
	press(&r, SCREEN_BTN_DIGIT0 + 5);
	assert_null(view_find(look(&r), VIEW_ROLE_ENTRY, 0));
	tick(&r, 16);
	says(&r, "Checking the PIN…");
	settle(&r);
	assert_int_equal(fk.pin_calls, 1);
	assert_int_equal(screen_current(r.m), SCREEN_PIN);
	says(&r, "Wrong PIN");
	not_says(&r, "Checking");

	/* Right: the admin screen once the job says so. */
	pin(&r, "2468");
	assert_null(view_find(look(&r), VIEW_ROLE_ENTRY, 0));
	says(&r, "Checking the PIN…");
	assert_int_equal(screen_current(r.m), SCREEN_PIN);
	settle(&r);
	assert_int_equal(fk.pin_calls, 2);
	assert_int_equal(screen_current(r.m), SCREEN_ADMIN);
	says(&r, "Administration");

	/* A right PIN whose person went away first opens nothing. */
	key(&r, SCREEN_KEY_ESCAPE, 0);
	tick(&r, 16);
	key(&r, SCREEN_KEY_ADMIN, 0);
	tick(&r, 16);
	assert_int_equal(screen_current(r.m), SCREEN_PIN);
	pin(&r, "2468");
	press(&r, SCREEN_BTN_CANCEL);
	tick(&r, 16);
	settle(&r);
	assert_int_equal(screen_current(r.m), SCREEN_READY);

	/* Enter alone on the PIN screen is a wrong PIN. */
	key(&r, SCREEN_KEY_ADMIN, 0);
	tick(&r, 16);
	key(&r, SCREEN_KEY_ENTER, 0);
	settle(&r);
	says(&r, "Wrong PIN");
	rig_close(&r);
}

/*
 * Found by the attack: the PIN screen took guess after guess with no
 * delay. Three wrong PINs in a row lock the pad for 30 s, each one more
 * doubles it; the screen says for how long; a right PIN resets it.
 */
static void
test_pin_lockout(void **state)
{
	struct rig r;
	int i, calls;

	(void)state;
	rig_open(&r, "en", SCREEN_MODE_SCAN);
	tick(&r, 16);
	for (i = 0; i < 3; i++) {
		key(&r, SCREEN_KEY_ADMIN, 0);
		tick(&r, 16);
		pin(&r, "1111");
		settle(&r);
		assert_int_equal(screen_current(r.m), SCREEN_PIN);
	}
	says(&r, "Too many wrong PINs: try again in 30 s");
	/* Locked: the right PIN is not even looked at. */
	calls = fk.pin_calls;
	pin(&r, "2468");
	settle(&r);
	assert_int_equal(fk.pin_calls, calls);
	assert_int_equal(screen_current(r.m), SCREEN_PIN);
	/* It stays locked away from the screen and back. */
	key(&r, SCREEN_KEY_ESCAPE, 0);
	tick(&r, 10000);
	key(&r, SCREEN_KEY_ADMIN, 0);
	tick(&r, 16);
	says(&r, "try again in 20 s");
	tick(&r, 19000);
	tick(&r, 1000);
	/* Past the lock: a fourth wrong one locks it for 60 s. */
	key(&r, SCREEN_KEY_ADMIN, 0);
	tick(&r, 16);
	pin(&r, "9999");
	settle(&r);
	says(&r, "try again in 60 s");
	tick(&r, 60000);
	key(&r, SCREEN_KEY_ADMIN, 0);
	tick(&r, 16);
	pin(&r, "2468");
	settle(&r);
	assert_int_equal(screen_current(r.m), SCREEN_ADMIN);
	/* Right: the count starts again (two wrong ones lock nothing). */
	key(&r, SCREEN_KEY_ESCAPE, 0);
	tick(&r, 16);
	for (i = 0; i < 2; i++) {
		key(&r, SCREEN_KEY_ADMIN, 0);
		tick(&r, 16);
		pin(&r, "1111");
		settle(&r);
	}
	says(&r, "Wrong PIN");
	not_says(&r, "Too many");
	rig_close(&r);
}

static void
test_admin(void **state)
{
	struct rig r;

	(void)state;
	rig_open(&r, "en", SCREEN_MODE_SCAN);
	tick(&r, 16);
	screen_goto(r.m, SCREEN_ADMIN);
	tick(&r, 16);
	/* The counts come from a job: "…" until they do. */
	says(&r, "Today … · total … · to upload …");
	settle(&r);
	says(&r, "Today 128 · total 5321 · to upload 17");
	says(&r, "Last upload: never");
	says(&r, "Mode: scan");
	clean(&r, "admin");

	/* Purge: said while it runs, one at a time, then its count. */
	press(&r, SCREEN_BTN_PURGE);
	assert_string_equal(view_find(look(&r), VIEW_ROLE_NOTE, 0),
	    "Purging old uploaded visits…");
	press(&r, SCREEN_BTN_PURGE);
	settle(&r);
	assert_int_equal(fk.purge_calls, 1);
	says(&r, "Purged 42 old uploaded visits");

	/* A failed purge says so: not "purged 0". */
	fk.purge_fails = 1;
	press(&r, SCREEN_BTN_PURGE);
	settle(&r);
	says(&r, "The purge failed");
	not_says(&r, "Purged");

	/* Mode and language are recorded by a job; the screen follows. */
	press(&r, SCREEN_BTN_MODE);
	settle(&r);
	assert_int_equal(fk.changed_calls, 1);
	assert_string_equal(fk.changed_mode, "display");
	says(&r, "Mode: display");
	press(&r, SCREEN_BTN_LANG);
	settle(&r);
	assert_string_equal(fk.changed_lang, "vi");
	says(&r, "Quản trị");

	/* The counts are fresh every 2 s while the screen shows them. */
	fk.status_calls = 0;
	tick(&r, 2100);
	settle(&r);
	assert_int_equal(fk.status_calls, 1);

	press(&r, SCREEN_BTN_QUIT);
	assert_true(screen_quit_requested(r.m));
	press(&r, SCREEN_BTN_BACK);
	tick(&r, 16);
	assert_int_equal(screen_current(r.m), SCREEN_READY);
	rig_close(&r);
}

static void
test_patrol(void **state)
{
	struct rig r;
	const struct view *v;
	size_t i;
	int qr;

	(void)state;
	rig_open(&r, "en", SCREEN_MODE_SCAN);
	tick(&r, 16);
	result(&r, CHECKIN_ACCEPTED, REASON_NONE, "Cán bộ", 1);
	tick(&r, 16);
	assert_int_equal(screen_current(r.m), SCREEN_PATROL);
	/* quick_check and the receipt are a job: said plainly meanwhile. */
	assert_string_equal(view_find(look(&r), VIEW_ROLE_NOTE, 0),
	    "Checking the kiosk…");
	not_says(&r, "Venue:");
	settle(&r);
	assert_int_equal(fk.patrol_calls, 1);
	says(&r, "CHECK NEEDED: nothing ever uploaded");
	says(&r, "Venue: Cà phê Sài Gòn (Q1-CAFE-001)");
	says(&r, "Gaps in the last 24 h: 1 (longest 42 min)");
	says(&r, "Store: good");
	clean(&r, "patrol");
	v = look(&r);
	for (qr = 0, i = 0; i < v->n; i++)
		if (v->item[i].kind == VIEW_QR) {
			assert_string_equal(v->item[i].text,
			    "KR1.figures.signature");
			qr++;
		}
	assert_int_equal(qr, 1);

	/* No receipt (no device key): the figures, without a QR. */
	fk.patrol_fails = 1;
	result(&r, CHECKIN_ACCEPTED, REASON_NONE, "Cán bộ", 1);
	tick(&r, 16);
	settle(&r);
	says(&r, "Venue: Cà phê Sài Gòn (Q1-CAFE-001)");
	v = look(&r);
	for (i = 0; i < v->n; i++)
		assert_int_not_equal(v->item[i].kind, VIEW_QR);
	tick(&r, 60000);
	assert_int_equal(screen_current(r.m), SCREEN_READY);
	rig_close(&r);
}

/* Every screen goes back to ready by itself, after its own time idle. */
static void
test_timeouts(void **state)
{
	static const struct {
		enum screen_id s;
		int ms;
	} t[] = {
		{ SCREEN_ACCEPTED, 3000 }, { SCREEN_DUPLICATE, 3000 },
		{ SCREEN_REJECTED, 4000 }, { SCREEN_ERROR, 4000 },
		{ SCREEN_KEYPAD, 30000 }, { SCREEN_PIN, 20000 },
		{ SCREEN_ADMIN, 60000 }, { SCREEN_PATROL, 60000 },
	};
	struct rig r;
	size_t i;

	(void)state;
	rig_open(&r, "vi", SCREEN_MODE_SCAN);
	tick(&r, 16);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct screen_event ev;

		/* The answers come as they do at the door. */
		memset(&ev, 0, sizeof(ev));
		if (t[i].s == SCREEN_ACCEPTED)
			result(&r, CHECKIN_ACCEPTED, REASON_NONE, "An", 0);
		else if (t[i].s == SCREEN_DUPLICATE)
			result(&r, CHECKIN_DUPLICATE, REASON_NONE, "An", 0);
		else if (t[i].s == SCREEN_REJECTED)
			result(&r, CHECKIN_REJECTED, REASON_PASS_EXPIRED, "",
			    0);
		else if (t[i].s == SCREEN_PATROL)
			result(&r, CHECKIN_ACCEPTED, REASON_NONE, "Cán bộ", 1);
		else if (t[i].s != SCREEN_ERROR)
			screen_goto(r.m, t[i].s);
		if (t[i].s == SCREEN_ERROR) {
			ev.type = SCREEN_EV_ERROR;
			event(&r, &ev);
		}
		tick(&r, 16);
		assert_int_equal(screen_current(r.m), t[i].s);
		clean(&r, "timeout");
		tick(&r, t[i].ms - 1);
		assert_int_equal(screen_current(r.m), t[i].s);
		tick(&r, 1);
		assert_int_equal(screen_current(r.m), SCREEN_READY);
		tick(&r, 16);
		settle(&r);
	}
	/* Typing keeps the keypad up. */
	screen_goto(r.m, SCREEN_KEYPAD);
	tick(&r, 16);
	tick(&r, 29000);
	key(&r, SCREEN_KEY_DIGIT, 0);
	tick(&r, 29000);
	assert_int_equal(screen_current(r.m), SCREEN_KEYPAD);
	tick(&r, 1000);
	assert_int_equal(screen_current(r.m), SCREEN_READY);
	rig_close(&r);
}

/* The QR item of the current view, or NULL. */
static const char *
venue_qr(struct rig *r)
{
	const struct view *v = look(r);
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->item[i].kind == VIEW_QR)
			return v->item[i].text;
	return NULL;
}

/*
 * The venue token is signed by a job ahead of its slot: when the slot
 * turns, the next URL is already there, and a view never signs.
 */
static void
test_venue_ahead(void **state)
{
	struct rig r;
	char want[128];
	int64_t slot;

	(void)state;
	rig_open(&r, "vi", SCREEN_MODE_DISPLAY);
	slot = (r.wall + 16) / 1000 / 30;
	tick(&r, 16);
	assert_null(venue_qr(&r));	/* not signed yet: no code */
	assert_string_equal(screen_venue_text(r.m), "");
	settle(&r);
	assert_int_equal(fk.venue_calls, 2);	/* this slot and the next */
	snprintf(want, sizeof(want), "https://checkin.example.vn/c/slot-%lld",
	    (long long)slot);
	assert_string_equal(venue_qr(&r), want);
	assert_string_equal(screen_venue_text(r.m), want);
	says(&r, "Mã đổi sau 30 giây");

	/* Views and ticks within the slot sign nothing. */
	tick(&r, 10000);
	look(&r);
	settle(&r);
	assert_int_equal(fk.venue_calls, 2);
	says(&r, "Mã đổi sau 20 giây");

	/* The slot turns: the next code at once, the one after asked for. */
	tick(&r, 20000);
	snprintf(want, sizeof(want), "https://checkin.example.vn/c/slot-%lld",
	    (long long)(slot + 1));
	assert_string_equal(venue_qr(&r), want);
	settle(&r);
	assert_int_equal(fk.venue_calls, 3);

	/* Signing fails (no device key): no code, not asked again for the
	 * same slots. */
	rig_close(&r);
	rig_open(&r, "vi", SCREEN_MODE_BOTH);
	fk.venue_fails = 1;
	tick(&r, 16);
	settle(&r);
	tick(&r, 5000);
	settle(&r);
	assert_int_equal(fk.venue_calls, 2);
	assert_null(venue_qr(&r));
	says(&r, "Quét mã bằng điện thoại để khai báo");

	/* Scan mode signs nothing. */
	rig_close(&r);
	rig_open(&r, "vi", SCREEN_MODE_SCAN);
	tick(&r, 16);
	settle(&r);
	assert_int_equal(fk.venue_calls, 0);
	rig_close(&r);
}

/* The view: buttons and touch areas where they are drawn, words in order. */
static void
test_view(void **state)
{
	struct rig r;
	struct view_rect b;
	const struct view *v;
	const char *w[8];

	(void)state;
	rig_open(&r, "vi", SCREEN_MODE_SCAN);
	tick(&r, 16);
	settle(&r);
	v = look(&r);
	assert_int_equal(view_button_rect(v, "Nhập số điện thoại", &b), 0);
	assert_int_equal(view_hit_test(v, b.x + b.w / 2, b.y + b.h / 2),
	    SCREEN_BTN_KEYPAD);
	assert_int_equal(view_button_rect(v, "English", &b), 0);
	assert_int_equal(view_hit_test(v, b.x + 1, b.y + 1), SCREEN_BTN_LANG);
	assert_int_equal(view_button_rect(v, "admin-corner", &b), 0);
	assert_int_equal(view_hit_test(v, b.x + 1, b.y + 1),
	    SCREEN_BTN_ADMIN_CORNER);
	assert_int_equal(view_hit_test(v, 1, H - 1), SCREEN_BTN_NONE);
	/* A touch area is not a word; the venue and the clock are first. */
	assert_false(view_says(v, "admin-corner"));
	assert_true(view_words(v, w, 8) > 8);
	assert_string_equal(w[0], "Cà phê Sài Gòn — Chi nhánh Bến Nghé");
	says(&r, "128");
	says(&r, "Ngoại tuyến");
	says(&r, "Chờ gửi: 17");
	clean(&r, "ready");

	/* The language button: the other language, recorded by a job. */
	press(&r, SCREEN_BTN_LANG);
	settle(&r);
	says(&r, "Hold your QR code in the frame");
	assert_int_equal(fk.changed_calls, 1);

	/* The camera's state is on the ready screen. */
	{
		struct screen_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.type = SCREEN_EV_CAMERA;
		ev.camera = SCREEN_CAMERA_LOST;
		event(&r, &ev);
		says(&r, "Camera disconnected");
	}
	rig_close(&r);
}

/* Manual jobs run only when settled; stopping keeps what records. */
static void
test_jobs(void **state)
{
	struct jobs_hooks h = { NULL, f_status, f_patrol, f_purge, f_pin,
	    f_venue, f_changed, f_set_pin };
	struct screen_request rq;
	struct screen_job_done d;
	struct jobs *j;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	j = jobs_start(&h, 1);
	assert_non_null(j);
	memset(&rq, 0, sizeof(rq));
	rq.type = SCREEN_REQ_JOB;
	rq.job = SCREEN_JOB_PIN;
	rq.id = 7;
	snprintf(rq.text, sizeof(rq.text), "2468");
	assert_int_equal(jobs_post(j, &rq), 0);
	assert_int_equal(jobs_poll(j, &d), 0);
	assert_int_equal(fk.pin_calls, 0);
	jobs_settle(j);
	assert_int_equal(jobs_poll(j, &d), 1);
	assert_int_equal(d.job, SCREEN_JOB_PIN);
	assert_int_equal(d.id, 7);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(jobs_poll(j, &d), 0);

	/* Not a job: refused. */
	rq.type = SCREEN_REQ_SOUND;
	assert_int_equal(jobs_post(j, &rq), -1);

	/* At stop, the queued reads are dropped, a settings change runs. */
	rq.type = SCREEN_REQ_JOB;
	rq.job = SCREEN_JOB_STATUS;
	assert_int_equal(jobs_post(j, &rq), 0);
	rq.job = SCREEN_JOB_SETTINGS;
	rq.mode = SCREEN_MODE_BOTH;
	rq.lang = "en";
	assert_int_equal(jobs_post(j, &rq), 0);
	jobs_stop(j);
	assert_int_equal(fk.status_calls, 0);
	assert_int_equal(fk.changed_calls, 1);
	assert_string_equal(fk.changed_mode, "both");

	/* The thread: as many outcomes as jobs, in order. */
	j = jobs_start(&h, 0);
	assert_non_null(j);
	rq.job = SCREEN_JOB_VENUE;
	for (rq.slot = 100; rq.slot < 110; rq.slot++)
		assert_int_equal(jobs_post(j, &rq), 0);
	jobs_settle(j);
	for (rq.slot = 100; rq.slot < 110; rq.slot++) {
		assert_int_equal(jobs_poll(j, &d), 1);
		assert_int_equal(d.n, rq.slot);
		assert_non_null(strstr(d.url, "slot-1"));
	}
	assert_int_equal(jobs_poll(j, &d), 0);
	jobs_stop(j);
}

static int
setup(void **state)
{
	(void)state;
	assert_true(sodium_init() >= 0);
	return 0;
}

/*
 * A kiosk with no settings shows what the owner is to do, in each
 * language, and stays there: scans, keys and time change nothing and ask
 * for no job (there is no store to ask).
 */
static void
test_setup_screen(void **state)
{
	static const char *const langs[2][3] = {
		{ "vi", "Quét mã đăng ký do phường cấp", "sudo kioskctl init" },
		{ "en", "Scan the enrolment code from your ward", "sudo kioskctl" },
	};
	struct screen_opts o;
	struct rig r;
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		rig_open(&r, langs[i][0], SCREEN_MODE_SCAN);
		screen_free(r.m);
		memset(&o, 0, sizeof(o));
		o.lang = langs[i][0];
		o.setup = 1;
		/* The command for the kiosk's own store. */
		if (i == 1)
			o.setup_cmd = "sudo kioskctl --db /srv/k/visits.db init "
			    "--venue-id ID";
		r.m = screen_new(&o);
		assert_non_null(r.m);
		tick(&r, 0);
		says(&r, langs[i][1]);
		says(&r, langs[i][2]);
		if (i == 1)
			says(&r, "--db /srv/k/visits.db init");
		clean(&r, "setup");
		/* A scanner's code goes to the worker (the set-up's reader);
		 * nothing else leaves the screen: no status, no timeout. */
		scan(&r, "KE1.abc.def");
		key(&r, SCREEN_KEY_ESCAPE, 0);
		tick(&r, 120000);
		settle(&r);
		assert_int_equal(screen_current(r.m), SCREEN_SETUP);
		says(&r, langs[i][1]);
		assert_int_equal(r.submits, 1);
		assert_int_equal(fk.status_calls, 0);
		rig_close(&r);
	}
}

/* Set STATE (with WHY and DETAIL) on the rig's set-up screen. */
static void
setup_state(struct rig *r, enum screen_setup_state st, const char *why,
    const char *detail, const char *pin)
{
	struct screen_setup s;

	memset(&s, 0, sizeof(s));
	s.state = st;
	snprintf(s.venue, sizeof(s.venue), "Cà phê Đường Tàu");
	snprintf(s.ward, sizeof(s.ward), "Phường Hàng Bông");
	snprintf(s.fingerprint, sizeof(s.fingerprint), "7A0C-A477-E6A6-2317");
	s.why_key = why;
	snprintf(s.detail, sizeof(s.detail), "%s", detail ? detail : "");
	snprintf(s.pin, sizeof(s.pin), "%s", pin ? pin : "");
	screen_setup_set(r->m, &s);
	tick(r, r->mono + 100);
}

/* The set-up's states as the owner sees them, and the PIN changed there. */
static void
test_setup_states(void **state)
{
	struct screen_opts o;
	struct rig r;
	int d;

	(void)state;
	rig_open(&r, "vi", SCREEN_MODE_SCAN);
	screen_free(r.m);
	memset(&o, 0, sizeof(o));
	o.lang = "vi";
	o.setup = 1;
	r.m = screen_new(&o);
	tick(&r, 0);

	setup_state(&r, SCREEN_SETUP_ENROLLING, NULL, NULL, "482913");
	says(&r, "Đang đăng ký với máy chủ phường");
	says(&r, "7A0C-A477-E6A6-2317");
	says(&r, "Cơ sở: Cà phê Đường Tàu");
	setup_state(&r, SCREEN_SETUP_ENROLLING, "setup.unreachable",
	    "cannot reach the collector at https://x: timeout", "482913");
	says(&r, "Chưa kết nối được máy chủ phường");
	says(&r, "timeout");
	setup_state(&r, SCREEN_SETUP_ENROLLING, "setup.no_sync", NULL,
	    "482913");
	says(&r, "kiosk-sync");
	setup_state(&r, SCREEN_SETUP_FAILED, "setup.err_expired", NULL, NULL);
	says(&r, "Mã đăng ký đã hết hạn");
	says(&r, "Quét mã đăng ký do phường cấp");	/* scan another */
	setup_state(&r, SCREEN_SETUP_FAILED, "setup.err_refused",
	    "this enrolment token was used already: ask the ward for a new "
	    "one", NULL);
	says(&r, "Phường từ chối đăng ký: this enrolment token was used");
	setup_state(&r, SCREEN_SETUP_FAILED, "setup.err_not_code", NULL, NULL);
	says(&r, "Đây không phải mã đăng ký");

	/* Done: the PIN once, Change PIN, Start. */
	setup_state(&r, SCREEN_SETUP_DONE, NULL, NULL, "482913");
	says(&r, "Đã đăng ký xong");
	says(&r, "482913");
	press(&r, SCREEN_BTN_SETUP_PIN);
	settle(&r);
	assert_int_equal(screen_current(r.m), SCREEN_NEWPIN);
	says(&r, "Mã PIN mới");
	for (d = 1; d <= 5; d++)
		key(&r, SCREEN_KEY_DIGIT, d);
	press(&r, SCREEN_BTN_OK);
	settle(&r);
	says(&r, "đúng 6 chữ số");
	assert_int_equal(fk.set_pin_calls, 0);
	key(&r, SCREEN_KEY_DIGIT, 0);
	key(&r, SCREEN_KEY_DIGIT, 7);	/* a seventh is not taken */
	press(&r, SCREEN_BTN_OK);
	settle(&r);
	assert_int_equal(fk.set_pin_calls, 1);
	assert_string_equal(fk.set_pin, "123450");
	assert_int_equal(screen_current(r.m), SCREEN_SETUP);
	says(&r, "Đã đổi mã PIN quản trị");
	not_says(&r, "482913");	/* the old PIN is not shown again */
	assert_int_equal(screen_setup_finished(r.m), 0);
	press(&r, SCREEN_BTN_SETUP_START);
	assert_int_equal(screen_setup_finished(r.m), 1);
	screen_setup_leave(r.m);
	tick(&r, r.mono + 100);
	settle(&r);
	assert_int_equal(screen_current(r.m), SCREEN_READY);
	rig_close(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_back_to_back),
		cmocka_unit_test(test_setup_screen),
		cmocka_unit_test(test_setup_states),
		cmocka_unit_test(test_every_reason),
		cmocka_unit_test(test_keypad),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_pin_lockout),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_patrol),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_venue_ahead),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_jobs),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
