/*
 * screen: the kiosk's screens as one state machine, with no SDL in it.
 *
 * Screens: ready (scan, venue QR display, or both), accepted, duplicate,
 * rejected, error, keypad, admin PIN, admin, patrol. Each has {enter,
 * event, tick, view} in one table (screen.c) and a timeout back to ready.
 *
 *   events in    screen_event(): a press on a named button, a key, a scan
 *                from a keyboard-mode scanner, a check-in result, a system
 *                error, the camera's state, a job finished
 *   time in      screen_tick(): timeouts, the long press, the transition a
 *                screen asked for (applied there and nowhere else), the
 *                jobs a screen needs (figures, the next venue token)
 *   requests out screen_take(): submit a scan, run a slow job, play a sound
 *   a view out   screen_view(): what the screen shows (view.h), built from
 *                the state and changing nothing
 *
 * It does not draw, play, store, sign, check a PIN or wait: kiosk/ui.c
 * feeds it and draws its views (ui_draw.c), kiosk/jobs.c runs its jobs on
 * a thread of their own and hands the results back as events. One thread
 * drives a machine.
 *
 * A check-in's answer is kept by the machine: one that comes while
 * another is on screen (the next visitor in a queue) replaces it whole,
 * and is never wiped by the transition that shows it.
 */
#ifndef KIOSK_SCREEN_H
#define KIOSK_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "checkin.h"
#include "scanner.h"
#include "view.h"

enum screen_id {
	SCREEN_READY,
	SCREEN_ACCEPTED,
	SCREEN_DUPLICATE,
	SCREEN_REJECTED,
	SCREEN_ERROR,
	SCREEN_KEYPAD,
	SCREEN_PIN,
	SCREEN_ADMIN,
	SCREEN_PATROL,
	SCREEN_SETUP,		/* no settings yet: scan the ward's
				 * enrolment code (screen_setup_set) */
	SCREEN_NEWPIN,		/* set-up done: a new admin PIN typed */
	SCREEN_COUNT
};

enum screen_mode { SCREEN_MODE_SCAN, SCREEN_MODE_DISPLAY, SCREEN_MODE_BOTH };

enum screen_camera { SCREEN_CAMERA_NONE, SCREEN_CAMERA_OK, SCREEN_CAMERA_LOST };

/* The buttons a view names (view_item.id); 0 is "no button". */
enum screen_button {
	SCREEN_BTN_NONE,
	SCREEN_BTN_KEYPAD,
	SCREEN_BTN_LANG,
	SCREEN_BTN_DIGIT0,
	SCREEN_BTN_DIGIT9 = SCREEN_BTN_DIGIT0 + 9,
	SCREEN_BTN_BACKSPACE,
	SCREEN_BTN_OK,
	SCREEN_BTN_CANCEL,
	SCREEN_BTN_MODE,
	SCREEN_BTN_PURGE,
	SCREEN_BTN_QUIT,
	SCREEN_BTN_BACK,
	SCREEN_BTN_ADMIN_CORNER,	/* the clock: held 3 s, the admin PIN */
	SCREEN_BTN_SETUP_START,	/* set-up done: to the ready screen */
	SCREEN_BTN_SETUP_PIN	/* set-up done: change the admin PIN */
};

enum screen_key {
	SCREEN_KEY_OTHER,	/* any other key or typed text: activity */
	SCREEN_KEY_DIGIT,	/* a digit typed by a person */
	SCREEN_KEY_ENTER,	/* Enter with no scan before it */
	SCREEN_KEY_BACKSPACE,
	SCREEN_KEY_ESCAPE,	/* back to ready */
	SCREEN_KEY_ADMIN	/* F12: the admin PIN */
};

/* Counts for the ready and admin screens. */
/* What the owner must be told about uploads (the admin screen). */
enum screen_alert {
	SCREEN_ALERT_NONE,
	SCREEN_ALERT_NOT_ENROLLED,	/* the collector answered 401 */
	SCREEN_ALERT_REFUSED		/* the collector answered 403 */
};

