/*
 * decode: QR codes out of grey frames, with zbar and zxing-cpp (QR only).
 *
 * Both decoders hand back the bytes stored in the code (zbar in binary
 * mode), never a charset guess: whether the bytes are valid UTF-8 is the
 * payload layer's question, asked the same way for every source.
 *
 * A frame goes through a pipeline of passes: zxing-cpp on the frame and
 * on its inverse (dark-mode phones), then on a miss retries (zbar, zbar
 * on the centre upscaled for far codes). The default was chosen from `make bench`
 * figures (see decode.c); KIOSK_DECODE_PIPELINE overrides it (for the
 * bench). Each
 * frame's work is bounded by the number of passes, never by the content.
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
	int pass;				/* which pass read them (0 none) */
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
 * The camera's per-frame form of decoder_scan(): the passes run on every
 * frame and then only one retry, a different one each frame in turn, so
 * no frame costs more than about two passes and a code held up for three
 * frames gets every retry. Same returns as decoder_scan().
 */
int decoder_scan_live(struct decoder *d, const struct image *img,
    struct decode_result *out);

/*
 * decoder_scan_quick(d, img, out):
 * The first passes only, no retry: for a still scene checked now and then
 * (pace.h). Same returns as decoder_scan().
 */
int decoder_scan_quick(struct decoder *d, const struct image *img,
    struct decode_result *out);

/*
 * decoder_set_pipeline(d, spec):
 * Set D's passes from SPEC: comma-separated pass names, those before a '|'
 * run on every frame, those after it one per live frame in turn (all of
 * them in decoder_scan). Names: zbar, zxing, zxfast, zbar-inv, zxing-inv,
 * zbar-up2, zbar-up3, zxing-up2. Returns 0, or -1 (logged) leaving D as
 * it was.
 */
int decoder_set_pipeline(struct decoder *d, const char *spec);

/* decoder_pass_name(pass): the name of a decode_result's pass. */
const char *decoder_pass_name(int pass);

/* decode_result_release(r): free R's texts and empty it. */
void decode_result_release(struct decode_result *r);

#endif
