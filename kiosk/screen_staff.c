/*
 * screen_staff: the screens with buttons behind them: the keypad (a phone
 * number), the admin PIN, the admin screen and the patrol screen. Their
 * slow work (the PIN's Argon2 check, the purge, the patrol's figures and
 * receipt) is asked of a job; the screen says plainly that it is running
 * and takes the outcome when its event comes. See screen_impl.h.
 */
#include "screen_impl.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "log.h"

/* ---- keypad and PIN ---- */

void
screen_pad_enter(struct screen *m)
{
	sodium_memzero(m->keypad, sizeof(m->keypad));
	m->pin_wrong = 0;
	/* A check still running was for an earlier visit: its answer is
	 * not taken. */
	m->pin_state = JOB_IDLE;
	m->pin_id = 0;
}

void
screen_pad_digit(struct screen *m, int d)
{
	size_t n = strlen(m->keypad);

	if (n < KEYPAD_MAX && d >= 0 && d <= 9) {
		m->keypad[n] = (char)('0' + d);
		m->keypad[n + 1] = '\0';
	}
}

void
screen_pad_backspace(struct screen *m)
{
	size_t n = strlen(m->keypad);

	if (n > 0)
		m->keypad[n - 1] = '\0';
}

/*
 * What a pad event means: 'd' a digit (*DIGIT), 'b' backspace, 'k' OK,
 * 'c' cancel, 0 nothing.
 */
int
screen_pad_action(const struct screen_event *ev, int *digit)
{
	if (ev->type == SCREEN_EV_KEY) {
		*digit = ev->digit;
		return ev->key == SCREEN_KEY_DIGIT ? 'd' :
		    ev->key == SCREEN_KEY_BACKSPACE ? 'b' :
		    ev->key == SCREEN_KEY_ENTER ? 'k' : 0;
	}
	if (ev->type != SCREEN_EV_PRESS || !ev->down)
		return 0;
	if (ev->button >= SCREEN_BTN_DIGIT0 &&
	    ev->button <= SCREEN_BTN_DIGIT9) {
		*digit = (int)(ev->button - SCREEN_BTN_DIGIT0);
		return 'd';
	}
	return ev->button == SCREEN_BTN_BACKSPACE ? 'b' :
	    ev->button == SCREEN_BTN_OK ? 'k' :
	    ev->button == SCREEN_BTN_CANCEL ? 'c' : 0;
}

void
screen_keypad_event(struct screen *m, const struct screen_event *ev)
{
	struct screen_request *rq;
	int digit = 0;

	switch (screen_pad_action(ev, &digit)) {
	case 'd':
		screen_pad_digit(m, digit);
		break;
	case 'b':
		screen_pad_backspace(m);
		break;
	case 'k':
		if (m->keypad[0] != '\0') {
			rq = screen_request(m, SCREEN_REQ_SUBMIT);
			if (rq != NULL) {
				memcpy(rq->text, m->keypad, sizeof(m->keypad));
				snprintf(rq->source, sizeof(rq->source),
				    "keypad");
			}
		}
		screen_go(m, SCREEN_READY);	/* the answer screen follows */
		break;
	case 'c':
		screen_go(m, SCREEN_READY);
		break;
	}
}

/*
 * Wrong PINs: the first PIN_FREE_TRIES in a row cost nothing; each one
 * after locks the pad for PIN_LOCK_MS, doubled each time, at most
 * PIN_LOCK_MAX_MS (a six-digit PIN then takes years to guess). A right
 * PIN starts the count again.
 */
#define PIN_FREE_TRIES 3
#define PIN_LOCK_MS 30000
#define PIN_LOCK_MAX_MS (15 * 60000)

static int64_t
pin_lock_ms(int fails)
{
	int64_t ms = PIN_LOCK_MS;
	int i;

	for (i = PIN_FREE_TRIES; i < fails && ms < PIN_LOCK_MAX_MS; i++)
		ms *= 2;
	return ms < PIN_LOCK_MAX_MS ? ms : PIN_LOCK_MAX_MS;
}

