/*
 * store_sync: what uploads need from the store (store.h): visits in seq
 * order, marking them uploaded once acknowledged, setting aside the rows
 * the collector refused and putting them back, and the clock: the boots'
 * anchors and the re-dating of visits recorded while the clock could not
 * be trusted. The check-in path is store.c.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ktime.h"
#include "log.h"
#include "store_impl.h"

static int
foreach_visit_once(struct store *s, int64_t from_ms, int64_t to_ms,
    enum store_which which,
    int (*fn)(void *ctx, const struct store_visit *v), void *ctx,
    int *called)
{
	static const char *const where[] = {
		[STORE_ALL] = "",
		[STORE_PENDING] = ("uploaded_ms IS NULL AND quarantined_ms IS "
		    "NULL AND "),
		[STORE_UNSENT] = "uploaded_ms IS NULL AND "
	};
	struct store_visit v;
	sqlite3_stmt *st;
	char sql[512];
	const char *d;
	int rc = SQLITE_DONE, stop = 0;

	snprintf(sql, sizeof(sql), "SELECT seq, instance_id, kind, subject, "
	    "sealed, direction, wall_ms, boot_id, mono_ms, source, "
	    "uploaded_ms, clock, quarantined_ms, quarantine_reason, "
	    "origin_instance, coalesce(origin_seq, 0) FROM visits "
	    "WHERE %swall_ms >= ?1 AND wall_ms < ?2 ORDER BY seq", where[which]);
	st = store_prepare(s, sql);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		v.seq = sqlite3_column_int64(st, 0);
		v.instance_id = (const char *)sqlite3_column_text(st, 1);
		v.kind = (const char *)sqlite3_column_text(st, 2);
		v.subject = (const char *)sqlite3_column_text(st, 3);
		v.sealed = sqlite3_column_blob(st, 4);
		v.sealed_len = (size_t)sqlite3_column_bytes(st, 4);
		d = (const char *)sqlite3_column_text(st, 5);
		v.dir = (d && strcmp(d, "out") == 0) ? STORE_OUT : STORE_IN;
		v.wall_ms = sqlite3_column_int64(st, 6);
		v.boot_id = (const char *)sqlite3_column_text(st, 7);
		v.mono_ms = sqlite3_column_int64(st, 8);
		v.source = (const char *)sqlite3_column_text(st, 9);
		v.uploaded_ms = sqlite3_column_int64(st, 10);
		v.clock_untrusted = sqlite3_column_int(st, 11) == 1;
		v.quarantined_ms = sqlite3_column_int64(st, 12);
		v.quarantine_reason = (const char *)sqlite3_column_text(st, 13);
		v.origin_instance = (const char *)sqlite3_column_text(st, 14);
		v.origin_seq = sqlite3_column_int64(st, 15);
		(*called)++;
		stop = fn(ctx, &v);
	}
	if (!stop && rc != SQLITE_DONE) {
		store_sql_error(s, "read visits");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return stop;
}

/*
 * Run SQL (with ?1 the seq, ?2 ARG, ?3 the row's text) for each of the N
 * SEQS in one transaction, with an event KIND when EVENT; returns how
 * many rows changed, or -1 (logged as WHAT).
 */
static int64_t
for_seqs(struct store *s, const char *sql, const int64_t *seqs,
    const char *const *texts, size_t n, int64_t arg, const char *event,
    const char *what)
{
	sqlite3_stmt *st;
	int64_t changed = 0;
	size_t i;
	int rc = SQLITE_DONE;

	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	st = store_prepare(s, sql);
	if (st == NULL)
		goto fail;
	for (i = 0; i < n && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(st, 1, seqs[i]);
		sqlite3_bind_int64(st, 2, arg);
		sqlite3_bind_text(st, 3, texts ? texts[i] : NULL, -1,
		    SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		changed += sqlite3_changes(s->db);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, what);
		goto fail;
	}
	if (event != NULL && changed > 0 && store_insert_event(s, event, NULL,
	    ktime_wall_ms(), ktime_mono_ms()) != 0)
		goto fail;
	if (store_exec(s, "COMMIT") != 0)
		return -1;
	return changed;
fail:
	(void)store_exec(s, "ROLLBACK");
	return -1;
}

