/*
 * camera: where frames come from, as grey images.
 *
 *   v4l2:/dev/videoN  a webcam through Video4Linux2 (mmap streaming), YUYV
 *                     or MJPEG at 640x480 or 1280x720
 *   dir:PATH          the PNG/JPEG files in PATH, in name order, one per
 *                     interval (demo and tests)
 *   none              no camera (scanner and keypad only)
 *
 * A camera that goes away (unplugged) makes camera_next() fail; the caller
 * closes it and opens it again until it is back.
 */
#ifndef KIOSK_CAMERA_H
#define KIOSK_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"

struct camera;

struct camera_opts {
	int width, height;	/* wanted size (v4l2); 0: 640x480 */
	int interval_ms;	/* dir: time between frames */
	int loop;		/* dir: start again after the last file */
};

/*
 * camera_open(spec, opts):
 * Open the source named by SPEC. Returns the camera (close with
 * camera_close), or NULL with a logged reason (no such device, not a
 * capture device, no supported format, empty folder, bad spec). "none"
 * returns NULL without a log line: check camera_spec_is_none() first.
 */
struct camera *camera_open(const char *spec, const struct camera_opts *opts);

/* camera_spec_is_none(spec): 1 if SPEC is "none". */
int camera_spec_is_none(const char *spec);

/* camera_spec_valid(spec): 1 if SPEC has a known form. */
int camera_spec_valid(const char *spec);

/*
 * camera_next(c, frame, timeout_ms):
 * Wait up to TIMEOUT_MS for the next frame and store it in *FRAME (resized
 * as needed; FRAME stays the caller's). Returns 1 with a frame, 0 when none
 * came in time, 2 when a dir source has no more files, -1 when the camera
 * failed or went away (logged).
 */
int camera_next(struct camera *c, struct image *frame, int timeout_ms);

/* camera_describe(c): "640x480 YUYV on /dev/video0" and the like. */
const char *camera_describe(const struct camera *c);

/* camera_close(c): stop and free C; NULL does nothing. */
void camera_close(struct camera *c);

/*
 * camera_yuyv_to_grey(src, len, w, h, frame):
 * The Y plane of a packed YUYV (YUY2) buffer of W x H into FRAME.
 * Returns 0, or -1 when LEN is short.
 */
int camera_yuyv_to_grey(const unsigned char *src, size_t len, int w, int h,
    struct image *frame);

/*
 * camera_mjpeg_to_grey(src, len, frame):
 * Decode one MJPEG frame (a JPEG, maybe without Huffman tables, as many
 * webcams send) into grey FRAME. Returns 0, or -1 on a corrupt frame.
 */
int camera_mjpeg_to_grey(const unsigned char *src, size_t len,
    struct image *frame);

/* Implementations, for camera.c only. */
struct camera *camera_v4l2_open(const char *dev, const struct camera_opts *o);
int camera_v4l2_next(struct camera *c, struct image *frame, int timeout_ms);
void camera_v4l2_close(struct camera *c);
const char *camera_v4l2_describe(const struct camera *c);

#endif
