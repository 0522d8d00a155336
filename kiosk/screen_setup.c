/*
 * screen_setup: the set-up screen of a kiosk with no settings, which
 * enrols it from the enrolment code its ward printed (docs/kiosk.md), and
 * the new-PIN pad after it. See screen_impl.h.
 *
 *   scan       the camera preview and "Scan the enrolment code from your
 *              ward"; a code that cannot be used says why here
 *   enrolling  the venue, the collector's fingerprint to compare with the
 *              sheet, and how kiosk-sync is getting on
 *   done       the admin PIN (shown this once), Change PIN, Start
 */
#include "screen_impl.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#define NEWPIN_LEN 6

void
screen_setup_set(struct screen *m, const struct screen_setup *s)
{
	if (s->state != m->setup.state || (s->state ==
	    SCREEN_SETUP_DONE && strcmp(s->pin, m->setup.pin) != 0))
		m->newpin_done = 0;
	sodium_memzero(&m->setup, sizeof(m->setup));
	m->setup = *s;
}

int
screen_setup_finished(const struct screen *m)
{
	return m->setup_finished;
}

void
screen_setup_leave(struct screen *m)
{
	sodium_memzero(&m->setup, sizeof(m->setup));
	m->o.setup = 0;
	m->setup_finished = 0;
	m->cur = SCREEN_READY;
	m->have_next = 0;
	m->entered = m->last_input = m->now;
}

/* A line of text: its strings KEY filled with ARG. */
static const char *
line(const struct screen *m, char *buf, size_t size, const char *key,
    const char *arg)
{
	const char *args[1] = { arg };

	return screen_fill(m, buf, size, key, args, 1);
}

/* The scan and enrolling states: the preview on one side, the words on
 * the other. */
static void
scan_view(const struct screen *m, struct view *v)
{
	const struct screen_setup *s = &m->setup;
	int u = screen_unit(v), land = v->w > v->h * 11 / 10, y;
	struct view_rect pv, side;
	char buf[600];

	view_fill(v, RECT(0, 0, v->w, v->h), VIEW_C_BG);
	if (land) {
		pv = RECT(u, u, v->w * 52 / 100 - 2 * u, v->h - 2 * u);
		side = RECT(pv.x + pv.w + u, u, v->w - pv.w - 3 * u,
		    v->h - 2 * u);
	} else {
		pv = RECT(u, u, v->w - 2 * u, v->h * 42 / 100);
		side = RECT(u, pv.y + pv.h + u, v->w - 2 * u,
		    v->h - pv.h - 3 * u);
	}
	screen_preview_box(m, v, pv, "setup.no_camera");
	y = side.y;
	if (s->state == SCREEN_SETUP_ENROLLING) {
		view_text(v, VIEW_ROLE_TITLE, screen_s(m, "setup.enrolling"),
		    RECT(side.x, y, side.w, side.h * 18 / 100), 3 * u, 1,
		    VIEW_C_TEXT, VIEW_LEFT);
		y += side.h * 20 / 100;
		view_text(v, VIEW_ROLE_LINE, line(m, buf, sizeof(buf),
		    "setup.venue", s->venue), RECT(side.x, y, side.w,
		    side.h * 12 / 100), 2 * u, 1, VIEW_C_TEXT, VIEW_LEFT);
		y += side.h * 12 / 100;
		view_text(v, VIEW_ROLE_LINE, line(m, buf, sizeof(buf),
		    "setup.ward", s->ward), RECT(side.x, y, side.w,
		    side.h * 10 / 100), 2 * u, 0, VIEW_C_DIM, VIEW_LEFT);
		y += side.h * 12 / 100;
		view_fill(v, RECT(side.x, y, side.w, side.h * 22 / 100),
		    VIEW_C_PANEL);
		view_text(v, VIEW_ROLE_LINE, screen_s(m, "setup.fingerprint"),
		    RECT(side.x + u, y, side.w - 2 * u, side.h * 9 / 100),
		    2 * u, 0, VIEW_C_DIM, VIEW_LEFT);
		view_text(v, VIEW_ROLE_FIGURE, s->fingerprint, RECT(side.x + u,
		    y + side.h * 9 / 100, side.w - 2 * u, side.h * 12 / 100),
		    3 * u, 1, VIEW_C_TEXT, VIEW_LEFT);
		y += side.h * 24 / 100;
		if (s->why_key != NULL)
			view_text(v, VIEW_ROLE_NOTE, line(m, buf, sizeof(buf),
			    s->why_key, s->detail), RECT(side.x, y, side.w,
			    side.y + side.h - y), 2 * u, 0, VIEW_C_WARN,
			    VIEW_LEFT);
		return;
	}
	view_text(v, VIEW_ROLE_TITLE, screen_s(m, "setup.scan_title"),
	    RECT(side.x, y, side.w, side.h * 26 / 100), 3 * u, 1, VIEW_C_TEXT,
	    VIEW_LEFT);
	y += side.h * 27 / 100;
	view_text(v, VIEW_ROLE_HINT, screen_s(m, "setup.scan_hint"),
	    RECT(side.x, y, side.w, side.h * 22 / 100), 2 * u, 0, VIEW_C_DIM,
	    VIEW_LEFT);
	y += side.h * 24 / 100;
	if (s->state == SCREEN_SETUP_FAILED && s->why_key != NULL) {
		struct view_rect box = RECT(side.x, y, side.w,
		    side.h * 28 / 100);

		view_fill(v, box, VIEW_C_BAD);
		view_text(v, VIEW_ROLE_NOTE, line(m, buf, sizeof(buf),
		    s->why_key, s->detail), RECT(box.x + u, box.y, box.w -
		    2 * u, box.h), 2 * u, 1, VIEW_C_TEXT, VIEW_LEFT);
		y += box.h + u;
	}
	/* For the one with a terminal: the other way. */
	view_text(v, VIEW_ROLE_HINT, line(m, buf, sizeof(buf), "setup.how",
	    m->o.setup_cmd != NULL ? m->o.setup_cmd : "sudo kioskctl init "
	    "--venue-id ID --venue-name NAME --authority-key FILE"),
	    RECT(side.x, side.y + side.h * 82 / 100, side.w, side.h * 18 / 100),
	    u + u / 2, 0, VIEW_C_DIM, VIEW_LEFT);
}

