/*
 * ui: the kiosk's screens. See ui.h.
 *
 * Layout is in proportions of the window, so the same code serves a 7"
 * 800x480 panel and a 1920x1080 screen, landscape or portrait. Every text
 * is drawn into a box and shrunk (then wrapped) until it fits: nothing is
 * cut off at a screen edge. Buttons are rebuilt on every frame from what
 * was drawn, so hit areas always match the pixels.
 */
#include "ui.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <SDL_ttf.h>
#include <png.h>
#include <sodium.h>

#include "i18n.h"
#include "ktime.h"
#include "log.h"
#include "qr.h"
#include "reason.h"
#include "scanner.h"

#define FONT_CACHE 48
#define MAX_BUTTONS 24
#define MAX_WORDS 48		/* texts one frame may draw */
#define WORDS_BYTES 8192
#define KEYPAD_MAX 16
#define LONG_PRESS_MS 3000

/* Colours: dark for waiting, full-screen colour for an answer. */
static const SDL_Color C_BG = { 0x0e, 0x1a, 0x2b, 255 };
static const SDL_Color C_BAR = { 0x16, 0x27, 0x40, 255 };
static const SDL_Color C_PANEL = { 0x1c, 0x31, 0x50, 255 };
static const SDL_Color C_TEXT = { 0xff, 0xff, 0xff, 255 };
static const SDL_Color C_DIM = { 0xb8, 0xc7, 0xdb, 255 };
static const SDL_Color C_OK = { 0x14, 0x7a, 0x3a, 255 };
static const SDL_Color C_DUP = { 0x1d, 0x52, 0x96, 255 };
static const SDL_Color C_BAD = { 0xb0, 0x22, 0x1b, 255 };
static const SDL_Color C_WARN = { 0xc7, 0x7c, 0x02, 255 };
static const SDL_Color C_BTN = { 0x2b, 0x4a, 0x75, 255 };
static const SDL_Color C_ACCENT = { 0x2f, 0xbf, 0x71, 255 };
static const SDL_Color C_WHITE = { 0xff, 0xff, 0xff, 255 };
static const SDL_Color C_INK = { 0x10, 0x18, 0x24, 255 };

enum action {
	A_NONE, A_KEYPAD, A_LANG, A_DIGIT0, A_DIGIT9 = A_DIGIT0 + 9,
	A_BACKSPACE, A_OK, A_CANCEL, A_MODE, A_PURGE, A_QUIT, A_BACK,
	A_ADMIN_CORNER
};

struct button {
	SDL_Rect r;
	enum action a;
	const char *label;	/* valid until the next render */
};

struct font_slot {
	int px, bold;
	TTF_Font *f;
};

struct ui {
	SDL_Renderer *r;
	struct ui_opts o;
	struct i18n *lang[2];	/* vi, en */
	int li;			/* current language index */
	struct font_slot fonts[FONT_CACHE];
	size_t nfonts;
	int w, h;
	int64_t now;

	enum ui_screen screen, next;
	int have_next;
	int64_t entered, last_input;

	struct checkin_out result;	/* what the answer screen shows */
	struct checkin_out pending;	/* the next answer, until applied */
	int have_pending;
	int scanner_lost;	/* a keyboard-mode scanner lost letters */
	struct ui_status status;
	int64_t status_at;
	struct ui_patrol patrol;
	enum ui_camera camera;
	enum ui_mode mode;

	SDL_Texture *preview;
	int pw, ph;
	int have_preview;

	SDL_Texture *qr_tex;	/* venue QR */
	int64_t qr_slot;
	char venue_text[1024];
	SDL_Texture *receipt_tex;

	struct button btn[MAX_BUTTONS];
	size_t nbtn;

	struct scanner scan;
	char keypad[KEYPAD_MAX + 1];
	int pin_wrong;
	char admin_note[160];
	int64_t press_at;
	int quit;
	int text_clipped;	/* texts that did not fit even when small */

	/* The words the last frame drew, in order (for tests that read the
	 * screen as a person does); wiped at every frame. */
	char words[WORDS_BYTES];
	size_t words_used, nwords;
	const char *word[MAX_WORDS];

	SDL_AudioDeviceID audio;
	int16_t *tone_ok, *tone_bad;
	Uint32 tone_ok_len, tone_bad_len;
};

/* ---- strings ---- */

static const char *
S(struct ui *ui, const char *key)
{
	return i18n_get(ui->lang[ui->li], key);
}

static const char *
fill1(struct ui *ui, char *buf, size_t size, const char *key, const char *a)
{
	const char *args[1] = { a };

	return i18n_fill(buf, size, S(ui, key), args, 1);
}

static const char *
fill3(struct ui *ui, char *buf, size_t size, const char *key, const char *a,
    const char *b, const char *c)
{
	const char *args[3] = { a, b, c };

	return i18n_fill(buf, size, S(ui, key), args, 3);
}

/* ---- drawing ---- */

static TTF_Font *
font(struct ui *ui, int px, int bold)
{
	size_t i;
	TTF_Font *f;

	for (i = 0; i < ui->nfonts; i++)
		if (ui->fonts[i].px == px && ui->fonts[i].bold == bold)
			return ui->fonts[i].f;
	f = TTF_OpenFont(bold ? ui->o.font_bold : ui->o.font_regular, px);
	if (f == NULL) {
		log_error("font %s: %s", bold ? ui->o.font_bold :
		    ui->o.font_regular, TTF_GetError());
		return NULL;
	}
	if (ui->nfonts == FONT_CACHE) {
		/* Full: drop the oldest (sizes come back rarely). */
		TTF_CloseFont(ui->fonts[0].f);
		memmove(ui->fonts, ui->fonts + 1,
		    (FONT_CACHE - 1) * sizeof(ui->fonts[0]));
		ui->nfonts--;
	}
	ui->fonts[ui->nfonts].px = px;
	ui->fonts[ui->nfonts].bold = bold;
	ui->fonts[ui->nfonts].f = f;
	ui->nfonts++;
	return f;
}

static void
fill(struct ui *ui, SDL_Rect r, SDL_Color c)
{
	SDL_SetRenderDrawColor(ui->r, c.r, c.g, c.b, c.a);
	SDL_RenderFillRect(ui->r, &r);
}

static void
frame_rect(struct ui *ui, SDL_Rect r, int t, SDL_Color c)
{
	fill(ui, (SDL_Rect){ r.x, r.y, r.w, t }, c);
	fill(ui, (SDL_Rect){ r.x, r.y + r.h - t, r.w, t }, c);
	fill(ui, (SDL_Rect){ r.x, r.y, t, r.h }, c);
	fill(ui, (SDL_Rect){ r.x + r.w - t, r.y, t, r.h }, c);
}

/* A thick line as two triangles. */
static void
thick_line(struct ui *ui, float x0, float y0, float x1, float y1, float t,
    SDL_Color c)
{
	float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
	float nx = -dy / len * t / 2, ny = dx / len * t / 2;
	SDL_Vertex v[4];
	int idx[6] = { 0, 1, 2, 2, 1, 3 }, i;

	if (len <= 0)
		return;
	v[0].position = (SDL_FPoint){ x0 + nx, y0 + ny };
	v[1].position = (SDL_FPoint){ x0 - nx, y0 - ny };
	v[2].position = (SDL_FPoint){ x1 + nx, y1 + ny };
	v[3].position = (SDL_FPoint){ x1 - nx, y1 - ny };
	for (i = 0; i < 4; i++) {
		v[i].color = c;
		v[i].tex_coord = (SDL_FPoint){ 0, 0 };
	}
	SDL_RenderGeometry(ui->r, NULL, v, 4, idx, 6);
}

