/*
 * decode: QR codes out of grey frames, with zbar set for QR only.
 *
 * One pass of zbar reads most codes; where it reads nothing, cheaper-first
 * retries follow: the inverted frame (phones in dark mode), then a 2x
 * upscale when the frame is small (a far-away code). Each frame's work is
 * bounded by the number of retries, never by the content.
 *
 * Not thread-safe per decoder: give each thread its own.
 */
#ifndef KIOSK_DECODE_H
#define KIOSK_DECODE_H

#include <stddef.h>

#include "image.h"

#define DECODE_MAX_TEXTS 8
#define DECODE_TEXT_MAX 4096

struct decoder;

struct decode_result {
	size_t n;				/* texts found */
	char *texts[DECODE_MAX_TEXTS];		/* each NUL-terminated, owned */
	size_t lens[DECODE_MAX_TEXTS];		/* bytes (a text may hold NUL) */
	int pass;				/* which pass read them */
};

/*
 * decoder_new():
 * A decoder (free with decoder_free), or NULL with a logged reason.
 */
struct decoder *decoder_new(void);

/* decoder_free(d): free D; NULL does nothing. */
void decoder_free(struct decoder *d);

/*
 * decoder_scan(d, img, out):
 * Find the QR codes in IMG. Fills *OUT (release with
 * decode_result_release) and returns the number of texts, 0 when none, or
 * -1 when out of memory.
 */
int decoder_scan(struct decoder *d, const struct image *img,
    struct decode_result *out);

/*
 * decoder_scan_live(d, img, out):
 * The camera's per-frame form of decoder_scan(): the plain pass and then
 * only one retry, a different one each frame in turn, so no frame costs
 * more than about two passes and a code held up for three frames gets
 * every retry. Same returns as decoder_scan().
 */
int decoder_scan_live(struct decoder *d, const struct image *img,
    struct decode_result *out);

/* decode_result_release(r): free R's texts and empty it. */
void decode_result_release(struct decode_result *r);

#endif
