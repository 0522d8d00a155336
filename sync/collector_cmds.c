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

#include "cmdhelp.h"
#include "fileio.h"
#include "ingest.h"
#include "keys.h"
#include "ktime.h"
#include "log.h"
#include "parsenum.h"
#include "query.h"
#include "report.h"
#include "termtext.h"
#include "trace.h"
#include "wardname.h"
#include "wire.h"

#define EXIT_USAGE 2
#define EXIT_REFUSED 3
#define EXIT_CUT_SHORT 4	/* a trace answered in part (cut_short) */
#define DAY_MS INT64_C(86400000)

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
write_out(const char *path, int (*print)(FILE *, const void *,
    const char *), const void *r, const char *format)
{
	FILE *f = stdout;
	int rc;

	if (path != NULL && strcmp(path, "-") != 0) {
		f = fileio_create_private(path);
		if (f == NULL)
			return 1;
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

static int
print_trace(FILE *f, const void *r, const char *format)
{
	return trace_print(f, r, format);
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
		{ "budget", required_argument, NULL, 'b' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	struct trace_args ta = { NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	int64_t budget = TRACE_BUDGET_MS / 1000;
	const char *url = NULL, *format = "table", *secret = NULL, *out = NULL,
	    *why;
	struct key_pair authority;
	struct trace_result r;
	struct trace_opts o;
	char who[128];
	struct db *db;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 's': ta.subject = optarg; break;
		case 'f': ta.from = optarg; break;
		case 't': ta.to = optarg; break;
		case 'D': ta.depth = optarg; break;
		case 'm': ta.min_overlap = optarg; break;
		case 'S': ta.default_stay = optarg; break;
		case 'r': ta.reason = optarg; break;
		case 'F': format = optarg; break;
		case 'a': secret = optarg; break;
		case 'o': out = optarg; break;
		case 'b':
			if (parsenum(optarg, 1, 3600, &budget) != 0) {
				fprintf(stderr, "collector: --budget is 1 to "
				    "3600 seconds\n");
				return EXIT_USAGE;
			}
			break;
		default: goto usage;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (ta.subject == NULL || optind != argc)
		goto usage;
	if (!cmdhelp_one_of("collector", "format", format, "table|json|csv"))
		return EXIT_USAGE;
	if (trace_opts_from(&o, &ta, ktime_wall_ms(), &why) != 0) {
		fprintf(stderr, "collector: %s\n", why);
		return EXIT_USAGE;
	}
	o.budget_ms = budget * 1000;
	if (secret != NULL) {
		if (keys_load_secret(secret, KEY_X25519, &authority) != 0)
			return 1;
		o.authority = &authority;
	}
	db = db_open_existing(url);
	if (db == NULL) {
		if (o.authority != NULL)
			keys_wipe(&authority);
		return 1;
	}
	cli_who(who, sizeof(who));
	rc = query_trace(db, &o, who, &r);
	db_close(db);
	if (o.authority != NULL)
		keys_wipe(&authority);
	if (rc != 0) {
		fprintf(stderr, "collector: the trace could not be answered%s%s"
		    "\n", r.cut_short ? ": " : " (see the log above)",
		    r.cut_short ? r.cut_short : "");
		return 1;
	}
	rc = write_out(out, print_trace, &r, format);
	/* A partial answer is printed, and said so by its exit code. */
	if (rc == 0 && r.cut_short != NULL) {
		fprintf(stderr, "collector: NOT COMPLETE: the trace was cut "
		    "short (%s)\n", r.cut_short);
		rc = EXIT_CUT_SHORT;
	}
	trace_result_release(&r);
	return rc;
usage:
	return collector_usage("trace", EXIT_USAGE);
}

int
cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'F' },
		{ "who", required_argument, NULL, 'w' },
		{ "subject", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL, *format = "table", *from = NULL, *to = NULL;
	struct audit_filter flt;
	struct db_audit *a;
	struct db *db;
	size_t n, i, kept = 0;
	int ch, rc;

	memset(&flt, 0, sizeof(flt));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'F': format = optarg; break;
		case 'w': flt.who = optarg; break;
		case 's': flt.subject = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		default: goto usage;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (optind != argc)
		goto usage;
	if (!cmdhelp_one_of("collector", "format", format, "table|json|csv"))
		return EXIT_USAGE;
	if (from != NULL && ktime_parse(from, &flt.from_ms) != 0) {
		fprintf(stderr, "collector: --from '%s' is not a date or a time "
		    "(2026-11-22, 2026-11-22T08:30)\n", from);
		return EXIT_USAGE;
	}
	if (to != NULL && ktime_parse(to, &flt.to_ms) != 0) {
		fprintf(stderr, "collector: --to '%s' is not a date or a time "
		    "(2026-11-22, 2026-11-22T08:30)\n", to);
		return EXIT_USAGE;
	}
	/* --to a date: to the end of that day, as people mean it. */
	if (to != NULL && strlen(to) == 10)
		flt.to_ms += DAY_MS;
	if (from != NULL && to != NULL && flt.from_ms >= flt.to_ms) {
		fprintf(stderr, "collector: --from must come before --to\n");
		return EXIT_USAGE;
	}
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	rc = db_audit_list(db, &a, &n);
	db_close(db);
	if (rc != 0)
		return 1;
	/* The entries asked for, in order; the others freed. */
	for (i = 0; i < n; i++) {
		if (audit_wanted(&a[i], &flt)) {
			a[kept++] = a[i];
			continue;
		}
		free(a[i].detail);
	}
	rc = query_audit_print(stdout, a, kept, format) == 0 ? 0 : 1;
	db_audit_free(a, kept);
	return rc;
usage:
	return collector_usage("audit", EXIT_USAGE);
}

static int
print_report(FILE *f, const void *r, const char *format)
{
	return report_print(f, r, format);
}

int
collector_ward(struct db *db, const char *ward, char *canon, size_t size,
    int refuse)
{
	char key[WARD_KEY_MAX], k[WARD_KEY_MAX], t[TERMTEXT_SIZE(128)];
	struct db_ward *w;
	size_t n, i, j, *dist;
	int found = 0;

	if (db_wards(db, &w, &n) != 0)
		return -1;
	if (ward_key(ward, key, sizeof(key)) != 0)
		key[0] = '\0';
	dist = calloc(n + 1, sizeof(*dist));
	for (i = 0; i < n && dist != NULL; i++) {
		dist[i] = ward_key(w[i].name, k, sizeof(k)) == 0 ?
		    ward_distance(key, k) : (size_t)-1;
		if (!found && dist[i] == 0 && key[0] != '\0') {
			found = 1;
			if (canon != NULL)
				snprintf(canon, size, "%s", w[i].name);
		}
	}
	if (!found && n == 0 && refuse)
		fprintf(stderr, "collector: no ward has an enrolled kiosk yet, "
		    "so none is called '%s'\n", termtext(ward, t, sizeof(t)));
	else if (!found && n > 0 && dist != NULL) {
		fprintf(stderr, refuse ? "collector: no ward is called '%s'. "
		    "The closest (collector wards lists them all):\n" :
		    "collector: note: no kiosk is enrolled in a ward called "
		    "'%s' yet (a new ward, or a typo?). The closest:\n",
		    termtext(ward, t, sizeof(t)));
		/* The three nearest, nearest first. */
		for (j = 0; j < 3 && j < n; j++) {
			size_t best = n;

			for (i = 0; i < n; i++)
				if (dist[i] != (size_t)-2 && (best == n ||
				    dist[i] < dist[best]))
					best = i;
			if (best == n)
				break;
			fprintf(stderr, "  %s (%lld venues)\n",
			    termtext(w[best].name, t, sizeof(t)),
			    (long long)w[best].venues);
			dist[best] = (size_t)-2;
		}
	}
	free(dist);
	free(w);
	return found;
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
	int silent = REPORT_SILENT_MIN;
	struct report r;
	struct db *db;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'w': ward = optarg; break;
		case 'D': date = optarg; break;
		case 's':
			if (parsenum_int(optarg, 1, 7 * 24 * 60, &silent))
				goto usage;
			break;
		case 'F': format = optarg; break;
		case 'o': out = optarg; break;
		default: goto usage;
		}
	}
	if (url == NULL)
		url = collector_db_default();
	if (ward == NULL || optind != argc)
		goto usage;
	if (!cmdhelp_one_of("collector", "format", format, "table|json|csv"))
		return EXIT_USAGE;
	if (date != NULL && ktime_parse(date, &day) != 0) {
		fprintf(stderr, "collector: --date '%s' is not a date "
		    "(2026-11-22)\n", date);
		return EXIT_USAGE;
	}
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	rc = collector_ward(db, ward, NULL, 0, 1);
	if (rc != 1) {
		db_close(db);
		return rc == 0 ? EXIT_REFUSED : 1;
	}
	rc = report_build(db, ward, day, now, silent, &r);
	if (rc == 0) {
		char who[128];

		/* Who read which ward's report, in the audit log. */
		cli_who(who, sizeof(who));
		(void)query_report_audited(db, who, &r);
	}
	db_close(db);
	if (rc != 0)
		return 1;
	rc = write_out(out, print_report, &r, format);
	report_release(&r);
	return rc;
usage:
	return collector_usage("report", EXIT_USAGE);
}

int
cmd_verify_receipt(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = NULL;
	struct receipt_check c;
	char text[2048];
	struct db *db;
	int ch, rc;

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
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	rc = query_receipt(db, text, &c);
	db_close(db);
	if (rc != 0)
		return 1;
	(void)query_receipt_print(stdout, &c);
	query_receipt_release(&c);
	return c.valid ? 0 : EXIT_REFUSED;
usage:
	return collector_usage("verify-receipt", EXIT_USAGE);
}

/* The export in the file at PATH, opened; 0, or -1 (logged). */
static int
open_export(const char *path, const struct key_pair *authority,
    struct wire_export *x)
{
	const char *why;
	size_t len;
	char *text = fileio_read(path, 256 * 1024 * 1024, &len);
	int rc;

	if (text == NULL)
		return -1;
	rc = wire_export_open(text, len, authority, x, &why);
	free(text);
	if (rc != 0)
		log_error("'%s' is refused: %s", path, why);
	return rc;
}

/*
 * The exporting kiosk's key must be the one enrolled under its id; an
 * unknown kiosk is enrolled from the file with a device-enrolment TOKEN.
 * Returns 0 (with *ENROLLED set when this import enrolled it), or 1
 * (logged).
 */
static int
device_of(struct db *db, const struct wire_device *dev, const char *token,
    int *enrolled)
{
	unsigned char known[KEYS_PUB_LEN];
	int rc;

	*enrolled = 0;
	rc = db_device_key(db, dev->device_id, known);
	if (rc < 0)
		return 1;
	if (rc == 2) {
		log_error("device %s (%s) was revoked: its export is refused",
		    dev->device_id, dev->venue_name);
		return 1;
	}
	if (rc == 0) {
		if (memcmp(known, dev->pk, KEYS_PUB_LEN) != 0) {
			log_error("device %s is enrolled with another key: "
			    "refused", dev->device_id);
			return 1;
		}
		return 0;
	}
	if (token == NULL) {
		log_error("device %s (%s) is not enrolled here: pass --token "
		    "with a device-enrolment token (collector token --role "
		    "device-enrolment)", dev->device_id, dev->venue_name);
		return 1;
	}
	{
		struct wire_device as = *dev;
		char why[400];

		rc = db_enroll(db, token, &as, why, sizeof(why));
		if (rc != 0) {
			log_error("cannot enrol device %s: %s", dev->device_id,
			    why);
			return 1;
		}
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
	struct wire_export x;
	struct db *db;
	json_t *out;
	int64_t stored = 0, dups = 0, rejected = 0;
	char who[128], *detail;
	size_t i;
	int ch, enrolled = 0, known = 0, rc = 1;

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
	rc = open_export(argv[optind], &authority, &x);
	keys_wipe(&authority);
	if (rc != 0)
		return 1;
	rc = 1;
	db = db_open_existing(url);
	if (db == NULL) {
		wire_export_release(&x);
		return 1;
	}
	if (device_of(db, &x.dev, token, &enrolled))
		goto out;
	known = 1;	/* enrolled before, or by this import */
	for (i = 0; i < x.n; i++) {
		struct wire_ack ack;
		char why[200];
		unsigned st;

		/* Exactly what an upload goes through. */
		st = ingest_signed(db, &x.b[i].h, x.b[i].body, x.b[i].len,
		    ktime_wall_ms(), &ack, why, sizeof(why));
		if (st != 0) {
			log_error("batch %zu (visits %lld-%lld) refused: %s; "
			    "batches before it are stored", i + 1,
			    (long long)x.b[i].h.first_seq,
			    (long long)x.b[i].h.last_seq, why);
			goto out;
		}
		stored += ack.stored;
		dups += ack.duplicates;
		rejected += ack.rejected;
		wire_ack_release(&ack);
	}
	rc = 0;
out:
	/* "enrolled": this import enrolled the device (it was not known);
	 * said plainly beside it, and whether it is enrolled now. */
	out = json_pack("{s:s, s:s, s:b, s:b, s:b, s:I, s:I, s:I, s:I, s:b}",
	    "file", argv[optind], "device", x.dev.device_id, "enrolled",
	    rc == 0 && enrolled, "enrolled_by_this_import", rc == 0 &&
	    enrolled, "device_enrolled", known,
	    "batches", (json_int_t)x.n, "stored", (json_int_t)stored,
	    "duplicates", (json_int_t)dups, "rejected", (json_int_t)rejected,
	    "ok", rc == 0);
	cli_who(who, sizeof(who));
	detail = out ? json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	    NULL;
	if (detail != NULL)
		(void)db_audit_add(db, ktime_wall_ms(), who, "import", detail,
		    stored);
	free(detail);
	if (rc == 0 && out != NULL) {
		json_dumpf(out, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	json_decref(out);
	db_close(db);
	wire_export_release(&x);
	return rc;
usage:
	return collector_usage("import", EXIT_USAGE);
}

const char *
collector_db_default(void)
{
	const char *env = getenv("COLLECTOR_DB");

	return env != NULL && *env != '\0' ? env : "sqlite:collector.db";
}
