/*
 * ui: SDL in, the screens' machine in the middle, pixels out. See ui.h.
 *
 * This file only translates: an SDL event into a screen event (a touch
 * into the button the last view had there, a HID scanner's burst into a
 * scan), a screen's request into a call (the worker's submit, a job, a
 * tone), a job's outcome into a screen event, and a view into pixels
 * (ui_draw.c). The rules are in the machine (screen*.c).
 */
#include "ui.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ktime.h"
#include "log.h"
#include "scanner.h"
#include "sound.h"
#include "ui_draw.h"

#define SETTLE_ROUNDS 32

struct ui {
	SDL_Renderer *r;
	struct ui_opts o;
	struct screen *m;
	struct ui_draw *d;
	struct jobs *jobs;
	struct sound *sound;
	struct scanner scan;
	struct view view;	/* the last render's */
	struct view next;	/* the view now, to compare with it */
	int dirty;		/* draw at the next ui_render_changed */
	int preview_new;	/* a camera frame came since the last draw */
	int64_t preview_ms;	/* monotonic: the last frame taken */
	int w, h;
	int64_t now;
};

/* ---- requests out, outcomes in ---- */

static void
job_failed(struct ui *ui, const struct screen_request *rq)
{
	struct screen_job_done d;
	struct screen_event ev;

	memset(&d, 0, sizeof(d));
	d.job = rq->job;
	d.id = rq->id;
	d.rc = -1;
	d.n = rq->job == SCREEN_JOB_VENUE ? rq->slot : 0;
	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_JOB;
	ev.job = &d;
	screen_event(ui->m, &ev);
}

/* Carry out what the screens asked for. Returns how many jobs went out. */
static int
pump(struct ui *ui)
{
	struct screen_request rq;
	int jobs = 0;

	while (screen_take(ui->m, &rq)) {
		switch (rq.type) {
		case SCREEN_REQ_SUBMIT:
			if (ui->o.hooks.submit != NULL)
				ui->o.hooks.submit(ui->o.hooks.data, rq.text,
				    rq.source);
			break;
		case SCREEN_REQ_SOUND:
			sound_play(ui->sound, rq.good);
			break;
		case SCREEN_REQ_JOB:
			if (jobs_post(ui->jobs, &rq) == 0)
				jobs++;
			else
				job_failed(ui, &rq);	/* may ask again */
			break;
		}
		sodium_memzero(&rq, sizeof(rq));	/* a scan, a PIN */
	}
	return jobs;
}

static void
feed(struct ui *ui, const struct screen_event *ev)
{
	screen_event(ui->m, ev);
	(void)pump(ui);
}

/* Hand the finished jobs' outcomes to the screens; how many there were. */
static int
outcomes(struct ui *ui)
{
	struct screen_job_done d;
	struct screen_event ev;
	int n = 0;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_JOB;
	ev.job = &d;
	while (jobs_poll(ui->jobs, &d)) {
		screen_event(ui->m, &ev);
		n++;
	}
	sodium_memzero(&d, sizeof(d));
	return n;
}

void
ui_tick(struct ui *ui, int64_t now_ms)
{
	ui->now = now_ms;
	(void)outcomes(ui);
	screen_tick(ui->m, now_ms, ktime_wall_ms());
	(void)pump(ui);
}

void
ui_settle(struct ui *ui)
{
	int round, busy;

	(void)pump(ui);
	for (round = 0; round < SETTLE_ROUNDS; round++) {
		jobs_settle(ui->jobs);
		busy = outcomes(ui);
		/* What the outcomes asked for (a transition, its screen's
		 * jobs) happens now, as on the next tick. */
		screen_tick(ui->m, ui->now, ktime_wall_ms());
		busy += pump(ui);
		if (busy == 0)
			return;
	}
	log_warn("ui_settle: the screens still ask for jobs after %d rounds",
	    SETTLE_ROUNDS);
}

/* ---- SDL in ---- */

/* A touch or click at (X, Y): the button the last view had there. */
static void
press(struct ui *ui, int x, int y, int down)
{
	struct screen_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_PRESS;
	ev.button = (enum screen_button)view_hit_test(&ui->view, x, y);
	ev.down = down;
	feed(ui, &ev);
}

