/*
 * kioskctl_status: what the owner asks about the kiosk's state: status
 * (counts, uploads, the collector's last word, the clock, alerts) and
 * quarantine (the visits the collector refused: list, release). See
 * kioskctl.c and docs/kioskctl.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "checkin.h"
#include "config.h"
#include "csv.h"
#include "decode.h"
#include "fileio.h"
#include "http.h"
#include "i18n.h"
#include "image.h"
#include "keys.h"
#include "kioskctl.h"
#include "ktime.h"
#include "log.h"
#include "outbox.h"
#include "parsenum.h"
#include "pass.h"
#include "payload.h"
#include "qr.h"
#include "store.h"
#include "termtext.h"
#include "token.h"
#include "wire.h"

struct reject_list {
	json_t *obj;
	char text[512];
	size_t used;
};

static void
collect_reject(void *ctx, const char *reason, int64_t count)
{
	struct reject_list *rl = ctx;
	int r;

	if (rl->obj != NULL)
		json_object_set_new(rl->obj, reason, json_integer(count));
	if (rl->used < sizeof(rl->text)) {
		r = snprintf(rl->text + rl->used, sizeof(rl->text) - rl->used,
		    "%s%s %lld", rl->used ? ", " : "", reason,
		    (long long)count);
		if (r > 0)
			rl->used += (size_t)r;
	}
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_status st;
	struct store_sync sy;
	char said[TERMTEXT_SIZE(160)];
	struct clock_now clk;
	enum clock_verdict verdict;
	struct reject_list rl;
	struct config c;
	struct store *s;
	const char *health;
	char t1[80], t2[80], t3[80], t4[80];
	int ch, as_json = 0, ret = 1, check;
	int64_t now = ktime_wall_ms();

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return EXIT_USAGE;
		as_json = 1;
	}
	if (optind != argc) {
		return kctl_usage("status", EXIT_USAGE);
	}
	if (kctl_load_config(&c) != 0)
		return 1;
	s = kctl_store();
	if (s == NULL)
		return 1;
	clock_read(&clk);
	if (store_status(s, now, c.retention_days, &st) != 0 ||
	    store_sync_last(s, &sy) != 0 ||
	    store_clock_observe(s, &clk, &verdict) < 0)
		goto done;
	check = store_check_boot(s);	/* once a boot (at open) */
	/* Recovered: a store was moved aside here and its files are still
	 * beside this one (this process or another one moved it). */
	health = check != 0 ? "corrupt" : store_recovered_from(s) ||
	    st.moved > 0 ? "recovered" : "ok";
	memset(&rl, 0, sizeof(rl));
	if (as_json) {
		json_t *j = json_object();

		rl.obj = json_object();
		if (store_rejects(s, collect_reject, &rl) != 0) {
			json_decref(j);
			json_decref(rl.obj);
			goto done;
		}
		json_decref(j);
		j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o, "
		    "s:o, s:o, s:I, s:I, s:o, s:I, s:I}",
		    "venue_id", c.venue_id, "venue_name", c.venue_name,
		    "instance_id", store_instance_id(s),
		    "visits_total", (json_int_t)st.visits_total,
		    "visits_today", (json_int_t)st.visits_today,
		    "pending_upload", (json_int_t)st.pending_upload,
		    "pending_overdue", (json_int_t)st.pending_overdue,
		    "oldest_pending", kctl_json_time(st.oldest_pending_ms),
		    "last_upload", kctl_json_time(st.last_upload_ms),
		    "last_heartbeat", kctl_json_time(st.last_heartbeat_ms),
		    "last_visit", kctl_json_time(st.last_visit_ms),
		    "rejects_today", (json_int_t)st.rejects_today,
		    "rejects_total", (json_int_t)st.rejects_total,
		    "rejects", rl.obj,
		    "seq_max", (json_int_t)st.seq_max,
		    "quarantined", (json_int_t)st.quarantined);
		if (j == NULL)
			goto done;
		json_object_set_new(j, "recovery", json_pack("{s:I, s:I, "
		    "s:I, s:I}", "salvaged", (json_int_t)st.salvaged,
		    "moved_files", (json_int_t)st.moved,
		    "unreadable_files", (json_int_t)st.unreadable,
		    "rolled_back", (json_int_t)st.rolled_back));
		json_object_set_new(j, "clock", json_pack("{s:s, s:s, s:I}",
		    "verdict", clock_verdict_name(verdict), "sync",
		    clock_sync_name(clk.sync), "untrusted_visits",
		    (json_int_t)st.untrusted));
		json_object_set_new(j, "sync", json_pack("{s:s, s:o, s:I, "
		    "s:s, s:o, s:o}", "result", store_sync_result_name(
		    sy.result), "at", kctl_json_time(sy.at_ms), "status",
		    (json_int_t)sy.status, "message", sy.message,
		    "last_ok", kctl_json_time(sy.ok_ms), "heartbeat_ok",
		    kctl_json_time(sy.heartbeat_ok_ms)));
		json_object_set_new(j, "enrolment", json_pack("{s:b, s:s, "
		    "s:s?}", "enrolled", config_enrolled(&c), "collector",
		    c.collector_url, "at", c.enrolled_at[0] ? c.enrolled_at :
		    NULL));
		json_object_set_new(j, "store_health", json_string(health));
		ret = kctl_print_json(j) == 0 ? 0 : 1;
		goto done;
	}
	if (store_rejects(s, collect_reject, &rl) != 0)
		goto done;
	kctl_text_time(st.last_upload_ms, t1, sizeof(t1));
	kctl_text_time(st.last_heartbeat_ms, t2, sizeof(t2));
	kctl_text_time(st.oldest_pending_ms, t3, sizeof(t3));
	printf("venue:            %s (%s)\n", c.venue_name, c.venue_id);
	if (!config_enrolled(&c))
		printf("enrolled:         no: run kioskctl enroll --collector "
		    "URL --token TOKEN (the ward gives both)\n");
	else {
		int64_t at = 0;

		if (c.enrolled_at[0] != '\0' && ktime_parse(c.enrolled_at,
		    &at) != 0)
			at = 0;
		kctl_text_time(at, t4, sizeof(t4));
		printf("enrolled:         yes, with %s%s%s%s\n", c.collector_url,
		    at ? " (since " : "", at ? t4 : "", at ? ")" : "");
	}
	{
		unsigned char pk[KEYS_PUB_LEN];
		char id[KEYS_ID_LEN + 1], pub[CONFIG_PATH_MAX + 8];
		size_t dl = strlen(c.device_key);

		/* The id the ward knows this kiosk by (its public key's). */
		snprintf(pub, sizeof(pub), "%.*s.pub", dl > 4 ? (int)(dl - 4) :
		    0, c.device_key);
		if (access(pub, R_OK) == 0 &&
		    keys_load_public(pub, KEY_ED25519, pk) == 0) {
			keys_id(pk, id);
			printf("device:           %s\n", id);
		}
	}
	if (sy.result != STORE_SYNC_NONE) {
		char code[24] = "";

		/* The collector's last word, whatever it was. */
		if (sy.status != 0 && sy.result != STORE_SYNC_OK)
			snprintf(code, sizeof(code), " (HTTP %ld)", sy.status);
		kctl_text_time(sy.at_ms, t4, sizeof(t4));
		printf("collector said:   %s%s, %s\n", sy.result ==
		    STORE_SYNC_OK ? "ok" : sy.message[0] ? termtext(sy.message,
		    said, sizeof(said)) : "no answer", code, t4);
	}
	printf("store:            %s, instance %s, health %s\n", kctl_db_path(),
	    store_instance_id(s), health);
	printf("visits today:     %lld\n", (long long)st.visits_today);
	printf("visits total:     %lld\n", (long long)st.visits_total);
	printf("not yet uploaded: %lld%s%s%s\n", (long long)st.pending_upload,
	    st.pending_upload ? " (oldest " : "", st.pending_upload ? t3 : "",
	    st.pending_upload ? ")" : "");
	if (st.pending_overdue > 0)
		printf("  warning: %lld of them are older than %d days: check "
		    "the network and kiosk-sync\n",
		    (long long)st.pending_overdue, c.retention_days);
	if (st.quarantined > 0)
		printf("  ALERT: %lld visits were refused by the collector and "
		    "set aside: kioskctl quarantine list\n",
		    (long long)st.quarantined);
	if (st.unreadable > 0)
		printf("  ALERT: %lld corrupt store files moved aside could not "
		    "be read in full (a damaged or empty store): visits in them "
		    "that were not uploaded may be lost; they are kept beside the "
		    "store (%s.corrupt-*): send them to the health office, then "
		    "remove them\n", (long long)st.unreadable, kctl_db_path());
	if (st.salvaged > 0)
		printf("  note: %lld visits not yet uploaded were salvaged from a "
		    "corrupt store\n", (long long)st.salvaged);
	if (st.rolled_back > 0)
		printf("  note: this store was found rolled back %lld times (it "
		    "lost commits, or a copy was put back): later visits went "
		    "under a new instance id, so the collector keeps them all; "
		    "visits made after the copy that were not uploaded are "
		    "lost\n", (long long)st.rolled_back);
	if (st.moved > st.unreadable)
		printf("  note: %lld corrupt store files were salvaged in full "
		    "(%s.corrupt-*.salvaged)\n", (long long)(st.moved -
		    st.unreadable), kctl_db_path());
	if (sy.result == STORE_SYNC_NOT_ENROLLED ||
	    sy.result == STORE_SYNC_ENROLMENT_REFUSED)
		printf("  ALERT: the collector %s this kiosk (HTTP %ld): ask "
		    "the ward for a new enrolment (kioskctl enroll); visits "
		    "are kept\n    it said: %s\n", sy.result ==
		    STORE_SYNC_NOT_ENROLLED ? "does not know" : "refuses",
		    sy.status, termtext(sy.message, said, sizeof(said)));
	if (verdict != CLOCK_TRUSTED || st.untrusted > 0)
		printf("  warning: the clock %s; %lld visits wait to be dated "
		    "again (they are kept, and sent flagged if they cannot "
		    "be)\n", verdict == CLOCK_TRUSTED ? "is trusted again" :
		    "cannot be trusted (not synchronised, or wrong)",
		    (long long)st.untrusted);
	printf("last upload:      %s\n", t1);
	/* The collector's word, apart from the kiosk's own record. */
	kctl_text_time(sy.heartbeat_ok_ms, t4, sizeof(t4));
	printf("last heartbeat:   %s%s\n", sy.heartbeat_ok_ms ? "taken by the "
	    "collector " : "", sy.heartbeat_ok_ms ? t4 : "never taken by the "
	    "collector");
	printf("kiosk app alive:  %s (its last heartbeat on this machine)\n",
	    t2);
	printf("rejected scans:   %lld today, %lld kept in all%s%s%s\n",
	    (long long)st.rejects_today, (long long)st.rejects_total,
	    rl.used ? " (" : "", rl.text, rl.used ? ")" : "");
	ret = 0;
