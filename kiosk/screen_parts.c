/*
 * screen_parts: what the screens' views share: the words in the language
 * spoken, times and counts as a person reads them, the size unit, and the
 * top bar. See screen_impl.h.
 *
 * Layout is in proportions of the screen, so the same views serve a 7"
 * 800x480 panel and a 1920x1080 screen, landscape or portrait.
 */
#include "screen_impl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *
screen_s(const struct screen *m, const char *key)
{
	return i18n_get(m->lang[m->li], key);
}

/* KEY's text with each "%s" replaced by the next of ARGS; returns BUF. */
const char *
screen_fill(const struct screen *m, char *buf, size_t size, const char *key,
    const char *const *args, size_t nargs)
{
	return i18n_fill(buf, size, screen_s(m, key), args, nargs);
}

/* The layout's unit: a 24th of the screen's shorter side. */
int
screen_unit(const struct view *v)
{
	return (v->w < v->h ? v->w : v->h) / 24;
}

/* Local "14:05". */
void
screen_clock_text(int64_t wall_ms, char *buf, size_t size)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(buf, size, "%H:%M", &tm) == 0 && size > 0)
		buf[0] = '\0';
}

/* Local "14:05 22/11/2026": what a person reads, not ISO UTC. */
void
screen_when_text(int64_t wall_ms, char *buf, size_t size)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(buf, size, "%H:%M %d/%m/%Y", &tm) == 0 && size > 0)
		buf[0] = '\0';
}

/* N in digits; "…" while it is not KNOWN yet (its job is running). */
void
screen_count_text(int known, int64_t n, char *buf, size_t size)
{
	if (known)
		snprintf(buf, size, "%lld", (long long)n);
	else
		snprintf(buf, size, "…");
}

/* A button, its label from 4/10 of its height, inset a sixth of it. */
struct view_item *
screen_button(struct view *v, int id, const char *label, struct view_rect r,
    enum view_colour bg)
{
	int pad = r.h / 6;

	return view_button(v, id, label, r, RECT(r.x + pad, r.y + pad / 2,
	    r.w - 2 * pad, r.h - pad), r.h * 4 / 10, bg);
}

/* Venue and clock; a long press on the clock asks for the admin PIN. */
void
screen_top_bar(const struct screen *m, struct view *v, struct view_rect *rest)
{
	int bh = v->h / 9 > 44 ? v->h / 9 : 44, pad = screen_unit(v);
	char clock[16];

	view_fill(v, RECT(0, 0, v->w, bh), VIEW_C_BAR);
	screen_clock_text(m->wall, clock, sizeof(clock));
	view_text(v, VIEW_ROLE_BAR, m->o.venue_name, RECT(pad, 0,
	    v->w * 7 / 10 - pad, bh), bh * 5 / 10, 1, VIEW_C_TEXT, VIEW_LEFT);
	view_text(v, VIEW_ROLE_BAR, clock, RECT(v->w * 7 / 10, 0,
	    v->w * 3 / 10 - pad, bh), bh * 6 / 10, 1, VIEW_C_TEXT, VIEW_RIGHT);
	view_hit(v, SCREEN_BTN_ADMIN_CORNER, "admin-corner", RECT(v->w * 7 / 10,
	    0, v->w * 3 / 10, bh));
	*rest = RECT(0, bh, v->w, v->h - bh);
}