struct screen_status {
	int64_t today, total, pending;
	int64_t last_upload_ms;		/* 0: never */
	int online;
	enum screen_alert alert;
	int64_t quarantined;		/* visits the collector refused */
	int64_t untrusted;		/* visits waiting for a trusted clock */
	int64_t unreadable;		/* damaged store files not read in full:
					 * visits may be lost (the first alert) */
};

/* The patrol screen's figures and signed receipt. */
struct screen_patrol {
	char venue[200];
	char device[24];
	int64_t today, week, pending, last_upload_ms;
	int64_t gaps, longest_gap_min;
	char health[16];
	char receipt[1024];		/* signed receipt text for the QR */
};

/* The slow work a screen asks for; kiosk/jobs.c runs it. */
enum screen_job {
	SCREEN_JOB_STATUS,	/* counts: struct screen_status */
	SCREEN_JOB_PATROL,	/* figures, quick_check, signed receipt */
	SCREEN_JOB_PURGE,	/* purge old uploaded visits */
	SCREEN_JOB_PIN,		/* check the admin PIN (Argon2) */
	SCREEN_JOB_VENUE,	/* sign the venue URL for a time slot */
	SCREEN_JOB_SETTINGS,	/* record a mode or language change */
	SCREEN_JOB_SET_PIN	/* set-up: a new admin PIN (Argon2, saved) */
};

/* A job's outcome, handed back in a SCREEN_EV_JOB event. */
struct screen_job_done {
	enum screen_job job;
	uint32_t id;			/* the request's */
	int rc;				/* 0 done; -1 failed (logged there) */
	int64_t n;			/* purge: visits deleted; pin: 1 right,
					 * 0 wrong; venue: the slot */
	struct screen_status status;
	struct screen_patrol patrol;	/* figures even when rc is -1 */
	char url[1024];			/* venue */
};

enum screen_event_type {
	SCREEN_EV_PRESS,	/* BUTTON pressed (DOWN 1) or let go (DOWN 0) */
	SCREEN_EV_KEY,		/* KEY (and DIGIT) */
	SCREEN_EV_SCAN,		/* TEXT from a keyboard-mode scanner */
	SCREEN_EV_RESULT,	/* RESULT: a check-in's durable outcome */
	SCREEN_EV_ERROR,	/* the store failed: nothing was recorded */
	SCREEN_EV_CAMERA,	/* CAMERA changed */
	SCREEN_EV_JOB		/* JOB finished */
};

/* An event; the pointers are the caller's, read during the call only. */
struct screen_event {
	enum screen_event_type type;
	enum screen_button button;
	int down;
	enum screen_key key;
	int digit;				/* 0..9 */
	const char *text;
	const struct checkin_out *result;
	enum screen_camera camera;
	const struct screen_job_done *job;
};

enum screen_request_type {
	SCREEN_REQ_SUBMIT,	/* check in TEXT from SOURCE (the worker's) */
	SCREEN_REQ_JOB,		/* run JOB (jobs.h) */
	SCREEN_REQ_SOUND	/* a good (GOOD 1) or bad tone */
};

struct screen_request {
	enum screen_request_type type;
	enum screen_job job;
	uint32_t id;			/* job: handed back in its result */
	int64_t slot;			/* venue job */
	enum screen_mode mode;		/* settings job */
	const char *lang;		/* settings job: "vi" or "en", static */
	int good;			/* sound */
	char source[8];			/* submit: "scanner" or "keypad" */
	/* Submit: the text; pin job: the PIN. Personal or secret: wipe it
	 * once used. */
	char text[SCANNER_MAX + 1];
};

#define SCREEN_REQUESTS 16	/* requests that may wait in a machine */

struct screen_opts {
	const char *lang;		/* "vi" (default) or "en" */
	enum screen_mode mode;
	const char *venue_name;		/* must outlive the machine */
	int display_period_s;		/* venue QR slot; default 30 */
	int setup;			/* the kiosk has no settings: the setup
					 * screen, for good (no scans, no
					 * jobs) */
	const char *setup_cmd;		/* the init command it shows (NULL:
					 * for the default store) */
};