done:
	store_close(s);
	return ret;
}


struct quarantine_list {
	int json;
	int64_t n;
};

static int
list_quarantined(void *ctx, const struct store_visit *v)
{
	struct quarantine_list *q = ctx;
	char at[80], when[80];

	if (v->quarantined_ms == 0)
		return 0;
	kctl_text_time(v->wall_ms, at, sizeof(at));
	kctl_text_time(v->quarantined_ms, when, sizeof(when));
	q->n++;
	if (q->json)
		return kctl_print_json(json_pack("{s:I, s:s, s:s, s:s, s:s}",
		    "seq", (json_int_t)v->seq, "kind", v->kind, "time", at,
		    "set_aside", when, "reason", v->quarantine_reason ?
		    v->quarantine_reason : "")) == 0 ? 0 : -1;
	/* The reason is the collector's words: shown, not obeyed. */
	printf("%8lld  %-8s %s  set aside %s: ", (long long)v->seq, v->kind,
	    at, when);
	termtext_put(stdout, v->quarantine_reason ? v->quarantine_reason : "");
	putchar('\n');
	return 0;
}

/*
 * quarantine list [--json] | quarantine release (--all | SEQ...): the
 * visits the collector refused, kept and set aside; release puts them
 * back in the upload queue (after the collector was fixed, or the kiosk
 * enrolled again).
 */
