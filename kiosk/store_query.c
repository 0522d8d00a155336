/*
 * store_query: the store's reads for status, reports and retention
 * (store.h): counts, rejects, purge, heartbeat gaps and events. The
 * store's opening, its schema and the check-in path are store.c; what
 * uploads need (the queue, marks, quarantine, the clock) store_sync.c.
 */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "ktime.h"
#include "log.h"
#include "store_impl.h"

#define DAY_MS (24LL * 3600 * 1000)

/* The store's counter KEY into *OUT. 0, or -1 (logged). */
static int
counter(struct store *s, const char *key, int64_t *out)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT value FROM counters WHERE "
	    "key = ?1");
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_sql_error(s, "counter");
		return -1;
	}
	return 0;
}

static int
status_once(struct store *s, int64_t now_ms, int retention_days,
    struct store_status *o)
{
	int64_t day0 = ktime_day_start(now_ms);
	int64_t cutoff = now_ms - (int64_t)retention_days * DAY_MS;
	char day[16];
	int y, m, d;

	memset(o, 0, sizeof(*o));
	ktime_local_day(now_ms, &y, &m, &d);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y % 10000, m, d);

	if (store_exec(s, "BEGIN") != 0)
		return -1;
	/* Every figure is a counter the store keeps (schema v5's triggers)
	 * or a look-up in an index: the same cost at a thousand visits and
	 * at a million. Today's and the overdue visits are ranges of a time
	 * index (a day's; the overdue are few or an alarm anyway). */
	if (counter(s, "visits", &o->visits_total) ||
	    store_query_int(s, &o->visits_today, 0, "SELECT count(*) FROM visits "
	    "WHERE wall_ms >= ?1 AND direction = 'in'", day0) ||
	    counter(s, "pending", &o->pending_upload) ||
	    store_query_int(s, &o->pending_overdue, 0, "SELECT count(*) FROM visits "
	    "WHERE uploaded_ms IS NULL AND wall_ms < ?1", cutoff) ||
	    store_query_int(s, &o->oldest_pending_ms, 0, "SELECT min(wall_ms) FROM "
	    "visits WHERE uploaded_ms IS NULL") ||
	    counter(s, "last_upload_ms", &o->last_upload_ms) ||
	    store_query_int(s, &o->last_heartbeat_ms, 0, "SELECT wall_ms FROM events "
	    "WHERE kind = 'heartbeat' ORDER BY id DESC LIMIT 1") ||
	    store_query_int(s, &o->last_visit_ms, 0, "SELECT wall_ms FROM visits "
	    "ORDER BY seq DESC LIMIT 1") ||
	    store_query_int(s, &o->rejects_total, 0, "SELECT sum(count) FROM "
	    "rejects") ||
	    counter(s, "events", &o->events_total) ||
	    store_query_int(s, &o->seq_max, 0, "SELECT seq FROM sqlite_sequence "
	    "WHERE name = 'visits'") ||
	    counter(s, "quarantined", &o->quarantined) ||
	    counter(s, "untrusted", &o->untrusted) ||
	    store_query_int(s, &o->salvaged, 0, "SELECT sum(salvaged) FROM "
	    "salvage") ||
	    store_query_int(s, &o->rolled_back, 0, "SELECT count(*) FROM "
	    "events WHERE kind IN ('store_rolled_back', 'instance_renewed')") ||
	    store_count_moved(s, &o->moved, &o->unreadable) != 0) {
		(void)store_exec(s, "ROLLBACK");
		return -1;
	}
	{
		sqlite3_stmt *st = store_prepare(s, "SELECT sum(count) FROM rejects "
		    "WHERE day = ?1");

		if (st == NULL) {
			(void)store_exec(s, "ROLLBACK");
			return -1;
		}
		sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			o->rejects_today = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return store_exec(s, "COMMIT");
}

static int
rejects_once(struct store *s,
    void (*fn)(void *ctx, const char *reason, int64_t count), void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	st = store_prepare(s, "SELECT reason, sum(count) AS n FROM rejects "
	    "GROUP BY reason ORDER BY n DESC, reason");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "list rejects");
		return -1;
	}
	return 0;
}

static int
delete_count(struct store *s, const char *sql, int64_t arg, int64_t *out)
{
	sqlite3_stmt *st = store_prepare(s, sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "purge");
		return -1;
	}
	*out = sqlite3_changes(s->db);
	return 0;
}

static int
purge_once(struct store *s, int64_t now_ms, int retention_days,
    struct store_purge_res *o)
{
	int64_t cutoff = now_ms - (int64_t)retention_days * DAY_MS;
	char day[16];
	int y, m, d;
	sqlite3_stmt *st;
	int rc;