enum align { LEFT, CENTER, RIGHT };

/* Note S as drawn this frame (dropped when the frame's log is full). */
static void
record_words(struct ui *ui, const char *s)
{
	size_t n = strlen(s);

	if (ui->nwords == MAX_WORDS || ui->words_used + n + 1 > WORDS_BYTES)
		return;
	memcpy(ui->words + ui->words_used, s, n + 1);
	ui->word[ui->nwords++] = ui->words + ui->words_used;
	ui->words_used += n + 1;
}

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
 * Draw S inside R: start at PX pixels and shrink until it fits on one
 * line, or wrapped within R's width; aligned in R, vertically centred.
 */
static void
text(struct ui *ui, const char *s, SDL_Rect r, int px, int bold,
    SDL_Color c, enum align al)
{
	SDL_Surface *surf = NULL;
	SDL_Texture *tex;
	SDL_Rect dst;
	TTF_Font *f;
	int size = px, tw, th;

	if (s == NULL || r.w <= 0 || r.h <= 0)
		return;
	/* An empty text is a fault (a name or reason that went missing):
	 * it is logged for the tests that read the screen, and not drawn. */
	record_words(ui, s);
	if (*s == '\0')
		return;
	for (;;) {
		f = font(ui, size, bold);
		if (f == NULL)
			return;
		if (TTF_SizeUTF8(f, s, &tw, &th) == 0 && tw <= r.w &&
		    th <= r.h) {
			surf = TTF_RenderUTF8_Blended(f, s, c);
			break;
		}
		/* Wrap only between words: a word wider than the box shrinks
		 * the text instead of being split. */
		if (widest_word(f, s) > r.w)
			goto smaller;
		TTF_SetFontWrappedAlign(f, al == CENTER ?
		    TTF_WRAPPED_ALIGN_CENTER : al == RIGHT ?
		    TTF_WRAPPED_ALIGN_RIGHT : TTF_WRAPPED_ALIGN_LEFT);
		surf = TTF_RenderUTF8_Blended_Wrapped(f, s, c, (Uint32)r.w);
		if (surf != NULL && surf->h <= r.h && surf->w <= r.w)
			break;
		SDL_FreeSurface(surf);
		surf = NULL;
smaller:
		if (size <= 10) {
			/* Drawn clipped to R below; counted for the tests. */
			ui->text_clipped++;
			surf = TTF_RenderUTF8_Blended_Wrapped(f, s, c,
			    (Uint32)r.w);
			break;
		}
		size = size * 9 / 10;
	}
	if (surf == NULL)
		return;
	tex = SDL_CreateTextureFromSurface(ui->r, surf);
	dst.w = surf->w < r.w ? surf->w : r.w;
	dst.h = surf->h < r.h ? surf->h : r.h;
	dst.x = al == LEFT ? r.x : al == RIGHT ? r.x + r.w - dst.w :
	    r.x + (r.w - dst.w) / 2;
	dst.y = r.y + (r.h - dst.h) / 2;
	{
		SDL_Rect src = { 0, 0, dst.w, dst.h };

		SDL_RenderCopy(ui->r, tex, &src, &dst);
	}
	SDL_DestroyTexture(tex);
	SDL_FreeSurface(surf);
}

static void
button(struct ui *ui, SDL_Rect r, const char *label, enum action a,
    SDL_Color bg)
{
	int pad = r.h / 6;

	fill(ui, r, bg);
	frame_rect(ui, r, r.h > 60 ? 3 : 2, C_DIM);
	text(ui, label, (SDL_Rect){ r.x + pad, r.y + pad / 2, r.w - 2 * pad,
	    r.h - pad }, r.h * 4 / 10, 1, C_TEXT, CENTER);
	if (ui->nbtn < MAX_BUTTONS) {
		ui->btn[ui->nbtn].r = r;
		ui->btn[ui->nbtn].a = a;
		ui->btn[ui->nbtn].label = label;
		ui->nbtn++;
	}
}

/*
 * The largest size, from PX down, at which every one of the N LABELS fits
 * on one line in W x H.
 */
static int
fit_px(struct ui *ui, const char *const *labels, int n, int w, int h, int px,
    int bold)
{
	int i, tw, th, ok;
	TTF_Font *f;

	for (; px > 10; px = px * 9 / 10) {
		f = font(ui, px, bold);
		if (f == NULL)
			break;
		for (ok = 1, i = 0; i < n && ok; i++)
			ok = TTF_SizeUTF8(f, labels[i], &tw, &th) == 0 &&
			    tw <= w && th <= h;
		if (ok)
			break;
	}
	return px;
}

/* A button whose label is drawn at PX (see fit_px). */
static void
button_px(struct ui *ui, SDL_Rect r, const char *label, enum action a,
    SDL_Color bg, int px)
{
	fill(ui, r, bg);
	frame_rect(ui, r, r.h > 60 ? 3 : 2, C_DIM);
	text(ui, label, (SDL_Rect){ r.x + r.w / 12, r.y + r.h / 8,
	    r.w - r.w / 6, r.h - r.h / 4 }, px, 1, C_TEXT, CENTER);
	if (ui->nbtn < MAX_BUTTONS) {
		ui->btn[ui->nbtn].r = r;
		ui->btn[ui->nbtn].a = a;
		ui->btn[ui->nbtn].label = label;
		ui->nbtn++;
	}
}

/* A grey image as an RGB texture (reused while the size is the same). */
static SDL_Texture *
grey_texture(struct ui *ui, SDL_Texture *tex, int *tw, int *th,
    const struct image *img)
{
	unsigned char *rgb;
	int i, n = img->w * img->h;

	if (tex == NULL || *tw != img->w || *th != img->h) {
		if (tex != NULL)
			SDL_DestroyTexture(tex);
		tex = SDL_CreateTexture(ui->r, SDL_PIXELFORMAT_RGB24,
		    SDL_TEXTUREACCESS_STREAMING, img->w, img->h);
		if (tex == NULL)
			return NULL;
		*tw = img->w;
		*th = img->h;
	}
	rgb = malloc((size_t)n * 3);
	if (rgb == NULL)
		return tex;
	for (i = 0; i < n; i++)
		rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = img->px[i];
	SDL_UpdateTexture(tex, NULL, rgb, img->w * 3);
	free(rgb);
	return tex;
}

/* The QR for TEXT as a texture, pixel-exact (one texel a module). */
static SDL_Texture *
qr_texture(struct ui *ui, const char *s)
{
	struct image img;
	SDL_Texture *tex;
	int tw = 0, th = 0;

	if (qr_render(s, 1, &img) < 0)
		return NULL;
	tex = grey_texture(ui, NULL, &tw, &th, &img);
	if (tex != NULL)
		SDL_SetTextureScaleMode(tex, SDL_ScaleModeNearest);
	image_release(&img);
	return tex;
}

/* Draw a QR texture as large as fits in R, whole modules, centred. */
static void
draw_qr(struct ui *ui, SDL_Texture *tex, SDL_Rect r)
{
	int tw, th, side, scale;

	if (tex == NULL || SDL_QueryTexture(tex, NULL, NULL, &tw, &th) != 0)
		return;
	side = r.w < r.h ? r.w : r.h;
	scale = side / tw;
	if (scale < 1)
		scale = 1;
	side = tw * scale;
	SDL_RenderCopy(ui->r, tex, NULL, &(SDL_Rect){ r.x + (r.w - side) / 2,
	    r.y + (r.h - side) / 2, side, side });
}