void
screen_pin_event(struct screen *m, const struct screen_event *ev)
{
	struct screen_request *rq;
	int digit = 0, a = screen_pad_action(ev, &digit);

	if (a == 'c') {
		screen_go(m, SCREEN_READY);
		return;
	}
	if (m->pin_state == JOB_RUNNING)
		return;		/* "checking the PIN": no typing meanwhile */
	if (m->now < m->pin_locked_until)
		return;		/* locked after too many wrong PINs */
	if (a == 'd') {
		screen_pad_digit(m, digit);
	} else if (a == 'b') {
		screen_pad_backspace(m);
	} else if (a == 'k') {
		m->pin_wrong = 0;
		rq = screen_job(m, SCREEN_JOB_PIN);
		if (rq != NULL) {
			memcpy(rq->text, m->keypad, sizeof(m->keypad));
			m->pin_id = rq->id;
			m->pin_state = JOB_RUNNING;
		} else {
			m->pin_wrong = 1;
		}
		sodium_memzero(m->keypad, sizeof(m->keypad));
	}
}

void
screen_pin_done(struct screen *m, const struct screen_job_done *d)
{
	if (m->cur != SCREEN_PIN || m->pin_state != JOB_RUNNING ||
	    d->id != m->pin_id)
		return;		/* the person went away meanwhile */
	m->pin_state = JOB_IDLE;
	if (d->rc == 0 && d->n == 1) {
		m->pin_fails = 0;
		m->pin_locked_until = 0;
		screen_go(m, SCREEN_ADMIN);
	} else {
		m->pin_wrong = 1;
		if (++m->pin_fails >= PIN_FREE_TRIES)
			m->pin_locked_until = m->now + pin_lock_ms(m->pin_fails);
		log_warn("admin screen: wrong PIN (%d in a row)%s", m->pin_fails,
		    m->pin_fails >= PIN_FREE_TRIES ? "; the pad is locked" : "");
	}
}

/* The number pad, for phone numbers and (MASKED) the admin PIN. */
void
screen_pad_view(const struct screen *m, struct view *v, const char *title,
    int masked, const char *note, enum view_colour colour)
{
	static const char *const keys[12] = { "1", "2", "3", "4", "5", "6",
	    "7", "8", "9", "⌫", "0", NULL };
	static const int ids[12] = { SCREEN_BTN_DIGIT0 + 1,
	    SCREEN_BTN_DIGIT0 + 2, SCREEN_BTN_DIGIT0 + 3,
	    SCREEN_BTN_DIGIT0 + 4, SCREEN_BTN_DIGIT0 + 5,
	    SCREEN_BTN_DIGIT0 + 6, SCREEN_BTN_DIGIT0 + 7,
	    SCREEN_BTN_DIGIT0 + 8, SCREEN_BTN_DIGIT0 + 9,
	    SCREEN_BTN_BACKSPACE, SCREEN_BTN_DIGIT0, SCREEN_BTN_OK };
	int u = screen_unit(v), land = v->w > v->h, i, gx, gy, gw, gh, bw, bh;
	char shown[KEYPAD_MAX + 1];
	struct view_rect left;
	size_t k, n = strlen(m->keypad);

	for (k = 0; k < n; k++)
		shown[k] = masked ? '*' : m->keypad[k];
	shown[n] = '\0';
	view_fill(v, RECT(0, 0, v->w, v->h), VIEW_C_BG);
	if (land) {
		left = RECT(u, u, v->w * 45 / 100 - 2 * u, v->h - 2 * u);
		gx = v->w * 45 / 100;
		gy = u;
		gw = v->w - gx - u;
		gh = v->h - 2 * u;
	} else {
		left = RECT(u, u, v->w - 2 * u, v->h * 38 / 100);
		gx = u;
		gy = v->h * 40 / 100;
		gw = v->w - 2 * u;
		gh = v->h - gy - u;
	}
	view_text(v, VIEW_ROLE_TITLE, title, RECT(left.x, left.y, left.w,
	    left.h * 3 / 10), 3 * u, 1, VIEW_C_TEXT, VIEW_CENTER);
	view_fill(v, RECT(left.x, left.y + left.h * 35 / 100, left.w,
	    left.h * 25 / 100), VIEW_C_WHITE);
	view_text(v, VIEW_ROLE_ENTRY, n > 0 ? shown : NULL, RECT(left.x + u,
	    left.y + left.h * 35 / 100, left.w - 2 * u, left.h * 25 / 100),
	    left.h / 6, 1, VIEW_C_INK, VIEW_CENTER);
	sodium_memzero(shown, sizeof(shown));
	if (note != NULL) {
		view_text(v, VIEW_ROLE_NOTE, screen_s(m, note), RECT(left.x,
		    left.y + left.h * 60 / 100, left.w, left.h / 10), 2 * u, 1,
		    colour, VIEW_CENTER);
	} else if (m->cur != SCREEN_PIN) {
		/* nothing under the digits */
	} else if (masked && m->now < m->pin_locked_until) {
		char secs[24], locked[200];
		const char *arg[1] = { secs };

		snprintf(secs, sizeof(secs), "%lld", (long long)
		    ((m->pin_locked_until - m->now + 999) / 1000));
		view_text(v, VIEW_ROLE_NOTE, screen_fill(m, locked, sizeof(locked),
		    "ui.admin_pin_locked", arg, 1), RECT(left.x, left.y +
		    left.h * 60 / 100, left.w, left.h / 10), 2 * u, 1,
		    VIEW_C_WARN, VIEW_CENTER);
	} else if (masked && (m->pin_state == JOB_RUNNING || m->pin_wrong)) {
		view_text(v, VIEW_ROLE_NOTE, screen_s(m, m->pin_state ==
		    JOB_RUNNING ? "ui.admin_pin_checking" :
		    "ui.admin_pin_wrong"), RECT(left.x, left.y +
		    left.h * 60 / 100, left.w, left.h / 10), 2 * u, 1,
		    m->pin_state == JOB_RUNNING ? VIEW_C_DIM : VIEW_C_WARN,
		    VIEW_CENTER);
	}
	screen_button(v, SCREEN_BTN_CANCEL, screen_s(m, "ui.keypad_cancel"),
	    RECT(left.x, left.y + left.h * 75 / 100, left.w,
	    left.h * 22 / 100), VIEW_C_PANEL);
	bw = (gw - 2 * u) / 3;
	bh = (gh - 3 * u) / 4;
	for (i = 0; i < 12; i++)
		screen_button(v, ids[i], i == 11 ? screen_s(m, "ui.keypad_ok") :
		    keys[i], RECT(gx + (i % 3) * (bw + u), gy + (i / 3) *
		    (bh + u), bw, bh), i == 11 ? VIEW_C_OK : VIEW_C_BTN);
}

