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

static int
synced(void)
{
	const char *f = getenv("KIOSK_TIMESYNC_FILE");
	struct timex tx;
	int st;

	if (f != NULL && *f != '\0')
		return access(f, F_OK) == 0;
	if (access("/run/systemd/timesync/synchronized", F_OK) == 0)
		return 1;
	memset(&tx, 0, sizeof(tx));
	st = adjtimex(&tx);
	return st != -1 && st != TIME_ERROR && !(tx.status & STA_UNSYNC);
}

void
clock_read(struct clock_now *out)
{
	memset(out, 0, sizeof(*out));
	out->synced = synced();
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
	if (now->wall_ms < mem->last_trusted_ms - CLOCK_JUMP_MS)
		return CLOCK_BEHIND;
	if (now->synced)
		return CLOCK_TRUSTED;
	if (!mem->have_anchor)
		return CLOCK_UNSYNCED;
	/* Trusted earlier in this boot: still so while it keeps pace with
	 * the boot clock. */
	moved = offset - mem->anchor_offset_ms;
	return moved > CLOCK_JUMP_MS || moved < -CLOCK_JUMP_MS ? CLOCK_JUMPED :
	    CLOCK_TRUSTED;
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
clock_verdict_name(enum clock_verdict v)
{
	static const char *const names[] = { "trusted", "unsynced",
	    "before_build", "behind", "jumped" };

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] :
	    "?";
}