static void
check_mark(struct ui *ui, SDL_Rect r, SDL_Color c)
{
	float t = (float)r.h / 7;

	thick_line(ui, r.x + r.w * 0.15f, r.y + r.h * 0.55f,
	    r.x + r.w * 0.42f, r.y + r.h * 0.82f, t, c);
	thick_line(ui, r.x + r.w * 0.38f, r.y + r.h * 0.82f,
	    r.x + r.w * 0.88f, r.y + r.h * 0.18f, t, c);
}

static void
cross_mark(struct ui *ui, SDL_Rect r, SDL_Color c)
{
	float t = (float)r.h / 7;

	thick_line(ui, r.x + r.w * 0.18f, r.y + r.h * 0.18f,
	    r.x + r.w * 0.82f, r.y + r.h * 0.82f, t, c);
	thick_line(ui, r.x + r.w * 0.82f, r.y + r.h * 0.18f,
	    r.x + r.w * 0.18f, r.y + r.h * 0.82f, t, c);
}

static void
clock_text(int64_t wall_ms, char *buf, size_t size)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, size, "%H:%M", &tm);
}

static void
count_text(int64_t n, char *buf, size_t size)
{
	snprintf(buf, size, "%lld", (long long)n);
}

/* Local "14:05 22/11/2026": what a person reads, not ISO UTC. */
static void
when_text(int64_t wall_ms, char *buf, size_t size)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(buf, size, "%H:%M %d/%m/%Y", &tm) == 0 && size > 0)
		buf[0] = '\0';
}

/* ---- sound ---- */

static int16_t *
make_tone(const int *freqs, int nfreq, int ms_each, Uint32 *bytes)
{
	int rate = 22050, per = rate * ms_each / 1000, i, k;
	int16_t *buf = malloc((size_t)per * (size_t)nfreq * sizeof(int16_t));

	if (buf == NULL)
		return NULL;
	for (k = 0; k < nfreq; k++)
		for (i = 0; i < per; i++) {
			double env = i < per / 10 ? (double)i / (per / 10) :
			    i > per * 8 / 10 ? (double)(per - i) /
			    (per * 2 / 10) : 1.0;

			buf[k * per + i] = (int16_t)(9000.0 * env *
			    sin(2 * M_PI * freqs[k] * i / rate));
		}
	*bytes = (Uint32)((size_t)per * (size_t)nfreq * sizeof(int16_t));
	return buf;
}

static void
sound_open(struct ui *ui)
{
	static const int ok[] = { 880, 1320 }, bad[] = { 220, 180 };
	SDL_AudioSpec want, have;

	if (!ui->o.sound || SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
		log_info("no sound: %s", ui->o.sound ? SDL_GetError() :
		    "turned off");
		return;
	}
	memset(&want, 0, sizeof(want));
	want.freq = 22050;
	want.format = AUDIO_S16SYS;
	want.channels = 1;
	want.samples = 1024;
	ui->audio = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
	if (ui->audio == 0) {
		log_info("no sound device: %s; running silent", SDL_GetError());
		return;
	}
	ui->tone_ok = make_tone(ok, 2, 120, &ui->tone_ok_len);
	ui->tone_bad = make_tone(bad, 2, 220, &ui->tone_bad_len);
	SDL_PauseAudioDevice(ui->audio, 0);
}

static void
sound_play(struct ui *ui, int good)
{
	if (ui->audio == 0)
		return;
	SDL_ClearQueuedAudio(ui->audio);
	if (good && ui->tone_ok != NULL)
		SDL_QueueAudio(ui->audio, ui->tone_ok, ui->tone_ok_len);
	else if (!good && ui->tone_bad != NULL)
		SDL_QueueAudio(ui->audio, ui->tone_bad, ui->tone_bad_len);
}

/* ---- the screens ---- */

static int
unit(struct ui *ui)
{
	return (ui->w < ui->h ? ui->w : ui->h) / 24;
}

static void
top_bar(struct ui *ui, SDL_Rect *rest)
{
	int bh = ui->h / 9 > 44 ? ui->h / 9 : 44, pad = unit(ui);
	char clock[16];

	fill(ui, (SDL_Rect){ 0, 0, ui->w, bh }, C_BAR);
	clock_text(ktime_wall_ms(), clock, sizeof(clock));
	text(ui, ui->o.venue_name, (SDL_Rect){ pad, 0, ui->w * 7 / 10 - pad,
	    bh }, bh * 5 / 10, 1, C_TEXT, LEFT);
	text(ui, clock, (SDL_Rect){ ui->w * 7 / 10, 0, ui->w * 3 / 10 - pad,
	    bh }, bh * 6 / 10, 1, C_TEXT, RIGHT);
	/* Long-press the clock for the admin PIN. */
	if (ui->nbtn < MAX_BUTTONS) {
		ui->btn[ui->nbtn].r = (SDL_Rect){ ui->w * 7 / 10, 0,
		    ui->w * 3 / 10, bh };
		ui->btn[ui->nbtn].a = A_ADMIN_CORNER;
		ui->btn[ui->nbtn].label = "admin-corner";
		ui->nbtn++;
	}
	*rest = (SDL_Rect){ 0, bh, ui->w, ui->h - bh };
}

static void
status_strip(struct ui *ui, SDL_Rect r)
{
	char n[24], line[96];
	int d = r.h / 3;

	fill(ui, r, C_BAR);
	fill(ui, (SDL_Rect){ r.x + d, r.y + d, d, d },
	    ui->status.online ? C_ACCENT : C_WARN);
	text(ui, S(ui, ui->status.online ? "ui.online" : "ui.offline"),
	    (SDL_Rect){ r.x + 3 * d, r.y, r.w / 3, r.h }, r.h / 2, 0, C_TEXT,
	    LEFT);
	count_text(ui->status.pending, n, sizeof(n));
	text(ui, fill1(ui, line, sizeof(line), "ui.pending", n),
	    (SDL_Rect){ r.x + r.w / 3, r.y, r.w * 2 / 3 - d, r.h }, r.h / 2,
	    0, C_DIM, RIGHT);
}

