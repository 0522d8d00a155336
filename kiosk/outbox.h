/*
 * outbox: the kiosk's not-yet-acknowledged visits as the collector will
 * take them: signed batches (wire.h), the heartbeat, and the sealed USB
 * export. kiosk-sync (uploader.c) sends what this makes; `kioskctl export
 * --sealed` writes the same batches to a file, so a stick carries exactly
 * what an upload would. Nothing here talks to the network or marks a
 * visit uploaded.
 */
#ifndef KIOSK_OUTBOX_H
#define KIOSK_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "wire.h"

struct store;

struct outbox_batch {
	struct wire_header h;		/* signed */
	unsigned char *body;		/* the exact bytes signed; owned */
	size_t len;
	int64_t *seqs;			/* the visits in it (this store's seqs),
					 * in order; owned */
	int64_t *wire_seqs;		/* the same as sent (a salvaged visit's
					 * seq from its old store); owned */
	size_t n;
	size_t held;			/* pending visits held back (their
					 * clock may yet be trusted), as far
					 * as the batch looked: all of them
					 * when there is no batch */
};

/*
 * A visit recorded in this boot while the clock could not be trusted is
 * held back this long (time since boot), so that a clock set by NTP soon
 * after the network came back re-dates it before it leaves (store.h).
 * After that it goes with its flag.
 */
#define OUTBOX_HOLD_MS (15LL * 60 * 1000)

/*
 * outbox_next(s, dev, after_seq, max_rows, sent_at_ms, b):
 * The next batch of pending visits past AFTER_SEQ, oldest first (at most
 * MAX_ROWS, or WIRE_MAX_VISITS when 0, and WIRE_MAX_JSON bytes of JSON
 * measured exactly; one instance id; the held ones left out and counted
 * in B->held), signed by DEV as sent at SENT_AT_MS, into *B (release with
 * outbox_batch_release). Returns 1, 0 when there is none (B->held still
 * says how many wait), or -1 (logged) when the store cannot be read or
 * memory ran out.
 */
int outbox_next(struct store *s, const struct key_pair *dev,
    int64_t after_seq, size_t max_rows, int64_t sent_at_ms,
    struct outbox_batch *b);

/* outbox_batch_release(b): free B's body; a released batch is empty. */
void outbox_batch_release(struct outbox_batch *b);

/*
 * outbox_heartbeat(s, started_mono_ms, db_path, hb):
 * The kiosk's state for a heartbeat into *HB (release with
 * wire_heartbeat_release): version, uptime, backlog, quarantined, last
 * scan, the free space where the store is, and the patrol inspections of
 * the last day. Returns 0, or -1 (logged) when the store cannot be read.
 */
int outbox_heartbeat(struct store *s, int64_t started_mono_ms,
    const char *db_path, struct wire_heartbeat *hb);

/*
 * outbox_export(s, dev, venue, authority_pk, file, len, visits):
 * Every visit not yet uploaded, the set-aside ones too (flagged: a USB
 * stick is the last resort) and the held ones, as signed batches with the
 * device and its venue (VENUE's id and key are taken from DEV), sealed to
 * the health authority: the file's bytes in a new buffer *FILE (caller
 * frees), the number of visits in *VISITS. Nothing is marked uploaded.
 * Returns 0, or -1 (logged).
 */
int outbox_export(struct store *s, const struct key_pair *dev,
    const struct wire_device *venue,
    const unsigned char authority_pk[KEYS_PUB_LEN], char **file,
    size_t *len, int64_t *visits);

#endif
