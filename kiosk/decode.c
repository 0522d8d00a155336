/*
 * decode: zbar (binary mode) and zxing-cpp, with retries. See decode.h.
 */
#include "decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zbar.h>

#include "log.h"
#include "zxread.h"

/* Frames narrower than this get an upscaled retry. */
#define SMALL_SIDE 1000
#define MAX_PASSES 8

/* One way of reading a frame. */
enum pass {
	P_ZBAR,		/* zbar on the frame */
	P_ZXING,	/* zxing-cpp on the frame */
	P_ZXING_FAST,	/* zxing-cpp without "try harder" */
	P_ZBAR_INV,	/* zbar on the inverted frame (dark-mode phones) */
	P_ZXING_INV,	/* zxing-cpp on the inverted frame */
	P_ZBAR_UP2,	/* zbar on the centre half, upscaled 2x */
	P_ZBAR_UP3,	/* the same, 3x */
	P_ZXING_UP2,	/* zxing-cpp on the centre half, upscaled 2x */
	P_COUNT
};

static const char *const pass_names[P_COUNT] = {
	"zbar", "zxing", "zxfast", "zbar-inv", "zxing-inv", "zbar-up2",
	"zbar-up3", "zxing-up2"
};

/*
 * The pipeline chosen by `make bench` (bench_decode, 335 images: 156
 * generated kiosk-like frames in 13 categories and the 179 shared photos):
 * zxing-cpp reads more than zbar and costs about a seventh of a zbar
 * pass, so every frame gets zxing-cpp on the frame and on its inverse
 * (dark-mode phones; zxing-cpp 1.4 does not invert by itself), both cheap;
 * a frame both miss gets one retry, a different one each live frame in
 * turn: zbar (which reads some noisy and photographed codes that
 * zxing-cpp does not), then zbar on the centre upscaled 2x (far codes).
 * zbar's inverted pass and 3x upscale read nothing more and were dropped;
 * zbar first read the same codes at about seven times the cost.
 */
#define DEFAULT_PIPELINE "zxing,zxing-inv|zbar,zbar-up2"

struct decoder {
	zbar_image_scanner_t *scanner;
	struct image work;	/* scratch for the retries */
	enum pass always[MAX_PASSES], rotate[MAX_PASSES];
	size_t nalways, nrotate;
	unsigned next_retry;	/* live mode: which retry this frame gets */
};

int
decoder_set_pipeline(struct decoder *d, const char *spec)
{
	enum pass al[MAX_PASSES], ro[MAX_PASSES], *list = al;
	size_t nal = 0, nro = 0, *n = &nal;
	const char *s = spec;

	while (*s != '\0') {
		size_t len = strcspn(s, ",|");
		int p, found = -1;

		for (p = 0; p < P_COUNT; p++)
			if (strlen(pass_names[p]) == len &&
			    memcmp(pass_names[p], s, len) == 0)
				found = p;
		if (found < 0 || *n == MAX_PASSES) {
			log_error("decode pipeline '%s': bad pass at '%s'",
			    spec, s);
			return -1;
		}
		list[(*n)++] = (enum pass)found;
		s += len;
		if (*s == '|') {
			if (list == ro) {
				log_error("decode pipeline '%s': two '|'", spec);
				return -1;
			}
			list = ro;
			n = &nro;
		}
		if (*s != '\0')
			s++;
	}
	if (nal == 0) {
		log_error("decode pipeline '%s': no pass", spec);
		return -1;
	}
	memcpy(d->always, al, sizeof(al));
	memcpy(d->rotate, ro, sizeof(ro));
	d->nalways = nal;
	d->nrotate = nro;
	d->next_retry = 0;
	return 0;
}

