/*
 * checkin: one scan, start to finish, the same for the kiosk's camera,
 * its HID scanner, its keypad and `kioskctl checkin`:
 *
 *   parse and check the text (payload) -> seal the personal fields for the
 *   health authority (seal) -> record the visit durably (store)
 *
 * or count the refusal by reason (the text itself is forgotten). An
 * officer pass records a patrol inspection event instead of a visit.
 */
#ifndef KIOSK_CHECKIN_H
#define KIOSK_CHECKIN_H

#include <stddef.h>
#include <stdint.h>

#include "payload.h"
#include "reason.h"
#include "store.h"

struct config;
struct pass_trust;

enum checkin_result { CHECKIN_ACCEPTED, CHECKIN_DUPLICATE, CHECKIN_REJECTED };

struct checkin_ctx {
	struct store *store;
	const struct config *config;
	const struct pass_trust *trust;	/* NULL: passes refused */
};

struct checkin_out {
	enum checkin_result result;
	enum reason reason;		/* when rejected */
	enum payload_kind kind;		/* when not rejected */
	char display[256];		/* name or masked id for the screen */
	unsigned warnings;		/* PAYLOAD_WARN_* */
	int patrol;			/* an officer pass: open the patrol screen */
	int64_t seq;			/* the visit (or the earlier one) */
	enum store_dir dir;
	int64_t previous_ms;		/* duplicate: when first recorded */
};

/* checkin_source_valid(source): 1 if SOURCE is camera, scanner, keypad or phone. */
int checkin_source_valid(const char *source);

/* checkin_scan's NOW_MS: read the kiosk's own clock. */
#define CHECKIN_NOW 0

/*
 * checkin_scan(ctx, text, len, source, now_ms, out):
 * Handle one scanned or typed TEXT of LEN bytes from SOURCE. With NOW_MS
 * CHECKIN_NOW the kiosk's clock gives the time, and when it cannot be
 * trusted (clock.h) the visit is recorded all the same, flagged, to be
 * dated again once it can; another NOW_MS (`kioskctl checkin --at`) is
 * taken as the true time. Returns 0 with OUT->result accepted, duplicate
 * or rejected once that outcome is durable; -1 (logged) when the store
 * failed, in which case the visitor must be told to try again (what was
 * being written may or may not be there: see docs/store.md, "when the
 * disk fails at commit").
 */
int checkin_scan(const struct checkin_ctx *ctx, const char *text,
    size_t len, const char *source, int64_t now_ms,
    struct checkin_out *out);

#endif