struct screen;

/*
 * screen_new(opts):
 * A machine on the ready screen, with both languages' strings loaded (see
 * i18n.h). Call screen_tick() once before the first view. Returns it (free
 * with screen_free), or NULL with a logged reason (strings missing).
 */
struct screen *screen_new(const struct screen_opts *opts);

/* screen_free(m): wipe and free M; NULL does nothing. */
void screen_free(struct screen *m);

/*
 * screen_event(m, ev):
 * Handle one event on the current screen. Transitions it asks for are
 * applied by the next screen_tick(); requests it makes wait in
 * screen_take(). Never fails: an event that means nothing here is dropped.
 */
void screen_event(struct screen *m, const struct screen_event *ev);

/*
 * screen_tick(m, mono_ms, wall_ms):
 * Time passing: MONO_MS monotonic (timeouts, the long press), WALL_MS the
 * wall clock (the clock shown, the venue QR's time slot). Applies the
 * transition asked for, if any.
 */
void screen_tick(struct screen *m, int64_t mono_ms, int64_t wall_ms);

/*
 * screen_take(m, out):
 * Move the oldest request into OUT. Returns 1, or 0 when there is none.
 * Take them all after every event and tick: at most SCREEN_REQUESTS wait,
 * and one more is refused (logged; the screen goes on without it).
 */
int screen_take(struct screen *m, struct screen_request *out);

/*
 * screen_view(m, w, h, out):
 * Build in OUT what the current screen shows on a W x H screen. Changes
 * nothing in M.
 */
void screen_view(const struct screen *m, int w, int h, struct view *out);

/* screen_goto(m, s): ask for screen S (tests, admin hot key). */
void screen_goto(struct screen *m, enum screen_id s);

/* screen_set_lang(m, lang): speak LANG ("en"; anything else is "vi"). */
void screen_set_lang(struct screen *m, const char *lang);

/* screen_keypad_set(m, digits): fill the keypad entry (tests). */
void screen_keypad_set(struct screen *m, const char *digits);

/* screen_current(m): the screen asked for, else the one shown. */
enum screen_id screen_current(const struct screen *m);

/* Where the set-up by enrolment code is (kiosk.c tells the screens). */
enum screen_setup_state {
	SCREEN_SETUP_SCAN,	/* waiting for the ward's code */
	SCREEN_SETUP_ENROLLING,	/* a good code read: kiosk-sync enrols */
	SCREEN_SETUP_DONE,	/* enrolled: the PIN, once */
	SCREEN_SETUP_FAILED	/* this code cannot be used: why; scan
				 * another */
};

struct screen_setup {
	enum screen_setup_state state;
	char venue[200];		/* the code's venue and ward */
	char ward[130];
	char fingerprint[24];		/* the collector's, to compare */
	const char *why_key;		/* strings key: why it failed, or a
					 * note while enrolling (NULL) */
	char detail[300];		/* the collector's own words */
	char pin[12];			/* DONE: the admin PIN, shown once */
};

/*
 * screen_setup_set(m, s): what the set-up screen shows now (copied).
 * screen_setup_finished(m): 1 once the owner pressed Start after set-up.
 * screen_setup_leave(m): set up: on to the ready screen for good.
 */
void screen_setup_set(struct screen *m, const struct screen_setup *s);
int screen_setup_finished(const struct screen *m);
void screen_setup_leave(struct screen *m);

/* screen_quit_requested(m): 1 once "quit" was chosen on the admin screen. */
int screen_quit_requested(const struct screen *m);

/*
 * screen_venue_text(m):
 * The signed venue URL for the time slot of the last tick, "" while it is
 * not signed yet (or signing failed). Valid until the next tick.
 */
const char *screen_venue_text(const struct screen *m);

/* screen_mode_name(mode): "scan", "display" or "both". */
const char *screen_mode_name(enum screen_mode mode);

#endif
