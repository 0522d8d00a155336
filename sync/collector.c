/*
 * collector: the ward's server and its commands. Kiosks enrol and upload
 * signed batches to it; tracers and patrols query it (docs/sync.md,
 * docs/trace.md).
 *
 *   collector serve --listen ADDR:PORT --db URL [--max-body BYTES]
 *   collector token --db URL --role tracer|patrol|admin [--ward W]
 *   collector token --db URL --role device-enrolment --ward W
 *                   [--venue-id ID [--venue-name N] [--address A]]
 *   collector devices list [--ward W] [--json] | revoke DEVICE
 *   collector stats --db URL [--json]
 *   collector purge --db URL --older-than DAYS
 *   collector trace|audit|report|verify-receipt|import ...
 *
 * URL is sqlite:PATH or postgresql://USER@HOST:PORT/DBNAME (db.h). The
 * HTTP API is api.h, carried by server.c; meant to sit behind a TLS proxy.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cmdhelp.h"
#include "collector_cmds.h"
#include "db.h"
#include "db_ward.h"
#include "enrolcode.h"
#include "keys.h"
#include "fileio.h"
#include "ktime.h"
#include "harden.h"
#include "log.h"
#include "parsenum.h"
#include "query.h"
#include "termtext.h"
#include "wire.h"
#include "server.h"
#include "wipe.h"


/* The devices of a ward, or of all: who they are, last seen, revoked. */
static int
devices_list(struct db *db, const char *ward, int as_json)
{
	struct db_venue_status *v;
	size_t n, i;
	char a[40], b[40], c[40];

	if (db_ward_devices(db, ward, &v, &n) != 0)
		return 1;
	if (as_json) {
		if (query_devices_print(stdout, v, n) != 0) {
			db_ward_devices_free(v, n);
			return 1;
		}
		db_ward_devices_free(v, n);
		return 0;
	}
	printf("%zu devices%s%s\n", n, ward ? " of ward " : "", "");
	if (ward)
		termtext_put(stdout, ward), putchar('\n');
	for (i = 0; i < n; i++) {
		a[0] = b[0] = c[0] = '\0';
		(void)ktime_format(v[i].enrolled_ms, a, sizeof(a));
		if (v[i].last_heartbeat_ms > 0)
			(void)ktime_format(v[i].last_heartbeat_ms, b,
			    sizeof(b));
		if (v[i].revoked_ms > 0)
			(void)ktime_format(v[i].revoked_ms, c, sizeof(c));
		printf("%s  ", v[i].dev.device_id);
		termtext_put(stdout, v[i].dev.venue_id);
		fputs("  ", stdout);
		termtext_put(stdout, v[i].dev.venue_name);
		fputs("  ward ", stdout);
		termtext_put(stdout, v[i].dev.ward);
		printf("\n    enrolled %s, last heartbeat %s%s%s\n", a,
		    b[0] ? b : "never", c[0] ? ", REVOKED " : "", c);
	}
	db_ward_devices_free(v, n);
	return 0;
}

/*
 * collector devices list [--ward W] [--json]
 * collector devices revoke DEVICE
 */
static int
cmd_devices(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "ward", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *ward = NULL, *what;
	char who[64], detail[128];
	struct db *db;
	int ch, as_json = 0, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'w': ward = optarg; break;
		case 'j': as_json = 1; break;
		default: return 2;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	what = optind < argc ? argv[optind] : "";
	if (!((strcmp(what, "list") == 0 && optind + 1 == argc) ||
	    (strcmp(what, "revoke") == 0 && optind + 2 == argc &&
	    ward == NULL && !as_json))) {
		return collector_usage("devices", 2);
	}
	if (strcmp(what, "revoke") == 0 && (strlen(argv[optind + 1]) !=
	    KEYS_ID_LEN || strspn(argv[optind + 1], "0123456789abcdef") !=
	    KEYS_ID_LEN)) {
		fprintf(stderr, "collector: a device id is %d hex characters "
		    "(collector devices list shows them)\n", KEYS_ID_LEN);
		return 2;
	}
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	if (strcmp(what, "list") == 0) {
		rc = devices_list(db, ward, as_json);
		db_close(db);
		return rc;
	}
	rc = db_device_revoke(db, argv[optind + 1], ktime_wall_ms());
	if (rc == 0) {
		snprintf(who, sizeof(who), "cli:%s", getenv("USER") ?
		    getenv("USER") : "?");
		snprintf(detail, sizeof(detail), "{\"device\":\"%s\"}",
		    argv[optind + 1]);
		(void)db_audit_add(db, ktime_wall_ms(), who, "revoke", detail,
		    1);
	}
	db_close(db);
	if (rc < 0)
		return 1;
	if (rc == 1) {
		fprintf(stderr, "collector: no device %s here\n",
		    argv[optind + 1]);
		return 1;
	}
	printf("device %s %s: its uploads, heartbeats, receipts and venue "
	    "codes are refused; its visits are kept\n", argv[optind + 1],
	    rc == 2 ? "was revoked already" : "revoked");
	return 0;
}