/* Enrolled: the venue, the PIN once, Change PIN and Start. */
static void
done_view(const struct screen *m, struct view *v)
{
	const struct screen_setup *s = &m->setup;
	int u = screen_unit(v), y = u, bw = (v->w - 3 * u) / 2;
	int bh = v->h * 16 / 100;
	char buf[600];

	view_fill(v, RECT(0, 0, v->w, v->h), VIEW_C_OK);
	view_mark(v, VIEW_CHECK, RECT(u, u, v->h * 14 / 100, v->h * 14 / 100),
	    VIEW_C_TEXT);
	view_text(v, VIEW_ROLE_TITLE, screen_s(m, "setup.done_title"),
	    RECT(v->h * 14 / 100 + 2 * u, y, v->w - v->h * 14 / 100 - 3 * u,
	    v->h * 14 / 100), 4 * u, 1, VIEW_C_TEXT, VIEW_LEFT);
	y += v->h * 16 / 100;
	view_text(v, VIEW_ROLE_LINE, line(m, buf, sizeof(buf), "setup.venue",
	    s->venue), RECT(u, y, v->w - 2 * u, v->h * 9 / 100), 2 * u, 1,
	    VIEW_C_TEXT, VIEW_LEFT);
	y += v->h * 9 / 100;
	view_text(v, VIEW_ROLE_LINE, line(m, buf, sizeof(buf), "setup.ward",
	    s->ward), RECT(u, y, v->w - 2 * u, v->h * 8 / 100), 2 * u, 0,
	    VIEW_C_TEXT, VIEW_LEFT);
	y += v->h * 10 / 100;
	view_fill(v, RECT(u, y, v->w - 2 * u, v->h * 34 / 100), VIEW_C_PANEL);
	if (m->newpin_done) {
		view_text(v, VIEW_ROLE_TITLE, screen_s(m, "setup.pin_changed"),
		    RECT(2 * u, y, v->w - 4 * u, v->h * 34 / 100), 3 * u, 1,
		    VIEW_C_TEXT, VIEW_CENTER);
	} else {
		view_text(v, VIEW_ROLE_LINE, screen_s(m, "setup.pin"),
		    RECT(2 * u, y + u / 2, v->w - 4 * u, v->h * 8 / 100),
		    2 * u, 0, VIEW_C_TEXT, VIEW_CENTER);
		view_text(v, VIEW_ROLE_FIGURE, s->pin[0] ? s->pin : "-",
		    RECT(2 * u, y + v->h * 9 / 100, v->w - 4 * u,
		    v->h * 16 / 100), v->h * 14 / 100, 1, VIEW_C_TEXT,
		    VIEW_CENTER);
		view_text(v, VIEW_ROLE_HINT, screen_s(m, "setup.pin_once"),
		    RECT(2 * u, y + v->h * 25 / 100, v->w - 4 * u,
		    v->h * 8 / 100), 2 * u, 0, VIEW_C_DIM, VIEW_CENTER);
	}
	screen_button(v, SCREEN_BTN_SETUP_PIN, screen_s(m, "setup.change_pin"),
	    RECT(u, v->h - bh - u, bw, bh), VIEW_C_PANEL);
	screen_button(v, SCREEN_BTN_SETUP_START, screen_s(m, "setup.start"),
	    RECT(2 * u + bw, v->h - bh - u, bw, bh), VIEW_C_BTN);
}