static int64_t
mark_uploaded_once(struct store *s, const int64_t *seqs, size_t n,
    int64_t wall_ms)
{
	return for_seqs(s, "UPDATE visits SET uploaded_ms = ?2 WHERE seq = ?1 "
	    "AND uploaded_ms IS NULL", seqs, NULL, n, wall_ms, NULL,
	    "mark uploaded");
}

static int64_t
quarantine_once(struct store *s, const int64_t *seqs,
    const char *const *reasons, size_t n, int64_t wall_ms)
{
	return for_seqs(s, "UPDATE visits SET quarantined_ms = ?2, "
	    "quarantine_reason = ?3 WHERE seq = ?1 AND uploaded_ms IS NULL AND "
	    "quarantined_ms IS NULL", seqs, reasons, n, wall_ms,
	    "sync_quarantine", "quarantine");
}

static int64_t
release_once(struct store *s, const int64_t *seqs, size_t n)
{
	int64_t all = 0;

	if (seqs == NULL) {
		if (store_exec(s, "BEGIN IMMEDIATE") != 0)
			return -1;
		if (store_exec(s, "UPDATE visits SET quarantined_ms = NULL, "
		    "quarantine_reason = NULL WHERE quarantined_ms IS NOT NULL "
		    "AND uploaded_ms IS NULL") != 0) {
			(void)store_exec(s, "ROLLBACK");
			return -1;
		}
		all = sqlite3_changes(s->db);
		if ((all > 0 && store_insert_event(s, "sync_release", NULL,
		    ktime_wall_ms(), ktime_mono_ms()) != 0) ||
		    store_exec(s, "COMMIT") != 0) {
			(void)store_exec(s, "ROLLBACK");
			return -1;
		}
		return all;
	}
	return for_seqs(s, "UPDATE visits SET quarantined_ms = NULL, "
	    "quarantine_reason = NULL WHERE seq = ?1 AND quarantined_ms IS NOT "
	    "NULL AND uploaded_ms IS NULL", seqs, NULL, n, 0, "sync_release",
	    "release");
}

/* ---- the clock ---- */

static int
clock_state_once(struct store *s, const char *boot_id,
    struct clock_memory *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_query_int(s, &out->last_trusted_ms, 0, "SELECT value FROM "
	    "counters WHERE key = 'last_trusted_ms'") != 0)
		return -1;
	st = store_prepare(s, "SELECT offset_ms FROM clock_anchors WHERE "
	    "boot_id = ?1");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, boot_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->have_anchor = 1;
		out->anchor_offset_ms = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sql_error(s, "clock anchor");
		return -1;
	}
	return 0;
}

static int64_t
clock_trusted_once(struct store *s, const struct clock_now *now)
{
	sqlite3_stmt *st;
	int64_t redated = 0;
	char detail[96];
	int rc;

	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	st = store_prepare(s, "INSERT INTO clock_anchors(boot_id, offset_ms, "
	    "at_ms) VALUES (?1, ?2, ?3) ON CONFLICT (boot_id) DO UPDATE SET "
	    "offset_ms = excluded.offset_ms, at_ms = excluded.at_ms");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, now->boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now->wall_ms - now->boot_ms);
	sqlite3_bind_int64(st, 3, now->wall_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "clock anchor");
		goto fail;
	}
	/* Every boot with an anchor re-dates its flagged visits: wall time
	 * is time since that boot plus the boot's offset. */
	if (store_exec(s, "UPDATE visits SET recorded_ms = coalesce("
	    "recorded_ms, wall_ms), wall_ms = mono_ms + (SELECT offset_ms FROM "
	    "clock_anchors a WHERE a.boot_id = visits.boot_id), clock = 0 "
	    "WHERE clock = 1 AND uploaded_ms IS NULL AND boot_id IN (SELECT "
	    "boot_id FROM clock_anchors)") != 0)
		goto fail;
	redated = sqlite3_changes(s->db);
	snprintf(detail, sizeof(detail), "{\"redated\":%lld}",
	    (long long)redated);
	if (store_exec(s, "UPDATE counters SET value = max(value, (SELECT "
	    "coalesce(max(wall_ms), 0) FROM visits WHERE clock = 0)) WHERE key "
	    "= 'last_trusted_ms'") != 0 || (redated > 0 && store_insert_event(s,
	    "clock_redated", detail, now->wall_ms, now->boot_ms) != 0))
		goto fail;
	if (store_exec(s, "COMMIT") != 0)
		return -1;
	if (redated > 0)
		log_info("the clock is trusted again: %lld visits re-dated",
		    (long long)redated);
	return redated;