static int
cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL;
	struct db_stats st;
	struct db *db;
	int ch, as_json = 0, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'j': as_json = 1; break;
		default: return 2;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (optind != argc) {
		return collector_usage("stats", 2);
	}
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	rc = db_stats(db, &st);
	db_close(db);
	if (rc != 0)
		return 1;
	rc = query_stats_print(stdout, &st, as_json);
	db_stats_release(&st);
	return rc == 0 ? 0 : 1;
}

/* Retention: whole days older than DAYS go (partitions on PostgreSQL). */
static int
cmd_purge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *days = NULL;
	struct db *db;
	int64_t n = -1, gone;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'o': days = optarg; break;
		default: return 2;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (parsenum(days, 1, 36500, &n) != 0) {
		return collector_usage("purge", 2);
	}
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	gone = db_purge(db, ktime_wall_ms() - (int64_t)n * 86400000);
	db_close(db);
	if (gone < 0)
		return 1;
	printf("purged %lld visits from days older than %lld days\n",
	    (long long)gone, (long long)n);
	return 0;
}

/* collector wards [--db URL] [--json]: the wards, their venues, devices. */
static int
cmd_wards(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL;
	char t[TERMTEXT_SIZE(128)];
	struct db_ward *w;
	struct db *db;
	size_t n, i;
	int ch, as_json = 0, rc;
	json_t *j;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'j': as_json = 1; break;
		default: return collector_usage("wards", 2);
		}
	}
	if (optind != argc)
		return collector_usage("wards", 2);
	db = db_open_existing(url ? url : collector_db_default());
	if (db == NULL)
		return 1;
	rc = db_wards(db, &w, &n);
	db_close(db);
	if (rc != 0)
		return 1;
	if (as_json) {
		j = json_array();
		for (i = 0; i < n && j != NULL; i++)
			json_array_append_new(j, json_pack("{s:s, s:I, s:I}",
			    "ward", w[i].name, "venues",
			    (json_int_t)w[i].venues, "devices",
			    (json_int_t)w[i].devices));
		rc = j != NULL && json_dumpf(j, stdout, JSON_COMPACT) == 0 &&
		    putchar('\n') != EOF ? 0 : 1;
		json_decref(j);
	} else {
		printf("%zu wards\n", n);
		for (i = 0; i < n; i++)
			printf("  %-40s %4lld venues, %4lld devices\n",
			    w[i].name[0] ? termtext(w[i].name, t, sizeof(t)) :
			    "(no ward)", (long long)w[i].venues,
			    (long long)w[i].devices);
	}
	free(w);
	return rc;
}

/*
 * collector init --db URL: make the collector's database (a new SQLite
 * file, or the tables in an existing PostgreSQL database), or bring one
 * up to date. The only command besides serve that makes a database.
 * With --shards FILE, the database is a coordinator whose visits live on
 * its districts' servers (db_shards_setup).
 */
