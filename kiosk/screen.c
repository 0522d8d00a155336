/*
 * screen: the machine. See screen.h.
 *
 * This file holds the table of screens, the one place where a transition
 * is applied (apply(), from screen_tick()), the timeouts, the requests'
 * queue, and the events every screen handles alike: an answer, a system
 * error, a scan, the camera, a finished job, Escape. The screens' own
 * parts are in screen_ready.c and screen_staff.c.
 */
#include "screen_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"

#define LONG_PRESS_MS 3000
#define STATUS_EVERY_MS 2000

static const struct screen_ops screens[SCREEN_COUNT] = {
	[SCREEN_READY] = { NULL, screen_ready_event, screen_ready_tick,
	    screen_ready_view, 0 },
	[SCREEN_ACCEPTED] = { NULL, screen_answer_event, NULL,
	    screen_accepted_view, 3000 },
	[SCREEN_DUPLICATE] = { NULL, screen_answer_event, NULL,
	    screen_duplicate_view, 3000 },
	[SCREEN_REJECTED] = { NULL, screen_answer_event, NULL,
	    screen_rejected_view, 4000 },
	[SCREEN_ERROR] = { NULL, screen_answer_event, NULL,
	    screen_error_view, 4000 },
	[SCREEN_KEYPAD] = { screen_pad_enter, screen_keypad_event, NULL,
	    screen_keypad_view, 30000 },
	[SCREEN_PIN] = { screen_pad_enter, screen_pin_event, NULL,
	    screen_pin_view, 20000 },
	[SCREEN_ADMIN] = { screen_admin_enter, screen_admin_event,
	    screen_admin_tick, screen_admin_view, 60000 },
	[SCREEN_PATROL] = { screen_patrol_enter, NULL, NULL,
	    screen_patrol_view, 60000 },
	[SCREEN_SETUP] = { NULL, screen_setup_event, NULL, screen_setup_view,
	    0 },
	[SCREEN_NEWPIN] = { NULL, screen_newpin_event, NULL,
	    screen_newpin_view, 0 },
};

/* ---- requests ---- */

/*
 * A new request of TYPE at the end of the queue, zeroed; NULL (logged)
 * when SCREEN_REQUESTS are waiting, which means they are not being taken.
 */
struct screen_request *
screen_request(struct screen *m, enum screen_request_type type)
{
	struct screen_request *rq;

	if (m->rq_count == SCREEN_REQUESTS) {
		log_error("screens: %d requests not taken; one is dropped",
		    SCREEN_REQUESTS);
		return NULL;
	}
	rq = &m->rq[(m->rq_head + m->rq_count) % SCREEN_REQUESTS];
	m->rq_count++;
	memset(rq, 0, sizeof(*rq));
	rq->type = type;
	return rq;
}

/* A request for JOB with a fresh id (never 0); or NULL. */
struct screen_request *
screen_job(struct screen *m, enum screen_job job)
{
	struct screen_request *rq = screen_request(m, SCREEN_REQ_JOB);

	if (rq == NULL)
		return NULL;
	if (++m->job_ids == 0)
		m->job_ids = 1;
	rq->job = job;
	rq->id = m->job_ids;
	return rq;
}

int
screen_take(struct screen *m, struct screen_request *out)
{
	struct screen_request *rq;

	if (m->rq_count == 0)
		return 0;
	rq = &m->rq[m->rq_head];
	*out = *rq;
	sodium_memzero(rq, sizeof(*rq));	/* a scan, a PIN */
	m->rq_head = (m->rq_head + 1) % SCREEN_REQUESTS;
	m->rq_count--;
	return 1;
}

static void
sound(struct screen *m, int good)
{
	struct screen_request *rq = screen_request(m, SCREEN_REQ_SOUND);

	if (rq != NULL)
		rq->good = good;
}

