/*
 * ui_draw: a view's items as pixels. See ui_draw.h.
 *
 * Every text is drawn into its box and shrunk (then wrapped between
 * words) until it fits: nothing is cut off at a screen edge. Texts of one
 * group share the largest size at which each fits on one line.
 */
#include "ui_draw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_ttf.h>
#include <png.h>

#include "log.h"
#include "qr.h"

#define FONT_CACHE 48
#define TEXT_CACHE 160
#define GROUP_CACHE 32
#define QR_CACHE 2
#define GROUPS 8

/* Colours: dark for waiting, full-screen colour for an answer. */
static const SDL_Color palette[VIEW_C_COUNT] = {
	[VIEW_C_BG] = { 0x0e, 0x1a, 0x2b, 255 },
	[VIEW_C_BAR] = { 0x16, 0x27, 0x40, 255 },
	[VIEW_C_PANEL] = { 0x1c, 0x31, 0x50, 255 },
	[VIEW_C_TEXT] = { 0xff, 0xff, 0xff, 255 },
	[VIEW_C_DIM] = { 0xb8, 0xc7, 0xdb, 255 },
	[VIEW_C_OK] = { 0x14, 0x7a, 0x3a, 255 },
	[VIEW_C_DUP] = { 0x1d, 0x52, 0x96, 255 },
	[VIEW_C_BAD] = { 0xb0, 0x22, 0x1b, 255 },
	[VIEW_C_WARN] = { 0xc7, 0x7c, 0x02, 255 },
	[VIEW_C_BTN] = { 0x2b, 0x4a, 0x75, 255 },
	[VIEW_C_ACCENT] = { 0x2f, 0xbf, 0x71, 255 },
	[VIEW_C_WHITE] = { 0xff, 0xff, 0xff, 255 },
	[VIEW_C_INK] = { 0x10, 0x18, 0x24, 255 },
	[VIEW_C_BLACK] = { 0x00, 0x00, 0x00, 255 },
};

struct font_slot {
	int px, bold;
	TTF_Font *f;
};

/* A QR code's texture and the text it holds (NULL texture: refused). */
struct qr_slot {
	char *text;
	SDL_Texture *tex;
	unsigned used;
};

/*
 * A text as drawn: its texture, made once per string, box, size, colour
 * and alignment, and used again at every draw while the text is shown
 * (a countdown makes one a second; the ready screen none).
 */
struct text_slot {
	char *s;
	int w, h, px, bold, align, clipped;
	SDL_Color c;
	SDL_Texture *tex;	/* NULL: nothing to draw */
	int tw, th;		/* the part of it drawn */
	unsigned used;
};

/* A group's size, kept for the same texts in the same boxes. */
struct group_slot {
	uint64_t key;
	int px;
};

struct ui_draw {
	SDL_Renderer *r;
	const char *font_path[2];	/* regular, bold */
	unsigned char *font_data[2];	/* the files, read once */
	size_t font_len[2];
	struct font_slot fonts[FONT_CACHE];
	size_t nfonts;
	struct text_slot texts[TEXT_CACHE];
	unsigned text_clock;
	struct group_slot groups[GROUP_CACHE];
	unsigned next_group;
	SDL_Texture *preview;
	int pw, ph;
	unsigned char *rgb;		/* the preview's conversion, reused */
	size_t rgb_cap;
	unsigned char *small;		/* the preview at the box's size */
	size_t small_cap;
	int preview_box_w;		/* the preview's box, last drawn */
	struct qr_slot qr[QR_CACHE];
	unsigned qr_clock;
	int clipped;
};

/* ---- fonts ---- */