void
screen_keypad_view(const struct screen *m, struct view *v)
{
	screen_pad_view(m, v, screen_s(m, "ui.keypad_title"), 0, NULL,
	    VIEW_C_DIM);
}

void
screen_pin_view(const struct screen *m, struct view *v)
{
	screen_pad_view(m, v, screen_s(m, "ui.admin_pin"), 1, NULL,
	    VIEW_C_DIM);
}

/* ---- admin ---- */

void
screen_admin_enter(struct screen *m)
{
	if (m->purge_state != JOB_RUNNING)
		m->purge_state = JOB_IDLE;	/* last visit's note goes */
}

void
screen_admin_tick(struct screen *m)
{
	screen_status_refresh(m);
}

void
screen_admin_event(struct screen *m, const struct screen_event *ev)
{
	struct screen_request *rq;

	if (ev->type != SCREEN_EV_PRESS)
		return;
	switch (ev->button) {
	case SCREEN_BTN_MODE:
		m->mode = (enum screen_mode)((m->mode + 1) % 3);
		screen_settings_changed(m);
		break;
	case SCREEN_BTN_LANG:
		m->li = 1 - m->li;
		screen_settings_changed(m);
		break;
	case SCREEN_BTN_PURGE:
		if (m->purge_state == JOB_RUNNING)
			break;		/* one purge at a time */
		rq = screen_job(m, SCREEN_JOB_PURGE);
		if (rq == NULL)
			break;
		m->purge_id = rq->id;
		m->purge_state = JOB_RUNNING;
		break;
	case SCREEN_BTN_QUIT:
		m->quit = 1;
		break;
	case SCREEN_BTN_BACK:
		screen_go(m, SCREEN_READY);
		break;
	default:
		break;
	}
}

void
screen_purge_done(struct screen *m, const struct screen_job_done *d)
{
	if (d->id != m->purge_id || m->purge_state != JOB_RUNNING)
		return;
	m->purge_state = d->rc == 0 ? JOB_DONE : JOB_FAILED;
	m->purged = d->n;
}

/* The note under the figures: the purge's progress or outcome, else what
 * the owner must act on (damaged store files, the collector does not know
 * or refuses the kiosk, visits it refused, a clock not yet trusted, a
 * keyboard-mode scanner that loses letters), else nothing. */
