/*
 * collector_cmds: the collector's commands for tracers and patrols
 * (docs/trace.md). Each opens the store, asks query.c, prints.
 *
 *   collector trace --db URL --subject KIND:ID [--from T] [--to T]
 *       [--depth 1|2] [--min-overlap MIN] [--default-stay MIN]
 *       [--format table|json|csv] [--authority-secret FILE] [--out FILE]
 *   collector audit --db URL [--format table|json]
 *   collector report --db URL --ward W [--date D] [--silent-after MIN]
 *       [--format table|json|csv]
 *   collector verify-receipt --db URL (TEXT | -)
 *   collector import --db URL --authority-secret FILE [--token T] FILE
 */
#include "collector_cmds.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "export_file.h"
#include "fileio.h"
#include "ingest.h"
#include "keys.h"
#include "ktime.h"
#include "log.h"
#include "query.h"
#include "trace.h"

#define EXIT_USAGE 2
#define EXIT_REFUSED 3
#define DAY_MS INT64_C(86400000)

/* A whole number in [LO, HI], or -1. */
static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= lo && v <= hi ? v : -1;
}

/* Who is asking, for the audit log: the login behind sudo if any. */
static void
cli_who(char *out, size_t size)
{
	const struct passwd *pw = getpwuid(geteuid());
	const char *sudo = getenv("SUDO_USER");

	const char *name = pw ? pw->pw_name : "unknown";

	if (sudo != NULL)
		snprintf(out, size, "cli:%s (sudo by %s)", name, sudo);
	else
		snprintf(out, size, "cli:%s", name);
}

static int
write_out(const char *path, int (*print)(FILE *, const json_t *,
    const char *), const json_t *r, const char *format)
{
	FILE *f = stdout;
	int rc;

	if (path != NULL && strcmp(path, "-") != 0) {
		f = fopen(path, "w");
		if (f == NULL) {
			log_error("cannot write '%s': %m", path);
			return 1;
		}
	}
	rc = print(f, r, format);
	if (f != stdout && fclose(f) != 0)
		rc = -1;
	if (rc != 0) {
		log_error("could not write the result");
		return 1;
	}
	return 0;
}

int
cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "subject", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "depth", required_argument, NULL, 'D' },
		{ "min-overlap", required_argument, NULL, 'm' },
		{ "default-stay", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'F' },
		{ "authority-secret", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct trace_opts o = { .depth = 1,
	    .min_overlap_ms = TRACE_DEFAULT_MIN_OVERLAP * 60000,
	    .default_stay_ms = TRACE_DEFAULT_STAY_MIN * 60000 };
	const char *url = NULL, *subject = NULL, *from = NULL, *to = NULL,
	    *format = "table", *secret = NULL, *out = NULL;
	struct key_pair authority;
	char who[128];
	struct db *db;
	json_t *r;
	long v;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 's': subject = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'D':
			if ((v = number(optarg, 1, 2)) < 0)
				goto usage;
			o.depth = (int)v;
			break;
		case 'm':
			if ((v = number(optarg, 0, 24 * 60)) < 0)
				goto usage;
			o.min_overlap_ms = v * 60000;
			break;
		case 'S':
			if ((v = number(optarg, 1, 12 * 60)) < 0)
				goto usage;
			o.default_stay_ms = v * 60000;
			break;
		case 'F': format = optarg; break;
		case 'a': secret = optarg; break;
		case 'o': out = optarg; break;
		default: goto usage;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (subject == NULL || optind != argc ||
	    (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0))
		goto usage;
	if (trace_subject(subject, o.kind, o.subject) != 0) {
		fprintf(stderr, "collector: --subject '%s' is not KIND:ID "
		    "(cccd:<12 digits>, phone:<number>, pccovid:ID, pass:ID)\n",
		    subject);
		return EXIT_USAGE;
	}
	o.to_ms = ktime_wall_ms();
	if (to != NULL && ktime_parse(to, &o.to_ms) != 0) {
		fprintf(stderr, "collector: --to '%s' is not a time "
		    "(2026-11-22, 2026-11-22T08:30, or Unix seconds)\n", to);
		return EXIT_USAGE;
	}
	o.from_ms = o.to_ms - 14 * DAY_MS;
	if (from != NULL && ktime_parse(from, &o.from_ms) != 0) {
		fprintf(stderr, "collector: --from '%s' is not a time\n", from);
		return EXIT_USAGE;
	}
	if (o.from_ms >= o.to_ms) {
		fprintf(stderr, "collector: --from must come before --to\n");
		return EXIT_USAGE;
	}
	if (secret != NULL) {
		if (keys_load_secret(secret, KEY_X25519, &authority) != 0)
			return 1;
		o.authority = &authority;
	}
	db = db_open(url);
	if (db == NULL) {
		if (o.authority != NULL)
			keys_wipe(&authority);
		return 1;
	}
	cli_who(who, sizeof(who));
	r = query_trace(db, &o, who);
	db_close(db);
	if (o.authority != NULL)
		keys_wipe(&authority);
	if (r == NULL)
		return 1;
	rc = write_out(out, trace_print, r, format);
	json_decref(r);
	return rc;
usage:
	fprintf(stderr, "usage: collector trace --db URL --subject KIND:ID "
	    "[--from T] [--to T] [--depth 1|2]\n"
	    "         [--min-overlap MIN] [--default-stay MIN] "
	    "[--format table|json|csv]\n"
	    "         [--authority-secret FILE] [--out FILE]\n");
	return EXIT_USAGE;
}