void
screen_setup_view(const struct screen *m, struct view *v)
{
	if (m->setup.state == SCREEN_SETUP_DONE)
		done_view(m, v);
	else
		scan_view(m, v);
}

void
screen_setup_event(struct screen *m, const struct screen_event *ev)
{
	if (m->setup.state != SCREEN_SETUP_DONE)
		return;
	if ((ev->type == SCREEN_EV_PRESS && ev->down &&
	    ev->button == SCREEN_BTN_SETUP_START) ||
	    (ev->type == SCREEN_EV_KEY && ev->key == SCREEN_KEY_ENTER))
		m->setup_finished = 1;
	else if (ev->type == SCREEN_EV_PRESS && ev->down &&
	    ev->button == SCREEN_BTN_SETUP_PIN) {
		sodium_memzero(m->keypad, sizeof(m->keypad));
		m->newpin_failed = m->newpin_short = 0;
		m->newpin_state = JOB_IDLE;
		screen_go(m, SCREEN_NEWPIN);
	}
}

/* ---- a new admin PIN ---- */

void
screen_newpin_view(const struct screen *m, struct view *v)
{
	const char *note = m->newpin_state == JOB_RUNNING ? "setup.pin_saving" :
	    m->newpin_failed ? "setup.pin_not_saved" : m->newpin_short ?
	    "setup.pin_short" : "setup.pin_rule";

	screen_pad_view(m, v, screen_s(m, "setup.new_pin"), 1, note,
	    m->newpin_failed || m->newpin_short ? VIEW_C_WARN : VIEW_C_DIM);
}

void
screen_newpin_event(struct screen *m, const struct screen_event *ev)
{
	struct screen_request *rq;
	int digit = 0, a = screen_pad_action(ev, &digit);

	if (m->newpin_state == JOB_RUNNING)
		return;
	if (a == 'c' || (ev->type == SCREEN_EV_KEY &&
	    ev->key == SCREEN_KEY_ESCAPE)) {
		sodium_memzero(m->keypad, sizeof(m->keypad));
		screen_go(m, SCREEN_SETUP);
	} else if (a == 'd' && strlen(m->keypad) < NEWPIN_LEN) {
		screen_pad_digit(m, digit);
		m->newpin_short = m->newpin_failed = 0;
	} else if (a == 'b') {
		screen_pad_backspace(m);
	} else if (a == 'k') {
		if (strlen(m->keypad) != NEWPIN_LEN) {
			m->newpin_short = 1;
			return;
		}
		rq = screen_job(m, SCREEN_JOB_SET_PIN);
		if (rq == NULL) {
			m->newpin_failed = 1;
			return;
		}
		memcpy(rq->text, m->keypad, sizeof(m->keypad));
		sodium_memzero(m->keypad, sizeof(m->keypad));
		m->newpin_id = rq->id;
		m->newpin_state = JOB_RUNNING;
	}
}

void
screen_newpin_done(struct screen *m, const struct screen_job_done *d)
{
	if (m->newpin_state != JOB_RUNNING || d->id != m->newpin_id)
		return;
	m->newpin_state = JOB_IDLE;
	if (d->rc != 0) {
		m->newpin_failed = 1;
		return;
	}
	/* The PIN on the done screen is the old one now: not shown. */
	sodium_memzero(m->setup.pin, sizeof(m->setup.pin));
	m->newpin_done = 1;
	screen_go(m, SCREEN_SETUP);
}