static void
admin_note(const struct screen *m, struct view *v, struct view_rect r)
{
	char num[24], note[256];
	const char *args[1] = { num };

	switch (m->purge_state) {
	case JOB_RUNNING:
		view_text(v, VIEW_ROLE_NOTE, screen_s(m, "ui.admin_purging"), r,
		    r.h / 2, 1, VIEW_C_DIM, VIEW_LEFT);
		return;
	case JOB_DONE:
		screen_count_text(1, m->purged, num, sizeof(num));
		view_text(v, VIEW_ROLE_NOTE, screen_fill(m, note, sizeof(note),
		    "ui.admin_purged", args, 1), r, r.h / 2, 1, VIEW_C_ACCENT,
		    VIEW_LEFT);
		return;
	case JOB_FAILED:
		view_text(v, VIEW_ROLE_NOTE, screen_s(m,
		    "ui.admin_purge_failed"), r, r.h / 2, 1, VIEW_C_WARN,
		    VIEW_LEFT);
		return;
	case JOB_IDLE:
		break;
	}
	if (m->have_status && m->status.unreadable > 0) {
		/* The worst news first: a damaged store lost visits that
		 * were not uploaded. */
		screen_count_text(1, m->status.unreadable, num, sizeof(num));
		view_text(v, VIEW_ROLE_NOTE, screen_fill(m, note, sizeof(note),
		    "ui.admin_alert_store", args, 1), r, r.h / 2, 1,
		    VIEW_C_WARN, VIEW_LEFT);
		return;
	}
	if (m->have_status && (m->status.alert != SCREEN_ALERT_NONE ||
	    m->status.quarantined > 0 || m->status.untrusted > 0)) {
		const char *key = m->status.alert == SCREEN_ALERT_NOT_ENROLLED ?
		    "ui.admin_alert_not_enrolled" : m->status.alert ==
		    SCREEN_ALERT_REFUSED ? "ui.admin_alert_refused" :
		    m->status.quarantined > 0 ? "ui.admin_alert_quarantined" :
		    "ui.admin_alert_clock";

		screen_count_text(1, m->status.quarantined > 0 &&
		    m->status.alert == SCREEN_ALERT_NONE ?
		    m->status.quarantined : m->status.untrusted, num,
		    sizeof(num));
		view_text(v, VIEW_ROLE_NOTE, screen_fill(m, note, sizeof(note),
		    key, args, 1), r, r.h / 2, 1, VIEW_C_WARN, VIEW_LEFT);
		return;
	}
	if (m->scanner_lost)
		view_text(v, VIEW_ROLE_NOTE, screen_s(m,
		    "ui.admin_scanner_keyboard"), r, r.h / 2, 1, VIEW_C_WARN,
		    VIEW_LEFT);
}

void
screen_admin_view(const struct screen *m, struct view *v)
{
	static const int ids[5] = { SCREEN_BTN_MODE, SCREEN_BTN_LANG,
	    SCREEN_BTN_PURGE, SCREEN_BTN_QUIT, SCREEN_BTN_BACK };
	static const char *const labels[5] = { "ui.admin_switch_mode",
	    "ui.admin_language", "ui.admin_purge", "ui.admin_quit",
	    "ui.admin_back" };
	static const char *const modes[3] = { "ui.admin_mode_scan",
	    "ui.admin_mode_display", "ui.admin_mode_both" };
	int u = screen_unit(v), lh = v->h / 11, y, i, cols, rows, bw, bh;
	char a[24], b[24], c[24], when[40], line[3][256];
	const char *info[4], *args[3] = { a, b, c };
	struct view_item *it;

	view_fill(v, RECT(0, 0, v->w, v->h), VIEW_C_BG);
	view_text(v, VIEW_ROLE_TITLE, screen_s(m, "ui.admin_title"),
	    RECT(u, 0, v->w - 2 * u, lh), lh * 6 / 10, 1, VIEW_C_TEXT,
	    VIEW_LEFT);
	y = lh;
	screen_count_text(m->have_status, m->status.today, a, sizeof(a));
	screen_count_text(m->have_status, m->status.total, b, sizeof(b));
	screen_count_text(m->have_status, m->status.pending, c, sizeof(c));
	if (m->status.last_upload_ms)
		screen_when_text(m->status.last_upload_ms, when, sizeof(when));
	else
		snprintf(when, sizeof(when), "%s", m->have_status ?
		    screen_s(m, "ui.never") : "…");
	info[0] = m->o.venue_name;
	info[1] = screen_fill(m, line[0], sizeof(line[0]), "ui.admin_counts",
	    args, 3);
	args[0] = when;
	info[2] = screen_fill(m, line[1], sizeof(line[1]),
	    "ui.admin_last_sync", args, 1);
	args[0] = screen_s(m, modes[m->mode]);
	info[3] = screen_fill(m, line[2], sizeof(line[2]), "ui.admin_mode",
	    args, 1);
	/* One size for the four lines: the largest at which each fits. */
	for (i = 0; i < 4; i++, y += lh) {
		it = view_text(v, VIEW_ROLE_LINE, info[i], RECT(u, y,
		    v->w - 2 * u, lh), lh / 2, 0, VIEW_C_TEXT, VIEW_LEFT);
		if (it != NULL)
			it->group = 1;
	}
	admin_note(m, v, RECT(u, y, v->w - 2 * u, lh));
	y += lh + u;
	/* Three a row on a wide screen, two on a tall one; every label at
	 * one size, the largest at which all fit on one line (no label
	 * broken a word a line). */
	cols = v->w > v->h ? 3 : 2;
	rows = (5 + cols - 1) / cols;
	bh = (v->h - y - u - (rows - 1) * u) / rows;
	bw = (v->w - (cols + 1) * u) / cols;
	for (i = 0; i < 5; i++) {
		struct view_rect r = RECT(u + (i % cols) * (bw + u),
		    y + (i / cols) * (bh + u), bw, bh);

		it = view_button(v, ids[i], screen_s(m, labels[i]), r,
		    RECT(r.x + r.w / 12, r.y + r.h / 8, r.w - r.w / 6,
		    r.h - r.h / 4), bh * 4 / 10, i == 3 ? VIEW_C_BAD :
		    VIEW_C_BTN);
		if (it != NULL)
			it->group = 2;
	}
}

