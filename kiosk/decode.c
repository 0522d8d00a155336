/*
 * decode: zbar with retries. See decode.h.
 */
#include "decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zbar.h>

#include "log.h"

/* Frames narrower than this get an upscaled retry. */
#define SMALL_SIDE 1000

struct decoder {
	zbar_image_scanner_t *scanner;
	struct image work;	/* scratch for the retries */
	unsigned next_retry;	/* live mode: which retry this frame gets */
};

#define N_RETRIES 3

struct decoder *
decoder_new(void)
{
	struct decoder *d = calloc(1, sizeof(*d));

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

/* Run zbar once over W x H grey pixels; add new texts to OUT. */
static int
zbar_pass(struct decoder *d, const unsigned char *px, int w, int h,
    struct decode_result *out)
{
	const zbar_symbol_t *sym;
	zbar_image_t *zi;
	int found = 0, n;
	size_t i;

	zi = zbar_image_create();
	if (zi == NULL)
		return -1;
	zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zi, (unsigned)w, (unsigned)h);
	/* The pixels stay ours: no cleanup handler. */
	zbar_image_set_data(zi, px, (unsigned long)w * (unsigned long)h, NULL);
	n = zbar_scan_image(d->scanner, zi);
	if (n > 0) {
		for (sym = zbar_image_first_symbol(zi); sym != NULL;
		    sym = zbar_symbol_next(sym)) {
			const char *data = zbar_symbol_get_data(sym);
			size_t len = zbar_symbol_get_data_length(sym), k;
			int dup = 0;

			if (out->n == DECODE_MAX_TEXTS || len > DECODE_TEXT_MAX)
				continue;
			for (k = 0; k < out->n; k++)
				if (out->lens[k] == len &&
				    memcmp(out->texts[k], data, len) == 0)
					dup = 1;
			if (dup)
				continue;
			i = out->n;
			out->texts[i] = malloc(len + 1);
			if (out->texts[i] == NULL)
				break;
			memcpy(out->texts[i], data, len);
			out->texts[i][len] = '\0';
			out->lens[i] = len;
			out->n++;
			found++;
		}
	}
	zbar_image_destroy(zi);
	return found;
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
 * Bilinear upscale by K of the region (X0, Y0, RW, RH) of IMG into the
 * scratch image: a small or far code gets enough pixels a module.
 */
static int
upscale_into(struct decoder *d, const struct image *img, int x0, int y0,
    int rw, int rh, int k)
{
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

/* Retry I (0 inverted, 1 centre 2x, 2 centre 3x) of IMG into OUT. */
static int
retry(struct decoder *d, const struct image *img, int i,
    struct decode_result *out)
{
	int rw = img->w / 2, rh = img->h / 2;

	out->pass = 2 + i;
	if (i == 0) {
		if (invert_into(d, img) != 0)
			return -1;
	} else {
		/* Small or far codes: the centre half of the frame, where the
		 * framing guide asks for the code; only in small frames. */
		if (img->w >= SMALL_SIDE || img->h >= SMALL_SIDE)
			return 0;
		if (upscale_into(d, img, (img->w - rw) / 2, (img->h - rh) / 2,
		    rw, rh, i + 1) != 0)
			return -1;
	}
	return zbar_pass(d, d->work.px, d->work.w, d->work.h, out);
}

int
decoder_scan(struct decoder *d, const struct image *img,
    struct decode_result *out)
{
	int r, i;

	memset(out, 0, sizeof(*out));
	out->pass = 1;
	r = zbar_pass(d, img->px, img->w, img->h, out);
	for (i = 0; r == 0 && i < N_RETRIES; i++)
		r = retry(d, img, i, out);
	if (r < 0)
		return -1;
	if (r == 0)
		out->pass = 0;
	return (int)out->n;
}

int
decoder_scan_live(struct decoder *d, const struct image *img,
    struct decode_result *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->pass = 1;
	r = zbar_pass(d, img->px, img->w, img->h, out);
	if (r == 0) {
		r = retry(d, img, (int)d->next_retry, out);
		d->next_retry = (d->next_retry + 1) % N_RETRIES;
	}
	if (r < 0)
		return -1;
	if (r == 0)
		out->pass = 0;
	return (int)out->n;
}
