/*
 * screen_ready: the ready screen (scan, venue QR display, or both) and
 * the four answer screens (accepted, duplicate, rejected, error). See
 * screen_impl.h.
 */
#include "screen_impl.h"

#include <stdio.h>
#include <string.h>

/* ---- ready ---- */

void
screen_ready_tick(struct screen *m)
{
	screen_status_refresh(m);
}

void
screen_ready_event(struct screen *m, const struct screen_event *ev)
{
	if (ev->type == SCREEN_EV_KEY && ev->key == SCREEN_KEY_ADMIN) {
		screen_go(m, SCREEN_PIN);
		return;
	}
	if (ev->type != SCREEN_EV_PRESS)
		return;
	if (ev->button == SCREEN_BTN_KEYPAD) {
		screen_go(m, SCREEN_KEYPAD);
	} else if (ev->button == SCREEN_BTN_LANG) {
		m->li = 1 - m->li;
		screen_settings_changed(m);
	}
}

/* Online or not, and what is left to upload. */
static void
status_strip(const struct screen *m, struct view *v, struct view_rect r)
{
	char n[24], line[96];
	const char *args[1] = { n };
	int d = r.h / 3;

	view_fill(v, r, VIEW_C_BAR);
	if (!m->have_status)
		return;		/* not known yet: nothing rather than a guess */
	view_fill(v, RECT(r.x + d, r.y + d, d, d), m->status.online ?
	    VIEW_C_ACCENT : VIEW_C_WARN);
	view_text(v, VIEW_ROLE_BAR, screen_s(m, m->status.online ?
	    "ui.online" : "ui.offline"), RECT(r.x + 3 * d, r.y, r.w / 3, r.h),
	    r.h / 2, 0, VIEW_C_TEXT, VIEW_LEFT);
	screen_count_text(1, m->status.pending, n, sizeof(n));
	view_text(v, VIEW_ROLE_BAR, screen_fill(m, line, sizeof(line),
	    "ui.pending", args, 1), RECT(r.x + r.w / 3, r.y, r.w * 2 / 3 - d,
	    r.h), r.h / 2, 0, VIEW_C_DIM, VIEW_RIGHT);
}

/* The framing guide: four corner brackets, a bar each way. */
static void
screen_guide(struct view *v, struct view_rect pv, int u)
{
	int g = (pv.w < pv.h ? pv.w : pv.h) * 7 / 10, t = u / 3 + 2;
	int gx = pv.x + (pv.w - g) / 2, gy = pv.y + (pv.h - g) / 2;
	int l = g / 4, c;

	for (c = 0; c < 4; c++) {
		int right = c & 1, bottom = c >> 1;

		view_fill(v, RECT(right ? gx + g - l : gx,
		    bottom ? gy + g - t : gy, l, t), VIEW_C_ACCENT);
		view_fill(v, RECT(right ? gx + g - t : gx,
		    bottom ? gy + g - l : gy, t, l), VIEW_C_ACCENT);
	}
}

void
screen_preview_box(const struct screen *m, struct view *v,
    struct view_rect pv, const char *no_camera_key)
{
	int u = screen_unit(v);

	/* Preview, letterboxed; the guide only where there is a picture to
	 * frame: with no camera the message takes the preview's place. */
	view_fill(v, pv, VIEW_C_BLACK);
	view_preview(v, pv);
	if (m->camera == SCREEN_CAMERA_OK) {
		screen_guide(v, pv, u);
	} else {
		struct view_rect msg = RECT(pv.x + u, pv.y + pv.h / 6,
		    pv.w - 2 * u, pv.h * 2 / 3);

		view_fill(v, msg, m->camera == SCREEN_CAMERA_LOST ?
		    VIEW_C_WARN : VIEW_C_PANEL);
		view_text(v, VIEW_ROLE_NOTE, screen_s(m, m->camera ==
		    SCREEN_CAMERA_LOST ? "ui.camera_lost" : no_camera_key),
		    RECT(msg.x + u, msg.y, msg.w - 2 * u, msg.h), 2 * u, 1,
		    VIEW_C_TEXT, VIEW_CENTER);
	}
}

