/*
 * fuzz_serial: the serial scanner's framing (serial_frame_feed and
 * serial_frame_idle) over any bytes, cut into reads of any sizes: every
 * scan handed out is bounded, NUL-terminated and holds no CR or LF.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "log.h"
#include "serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *out, int r)
{
	if (r <= 0)
		return;
	if ((size_t)r > SERIAL_MAX || out[r] != '\0' ||
	    memchr(out, '\r', (size_t)r) != NULL ||
	    memchr(out, '\n', (size_t)r) != NULL)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct serial_frame f;
	char out[SERIAL_MAX + 1];
	size_t off = 0;
	int64_t now = 0;
	int r;

	log_set_level(LOG_ERROR);
	serial_frame_init(&f);
	while (off < size) {
		/* The first byte of each piece says how long it is. */
		size_t k = 1 + data[off] % 200;

		off++;
		if (k > size - off)
			k = size - off;
		now += data[off - 1] & 0x80 ? SERIAL_GAP_MS : 1;
		r = serial_frame_feed(&f, data + off, k, now, out, sizeof(out));
		while (r != 0) {
			check(out, r);
			r = serial_frame_feed(&f, NULL, 0, now, out,
			    sizeof(out));
		}
		check(out, serial_frame_idle(&f, now, out, sizeof(out)));
		off += k;
	}
	serial_frame_wipe(&f);
	return 0;
}