static int
audit_print(FILE *f, const json_t *a, const char *format)
{
	size_t i;
	json_t *e;

	if (strcmp(format, "json") == 0) {
		if (json_dumpf(a, f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
			return -1;
		fputc('\n', f);
		return ferror(f) ? -1 : 0;
	}
	json_array_foreach(a, i, e) {
		char when[40] = "?", *detail;

		(void)ktime_format(json_integer_value(json_object_get(e,
		    "at_ms")), when, sizeof(when));
		detail = json_dumps(json_object_get(e, "detail"), JSON_COMPACT |
		    JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
		fprintf(f, "%s  %-30s %-8s %4lld  %s\n", when,
		    json_string_value(json_object_get(e, "who")),
		    json_string_value(json_object_get(e, "action")),
		    (long long)json_integer_value(json_object_get(e, "results")),
		    detail ? detail : "");
		free(detail);
	}
	return ferror(f) ? -1 : 0;
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *format = "table";
	struct db *db;
	char *s;
	json_t *a;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'F': format = optarg; break;
		default: goto usage;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (optind != argc || (strcmp(format, "table") != 0 &&
	    strcmp(format, "json") != 0))
		goto usage;
	db = db_open(url);
	if (db == NULL)
		return 1;
	s = db_audit_list(db);
	db_close(db);
	a = s ? json_loads(s, 0, NULL) : NULL;
	free(s);
	if (a == NULL)
		return 1;
	rc = write_out(NULL, audit_print, a, format);
	json_decref(a);
	return rc;
usage:
	fprintf(stderr, "usage: collector audit --db URL [--format "
	    "table|json]\n");
	return EXIT_USAGE;
}

int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "ward", required_argument, NULL, 'w' },
		{ "date", required_argument, NULL, 'D' },
		{ "silent-after", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *ward = NULL, *date = NULL, *format = "table",
	    *out = NULL;
	int64_t now = ktime_wall_ms(), day = now;
	long silent = REPORT_SILENT_MIN;
	struct db *db;
	json_t *r;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'w': ward = optarg; break;
		case 'D': date = optarg; break;
		case 's':
			if ((silent = number(optarg, 1, 7 * 24 * 60)) < 0)
				goto usage;
			break;
		case 'F': format = optarg; break;
		case 'o': out = optarg; break;
		default: goto usage;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (ward == NULL || optind != argc ||
	    (strcmp(format, "table") != 0 && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0))
		goto usage;
	if (date != NULL && ktime_parse(date, &day) != 0) {
		fprintf(stderr, "collector: --date '%s' is not a date "
		    "(2026-11-22)\n", date);
		return EXIT_USAGE;
	}
	db = db_open(url);
	if (db == NULL)
		return 1;
	r = query_report(db, ward, day, now, (int)silent);
	db_close(db);
	if (r == NULL)
		return 1;
	rc = write_out(out, query_report_print, r, format);
	json_decref(r);
	return rc;
usage:
	fprintf(stderr, "usage: collector report --db URL --ward W [--date "
	    "YYYY-MM-DD] [--silent-after MIN]\n"
	    "         [--format table|json|csv] [--out FILE]\n");
	return EXIT_USAGE;
}

int
cmd_verify_receipt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL;
	char text[2048];
	struct db *db;
	json_t *r;
	int ch, valid;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'd')
			goto usage;
		url = optarg;
	}
	if (url == NULL)
		url = collector_db_default();
	if (optind != argc - 1)
		goto usage;
	if (strcmp(argv[optind], "-") == 0) {
		size_t n = fread(text, 1, sizeof(text) - 1, stdin);

		text[n] = '\0';
		text[strcspn(text, "\r\n")] = '\0';
	} else {
		snprintf(text, sizeof(text), "%s", argv[optind]);
	}
	db = db_open(url);
	if (db == NULL)
		return 1;
	r = query_receipt(db, text);
	db_close(db);
	if (r == NULL)
		return 1;
	valid = json_is_true(json_object_get(r, "valid"));
	json_dumpf(r, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(r);
	return valid ? 0 : EXIT_REFUSED;
usage:
	fprintf(stderr, "usage: collector verify-receipt --db URL (TEXT | -)"
	    "\n");
	return EXIT_USAGE;
}

/* The export's inner JSON: the sealed box opened, or NULL (logged). */
static json_t *
open_export(const char *path, const struct key_pair *authority)
{
	const char *why;
	size_t len;
	char *text = fileio_read(path, 256 * 1024 * 1024, &len);
	json_t *j;

	if (text == NULL)
		return NULL;
	j = export_open(text, len, authority, &why);
	free(text);
	if (j == NULL)
		log_error("'%s': %s", path, why);
	return j;
}

