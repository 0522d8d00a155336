/*
 * image: 8-bit grey images, the form the decoder works on, loaded from
 * PNG or JPEG files (for `kioskctl decode` and the dir: camera source).
 */
#ifndef KIOSK_IMAGE_H
#define KIOSK_IMAGE_H

#include <stddef.h>

#define IMAGE_MAX_SIDE 8192

struct image {
	int w, h;		/* pixels; the stride is W */
	unsigned char *px;	/* W * H grey levels, owned by the image */
};

/*
 * image_load(path, out):
 * Load a PNG or JPEG file (told apart by its first bytes) as grey into
 * *OUT. Returns 0 (release *OUT with image_release), or -1 with a logged
 * reason (missing, not an image, larger than IMAGE_MAX_SIDE).
 */
int image_load(const char *path, struct image *out);

/*
 * image_init(img, w, h):
 * Give *IMG a new W x H pixel buffer (contents undefined). Returns 0, or -1
 * when out of memory or the size is out of range.
 */
int image_init(struct image *img, int w, int h);

/* image_release(img): free IMG's pixels; a released image is empty. */
void image_release(struct image *img);

/*
 * image_save_png(img, path):
 * Write IMG as a grey PNG. Returns 0, or -1 with a logged reason.
 */
int image_save_png(const struct image *img, const char *path);

#endif
