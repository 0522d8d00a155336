/*
 * ui: the kiosk's screens on an SDL2 renderer: the glue between SDL and
 * the screens' state machine (screen.h).
 *
 *   SDL events -> screen events (ui_event)    touch, mouse, keys, a HID
 *                                             scanner's burst
 *   time       -> screen_tick (ui_tick)       with the jobs' outcomes
 *   requests   -> the worker (submit), the jobs thread (jobs.h), sound
 *   the view   -> pixels (ui_render, ui_draw.h)
 *
 * Nothing slow runs on the UI thread: the PIN check, the purge, the
 * patrol's figures, the status counts and the venue token are jobs on a
 * thread of their own, and each screen says plainly while one runs.
 */
#ifndef KIOSK_UI_H
#define KIOSK_UI_H

#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

#include "checkin.h"
#include "image.h"
#include "jobs.h"
#include "screen.h"

struct ui_hooks {
	void *data;
	/* A scan from the HID scanner or a number from the keypad; called
	 * on the UI thread, so it must queue the text, never wait. */
	void (*submit)(void *data, const char *text, const char *source);
};

struct ui_opts {
	const char *lang;		/* "vi" or "en" */
	enum screen_mode mode;
	const char *venue_name;
	int display_period_s;
	const char *font_regular;	/* TTF paths */
	const char *font_bold;
	int sound;			/* 0: silent */
	int setup;			/* no settings: the set-up screen */
	const char *setup_cmd;		/* and the init command it shows */
	struct ui_hooks hooks;
	struct jobs_hooks jobs;		/* run on the jobs thread */
	int jobs_manual;		/* 1: jobs run in ui_settle() only */
};

struct ui;

/*
 * ui_new(renderer, opts):
 * A UI drawing into RENDERER (which stays the caller's). Loads fonts and
 * both languages' strings, starts the jobs thread. Returns it (free with
 * ui_free), or NULL with a logged reason.
 */
struct ui *ui_new(SDL_Renderer *renderer, const struct ui_opts *opts);

/* ui_free(ui): stop the jobs (see jobs_stop), free UI; NULL does nothing. */
void ui_free(struct ui *ui);

/* ui_event(ui, ev): handle one SDL event (touch, mouse, keys, text). */
void ui_event(struct ui *ui, const SDL_Event *ev);

/*
 * ui_tick(ui, now_ms):
 * Hand the jobs' outcomes to the screens, then timeouts and the requested
 * transition (screen_tick); NOW_MS monotonic. Never waits.
 */
void ui_tick(struct ui *ui, int64_t now_ms);

/* ui_render(ui): draw the current screen's view and present it. */
void ui_render(struct ui *ui);

/*
 * ui_render_changed(ui):
 * Draw and present only when what the screen shows changed since the last
 * draw: its view (a screen, a text, a countdown's second, the size), a new
 * camera frame while the preview is shown, or a window event. Returns 1
 * when it drew, 0 when nothing changed. The kiosk's loop calls it: at
 * the ready screen with nothing happening it draws nothing.
 */
int ui_render_changed(struct ui *ui);

/*
 * ui_settle(ui):
 * Wait for every job asked so far, hand the outcomes to the screens and
 * apply what they ask, until nothing more is asked (in manual mode the
 * jobs run here). For tests: what a screen shows is then deterministic.
 */
void ui_settle(struct ui *ui);

/*
 * ui_result(ui, out):
 * Show a check-in outcome (accepted, duplicate, rejected, patrol) from the
 * next ui_tick on, in place of any answer on screen. OUT is copied; the
 * copy is wiped when its screen goes.
 */
void ui_result(struct ui *ui, const struct checkin_out *out);

/* ui_error(ui): "system error, not recorded, try again". */
void ui_error(struct ui *ui);

/*
 * ui_wants_preview(ui, now_ms):
 * 1 when the screen shows the camera's preview and the last frame taken
 * is UI_PREVIEW_MS old or more: a preview to aim a card by needs no more
 * than about 15 frames a second, and a frame not wanted is not copied,
 * converted or drawn.
 */
#define UI_PREVIEW_MS 60
int ui_wants_preview(struct ui *ui, int64_t now_ms);

/* ui_preview(ui, frame): the newest camera frame for the ready screen. */
void ui_preview(struct ui *ui, const struct image *frame);

/* ui_camera(ui, state): the camera indicator and message. */
void ui_camera(struct ui *ui, enum screen_camera state);

/* ui_goto(ui, screen): request SCREEN (tests, admin hot key). */
void ui_goto(struct ui *ui, enum screen_id screen);

/* ui_set_lang(ui, lang): switch the language ("vi" or "en"). */
void ui_set_lang(struct ui *ui, const char *lang);

/* ui_screen(ui): the screen requested, else the current one. */
enum screen_id ui_screen(const struct ui *ui);

/* The set-up screen (screen.h): what it shows; Start pressed; on to the
 * ready screen once set up. */
void ui_setup_set(struct ui *ui, const struct screen_setup *s);
int ui_setup_finished(const struct ui *ui);
void ui_setup_leave(struct ui *ui);

/* ui_quit_requested(ui): 1 once "quit" was chosen on the admin screen. */
int ui_quit_requested(const struct ui *ui);

/* ui_keypad_set(ui, digits): fill the keypad entry (tests). */
void ui_keypad_set(struct ui *ui, const char *digits);

/* ui_venue_text(ui): the URL the venue QR shows now, "" when none. */
const char *ui_venue_text(const struct ui *ui);

/*
 * ui_save_png(renderer, path):
 * Write what RENDERER shows to PATH as an RGB PNG. Returns 0 or -1.
 */
int ui_save_png(SDL_Renderer *renderer, const char *path);

/*
 * ui_words(ui, out, max):
 * The texts the last render drew, in drawing order: up to MAX pointers
 * into UI (valid until the next render) go to OUT. Returns how many there
 * were. For tests that read a screen as a person does.
 */
size_t ui_words(const struct ui *ui, const char **out, size_t max);

/*
 * ui_text_clipped(ui): how many texts did not fit their box even at the
 * smallest size (and were clipped to it). 0 on a good layout.
 */
int ui_text_clipped(const struct ui *ui);

/*
 * ui_button_rect(ui, label, out):
 * Where the button labelled LABEL was drawn in the last render ("0".."9"
 * on the pads, translated labels elsewhere, "admin-corner" for the clock).
 * Returns 0, or -1 when there is none. For tests that touch like a person.
 */
int ui_button_rect(const struct ui *ui, const char *label, SDL_Rect *out);

#endif