/* The scan side: preview with a framing guide, hint, count, buttons. */
static void
scan_area(struct ui *ui, SDL_Rect r)
{
	int u = unit(ui), land = r.w > r.h * 11 / 10;
	SDL_Rect pv, side, hint;
	char n[24];

	if (land) {
		pv = (SDL_Rect){ r.x + u, r.y + u, r.w * 6 / 10 - 2 * u,
		    r.h * 78 / 100 - u };
		hint = (SDL_Rect){ r.x + u, pv.y + pv.h, pv.w,
		    r.h - pv.h - u };
		side = (SDL_Rect){ pv.x + pv.w + u, r.y + u,
		    r.x + r.w - (pv.x + pv.w + 2 * u), r.h - 2 * u };
	} else {
		pv = (SDL_Rect){ r.x + u, r.y + u, r.w - 2 * u, r.h * 45 / 100 };
		hint = (SDL_Rect){ r.x + u, pv.y + pv.h, pv.w, r.h * 19 / 100 };
		side = (SDL_Rect){ r.x + u, hint.y + hint.h, r.w - 2 * u,
		    r.y + r.h - (hint.y + hint.h) - u };
	}

	/* Preview, 4:3 letterboxed, and the framing guide. */
	fill(ui, pv, (SDL_Color){ 0, 0, 0, 255 });
	if (ui->have_preview && ui->preview != NULL) {
		int w = pv.w, h = pv.w * ui->ph / ui->pw;

		if (h > pv.h) {
			h = pv.h;
			w = pv.h * ui->pw / ui->ph;
		}
		SDL_RenderCopy(ui->r, ui->preview, NULL, &(SDL_Rect){
		    pv.x + (pv.w - w) / 2, pv.y + (pv.h - h) / 2, w, h });
	}
	if (ui->camera == UI_CAMERA_OK) {
		/* The guide only where there is a picture to frame: with no
		 * camera the message takes the preview's place. */
		int g = (pv.w < pv.h ? pv.w : pv.h) * 7 / 10, t = u / 3 + 2;
		int gx = pv.x + (pv.w - g) / 2, gy = pv.y + (pv.h - g) / 2;
		int l = g / 4;

		int c;

		/* Four corner brackets: a horizontal and a vertical bar each. */
		for (c = 0; c < 4; c++) {
			int right = c & 1, bottom = c >> 1;

			fill(ui, (SDL_Rect){ right ? gx + g - l : gx,
			    bottom ? gy + g - t : gy, l, t }, C_ACCENT);
			fill(ui, (SDL_Rect){ right ? gx + g - t : gx,
			    bottom ? gy + g - l : gy, t, l }, C_ACCENT);
		}
	} else {
		SDL_Rect m = { pv.x + u, pv.y + pv.h / 6, pv.w - 2 * u,
		    pv.h * 2 / 3 };

		fill(ui, m, ui->camera == UI_CAMERA_LOST ? C_WARN : C_PANEL);
		text(ui, S(ui, ui->camera == UI_CAMERA_LOST ?
		    "ui.camera_lost" : "ui.no_camera"), (SDL_Rect){ m.x + u,
		    m.y, m.w - 2 * u, m.h }, 2 * u, 1, C_TEXT, CENTER);
	}
	text(ui, S(ui, "ui.scan_here"), (SDL_Rect){ hint.x, hint.y, hint.w,
	    hint.h * 55 / 100 }, 3 * u, 1, C_TEXT, CENTER);
	text(ui, S(ui, "ui.scan_hint"), (SDL_Rect){ hint.x, hint.y +
	    hint.h * 55 / 100, hint.w, hint.h * 45 / 100 }, 2 * u, 0, C_DIM,
	    CENTER);

	/* Today's count and the buttons. */
	count_text(ui->status.today, n, sizeof(n));
	if (land) {
		SDL_Rect card = { side.x, side.y, side.w, side.h * 45 / 100 };
		int bh = side.h * 22 / 100 - u;

		fill(ui, card, C_PANEL);
		text(ui, S(ui, "ui.today"), (SDL_Rect){ card.x + u, card.y,
		    card.w - 2 * u, card.h / 4 }, 2 * u, 0, C_DIM, CENTER);
		text(ui, n, (SDL_Rect){ card.x + u, card.y + card.h / 4,
		    card.w - 2 * u, card.h / 2 }, card.h / 2, 1, C_TEXT,
		    CENTER);
		text(ui, S(ui, "ui.visits"), (SDL_Rect){ card.x + u, card.y +
		    card.h * 3 / 4, card.w - 2 * u, card.h / 4 }, 2 * u, 0,
		    C_DIM, CENTER);
		button(ui, (SDL_Rect){ side.x, card.y + card.h + u, side.w,
		    bh }, S(ui, "ui.keypad_button"), A_KEYPAD, C_BTN);
		button(ui, (SDL_Rect){ side.x, card.y + card.h + 2 * u + bh,
		    side.w, bh }, S(ui, "ui.language_button"), A_LANG,
		    C_PANEL);
	} else {
		int cw = side.w / 3, bh = (side.h - u) / 2;

		fill(ui, (SDL_Rect){ side.x, side.y, cw - u, side.h },
		    C_PANEL);
		text(ui, n, (SDL_Rect){ side.x, side.y, cw - u, side.h * 6 /
		    10 }, side.h / 2, 1, C_TEXT, CENTER);
		text(ui, S(ui, "ui.visits"), (SDL_Rect){ side.x + u / 2,
		    side.y + side.h * 6 / 10, cw - 2 * u, side.h * 4 / 10 },
		    2 * u, 0, C_DIM, CENTER);
		button(ui, (SDL_Rect){ side.x + cw, side.y, side.w - cw, bh },
		    S(ui, "ui.keypad_button"), A_KEYPAD, C_BTN);
		button(ui, (SDL_Rect){ side.x + cw, side.y + bh + u,
		    side.w - cw, bh }, S(ui, "ui.language_button"), A_LANG,
		    C_PANEL);
	}
}

/* The display side: the signed venue QR on white, with a countdown. */
static void
display_area(struct ui *ui, SDL_Rect r)
{
	int64_t wall = ktime_wall_ms(), period = ui->o.display_period_s;
	int64_t slot = wall / 1000 / period;
	int u = unit(ui), left;
	char secs[16], line[96];
	SDL_Rect qr;

	if (slot != ui->qr_slot || ui->qr_tex == NULL) {
		char url[1024];

		if (ui->qr_tex != NULL)
			SDL_DestroyTexture(ui->qr_tex);
		ui->qr_tex = NULL;
		ui->venue_text[0] = '\0';
		if (ui->o.hooks.venue_url != NULL &&
		    ui->o.hooks.venue_url(ui->o.hooks.data, slot, url,
		    sizeof(url)) == 0) {
			ui->qr_tex = qr_texture(ui, url);
			snprintf(ui->venue_text, sizeof(ui->venue_text), "%s",
			    url);
		}
		ui->qr_slot = slot;
	}
	fill(ui, r, C_WHITE);
	text(ui, S(ui, "ui.display_title"), (SDL_Rect){ r.x + u, r.y,
	    r.w - 2 * u, r.h * 14 / 100 }, 3 * u, 1, C_INK, CENTER);
	qr = (SDL_Rect){ r.x + u, r.y + r.h * 14 / 100, r.w - 2 * u,
	    r.h * 72 / 100 };
	draw_qr(ui, ui->qr_tex, qr);
	left = (int)(period - (wall / 1000) % period);
	count_text(left, secs, sizeof(secs));
	fill(ui, (SDL_Rect){ r.x + u, r.y + r.h * 88 / 100, (int)((int64_t)(
	    r.w - 2 * u) * left / period), u / 2 + 2 }, C_OK);
	text(ui, fill1(ui, line, sizeof(line), "ui.display_countdown", secs),
	    (SDL_Rect){ r.x + u, r.y + r.h * 90 / 100, r.w - 2 * u,
	    r.h * 9 / 100 }, 2 * u, 0, C_INK, CENTER);
}

static void
ready_render(struct ui *ui)
{
	SDL_Rect body, main;
	int sh;

	fill(ui, (SDL_Rect){ 0, 0, ui->w, ui->h }, C_BG);
	top_bar(ui, &body);
	sh = body.h / 11 > 30 ? body.h / 11 : 30;
	main = (SDL_Rect){ body.x, body.y, body.w, body.h - sh };
	status_strip(ui, (SDL_Rect){ 0, ui->h - sh, ui->w, sh });
	if (ui->mode == UI_MODE_SCAN) {
		scan_area(ui, main);
	} else if (ui->mode == UI_MODE_DISPLAY) {
		display_area(ui, main);
	} else if (main.w >= main.h) {
		scan_area(ui, (SDL_Rect){ main.x, main.y, main.w / 2,
		    main.h });
		display_area(ui, (SDL_Rect){ main.x + main.w / 2, main.y,
		    main.w - main.w / 2, main.h });
	} else {
		scan_area(ui, (SDL_Rect){ main.x, main.y, main.w,
		    main.h / 2 });
		display_area(ui, (SDL_Rect){ main.x, main.y + main.h / 2,
		    main.w, main.h - main.h / 2 });
	}
}