struct decoder *
decoder_new(void)
{
	struct decoder *d = calloc(1, sizeof(*d));
	const char *env = getenv("KIOSK_DECODE_PIPELINE");

	if (d == NULL)
		return NULL;
	d->scanner = zbar_image_scanner_create();
	if (d->scanner == NULL) {
		log_error("zbar: cannot create an image scanner");
		free(d);
		return NULL;
	}
	/* QR only: every other symbology off is faster and reads no junk. */
	zbar_image_scanner_set_config(d->scanner, 0, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(d->scanner, ZBAR_QRCODE,
	    ZBAR_CFG_ENABLE, 1);
	/*
	 * The bytes as stored in the code: without this zbar guesses a
	 * legacy charset (Shift-JIS, Big5) for byte segments with no ECI,
	 * as on real CCCD cards, and turns Vietnamese into mojibake.
	 */
	zbar_image_scanner_set_config(d->scanner, ZBAR_QRCODE,
	    ZBAR_CFG_BINARY, 1);
	if (decoder_set_pipeline(d, env != NULL && *env != '\0' ? env :
	    DEFAULT_PIPELINE) != 0) {
		decoder_free(d);
		return NULL;
	}
	return d;
}

void
decoder_free(struct decoder *d)
{
	if (d == NULL)
		return;
	zbar_image_scanner_destroy(d->scanner);
	image_release(&d->work);
	free(d);
}

void
decode_result_release(struct decode_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->texts[i]);
	memset(r, 0, sizeof(*r));
}

/* Add LEN bytes of DATA to OUT unless there already; 1 added, 0 not, -1. */
static int
add_text(struct decode_result *out, const unsigned char *data, size_t len)
{
	size_t i;

	if (out->n == DECODE_MAX_TEXTS || len > DECODE_TEXT_MAX)
		return 0;
	for (i = 0; i < out->n; i++)
		if (out->lens[i] == len && memcmp(out->texts[i], data, len) == 0)
			return 0;
	i = out->n;
	out->texts[i] = malloc(len + 1);
	if (out->texts[i] == NULL)
		return -1;
	memcpy(out->texts[i], data, len);
	out->texts[i][len] = '\0';
	out->lens[i] = len;
	out->n++;
	return 1;
}

/* Run zbar once over W x H grey pixels; add new texts to OUT. */
static int
zbar_pass(struct decoder *d, const unsigned char *px, int w, int h,
    struct decode_result *out)
{
	const zbar_symbol_t *sym;
	zbar_image_t *zi;
	int found = 0, n, r;

	zi = zbar_image_create();
	if (zi == NULL)
		return -1;
	zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zi, (unsigned)w, (unsigned)h);
	/* The pixels stay ours: no cleanup handler. */
	zbar_image_set_data(zi, px, (unsigned long)w * (unsigned long)h, NULL);
	n = zbar_scan_image(d->scanner, zi);
	for (sym = n > 0 ? zbar_image_first_symbol(zi) : NULL; sym != NULL;
	    sym = zbar_symbol_next(sym)) {
		r = add_text(out, (const unsigned char *)zbar_symbol_get_data(
		    sym), zbar_symbol_get_data_length(sym));
		if (r < 0) {
			found = -1;
			break;
		}
		found += r;
	}
	zbar_image_destroy(zi);
	return found;
}

struct zx_ctx {
	struct decode_result *out;
	int found, oom;
};

static int
zx_add(void *data, const unsigned char *bytes, size_t len)
{
	struct zx_ctx *c = data;
	int r = add_text(c->out, bytes, len);

	if (r < 0) {
		c->oom = 1;
		return 1;
	}
	c->found += r;
	return 0;
}

static int
zxing_pass(const unsigned char *px, int w, int h, int flags,
    struct decode_result *out)
{
	struct zx_ctx c = { out, 0, 0 };

	if (zxread_scan(px, w, h, flags, zx_add, &c) < 0 || c.oom)
		return -1;
	return c.found;
}

static int
invert_into(struct decoder *d, const struct image *img)
{
	size_t i, n = (size_t)img->w * (size_t)img->h;

	if (d->work.w != img->w || d->work.h != img->h) {
		image_release(&d->work);
		if (image_init(&d->work, img->w, img->h) != 0)
			return -1;
	}
	for (i = 0; i < n; i++)
		d->work.px[i] = (unsigned char)(255 - img->px[i]);
	return 0;
}

/*
 * Bilinear upscale by K of the centre half of IMG (where the framing guide
 * asks for the code) into the scratch image: a small or far code gets
 * enough pixels a module.
 */