static TTF_Font *
font(struct ui_draw *d, int px, int bold)
{
	size_t i;
	TTF_Font *f;

	for (i = 0; i < d->nfonts; i++)
		if (d->fonts[i].px == px && d->fonts[i].bold == bold)
			return d->fonts[i].f;
	/* From the file's bytes in memory: FreeType reads glyphs as it
	 * needs them, and from a file that is hundreds of seeks and reads
	 * a frame. */
	f = TTF_OpenFontRW(SDL_RWFromConstMem(d->font_data[bold != 0],
	    (int)d->font_len[bold != 0]), 1, px);
	if (f == NULL) {
		log_error("font %s: %s", d->font_path[bold != 0],
		    TTF_GetError());
		return NULL;
	}
	if (d->nfonts == FONT_CACHE) {
		/* Full: drop the oldest (sizes come back rarely). */
		TTF_CloseFont(d->fonts[0].f);
		memmove(d->fonts, d->fonts + 1,
		    (FONT_CACHE - 1) * sizeof(d->fonts[0]));
		d->nfonts--;
	}
	d->fonts[d->nfonts].px = px;
	d->fonts[d->nfonts].bold = bold;
	d->fonts[d->nfonts].f = f;
	d->nfonts++;
	return f;
}

/* ---- shapes ---- */

static SDL_Rect
sdl_rect(struct view_rect r)
{
	return (SDL_Rect){ r.x, r.y, r.w, r.h };
}

static void
fill(struct ui_draw *d, SDL_Rect r, SDL_Color c)
{
	SDL_SetRenderDrawColor(d->r, c.r, c.g, c.b, c.a);
	SDL_RenderFillRect(d->r, &r);
}

static void
frame_rect(struct ui_draw *d, SDL_Rect r, int t, SDL_Color c)
{
	fill(d, (SDL_Rect){ r.x, r.y, r.w, t }, c);
	fill(d, (SDL_Rect){ r.x, r.y + r.h - t, r.w, t }, c);
	fill(d, (SDL_Rect){ r.x, r.y, t, r.h }, c);
	fill(d, (SDL_Rect){ r.x + r.w - t, r.y, t, r.h }, c);
}

/* A thick line as two triangles. */
static void
thick_line(struct ui_draw *d, float x0, float y0, float x1, float y1,
    float t, SDL_Color c)
{
	float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
	float nx, ny;
	SDL_Vertex v[4];
	int idx[6] = { 0, 1, 2, 2, 1, 3 }, i;

	if (len <= 0)
		return;
	nx = -dy / len * t / 2;
	ny = dx / len * t / 2;
	v[0].position = (SDL_FPoint){ x0 + nx, y0 + ny };
	v[1].position = (SDL_FPoint){ x0 - nx, y0 - ny };
	v[2].position = (SDL_FPoint){ x1 + nx, y1 + ny };
	v[3].position = (SDL_FPoint){ x1 - nx, y1 - ny };
	for (i = 0; i < 4; i++) {
		v[i].color = c;
		v[i].tex_coord = (SDL_FPoint){ 0, 0 };
	}
	SDL_RenderGeometry(d->r, NULL, v, 4, idx, 6);
}

static void
mark(struct ui_draw *d, enum view_kind kind, struct view_rect r, SDL_Color c)
{
	float t = (float)r.h / 7;

	if (kind == VIEW_CHECK) {
		thick_line(d, r.x + r.w * 0.15f, r.y + r.h * 0.55f,
		    r.x + r.w * 0.42f, r.y + r.h * 0.82f, t, c);
		thick_line(d, r.x + r.w * 0.38f, r.y + r.h * 0.82f,
		    r.x + r.w * 0.88f, r.y + r.h * 0.18f, t, c);
	} else {
		thick_line(d, r.x + r.w * 0.18f, r.y + r.h * 0.18f,
		    r.x + r.w * 0.82f, r.y + r.h * 0.82f, t, c);
		thick_line(d, r.x + r.w * 0.82f, r.y + r.h * 0.18f,
		    r.x + r.w * 0.18f, r.y + r.h * 0.82f, t, c);
	}
}

/* ---- text ---- */

/* The width of the widest space-separated word of S in font F. */
static int
widest_word(TTF_Font *f, const char *s)
{
	char word[256];
	int widest = 0, w, h;
	size_t n;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		n = strcspn(s, " ");
		if (n == 0)
			break;
		if (n >= sizeof(word))
			return INT32_MAX;
		memcpy(word, s, n);
		word[n] = '\0';
		if (TTF_SizeUTF8(f, word, &w, &h) == 0 && w > widest)
			widest = w;
		s += n;
	}
	return widest;
}

/*
 * S rendered for box R: start at PX pixels and shrink until it fits on
 * one line, or wrapped within R's width. The surface, or NULL; *CLIPPED
 * set when even the smallest size does not fit (drawn cut to R).
 */
