/*
 * view: the model of a screen. See view.h.
 */
#include "view.h"

#include <string.h>

#include <sodium.h>

#include "log.h"

void
view_init(struct view *v, int w, int h)
{
	/* The last view's texts may hold a visitor's name: wipe them (a
	 * view never built before may hold anything: the whole buffer). */
	sodium_memzero(v->text, v->used < sizeof(v->text) ? v->used :
	    sizeof(v->text));
	v->w = w;
	v->h = h;
	v->n = 0;
	v->used = 0;
	v->full = 0;
}

/*
 * A view that cannot hold its screen is a bug in a screen's view: said
 * once (not 30 times a second), marked in V for the tests.
 */
static void
full(struct view *v, const char *what)
{
	static int said;

	if (!said)
		log_error("screen view: no room for %s; the screen misses a "
		    "piece", what);
	said = 1;
	v->full = 1;
}

/* A new item of KIND at R, or NULL when the view is full. */
static struct view_item *
add(struct view *v, enum view_kind kind, struct view_rect r)
{
	struct view_item *it;

	if (v->n == VIEW_ITEMS_MAX) {
		full(v, "an item");
		return NULL;
	}
	it = &v->item[v->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->r = r;
	it->box = r;
	it->text = "";
	return it;
}

/* S copied into V's buffer; "" when it does not fit (logged). */
static const char *
keep(struct view *v, const char *s)
{
	size_t n = strlen(s);
	char *p;

	if (v->used + n + 1 > sizeof(v->text)) {
		full(v, "a text");
		return "";
	}
	p = v->text + v->used;
	memcpy(p, s, n + 1);
	v->used += n + 1;
	return p;
}

struct view_item *
view_fill(struct view *v, struct view_rect r, enum view_colour colour)
{
	struct view_item *it = add(v, VIEW_FILL, r);

	if (it != NULL)
		it->bg = colour;
	return it;
}

struct view_item *
view_text(struct view *v, enum view_role role, const char *s,
    struct view_rect box, int px, int bold, enum view_colour fg,
    enum view_align align)
{
	struct view_item *it;

	if (s == NULL)
		return NULL;
	it = add(v, VIEW_TEXT, box);
	if (it == NULL)
		return NULL;
	it->role = role;
	it->px = px;
	it->bold = bold;
	it->fg = fg;
	it->align = align;
	it->text = keep(v, s);
	return it;
}

struct view_item *
view_button(struct view *v, int id, const char *label, struct view_rect r,
    struct view_rect box, int px, enum view_colour bg)
{
	struct view_item *it = add(v, VIEW_BUTTON, r);

	if (it == NULL)
		return NULL;
	it->role = VIEW_ROLE_LABEL;
	it->box = box;
	it->px = px;
	it->bold = 1;
	it->fg = VIEW_C_TEXT;
	it->bg = bg;
	it->align = VIEW_CENTER;
	it->id = id;
	it->text = keep(v, label);
	return it;
}

struct view_item *
view_hit(struct view *v, int id, const char *name, struct view_rect r)
{
	struct view_item *it = add(v, VIEW_HIT, r);

	if (it == NULL)
		return NULL;
	it->id = id;
	it->text = keep(v, name);
	return it;
}

struct view_item *
view_qr(struct view *v, const char *text, struct view_rect r)
{
	struct view_item *it = add(v, VIEW_QR, r);

	if (it != NULL)
		it->text = keep(v, text);
	return it;
}

struct view_item *
view_preview(struct view *v, struct view_rect r)
{
	return add(v, VIEW_PREVIEW, r);
}

struct view_item *
view_mark(struct view *v, enum view_kind kind, struct view_rect r,
    enum view_colour fg)
{
	struct view_item *it = add(v, kind, r);

	if (it != NULL)
		it->fg = fg;
	return it;
}

/* 1 if IT is read by a person: a text or a button's label. */
static int
is_word(const struct view_item *it)
{
	return it->kind == VIEW_TEXT || it->kind == VIEW_BUTTON;
}

size_t
view_words(const struct view *v, const char **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < v->n; i++) {
		if (!is_word(&v->item[i]))
			continue;
		if (n < max)
			out[n] = v->item[i].text;
		n++;
	}
	return n;
}

int
view_says(const struct view *v, const char *needle)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (is_word(&v->item[i]) &&
		    strstr(v->item[i].text, needle) != NULL)
			return 1;
	return 0;
}

const char *
view_find(const struct view *v, enum view_role role, size_t nth)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->item[i].kind == VIEW_TEXT && v->item[i].role == role &&
		    nth-- == 0)
			return v->item[i].text;
	return NULL;
}

static int
inside(struct view_rect r, int x, int y)
{
	return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

int
view_hit_test(const struct view *v, int x, int y)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if ((v->item[i].kind == VIEW_BUTTON ||
		    v->item[i].kind == VIEW_HIT) && inside(v->item[i].r, x, y))
			return v->item[i].id;
	return 0;
}

int
view_button_rect(const struct view *v, const char *label,
    struct view_rect *out)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if ((v->item[i].kind == VIEW_BUTTON ||
		    v->item[i].kind == VIEW_HIT) &&
		    strcmp(v->item[i].text, label) == 0) {
			*out = v->item[i].r;
			return 0;
		}
	return -1;
}

int
view_equal(const struct view *a, const struct view *b)
{
	size_t i;

	if (a->w != b->w || a->h != b->h || a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct view_item *x = &a->item[i], *y = &b->item[i];

		if (x->kind != y->kind || x->role != y->role ||
		    memcmp(&x->r, &y->r, sizeof(x->r)) != 0 ||
		    memcmp(&x->box, &y->box, sizeof(x->box)) != 0 ||
		    x->fg != y->fg || x->bg != y->bg || x->px != y->px ||
		    x->bold != y->bold || x->align != y->align ||
		    x->group != y->group || x->id != y->id)
			return 0;
		if ((x->text == NULL) != (y->text == NULL) ||
		    (x->text != NULL && strcmp(x->text, y->text) != 0))
			return 0;
	}
	return 1;
}

void
view_copy(struct view *dst, const struct view *src)
{
	size_t i;

	if (dst == src)
		return;
	memcpy(dst, src, sizeof(*dst));
	/* Texts point into the view's own buffer: into DST's now. */
	for (i = 0; i < dst->n; i++) {
		const char *t = src->item[i].text;

		if (t != NULL && t >= src->text && t < src->text +
		    sizeof(src->text))
			dst->item[i].text = dst->text + (t - src->text);
	}
}