static int
upscale_into(struct decoder *d, const struct image *img, int k)
{
	int rw = img->w / 2, rh = img->h / 2;
	int x0 = (img->w - rw) / 2, y0 = (img->h - rh) / 2;
	int w = rw * k, h = rh * k, x, y;

	if (d->work.w != w || d->work.h != h) {
		image_release(&d->work);
		if (image_init(&d->work, w, h) != 0)
			return -1;
	}
	for (y = 0; y < h; y++) {
		int sy = y0 + y / k, fy = y % k;
		int sy1 = sy + 1 < img->h ? sy + 1 : sy;
		const unsigned char *r0 = img->px + (size_t)sy * img->w;
		const unsigned char *r1 = img->px + (size_t)sy1 * img->w;
		unsigned char *o = d->work.px + (size_t)y * w;

		for (x = 0; x < w; x++) {
			int sx = x0 + x / k, fx = x % k;
			int sx1 = sx + 1 < img->w ? sx + 1 : sx;
			int a = r0[sx] * (k - fx) + r0[sx1] * fx;
			int b = r1[sx] * (k - fx) + r1[sx1] * fx;

			o[x] = (unsigned char)((a * (k - fy) + b * fy +
			    k * k / 2) / (k * k));
		}
	}
	return 0;
}

/* Run pass P over IMG; new texts go to OUT. Returns texts added, or -1. */
static int
run_pass(struct decoder *d, const struct image *img, enum pass p,
    struct decode_result *out)
{
	int small = img->w < SMALL_SIDE && img->h < SMALL_SIDE;

	out->pass = (int)p + 1;
	switch (p) {
	case P_ZBAR:
		return zbar_pass(d, img->px, img->w, img->h, out);
	case P_ZXING:
		return zxing_pass(img->px, img->w, img->h, 0, out);
	case P_ZXING_FAST:
		return zxing_pass(img->px, img->w, img->h, ZXREAD_FAST, out);
	case P_ZBAR_INV:
	case P_ZXING_INV:
		if (invert_into(d, img) != 0)
			return -1;
		return p == P_ZBAR_INV ? zbar_pass(d, d->work.px, d->work.w,
		    d->work.h, out) : zxing_pass(d->work.px, d->work.w,
		    d->work.h, 0, out);
	case P_ZBAR_UP2:
	case P_ZBAR_UP3:
	case P_ZXING_UP2:
		if (!small)
			return 0;
		if (upscale_into(d, img, p == P_ZBAR_UP3 ? 3 : 2) != 0)
			return -1;
		return p == P_ZXING_UP2 ? zxing_pass(d->work.px, d->work.w,
		    d->work.h, 0, out) : zbar_pass(d, d->work.px, d->work.w,
		    d->work.h, out);
	default:
		return 0;
	}
}

int
decoder_scan(struct decoder *d, const struct image *img,
    struct decode_result *out)
{
	int r = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; r == 0 && i < d->nalways + d->nrotate; i++)
		r = run_pass(d, img, i < d->nalways ? d->always[i] :
		    d->rotate[i - d->nalways], out);
	if (r < 0) {
		decode_result_release(out);
		return -1;
	}
	if (r == 0)
		out->pass = 0;
	return (int)out->n;
}

static int
scan_frame(struct decoder *d, const struct image *img, int retry,
    struct decode_result *out)
{
	int r = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; r == 0 && i < d->nalways; i++)
		r = run_pass(d, img, d->always[i], out);
	if (r == 0 && retry && d->nrotate > 0) {
		r = run_pass(d, img, d->rotate[d->next_retry], out);
		d->next_retry = (d->next_retry + 1) % (unsigned)d->nrotate;
	}
	if (r < 0) {
		decode_result_release(out);
		return -1;
	}
	if (r == 0)
		out->pass = 0;
	return (int)out->n;
}

int
decoder_scan_live(struct decoder *d, const struct image *img,
    struct decode_result *out)
{
	return scan_frame(d, img, 1, out);
}

int
decoder_scan_quick(struct decoder *d, const struct image *img,
    struct decode_result *out)
{
	return scan_frame(d, img, 0, out);
}

const char *
decoder_pass_name(int pass)
{
	return pass >= 1 && pass <= P_COUNT ? pass_names[pass - 1] : "none";
}