/* Accepted, duplicate, rejected, error: one big answer; LINE2 may be NULL. */
static void
answer(struct ui *ui, SDL_Color bg, int good, const char *title,
    const char *line1, const char *line2)
{
	int u = unit(ui), icon = ui->h * 28 / 100;

	fill(ui, (SDL_Rect){ 0, 0, ui->w, ui->h }, bg);
	if (good)
		check_mark(ui, (SDL_Rect){ (ui->w - icon) / 2, u, icon, icon },
		    C_TEXT);
	else
		cross_mark(ui, (SDL_Rect){ (ui->w - icon) / 2, u, icon, icon },
		    C_TEXT);
	text(ui, title, (SDL_Rect){ u, icon + 2 * u, ui->w - 2 * u,
	    ui->h * 18 / 100 }, 5 * u, 1, C_TEXT, CENTER);
	text(ui, line1, (SDL_Rect){ u, icon + 2 * u + ui->h * 18 / 100,
	    ui->w - 2 * u, ui->h * 22 / 100 }, 4 * u, 1, C_TEXT, CENTER);
	text(ui, line2, (SDL_Rect){ u, icon + 2 * u + ui->h * 40 / 100,
	    ui->w - 2 * u, ui->h - (icon + 3 * u + ui->h * 40 / 100) },
	    3 * u, 0, C_TEXT, CENTER);
}

static void
accepted_render(struct ui *ui)
{
	char t[16], line[128], hello[320];
	const char *args[1] = { t };

	clock_text(ktime_wall_ms(), t, sizeof(t));
	snprintf(hello, sizeof(hello), "%s", ui->result.display);
	i18n_fill(line, sizeof(line), S(ui, ui->result.dir == STORE_OUT ?
	    "ui.checked_out_at" : "ui.checked_in_at"), args, 1);
	answer(ui, C_OK, 1, S(ui, ui->result.dir == STORE_OUT ?
	    "result.checkout" : "ui.hello"), hello, line);
}

static void
duplicate_render(struct ui *ui)
{
	char t[16], line[160];

	clock_text(ui->result.previous_ms ? ui->result.previous_ms :
	    ktime_wall_ms(), t, sizeof(t));
	answer(ui, C_DUP, 1, S(ui, "result.duplicate"), ui->result.display,
	    fill1(ui, line, sizeof(line), "ui.first_seen", t));
}

static void
rejected_render(struct ui *ui)
{
	char key[64];

	snprintf(key, sizeof(key), "reason.%s", reason_code(ui->result.reason));
	answer(ui, C_BAD, 0, S(ui, "result.rejected"), S(ui, key),
	    S(ui, "ui.reject_hint"));
}

static void
error_render(struct ui *ui)
{
	/* What happened, large; that nothing was kept; what to do. */
	answer(ui, C_BAD, 0, S(ui, "error.title"), S(ui, "error.not_recorded"),
	    S(ui, "error.what_to_do"));
}

/* The number pad, for phone numbers and the admin PIN. */
static void
pad_render(struct ui *ui, const char *title, int masked)
{
	static const char *const keys[12] = { "1", "2", "3", "4", "5", "6",
	    "7", "8", "9", "⌫", "0", "OK" };
	static const enum action acts[12] = { A_DIGIT0 + 1, A_DIGIT0 + 2,
	    A_DIGIT0 + 3, A_DIGIT0 + 4, A_DIGIT0 + 5, A_DIGIT0 + 6,
	    A_DIGIT0 + 7, A_DIGIT0 + 8, A_DIGIT0 + 9, A_BACKSPACE, A_DIGIT0,
	    A_OK };
	int u = unit(ui), land = ui->w > ui->h, i, gx, gy, gw, gh, bw, bh;
	char shown[KEYPAD_MAX * 3 + 1];
	SDL_Rect left;
	size_t k, n = strlen(ui->keypad);

	for (k = 0; k < n; k++)
		shown[k] = masked ? '*' : ui->keypad[k];
	shown[n] = '\0';
	fill(ui, (SDL_Rect){ 0, 0, ui->w, ui->h }, C_BG);
	if (land) {
		left = (SDL_Rect){ u, u, ui->w * 45 / 100 - 2 * u,
		    ui->h - 2 * u };
		gx = ui->w * 45 / 100;
		gy = u;
		gw = ui->w - gx - u;
		gh = ui->h - 2 * u;
	} else {
		left = (SDL_Rect){ u, u, ui->w - 2 * u, ui->h * 38 / 100 };
		gx = u;
		gy = ui->h * 40 / 100;
		gw = ui->w - 2 * u;
		gh = ui->h - gy - u;
	}
	text(ui, title, (SDL_Rect){ left.x, left.y, left.w, left.h * 3 / 10 },
	    3 * u, 1, C_TEXT, CENTER);
	fill(ui, (SDL_Rect){ left.x, left.y + left.h * 35 / 100, left.w,
	    left.h * 25 / 100 }, C_WHITE);
	text(ui, n > 0 ? shown : NULL, (SDL_Rect){ left.x + u,
	    left.y + left.h * 35 / 100,
	    left.w - 2 * u, left.h * 25 / 100 }, left.h / 6, 1, C_INK,
	    CENTER);
	if (ui->pin_wrong && masked)
		text(ui, S(ui, "ui.admin_pin_wrong"), (SDL_Rect){ left.x,
		    left.y + left.h * 60 / 100, left.w, left.h / 10 }, 2 * u,
		    1, C_WARN, CENTER);
	button(ui, (SDL_Rect){ left.x, left.y + left.h * 75 / 100, left.w,
	    left.h * 22 / 100 }, S(ui, "ui.keypad_cancel"), A_CANCEL,
	    C_PANEL);
	bw = (gw - 2 * u) / 3;
	bh = (gh - 3 * u) / 4;
	for (i = 0; i < 12; i++)
		button(ui, (SDL_Rect){ gx + (i % 3) * (bw + u), gy + (i / 3) *
		    (bh + u), bw, bh }, i == 11 ? S(ui, "ui.keypad_ok") :
		    keys[i], acts[i], i == 11 ? C_OK : C_BTN);
}

static void
keypad_render(struct ui *ui)
{
	pad_render(ui, S(ui, "ui.keypad_title"), 0);
}

static void
pin_render(struct ui *ui)
{
	pad_render(ui, S(ui, "ui.admin_pin"), 1);
}