int
cmd_quarantine(int argc, char **argv)
{
	struct quarantine_list q = { 0, 0 };
	struct store *s = NULL;
	int64_t *seqs = NULL, n;
	int i, all = 0, rc = 1;

	if (argc >= 2 && strcmp(argv[1], "list") == 0 && (argc == 2 ||
	    (argc == 3 && strcmp(argv[2], "--json") == 0))) {
		q.json = argc == 3;
		s = kctl_store();
		if (s == NULL)
			return 1;
		if (store_foreach_visit(s, 0, INT64_MAX, STORE_UNSENT,
		    list_quarantined, &q) == 0) {
			if (!q.json)
				fprintf(stderr, "kioskctl: %lld visits set "
				    "aside\n", (long long)q.n);
			rc = 0;
		}
		store_close(s);
		return rc;
	}
	if (argc < 3 || strcmp(argv[1], "release") != 0)
		goto usage;
	all = argc == 3 && strcmp(argv[2], "--all") == 0;
	if (!all) {
		seqs = calloc((size_t)argc, sizeof(*seqs));
		if (seqs == NULL)
			return 1;
		for (i = 2; i < argc; i++)
			if (parsenum(argv[i], 1, INT64_MAX, &seqs[i - 2]) != 0) {
				fprintf(stderr, "kioskctl: '%s' is not a visit's "
				    "seq (a whole number, as quarantine list "
				    "shows)\n", argv[i]);
				free(seqs);
				return EXIT_USAGE;
			}
	}
	s = kctl_store();
	if (s != NULL) {
		n = store_release(s, all ? NULL : seqs, all ? 0 :
		    (size_t)(argc - 2));
		if (n >= 0) {
			printf("%lld visits back in the upload queue\n",
			    (long long)n);
			rc = 0;
		}
		store_close(s);
	}
	free(seqs);
	return rc;
usage:
	return kctl_usage("quarantine", EXIT_USAGE);
}