/* ---- patrol ---- */

void
screen_patrol_enter(struct screen *m)
{
	struct screen_request *rq = screen_job(m, SCREEN_JOB_PATROL);

	memset(&m->patrol, 0, sizeof(m->patrol));
	m->patrol_state = rq != NULL ? JOB_RUNNING : JOB_FAILED;
	m->patrol_id = rq != NULL ? rq->id : 0;
}

void
screen_patrol_done(struct screen *m, const struct screen_job_done *d)
{
	if (d->id != m->patrol_id || m->patrol_state != JOB_RUNNING)
		return;		/* an earlier officer's */
	m->patrol = d->patrol;
	m->patrol_state = d->rc == 0 ? JOB_DONE : JOB_FAILED;
}

/*
 * The patrol's verdict, from the figures alone: NULL when the kiosk passes,
 * else the string key of the first thing that needs checking.
 */
static const char *
patrol_problem(const struct screen_patrol *p, int64_t now_ms)
{
	if (strcmp(p->health, "ok") != 0)
		return "ui.patrol_why_health";
	if (p->last_upload_ms == 0 && p->pending > 0)
		return "ui.patrol_why_never";
	if (p->pending > 0 && now_ms - p->last_upload_ms > 24 * 3600 * 1000LL)
		return "ui.patrol_why_sync";
	if (p->longest_gap_min > 60)
		return "ui.patrol_why_gap";
	return NULL;
}

/* "1 giờ 42 phút" / "42 phút" for MIN minutes. */
static const char *
duration_text(const struct screen *m, int64_t min, char *buf, size_t size)
{
	char h[24], mm[24];
	const char *args[2] = { h, mm };

	if (min >= 60) {
		screen_count_text(1, min / 60, h, sizeof(h));
		screen_count_text(1, min % 60, mm, sizeof(mm));
		return screen_fill(m, buf, size, "ui.duration_hm", args, 2);
	}
	screen_count_text(1, min, h, sizeof(h));
	return screen_fill(m, buf, size, "ui.duration_m", args, 1);
}