static void
admin_render(struct ui *ui)
{
	int u = unit(ui), lh = ui->h / 11, y, bw, bh, i, px;
	char a[24], b[24], c[24], when[40], line[3][256];
	const char *info[4];
	static const enum action acts[5] = { A_MODE, A_LANG, A_PURGE, A_QUIT,
	    A_BACK };
	static const char *const labels[5] = { "ui.admin_switch_mode",
	    "ui.admin_language", "ui.admin_purge", "ui.admin_quit",
	    "ui.admin_back" };
	static const char *const modes[3] = { "ui.admin_mode_scan",
	    "ui.admin_mode_display", "ui.admin_mode_both" };

	fill(ui, (SDL_Rect){ 0, 0, ui->w, ui->h }, C_BG);
	text(ui, S(ui, "ui.admin_title"), (SDL_Rect){ u, 0, ui->w - 2 * u,
	    lh }, lh * 6 / 10, 1, C_TEXT, LEFT);
	y = lh;
	count_text(ui->status.today, a, sizeof(a));
	count_text(ui->status.total, b, sizeof(b));
	count_text(ui->status.pending, c, sizeof(c));
	if (ui->status.last_upload_ms)
		when_text(ui->status.last_upload_ms, when, sizeof(when));
	else
		snprintf(when, sizeof(when), "%s", S(ui, "ui.never"));
	info[0] = ui->o.venue_name;
	info[1] = fill3(ui, line[0], sizeof(line[0]), "ui.admin_counts", a, b,
	    c);
	info[2] = fill1(ui, line[1], sizeof(line[1]), "ui.admin_last_sync",
	    when);
	info[3] = fill1(ui, line[2], sizeof(line[2]), "ui.admin_mode",
	    S(ui, modes[ui->mode]));
	/* One size for the four lines: the largest at which each fits. */
	px = fit_px(ui, info, 4, ui->w - 2 * u, lh, lh / 2, 0);
	for (i = 0; i < 4; i++, y += lh)
		text(ui, info[i], (SDL_Rect){ u, y, ui->w - 2 * u, lh }, px, 0,
		    C_TEXT, LEFT);
	if (ui->admin_note[0] != '\0')
		text(ui, ui->admin_note, (SDL_Rect){ u, y, ui->w - 2 * u, lh },
		    lh / 2, 1, C_ACCENT, LEFT);
	else if (ui->scanner_lost)
		text(ui, S(ui, "ui.admin_scanner_keyboard"), (SDL_Rect){ u, y,
		    ui->w - 2 * u, lh }, lh / 2, 1, C_WARN, LEFT);
	y += lh + u;
	{
		/* Three a row on a wide screen, two on a tall one; every
		 * label at one size, the largest at which all fit on one
		 * line (no label broken a word a line). */
		int cols = ui->w > ui->h ? 3 : 2, rows = (5 + cols - 1) / cols;
		const char *lab[5];

		bh = (ui->h - y - u - (rows - 1) * u) / rows;
		bw = (ui->w - (cols + 1) * u) / cols;
		for (i = 0; i < 5; i++)
			lab[i] = S(ui, labels[i]);
		px = fit_px(ui, lab, 5, bw - bw / 6, bh - bh / 4, bh * 4 / 10,
		    1);
		for (i = 0; i < 5; i++)
			button_px(ui, (SDL_Rect){ u + (i % cols) * (bw + u), y +
			    (i / cols) * (bh + u), bw, bh }, lab[i], acts[i],
			    i == 3 ? C_BAD : C_BTN, px);
	}
}

/*
 * The patrol's verdict, from the figures alone: NULL when the kiosk passes,
 * else the string key of the first thing that needs checking.
 */
static const char *
patrol_problem(const struct ui_patrol *p, int64_t now_ms)
{
	if (strcmp(p->health, "ok") != 0)
		return "ui.patrol_why_health";
	if (p->last_upload_ms == 0 && p->pending > 0)
		return "ui.patrol_why_never";
	if (p->pending > 0 && now_ms - p->last_upload_ms > 24 * 3600 * 1000LL)
		return "ui.patrol_why_sync";
	if (p->longest_gap_min > 60)
		return "ui.patrol_why_gap";
	return NULL;
}

/* "1 giờ 42 phút" / "42 phút" for MIN minutes. */
static const char *
duration_text(struct ui *ui, int64_t min, char *buf, size_t size)
{
	char h[24], m[24];
	const char *args[2] = { h, m };

	if (min >= 60) {
		count_text(min / 60, h, sizeof(h));
		count_text(min % 60, m, sizeof(m));
		return i18n_fill(buf, size, S(ui, "ui.duration_hm"), args, 2);
	}
	count_text(min, h, sizeof(h));
	return i18n_fill(buf, size, S(ui, "ui.duration_m"), args, 1);
}

static void
patrol_render(struct ui *ui)
{
	int u = unit(ui), land = ui->w > ui->h, lh, i, px;
	char a[24], b[64], when[40];
	SDL_Rect info, qr;
	const char *lines[6], *why = patrol_problem(&ui->patrol,
	    ktime_wall_ms());
	char buf[6][256], verdict[256];

	fill(ui, (SDL_Rect){ 0, 0, ui->w, ui->h }, C_BG);
	if (land) {
		info = (SDL_Rect){ u, u, ui->w * 58 / 100 - 2 * u,
		    ui->h - 2 * u };
		qr = (SDL_Rect){ ui->w * 58 / 100, u, ui->w * 42 / 100 - u,
		    ui->h - 2 * u };
	} else {
		info = (SDL_Rect){ u, u, ui->w - 2 * u, ui->h * 48 / 100 };
		qr = (SDL_Rect){ u, ui->h / 2, ui->w - 2 * u,
		    ui->h / 2 - u };
	}
	lh = info.h / 9;
	text(ui, S(ui, "ui.patrol_title"), (SDL_Rect){ info.x, info.y, info.w,
	    lh }, lh * 7 / 10, 1, C_TEXT, LEFT);
	/* The verdict first, on its colour: what the officer came for. */
	if (why == NULL)
		snprintf(verdict, sizeof(verdict), "%s",
		    S(ui, "ui.patrol_verdict_ok"));
	else
		fill1(ui, verdict, sizeof(verdict), "ui.patrol_verdict_bad",
		    S(ui, why));
	fill(ui, (SDL_Rect){ info.x, info.y + lh, info.w, lh * 2 - u / 2 },
	    why == NULL ? C_OK : C_WARN);
	text(ui, verdict, (SDL_Rect){ info.x + u / 2, info.y + lh, info.w - u,
	    lh * 2 - u / 2 }, lh * 6 / 10, 1, C_TEXT, LEFT);
	lines[0] = fill1(ui, buf[0], sizeof(buf[0]), "ui.patrol_venue",
	    ui->patrol.venue);
	lines[1] = fill1(ui, buf[1], sizeof(buf[1]), "ui.patrol_device",
	    ui->patrol.device);
	count_text(ui->patrol.today, a, sizeof(a));
	count_text(ui->patrol.week, b, sizeof(b));
	{
		const char *args[2] = { a, b };

		lines[2] = i18n_fill(buf[2], sizeof(buf[2]),
		    S(ui, "ui.patrol_visits"), args, 2);
	}
	count_text(ui->patrol.pending, a, sizeof(a));
	if (ui->patrol.last_upload_ms)
		when_text(ui->patrol.last_upload_ms, when, sizeof(when));
	else
		snprintf(when, sizeof(when), "%s", S(ui, "ui.never"));
	{
		const char *args[2] = { a, when };

		lines[3] = i18n_fill(buf[3], sizeof(buf[3]),
		    S(ui, "ui.patrol_pending"), args, 2);
	}
	count_text(ui->patrol.gaps, a, sizeof(a));
	duration_text(ui, ui->patrol.longest_gap_min, b, sizeof(b));
	{
		const char *args[2] = { a, b };

		lines[4] = i18n_fill(buf[4], sizeof(buf[4]),
		    S(ui, "ui.patrol_gaps"), args, 2);
	}
	{
		const char *args[2] = { strcmp(ui->patrol.health, "ok") == 0 ?
		    S(ui, "ui.health_ok") : ui->patrol.health, KIOSK_VERSION };

		lines[5] = i18n_fill(buf[5], sizeof(buf[5]),
		    S(ui, "ui.patrol_health"), args, 2);
	}
	/* One size for all six lines, the largest at which each fits. */
	px = fit_px(ui, lines, 6, info.w, lh, lh * 45 / 100, 0);
	for (i = 0; i < 6; i++)
		text(ui, lines[i], (SDL_Rect){ info.x, info.y + (i + 3) * lh,
		    info.w, lh }, px, 0, C_TEXT, LEFT);
	fill(ui, qr, C_WHITE);
	text(ui, S(ui, "ui.patrol_receipt"), (SDL_Rect){ qr.x + u, qr.y,
	    qr.w - 2 * u, qr.h / 8 }, 2 * u, 1, C_INK, CENTER);
	draw_qr(ui, ui->receipt_tex, (SDL_Rect){ qr.x + u / 2, qr.y + qr.h / 8,
	    qr.w - u, qr.h * 7 / 8 - u / 2 });
}

