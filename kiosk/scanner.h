/*
 * scanner: telling a USB HID barcode scanner (a "keyboard wedge") from a
 * person at a keyboard. A scanner types a whole code in a burst, a few
 * milliseconds a character, and ends it with Enter or Tab; a person types
 * tens of times slower. Feed every typed character and terminator with its
 * time, whatever has the keyboard focus; a burst that ends in a terminator
 * is a scan.
 *
 * Pure logic over (character, time) pairs: the SDL layer feeds it, tests
 * feed it synthetic timings.
 */
#ifndef KIOSK_SCANNER_H
#define KIOSK_SCANNER_H

#include <stddef.h>
#include <stdint.h>

#define SCANNER_MAX 2048	/* longer bursts are dropped, not truncated */
#define SCANNER_MIN_LEN 4	/* shorter bursts are keys, not codes */
#define SCANNER_GAP_MS 50	/* a pause longer than this ends a burst */

struct scanner {
	char buf[SCANNER_MAX + 1];
	size_t len;
	int overflow;
	int64_t first_ms, last_ms;
};

/* scanner_init(s): an empty detector. */
void scanner_init(struct scanner *s);

/*
 * scanner_text(s, utf8, now_ms):
 * Typed text (one or more UTF-8 characters, as SDL_TEXTINPUT gives them)
 * at NOW_MS. A pause longer than SCANNER_GAP_MS first discards what was
 * collected: that was a person typing.
 */
void scanner_text(struct scanner *s, const char *utf8, int64_t now_ms);

/*
 * scanner_end(s, now_ms, out, size):
 * Enter or Tab at NOW_MS. If what came before was a fast burst of at least
 * SCANNER_MIN_LEN bytes, copy it NUL-terminated into OUT and return its
 * length; else return 0. Either way the detector is emptied. Returns -1
 * when the burst does not fit OUT.
 */
int scanner_end(struct scanner *s, int64_t now_ms, char *out, size_t size);

#endif
