/*
 * camera: source dispatch, the dir: source and pixel conversions. The
 * V4L2 source is in camera_v4l2.c. See camera.h.
 */
#include "camera.h"
#include "dynbuf.h"

#include <dirent.h>
#include <sys/stat.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jpeglib.h>

#include "ktime.h"
#include "log.h"

enum kind { CAM_DIR = 0, CAM_V4L2 = 1 };

/* The dir: source keeps decoded frames in memory up to this much, when
 * it loops (a demo, a bench); a single pass reads each file once anyway. */
#define DIR_CACHE_BYTES (64u << 20)

/* The dir: source. A V4L2 camera is a different struct (camera_v4l2.c)
 * that starts with the same KIND field. */
struct camera {
	enum kind kind;
	char *path;
	char **files;
	struct image *frames;	/* each file decoded once, as loaded */
	size_t *same;		/* the first file that is the same file
				 * (hard links: one frame in memory) */
	size_t cached_bytes;
	size_t n, next;
	int interval_ms, loop;
	int64_t due_ms;
	char desc[128];
};

int
camera_spec_is_none(const char *spec)
{
	return strcmp(spec, "none") == 0;
}

int
camera_spec_valid(const char *spec)
{
	return camera_spec_is_none(spec) ||
	    (strncmp(spec, "dir:", 4) == 0 && spec[4] != '\0') ||
	    (strncmp(spec, "v4l2:", 5) == 0 && spec[5] != '\0');
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
is_image_name(const char *n)
{
	const char *dot = strrchr(n, '.');

	return dot != NULL && (strcasecmp(dot, ".png") == 0 ||
	    strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0);
}

static struct camera *
dir_open(const char *path, const struct camera_opts *o)
{
	struct camera *c = calloc(1, sizeof(*c));
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	if (c == NULL)
		return NULL;
	c->kind = CAM_DIR;
	c->interval_ms = o ? o->interval_ms : 1000;
	c->loop = o ? o->loop : 0;
	d = opendir(path);
	if (d == NULL) {
		log_error("camera dir:%s: %s", path, strerror(errno));
		free(c);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		char *full;

		if (de->d_name[0] == '.' || !is_image_name(de->d_name))
			continue;
		if (dynbuf_grow(&c->files, &cap, c->n + 1,
		    sizeof(*c->files), 1u << 20) != 0)
			break;
		if (asprintf(&full, "%s/%s", path, de->d_name) < 0)
			break;
		c->files[c->n++] = full;
	}
	closedir(d);
	if (c->n == 0) {
		log_error("camera dir:%s: no PNG or JPEG files", path);
		camera_close(c);
		return NULL;
	}
	qsort(c->files, c->n, sizeof(*c->files), cmp_str);
	c->frames = calloc(c->n, sizeof(*c->frames));
	c->same = calloc(c->n, sizeof(*c->same));
	if (c->frames == NULL || c->same == NULL) {
		camera_close(c);
		return NULL;
	}
	{
		struct stat *st = calloc(c->n, sizeof(*st));
		size_t i, j;

		for (i = 0; i < c->n; i++) {
			c->same[i] = i;
			if (st == NULL || stat(c->files[i], &st[i]) != 0)
				continue;
			for (j = 0; j < i; j++)
				if (st[j].st_ino == st[i].st_ino &&
				    st[j].st_dev == st[i].st_dev &&
				    st[j].st_ino != 0) {
					c->same[i] = c->same[j];
					break;
				}
		}
		free(st);
	}
	snprintf(c->desc, sizeof(c->desc), "%zu images from %s", c->n, path);
	c->due_ms = ktime_mono_ms();
	return c;
}

static int
dir_next(struct camera *c, struct image *frame, int timeout_ms)
{
	int64_t now = ktime_mono_ms();
	struct image img;
	size_t i, size;

	if (c->next == c->n) {
		if (!c->loop)
			return 2;
		c->next = 0;
	}
	if (c->due_ms > now) {
		int64_t wait = c->due_ms - now;

		if (wait > timeout_ms) {
			struct timespec ts = { timeout_ms / 1000,
			    (long)(timeout_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
			return 0;
		} else {
			struct timespec ts = { (time_t)(wait / 1000),
			    (long)(wait % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
	}
	c->due_ms = ktime_mono_ms() + c->interval_ms;
	i = c->same[c->next++];
	if (c->frames[i].px != NULL) {
		/* Replayed from memory, as a webcam hands over a buffer: what
		 * the kiosk does with frames is measured, not PNG decoding. */
		if (frame->w != c->frames[i].w || frame->h != c->frames[i].h) {
			image_release(frame);
			if (image_init(frame, c->frames[i].w,
			    c->frames[i].h) != 0)
				return 0;
		}
		memcpy(frame->px, c->frames[i].px, (size_t)frame->w *
		    (size_t)frame->h);
		return 1;
	}
	if (image_load(c->files[i], &img) != 0)
		return 0;	/* a bad file is skipped, logged */
	size = (size_t)img.w * (size_t)img.h;
	if (c->loop && c->cached_bytes + size <= DIR_CACHE_BYTES &&
	    image_init(&c->frames[i], img.w, img.h) == 0) {
		memcpy(c->frames[i].px, img.px, size);
		c->cached_bytes += size;
	}
	image_release(frame);
	*frame = img;
	return 1;
}

struct camera *
camera_open(const char *spec, const struct camera_opts *opts)
{
	if (strncmp(spec, "dir:", 4) == 0)
		return dir_open(spec + 4, opts);
	if (strncmp(spec, "v4l2:", 5) == 0)
		return camera_v4l2_open(spec + 5, opts);
	if (!camera_spec_is_none(spec))
		log_error("unknown camera '%s': want v4l2:/dev/videoN, "
		    "dir:PATH or none", spec);
	return NULL;
}

int
camera_next(struct camera *c, struct image *frame, int timeout_ms)
{
	if (c->kind == CAM_V4L2)
		return camera_v4l2_next(c, frame, timeout_ms);
	return dir_next(c, frame, timeout_ms);
}

const char *
camera_describe(const struct camera *c)
{
	if (c->kind == CAM_V4L2)
		return camera_v4l2_describe(c);
	return c->desc;
}

void
camera_close(struct camera *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->kind == CAM_V4L2) {
		camera_v4l2_close(c);
		return;
	}
	for (i = 0; i < c->n; i++) {
		free(c->files[i]);
		if (c->frames != NULL)
			image_release(&c->frames[i]);
	}
	free(c->files);
	free(c->frames);
	free(c->same);
	free(c);
}

/* Make FRAME W x H, reusing its buffer when the size is the same. */
static int
frame_size(struct image *frame, int w, int h)
{
	if (frame->px != NULL && frame->w == w && frame->h == h)
		return 0;
	image_release(frame);
	return image_init(frame, w, h);
}

int
camera_yuyv_to_grey(const unsigned char *src, size_t len, int w, int h,
    struct image *frame)
{
	size_t i, n = (size_t)w * (size_t)h;

	if (len < n * 2 || frame_size(frame, w, h) != 0)
		return -1;
	for (i = 0; i < n; i++)
		frame->px[i] = src[2 * i];	/* Y0 U Y1 V */
	return 0;
}

/*
 * Many webcams leave the standard Huffman tables out of MJPEG frames
 * (AVI1); libjpeg-turbo's decoder fills in the standard ones itself when a
 * frame has none, so no table is spliced in here.
 */
struct mjpeg_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
};

static void
mjpeg_fail(j_common_ptr cinfo)
{
	longjmp(((struct mjpeg_err *)cinfo->err)->jump, 1);
}

static void
mjpeg_quiet(j_common_ptr cinfo, int level)
{
	(void)cinfo;
	(void)level;	/* corrupt-data warnings: the frame is dropped or used */
}

int
camera_mjpeg_to_grey(const unsigned char *src, size_t len,
    struct image *frame)
{
	struct jpeg_decompress_struct cinfo;
	struct mjpeg_err jerr;
	JSAMPROW row;

	cinfo.err = jpeg_std_error(&jerr.mgr);
	jerr.mgr.error_exit = mjpeg_fail;
	jerr.mgr.emit_message = mjpeg_quiet;
	if (setjmp(jerr.jump)) {
		jpeg_destroy_decompress(&cinfo);
		return -1;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, src, (unsigned long)len);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.out_color_space = JCS_GRAYSCALE;
	cinfo.dct_method = JDCT_IFAST;
	if (cinfo.image_width > IMAGE_MAX_SIDE ||
	    cinfo.image_height > IMAGE_MAX_SIDE ||
	    frame_size(frame, (int)cinfo.image_width,
	    (int)cinfo.image_height) != 0) {
		jpeg_destroy_decompress(&cinfo);
		return -1;
	}
	jpeg_start_decompress(&cinfo);
	while (cinfo.output_scanline < cinfo.output_height) {
		row = frame->px + (size_t)cinfo.output_scanline *
		    (size_t)frame->w;
		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	return 0;
}