/*
 * The exporting kiosk's key must be the one enrolled under its id; an
 * unknown kiosk is enrolled from the file with a device-enrolment TOKEN.
 * Returns 0 (with *ENROLLED set when it was), or 1 (logged).
 */
static int
device_of(struct db *db, const json_t *dj, const char *token, int *enrolled)
{
	struct db_device dev;
	unsigned char known[KEYS_PUB_LEN];
	const char *why;
	int rc;

	*enrolled = 0;
	if (export_device(dj, &dev, &why) != 0) {
		log_error("the export is refused: %s", why);
		return 1;
	}
	rc = db_device_key(db, dev.device_id, known);
	if (rc < 0)
		return 1;
	if (rc == 0) {
		if (memcmp(known, dev.pk, KEYS_PUB_LEN) != 0) {
			log_error("device %s is enrolled with another key: "
			    "refused", dev.device_id);
			return 1;
		}
		return 0;
	}
	if (token == NULL) {
		log_error("device %s (%s) is not enrolled here: pass --token "
		    "with a device-enrolment token (collector token --role "
		    "device-enrolment)", dev.device_id, dev.venue_name);
		return 1;
	}
	rc = db_enroll(db, token, &dev);
	if (rc != 0) {
		log_error("cannot enrol device %s: %s", dev.device_id, rc == 1 ?
		    "the token is not a device-enrolment token, or was used" :
		    "storage error");
		return 1;
	}
	*enrolled = 1;
	return 0;
}

int
cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "authority-secret", required_argument, NULL, 'a' },
		{ "token", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *secret = NULL, *token = NULL;
	struct key_pair authority;
	struct db *db;
	json_t *x, *b, *out;
	int64_t stored = 0, dups = 0, rejected = 0;
	char who[128], *detail;
	size_t i;
	int ch, enrolled, rc = 1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'a': secret = optarg; break;
		case 't': token = optarg; break;
		default: goto usage;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (secret == NULL || optind != argc - 1)
		goto usage;
	if (keys_load_secret(secret, KEY_X25519, &authority) != 0)
		return 1;
	x = open_export(argv[optind], &authority);
	keys_wipe(&authority);
	if (x == NULL)
		return 1;
	db = db_open(url);
	if (db == NULL) {
		json_decref(x);
		return 1;
	}
	if (device_of(db, json_object_get(x, "device"), token, &enrolled))
		goto out;
	json_array_foreach(json_object_get(x, "batches"), i, b) {
		struct batch_header h;
		struct db_ingest_res res;
		const char *bad;
		unsigned char *z;
		char why[200];
		size_t zlen;
		json_t *rejects;
		unsigned st;

		if (export_batch(b, json_string_value(json_object_get(
		    json_object_get(x, "device"), "id")), &h, &z, &zlen,
		    &bad) != 0) {
			log_error("batch %zu of the export: %s", i + 1, bad);
			goto out;
		}
		/* Exactly what an upload goes through. */
		st = ingest_signed(db, &h, z, zlen, ktime_wall_ms(), &res,
		    &rejects, why, sizeof(why));
		free(z);
		if (st != 0) {
			log_error("batch %zu (visits %lld-%lld) refused: %s; "
			    "batches before it are stored", i + 1,
			    (long long)h.first_seq, (long long)h.last_seq, why);
			goto out;
		}
		json_decref(rejects);
		stored += res.stored;
		dups += res.duplicates;
		rejected += res.rejected;
	}
	rc = 0;
out:
	out = json_pack("{s:s, s:O, s:b, s:I, s:I, s:I, s:I, s:b}", "file",
	    argv[optind], "device", json_object_get(json_object_get(x,
	    "device"), "id") ? json_object_get(json_object_get(x, "device"),
	    "id") : json_null(), "enrolled", 0,
	    "batches", (json_int_t)json_array_size(json_object_get(x,
	    "batches")), "stored", (json_int_t)stored, "duplicates",
	    (json_int_t)dups, "rejected", (json_int_t)rejected, "ok", rc == 0);
	if (rc == 0)
		json_object_set_new(out, "enrolled", json_boolean(enrolled));
	cli_who(who, sizeof(who));
	detail = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (detail != NULL)
		(void)db_audit_add(db, ktime_wall_ms(), who, "import", detail,
		    stored);
	free(detail);
	if (rc == 0) {
		json_dumpf(out, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	json_decref(out);
	db_close(db);
	json_decref(x);
	return rc;
usage:
	fprintf(stderr, "usage: collector import --db URL --authority-secret "
	    "FILE [--token T] FILE\n");
	return EXIT_USAGE;
}

const char *
collector_db_default(void)
{
	const char *env = getenv("COLLECTOR_DB");

	return env != NULL && *env != '\0' ? env : "sqlite:collector.db";
}
