/*
 * serial: a 2D barcode scanner in USB serial mode (CDC-ACM, /dev/ttyACM0).
 *
 * In keyboard mode a scanner emulates a US keyboard and cannot type
 * Vietnamese letters (ữ, Đ): every CCCD name with a tone mark arrives
 * broken. In serial mode it sends the code's bytes as they are. A scan
 * ends at CR or LF, or after a short quiet gap for scanners set to send
 * no terminator; empty scans (a CR LF pair) are skipped.
 *
 * serial_frame is the pure framing logic over (bytes, time), for tests;
 * serial_port is the device, opened in raw mode (termios) and read with a
 * timeout, so the thread that reads it can stop and reopen it.
 */
#ifndef KIOSK_SERIAL_H
#define KIOSK_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_MAX 2048		/* a longer scan is dropped, not cut */
#define SERIAL_GAP_MS 80	/* quiet this long ends a scan */

struct serial_frame {
	unsigned char line[SERIAL_MAX];	/* the scan so far */
	size_t len;
	int overflow;
	unsigned char in[1024];		/* bytes read, not yet framed */
	size_t in_len, in_pos;
	int64_t last_ms;
};

/* serial_frame_init(f): an empty framer. */
void serial_frame_init(struct serial_frame *f);

/*
 * serial_frame_feed(f, bytes, n, now_ms, out, size):
 * Add N BYTES (at most 512) that arrived at NOW_MS. When a scan is
 * complete (CR/LF seen), copy it NUL-terminated into OUT and return its
 * length; the bytes after the terminator stay for the next call (call
 * again with N = 0 until it returns 0). Returns 0 when no scan is
 * complete, -1 when a scan did not fit (it is dropped).
 */
int serial_frame_feed(struct serial_frame *f, const unsigned char *bytes,
    size_t n, int64_t now_ms, char *out, size_t size);

/*
 * serial_frame_idle(f, now_ms, out, size):
 * A scan with no terminator ends once the line was quiet SERIAL_GAP_MS:
 * same returns as serial_frame_feed().
 */
int serial_frame_idle(struct serial_frame *f, int64_t now_ms, char *out,
    size_t size);

/* serial_frame_wipe(f): forget what was collected (it may be personal). */
void serial_frame_wipe(struct serial_frame *f);

struct serial_port;

/*
 * serial_open(path):
 * Open the device PATH in raw mode, 115200 baud 8N1 (CDC-ACM ignores the
 * speed). Returns it (close with serial_close), or NULL with a logged
 * reason.
 */
struct serial_port *serial_open(const char *path);

/*
 * serial_read(p, timeout_ms, out, size):
 * Wait up to TIMEOUT_MS for a complete scan and copy it into OUT. Returns
 * its length, 0 on time-out, or -1 when the device went away (unplugged:
 * close it and open it again) or failed, logged. A scan too long for OUT
 * is dropped (logged) and reading goes on.
 */
int serial_read(struct serial_port *p, int timeout_ms, char *out,
    size_t size);

/* serial_close(p): close P; NULL does nothing. */
void serial_close(struct serial_port *p);

/* serial_spec_path(spec): the path of "serial:PATH", or NULL. */
const char *serial_spec_path(const char *spec);

#endif