/* The six figure lines, one size for all. */
static void
patrol_lines(const struct screen *m, struct view *v, struct view_rect info,
    int lh)
{
	const struct screen_patrol *p = &m->patrol;
	char a[24], b[64], when[40], buf[6][256];
	const char *args[2] = { a, b }, *lines[6];
	struct view_item *it;
	int i;

	args[0] = p->venue;
	lines[0] = screen_fill(m, buf[0], sizeof(buf[0]), "ui.patrol_venue",
	    args, 1);
	args[0] = p->device;
	lines[1] = screen_fill(m, buf[1], sizeof(buf[1]), "ui.patrol_device",
	    args, 1);
	args[0] = a;
	screen_count_text(1, p->today, a, sizeof(a));
	screen_count_text(1, p->week, b, sizeof(b));
	lines[2] = screen_fill(m, buf[2], sizeof(buf[2]), "ui.patrol_visits",
	    args, 2);
	screen_count_text(1, p->pending, a, sizeof(a));
	if (p->last_upload_ms)
		screen_when_text(p->last_upload_ms, when, sizeof(when));
	else
		snprintf(when, sizeof(when), "%s", screen_s(m, "ui.never"));
	args[1] = when;
	lines[3] = screen_fill(m, buf[3], sizeof(buf[3]), "ui.patrol_pending",
	    args, 2);
	screen_count_text(1, p->gaps, a, sizeof(a));
	args[1] = duration_text(m, p->longest_gap_min, b, sizeof(b));
	lines[4] = screen_fill(m, buf[4], sizeof(buf[4]), "ui.patrol_gaps",
	    args, 2);
	args[0] = strcmp(p->health, "ok") == 0 ? screen_s(m, "ui.health_ok") :
	    p->health;
	args[1] = KIOSK_VERSION;
	lines[5] = screen_fill(m, buf[5], sizeof(buf[5]), "ui.patrol_health",
	    args, 2);
	for (i = 0; i < 6; i++) {
		it = view_text(v, VIEW_ROLE_LINE, lines[i], RECT(info.x,
		    info.y + (i + 3) * lh, info.w, lh), lh * 45 / 100, 0,
		    VIEW_C_TEXT, VIEW_LEFT);
		if (it != NULL)
			it->group = 1;
	}
}

void
screen_patrol_view(const struct screen *m, struct view *v)
{
	int u = screen_unit(v), land = v->w > v->h, lh;
	int running = m->patrol_state == JOB_RUNNING;
	const char *why = patrol_problem(&m->patrol, m->wall), *args[1];
	char verdict[256];
	struct view_rect info, qr;

	view_fill(v, RECT(0, 0, v->w, v->h), VIEW_C_BG);
	if (land) {
		info = RECT(u, u, v->w * 58 / 100 - 2 * u, v->h - 2 * u);
		qr = RECT(v->w * 58 / 100, u, v->w * 42 / 100 - u,
		    v->h - 2 * u);
	} else {
		info = RECT(u, u, v->w - 2 * u, v->h * 48 / 100);
		qr = RECT(u, v->h / 2, v->w - 2 * u, v->h / 2 - u);
	}
	lh = info.h / 9;
	view_text(v, VIEW_ROLE_TITLE, screen_s(m, "ui.patrol_title"),
	    RECT(info.x, info.y, info.w, lh), lh * 7 / 10, 1, VIEW_C_TEXT,
	    VIEW_LEFT);
	/* The verdict first, on its colour: what the officer came for;
	 * while the figures are being gathered, that they are. */
	if (running) {
		snprintf(verdict, sizeof(verdict), "%s",
		    screen_s(m, "ui.patrol_checking"));
	} else if (why == NULL) {
		snprintf(verdict, sizeof(verdict), "%s",
		    screen_s(m, "ui.patrol_verdict_ok"));
	} else {
		args[0] = screen_s(m, why);
		screen_fill(m, verdict, sizeof(verdict),
		    "ui.patrol_verdict_bad", args, 1);
	}
	view_fill(v, RECT(info.x, info.y + lh, info.w, lh * 2 - u / 2),
	    running ? VIEW_C_PANEL : why == NULL ? VIEW_C_OK : VIEW_C_WARN);
	view_text(v, running ? VIEW_ROLE_NOTE : VIEW_ROLE_TITLE, verdict,
	    RECT(info.x + u / 2, info.y + lh, info.w - u, lh * 2 - u / 2),
	    lh * 6 / 10, 1, VIEW_C_TEXT, VIEW_LEFT);
	if (!running)
		patrol_lines(m, v, info, lh);
	view_fill(v, qr, VIEW_C_WHITE);
	view_text(v, VIEW_ROLE_HINT, screen_s(m, "ui.patrol_receipt"),
	    RECT(qr.x + u, qr.y, qr.w - 2 * u, qr.h / 8), 2 * u, 1, VIEW_C_INK,
	    VIEW_CENTER);
	if (m->patrol_state == JOB_DONE && m->patrol.receipt[0] != '\0')
		view_qr(v, m->patrol.receipt, RECT(qr.x + u / 2,
		    qr.y + qr.h / 8, qr.w - u, qr.h * 7 / 8 - u / 2));
}
