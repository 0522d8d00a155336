/*
 * hours: a venue's opening hours, as its owner writes them.
 *
 *   ""                                  open all the time (the default)
 *   "07:00-22:00"                       every day
 *   "07:00-11:00,13:00-22:00"           two ranges a day
 *   "mon-fri 07:00-22:00; sat,sun 08:00-23:30"   per weekday
 *   "18:00-02:00"                       past midnight: into the next day
 *
 * Days: mon tue wed thu fri sat sun, a range (mon-fri) or a list
 * (sat,sun); a group without days is every day. "24:00" ends a day. Kept
 * as a minute-by-minute week, in the venue's local time: heartbeat gaps
 * and "silent" count only while it is open.
 */
#ifndef KIOSK_HOURS_H
#define KIOSK_HOURS_H

#include <stddef.h>
#include <stdint.h>

#define HOURS_TEXT_MAX 127

struct hours {
	int always;				/* no hours given: always open */
	unsigned char open[7][1440 / 8];	/* [weekday, 0 Monday][minute] */
	int have_offset;			/* the venue's clock is UTC +
						 * offset_min (as its kiosk
						 * said), not this machine's */
	int offset_min;
};

/*
 * hours_parse(text, h, why): TEXT into *H. Returns 0, or -1 with *WHY
 * saying what is wrong and what is wanted.
 */
int hours_parse(const char *text, struct hours *h, const char **why);

/*
 * hours_open_at(h, ms): is the venue open at MS? 1 or 0. Its weekday and
 * time are the venue's (H->offset_min from UTC when have_offset), else
 * this machine's local time.
 */
int hours_open_at(const struct hours *h, int64_t ms);

/*
 * hours_open_ms(h, from, to): how long the venue is open in [FROM, TO)
 * (local time), in ms, to the minute.
 */
int64_t hours_open_ms(const struct hours *h, int64_t from, int64_t to);

#endif
