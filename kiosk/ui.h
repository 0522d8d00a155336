/*
 * ui: the kiosk's screens, one explicit state machine (SDL2 + SDL_ttf).
 *
 * Screens: ready (scan, venue QR display, or both side by side),
 * accepted, duplicate, rejected, error, keypad, admin PIN, admin, patrol.
 * Each has {enter, event, render} in one table and a timeout back to
 * ready; transitions are requested and applied in one place (ui_tick).
 *
 * The UI only draws and takes input: scanning, storing and signing happen
 * behind the hooks, off this thread or in constant time.
 */
#ifndef KIOSK_UI_H
#define KIOSK_UI_H

#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

#include "checkin.h"
#include "image.h"

enum ui_mode { UI_MODE_SCAN, UI_MODE_DISPLAY, UI_MODE_BOTH };

enum ui_screen {
	UI_READY,
	UI_ACCEPTED,
	UI_DUPLICATE,
	UI_REJECTED,
	UI_ERROR,
	UI_KEYPAD,
	UI_PIN,
	UI_ADMIN,
	UI_PATROL,
	UI_SCREEN_COUNT
};

enum ui_camera { UI_CAMERA_NONE, UI_CAMERA_OK, UI_CAMERA_LOST };

struct ui_status {
	int64_t today, total, pending;
	int64_t last_upload_ms;		/* 0: never */
	int online;
};

struct ui_patrol {
	char venue[200];
	char device[24];
	int64_t today, week, pending, last_upload_ms;
	int64_t gaps, longest_gap_min;
	char health[16];
	char receipt[1024];		/* signed receipt text for the QR */
};

struct ui_hooks {
	void *data;
	/* A scan from the HID scanner or a number from the keypad. */
	void (*submit)(void *data, const char *text, const char *source);
	/* Counts for the ready and admin screens; 0 or -1. */
	int (*status)(void *data, struct ui_status *out);
	/* Compliance figures and a signed receipt; 0 or -1. */
	int (*patrol)(void *data, struct ui_patrol *out);
	/* Purge old uploaded visits; how many, or -1. */
	int64_t (*purge)(void *data);
	/* 1 if PIN opens the admin screen. */
	int (*check_pin)(void *data, const char *pin);
	/* The signed venue URL for time slot SLOT; 0 or -1. */
	int (*venue_url)(void *data, int64_t slot, char *out, size_t size);
	/* The mode or language changed on the admin screen. */
	void (*changed)(void *data, enum ui_mode mode, const char *lang);
};

struct ui_opts {
	const char *lang;		/* "vi" or "en" */
	enum ui_mode mode;
	const char *venue_name;
	int display_period_s;
	const char *font_regular;	/* TTF paths */
	const char *font_bold;
	int sound;			/* 0: silent */
	struct ui_hooks hooks;
};

struct ui;

/*
 * ui_new(renderer, opts):
 * A UI drawing into RENDERER (which stays the caller's). Loads fonts and
 * both languages' strings. Returns it (free with ui_free), or NULL with a
 * logged reason.
 */
struct ui *ui_new(SDL_Renderer *renderer, const struct ui_opts *opts);

/* ui_free(ui): free UI; NULL does nothing. */
void ui_free(struct ui *ui);

/* ui_event(ui, ev): handle one SDL event (touch, mouse, keys, text). */
void ui_event(struct ui *ui, const SDL_Event *ev);

/* ui_tick(ui, now_ms): timeouts and requested transitions; NOW_MS monotonic. */
void ui_tick(struct ui *ui, int64_t now_ms);

/* ui_render(ui): draw the current screen and present it. */
void ui_render(struct ui *ui);

/*
 * ui_result(ui, out):
 * Show a check-in outcome (accepted, duplicate, rejected, patrol) from the
 * next ui_tick on, in place of any answer on screen. OUT is copied; the
 * copy is wiped when its screen goes.
 */
void ui_result(struct ui *ui, const struct checkin_out *out);

/* ui_error(ui): "system error, not recorded, try again". */
void ui_error(struct ui *ui);

/* ui_preview(ui, frame): the newest camera frame for the ready screen. */
void ui_preview(struct ui *ui, const struct image *frame);

/* ui_camera(ui, state): the camera indicator and message. */
void ui_camera(struct ui *ui, enum ui_camera state);

/* ui_goto(ui, screen): request SCREEN (tests, admin hot key). */
void ui_goto(struct ui *ui, enum ui_screen screen);

/* ui_set_lang(ui, lang): switch the language ("vi" or "en"). */
void ui_set_lang(struct ui *ui, const char *lang);

/* ui_screen(ui): the current screen. */
enum ui_screen ui_screen(const struct ui *ui);

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

/* ui_mode_name(mode): "scan", "display" or "both". */
const char *ui_mode_name(enum ui_mode mode);

#endif