static int
cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "authority-key", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "shards", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *authority = NULL, *shards = NULL;
	int force = 0;
	unsigned char apk[KEYS_PUB_LEN];
	char fpr[ENROL_FPR_LEN + 1];
	struct key_pair key;
	struct db *db;
	int ch, existed, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'k': authority = optarg; break;
		case 'f': force = 1; break;
		case 's': shards = optarg; break;
		default: return 2;
		}
	}
	if (authority != NULL &&
	    keys_load_public(authority, KEY_X25519, apk) != 0)
		return 1;
	if (url == NULL)
		url = collector_db_default();
	if (optind != argc)
		return collector_usage("init", 2);
	/* A new SQLite file's folder too, private. */
	if (strncmp(url, "sqlite:", 7) == 0) {
		char dir[4096];

		if (fileio_dirname(url + 7, dir, sizeof(dir)) == 0 &&
		    fileio_mkdirs(dir, 0700) != 0) {
			fprintf(stderr, "collector: cannot make the folder "
			    "'%s': %s\n", dir, strerror(errno));
			return 1;
		}
	}
	/* A SQLite file that was there is kept (and brought up to date). */
	existed = strncmp(url, "sqlite:", 7) == 0 && access(url + 7, F_OK) == 0;
	db = db_open(url);
	if (db == NULL)
		return 1;
	/* The key that signs enrolment codes and pass lists: made once. */
	r = db_collector_key(db, &key, 1);
	if (r == 0 && authority != NULL) {
		unsigned char had[KEYS_PUB_LEN];

		/* Kiosks enrolled already seal to the key they were given:
		 * another is set only when meant (--force). */
		if (db_authority_get(db, had) == 0 &&
		    memcmp(had, apk, KEYS_PUB_LEN) != 0 && !force) {
			char was[KEYS_ID_LEN + 1], now[KEYS_ID_LEN + 1];

			keys_id(had, was);
			keys_id(apk, now);
			fprintf(stderr, "collector: this collector gives kiosks "
			    "the health authority key %s already, not %s: the "
			    "kiosks enrolled so far seal visitors' data to it. "
			    "To change it for the kiosks enrolled from now on, "
			    "run init again with --force\n", was, now);
			r = -1;
		} else {
			r = db_authority_set(db, apk);
		}
	}
	/* A coordinator of district shards (docs/scaling.md). */
	if (r == 0 && shards != NULL)
		r = db_shards_setup(db, shards, stdout);
	if (r != 0) {
		keys_wipe(&key);
		db_close(db);
		return 1;
	}
	enrol_fingerprint(key.pk, fpr);
	keys_wipe(&key);
	printf("collector database ready (%s%s)\n", db_backend(db), existed ?
	    ", the file was there: kept, up to date" : "");
	printf("signing key fingerprint %s (printed on enrolment sheets)\n",
	    fpr);
	if (authority != NULL)
		printf("health authority's key: %s (given to kiosks in their "
		    "enrolment codes)\n", authority);
	else if (db_authority_get(db, apk) == 1)
		printf("no health authority's key yet: enrolment codes need "
		    "it (collector init --authority-key FILE.pub)\n");
	db_close(db);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = { { "init", cmd_init }, { "serve", server_main },
	    { "token", cmd_token }, { "pass", cmd_pass },
	    { "devices", cmd_devices }, { "wards", cmd_wards },
	    { "stats", cmd_stats }, { "purge", cmd_purge },
	    { "trace", cmd_trace }, { "audit", cmd_audit },
	    { "report", cmd_report }, { "verify-receipt", cmd_verify_receipt },
	    { "import", cmd_import } };
	size_t i;

	log_set_prefix("collector");
	/* -v (anywhere) for the info lines of a command a person types;
	 * serve, a service, has them anyway. */
	log_set_default(argc >= 2 && strcmp(argv[1], "serve") == 0 ? LOG_INFO :
	    LOG_WARN);
	for (i = 1; i < (size_t)argc; i++)
		if (strcmp(argv[i], "-v") == 0 ||
		    strcmp(argv[i], "--verbose") == 0) {
			log_set_default(LOG_INFO);
			memmove(argv + i, argv + i + 1,
			    (size_t)(argc - (int)i) * sizeof(*argv));
			argc--;
			i--;
		}
	harden_process();
	wipe_json_setup();
	if (sodium_init() < 0)
		return 1;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0))
		return collector_usage(NULL, 0);
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("collector %s\n", KIOSK_VERSION);
		return 0;
	}
	if (argc >= 2)
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(argv[1], cmds[i].name) == 0) {
				if (cmdhelp_wanted(argc - 1, argv + 1))
					return collector_usage(cmds[i].name,
					    0);
				optind = 0;
				return cmds[i].fn(argc - 1, argv + 1);
			}
	if (argc >= 2)
		fprintf(stderr, "collector: '%s' is not a command\n",
		    argv[1]);
	return collector_usage(NULL, 2);
}
