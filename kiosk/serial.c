/*
 * serial: a scanner in USB serial mode. See serial.h.
 */
#include "serial.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "ktime.h"
#include "log.h"

void
serial_frame_init(struct serial_frame *f)
{
	memset(f, 0, sizeof(*f));
}

void
serial_frame_wipe(struct serial_frame *f)
{
	sodium_memzero(f, sizeof(*f));
}

/* Hand out the collected line (or drop it), and empty it. */
static int
emit(struct serial_frame *f, char *out, size_t size)
{
	int r;

	if (f->overflow || f->len + 1 > size) {
		log_warn("serial scanner: a scan longer than %zu bytes was "
		    "dropped", size - 1);
		r = -1;
	} else {
		memcpy(out, f->line, f->len);
		out[f->len] = '\0';
		r = (int)f->len;
	}
	sodium_memzero(f->line, f->len);
	f->len = 0;
	f->overflow = 0;
	return r;
}

int
serial_frame_feed(struct serial_frame *f, const unsigned char *bytes,
    size_t n, int64_t now_ms, char *out, size_t size)
{
	if (n > 0) {
		if (f->in_pos > 0) {
			memmove(f->in, f->in + f->in_pos, f->in_len - f->in_pos);
			f->in_len -= f->in_pos;
			f->in_pos = 0;
		}
		if (n > sizeof(f->in) - f->in_len) {
			log_warn("serial scanner: input not drained; %zu bytes "
			    "dropped", n);
			return -1;
		}
		memcpy(f->in + f->in_len, bytes, n);
		f->in_len += n;
		f->last_ms = now_ms;
	}
	while (f->in_pos < f->in_len) {
		unsigned char c = f->in[f->in_pos];

		f->in[f->in_pos++] = 0;
		if (c == '\r' || c == '\n') {
			if (f->len > 0 || f->overflow)
				return emit(f, out, size);
			continue;	/* an empty line: the LF of CR LF */
		}
		if (f->len == SERIAL_MAX)
			f->overflow = 1;
		else
			f->line[f->len++] = c;
	}
	f->in_pos = f->in_len = 0;
	return 0;
}

int
serial_frame_idle(struct serial_frame *f, int64_t now_ms, char *out,
    size_t size)
{
	if ((f->len == 0 && !f->overflow) || f->in_pos < f->in_len ||
	    now_ms - f->last_ms < SERIAL_GAP_MS)
		return 0;
	return emit(f, out, size);
}

struct serial_port {
	int fd;
	char path[256];
	struct serial_frame frame;
};

const char *
serial_spec_path(const char *spec)
{
	if (spec == NULL || strncmp(spec, "serial:", 7) != 0 || spec[7] == '\0')
		return NULL;
	return spec + 7;
}

struct serial_port *
serial_open(const char *path)
{
	struct serial_port *p;
	struct termios tio;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	if ((size_t)snprintf(p->path, sizeof(p->path), "%s", path) >=
	    sizeof(p->path)) {
		log_error("serial scanner '%s': path too long", path);
		free(p);
		return NULL;
	}
	p->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (p->fd < 0) {
		log_warn("serial scanner '%s': %s", path, strerror(errno));
		free(p);
		return NULL;
	}
	if (tcgetattr(p->fd, &tio) != 0) {
		log_error("serial scanner '%s' is not a serial line: %s", path,
		    strerror(errno));
		close(p->fd);
		free(p);
		return NULL;
	}
	cfmakeraw(&tio);
	cfsetispeed(&tio, B115200);
	cfsetospeed(&tio, B115200);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(p->fd, TCSANOW, &tio) != 0) {
		log_error("serial scanner '%s': cannot set raw mode: %s", path,
		    strerror(errno));
		close(p->fd);
		free(p);
		return NULL;
	}
	(void)tcflush(p->fd, TCIFLUSH);
	serial_frame_init(&p->frame);
	return p;
}

int
serial_read(struct serial_port *p, int timeout_ms, char *out, size_t size)
{
	int64_t end = ktime_mono_ms() + timeout_ms;
	unsigned char buf[512];
	int r;

	do
		r = serial_frame_feed(&p->frame, NULL, 0, ktime_mono_ms(), out,
		    size);
	while (r < 0);
	if (r > 0)
		return r;
	for (;;) {
		struct pollfd pfd = { p->fd, POLLIN, 0 };
		int64_t now = ktime_mono_ms(), wait = end - now;
		ssize_t n;

		/* A scan with no terminator: wake for the quiet gap. */
		if (p->frame.len > 0 && wait > SERIAL_GAP_MS)
			wait = SERIAL_GAP_MS;
		if (wait < 0)
			wait = 0;
		r = poll(&pfd, 1, (int)wait);
		now = ktime_mono_ms();
		if (r < 0 && errno != EINTR) {
			log_error("serial scanner '%s': %s", p->path,
			    strerror(errno));
			return -1;
		}
		if (r > 0 && (pfd.revents & POLLIN)) {
			n = read(p->fd, buf, sizeof(buf));
			if (n > 0) {
				r = serial_frame_feed(&p->frame, buf,
				    (size_t)n, now, out, size);
				sodium_memzero(buf, (size_t)n);
				/* A scan too long was dropped (logged): the
				 * line goes on, and so do the scans after. */
				while (r < 0)
					r = serial_frame_feed(&p->frame, NULL,
					    0, now, out, size);
				if (r > 0)
					return r;
				continue;
			}
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			log_warn("serial scanner '%s' went away: %s", p->path,
			    n == 0 ? "end of file" : strerror(errno));
			return -1;
		}
		if (r > 0 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))) {
			log_warn("serial scanner '%s' went away (unplugged?)",
			    p->path);
			return -1;
		}
		r = serial_frame_idle(&p->frame, now, out, size);
		if (r > 0)
			return r;
		if (now >= end)
			return 0;
	}
}

void
serial_close(struct serial_port *p)
{
	if (p == NULL)
		return;
	close(p->fd);
	serial_frame_wipe(&p->frame);
	free(p);
}