/* Today's count and the two buttons, beside the preview or under it. */
static void
scan_side(const struct screen *m, struct view *v, struct view_rect side,
    int land, int u)
{
	char n[24];

	screen_count_text(m->have_status, m->status.today, n, sizeof(n));
	if (land) {
		struct view_rect card = RECT(side.x, side.y, side.w,
		    side.h * 45 / 100);
		int bh = side.h * 22 / 100 - u;

		view_fill(v, card, VIEW_C_PANEL);
		view_text(v, VIEW_ROLE_LINE, screen_s(m, "ui.today"),
		    RECT(card.x + u, card.y, card.w - 2 * u, card.h / 4),
		    2 * u, 0, VIEW_C_DIM, VIEW_CENTER);
		view_text(v, VIEW_ROLE_FIGURE, n, RECT(card.x + u, card.y +
		    card.h / 4, card.w - 2 * u, card.h / 2), card.h / 2, 1,
		    VIEW_C_TEXT, VIEW_CENTER);
		view_text(v, VIEW_ROLE_LINE, screen_s(m, "ui.visits"),
		    RECT(card.x + u, card.y + card.h * 3 / 4, card.w - 2 * u,
		    card.h / 4), 2 * u, 0, VIEW_C_DIM, VIEW_CENTER);
		screen_button(v, SCREEN_BTN_KEYPAD, screen_s(m,
		    "ui.keypad_button"), RECT(side.x, card.y + card.h + u,
		    side.w, bh), VIEW_C_BTN);
		screen_button(v, SCREEN_BTN_LANG, screen_s(m,
		    "ui.language_button"), RECT(side.x, card.y + card.h +
		    2 * u + bh, side.w, bh), VIEW_C_PANEL);
	} else {
		int cw = side.w / 3, bh = (side.h - u) / 2;

		view_fill(v, RECT(side.x, side.y, cw - u, side.h),
		    VIEW_C_PANEL);
		view_text(v, VIEW_ROLE_FIGURE, n, RECT(side.x, side.y, cw - u,
		    side.h * 6 / 10), side.h / 2, 1, VIEW_C_TEXT, VIEW_CENTER);
		view_text(v, VIEW_ROLE_LINE, screen_s(m, "ui.visits"),
		    RECT(side.x + u / 2, side.y + side.h * 6 / 10, cw - 2 * u,
		    side.h * 4 / 10), 2 * u, 0, VIEW_C_DIM, VIEW_CENTER);
		screen_button(v, SCREEN_BTN_KEYPAD, screen_s(m,
		    "ui.keypad_button"), RECT(side.x + cw, side.y, side.w - cw,
		    bh), VIEW_C_BTN);
		screen_button(v, SCREEN_BTN_LANG, screen_s(m,
		    "ui.language_button"), RECT(side.x + cw, side.y + bh + u,
		    side.w - cw, bh), VIEW_C_PANEL);
	}
}

/* The scan side: preview with a framing guide, hint, count, buttons. */
static void
scan_area(const struct screen *m, struct view *v, struct view_rect r)
{
	int u = screen_unit(v), land = r.w > r.h * 11 / 10;
	struct view_rect pv, side, hint;

	if (land) {
		pv = RECT(r.x + u, r.y + u, r.w * 6 / 10 - 2 * u,
		    r.h * 78 / 100 - u);
		hint = RECT(r.x + u, pv.y + pv.h, pv.w, r.h - pv.h - u);
		side = RECT(pv.x + pv.w + u, r.y + u,
		    r.x + r.w - (pv.x + pv.w + 2 * u), r.h - 2 * u);
	} else {
		pv = RECT(r.x + u, r.y + u, r.w - 2 * u, r.h * 45 / 100);
		hint = RECT(r.x + u, pv.y + pv.h, pv.w, r.h * 19 / 100);
		side = RECT(r.x + u, hint.y + hint.h, r.w - 2 * u,
		    r.y + r.h - (hint.y + hint.h) - u);
	}
	screen_preview_box(m, v, pv, "ui.no_camera");
	view_text(v, VIEW_ROLE_TITLE, screen_s(m, "ui.scan_here"),
	    RECT(hint.x, hint.y, hint.w, hint.h * 55 / 100), 3 * u, 1,
	    VIEW_C_TEXT, VIEW_CENTER);
	view_text(v, VIEW_ROLE_HINT, screen_s(m, "ui.scan_hint"),
	    RECT(hint.x, hint.y + hint.h * 55 / 100, hint.w, hint.h * 45 / 100),
	    2 * u, 0, VIEW_C_DIM, VIEW_CENTER);
	scan_side(m, v, side, land, u);
}

/* The display side: the signed venue QR on white, with a countdown. */
static void
display_area(const struct screen *m, struct view *v, struct view_rect r)
{
	int64_t period = m->o.display_period_s;
	int u = screen_unit(v), left;
	char secs[16], line[96];
	const char *args[1] = { secs }, *url = screen_venue_text(m);

	view_fill(v, r, VIEW_C_WHITE);
	view_text(v, VIEW_ROLE_TITLE, screen_s(m, "ui.display_title"),
	    RECT(r.x + u, r.y, r.w - 2 * u, r.h * 14 / 100), 3 * u, 1,
	    VIEW_C_INK, VIEW_CENTER);
	/* Signed ahead by a job: none only in the first moments (or with
	 * no device key), and then the panel waits without a code. */
	if (*url != '\0')
		view_qr(v, url, RECT(r.x + u, r.y + r.h * 14 / 100,
		    r.w - 2 * u, r.h * 72 / 100));
	left = (int)(period - (m->wall / 1000) % period);
	screen_count_text(1, left, secs, sizeof(secs));
	view_fill(v, RECT(r.x + u, r.y + r.h * 88 / 100,
	    (int)((int64_t)(r.w - 2 * u) * left / period), u / 2 + 2),
	    VIEW_C_OK);
	view_text(v, VIEW_ROLE_HINT, screen_fill(m, line, sizeof(line),
	    "ui.display_countdown", args, 1), RECT(r.x + u,
	    r.y + r.h * 90 / 100, r.w - 2 * u, r.h * 9 / 100), 2 * u, 0,
	    VIEW_C_INK, VIEW_CENTER);
}

