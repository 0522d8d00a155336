/*
 * checkin: parse, seal, store. See checkin.h.
 */
#include "checkin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "config.h"
#include "ktime.h"
#include "log.h"
#include "seal.h"

int
checkin_source_valid(const char *source)
{
	static const char *const ok[] = { "camera", "scanner", "keypad",
	    "phone" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(source, ok[i]) == 0)
			return 1;
	return 0;
}

static int
record_inspection(const struct checkin_ctx *ctx, const struct payload *p,
    int64_t now_ms)
{
	char detail[128];
	int r;

	/* The officer's pass id and issuer: not a visitor's personal data. */
	r = snprintf(detail, sizeof(detail),
	    "{\"pass_id\":\"%s\",\"issuer\":\"%s\"}", p->id, p->issuer);
	if (r < 0 || (size_t)r >= sizeof(detail))
		return -1;
	log_info("patrol inspection by officer pass %s", p->id);
	return store_event(ctx->store, "inspection", detail, now_ms);
}

int
checkin_scan(const struct checkin_ctx *ctx, const char *text, size_t len,
    const char *source, int64_t now_ms, struct checkin_out *out)
{
	struct payload_opts opts = { now_ms, ctx->trust, 0 };
	struct clock_now clk;
	enum clock_verdict verdict;
	int64_t earliest;
	int given = now_ms != CHECKIN_NOW;
	struct store_checkin_req req;
	struct store_checkin_res res;
	struct payload p;
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	char *personal;
	char boot_id[STORE_BOOT_ID_LEN + 1];
	int ret = -1;

	memset(out, 0, sizeof(*out));
	/* A visitor is never refused for the kiosk's clock: while it cannot
	 * be trusted the visit is flagged, dated again later, and nothing is
	 * refused for a date that only a wrong clock puts in the future. */
	clock_read(&clk);
	verdict = CLOCK_TRUSTED;
	if (now_ms != CHECKIN_NOW) {
		clk.wall_ms = now_ms;	/* the caller's time, taken as true */
	} else {
		opts.now_ms = now_ms = clk.wall_ms;
		earliest = store_clock_observe(ctx->store, &clk, &verdict);
		if (earliest < 0)
			return -1;
	}
	if (verdict != CLOCK_TRUSTED) {
		opts.clock_untrusted = 1;
		opts.now_ms = earliest;
		log_info("the clock cannot be trusted (%s): the visit is "
		    "flagged and dated again once it can",
		    clock_verdict_name(verdict));
	}
	if (payload_parse(&opts, text, len, &p, &out->reason) != 0) {
		out->result = CHECKIN_REJECTED;
		log_info("scan from %s refused: %s", source,
		    reason_code(out->reason));
		return store_count_reject(ctx->store,
		    reason_code(out->reason), now_ms);
	}
	out->kind = p.kind;
	out->warnings = p.warnings;
	memcpy(out->display, p.display, sizeof(out->display));

	if (p.kind == PAYLOAD_OFFICER) {
		out->result = CHECKIN_ACCEPTED;
		out->patrol = 1;
		ret = record_inspection(ctx, &p, now_ms);
		goto done;
	}

	if (ctx->config->have_authority) {
		int has_fields;

		personal = payload_personal_json(&p);
		if (personal == NULL)
			goto done;
		has_fields = strcmp(personal, "{}") != 0;
		if (has_fields)
			sealed = seal_box(ctx->config->authority_pk, personal,
			    strlen(personal), &sealed_len);
		sodium_memzero(personal, strlen(personal));
		free(personal);
		if (has_fields && sealed == NULL)
			goto done;
	}
	/*
	 * Without an authority key nothing personal is kept at all: the
	 * subject id alone still serves tracing.
	 */

	memcpy(boot_id, clk.boot_id, sizeof(clk.boot_id));
	memset(&req, 0, sizeof(req));
	req.kind = payload_kind_name(p.kind);
	req.subject = p.id;
	req.sealed = sealed;
	req.sealed_len = sealed_len;
	req.source = source;
	req.wall_ms = now_ms;
	req.mono_ms = clk.boot_ms;
	req.boot_id = boot_id;
	req.window_ms = (int64_t)ctx->config->rescan_window_s * 1000;
	req.rescan = ctx->config->rescan;
	req.clock_untrusted = verdict != CLOCK_TRUSTED;
	req.time_given = given;
	if (store_checkin(ctx->store, &req, &res) != 0)
		goto done;
	out->result = res.outcome == STORE_DUPLICATE ? CHECKIN_DUPLICATE :
	    CHECKIN_ACCEPTED;
	out->seq = res.seq;
	out->dir = res.dir;
	out->previous_ms = res.previous_ms;
	ret = 0;
done:
	free(sealed);
	payload_wipe(&p);
	if (ret != 0)
		memset(out, 0, sizeof(*out));
	return ret;
}
