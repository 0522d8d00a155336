/*
 * collector: the ward's server and its commands. Kiosks enrol and upload
 * signed batches to it; tracers and patrols query it (docs/sync.md,
 * docs/trace.md).
 *
 *   collector serve --listen ADDR:PORT --db URL [--max-body BYTES]
 *   collector token --db URL --role device-enrolment|tracer|patrol|admin
 *                   [--ward W]
 *   collector stats --db URL [--json]
 *   collector purge --db URL --older-than DAYS
 *   collector trace|audit|report|verify-receipt|import ...
 *
 * URL is sqlite:PATH or postgresql://USER@HOST:PORT/DBNAME (db.h). The
 * HTTP API is api.h, carried by server.c; meant to sit behind a TLS proxy.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "collector_cmds.h"
#include "db.h"
#include "ktime.h"
#include "harden.h"
#include "log.h"
#include "parsenum.h"
#include "query.h"
#include "server.h"
#include "wipe.h"

static int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "ward", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const roles[] = { "device-enrolment", "tracer",
	    "patrol", "admin" };
	const char *url = NULL, *role = NULL, *ward = NULL;
	char tok[DB_TOKEN_LEN + 1];
	struct db *db;
	size_t i;
	int ch, ok = 0, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'r': role = optarg; break;
		case 'w': ward = optarg; break;
		default: return 2;
		}
	}
	for (i = 0; role != NULL && i < 4; i++)
		ok |= strcmp(role, roles[i]) == 0;
	if (url == NULL)
		url = collector_db_default();
	if (!ok) {
		fprintf(stderr, "usage: collector token --db URL --role "
		    "device-enrolment|tracer|patrol|admin [--ward W]\n");
		return 2;
	}
	db = db_open(url);
	if (db == NULL)
		return 1;
	r = db_token_new(db, role, ward, tok);
	db_close(db);
	if (r != 0)
		return 1;
	printf("%s token%s%s (shown once; stored hashed):\n%s\n", role,
	    ward ? " for ward " : "", ward ? ward : "", tok);
	sodium_memzero(tok, sizeof(tok));
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
		fprintf(stderr, "usage: collector stats [--db URL] [--json]\n");
		return 2;
	}
	db = db_open(url);
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
		fprintf(stderr, "usage: collector purge --db URL --older-than "
		    "DAYS (1 or more)\n");
		return 2;
	}
	db = db_open(url);
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

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = { { "serve", server_main }, { "token", cmd_token },
	    { "stats", cmd_stats }, { "purge", cmd_purge },
	    { "trace", cmd_trace }, { "audit", cmd_audit },
	    { "report", cmd_report }, { "verify-receipt", cmd_verify_receipt },
	    { "import", cmd_import } };
	size_t i;

	log_set_prefix("collector");
	harden_process();
	wipe_json_setup();
	if (sodium_init() < 0)
		return 1;
	if (argc >= 2)
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(argv[1], cmds[i].name) == 0) {
				optind = 0;
				return cmds[i].fn(argc - 1, argv + 1);
			}
	fprintf(stderr, "usage: collector serve|token|stats|purge|trace|audit|"
	    "report|verify-receipt|import ...\n"
	    "  (each says its own usage; docs/sync.md, docs/trace.md)\n");
	return 2;
}