void
screen_ready_view(const struct screen *m, struct view *v)
{
	struct view_rect body, main;
	int sh;

	view_fill(v, RECT(0, 0, v->w, v->h), VIEW_C_BG);
	screen_top_bar(m, v, &body);
	sh = body.h / 11 > 30 ? body.h / 11 : 30;
	main = RECT(body.x, body.y, body.w, body.h - sh);
	status_strip(m, v, RECT(0, v->h - sh, v->w, sh));
	if (m->mode == SCREEN_MODE_SCAN) {
		scan_area(m, v, main);
	} else if (m->mode == SCREEN_MODE_DISPLAY) {
		display_area(m, v, main);
	} else if (main.w >= main.h) {
		scan_area(m, v, RECT(main.x, main.y, main.w / 2, main.h));
		display_area(m, v, RECT(main.x + main.w / 2, main.y,
		    main.w - main.w / 2, main.h));
	} else {
		scan_area(m, v, RECT(main.x, main.y, main.w, main.h / 2));
		display_area(m, v, RECT(main.x, main.y + main.h / 2, main.w,
		    main.h - main.h / 2));
	}
}

/* ---- the answers ---- */

/* A touch anywhere dismisses an answer (unless a newer one is coming). */
void
screen_answer_event(struct screen *m, const struct screen_event *ev)
{
	if (ev->type == SCREEN_EV_PRESS && ev->down)
		screen_go(m, SCREEN_READY);
}

/* One big answer on BG: a mark, TITLE, LINE1, and LINE2 (may be NULL). */
static void
answer(struct view *v, enum view_colour bg, int good, const char *title,
    const char *line1, const char *line2)
{
	int u = screen_unit(v), icon = v->h * 28 / 100;

	view_fill(v, RECT(0, 0, v->w, v->h), bg);
	view_mark(v, good ? VIEW_CHECK : VIEW_CROSS, RECT((v->w - icon) / 2, u,
	    icon, icon), VIEW_C_TEXT);
	view_text(v, VIEW_ROLE_TITLE, title, RECT(u, icon + 2 * u,
	    v->w - 2 * u, v->h * 18 / 100), 5 * u, 1, VIEW_C_TEXT,
	    VIEW_CENTER);
	view_text(v, VIEW_ROLE_LINE, line1, RECT(u, icon + 2 * u +
	    v->h * 18 / 100, v->w - 2 * u, v->h * 22 / 100), 4 * u, 1,
	    VIEW_C_TEXT, VIEW_CENTER);
	view_text(v, VIEW_ROLE_HINT, line2, RECT(u, icon + 2 * u +
	    v->h * 40 / 100, v->w - 2 * u,
	    v->h - (icon + 3 * u + v->h * 40 / 100)), 3 * u, 0, VIEW_C_TEXT,
	    VIEW_CENTER);
}

void
screen_accepted_view(const struct screen *m, struct view *v)
{
	char t[16], line[128];
	const char *args[1] = { t };
	int out = m->answer.dir == STORE_OUT;

	screen_clock_text(m->wall, t, sizeof(t));
	screen_fill(m, line, sizeof(line), out ? "ui.checked_out_at" :
	    "ui.checked_in_at", args, 1);
	answer(v, VIEW_C_OK, 1, screen_s(m, out ? "result.checkout" :
	    "ui.hello"), m->answer.display, line);
}

void
screen_duplicate_view(const struct screen *m, struct view *v)
{
	char t[16], line[160];
	const char *args[1] = { t };

	screen_clock_text(m->answer.previous_ms ? m->answer.previous_ms :
	    m->wall, t, sizeof(t));
	answer(v, VIEW_C_DUP, 1, screen_s(m, "result.duplicate"),
	    m->answer.display, screen_fill(m, line, sizeof(line),
	    "ui.first_seen", args, 1));
}

void
screen_rejected_view(const struct screen *m, struct view *v)
{
	char key[64];

	snprintf(key, sizeof(key), "reason.%s", reason_code(m->answer.reason));
	answer(v, VIEW_C_BAD, 0, screen_s(m, "result.rejected"),
	    screen_s(m, key), screen_s(m, "ui.reject_hint"));
}

void
screen_error_view(const struct screen *m, struct view *v)
{
	/* What happened, large; that nothing was kept; what to do. */
	answer(v, VIEW_C_BAD, 0, screen_s(m, "error.title"),
	    screen_s(m, "error.not_recorded"), screen_s(m, "error.what_to_do"));
}
