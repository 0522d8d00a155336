/*
 * outbox: batches, heartbeats and the sealed export. See outbox.h.
 */
#include "outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include <jansson.h>
#include <sodium.h>

#include "fileio.h"
#include "ktime.h"
#include "log.h"
#include "store.h"

struct collect {
	struct wire_visit *v;
	size_t n;
	size_t max;		/* rows at most */
	size_t bytes;		/* the batch's JSON so far, exactly */
	int64_t after;		/* only rows past this seq */
	char instance[WIRE_INSTANCE_LEN + 1];
	const struct clock_now *hold;	/* hold this boot's untrusted rows,
					 * or NULL */
	size_t held;			/* rows held back */
	int64_t *local;			/* each row's seq in this store */
};

static int
collect_row(void *arg, const struct store_visit *sv)
{
	struct collect *c = arg;
	struct wire_visit *v;
	size_t size;

	if (sv->seq <= c->after)
		return 0;
	if (c->hold != NULL && sv->clock_untrusted &&
	    strcmp(sv->boot_id, c->hold->boot_id) == 0 &&
	    c->hold->boot_ms - sv->mono_ms < OUTBOX_HOLD_MS) {
		c->held++;
		return 0;	/* it may yet be re-dated */
	}
	/* Sent under the identity the store gives it (a salvaged visit
	 * keeps its old store's instance id and seq); one per batch. */
	if (c->n == 0)
		snprintf(c->instance, sizeof(c->instance), "%s",
		    sv->wire_instance);
	else if (strcmp(c->instance, sv->wire_instance) != 0)
		return 1;	/* a second instance id: stop the batch */
	if (c->n >= c->max)
		return 1;
	v = &c->v[c->n];
	memset(v, 0, sizeof(*v));
	v->seq = sv->wire_seq;
	snprintf(v->kind, sizeof(v->kind), "%s", sv->kind);
	snprintf(v->subject, sizeof(v->subject), "%s", sv->subject);
	snprintf(v->direction, sizeof(v->direction), "%s",
	    sv->dir == STORE_OUT ? "out" : "in");
	v->wall_ms = sv->wall_ms;
	snprintf(v->boot_id, sizeof(v->boot_id), "%s", sv->boot_id);
	v->mono_ms = sv->mono_ms;
	snprintf(v->source, sizeof(v->source), "%s", sv->source);
	v->clock_untrusted = sv->clock_untrusted;
	v->quarantined = sv->quarantined_ms != 0;
	v->sealed_len = sv->sealed_len;
	v->sealed = (unsigned char *)sv->sealed;	/* for the size only */
	/* The row's JSON, measured exactly: a batch never grows past what
	 * the collector inflates (long ids, flags, sealed fields). */
	size = wire_visit_size(v);
	v->sealed = NULL;
	if (size == 0)
		return -1;
	if (c->bytes + size + (c->n > 0 ? 1 : 0) > WIRE_MAX_JSON)
		return 1;
	if (sv->sealed != NULL) {
		v->sealed = malloc(sv->sealed_len);
		if (v->sealed == NULL)
			return -1;
		memcpy(v->sealed, sv->sealed, sv->sealed_len);
	}
	c->local[c->n] = sv->seq;
	c->bytes += size + (c->n > 0 ? 1 : 0);
	c->n++;
	return 0;
}

/* The next batch of WHICH visits past AFTER_SEQ, at most MAX_ROWS (0: as
 * many as fit); HOLD as in collect. */
static int
next(struct store *s, const struct key_pair *dev, int64_t after_seq,
    size_t max_rows, int64_t sent_at_ms, enum store_which which,
    const struct clock_now *hold, struct outbox_batch *b)
{
	struct collect c;
	size_t i, collected = 0;
	int rc;

	memset(b, 0, sizeof(*b));
	memset(&c, 0, sizeof(c));
	c.after = after_seq;
	c.hold = hold;
	c.max = max_rows > 0 && max_rows < WIRE_MAX_VISITS ? max_rows :
	    WIRE_MAX_VISITS;
	c.bytes = WIRE_BATCH_FRAME;
	c.v = calloc(WIRE_MAX_VISITS, sizeof(*c.v));
	c.local = calloc(WIRE_MAX_VISITS, sizeof(*c.local));
	if (c.v == NULL || c.local == NULL) {
		free(c.v);
		free(c.local);
		log_error("out of memory for a batch");
		return -1;
	}
	rc = store_foreach_after(s, after_seq, which, collect_row, &c);
	collected = c.n;
	if (rc < 0) {
		log_error("cannot read the visits to send, or out of memory");
		goto out;
	}
	rc = 0;
	b->held = c.held;
	if (c.n == 0)
		goto out;
	b->seqs = malloc(c.n * sizeof(*b->seqs));
	b->wire_seqs = malloc(c.n * sizeof(*b->wire_seqs));
	if (b->seqs == NULL || b->wire_seqs == NULL)
		goto oom;
	/* The sizes are exact; should the encoder still find the batch too
	 * large, fewer rows go. */
	while ((rc = wire_batch_encode(c.v, c.n, &b->body, &b->len)) ==
	    WIRE_TOO_LARGE && c.n > 1)
		c.n -= (c.n + 3) / 4;
	if (rc != 0)
		goto oom;
	for (i = 0; i < c.n; i++) {
		b->seqs[i] = c.local[i];
		b->wire_seqs[i] = c.v[i].seq;
	}
	b->n = c.n;
	keys_id(dev->pk, b->h.device);
	snprintf(b->h.instance, sizeof(b->h.instance), "%s", c.instance);
	b->h.first_seq = c.v[0].seq;
	b->h.last_seq = c.v[c.n - 1].seq;
	b->h.count = (int64_t)c.n;
	if (wire_sign(dev, &b->h, b->body, b->len, sent_at_ms) != 0) {
		log_error("cannot sign a batch: the device key is not Ed25519");
		outbox_batch_release(b);
		rc = -1;
		goto out;
	}
	rc = 1;
	goto out;
oom:
	log_error("out of memory for a batch");
	outbox_batch_release(b);
	rc = -1;
out:
	/* Every row collected is freed, sent or not (fewer may go). */
	wire_visits_free(c.v, collected);
	free(c.local);
	return rc;
}

