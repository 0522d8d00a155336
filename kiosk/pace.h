/*
 * pace: which camera frames are worth decoding.
 *
 * A webcam delivers 25-30 frames a second; at the door nothing happens
 * most of the time, and decoding every frame of a still scene kept a core
 * busy. Each frame gets a signature (its luma averaged over a 40 x 30
 * grid, from every other pixel of every other row: about 0.1 ms at
 * 640x480) compared with the last frame decoded:
 *
 *   - Something moved (a block's mean changed by more than PACE_DIFF
 *     levels) or a code was read in the last PACE_ACTIVE_MS: every frame
 *     is decoded, with the decoder's retry passes (a code is likely being
 *     held up). The latency of a read is what it was.
 *   - A still scene: a frame is decoded at most once every PACE_IDLE_MS,
 *     with the first passes only; the frames between are skipped.
 *
 * Pure and single-threaded (the scan thread's); tests/test_misc.c holds
 * it to this.
 */
#ifndef KIOSK_PACE_H
#define KIOSK_PACE_H

#include <stdint.h>

#include "image.h"

#define PACE_GRID_W 40
#define PACE_GRID_H 30
#define PACE_DIFF 10		/* grey levels, a block's mean */
#define PACE_ACTIVE_MS 1500
#define PACE_IDLE_MS 1000

enum pace_verdict {
	PACE_SKIP,	/* unchanged, idle: do not decode */
	PACE_QUICK,	/* idle: the first passes only */
	PACE_FULL	/* something in view: every pass, one retry */
};

struct pace {
	unsigned char last[PACE_GRID_W * PACE_GRID_H];
	int have_last, last_w, last_h;
	int64_t active_until;	/* monotonic ms */
	int64_t last_decode;
	uint64_t frames, decoded;
};

/* pace_init(p): a pace with no frame seen (the first is decoded). */
void pace_init(struct pace *p);

/*
 * pace_frame(p, img, now_ms):
 * What to do with IMG, arrived at NOW_MS (monotonic). A verdict other
 * than PACE_SKIP counts IMG as decoded (the next frames are compared
 * with it).
 */
enum pace_verdict pace_frame(struct pace *p, const struct image *img,
    int64_t now_ms);

/* pace_found(p, now_ms): a code was read: keep decoding every frame. */
void pace_found(struct pace *p, int64_t now_ms);

#endif