/* The mode or language changed: recorded as an admin event by a job. */
void
screen_settings_changed(struct screen *m)
{
	struct screen_request *rq = screen_job(m, SCREEN_JOB_SETTINGS);

	if (rq == NULL)
		return;
	rq->mode = m->mode;
	rq->lang = m->li ? "en" : "vi";
}

/* Fresh counts every 2 s while a screen shows them; one job at a time. */
void
screen_status_refresh(struct screen *m)
{
	if (m->status_busy || (m->status_at != 0 &&
	    m->now - m->status_at < STATUS_EVERY_MS))
		return;
	if (screen_job(m, SCREEN_JOB_STATUS) == NULL)
		return;
	m->status_busy = 1;
	m->status_at = m->now;
}

/* ---- transitions ---- */

void
screen_go(struct screen *m, enum screen_id s)
{
	/*
	 * An answer waiting for its tick beats every other request made
	 * before that tick: a touch meant for the last visitor's answer
	 * does not dismiss the next visitor's.
	 */
	if (m->have_next_answer)
		return;
	m->next = s;
	m->have_next = 1;
}

/* The one place where the screen changes. */
static void
apply(struct screen *m)
{
	enum screen_id from = m->cur;

	if (!m->have_next)
		return;
	m->have_next = 0;
	/* The answer on screen goes: replaced by the one that came, if one
	 * did, else wiped (it may be a visitor's name). */
	sodium_memzero(&m->answer, sizeof(m->answer));
	if (m->have_next_answer) {
		m->answer = m->next_answer;
		sodium_memzero(&m->next_answer, sizeof(m->next_answer));
		m->have_next_answer = 0;
	}
	if (from == SCREEN_KEYPAD || from == SCREEN_PIN)
		sodium_memzero(m->keypad, sizeof(m->keypad));
	m->cur = m->next;
	m->entered = m->last_input = m->now;
	if (screens[m->cur].enter != NULL)
		screens[m->cur].enter(m);
}

/* ---- the venue QR, signed ahead ---- */

/* Ask for SLOT's URL unless it is there or asked for; CUR is now's slot. */
static void
venue_want(struct screen *m, int64_t slot, int64_t cur)
{
	struct venue_slot *v;
	struct screen_request *rq;

	if (m->venue[0].slot == slot || m->venue[1].slot == slot)
		return;
	/* The place of a slot that is neither now's nor the next one. */
	v = m->venue[0].slot != cur && m->venue[0].slot != cur + 1 ?
	    &m->venue[0] : &m->venue[1];
	rq = screen_job(m, SCREEN_JOB_VENUE);
	if (rq == NULL)
		return;
	rq->slot = slot;
	memset(v, 0, sizeof(*v));
	v->slot = slot;
	v->state = JOB_RUNNING;
}

/*
 * While the venue QR may show, this time slot's URL and the next one's
 * are signed by a job ahead of time: when the slot turns, the next URL
 * is there already, and a view never waits for a signature.
 */
static void
venue_ahead(struct screen *m)
{
	int64_t slot = m->wall / 1000 / m->o.display_period_s;

	if (m->mode == SCREEN_MODE_SCAN)
		return;
	venue_want(m, slot, slot);
	venue_want(m, slot + 1, slot);
}

static void
venue_done(struct screen *m, const struct screen_job_done *d)
{
	int i;

	for (i = 0; i < 2; i++) {
		struct venue_slot *v = &m->venue[i];

		if (v->slot != d->n || v->state != JOB_RUNNING)
			continue;
		if (d->rc == 0 && strlen(d->url) < sizeof(v->url)) {
			memcpy(v->url, d->url, strlen(d->url) + 1);
			v->state = JOB_DONE;
		} else {
			/* Not asked again for this slot (no device key). */
			v->state = JOB_FAILED;
		}
	}
}

const char *
screen_venue_text(const struct screen *m)
{
	int64_t slot = m->wall / 1000 / m->o.display_period_s;
	int i;

	for (i = 0; i < 2; i++)
		if (m->venue[i].slot == slot && m->venue[i].state == JOB_DONE)
			return m->venue[i].url;
	return "";
}