fail:
	(void)store_exec(s, "ROLLBACK");
	return -1;
}

static int64_t
clock_observe_once(struct store *s, const struct clock_now *now,
    enum clock_verdict *verdict)
{
	struct clock_memory mem;
	enum clock_verdict v;
	int64_t moved;

	if (clock_state_once(s, now->boot_id, &mem) != 0)
		return -1;
	v = clock_judge(now, &mem, clock_build_ms());
	if (verdict != NULL)
		*verdict = v;
	moved = now->wall_ms - now->boot_ms - mem.anchor_offset_ms;
	if (v == CLOCK_TRUSTED) {
		int64_t waiting = 0;

		/* A new or moved anchor, or visits of this boot that wait
		 * to be dated (the partial index finds them at once). */
		if (mem.have_anchor && moved <= 1000 && moved >= -1000 &&
		    store_query_int(s, &waiting, 0, "SELECT count(*) FROM "
		    "(SELECT 1 FROM visits WHERE clock = 1 AND boot_id IN "
		    "(SELECT boot_id FROM clock_anchors) LIMIT 1)") != 0)
			return -1;
		if ((!mem.have_anchor || moved > 1000 || moved < -1000 ||
		    waiting > 0) && clock_trusted_once(s, now) < 0)
			return -1;
	}
	return clock_earliest(now, &mem, clock_build_ms());
}

/* ---- the last word from the collector ---- */

static const char *const sync_names[] = { "none", "ok", "retry", "refused",
    "not_enrolled", "enrolment_refused" };

const char *
store_sync_result_name(enum store_sync_result r)
{
	return (unsigned)r < sizeof(sync_names) / sizeof(sync_names[0]) ?
	    sync_names[r] : "?";
}

static int
meta_put(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt *st = store_prepare(s, "INSERT INTO meta(key, value) "
	    "VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = "
	    "excluded.value");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "sync state");
		return -1;
	}
	return 0;
}

