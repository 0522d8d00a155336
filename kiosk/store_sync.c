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
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "fileio.h"
#include "ktime.h"
#include "log.h"
#include "store_impl.h"

/*
 * FN over the visits of WHICH in seq order: with a time window (FROM_MS,
 * TO_MS), or, when AFTER_SEQ >= 0, every one past AFTER_SEQ, read from
 * the unsent visits' own index so that the first rows come at once
 * whatever the backlog (the outbox stops after a batch).
 */
static int
foreach_visit_once(struct store *s, int64_t from_ms, int64_t to_ms,
    int64_t after_seq, enum store_which which,
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
	char sql[1024];
	const char *d;
	int rc = SQLITE_DONE, stop = 0;

	snprintf(sql, sizeof(sql), "SELECT seq, instance_id, kind, subject, "
	    "sealed, direction, wall_ms, boot_id, mono_ms, source, "
	    "uploaded_ms, clock, quarantined_ms, quarantine_reason, "
	    "origin_instance, coalesce(origin_seq, 0), %s, %s FROM visits "
	    "WHERE %s%s ORDER BY seq", STORE_WIRE_INSTANCE, STORE_WIRE_SEQ,
	    where[which], after_seq >= 0 ? "seq > ?3" : "wall_ms >= ?1 AND "
	    "wall_ms < ?2");
	st = store_prepare(s, sql);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, from_ms);
	sqlite3_bind_int64(st, 2, to_ms);
	sqlite3_bind_int64(st, 3, after_seq);
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
		v.wire_instance = (const char *)sqlite3_column_text(st, 16);
		v.wire_seq = sqlite3_column_int64(st, 17);
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

/* ---- a store that numbers again ---- */

/*
 * A new random instance id in meta and in S, inside the caller's
 * transaction. 0 or -1 (logged).
 */
static int
new_instance_id(struct store *s)
{
	unsigned char rnd[STORE_INSTANCE_LEN / 2];
	char fresh[STORE_INSTANCE_LEN + 1];
	sqlite3_stmt *st;
	int rc;

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(fresh, sizeof(fresh), rnd, sizeof(rnd));
	st = store_prepare(s, "UPDATE meta SET value = ?1 WHERE key = "
	    "'instance_id'");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, fresh, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "new instance id");
		return -1;
	}
	memcpy(s->instance, fresh, sizeof(fresh));
	return 0;
}

/* S->instance from meta again (after a rollback of new_instance_id). */
static void
load_instance_cache(struct store *s)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT value FROM meta WHERE key "
	    "= 'instance_id'");
	const char *v;

	if (st == NULL)
		return;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (v = (const char *)sqlite3_column_text(st, 0)) != NULL &&
	    strlen(v) == STORE_INSTANCE_LEN)
		memcpy(s->instance, v, STORE_INSTANCE_LEN + 1);
	sqlite3_finalize(st);
}

/* ---- the collector's high-water mark, outside the SQLite file ---- */

#define ACKED_SUFFIX ".acked"
#define ACKED_FORMAT "kiosk-acked-v1 %32s %lld\n"

/* The mark's file: PATH.acked. 0, or -1 when the path is too long. */
static int
acked_path(const struct store *s, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "%s%s", s->path, ACKED_SUFFIX) <
	    size ? 0 : -1;
}

/*
 * The highest seq of S's own instance in SEQS that the collector now
 * holds goes into the mark's file, when it is past what is there: a
 * file written apart from the store, so that a store that loses commits
 * (or is put back from a copy) cannot lose it with them.
 */
static void
acked_raise(struct store *s, const int64_t *seqs, size_t n)
{
	char path[4096], text[96];
	int64_t top = 0, own = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (seqs[i] > top)
			top = seqs[i];
	if (strcmp(s->acked_instance, s->instance) == 0 && top <= s->acked_seq)
		return;
	/* A batch is one identity: the top row's says whose numbers. */
	if (store_query_int(s, &own, 0, "SELECT count(*) FROM visits WHERE "
	    "seq = ?1 AND uploaded_ms IS NOT NULL AND instance_id = (SELECT "
	    "value FROM meta WHERE key = 'instance_id') AND (origin_instance "
	    "IS NULL OR reinstanced_ms IS NOT NULL)", top) != 0 || own == 0)
		return;
	snprintf(text, sizeof(text), ACKED_FORMAT, s->instance,
	    (long long)top);
	if (acked_path(s, path, sizeof(path)) != 0 ||
	    fileio_write_atomic(path, text, strlen(text), 0600) != 0) {
		log_warn("store '%s': cannot keep the collector's mark beside "
		    "it (a rolled-back store is then found by the collector "
		    "alone)", s->path);
		return;
	}
	snprintf(s->acked_instance, sizeof(s->acked_instance), "%s",
	    s->instance);
	s->acked_seq = top;
}