/* ---- time ---- */

void
screen_tick(struct screen *m, int64_t mono_ms, int64_t wall_ms)
{
	int t = screens[m->cur].timeout_ms;

	m->now = mono_ms;
	m->wall = wall_ms;
	if (m->cur == SCREEN_SETUP || m->cur == SCREEN_NEWPIN) {
		apply(m);	/* no timers until there are settings */
		return;
	}
	if (!m->have_next && t > 0 && mono_ms - m->last_input >= t)
		screen_go(m, SCREEN_READY);
	if (m->press_at && mono_ms - m->press_at >= LONG_PRESS_MS &&
	    m->cur == SCREEN_READY) {
		m->press_at = 0;
		screen_go(m, SCREEN_PIN);
	}
	apply(m);
	if (screens[m->cur].tick != NULL)
		screens[m->cur].tick(m);
	venue_ahead(m);
}

/* ---- the events every screen shares ---- */

/* A check-in's outcome: shown from the next tick, in place of any other. */
static void
answer_came(struct screen *m, const struct checkin_out *out)
{
	enum screen_id s;

	if (out->result == CHECKIN_REJECTED &&
	    out->reason == REASON_SCANNER_KEYBOARD)
		m->scanner_lost = 1;	/* the admin screen tells the owner */
	if (out->result == CHECKIN_ACCEPTED)
		s = out->patrol ? SCREEN_PATROL : SCREEN_ACCEPTED;
	else if (out->result == CHECKIN_DUPLICATE)
		s = SCREEN_DUPLICATE;
	else
		s = SCREEN_REJECTED;
	sodium_memzero(&m->next_answer, sizeof(m->next_answer));
	m->next_answer = *out;
	m->have_next_answer = 1;
	m->next = s;
	m->have_next = 1;
	sound(m, out->result != CHECKIN_REJECTED);
	m->status_at = 0;	/* the counts changed: fresh ones on return */
}

static void
error_came(struct screen *m)
{
	sodium_memzero(&m->next_answer, sizeof(m->next_answer));
	m->have_next_answer = 0;
	m->next = SCREEN_ERROR;
	m->have_next = 1;
	sound(m, 0);
}

/* A keyboard-mode scanner's text, whatever the screen: check it in. */
static void
scanned(struct screen *m, const char *text)
{
	struct screen_request *rq;
	size_t n = strlen(text);

	if (m->cur == SCREEN_KEYPAD || m->cur == SCREEN_PIN)
		sodium_memzero(m->keypad, sizeof(m->keypad));
	if (n > SCANNER_MAX) {
		log_warn("a scan over %d bytes was dropped", SCANNER_MAX);
		return;
	}
	rq = screen_request(m, SCREEN_REQ_SUBMIT);
	if (rq == NULL)
		return;
	memcpy(rq->text, text, n + 1);
	snprintf(rq->source, sizeof(rq->source), "scanner");
}

static void
job_done(struct screen *m, const struct screen_job_done *d)
{
	switch (d->job) {
	case SCREEN_JOB_STATUS:
		m->status_busy = 0;
		if (d->rc == 0) {
			m->status = d->status;
			m->have_status = 1;
		}
		break;
	case SCREEN_JOB_PATROL:
		screen_patrol_done(m, d);
		break;
	case SCREEN_JOB_PURGE:
		screen_purge_done(m, d);
		break;
	case SCREEN_JOB_PIN:
		screen_pin_done(m, d);
		break;
	case SCREEN_JOB_VENUE:
		venue_done(m, d);
		break;
	case SCREEN_JOB_SETTINGS:
		break;
	case SCREEN_JOB_SET_PIN:
		screen_newpin_done(m, d);
		break;
	}
}

