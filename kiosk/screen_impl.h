/*
 * screen_impl: the machine's insides, shared by its files and no one
 * else (as sync/db_impl.h is for the collector's storage):
 *
 *   screen.c        life cycle, the table, transitions, timeouts,
 *                   requests, the events every screen handles alike
 *   screen_parts.c  pieces of views: strings, times, the top bar
 *   screen_ready.c  the ready screen and the four answer screens
 *   screen_staff.c  keypad, admin PIN, admin and patrol
 */
#ifndef KIOSK_SCREEN_IMPL_H
#define KIOSK_SCREEN_IMPL_H

#include "i18n.h"
#include "screen.h"

#define KEYPAD_MAX 16

#define RECT(x, y, w, h) ((struct view_rect){ (x), (y), (w), (h) })

/* A job that is wanted, running, or done; for one-at-a-time jobs. */
enum job_state { JOB_IDLE, JOB_RUNNING, JOB_DONE, JOB_FAILED };

/* A venue URL signed for one time slot, or being signed. */
struct venue_slot {
	int64_t slot;			/* -1: none */
	enum job_state state;
	char url[1024];
};

struct screen {
	struct screen_opts o;
	struct i18n *lang[2];		/* vi, en */
	int li;				/* the language spoken: 0 vi, 1 en */
	enum screen_mode mode;
	enum screen_camera camera;
	int64_t now, wall;		/* as of the last tick */

	enum screen_id cur, next;
	int have_next;
	int64_t entered, last_input, press_at;

	/* The answer the answer screens show, and the next one until the
	 * tick that shows it (a new answer beats every other request). */
	struct checkin_out answer, next_answer;
	int have_next_answer;
	int scanner_lost;		/* a keyboard-mode scanner lost some */

	struct screen_status status;
	int have_status, status_busy;
	int64_t status_at;

	struct screen_patrol patrol;
	enum job_state patrol_state;
	uint32_t patrol_id;

	char keypad[KEYPAD_MAX + 1];
	int pin_wrong;
	int pin_fails;			/* wrong PINs in a row */
	int64_t pin_locked_until;	/* mono ms; no PIN taken before */
	enum job_state pin_state;
	uint32_t pin_id;

	enum job_state purge_state;	/* the admin screen's note */
	int64_t purged;
	uint32_t purge_id;

	struct venue_slot venue[2];
	uint32_t job_ids;
	int quit;

	/* The set-up by enrolment code (screen_setup.c). */
	struct screen_setup setup;
	int setup_finished;		/* Start pressed */
	int newpin_done;		/* the new PIN is kept */
	int newpin_failed;		/* it could not be kept */
	int newpin_short;		/* fewer than 6 digits */
	enum job_state newpin_state;
	uint32_t newpin_id;

	struct screen_request rq[SCREEN_REQUESTS];
	size_t rq_head, rq_count;
};

/* One screen's part of the machine (see the table in screen.c). */
struct screen_ops {
	void (*enter)(struct screen *m);
	/* Presses and keys; the events every screen shares are handled in
	 * screen.c first. NULL: none. */
	void (*event)(struct screen *m, const struct screen_event *ev);
	void (*tick)(struct screen *m);
	void (*view)(const struct screen *m, struct view *v);
	int timeout_ms;			/* back to ready after this long idle */
};

/* screen.c */
void screen_go(struct screen *m, enum screen_id s);
struct screen_request *screen_request(struct screen *m,
    enum screen_request_type type);
struct screen_request *screen_job(struct screen *m, enum screen_job job);
void screen_settings_changed(struct screen *m);
void screen_status_refresh(struct screen *m);

/* screen_parts.c */
const char *screen_s(const struct screen *m, const char *key);
const char *screen_fill(const struct screen *m, char *buf, size_t size,
    const char *key, const char *const *args, size_t nargs);
int screen_unit(const struct view *v);
void screen_clock_text(int64_t wall_ms, char *buf, size_t size);
void screen_when_text(int64_t wall_ms, char *buf, size_t size);
void screen_count_text(int known, int64_t n, char *buf, size_t size);
struct view_item *screen_button(struct view *v, int id, const char *label,
    struct view_rect r, enum view_colour bg);
void screen_top_bar(const struct screen *m, struct view *v,
    struct view_rect *rest);

/* screen_ready.c */
void screen_ready_tick(struct screen *m);
void screen_ready_event(struct screen *m, const struct screen_event *ev);
void screen_ready_view(const struct screen *m, struct view *v);
void screen_answer_event(struct screen *m, const struct screen_event *ev);
void screen_accepted_view(const struct screen *m, struct view *v);
void screen_duplicate_view(const struct screen *m, struct view *v);
void screen_rejected_view(const struct screen *m, struct view *v);
void screen_error_view(const struct screen *m, struct view *v);
void screen_setup_view(const struct screen *m, struct view *v);
/* The camera preview in PV with its guide, or in its place what is wrong
 * with the camera (NO_CAMERA_KEY: the strings key when there is none). */
void screen_preview_box(const struct screen *m, struct view *v,
    struct view_rect pv, const char *no_camera_key);
void screen_setup_event(struct screen *m, const struct screen_event *ev);
void screen_newpin_view(const struct screen *m, struct view *v);
void screen_newpin_event(struct screen *m, const struct screen_event *ev);
void screen_newpin_done(struct screen *m, const struct screen_job_done *d);
/* The number pad (screen_staff.c): TITLE, typed digits MASKED, NOTE under
 * them (a strings key, or NULL) in COLOUR. */
void screen_pad_view(const struct screen *m, struct view *v, const char *title,
    int masked, const char *note, enum view_colour colour);
/* screen_staff.c: what a pad event means ('d' DIGIT, 'b', 'k' OK, 'c'
 * cancel, 0) and the typing it does. */
int screen_pad_action(const struct screen_event *ev, int *digit);
void screen_pad_digit(struct screen *m, int d);
void screen_pad_backspace(struct screen *m);

/* screen_staff.c */
void screen_pad_enter(struct screen *m);
void screen_keypad_event(struct screen *m, const struct screen_event *ev);
void screen_keypad_view(const struct screen *m, struct view *v);
void screen_pin_event(struct screen *m, const struct screen_event *ev);
void screen_pin_view(const struct screen *m, struct view *v);
void screen_pin_done(struct screen *m, const struct screen_job_done *d);
void screen_admin_enter(struct screen *m);
void screen_admin_event(struct screen *m, const struct screen_event *ev);
void screen_admin_tick(struct screen *m);
void screen_admin_view(const struct screen *m, struct view *v);
void screen_purge_done(struct screen *m, const struct screen_job_done *d);
void screen_patrol_enter(struct screen *m);
void screen_patrol_view(const struct screen *m, struct view *v);
void screen_patrol_done(struct screen *m, const struct screen_job_done *d);

#endif