static void
patrol_enter(struct ui *ui)
{
	if (ui->receipt_tex != NULL)
		SDL_DestroyTexture(ui->receipt_tex);
	ui->receipt_tex = NULL;
	memset(&ui->patrol, 0, sizeof(ui->patrol));
	if (ui->o.hooks.patrol != NULL &&
	    ui->o.hooks.patrol(ui->o.hooks.data, &ui->patrol) == 0)
		ui->receipt_tex = qr_texture(ui, ui->patrol.receipt);
}

static void
pad_enter(struct ui *ui)
{
	sodium_memzero(ui->keypad, sizeof(ui->keypad));
	ui->pin_wrong = 0;
}

static void
admin_enter(struct ui *ui)
{
	ui->admin_note[0] = '\0';
}

static void
result_leave_wipe(struct ui *ui)
{
	sodium_memzero(&ui->result, sizeof(ui->result));
}

struct screen_ops {
	void (*enter)(struct ui *);
	void (*render)(struct ui *);
	int timeout_ms;		/* back to ready after this long idle; 0 never */
};

static const struct screen_ops screens[UI_SCREEN_COUNT] = {
	[UI_READY] = { NULL, ready_render, 0 },
	[UI_ACCEPTED] = { NULL, accepted_render, 3000 },
	[UI_DUPLICATE] = { NULL, duplicate_render, 3000 },
	[UI_REJECTED] = { NULL, rejected_render, 4000 },
	[UI_ERROR] = { NULL, error_render, 4000 },
	[UI_KEYPAD] = { pad_enter, keypad_render, 30000 },
	[UI_PIN] = { pad_enter, pin_render, 20000 },
	[UI_ADMIN] = { admin_enter, admin_render, 60000 },
	[UI_PATROL] = { patrol_enter, patrol_render, 60000 },
};

/* ---- state machine ---- */

void
ui_goto(struct ui *ui, enum ui_screen s)
{
	ui->next = s;
	ui->have_next = 1;
}

static void
apply_next(struct ui *ui)
{
	enum ui_screen from = ui->screen;

	if (!ui->have_next)
		return;
	ui->have_next = 0;
	/*
	 * The answer on screen is replaced by the one that came, or wiped
	 * when no answer follows: a second visitor's result that comes
	 * while the first is still shown is never wiped with it.
	 */
	result_leave_wipe(ui);
	if (ui->have_pending) {
		ui->result = ui->pending;
		sodium_memzero(&ui->pending, sizeof(ui->pending));
		ui->have_pending = 0;
	}
	if (from == UI_KEYPAD || from == UI_PIN)
		sodium_memzero(ui->keypad, sizeof(ui->keypad));
	ui->screen = ui->next;
	ui->entered = ui->last_input = ui->now;
	if (screens[ui->screen].enter != NULL)
		screens[ui->screen].enter(ui);
}

void
ui_tick(struct ui *ui, int64_t now_ms)
{
	int t;

	ui->now = now_ms;
	t = screens[ui->screen].timeout_ms;
	if (!ui->have_next && t > 0 && now_ms - ui->last_input >= t)
		ui_goto(ui, UI_READY);
	if (ui->press_at && now_ms - ui->press_at >= LONG_PRESS_MS &&
	    ui->screen == UI_READY) {
		ui->press_at = 0;
		ui_goto(ui, UI_PIN);
	}
	apply_next(ui);
	if ((ui->screen == UI_READY || ui->screen == UI_ADMIN) &&
	    ui->o.hooks.status != NULL && now_ms - ui->status_at >= 2000) {
		(void)ui->o.hooks.status(ui->o.hooks.data, &ui->status);
		ui->status_at = now_ms;
	}
}

void
ui_render(struct ui *ui)
{
	SDL_GetRendererOutputSize(ui->r, &ui->w, &ui->h);
	ui->nbtn = 0;
	sodium_memzero(ui->words, ui->words_used);
	ui->words_used = ui->nwords = 0;
	screens[ui->screen].render(ui);
	SDL_RenderPresent(ui->r);
}

void
ui_result(struct ui *ui, const struct checkin_out *out)
{
	/* Shown from the next tick on, when the screen changes. */
	ui->pending = *out;
	ui->have_pending = 1;
	if (out->result == CHECKIN_REJECTED &&
	    out->reason == REASON_SCANNER_KEYBOARD)
		ui->scanner_lost = 1;	/* told to the owner on the admin screen */
	if (out->result == CHECKIN_ACCEPTED && out->patrol) {
		sound_play(ui, 1);
		ui_goto(ui, UI_PATROL);
	} else if (out->result == CHECKIN_ACCEPTED) {
		sound_play(ui, 1);
		ui_goto(ui, UI_ACCEPTED);
	} else if (out->result == CHECKIN_DUPLICATE) {
		sound_play(ui, 1);
		ui_goto(ui, UI_DUPLICATE);
	} else {
		sound_play(ui, 0);
		ui_goto(ui, UI_REJECTED);
	}
	ui->status_at = 0;	/* counts changed: refresh on return */
}

void
ui_error(struct ui *ui)
{
	sodium_memzero(&ui->pending, sizeof(ui->pending));
	ui->have_pending = 0;
	sound_play(ui, 0);
	ui_goto(ui, UI_ERROR);
}

void
ui_preview(struct ui *ui, const struct image *frame)
{
	ui->preview = grey_texture(ui, ui->preview, &ui->pw, &ui->ph, frame);
	ui->have_preview = ui->preview != NULL;
}

void
ui_camera(struct ui *ui, enum ui_camera state)
{
	ui->camera = state;
}

void
ui_set_lang(struct ui *ui, const char *lang)
{
	ui->li = strcmp(lang, "en") == 0 ? 1 : 0;
}

enum ui_screen
ui_screen(const struct ui *ui)
{
	return ui->have_next ? ui->next : ui->screen;
}

int
ui_quit_requested(const struct ui *ui)
{
	return ui->quit;
}

void
ui_keypad_set(struct ui *ui, const char *digits)
{
	snprintf(ui->keypad, sizeof(ui->keypad), "%s", digits);
}

const char *
ui_venue_text(const struct ui *ui)
{
	return ui->venue_text;
}

const char *
ui_mode_name(enum ui_mode m)
{
	return m == UI_MODE_DISPLAY ? "display" : m == UI_MODE_BOTH ? "both" :
	    "scan";
}

/* ---- input ---- */

static void
pad_ok(struct ui *ui)
{
	if (ui->screen == UI_KEYPAD) {
		if (ui->keypad[0] != '\0' && ui->o.hooks.submit != NULL)
			ui->o.hooks.submit(ui->o.hooks.data, ui->keypad,
			    "keypad");
		ui_goto(ui, UI_READY);	/* the answer screen follows */
	} else if (ui->screen == UI_PIN) {
		if (ui->o.hooks.check_pin != NULL &&
		    ui->o.hooks.check_pin(ui->o.hooks.data, ui->keypad)) {
			ui_goto(ui, UI_ADMIN);
		} else {
			ui->pin_wrong = 1;
			log_warn("admin screen: wrong PIN");
		}
		sodium_memzero(ui->keypad, sizeof(ui->keypad));
	}
}