void
screen_event(struct screen *m, const struct screen_event *ev)
{
	if (m->cur == SCREEN_SETUP || m->cur == SCREEN_NEWPIN) {
		/* No check-in without settings: the camera, the set-up's
		 * own presses and keys, its job. */
		if (ev->type == SCREEN_EV_CAMERA)
			m->camera = ev->camera;
		else if (ev->type == SCREEN_EV_JOB)
			job_done(m, ev->job);
		else if (ev->type == SCREEN_EV_PRESS || ev->type ==
		    SCREEN_EV_KEY)
			screens[m->cur].event(m, ev);
		else if (ev->type == SCREEN_EV_SCAN && m->cur == SCREEN_SETUP)
			scanned(m, ev->text);	/* a code from the scanner */
		return;
	}
	switch (ev->type) {
	case SCREEN_EV_RESULT:
		answer_came(m, ev->result);
		return;
	case SCREEN_EV_ERROR:
		error_came(m);
		return;
	case SCREEN_EV_CAMERA:
		m->camera = ev->camera;
		return;
	case SCREEN_EV_JOB:
		job_done(m, ev->job);
		return;
	case SCREEN_EV_SCAN:
		m->last_input = m->now;
		scanned(m, ev->text);
		return;
	case SCREEN_EV_PRESS:
		m->last_input = m->now;
		if (ev->button == SCREEN_BTN_ADMIN_CORNER) {
			m->press_at = ev->down ? m->now : 0;
			return;
		}
		if (!ev->down) {
			m->press_at = 0;	/* the finger was lifted */
			return;
		}
		break;
	case SCREEN_EV_KEY:
		m->last_input = m->now;
		if (ev->key == SCREEN_KEY_ESCAPE) {
			if (m->cur != SCREEN_READY)
				screen_go(m, SCREEN_READY);
			return;
		}
		break;
	}
	if (screens[m->cur].event != NULL)
		screens[m->cur].event(m, ev);
}

/* ---- the rest ---- */

void
screen_view(const struct screen *m, int w, int h, struct view *out)
{
	view_init(out, w, h);
	screens[m->cur].view(m, out);
}

void
screen_goto(struct screen *m, enum screen_id s)
{
	screen_go(m, s);
}

void
screen_set_lang(struct screen *m, const char *lang)
{
	m->li = lang != NULL && strcmp(lang, "en") == 0 ? 1 : 0;
}

void
screen_keypad_set(struct screen *m, const char *digits)
{
	snprintf(m->keypad, sizeof(m->keypad), "%s", digits);
}

enum screen_id
screen_current(const struct screen *m)
{
	return m->have_next ? m->next : m->cur;
}

int
screen_quit_requested(const struct screen *m)
{
	return m->quit;
}

const char *
screen_mode_name(enum screen_mode mode)
{
	return mode == SCREEN_MODE_DISPLAY ? "display" :
	    mode == SCREEN_MODE_BOTH ? "both" : "scan";
}

struct screen *
screen_new(const struct screen_opts *opts)
{
	struct screen *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		log_error("screens: out of memory");
		return NULL;
	}
	m->o = *opts;
	if (m->o.display_period_s <= 0)
		m->o.display_period_s = 30;
	if (m->o.venue_name == NULL)
		m->o.venue_name = "";
	m->mode = opts->mode;
	m->camera = SCREEN_CAMERA_NONE;
	m->venue[0].slot = m->venue[1].slot = -1;
	m->lang[0] = i18n_load(i18n_dir(), "vi");
	m->lang[1] = i18n_load(i18n_dir(), "en");
	if (m->lang[0] == NULL || m->lang[1] == NULL) {
		log_error("cannot load the kiosk's strings from %s",
		    i18n_dir());
		screen_free(m);
		return NULL;
	}
	screen_set_lang(m, opts->lang);
	if (opts->setup)
		m->cur = SCREEN_SETUP;
	return m;
}

void
screen_free(struct screen *m)
{
	if (m == NULL)
		return;
	i18n_free(m->lang[0]);
	i18n_free(m->lang[1]);
	sodium_memzero(m, sizeof(*m));	/* answers, keypad, requests */
	free(m);
}