static void
key(struct ui *ui, enum screen_key k, int digit)
{
	struct screen_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_KEY;
	ev.key = k;
	ev.digit = digit;
	feed(ui, &ev);
}

/* Enter or Tab: the end of a HID scanner's burst, or a key. */
static void
enter(struct ui *ui, const SDL_KeyboardEvent *k)
{
	char code[SCANNER_MAX + 1];
	struct screen_event ev;
	int n;

	n = scanner_end(&ui->scan, (int64_t)k->timestamp, code, sizeof(code));
	if (n > 0) {
		memset(&ev, 0, sizeof(ev));
		ev.type = SCREEN_EV_SCAN;
		ev.text = code;
		feed(ui, &ev);
		sodium_memzero(code, sizeof(code));
	} else {
		key(ui, k->keysym.sym == SDLK_TAB ? SCREEN_KEY_OTHER :
		    SCREEN_KEY_ENTER, 0);
	}
}

void
ui_event(struct ui *ui, const SDL_Event *ev)
{
	const char *t;

	switch (ev->type) {
	case SDL_WINDOWEVENT:
		ui->dirty = 1;	/* shown, exposed, resized: draw again */
		break;
	case SDL_RENDER_TARGETS_RESET:
	case SDL_RENDER_DEVICE_RESET:
		ui->dirty = 1;
		break;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		if (ev->button.which == SDL_TOUCH_MOUSEID)
			break;	/* the finger event handles it */
		press(ui, ev->button.x, ev->button.y,
		    ev->type == SDL_MOUSEBUTTONDOWN);
		break;
	case SDL_FINGERDOWN:
	case SDL_FINGERUP:
		press(ui, (int)(ev->tfinger.x * (float)ui->w),
		    (int)(ev->tfinger.y * (float)ui->h),
		    ev->type == SDL_FINGERDOWN);
		break;
	case SDL_TEXTINPUT:
		t = ev->text.text;
		scanner_text(&ui->scan, t, (int64_t)ev->text.timestamp);
		/* A person typing digits on the keypad screens. */
		if (t[0] >= '0' && t[0] <= '9' && t[1] == '\0')
			key(ui, SCREEN_KEY_DIGIT, t[0] - '0');
		else
			key(ui, SCREEN_KEY_OTHER, 0);
		break;
	case SDL_KEYDOWN:
		switch (ev->key.keysym.sym) {
		case SDLK_RETURN:
		case SDLK_KP_ENTER:
		case SDLK_TAB:
			enter(ui, &ev->key);
			break;
		case SDLK_BACKSPACE:
			key(ui, SCREEN_KEY_BACKSPACE, 0);
			break;
		case SDLK_ESCAPE:
			key(ui, SCREEN_KEY_ESCAPE, 0);
			break;
		case SDLK_F12:
			key(ui, SCREEN_KEY_ADMIN, 0);
			break;
		default:
			key(ui, SCREEN_KEY_OTHER, 0);
			break;
		}
		break;
	default:
		break;
	}
}

void
ui_result(struct ui *ui, const struct checkin_out *out)
{
	struct screen_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_RESULT;
	ev.result = out;
	feed(ui, &ev);
}

void
ui_error(struct ui *ui)
{
	struct screen_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_ERROR;
	feed(ui, &ev);
}

void
ui_camera(struct ui *ui, enum screen_camera state)
{
	struct screen_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = SCREEN_EV_CAMERA;
	ev.camera = state;
	feed(ui, &ev);
}

/* ---- pixels out ---- */

void
ui_render(struct ui *ui)
{
	SDL_GetRendererOutputSize(ui->r, &ui->w, &ui->h);
	screen_view(ui->m, ui->w, ui->h, &ui->view);
	ui_draw_view(ui->d, &ui->view);
	SDL_RenderPresent(ui->r);
	ui->dirty = ui->preview_new = 0;
}

/* Does V show the camera's preview? */
static int
has_preview(const struct view *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->item[i].kind == VIEW_PREVIEW)
			return 1;
	return 0;
}

int
ui_render_changed(struct ui *ui)
{
	SDL_GetRendererOutputSize(ui->r, &ui->w, &ui->h);
	screen_view(ui->m, ui->w, ui->h, &ui->next);
	if (!ui->dirty && !(ui->preview_new && has_preview(&ui->next)) &&
	    view_equal(&ui->view, &ui->next))
		return 0;
	view_copy(&ui->view, &ui->next);
	ui_draw_view(ui->d, &ui->view);
	SDL_RenderPresent(ui->r);
	ui->dirty = ui->preview_new = 0;
	return 1;
}