static SDL_Surface *
render_text(struct ui_draw *d, const char *s, SDL_Rect r, int px, int bold,
    SDL_Color c, enum view_align al, int *clipped)
{
	SDL_Surface *surf = NULL;
	TTF_Font *f;
	int size = px, tw, th;

	*clipped = 0;
	for (;;) {
		f = font(d, size, bold);
		if (f == NULL)
			return NULL;
		if (TTF_SizeUTF8(f, s, &tw, &th) == 0 && tw <= r.w &&
		    th <= r.h)
			return TTF_RenderUTF8_Blended(f, s, c);
		/* Wrap only between words: a word wider than the box shrinks
		 * the text instead of being split. */
		if (widest_word(f, s) > r.w)
			goto smaller;
		TTF_SetFontWrappedAlign(f, al == VIEW_CENTER ?
		    TTF_WRAPPED_ALIGN_CENTER : al == VIEW_RIGHT ?
		    TTF_WRAPPED_ALIGN_RIGHT : TTF_WRAPPED_ALIGN_LEFT);
		surf = TTF_RenderUTF8_Blended_Wrapped(f, s, c, (Uint32)r.w);
		if (surf != NULL && surf->h <= r.h && surf->w <= r.w)
			return surf;
		SDL_FreeSurface(surf);
		surf = NULL;
smaller:
		if (size <= 10) {
			/* Drawn clipped to R; counted for the tests. */
			*clipped = 1;
			return TTF_RenderUTF8_Blended_Wrapped(f, s, c,
			    (Uint32)r.w);
		}
		size = size * 9 / 10;
	}
}