	memset(o, 0, sizeof(*o));
	ktime_local_day(cutoff, &y, &m, &d);
	snprintf(day, sizeof(day), "%04d-%02d-%02d", y % 10000, m, d);
	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (delete_count(s, "DELETE FROM visits WHERE uploaded_ms IS NOT NULL "
	    "AND wall_ms < ?1", cutoff, &o->visits_deleted) ||
	    delete_count(s, "DELETE FROM events WHERE wall_ms < ?1", cutoff,
	    &o->events_deleted) ||
	    store_query_int(s, &o->kept_unuploaded, 0, "SELECT count(*) FROM visits "
	    "WHERE uploaded_ms IS NULL AND wall_ms < ?1", cutoff))
		goto fail;
	st = store_prepare(s, "DELETE FROM rejects WHERE day < ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "purge rejects");
		goto fail;
	}
	o->rejects_deleted = sqlite3_changes(s->db);
	if (store_exec(s, "COMMIT") != 0)
		return -1;
	if (o->kept_unuploaded > 0)
		log_warn("%lld visits older than %d days were never uploaded: "
		    "kept until the collector acknowledges them",
		    (long long)o->kept_unuploaded, retention_days);
	return 0;
fail:
	(void)store_exec(s, "ROLLBACK");
	return -1;
}

static int64_t
count_visits_once(struct store *s, int64_t from_ms, int64_t to_ms)
{
	int64_t n;

	if (store_query_int(s, &n, 0, "SELECT count(*) FROM visits WHERE wall_ms "
	    ">= ?1 AND wall_ms < ?2 AND direction = 'in'", from_ms, to_ms) != 0)
		return -1;
	return n;
}

static int64_t
heartbeat_gaps_once(struct store *s, int64_t from_ms, int64_t to_ms,
    int64_t max_gap_ms, int64_t *longest_ms)
{
	sqlite3_stmt *st;
	int64_t prev = from_ms, t, gaps = 0, longest = 0;
	int rc;

	st = store_prepare(s, "SELECT wall_ms FROM events WHERE kind IN "
	    "('heartbeat', 'start') AND wall_ms >= ?1 AND wall_ms < ?2 "
	    "ORDER BY wall_ms");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	for (;;) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		t = sqlite3_column_int64(st, 0);
		if (t - prev > max_gap_ms) {
			gaps++;
			if (t - prev > longest)
				longest = t - prev;
		}
		prev = t;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "heartbeat gaps");
		return -1;
	}
	if (to_ms - prev > max_gap_ms) {
		gaps++;
		if (to_ms - prev > longest)
			longest = to_ms - prev;
	}
	if (longest_ms != NULL)
		*longest_ms = longest;
	return gaps;
}

static int
foreach_event_once(struct store *s, const char *kind, int64_t from_ms,
    int limit, int (*fn)(void *ctx, int64_t wall_ms, const char *detail),
    void *ctx, int *called)
{
	sqlite3_stmt *st;
	int rc, r = 0;

	st = store_prepare(s, "SELECT wall_ms, coalesce(detail, '') FROM events "
	    "WHERE kind = ?1 AND wall_ms >= ?2 ORDER BY wall_ms DESC LIMIT ?3");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_ms);
	sqlite3_bind_int(st, 3, limit);
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		(*called)++;
		r = fn(ctx, sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	}
	if (r == 0 && rc != SQLITE_DONE) {
		store_sql_error(s, "events");
		r = -1;
	}
	sqlite3_finalize(st);
	return r < 0 ? -1 : 0;
}

/* ---- the public functions: each follows a move and recovers once ---- */

int
store_status(struct store *s, int64_t now_ms, int retention_days,
    struct store_status *o)
{
	int tries = 0, r;

	do
		r = store_enter(s) == 0 ? status_once(s, now_ms,
		    retention_days, o) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int
store_rejects(struct store *s,
    void (*fn)(void *ctx, const char *reason, int64_t count), void *ctx)
{
	int tries = 0, r;

	/* FN is called only once the query ran to its end: retried whole. */
	do
		r = store_enter(s) == 0 ? rejects_once(s, fn, ctx) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int
store_purge(struct store *s, int64_t now_ms, int retention_days,
    struct store_purge_res *o)
{
	int tries = 0, r;

	do
		r = store_enter(s) == 0 ? purge_once(s, now_ms, retention_days,
		    o) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int64_t
store_count_visits(struct store *s, int64_t from_ms, int64_t to_ms)
{
	int64_t r;
	int tries = 0;

	do
		r = store_enter(s) == 0 ? count_visits_once(s, from_ms,
		    to_ms) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int64_t
store_heartbeat_gaps(struct store *s, int64_t from_ms, int64_t to_ms,
    int64_t max_gap_ms, int64_t *longest_ms)
{
	int64_t r;
	int tries = 0;

	do
		r = store_enter(s) == 0 ? heartbeat_gaps_once(s, from_ms,
		    to_ms, max_gap_ms, longest_ms) : -1;
	while (r < 0 && store_again(s, &tries));
	return r;
}

int
store_foreach_event(struct store *s, const char *kind, int64_t from_ms,
    int limit, int (*fn)(void *ctx, int64_t wall_ms, const char *detail),
    void *ctx)
{
	int tries = 0, called = 0, r;

	/* Tried again only when FN has not been called yet. */
	do
		r = store_enter(s) == 0 ? foreach_event_once(s, kind, from_ms,
		    limit, fn, ctx, &called) : -1;
	while (r < 0 && called == 0 && store_again(s, &tries));
	return r;
}