/* The clock's verdict and what the store remembers, as text or JSON. */
static int
clock_show(struct store *s, int as_json)
{
	struct clock_memory mem;
	struct store_status st;
	struct clock_now now;
	enum clock_verdict v;
	char t1[80], t2[80];

	clock_read(&now);
	if (store_clock_observe(s, &now, &v) < 0 ||
	    store_clock_state(s, now.boot_id, &mem) != 0 ||
	    store_status(s, now.wall_ms, 21, &st) != 0)
		return 1;
	if (as_json)
		return kctl_print_json(json_pack("{s:s, s:s, s:o, s:o, s:b, "
		    "s:I, s:I}", "verdict", clock_verdict_name(v), "sync",
		    clock_sync_name(now.sync), "now", kctl_json_time(
		    now.wall_ms), "last_trusted", kctl_json_time(
		    mem.last_trusted_ms), "boot_anchor", mem.have_anchor,
		    "boot_anchor_offset_ms", (json_int_t)(mem.have_anchor ?
		    mem.anchor_offset_ms : 0), "untrusted_visits",
		    (json_int_t)st.untrusted)) == 0 ? 0 : 1;
	kctl_text_time(now.wall_ms, t1, sizeof(t1));
	kctl_text_time(mem.last_trusted_ms, t2, sizeof(t2));
	printf("clock:            %s, %s\n", t1, v == CLOCK_TRUSTED ?
	    "trusted" : "NOT trusted");
	printf("verdict:          %s\n", clock_verdict_name(v));
	printf("synchronised:     %s\n", now.sync == CLOCK_SYNC_KERNEL ?
	    "yes (the kernel says so now)" : now.sync == CLOCK_SYNC_MARKER ?
	    "a marker file says so (it may be stale)" : "no");
	printf("this boot:        %s\n", mem.have_anchor ? "trusted before: "
	    "the clock must keep pace with the boot clock" : "not trusted "
	    "before");
	printf("last trusted:     %s\n", t2);
	printf("visits to date:   %lld\n", (long long)st.untrusted);
	if (v == CLOCK_BEHIND || v == CLOCK_JUMPED)
		printf("  note: if the clock is right now, a wrong time was "
		    "trusted before: `kioskctl clock reset` forgets it\n");
	return 0;
}

/*
 * clock status [--json] | clock reset: is the clock trusted, and why
 * (docs/store.md, "Time you can trust"); reset forgets the latest trusted
 * time and this boot's anchor, for when a wrong time was trusted and a
 * right clock is judged behind or jumped.
 */
int
cmd_clock(int argc, char **argv)
{
	struct clock_now now;
	struct store *s;
	int as_json = 0, reset, rc = 1;

	if (argc == 3 && strcmp(argv[1], "status") == 0 &&
	    strcmp(argv[2], "--json") == 0)
		as_json = 1;
	else if (argc != 2 || (strcmp(argv[1], "status") != 0 &&
	    strcmp(argv[1], "reset") != 0)) {
		return kctl_usage("clock", EXIT_USAGE);
	}
	reset = strcmp(argv[1], "reset") == 0;
	s = kctl_store();
	if (s == NULL)
		return 1;
	clock_read(&now);
	if (reset && store_clock_reset(s, now.boot_id) != 0)
		goto done;
	if (reset)
		fprintf(stderr, "kioskctl: the latest trusted time and this "
		    "boot's anchor are forgotten; the clock is judged again:\n");
	rc = clock_show(s, as_json);
done:
	store_close(s);
	return rc;
}