int
ui_wants_preview(struct ui *ui, int64_t now_ms)
{
	return has_preview(&ui->view) && now_ms - ui->preview_ms >=
	    UI_PREVIEW_MS;
}

void
ui_preview(struct ui *ui, const struct image *frame)
{
	/* Converted once, at the box's size; drawn at the next render. */
	ui->preview_ms = ktime_mono_ms();
	if (ui_draw_preview(ui->d, frame) == 0)
		ui->preview_new = 1;
}

/* ---- the rest ---- */

void
ui_goto(struct ui *ui, enum screen_id s)
{
	screen_goto(ui->m, s);
	(void)pump(ui);
}

void
ui_set_lang(struct ui *ui, const char *lang)
{
	screen_set_lang(ui->m, lang);
}

enum screen_id
ui_screen(const struct ui *ui)
{
	return screen_current(ui->m);
}

void
ui_setup_set(struct ui *ui, const struct screen_setup *s)
{
	screen_setup_set(ui->m, s);
}

int
ui_setup_finished(const struct ui *ui)
{
	return screen_setup_finished(ui->m);
}

void
ui_setup_leave(struct ui *ui)
{
	screen_setup_leave(ui->m);
	ui->dirty = 1;
}

int
ui_quit_requested(const struct ui *ui)
{
	return screen_quit_requested(ui->m);
}

void
ui_keypad_set(struct ui *ui, const char *digits)
{
	screen_keypad_set(ui->m, digits);
}

const char *
ui_venue_text(const struct ui *ui)
{
	return screen_venue_text(ui->m);
}

int
ui_save_png(SDL_Renderer *renderer, const char *path)
{
	return ui_draw_save_png(renderer, path);
}

size_t
ui_words(const struct ui *ui, const char **out, size_t max)
{
	return view_words(&ui->view, out, max);
}

int
ui_text_clipped(const struct ui *ui)
{
	return ui_draw_clipped(ui->d);
}

int
ui_button_rect(const struct ui *ui, const char *label, SDL_Rect *out)
{
	struct view_rect r;

	if (view_button_rect(&ui->view, label, &r) != 0)
		return -1;
	*out = (SDL_Rect){ r.x, r.y, r.w, r.h };
	return 0;
}

/* ---- life cycle ---- */

struct ui *
ui_new(SDL_Renderer *renderer, const struct ui_opts *opts)
{
	struct screen_opts so;
	struct ui *ui = calloc(1, sizeof(*ui));

	if (ui == NULL)
		return NULL;
	ui->r = renderer;
	ui->o = *opts;
	memset(&so, 0, sizeof(so));
	so.lang = opts->lang;
	so.mode = opts->mode;
	so.venue_name = opts->venue_name;
	so.display_period_s = opts->display_period_s;
	so.setup = opts->setup;
	so.setup_cmd = opts->setup_cmd;
	scanner_init(&ui->scan);
	ui->m = screen_new(&so);
	if (ui->m == NULL)
		goto err;
	ui->d = ui_draw_new(renderer, opts->font_regular, opts->font_bold);
	if (ui->d == NULL)
		goto err;
	ui->jobs = jobs_start(&opts->jobs, opts->jobs_manual);
	if (ui->jobs == NULL)
		goto err;
	SDL_GetRendererOutputSize(renderer, &ui->w, &ui->h);
	ui->dirty = 1;
	ui->sound = sound_open(opts->sound);
	return ui;
err:
	log_error("cannot start the kiosk's screens");
	ui_free(ui);
	return NULL;
}

void
ui_free(struct ui *ui)
{
	if (ui == NULL)
		return;
	jobs_stop(ui->jobs);	/* before the screens: no one polls after */
	screen_free(ui->m);
	ui_draw_free(ui->d);
	sound_close(ui->sound);
	view_init(&ui->view, 0, 0);	/* wipes the last view's words */
	view_init(&ui->next, 0, 0);
	sodium_memzero(ui, sizeof(*ui));
	free(ui);
}