static void
act(struct ui *ui, enum action a)
{
	size_t n = strlen(ui->keypad);

	if (a >= A_DIGIT0 && a <= A_DIGIT9) {
		if (n < KEYPAD_MAX) {
			ui->keypad[n] = (char)('0' + (a - A_DIGIT0));
			ui->keypad[n + 1] = '\0';
		}
		return;
	}
	switch (a) {
	case A_KEYPAD:
		ui_goto(ui, UI_KEYPAD);
		break;
	case A_LANG:
		ui->li = 1 - ui->li;
		if (ui->o.hooks.changed != NULL)
			ui->o.hooks.changed(ui->o.hooks.data, ui->mode,
			    ui->li ? "en" : "vi");
		break;
	case A_BACKSPACE:
		if (n > 0)
			ui->keypad[n - 1] = '\0';
		break;
	case A_OK:
		pad_ok(ui);
		break;
	case A_CANCEL:
	case A_BACK:
		ui_goto(ui, UI_READY);
		break;
	case A_MODE:
		ui->mode = (enum ui_mode)((ui->mode + 1) % 3);
		if (ui->o.hooks.changed != NULL)
			ui->o.hooks.changed(ui->o.hooks.data, ui->mode,
			    ui->li ? "en" : "vi");
		break;
	case A_PURGE:
		if (ui->o.hooks.purge != NULL) {
			int64_t k = ui->o.hooks.purge(ui->o.hooks.data);
			char num[24];

			count_text(k < 0 ? 0 : k, num, sizeof(num));
			fill1(ui, ui->admin_note, sizeof(ui->admin_note),
			    "ui.admin_purged", num);
		}
		break;
	case A_QUIT:
		ui->quit = 1;
		break;
	default:
		break;
	}
}

static void
press(struct ui *ui, int x, int y, int down)
{
	size_t i;

	ui->last_input = ui->now;
	for (i = 0; i < ui->nbtn; i++) {
		SDL_Rect *r = &ui->btn[i].r;

		if (x < r->x || y < r->y || x >= r->x + r->w ||
		    y >= r->y + r->h)
			continue;
		if (ui->btn[i].a == A_ADMIN_CORNER) {
			ui->press_at = down ? ui->now : 0;
			return;
		}
		if (down)
			act(ui, ui->btn[i].a);
		return;
	}
	if (!down)
		ui->press_at = 0;
	/* A touch on an answer screen dismisses it. */
	if (down && (ui->screen == UI_ACCEPTED || ui->screen == UI_DUPLICATE ||
	    ui->screen == UI_REJECTED || ui->screen == UI_ERROR))
		ui_goto(ui, UI_READY);
}

void
ui_event(struct ui *ui, const SDL_Event *ev)
{
	char code[SCANNER_MAX + 1];
	int n;

	switch (ev->type) {
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
		scanner_text(&ui->scan, ev->text.text, (int64_t)ev->text.timestamp);
		/* A person typing digits on the keypad screens. */
		if ((ui->screen == UI_KEYPAD || ui->screen == UI_PIN) &&
		    ev->text.text[0] >= '0' && ev->text.text[0] <= '9' &&
		    ev->text.text[1] == '\0')
			act(ui, (enum action)(A_DIGIT0 + ev->text.text[0] -
			    '0'));
		ui->last_input = ui->now;
		break;
	case SDL_KEYDOWN:
		switch (ev->key.keysym.sym) {
		case SDLK_RETURN:
		case SDLK_KP_ENTER:
		case SDLK_TAB:
			n = scanner_end(&ui->scan, (int64_t)ev->key.timestamp,
			    code, sizeof(code));
			if (n > 0) {
				if (ui->screen == UI_KEYPAD ||
				    ui->screen == UI_PIN)
					sodium_memzero(ui->keypad,
					    sizeof(ui->keypad));
				if (ui->o.hooks.submit != NULL)
					ui->o.hooks.submit(ui->o.hooks.data,
					    code, "scanner");
				sodium_memzero(code, sizeof(code));
			} else if (ev->key.keysym.sym != SDLK_TAB &&
			    (ui->screen == UI_KEYPAD || ui->screen == UI_PIN)) {
				pad_ok(ui);
			}
			break;
		case SDLK_BACKSPACE:
			act(ui, A_BACKSPACE);
			break;
		case SDLK_ESCAPE:
			if (ui->screen != UI_READY)
				ui_goto(ui, UI_READY);
			break;
		case SDLK_F12:
			if (ui->screen == UI_READY)
				ui_goto(ui, UI_PIN);
			break;
		default:
			break;
		}
		ui->last_input = ui->now;
		break;
	default:
		break;
	}
}

/* ---- life cycle ---- */

struct ui *
ui_new(SDL_Renderer *renderer, const struct ui_opts *opts)
{
	struct ui *ui = calloc(1, sizeof(*ui));

	if (ui == NULL)
		return NULL;
	ui->r = renderer;
	ui->o = *opts;
	ui->mode = opts->mode;
	ui->qr_slot = -1;
	ui->camera = UI_CAMERA_NONE;
	if (ui->o.display_period_s <= 0)
		ui->o.display_period_s = 30;
	scanner_init(&ui->scan);
	if (!TTF_WasInit() && TTF_Init() != 0) {
		log_error("SDL_ttf: %s", TTF_GetError());
		free(ui);
		return NULL;
	}
	ui->lang[0] = i18n_load(i18n_dir(), "vi");
	ui->lang[1] = i18n_load(i18n_dir(), "en");
	if (ui->lang[0] == NULL || ui->lang[1] == NULL ||
	    font(ui, 24, 0) == NULL || font(ui, 24, 1) == NULL) {
		log_error("cannot load the kiosk's strings or fonts");
		ui_free(ui);
		return NULL;
	}
	ui_set_lang(ui, opts->lang ? opts->lang : "vi");
	SDL_GetRendererOutputSize(renderer, &ui->w, &ui->h);
	sound_open(ui);
	return ui;
}

void
ui_free(struct ui *ui)
{
	size_t i;

	if (ui == NULL)
		return;
	for (i = 0; i < ui->nfonts; i++)
		TTF_CloseFont(ui->fonts[i].f);
	if (ui->preview)
		SDL_DestroyTexture(ui->preview);
	if (ui->qr_tex)
		SDL_DestroyTexture(ui->qr_tex);
	if (ui->receipt_tex)
		SDL_DestroyTexture(ui->receipt_tex);
	if (ui->audio)
		SDL_CloseAudioDevice(ui->audio);
	free(ui->tone_ok);
	free(ui->tone_bad);
	i18n_free(ui->lang[0]);
	i18n_free(ui->lang[1]);
	sodium_memzero(ui, sizeof(*ui));
	free(ui);
}

int
ui_save_png(SDL_Renderer *renderer, const char *path)
{
	png_image pi;
	unsigned char *px;
	int w, h, r = -1;

	if (SDL_GetRendererOutputSize(renderer, &w, &h) != 0)
		return -1;
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

int
ui_button_rect(const struct ui *ui, const char *label, SDL_Rect *out)
{
	size_t i;

	for (i = 0; i < ui->nbtn; i++)
		if (ui->btn[i].label != NULL &&
		    strcmp(ui->btn[i].label, label) == 0) {
			*out = ui->btn[i].r;
			return 0;
		}
	return -1;
}

size_t
ui_words(const struct ui *ui, const char **out, size_t max)
{
	size_t i;

	for (i = 0; i < ui->nwords && i < max; i++)
		out[i] = ui->word[i];
	return ui->nwords;
}

int
ui_text_clipped(const struct ui *ui)
{
	return ui->text_clipped;
}