int
store_rollback_guard(struct store *s)
{
	char path[4096], inst[STORE_INSTANCE_LEN + 1], detail[160];
	long long mark;
	int64_t top;
	char *text;

	s->acked_instance[0] = '\0';
	s->acked_seq = 0;
	if (acked_path(s, path, sizeof(path)) != 0 || access(path, F_OK) != 0)
		return 0;
	text = fileio_read(path, 256, NULL);
	if (text == NULL || sscanf(text, ACKED_FORMAT, inst, &mark) != 2 ||
	    strlen(inst) != STORE_INSTANCE_LEN) {
		log_warn("store '%s': '%s' is not the collector's mark: "
		    "ignored", s->path, path);
		free(text);
		return 0;
	}
	free(text);
	if (strcmp(inst, s->instance) != 0)
		return 0;
	if (store_query_int(s, &top, 0, "SELECT seq FROM sqlite_sequence "
	    "WHERE name = 'visits'") != 0)
		return -1;
	if (top >= mark) {
		snprintf(s->acked_instance, sizeof(s->acked_instance), "%s",
		    inst);
		s->acked_seq = mark;
		return 0;
	}
	/* The collector holds numbers this store no longer remembers
	 * giving: the next visits would get them again. */
	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (new_instance_id(s) != 0)
		goto fail;
	snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"acked_seq\":"
	    "%lld,\"store_seq\":%lld}", inst, mark, (long long)top);
	if (store_insert_event(s, "store_rolled_back", detail, ktime_wall_ms(),
	    ktime_mono_ms()) != 0 || store_exec(s, "COMMIT") != 0)
		goto fail;
	log_error("store '%s' was rolled back (it lost commits, or a copy was "
	    "put back): the collector holds its visits up to number %lld, the "
	    "store's numbers stop at %lld; it moves to a new instance id %s so "
	    "that no number is given to two visits", s->path, mark,
	    (long long)top, s->instance);
	return 0;
fail:
	(void)store_exec(s, "ROLLBACK");
	load_instance_cache(s);
	return -1;
}

static int64_t
mark_uploaded_once(struct store *s, const int64_t *seqs, size_t n,
    int64_t wall_ms)
{
	int64_t r = for_seqs(s, "UPDATE visits SET uploaded_ms = ?2 WHERE seq "
	    "= ?1 AND uploaded_ms IS NULL", seqs, NULL, n, wall_ms, NULL,
	    "mark uploaded");

	if (r >= 0 && n > 0)
		acked_raise(s, seqs, n);
	return r;
}

static int64_t
new_instance_once(struct store *s, const int64_t *seqs, size_t n)
{
	char old[STORE_INSTANCE_LEN + 1], detail[160];
	sqlite3_stmt *st;
	int64_t first = INT64_MAX, moved = 0;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	old[0] = '\0';
	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	/* The identity they were sent under, and the first number. */
	st = store_prepare(s, "SELECT " STORE_WIRE_INSTANCE ", "
	    STORE_WIRE_SEQ " FROM visits WHERE seq = ?1 AND uploaded_ms IS "
	    "NULL");
	if (st == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, seqs[i]);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const char *w = (const char *)sqlite3_column_text(st, 0);

			if (old[0] == '\0' && w != NULL)
				snprintf(old, sizeof(old), "%s", w);
			if (w != NULL && strcmp(w, old) == 0 &&
			    sqlite3_column_int64(st, 1) < first)
				first = sqlite3_column_int64(st, 1);
		} else if (rc != SQLITE_DONE) {
			sqlite3_finalize(st);
			store_sql_error(s, "new instance");
			goto fail;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (old[0] == '\0') {
		(void)store_exec(s, "ROLLBACK");
		return 0;		/* uploaded meanwhile, or gone */
	}
	if (new_instance_id(s) != 0)
		goto fail;
	st = store_prepare(s, "UPDATE visits SET instance_id = ?1, "
	    "reinstanced_ms = ?2 WHERE uploaded_ms IS NULL AND "
	    STORE_WIRE_INSTANCE " = ?3 AND " STORE_WIRE_SEQ " >= ?4");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, s->instance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ktime_wall_ms());
	sqlite3_bind_text(st, 3, old, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, first);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "new instance");
		goto fail;
	}
	moved = sqlite3_changes(s->db);
	snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"first_seq\":"
	    "%lld,\"moved\":%lld}", old, (long long)first, (long long)moved);
	if (store_insert_event(s, "instance_renewed", detail, ktime_wall_ms(),
	    ktime_mono_ms()) != 0 || store_exec(s, "COMMIT") != 0)
		goto fail;
	log_error("store '%s': the collector holds other visits under numbers "
	    "from %lld of instance %s (this store was rolled back: it lost "
	    "commits, or a copy was put back); %lld visits not yet uploaded "
	    "move to a new instance id %s and are sent again", s->path,
	    (long long)first, old, (long long)moved, s->instance);
	return moved;