static int
sync_note_once(struct store *s, enum store_sync_result result, long status,
    const char *message, int heartbeat)
{
	char now[24], st[24], msg[160];
	size_t i;

	snprintf(now, sizeof(now), "%lld", (long long)ktime_wall_ms());
	snprintf(st, sizeof(st), "%ld", status);
	/* What a proxy said is shown to the owner: printable text only. */
	snprintf(msg, sizeof(msg), "%s", message ? message : "");
	for (i = 0; msg[i] != '\0'; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = ' ';
	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (meta_put(s, heartbeat ? "heartbeat_last_ms" : "sync_last_ms",
	    now) != 0 || (!heartbeat && (meta_put(s, "sync_result",
	    store_sync_result_name(result)) != 0 || meta_put(s,
	    "sync_status", st) != 0 || meta_put(s, "sync_message",
	    msg) != 0)) || (result == STORE_SYNC_OK && meta_put(s, heartbeat ?
	    "heartbeat_ok_ms" : "sync_ok_ms", now) != 0)) {
		(void)store_exec(s, "ROLLBACK");
		return -1;
	}
	return store_exec(s, "COMMIT");
}

static int
sync_last_once(struct store *s, struct store_sync *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	st = store_prepare(s, "SELECT key, value FROM meta WHERE key IN "
	    "('sync_last_ms', 'sync_result', 'sync_status', 'sync_message', "
	    "'sync_ok_ms', 'heartbeat_ok_ms')");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		size_t i;

		if (k == NULL || v == NULL)
			continue;
		if (strcmp(k, "sync_last_ms") == 0)
			out->at_ms = strtoll(v, NULL, 10);
		else if (strcmp(k, "sync_status") == 0)
			out->status = strtol(v, NULL, 10);
		else if (strcmp(k, "sync_message") == 0)
			snprintf(out->message, sizeof(out->message), "%s", v);
		else if (strcmp(k, "sync_ok_ms") == 0)
			out->ok_ms = strtoll(v, NULL, 10);
		else if (strcmp(k, "heartbeat_ok_ms") == 0)
			out->heartbeat_ok_ms = strtoll(v, NULL, 10);
		else
			for (i = 0; i < sizeof(sync_names) /
			    sizeof(sync_names[0]); i++)
				if (strcmp(v, sync_names[i]) == 0)
					out->result = (enum store_sync_result)i;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "sync state");
		return -1;
	}
	return 0;
}

/* ---- the public functions: each follows a move and recovers once ---- */

int
store_foreach_visit(struct store *s, int64_t from_ms, int64_t to_ms,
    enum store_which which,
    int (*fn)(void *ctx, const struct store_visit *v), void *ctx)
{
	int tries = 0, called = 0, r;

	/* Tried again only when FN has not been called yet. */
	do
		r = store_enter(s) == 0 ? foreach_visit_once(s, from_ms, to_ms,
		    which, fn, ctx, &called) : -1;
	while (r < 0 && called == 0 && store_again(s, &tries));
	return r;
}

int64_t
store_mark_uploaded(struct store *s, const int64_t *seqs, size_t n,
    int64_t wall_ms)
{
	int64_t r;
	int tries = 0;

	do
		r = store_enter(s) == 0 ? mark_uploaded_once(s, seqs, n,
		    wall_ms) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int64_t
store_quarantine(struct store *s, const int64_t *seqs,
    const char *const *reasons, size_t n, int64_t wall_ms)
{
	int64_t r;
	int tries = 0;

	do
		r = store_enter(s) == 0 ? quarantine_once(s, seqs, reasons, n,
		    wall_ms) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int64_t
store_release(struct store *s, const int64_t *seqs, size_t n)
{
	int64_t r;
	int tries = 0;

	do
		r = store_enter(s) == 0 ? release_once(s, seqs, n) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int
store_clock_state(struct store *s, const char *boot_id,
    struct clock_memory *out)
{
	int tries = 0, r;

	do
		r = store_enter(s) == 0 ? clock_state_once(s, boot_id, out) :
		    -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int64_t
store_clock_trusted(struct store *s, const struct clock_now *now)
{
	int64_t r;
	int tries = 0;

	do
		r = store_enter(s) == 0 ? clock_trusted_once(s, now) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int64_t
store_clock_observe(struct store *s, const struct clock_now *now,
    enum clock_verdict *verdict)
{
	int64_t r;
	int tries = 0;

	do
		r = store_enter(s) == 0 ? clock_observe_once(s, now, verdict) :
		    -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int
store_sync_note(struct store *s, enum store_sync_result result, long status,
    const char *message, int heartbeat)
{
	int tries = 0, r;

	do
		r = store_enter(s) == 0 ? sync_note_once(s, result, status,
		    message, heartbeat) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int
store_sync_last(struct store *s, struct store_sync *out)
{
	int tries = 0, r;

	do
		r = store_enter(s) == 0 ? sync_last_once(s, out) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}
