/*
 * clock: is the wall clock to be trusted. See clock.h.
 */
#include "clock.h"

#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#include "ktime.h"

#ifndef KIOSK_BUILD_EPOCH
#define KIOSK_BUILD_EPOCH 0
#endif

/* adjtimex()'s maxerror past this (in microseconds) is not synchronised:
 * the kernel's own limit (NTP_PHASE_LIMIT), never reached while NTP
 * disciplines the clock. */
#define MAX_ERROR_US 16000000L

/*
 * Who says the clock is synchronised. $KIOSK_TIMESYNC_FILE (tests, a
 * custom time daemon) names a marker file and is then the only word.
 * Else the kernel's: adjtimex() without STA_UNSYNC and with a bounded
 * maxerror (a clock set by hand, settimeofday, is unsynchronised until NTP
 * sets it again). Only where adjtimex() fails, systemd-timesyncd's marker
 * file. A marker file can be stale: it stays until reboot whatever is
 * done to the clock since, so clock_judge() lets a jump win over it.
 */
static enum clock_sync
sync_state(void)
{
	const char *f = getenv("KIOSK_TIMESYNC_FILE");
	struct timex tx;
	int st;

	if (f != NULL && *f != '\0')
		return access(f, F_OK) == 0 ? CLOCK_SYNC_MARKER :
		    CLOCK_SYNC_NONE;
	memset(&tx, 0, sizeof(tx));
	st = adjtimex(&tx);
	if (st != -1)
		return st != TIME_ERROR && !(tx.status & STA_UNSYNC) &&
		    tx.maxerror < MAX_ERROR_US ? CLOCK_SYNC_KERNEL :
		    CLOCK_SYNC_NONE;
	return access("/run/systemd/timesync/synchronized", F_OK) == 0 ?
	    CLOCK_SYNC_MARKER : CLOCK_SYNC_NONE;
}

void
clock_read(struct clock_now *out)
{
	memset(out, 0, sizeof(*out));
	out->sync = sync_state();
	out->wall_ms = ktime_wall_ms();
	out->boot_ms = ktime_mono_ms();
	ktime_boot_id(out->boot_id, sizeof(out->boot_id));
}

int64_t
clock_build_ms(void)
{
	return (int64_t)KIOSK_BUILD_EPOCH * 1000;
}

enum clock_verdict
clock_judge(const struct clock_now *now, const struct clock_memory *mem,
    int64_t build_ms)
{
	int64_t offset = now->wall_ms - now->boot_ms, moved;

	if (now->wall_ms < build_ms)
		return CLOCK_BEFORE_BUILD;
	/* The kernel's word is fresh: NTP disciplines the clock now. A time
	 * trusted before that reads later (a counter raised by a wrong
	 * time) is the one that is wrong (store_clock_observe repairs it). */
	if (now->sync == CLOCK_SYNC_KERNEL)
		return CLOCK_TRUSTED;
	/* Trusted earlier in this boot: still so while it keeps pace with
	 * the boot clock; a jump since wins over a marker file, which stays
	 * until reboot whatever is done to the clock. */
	if (mem->have_anchor) {
		moved = offset - mem->anchor_offset_ms;
		return moved > CLOCK_JUMP_MS || moved < -CLOCK_JUMP_MS ?
		    CLOCK_JUMPED : CLOCK_TRUSTED;
	}
	if (now->wall_ms < mem->last_trusted_ms - CLOCK_JUMP_MS)
		return CLOCK_BEHIND;
	return now->sync == CLOCK_SYNC_MARKER ? CLOCK_TRUSTED :
	    CLOCK_UNSYNCED;
}

int64_t
clock_earliest(const struct clock_now *now, const struct clock_memory *mem,
    int64_t build_ms)
{
	int64_t e = build_ms > mem->last_trusted_ms ? build_ms :
	    mem->last_trusted_ms;

	if (clock_judge(now, mem, build_ms) == CLOCK_TRUSTED)
		return now->wall_ms;
	return e;
}

const char *
clock_sync_name(enum clock_sync s)
{
	static const char *const names[] = { "none", "marker", "kernel" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    "?";
}

const char *
clock_verdict_name(enum clock_verdict v)
{
	static const char *const names[] = { "trusted", "unsynced",
	    "before_build", "behind", "jumped" };

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] :
	    "?";
}