fail:
	(void)store_exec(s, "ROLLBACK");
	load_instance_cache(s);
	return -1;
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
	int64_t redated = 0, unused;
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
	/* The latest trusted time is now's: not the latest time of any
	 * visit (a time given with --at, or one a v2 store kept, may be
	 * anywhere), and re-dated visits are earlier than now. */
	if (store_query_int(s, &unused, 0, "UPDATE counters SET value = "
	    "max(value, ?1) WHERE key = 'last_trusted_ms'", now->wall_ms) !=
	    0 || (redated > 0 && store_insert_event(s, "clock_redated",
	    detail, now->wall_ms, now->boot_ms) != 0))
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
	if (v == CLOCK_TRUSTED && mem.last_trusted_ms > now->wall_ms +
	    CLOCK_JUMP_MS) {
		/* A time trusted before reads later than a clock trusted
		 * now: that one was wrong (a v2 store's visit from a clock
		 * that ran ahead, a hand-set clock a stale marker covered).
		 * Left, it would judge a right clock "behind" after the next
		 * boot and refuse valid passes as expired. */
		char detail[96];

		snprintf(detail, sizeof(detail), "{\"from\":%lld,\"to\":%lld}",
		    (long long)mem.last_trusted_ms, (long long)now->wall_ms);
		if (store_exec(s, "BEGIN IMMEDIATE") != 0)
			return -1;
		if (store_query_int(s, &moved, 0, "UPDATE counters SET value = "
		    "?1 WHERE key = 'last_trusted_ms'", now->wall_ms) != 0 ||
		    store_insert_event(s, "clock_counter_reset", detail,
		    now->wall_ms, now->boot_ms) != 0 ||
		    store_exec(s, "COMMIT") != 0) {
			(void)store_exec(s, "ROLLBACK");
			return -1;
		}
		log_warn("the last trusted time the store kept was %lld s ahead "
		    "of the clock, which is trusted now: set back to now",
		    (long long)((mem.last_trusted_ms - now->wall_ms) / 1000));
		mem.last_trusted_ms = now->wall_ms;
		moved = now->wall_ms - now->boot_ms - mem.anchor_offset_ms;
	}
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

static int
clock_reset_once(struct store *s, const char *boot_id)
{
	sqlite3_stmt *st;
	int rc;

	if (store_exec(s, "BEGIN IMMEDIATE") != 0)
		return -1;
	st = store_prepare(s, "DELETE FROM clock_anchors WHERE boot_id = ?1");
	if (st == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, boot_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		store_sql_error(s, "clock reset");
		goto fail;
	}
	if (store_exec(s, "UPDATE counters SET value = 0 WHERE key = "
	    "'last_trusted_ms'") != 0 || store_insert_event(s, "admin",
	    "{\"action\":\"clock_reset\"}", ktime_wall_ms(),
	    ktime_mono_ms()) != 0 || store_exec(s, "COMMIT") != 0)
		goto fail;
	log_info("the store's memory of trusted time was reset");
	return 0;
fail:
	(void)store_exec(s, "ROLLBACK");
	return -1;
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
		    -1, which, fn, ctx, &called) : -1;
	while (r < 0 && called == 0 && store_again(s, &tries));
	return r;
}

int
store_foreach_after(struct store *s, int64_t after_seq,
    enum store_which which,
    int (*fn)(void *ctx, const struct store_visit *v), void *ctx)
{
	int tries = 0, called = 0, r;

	do
		r = store_enter(s) == 0 ? foreach_visit_once(s, 0, 0,
		    after_seq < 0 ? 0 : after_seq, which, fn, ctx, &called) :
		    -1;
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
store_new_instance(struct store *s, const int64_t *seqs, size_t n)
{
	int64_t r;
	int tries = 0;

	do
		r = store_enter(s) == 0 ? new_instance_once(s, seqs, n) : -1;
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
store_clock_reset(struct store *s, const char *boot_id)
{
	int tries = 0, r;

	do
		r = store_enter(s) == 0 ? clock_reset_once(s, boot_id) : -1;
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