static void
text_slot_clear(struct text_slot *t)
{
	if (t->tex != NULL)
		SDL_DestroyTexture(t->tex);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/* The cached texture of S in R (made now if it is not there). */
static struct text_slot *
text_texture(struct ui_draw *d, const char *s, SDL_Rect r, int px, int bold,
    SDL_Color c, enum view_align al)
{
	struct text_slot *t = &d->texts[0];
	SDL_Surface *surf;
	size_t i;

	d->text_clock++;
	for (i = 0; i < TEXT_CACHE; i++) {
		struct text_slot *x = &d->texts[i];

		if (x->s != NULL && x->w == r.w && x->h == r.h &&
		    x->px == px && x->bold == bold && x->align == (int)al &&
		    memcmp(&x->c, &c, sizeof(c)) == 0 &&
		    strcmp(x->s, s) == 0) {
			x->used = d->text_clock;
			return x;
		}
		if (x->used < t->used)
			t = x;
	}
	text_slot_clear(t);
	t->s = strdup(s);
	if (t->s == NULL)
		return NULL;
	t->w = r.w;
	t->h = r.h;
	t->px = px;
	t->bold = bold;
	t->align = (int)al;
	t->c = c;
	t->used = d->text_clock;
	surf = render_text(d, s, r, px, bold, c, al, &t->clipped);
	if (surf == NULL)
		return t;
	t->tex = SDL_CreateTextureFromSurface(d->r, surf);
	t->tw = surf->w < r.w ? surf->w : r.w;
	t->th = surf->h < r.h ? surf->h : r.h;
	SDL_FreeSurface(surf);
	return t;
}

/*
 * Draw S inside R: start at PX pixels and shrink until it fits on one
 * line, or wrapped within R's width; aligned in R, vertically centred.
 */
static void
text(struct ui_draw *d, const char *s, SDL_Rect r, int px, int bold,
    SDL_Color c, enum view_align al)
{
	struct text_slot *t;
	SDL_Rect dst, src;

	/* An empty text is a fault (a name or reason gone missing): the
	 * view keeps it for the tests; there is nothing to draw. */
	if (*s == '\0' || r.w <= 0 || r.h <= 0)
		return;
	t = text_texture(d, s, r, px, bold, c, al);
	if (t == NULL)
		return;
	d->clipped += t->clipped;
	if (t->tex == NULL)
		return;
	dst.w = t->tw;
	dst.h = t->th;
	dst.x = al == VIEW_LEFT ? r.x : al == VIEW_RIGHT ? r.x + r.w - dst.w :
	    r.x + (r.w - dst.w) / 2;
	dst.y = r.y + (r.h - dst.h) / 2;
	src = (SDL_Rect){ 0, 0, dst.w, dst.h };
	SDL_RenderCopy(d->r, t->tex, &src, &dst);
}

/*
 * The size of GROUP's texts in V: the largest, from their PX down, at
 * which each fits its box on one line.
 */
static int
group_px(struct ui_draw *d, const struct view *v, int group)
{
	size_t i;
	int px = 0, ok, tw, th;
	TTF_Font *f;

	uint64_t key = 1469598103934665603ULL ^ (uint64_t)group;
	struct group_slot *g;

	/* The same texts in the same boxes fit at the same size: measured
	 * once (FNV-1a over what decides it). */
	for (i = 0; i < v->n; i++) {
		const struct view_item *it = &v->item[i];
		int fields[5] = { it->box.w, it->box.h, it->px, it->bold, -1 };
		const unsigned char *p;
		size_t k;

		if (it->group != group)
			continue;
		for (p = (const unsigned char *)fields, k = 0;
		    k < sizeof(fields); k++)
			key = (key ^ p[k]) * 1099511628211ULL;
		for (p = (const unsigned char *)it->text; *p != '\0'; p++)
			key = (key ^ *p) * 1099511628211ULL;
	}
	for (i = 0; i < GROUP_CACHE; i++)
		if (d->groups[i].px != 0 && d->groups[i].key == key)
			return d->groups[i].px;
	g = &d->groups[d->next_group++ % GROUP_CACHE];

	for (i = 0; i < v->n && px == 0; i++)
		if (v->item[i].group == group)
			px = v->item[i].px;
	for (; px > 10; px = px * 9 / 10) {
		ok = 1;
		for (i = 0; i < v->n && ok; i++) {
			const struct view_item *it = &v->item[i];

			if (it->group != group)
				continue;
			f = font(d, px, it->bold);
			if (f == NULL)
				return px;
			ok = TTF_SizeUTF8(f, it->text, &tw, &th) == 0 &&
			    tw <= it->box.w && th <= it->box.h;
		}
		if (ok)
			break;
	}
	g->key = key;
	g->px = px;
	return px;
}

/* ---- textures ---- */

/* A grey image as an RGB texture (reused while the size is the same). */
static SDL_Texture *
grey_texture(struct ui_draw *d, SDL_Texture *tex, int *tw, int *th,
    const struct image *img)
{
	unsigned char *rgb;
	int i, n = img->w * img->h;

	if (tex == NULL || *tw != img->w || *th != img->h) {
		if (tex != NULL)
			SDL_DestroyTexture(tex);
		tex = SDL_CreateTexture(d->r, SDL_PIXELFORMAT_RGB24,
		    SDL_TEXTUREACCESS_STREAMING, img->w, img->h);
		if (tex == NULL) {
			log_error("texture %dx%d: %s", img->w, img->h,
			    SDL_GetError());
			return NULL;
		}
		*tw = img->w;
		*th = img->h;
	}
	if ((size_t)n * 3 > d->rgb_cap) {
		rgb = realloc(d->rgb, (size_t)n * 3);
		if (rgb == NULL)
			return tex;
		d->rgb = rgb;
		d->rgb_cap = (size_t)n * 3;
	}
	rgb = d->rgb;
	for (i = 0; i < n; i++)
		rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = img->px[i];
	SDL_UpdateTexture(tex, NULL, rgb, img->w * 3);
	return tex;
}

/* The QR for S as a texture, pixel-exact (one texel a module), cached. */
static SDL_Texture *
qr_texture(struct ui_draw *d, const char *s)
{
	struct qr_slot *q = &d->qr[0];
	struct image img;
	int i, tw = 0, th = 0;

	d->qr_clock++;
	for (i = 0; i < QR_CACHE; i++) {
		if (d->qr[i].text != NULL && strcmp(d->qr[i].text, s) == 0) {
			d->qr[i].used = d->qr_clock;
			return d->qr[i].tex;
		}
		if (d->qr[i].used < q->used)
			q = &d->qr[i];
	}
	/* Made again only when the text changes: a new time slot or a new
	 * receipt, not every frame. A text refused is kept too (NULL). */
	if (q->tex != NULL)
		SDL_DestroyTexture(q->tex);
	free(q->text);
	q->tex = NULL;
	q->text = strdup(s);
	q->used = d->qr_clock;
	if (q->text == NULL || qr_render(s, 1, &img) < 0)
		return NULL;
	q->tex = grey_texture(d, NULL, &tw, &th, &img);
	if (q->tex != NULL)
		SDL_SetTextureScaleMode(q->tex, SDL_ScaleModeNearest);
	image_release(&img);
	return q->tex;
}

/* Draw a QR texture as large as fits in R, whole modules, centred. */
static void
draw_qr(struct ui_draw *d, SDL_Texture *tex, SDL_Rect r)
{
	int tw, th, side, scale;

	if (tex == NULL || SDL_QueryTexture(tex, NULL, NULL, &tw, &th) != 0)
		return;
	side = r.w < r.h ? r.w : r.h;
	scale = side / tw;
	if (scale < 1)
		scale = 1;
	side = tw * scale;
	SDL_RenderCopy(d->r, tex, NULL, &(SDL_Rect){ r.x + (r.w - side) / 2,
	    r.y + (r.h - side) / 2, side, side });
}

/* The camera frame in R, 4:3 (or its own shape) letterboxed. */
static void
draw_preview(struct ui_draw *d, SDL_Rect pv)
{
	int w = pv.w, h;

	d->preview_box_w = pv.w;
	if (d->preview == NULL || d->pw <= 0 || d->ph <= 0)
		return;
	h = pv.w * d->ph / d->pw;
	if (h > pv.h) {
		h = pv.h;
		w = pv.h * d->pw / d->ph;
	}
	SDL_RenderCopy(d->r, d->preview, NULL, &(SDL_Rect){
	    pv.x + (pv.w - w) / 2, pv.y + (pv.h - h) / 2, w, h });
}

/* ---- the view ---- */

void
ui_draw_view(struct ui_draw *d, const struct view *v)
{
	int px[GROUPS + 1] = { 0 }, g;
	size_t i;

	for (g = 1; g <= GROUPS; g++)
		px[g] = group_px(d, v, g);
	for (i = 0; i < v->n; i++) {
		const struct view_item *it = &v->item[i];
		SDL_Rect r = sdl_rect(it->r);
		int size = it->group > 0 && it->group <= GROUPS ?
		    px[it->group] : it->px;

		switch (it->kind) {
		case VIEW_FILL:
			fill(d, r, palette[it->bg]);
			break;
		case VIEW_TEXT:
			text(d, it->text, sdl_rect(it->box), size, it->bold,
			    palette[it->fg], it->align);
			break;
		case VIEW_BUTTON:
			fill(d, r, palette[it->bg]);
			frame_rect(d, r, r.h > 60 ? 3 : 2, palette[VIEW_C_DIM]);
			text(d, it->text, sdl_rect(it->box), size, 1,
			    palette[it->fg], VIEW_CENTER);
			break;
		case VIEW_HIT:
			break;
		case VIEW_QR:
			draw_qr(d, qr_texture(d, it->text), r);
			break;
		case VIEW_PREVIEW:
			draw_preview(d, r);
			break;
		case VIEW_CHECK:
		case VIEW_CROSS:
			mark(d, it->kind, it->r, palette[it->fg]);
			break;
		}
	}
}

int
ui_draw_preview(struct ui_draw *d, const struct image *frame)
{
	struct image small;
	int k = d->preview_box_w > 0 ? frame->w / d->preview_box_w : 1;
	int x, y, i, j;

	/* No more pixels than the preview's box shows: a 640x480 frame in
	 * a 400-pixel box goes up at half size (2x2 averaged), the GPU
	 * scales it the rest of the way. */
	if (k > 4)
		k = 4;
	if (k <= 1 || frame->w / k < 16 || frame->h / k < 16) {
		d->preview = grey_texture(d, d->preview, &d->pw, &d->ph, frame);
		return d->preview != NULL ? 0 : -1;
	}
	small.w = frame->w / k;
	small.h = frame->h / k;
	if ((size_t)small.w * (size_t)small.h > d->small_cap) {
		unsigned char *p = realloc(d->small, (size_t)small.w *
		    (size_t)small.h);

		if (p == NULL)
			return -1;
		d->small = p;
		d->small_cap = (size_t)small.w * (size_t)small.h;
	}
	small.px = d->small;
	for (y = 0; y < small.h; y++)
		for (x = 0; x < small.w; x++) {
			unsigned sum = 0;

			for (j = 0; j < k; j++) {
				const unsigned char *row = frame->px +
				    (size_t)(y * k + j) * (size_t)frame->w +
				    (size_t)(x * k);

				for (i = 0; i < k; i++)
					sum += row[i];
			}
			small.px[y * small.w + x] = (unsigned char)(sum /
			    (unsigned)(k * k));
		}
	d->preview = grey_texture(d, d->preview, &d->pw, &d->ph, &small);
	return d->preview != NULL ? 0 : -1;
}

int
ui_draw_clipped(const struct ui_draw *d)
{
	return d->clipped;
}

/* ---- life cycle ---- */

/* Font I's file into memory (TTF fonts are a few hundred KB). 0 or -1. */
static int
read_font(struct ui_draw *d, int i)
{
	size_t len = 0;
	void *data = SDL_LoadFile(d->font_path[i], &len);

	if (data == NULL || len == 0 || len > (size_t)INT32_MAX) {
		log_error("font %s: %s", d->font_path[i], data == NULL ?
		    SDL_GetError() : "empty or too large");
		SDL_free(data);
		return -1;
	}
	/* Kept with malloc's free: copy out of SDL's allocation. */
	d->font_data[i] = malloc(len);
	if (d->font_data[i] == NULL) {
		SDL_free(data);
		return -1;
	}
	memcpy(d->font_data[i], data, len);
	d->font_len[i] = len;
	SDL_free(data);
	return 0;
}

struct ui_draw *
ui_draw_new(SDL_Renderer *renderer, const char *font_regular,
    const char *font_bold)
{
	struct ui_draw *d;

	if (!TTF_WasInit() && TTF_Init() != 0) {
		log_error("SDL_ttf: %s", TTF_GetError());
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->r = renderer;
	d->font_path[0] = font_regular;
	d->font_path[1] = font_bold;
	if (read_font(d, 0) != 0 || read_font(d, 1) != 0 ||
	    font(d, 24, 0) == NULL || font(d, 24, 1) == NULL) {
		log_error("cannot load the kiosk's fonts");
		ui_draw_free(d);
		return NULL;
	}
	return d;
}

void
ui_draw_free(struct ui_draw *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nfonts; i++)
		TTF_CloseFont(d->fonts[i].f);
	for (i = 0; i < TEXT_CACHE; i++)
		text_slot_clear(&d->texts[i]);
	free(d->font_data[0]);
	free(d->font_data[1]);
	free(d->rgb);
	free(d->small);
	for (i = 0; i < QR_CACHE; i++) {
		if (d->qr[i].tex != NULL)
			SDL_DestroyTexture(d->qr[i].tex);
		free(d->qr[i].text);
	}
	if (d->preview != NULL)
		SDL_DestroyTexture(d->preview);
	free(d);
}

int
ui_draw_save_png(SDL_Renderer *renderer, const char *path)
{
	png_image pi;
	unsigned char *px;
	int w, h, r = -1;

	if (SDL_GetRendererOutputSize(renderer, &w, &h) != 0) {
		log_error("cannot read the screen's size: %s", SDL_GetError());
		return -1;
	}
	px = malloc((size_t)w * (size_t)h * 3);
	if (px == NULL)
		return -1;
	if (SDL_RenderReadPixels(renderer, NULL, SDL_PIXELFORMAT_RGB24, px,
	    w * 3) == 0) {
		memset(&pi, 0, sizeof(pi));
		pi.version = PNG_IMAGE_VERSION;
		pi.width = (png_uint_32)w;
		pi.height = (png_uint_32)h;
		pi.format = PNG_FORMAT_RGB;
		if (png_image_write_to_file(&pi, path, 0, px, w * 3, NULL))
			r = 0;
		else
			log_error("cannot write '%s': %s", path, pi.message);
	} else {
		log_error("cannot read the screen: %s", SDL_GetError());
	}
	free(px);
	return r;
}
