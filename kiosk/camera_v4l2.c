/*
 * camera_v4l2: webcam capture through Video4Linux2, mmap streaming.
 *
 * Asks for YUYV first (no decode cost: the Y plane is the grey frame),
 * then MJPEG (what most webcams give at 1280x720), at the wanted size or
 * whatever the driver offers nearest. A device that disappears (ENODEV,
 * EIO) makes camera_v4l2_next() return -1; the kiosk reopens it.
 */
#include "camera.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/videodev2.h>

#include "log.h"

#define NBUF 4

struct v4l2_cam {
	int kind;		/* must match struct camera's first field */
	int fd;
	char dev[256];
	unsigned fourcc;
	int w, h;
	int streaming;
	struct {
		void *p;
		size_t len;
	} buf[NBUF];
	unsigned nbuf;
	char desc[128];
};

static int
xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

static int
try_format(struct v4l2_cam *c, unsigned fourcc, int w, int h)
{
	struct v4l2_format f;

	memset(&f, 0, sizeof(f));
	f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	f.fmt.pix.width = (unsigned)w;
	f.fmt.pix.height = (unsigned)h;
	f.fmt.pix.pixelformat = fourcc;
	f.fmt.pix.field = V4L2_FIELD_ANY;
	if (xioctl(c->fd, VIDIOC_S_FMT, &f) != 0 ||
	    f.fmt.pix.pixelformat != fourcc)
		return -1;
	c->fourcc = fourcc;
	c->w = (int)f.fmt.pix.width;
	c->h = (int)f.fmt.pix.height;
	return 0;
}

const char *
camera_v4l2_describe(const struct camera *cam)
{
	return ((const struct v4l2_cam *)(const void *)cam)->desc;
}

void
camera_v4l2_close(struct camera *cam)
{
	struct v4l2_cam *c = (struct v4l2_cam *)(void *)cam;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	unsigned i;

	if (c == NULL)
		return;
	if (c->streaming)
		(void)xioctl(c->fd, VIDIOC_STREAMOFF, &type);
	for (i = 0; i < c->nbuf; i++)
		if (c->buf[i].p != NULL && c->buf[i].p != MAP_FAILED)
			munmap(c->buf[i].p, c->buf[i].len);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

struct camera *
camera_v4l2_open(const char *dev, const struct camera_opts *o)
{
	struct v4l2_requestbuffers req;
	struct v4l2_capability cap;
	enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	struct v4l2_cam *c;
	int w = o && o->width ? o->width : 640;
	int h = o && o->height ? o->height : 480;
	unsigned i;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->kind = 1;	/* CAM_V4L2 */
	snprintf(c->dev, sizeof(c->dev), "%s", dev);
	c->fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (c->fd < 0) {
		log_error("camera %s: %s", dev, strerror(errno));
		goto err;
	}
	if (xioctl(c->fd, VIDIOC_QUERYCAP, &cap) != 0) {
		log_error("camera %s: not a V4L2 device: %s", dev,
		    strerror(errno));
		goto err;
	}
	{
		unsigned caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ?
		    cap.device_caps : cap.capabilities;

		if (!(caps & V4L2_CAP_VIDEO_CAPTURE) ||
		    !(caps & V4L2_CAP_STREAMING)) {
			log_error("camera %s (%s) cannot stream video "
			    "capture", dev, cap.card);
			goto err;
		}
	}
	if (try_format(c, V4L2_PIX_FMT_YUYV, w, h) != 0 &&
	    try_format(c, V4L2_PIX_FMT_MJPEG, w, h) != 0) {
		log_error("camera %s (%s) offers neither YUYV nor MJPEG", dev,
		    cap.card);
		goto err;
	}

	memset(&req, 0, sizeof(req));
	req.count = NBUF;
	req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.memory = V4L2_MEMORY_MMAP;
	if (xioctl(c->fd, VIDIOC_REQBUFS, &req) != 0 || req.count < 2) {
		log_error("camera %s: cannot get capture buffers: %s", dev,
		    strerror(errno));
		goto err;
	}
	c->nbuf = req.count > NBUF ? NBUF : req.count;
	for (i = 0; i < c->nbuf; i++) {
		struct v4l2_buffer b;

		memset(&b, 0, sizeof(b));
		b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		b.memory = V4L2_MEMORY_MMAP;
		b.index = i;
		if (xioctl(c->fd, VIDIOC_QUERYBUF, &b) != 0)
			goto err_io;
		c->buf[i].len = b.length;
		c->buf[i].p = mmap(NULL, b.length, PROT_READ | PROT_WRITE,
		    MAP_SHARED, c->fd, b.m.offset);
		if (c->buf[i].p == MAP_FAILED)
			goto err_io;
		if (xioctl(c->fd, VIDIOC_QBUF, &b) != 0)
			goto err_io;
	}
	if (xioctl(c->fd, VIDIOC_STREAMON, &type) != 0)
		goto err_io;
	c->streaming = 1;
	snprintf(c->desc, sizeof(c->desc), "%dx%d %s on %s (%s)", c->w, c->h,
	    c->fourcc == V4L2_PIX_FMT_YUYV ? "YUYV" : "MJPEG", dev, cap.card);
	log_info("camera: %s", c->desc);
	return (struct camera *)(void *)c;
err_io:
	log_error("camera %s: %s", dev, strerror(errno));
err:
	camera_v4l2_close((struct camera *)(void *)c);
	return NULL;
}

int
camera_v4l2_next(struct camera *cam, struct image *frame, int timeout_ms)
{
	struct v4l2_cam *c = (struct v4l2_cam *)(void *)cam;
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	struct v4l2_buffer b;
	int r, ok;

	r = poll(&pfd, 1, timeout_ms);
	if (r < 0 && errno == EINTR)
		return 0;
	if (r == 0)
		return 0;
	if (r < 0 || (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) {
		log_error("camera %s went away", c->dev);
		return -1;
	}
	memset(&b, 0, sizeof(b));
	b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	b.memory = V4L2_MEMORY_MMAP;
	if (xioctl(c->fd, VIDIOC_DQBUF, &b) != 0) {
		if (errno == EAGAIN)
			return 0;
		log_error("camera %s: %s", c->dev, strerror(errno));
		return -1;
	}
	if (b.index >= c->nbuf)
		return -1;
	if (c->fourcc == V4L2_PIX_FMT_YUYV)
		ok = camera_yuyv_to_grey(c->buf[b.index].p, b.bytesused, c->w,
		    c->h, frame) == 0;
	else
		ok = camera_mjpeg_to_grey(c->buf[b.index].p, b.bytesused,
		    frame) == 0;
	if (xioctl(c->fd, VIDIOC_QBUF, &b) != 0) {
		log_error("camera %s: %s", c->dev, strerror(errno));
		return -1;
	}
	return ok ? 1 : 0;	/* a corrupt frame is dropped */
}
