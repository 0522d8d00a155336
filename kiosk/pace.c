/*
 * pace: which camera frames are worth decoding. See pace.h.
 */
#include "pace.h"

#include <stdlib.h>
#include <string.h>

void
pace_init(struct pace *p)
{
	memset(p, 0, sizeof(*p));
}

/* IMG's luma averaged over the grid, from every other pixel and row. */
static void
signature(const struct image *img, unsigned char *sig)
{
	int gx, gy;

	for (gy = 0; gy < PACE_GRID_H; gy++) {
		int y0 = gy * img->h / PACE_GRID_H;
		int y1 = (gy + 1) * img->h / PACE_GRID_H;

		for (gx = 0; gx < PACE_GRID_W; gx++) {
			int x0 = gx * img->w / PACE_GRID_W;
			int x1 = (gx + 1) * img->w / PACE_GRID_W;
			unsigned sum = 0, n = 0;
			int x, y;

			for (y = y0; y < y1; y += 2) {
				const unsigned char *row = img->px +
				    (size_t)y * (size_t)img->w;

				for (x = x0; x < x1; x += 2) {
					sum += row[x];
					n++;
				}
			}
			sig[gy * PACE_GRID_W + gx] = (unsigned char)(n ? sum /
			    n : 0);
		}
	}
}

enum pace_verdict
pace_frame(struct pace *p, const struct image *img, int64_t now_ms)
{
	unsigned char sig[PACE_GRID_W * PACE_GRID_H];
	int changed = !p->have_last || img->w != p->last_w ||
	    img->h != p->last_h;
	size_t i;

	p->frames++;
	if (img->w < PACE_GRID_W || img->h < PACE_GRID_H) {
		/* Too small to judge: always worth the decode. */
		p->decoded++;
		p->last_decode = now_ms;
		return PACE_FULL;
	}
	signature(img, sig);
	for (i = 0; !changed && i < sizeof(sig); i++)
		changed = abs((int)sig[i] - (int)p->last[i]) > PACE_DIFF;
	if (changed)
		p->active_until = now_ms + PACE_ACTIVE_MS;
	if (now_ms >= p->active_until && p->have_last &&
	    now_ms - p->last_decode < PACE_IDLE_MS)
		return PACE_SKIP;
	memcpy(p->last, sig, sizeof(sig));
	p->have_last = 1;
	p->last_w = img->w;
	p->last_h = img->h;
	p->last_decode = now_ms;
	p->decoded++;
	return now_ms < p->active_until ? PACE_FULL : PACE_QUICK;
}

void
pace_found(struct pace *p, int64_t now_ms)
{
	if (p->active_until < now_ms + PACE_ACTIVE_MS)
		p->active_until = now_ms + PACE_ACTIVE_MS;
}
