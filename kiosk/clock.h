/*
 * clock: can the kiosk's wall clock be trusted now? A Raspberry Pi has no
 * real-time clock: it boots in 1970, or at the time it last saved, until
 * NTP sets it; a dead battery or a hand set wrong does the rest. A visitor
 * is never refused because of the clock (checkin.c): a visit made while it
 * cannot be trusted is recorded with its boot id and time since boot and
 * a flag, and re-dated once the clock is trusted in that boot (store.h,
 * docs/store.md).
 *
 * The clock is trusted when the kernel says it is synchronised (NTP
 * disciplines it now), or when it still agrees with what was trusted
 * earlier in this boot, or, the first time in a boot, when a marker file
 * says it was synchronised. It is not when it reads earlier than this
 * program's build, or jumped against CLOCK_BOOTTIME since it was trusted
 * in this boot without the kernel's word (a marker file stays until
 * reboot, whatever is done to the clock since), or reads earlier than a
 * time the store already trusted.
 */
#ifndef KIOSK_CLOCK_H
#define KIOSK_CLOCK_H

#include <stdint.h>

#define CLOCK_BOOT_ID_LEN 36
/* How far the wall clock may move against the boot clock, or behind a
 * trusted time, before it counts as a jump. */
#define CLOCK_JUMP_MS (120 * 1000)

/* Who says the clock is synchronised (clock_read). */
enum clock_sync {
	CLOCK_SYNC_NONE,
	CLOCK_SYNC_MARKER,		/* a marker file: synchronised at some
					 * time in this boot (may be stale) */
	CLOCK_SYNC_KERNEL		/* adjtimex(): synchronised now */
};

struct clock_now {
	int64_t wall_ms;		/* CLOCK_REALTIME */
	int64_t boot_ms;		/* CLOCK_BOOTTIME: counts suspend */
	char boot_id[CLOCK_BOOT_ID_LEN + 1];
	enum clock_sync sync;
};

enum clock_verdict {
	CLOCK_TRUSTED,
	CLOCK_UNSYNCED,			/* never synchronised in this boot */
	CLOCK_BEFORE_BUILD,		/* earlier than this program */
	CLOCK_BEHIND,			/* earlier than a time already trusted */
	CLOCK_JUMPED			/* moved against the boot clock, no sync */
};

/* What the store remembers of trusted times (store_clock_state). */
struct clock_memory {
	int64_t last_trusted_ms;	/* the latest trusted wall time; 0 */
	int have_anchor;		/* this boot was trusted before */
	int64_t anchor_offset_ms;	/* then: wall - boot */
};

/*
 * clock_read(out): the clocks and the sync state, read together.
 * The sync state: with $KIOSK_TIMESYNC_FILE set, that marker file's
 * presence alone (how the tests and a custom time daemon say it); else
 * the kernel's adjtimex() state (STA_UNSYNC clear, maxerror under 16 s:
 * CLOCK_SYNC_KERNEL); only where adjtimex() fails, the presence of
 * /run/systemd/timesync/synchronized (CLOCK_SYNC_MARKER).
 */
void clock_read(struct clock_now *out);

/* clock_sync_name(s): "none", "marker", "kernel". */
const char *clock_sync_name(enum clock_sync s);

/* clock_build_ms(): when this program was built (KIOSK_BUILD_EPOCH). */
int64_t clock_build_ms(void);

/*
 * clock_judge(now, mem, build_ms):
 * The verdict on NOW given what the store remembers (a pure function):
 * before the build; else trusted on the kernel's word; else, when this
 * boot was trusted before, trusted while the clock keeps pace with that
 * anchor and jumped when it does not; else behind a time already
 * trusted; else trusted on a marker file's word, or unsynchronised.
 */
enum clock_verdict clock_judge(const struct clock_now *now,
    const struct clock_memory *mem, int64_t build_ms);

/*
 * clock_earliest(now, mem, build_ms):
 * The earliest the true time can be: the clock itself when trusted, else
 * the build time or the last trusted time, whichever is later. Checks
 * that must not refuse a visitor for the clock's sake (a pass's expiry)
 * use this; checks against the future use no bound at all.
 */
int64_t clock_earliest(const struct clock_now *now,
    const struct clock_memory *mem, int64_t build_ms);

/* clock_verdict_name(v): "trusted", "unsynced", "before_build", ... */
const char *clock_verdict_name(enum clock_verdict v);

#endif
