/*
 * kiosk-sync: uploads the kiosk's visits to the collector whenever it can
 * be reached (DESIGN.md section 6).
 *
 *   kiosk-sync [--db PATH] [--config PATH] [--once] [--interval S]
 *              [--heartbeat S] [--timeout S] [--backoff-cap S]
 *
 * --once sends batches until nothing is left, then one heartbeat, and
 * exits 0; 1 with the reason when the collector cannot be reached or
 * refused visits (set aside); 3 when visits are held back (recorded in
 * this boot while the clock could not be trusted, they wait up to 15
 * minutes of boot time to be re-dated: run it again later). The
 * daemon (default) keeps going: batches back to back while there is a
 * backlog, full-jitter exponential backoff (2 s doubling to 15 min, never
 * less than Retry-After) when the collector is away, a look every
 * --interval seconds when there is nothing, and a heartbeat every
 * --heartbeat seconds. Never deletes anything: the store marks visits
 * uploaded only after the collector's acknowledgement.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "enrol.h"
#include "enrolcode.h"
#include "passlist.h"
#include "fileio.h"
#include "http.h"
#include "keys.h"
#include "ktime.h"
#include "harden.h"
#include "log.h"
#include "outbox.h"
#include "parsenum.h"
#include "store.h"
#include "termtext.h"
#include "uploader.h"
#include "wardname.h"
#include "wipe.h"

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Sleep MS in short steps so a signal stops it. */
static void
nap(int64_t ms)
{
	while (ms > 0 && !stopping) {
		int64_t step = ms > 200 ? 200 : ms;
		struct timespec ts = { 0, (long)step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static int
usage(FILE *f, int status)
{
	fprintf(f, "usage: kiosk-sync [--db PATH] [--config PATH] [--once] "
	    "[--interval S] [--heartbeat S]\n"
	    "                  [--timeout S] [--backoff-cap S]\n");
	if (status == 0)
		fprintf(f, "\nUploads the kiosk's visits to its collector in "
		    "signed batches whenever it\nanswers, with a heartbeat "
		    "every --heartbeat seconds (300); --once sends\nwhat waits "
		    "and one heartbeat, then exits: 0 all sent, 1 failed, 3 "
		    "some\nheld until the clock can be trusted. docs/sync.md; "
		    "man kiosk-sync.\nExample:\n  kiosk-sync --db "
		    "/var/lib/kiosk/visits.db --once\n");
	return status;
}

/*
 * No settings yet: wait for the set-up screen's request (enrol.h) and
 * enrol from it, saying how it goes in the state file the screen reads.
 * 0 set up (the settings are there), 1 stopping, -1 (--once: nothing to
 * do, or it failed; logged).
 */
static int
set_up(const char *db, const char *cfg_path, int once)
{
	int64_t wait = 0, backoff = 2000;
	unsigned char tried[16] = { 0 };	/* the code last tried */
	int said = 0;

	while (!stopping) {
		char *code = NULL, hash[160], why[600];
		struct wire_device got;
		struct enrol_code c;
		int r;

		if (access(cfg_path, F_OK) == 0)
			return 0;
		if (wait > 0) {
			nap(wait > 1000 ? 1000 : wait);
			wait -= 1000;
			/* Another code scanned meanwhile: at once. */
			if (enrol_request_take(db, &code, hash) == 0) {
				unsigned char h[16];

				crypto_generichash(h, sizeof(h),
				    (unsigned char *)code, strlen(code), NULL, 0);
				if (memcmp(h, tried, sizeof(h)) != 0) {
					wait = 0;
					backoff = 2000;
				}
			}
			if (code != NULL) {
				sodium_memzero(code, strlen(code));
				free(code);
			}
			continue;
		}
		r = enrol_request_take(db, &code, hash);
		if (r == 0 && enrol_code_read(code, strlen(code),
		    ktime_wall_ms() / 1000, &c) != ENROL_OK) {
			(void)enrol_progress_put(db, ENROL_PR_REFUSED, "the code "
			    "cannot be used (expired or damaged)");
			enrol_request_drop(db);
		} else if (r == 0) {
			char tv[TERMTEXT_SIZE(64)], tw[TERMTEXT_SIZE(128)];
			char tu[TERMTEXT_SIZE(256)];

			crypto_generichash(tried, sizeof(tried),
			    (unsigned char *)code, strlen(code), NULL, 0);
			log_info("set-up: enrolling with %s for venue %s of ward "
			    "%s", termtext(c.url, tu, sizeof(tu)),
			    termtext(c.venue_id, tv, sizeof(tv)),
			    termtext(c.ward, tw, sizeof(tw)));
			(void)enrol_progress_put(db, ENROL_PR_TRYING, c.url);
			r = enrol_run(db, cfg_path, &c, hash, why, sizeof(why),
			    &got);
			if (r == ENROL_RUN_OK) {
				log_info("set-up: enrolled device %s for venue "
				    "%s", got.device_id, got.venue_id);
				enrol_request_drop(db);
			} else if (r == ENROL_RUN_UNREACHABLE) {
				log_warn("set-up: %s; trying again in %lld s",
				    why, (long long)(backoff / 1000));
				(void)enrol_progress_put(db,
				    ENROL_PR_UNREACHABLE, why);
				wait = backoff;
				backoff = backoff * 2 > 60000 ? 60000 :
				    backoff * 2;
			} else {
				log_error("set-up: not enrolled: %s", why);
				(void)enrol_progress_put(db, r ==
				    ENROL_RUN_REFUSED ? ENROL_PR_REFUSED :
				    ENROL_PR_FAILED, why);
				enrol_request_drop(db);
			}
		}
		if (code != NULL) {
			sodium_memzero(code, strlen(code));
			free(code);
		}
		sodium_memzero(hash, sizeof(hash));
		sodium_memzero(&c, sizeof(c));
		if (access(cfg_path, F_OK) == 0)
			return 0;
		if (once) {
			log_error("this kiosk is not set up: no settings file "
			    "'%s'. Scan the ward's enrolment code on the "
			    "kiosk's screen (or `kioskctl enroll --code "
			    "FILE`)", cfg_path);
			return -1;
		}
		if (!said)
			log_warn("this kiosk is not set up yet: waiting for the "
			    "ward's enrolment code to be scanned on its screen");
		said = 1;
		if (wait == 0)
			nap(1000);
	}
	return 1;
}

/*
 * The ward's pass list, when the collector has a newer one than *HAVE:
 * fetched, checked against the collector's key, kept whole in C's
 * pass_list_file (the kiosk takes it from there).
 */
static void
pass_list(struct uploader *u, const struct config *c, int64_t *have)
{
	struct passlist l;
	char *text;

	log_debug("pass list: the collector has version %lld, this kiosk %lld",
	    (long long)u->pass_list_version, (long long)*have);
	if (!c->have_collector_key || u->pass_list_version <= *have ||
	    uploader_pass_list(u, &text) != 0)
		return;
	if (passlist_read(text, strlen(text), c->collector_pk, &l) != 0) {
		log_warn("the collector's pass list is not signed by the key "
		    "this kiosk was enrolled with: not taken");
	} else if (!ward_same(l.ward, c->ward)) {
		char tw[TERMTEXT_SIZE(128)];

		log_warn("the collector sent the pass list of another ward "
		    "('%s'): not taken", termtext(l.ward, tw, sizeof(tw)));
	} else if (l.version > *have) {
		if (fileio_write_atomic(c->pass_list_file, text, strlen(text),
		    0600) == 0) {
			log_info("the ward's pass list, version %lld (%zu "
			    "issuers, %zu revoked passes), taken",
			    (long long)l.version, l.n_issuers, l.n_revoked);
			*have = l.version;
		}
	}
	passlist_free(&l);
	free(text);
}

static void
heartbeat(struct uploader *u, int64_t started_ms, const char *db,
    const char *hours)
{
	struct wire_heartbeat hb;

	if (outbox_heartbeat(u->store, started_ms, db, &hb) != 0)
		return;
	/* The venue's opening hours: the ward's report counts gaps only
	 * while it is open. */
	snprintf(hb.hours, sizeof(hb.hours), "%s", hours);
	{
		/* Its time zone: the hours are the venue's, wherever the
		 * collector is. */
		time_t t = time(NULL);
		struct tm tm;

		if (localtime_r(&t, &tm) != NULL) {
			hb.have_utc_offset = 1;
			hb.utc_offset_min = (int)(tm.tm_gmtoff / 60);
		}
	}
	(void)uploader_heartbeat(u, &hb);
	wire_heartbeat_release(&hb);
}

/*
 * One of the options given in seconds, checked: --interval, --heartbeat
 * and --backoff-cap 1 s to a day, --timeout 2 s to an hour. Returns 0, or
 * -1 with the value and the range said.
 */
static int
option_seconds(int ch, const char *v, long *interval, long *beat,
    long *timeout, long *cap)
{
	static const struct {
		int ch;
		const char *name;
		long lo, hi;
	} opts[] = { { 'i', "--interval", 1, 86400 },
	    { 'b', "--heartbeat", 1, 86400 }, { 't', "--timeout", 2, 3600 },
	    { 'B', "--backoff-cap", 1, 86400 } };
	long *dst[] = { interval, beat, timeout, cap };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (opts[i].ch != ch)
			continue;
		if (parsenum_long(v, opts[i].lo, opts[i].hi, dst[i]) == 0)
			return 0;
		fprintf(stderr, "kiosk-sync: %s '%s': want whole seconds from "
		    "%ld to %ld\n", opts[i].name, v, opts[i].lo, opts[i].hi);
		return -1;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, '1' },
		{ "interval", required_argument, NULL, 'i' },
		{ "heartbeat", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "backoff-cap", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *db = getenv("KIOSK_DB"), *cfg_path = NULL;
	char cpath[CONFIG_PATH_MAX];
	int once = 0, ch, attempt = 0, refused = 0, ret = 1;
	long interval = 30, beat = 300, timeout = 60, backoff_cap = 900;
	int64_t started = ktime_mono_ms(), next_beat = 0, sent = 0;
	int64_t next_purge = 0, list_version = 0;
	struct upload_outcome o;
	struct uploader u;
	struct key_pair dev;
	struct config c;

	log_set_prefix("kiosk-sync");
	harden_process();
	wipe_json_setup();
	if (db == NULL || *db == '\0')
		db = "/var/lib/kiosk/visits.db";
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': db = optarg; break;
		case 'c': cfg_path = optarg; break;
		case '1': once = 1; break;
		case 'i':
		case 'b':
		case 't':
		case 'B':
			if (option_seconds(ch, optarg, &interval, &beat,
			    &timeout, &backoff_cap) != 0)
				return 2;
			break;
		case 'h': return usage(stdout, 0);
		case 'V': printf("kiosk-sync %s\n", KIOSK_VERSION); return 0;
		default: return usage(stderr, 2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kiosk-sync: unexpected '%s'\n", argv[optind]);
		return 2;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	config_defaults(&c, db);
	if (cfg_path == NULL) {
		if (config_path_for(db, cpath, sizeof(cpath)) != 0)
			return 1;
		cfg_path = cpath;
	}
	if (access(cfg_path, F_OK) != 0) {
		int r;

		signal(SIGTERM, on_signal);
		signal(SIGINT, on_signal);
		if (!once)
			sd_notify(0, "READY=1\nSTATUS=waiting for set-up");
		r = set_up(db, cfg_path, once);
		if (r != 0)
			return r < 0 ? 1 : 0;
	}
	if (config_load(cfg_path, &c) != 0)
		return 1;
	if (!config_enrolled(&c)) {
		/* No collector to try yet. As a service it waits for the
		 * enrolment (a restart loop would say this every 5 s). */
		log_error("this kiosk is not enrolled with its ward's collector "
		    "yet: run `kioskctl enroll --collector URL --token TOKEN` "
		    "(the ward gives the URL and a token); its visits are kept "
		    "until then");
		if (once)
			return 1;
		signal(SIGTERM, on_signal);
		signal(SIGINT, on_signal);
		while (!stopping && !config_enrolled(&c)) {
			nap(30 * 1000);
			if (config_load(cfg_path, &c) != 0)
				return 1;
		}
		if (stopping)
			return 0;
		log_info("enrolled with %s: uploading", c.collector_url);
	}
	if (keys_load_secret(c.device_key, KEY_ED25519, &dev) != 0) {
		log_error("no device key: run `kioskctl init` and `kioskctl "
		    "enroll` first");
		return 1;
	}
	if (c.have_collector_key) {
		struct passlist l;

		if (passlist_load(c.pass_list_file, c.collector_pk, &l) == 0)
			list_version = l.version;
		passlist_free(&l);
	}
	memset(&u, 0, sizeof(u));
	u.store = store_open(db);
	if (u.store == NULL)
		goto out;
	u.device = &dev;
	keys_id(dev.pk, u.device_id);
	u.base_url = c.collector_url;
	http_trust(c.collector_ca);
	u.timeout_s = timeout;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (!once)
		sd_notify(0, "READY=1");

	while (!stopping) {
		struct clock_now now;

		/* Visits recorded while the clock could not be trusted are
		 * re-dated as soon as it can, before they leave. */
		clock_read(&now);
		(void)store_clock_observe(u.store, &now, NULL);
		/* Retention by itself, once a day (and at start): uploaded
		 * visits older than retention_days go. */
		if (!once && ktime_mono_ms() >= next_purge) {
			struct store_purge_res pr;

			if (store_purge(u.store, ktime_wall_ms(),
			    c.retention_days, &pr) == 0 && pr.visits_deleted > 0)
				log_info("retention: %lld uploaded visits older "
				    "than %d days deleted", (long long)pr.visits_deleted,
				    c.retention_days);
			next_purge = ktime_mono_ms() + 86400000LL;
		}
		if (!once && ktime_mono_ms() >= next_beat) {
			heartbeat(&u, started, db, c.hours);
			pass_list(&u, &c, &list_version);
			next_beat = ktime_mono_ms() + beat * 1000;
		}
		switch (uploader_batch(&u, &o)) {
		case UPLOAD_SENT:
			attempt = 0;
			sent += o.count;
			refused |= o.refused > 0;
			log_debug("sent visits %lld-%lld", (long long)o.first_seq,
			    (long long)o.last_seq);
			continue;
		case UPLOAD_QUARANTINED:
			refused = 1;
			continue;
		case UPLOAD_SPLIT:
			continue;
		case UPLOAD_NOTHING:
			if (once) {
				/* A pass ends with the kiosk's state, so the
				 * ward report sees the backlog gone. */
				heartbeat(&u, started, db, c.hours);
				pass_list(&u, &c, &list_version);
				ret = refused ? 1 : o.held > 0 ? 3 : 0;
				if (refused)
					log_error("some visits were refused by "
					    "the collector and set aside");
				if (o.held > 0)
					log_warn("%lld visits uploaded; %lld "
					    "held back: recorded in this boot "
					    "while the clock could not be "
					    "trusted, they wait (at most 15 "
					    "minutes after they were made) to "
					    "be dated again; run again later",
					    (long long)sent, (long long)o.held);
				else
					log_info("%lld visits uploaded; nothing "
					    "left", (long long)sent);
				goto out;
			}
			nap(interval * 1000);
			continue;
		case UPLOAD_RETRY:
			if (once) {
				log_error("cannot upload to %s: %s",
				    c.collector_url, o.message);
				goto out;
			}
			attempt++;
			{
				int64_t wait = uploader_backoff_ms(attempt,
				    o.retry_after_s, backoff_cap * 1000);

				log_warn("collector not available (%s); "
				    "retrying in %lld s", o.message,
				    (long long)(wait / 1000));
				nap(wait);
			}
			continue;
		case UPLOAD_ERROR:
			log_error("upload stopped: %s", o.message);
			if (once)
				goto out;
			nap(5000);
			continue;
		}
	}
	ret = 0;
out:
	store_close(u.store);
	keys_wipe(&dev);
	curl_global_cleanup();
	return ret;
}