int
outbox_next(struct store *s, const struct key_pair *dev, int64_t after_seq,
    size_t max_rows, int64_t sent_at_ms, struct outbox_batch *b)
{
	struct clock_now now;

	clock_read(&now);
	return next(s, dev, after_seq, max_rows, sent_at_ms, STORE_PENDING,
	    &now, b);
}

void
outbox_batch_release(struct outbox_batch *b)
{
	free(b->body);
	free(b->seqs);
	free(b->wire_seqs);
	memset(b, 0, sizeof(*b));
}

/* One recorded patrol inspection (newest first) into the heartbeat. */
static int
add_inspection(void *ctx, int64_t wall_ms, const char *detail)
{
	struct wire_heartbeat *hb = ctx;
	struct wire_inspection *x = &hb->inspections[hb->n_inspections];
	json_t *d = json_loads(detail, 0, NULL);
	const char *id = json_string_value(json_object_get(d, "pass_id"));
	const char *issuer = json_string_value(json_object_get(d, "issuer"));

	if (hb->n_inspections >= WIRE_MAX_INSPECTIONS) {
		json_decref(d);
		return 1;
	}
	x->at_ms = wall_ms;
	snprintf(x->pass_id, sizeof(x->pass_id), "%s", id ? id : "");
	snprintf(x->issuer, sizeof(x->issuer), "%s", issuer ? issuer : "");
	hb->n_inspections++;
	json_decref(d);
	return 0;
}

int
outbox_heartbeat(struct store *s, int64_t started_mono_ms,
    const char *db_path, struct wire_heartbeat *hb)
{
	struct store_status st;
	struct statvfs sv;
	char dir[1024];
	int64_t now = ktime_wall_ms();

	memset(hb, 0, sizeof(*hb));
	if (store_status(s, now, 21, &st) != 0)
		return -1;
	if (fileio_dirname(db_path, dir, sizeof(dir)) != 0 ||
	    statvfs(dir, &sv) != 0)
		memset(&sv, 0, sizeof(sv));
	hb->inspections = calloc(WIRE_MAX_INSPECTIONS,
	    sizeof(*hb->inspections));
	if (hb->inspections == NULL) {
		log_error("out of memory for a heartbeat");
		return -1;
	}
	/* Patrol inspections in the last day, newest first, for the ward
	 * report: the list, how many and the latest, from one query. At most
	 * what the collector takes from one heartbeat. */
	if (store_foreach_event(s, "inspection", now - 86400000,
	    WIRE_MAX_INSPECTIONS, add_inspection, hb) != 0)
		hb->n_inspections = 0;
	snprintf(hb->version, sizeof(hb->version), "%s", KIOSK_VERSION);
	hb->uptime_s = (ktime_mono_ms() - started_mono_ms) / 1000;
	hb->backlog = st.pending_upload;
	hb->quarantined = st.quarantined;
	hb->last_scan_ms = st.last_visit_ms;
	hb->disk_free = (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
	hb->inspections_24h = (int64_t)hb->n_inspections;
	hb->last_inspection_ms = hb->n_inspections > 0 ?
	    hb->inspections[0].at_ms : 0;
	return 0;
}

int
outbox_export(struct store *s, const struct key_pair *dev,
    const struct wire_device *venue,
    const unsigned char authority_pk[KEYS_PUB_LEN], char **file,
    size_t *len, int64_t *visits)
{
	struct wire_export x;
	struct outbox_batch b;
	int64_t after = 0;
	int r;

	*file = NULL;
	*visits = 0;
	memset(&x, 0, sizeof(x));
	x.created_ms = ktime_wall_ms();
	x.dev = *venue;
	memcpy(x.dev.pk, dev->pk, KEYS_PUB_LEN);
	keys_id(dev->pk, x.dev.device_id);
	while ((r = next(s, dev, after, 0, ktime_wall_ms(), STORE_UNSENT, NULL,
	    &b)) == 1) {
		if (wire_export_add(&x, &b.h, b.body, b.len) != 0) {
			outbox_batch_release(&b);
			log_error("out of memory for the export");
			r = -1;
			break;
		}
		/* Past the batch's last row by this store's own seq: a
		 * salvaged row goes out under its old store's seq, which
		 * says nothing of where it sits here. */
		after = b.seqs[b.n - 1];
		*visits += b.h.count;
		outbox_batch_release(&b);
	}
	if (r == 0) {
		*file = wire_export_seal(&x, authority_pk, len);
		if (*file == NULL) {
			log_error("out of memory for the export");
			r = -1;
		}
	}
	wire_export_release(&x);
	return r;
}
