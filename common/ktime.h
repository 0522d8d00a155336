/*
 * ktime: the clocks a visit records (wall time, boot id, time since boot)
 * and the text forms of times used on command lines and in exports.
 *
 * Wall time can jump (NTP, a dead RTC battery); the boot id and the
 * monotonic time since boot let the collector order records from one boot
 * even when the wall clock is wrong.
 */
#ifndef KIOSK_KTIME_H
#define KIOSK_KTIME_H

#include <stddef.h>
#include <stdint.h>

/* The last second of year 9999 (UTC): the latest time a text may say. */
#define KTIME_MAX_SECONDS INT64_C(253402300799)

/* ktime_wall_ms(): milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t ktime_wall_ms(void);

/* ktime_mono_ms(): milliseconds since boot, counting suspend (CLOCK_BOOTTIME). */
int64_t ktime_mono_ms(void);

/*
 * ktime_boot_id(buf, size):
 * Copy the kernel's boot id (36 characters) into BUF. Where the kernel has
 * none, a random id made once per process is used. Returns 0, or -1 if BUF
 * is too small.
 */
int ktime_boot_id(char *buf, size_t size);

/*
 * ktime_parse(text, out_ms):
 * Parse TEXT as Unix seconds ("1700000000"), a date ("2026-11-22", local
 * midnight) or an ISO 8601 time ("2026-11-22T08:30", "...:15",
 * "...Z", "...+07:00"; local time when no zone is given) into *OUT_MS.
 * Returns 0, or -1 if TEXT is none of these.
 */
int ktime_parse(const char *text, int64_t *out_ms);

/*
 * ktime_format(ms, buf, size):
 * Write MS as local ISO 8601 with its offset, "2026-11-22T08:30:15+07:00".
 * Returns 0, or -1 if BUF is too small.
 */
int ktime_format(int64_t ms, char *buf, size_t size);

/*
 * ktime_local_day(ms, out_y, out_m, out_d):
 * The local calendar date of MS.
 */
void ktime_local_day(int64_t ms, int *out_y, int *out_m, int *out_d);

/*
 * ktime_day_start(ms):
 * The local midnight that starts the day holding MS, in milliseconds.
 */
int64_t ktime_day_start(int64_t ms);

#endif
