/*
 * collector_enrol: the collector's commands for setting kiosks up and for
 * the wards' pass lists:
 *
 *   collector token ...            a token; an enrolment token with its
 *                                  code (--qr PNG) and sheet (--pdf), one
 *                                  per venue of a CSV (--csv)
 *   collector token list|revoke    the tokens (never shown again), one
 *                                  revoked
 *   collector pass issuer-add|revoke|list   the wards' pass lists
 *
 * The enrolment code (enrolcode.h) is signed with the collector's own key
 * (db_ward.h), made by collector init.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "collector_cmds.h"
#include "db.h"
#include "db_ward.h"
#include "enrolcode.h"
#include "enrolsheet.h"
#include "hours.h"
#include "ktime.h"
#include "log.h"
#include "parsenum.h"
#include "pass.h"
#include "print.h"
#include "termtext.h"
#include "wire.h"

#define DAY_MS (86400LL * 1000)
/* An enrolment token's life when --expires is not given. */
#define ENROL_DAYS_DEFAULT 30

/* ---- the venues' CSV: venue_id,venue_name,address,hours ---- */

/* The next cell of a CSV line at *P (RFC 4180 quotes) into OUT; 1 more
 * cells follow, 0 the line ended, -1 malformed or too long. */
static int
csv_next(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;
	int quoted = *s == '"';

	if (quoted)
		s++;
	for (;;) {
		if (*s == '\0' || (!quoted && (*s == '\n' || *s == '\r')))
			break;
		if (quoted && *s == '"') {
			if (s[1] == '"') {
				s++;
			} else {
				s++;
				quoted = 0;
				continue;
			}
		} else if (!quoted && *s == ',') {
			break;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = *s++;
	}
	if (quoted)
		return -1;
	out[n] = '\0';
	*p = s;
	if (*s == ',') {
		(*p)++;
		return 1;
	}
	return 0;
}

/* A venue from one CSV LINE (number NO); 0, 1 the header or blank, -1
 * (said). */
static int
csv_venue(const char *line, int no, const char *ward, struct wire_device *v,
    char *hours, size_t hsize)
{
	char cell[4][300];
	const char *p = line, *why;
	struct hours h;
	int i, more = 1;

	memset(cell, 0, sizeof(cell));
	if (no == 1 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* a spreadsheet's BOM */
	if (p[0] == '\0' || p[0] == '\n' || p[0] == '\r')
		return 1;
	for (i = 0; i < 4 && more == 1; i++)
		if ((more = csv_next(&p, cell[i], sizeof(cell[i]))) < 0)
			break;
	if (more < 0) {
		fprintf(stderr, "collector: venues line %d, cell %d: %s\n", no,
		    i + 1, strlen(cell[i]) >= sizeof(cell[i]) - 1 ? "longer "
		    "than a venue's details can be" : "a quote (\") opened "
		    "and not closed, or a cell longer than 299 bytes");
		return -1;
	}
	if (more != 0 || i != 4) {
		fprintf(stderr, "collector: venues line %d: %d cells where 4 "
		    "are wanted: venue_id,venue_name,address,hours, separated "
		    "by ',' (not ';'), quoted where a cell has a comma\n", no,
		    more != 0 ? 5 : i);
		return -1;
	}
	if (no == 1 && strcmp(cell[0], "venue_id") == 0)
		return 1;
	memset(v, 0, sizeof(*v));
	if (!wire_venue_id_ok(cell[0])) {
		fprintf(stderr, "collector: venues line %d: venue id '%s': 1-64 "
		    "letters, digits, '-', '_' or '.'\n", no, cell[0]);
		return -1;
	}
	if (strlen(cell[1]) >= sizeof(v->venue_name) || strlen(cell[2]) >=
	    sizeof(v->address) || strlen(cell[3]) >= hsize ||
	    !termtext_plain(cell[1]) || !termtext_plain(cell[2])) {
		fprintf(stderr, "collector: venues line %d: a name is at most "
		    "128 bytes, an address 256, hours 127, of text without "
		    "control characters\n", no);
		return -1;
	}
	if (cell[3][0] != '\0' && hours_parse(cell[3], &h, &why) != 0) {
		fprintf(stderr, "collector: venues line %d: hours '%s': %s\n",
		    no, cell[3], why);
		return -1;
	}
	snprintf(v->ward, sizeof(v->ward), "%s", ward);
	memcpy(v->venue_id, cell[0], strlen(cell[0]) + 1);
	memcpy(v->venue_name, cell[1], strlen(cell[1]) + 1);
	memcpy(v->address, cell[2], strlen(cell[2]) + 1);
	memcpy(hours, cell[3], strlen(cell[3]) + 1);
	return 0;
}

/* Write CODE as a QR PNG at PATH (private: the code enrols a kiosk). */
static int
write_png(const char *code, const char *path)
{
	if (print_qr_png(code, path, 6) != 0)
		return -1;
	(void)chmod(path, 0600);
	return 0;
}

/* The codes for every venue of the CSV file CSV: a PNG each in QRDIR (when
 * given), a page each in the sheet. Every line is checked before any
 * token is made: a file with a bad line makes none. */
static int
codes_from_csv(struct enrolsheet *mk, const char *csv, const char *ward,
    const char *qrdir)
{
	char line[2048], hours[128], path[4200], ws[TERMTEXT_SIZE(64)];
	struct wire_device v;
	FILE *f = fopen(csv, "r");
	int no, made = 0, r, pass;

	if (f == NULL) {
		fprintf(stderr, "collector: cannot read '%s': %s\n", csv,
		    strerror(errno));
		return -1;
	}
	if (qrdir != NULL && ((mkdir(qrdir, 0700) != 0 && errno != EEXIST) ||
	    access(qrdir, W_OK) != 0)) {
		fprintf(stderr, "collector: cannot write into '%s': %s\n",
		    qrdir, strerror(errno));
		fclose(f);
		return -1;
	}
	for (pass = 0; pass < 2; pass++) {
		rewind(f);
		no = 0;
		while (fgets(line, sizeof(line), f) != NULL) {
			char *code = NULL;

			no++;
			if (strchr(line, '\n') == NULL && !feof(f)) {
				fprintf(stderr, "collector: venues line %d: "
				    "longer than 2047 bytes\n", no);
				fclose(f);
				return -1;
			}
			r = csv_venue(line, no, ward, &v, hours, sizeof(hours));
			if (r == 1)
				continue;
			if (r != 0) {
				fclose(f);
				return -1;
			}
			if (pass == 0) {
				made++;
				continue;
			}
			if (enrolsheet_venue(mk, &v, hours, &code) != 0) {
				fclose(f);
				return -1;
			}
			if (qrdir != NULL) {
				snprintf(path, sizeof(path), "%s/%s.png", qrdir,
				    v.venue_id);
				if (write_png(code, path) != 0) {
					free(code);
					fclose(f);
					return -1;
				}
			}
			free(code);
			printf("venue %s: enrolment code made\n",
			    termtext(v.venue_id, ws, sizeof(ws)));
		}
		if (pass == 0 && made == 0) {
			fprintf(stderr, "collector: '%s' has no venue: want "
			    "lines venue_id,venue_name,address,hours\n", csv);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	printf("%d enrolment code%s for ward %s\n", made, made == 1 ? "" : "s",
	    ward);
	return 0;
}

/* ---- collector token list | revoke ---- */

static void
ms_text(int64_t ms, char *out, size_t size)
{
	if (ms == 0)
		snprintf(out, size, "-");
	else
		(void)ktime_format(ms, out, size);
}

static void
list_one(void *ctx, const struct db_token_info *t)
{
	char made[40], until[40], ws[TERMTEXT_SIZE(128)];
	int64_t now = *(const int64_t *)ctx;
	const char *state = t->used_ms ? "used" : t->revoked_ms ? "revoked" :
	    t->expires_ms && t->expires_ms <= now ? "expired" : "usable";

	ms_text(t->created_ms, made, sizeof(made));
	ms_text(t->expires_ms, until, sizeof(until));
	printf("%-12s  %-16s  %-7s  %-24s  %-24s  %s%s%s\n", t->id, t->role,
	    state, made, until, termtext(t->ward, ws, sizeof(ws)),
	    t->venue_id[0] ? " / " : "", t->venue_id);
}

static int
token_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = collector_db_default();
	int64_t now = ktime_wall_ms(), n;
	struct db *db;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'd')
			return collector_usage("token", 2);
		url = optarg;
	}
	if (optind != argc)
		return collector_usage("token", 2);
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	printf("%-12s  %-16s  %-7s  %-24s  %-24s  %s\n", "id", "role",
	    "state", "made", "expires", "ward / venue");
	n = db_token_list(db, list_one, &now);
	db_close(db);
	if (n < 0)
		return 1;
	if (n == 0)
		printf("(no tokens yet: collector token --role ...)\n");
	return 0;
}

static int
token_revoke(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const words[] = { "revoked: it cannot be used "
	    "from now on", "no such token (collector token list shows the "
	    "ids)", "used or revoked already: nothing to do",
	    "names several tokens: give more of its id" };
	const char *url = collector_db_default();
	struct db *db;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'd')
			return collector_usage("token", 2);
		url = optarg;
	}
	if (optind + 1 != argc)
		return collector_usage("token", 2);
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	r = db_token_revoke(db, argv[optind]);
	db_close(db);
	if (r < 0)
		return 1;
	{
		char ti[TERMTEXT_SIZE(64)];

		printf("token %s: %s\n", termtext(argv[optind], ti, sizeof(ti)),
		    words[r]);
		if (r == 1 && strlen(argv[optind]) < 8)
			fprintf(stderr, "collector: an id is at least 8 of the "
			    "lower-case hex digits `collector token list` "
			    "shows (or the token itself)\n");
	}
	return r == 0 ? 0 : r == 2 ? 0 : 3;
}

/* ---- collector token ---- */

int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "role", required_argument, NULL, 'r' },
		{ "ward", required_argument, NULL, 'w' },
		{ "venue-id", required_argument, NULL, 'i' },
		{ "venue-name", required_argument, NULL, 'n' },
		{ "address", required_argument, NULL, 'a' },
		{ "hours", required_argument, NULL, 'H' },
		{ "collector-url", required_argument, NULL, 'u' },
		{ "qr", required_argument, NULL, 'q' },
		{ "pdf", required_argument, NULL, 'p' },
		{ "csv", required_argument, NULL, 'c' },
		{ "expires", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const roles[] = { "device-enrolment", "tracer",
	    "patrol", "admin" };
	const char *url = NULL, *role = NULL, *ward = NULL, *vid = NULL,
	    *vname = NULL, *addr = NULL, *hours = NULL, *curl = NULL,
	    *qr = NULL, *pdf = NULL, *csv = NULL, *why;
	char tok[DB_TOKEN_LEN + 1], ws[TERMTEXT_SIZE(128)], canon[129];
	char url_buf[257];
	struct wire_device venue;
	struct enrolsheet mk;
	struct hours h;
	struct db *db;
	int64_t days = -1, expires_ms = 0;
	size_t i;
	int ch, ok = 0, r, enrol, coded;

	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return token_list(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return token_revoke(argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'r': role = optarg; break;
		case 'w': ward = optarg; break;
		case 'i': vid = optarg; break;
		case 'n': vname = optarg; break;
		case 'a': addr = optarg; break;
		case 'H': hours = optarg; break;
		case 'u': curl = optarg; break;
		case 'q': qr = optarg; break;
		case 'p': pdf = optarg; break;
		case 'c': csv = optarg; break;
		case 'e':
			if (parsenum(optarg, 1, 3650, &days) != 0) {
				fprintf(stderr, "collector: --expires wants "
				    "days from 1 to 3650, not '%s'\n", optarg);
				return 2;
			}
			break;
		default: return 2;
		}
	}
	for (i = 0; role != NULL && i < 4; i++)
		ok |= strcmp(role, roles[i]) == 0;
	if (url == NULL)
		url = collector_db_default();
	if (role != NULL && !ok) {
		fprintf(stderr, "collector: --role '%s' is not a role: one of "
		    "device-enrolment, tracer, patrol, admin\n", role);
		return 2;
	}
	enrol = ok && strcmp(role, "device-enrolment") == 0;
	coded = qr != NULL || pdf != NULL || csv != NULL;
	if (enrol && (ward == NULL || *ward == '\0')) {
		fprintf(stderr, "collector: an enrolment token needs --ward: "
		    "the ward the kiosk is in (collector wards lists them)\n");
		return 2;
	}
	if (!ok || optind != argc || (!enrol && (vid || vname || addr ||
	    hours || coded || curl)))
		return collector_usage("token", 2);
	if (coded && (curl == NULL || (strncmp(curl, "https://", 8) != 0 &&
	    strncmp(curl, "http://", 7) != 0) || strlen(curl) > 256)) {
		fprintf(stderr, "collector: an enrolment code needs "
		    "--collector-url: the address the kiosks reach this "
		    "collector at, https://... (at most 256 bytes)\n");
		return 2;
	}
	if (!coded && (curl != NULL || hours != NULL))
		fprintf(stderr, "collector: note: --collector-url and --hours "
		    "go into an enrolment code: without --qr, --pdf or --csv "
		    "there is none, and they are not kept\n");
	if (coded) {
		/* "https://x/" is "https://x": a kiosk posts to URL/api/... */
		size_t ul = strlen(curl);

		while (ul > 0 && curl[ul - 1] == '/')
			ul--;
		snprintf(url_buf, sizeof(url_buf), "%.*s", (int)ul, curl);
		curl = url_buf;
		if (strncmp(curl, "http://", 7) != 0)
			;
		else if (strncmp(curl, "http://127.", 11) != 0 &&
		    strncmp(curl, "http://localhost", 16) != 0)
			fprintf(stderr, "collector: note: %s is plain HTTP: "
			    "kiosks' uploads and the phone page travel in "
			    "clear. Put the collector behind TLS "
			    "(docs/deploy.md) and give its https:// address\n",
			    curl);
	}
	if (csv != NULL && (vid || vname || addr || hours)) {
		fprintf(stderr, "collector: --csv gives each venue's id, name, "
		    "address and hours: not --venue-id, --venue-name, "
		    "--address or --hours too\n");
		return 2;
	}
	if (coded && csv == NULL && vid == NULL) {
		fprintf(stderr, "collector: an enrolment code is for one venue: "
		    "give --venue-id (and --venue-name), or --csv with the "
		    "venues\n");
		return 2;
	}
	if (hours != NULL && hours_parse(hours, &h, &why) != 0) {
		fprintf(stderr, "collector: --hours '%s': %s\n", hours, why);
		return 2;
	}
	memset(&venue, 0, sizeof(venue));
	if (enrol && (snprintf(venue.ward, sizeof(venue.ward), "%s", ward) >=
	    (int)sizeof(venue.ward) || (vid && (snprintf(venue.venue_id,
	    sizeof(venue.venue_id), "%s", vid) >= (int)sizeof(venue.venue_id)
	    || !wire_venue_id_ok(vid))) || (vname && snprintf(
	    venue.venue_name, sizeof(venue.venue_name), "%s", vname) >=
	    (int)sizeof(venue.venue_name)) || (addr && snprintf(venue.address,
	    sizeof(venue.address), "%s", addr) >= (int)sizeof(venue.address)) ||
	    !termtext_plain(venue.ward) || !termtext_plain(venue.venue_name) ||
	    !termtext_plain(venue.address) ||
	    ((vname || addr) && vid == NULL))) {
		fprintf(stderr, "collector: a ward is at most 128 bytes, a venue "
		    "id 1-64 letters, digits, '-', '_' or '.', a name 128 bytes, "
		    "an address 256; --venue-name and --address need "
		    "--venue-id\n");
		return 2;
	}
	/* An enrolment token lasts ENROL_DAYS_DEFAULT unless told; another
	 * role's lasts until revoked unless told. */
	if (days < 0 && enrol)
		days = ENROL_DAYS_DEFAULT;
	if (days > 0)
		expires_ms = ktime_wall_ms() + days * DAY_MS;
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	/* A ward that is one already, spelt as it was: "Phuong Ben Nghe"
	 * gives a token for "Phường Bến Nghé". A new one is said, with the
	 * closest names (a typo?). */
	if (ward != NULL && collector_ward(db, ward, canon, sizeof(canon),
	    0) == 1 && strcmp(canon, ward) != 0) {
		char cs[TERMTEXT_SIZE(128)];

		fprintf(stderr, "collector: note: ward '%s' is the ward '%s' "
		    "its kiosks were enrolled in: the token is for that\n",
		    termtext(ward, ws, sizeof(ws)), termtext(canon, cs,
		    sizeof(cs)));
		ward = canon;
		if (enrol)
			snprintf(venue.ward, sizeof(venue.ward), "%s", canon);
	}
	if (coded) {
		char *code = NULL, fpr[ENROL_FPR_LEN + 1];

		if (enrolsheet_open(&mk, db, curl, ward, expires_ms, pdf) != 0) {
			(void)enrolsheet_close(&mk, NULL);
			db_close(db);
			return 1;
		}
		enrol_fingerprint(mk.key.pk, fpr);
		if (csv != NULL) {
			r = codes_from_csv(&mk, csv, ward, qr);
		} else {
			r = 0;
			if (qr != NULL) {
				/* Where the code goes, before a token is made. */
				FILE *t = fopen(qr, "a");

				if (t == NULL) {
					fprintf(stderr, "collector: cannot write "
					    "'%s': %s\n", qr, strerror(errno));
					r = -1;
				} else {
					fclose(t);
				}
			}
			if (r == 0)
				r = enrolsheet_venue(&mk, &venue, hours, &code);
			if (r == 0 && qr != NULL)
				r = write_png(code, qr);
			if (r == 0)
				printf("enrolment code for venue %s of ward "
				    "%s%s%s%s%s\n", termtext(vid, ws,
				    sizeof(ws)), ward, qr ? ": " : "",
				    qr ? qr : "", pdf ? " " : "",
				    pdf ? pdf : "");
			free(code);
		}
		if (enrolsheet_close(&mk, r == 0 ? pdf : NULL) != 0)
			r = -1;
		db_close(db);
		if (r != 0) {
			/* No half sheet left behind with live codes on it. */
			if (pdf != NULL)
				(void)unlink(pdf);
			return 1;
		}
		printf("signed by this collector, fingerprint %s (printed on "
		    "the sheet; the kiosk shows it)\n", fpr);
		return 0;
	}
	/* A tracer's, patrol's or admin's token is bound to its ward too. */
	if (!enrol && ward != NULL && snprintf(venue.ward, sizeof(venue.ward),
	    "%s", ward) >= (int)sizeof(venue.ward)) {
		db_close(db);
		fprintf(stderr, "collector: a ward is at most 128 bytes\n");
		return 2;
	}
	r = db_token_new_until(db, role, enrol || ward ? &venue : NULL,
	    expires_ms, tok);
	db_close(db);
	if (r != 0)
		return 1;
	printf("%s token%s%s", role, ward ? " for ward " : "",
	    ward ? termtext(ward, ws, sizeof(ws)) : "");
	if (vid != NULL)
		printf(", venue %s", termtext(vid, ws, sizeof(ws)));
	printf(" (shown once; stored hashed):\n%s\n", tok);
	sodium_memzero(tok, sizeof(tok));
	if (enrol && vid == NULL)
		fprintf(stderr, "collector: note: this token is bound to the "
		    "ward only: the kiosk enrolled with it may name any venue "
		    "id of the ward, another shop's too (a second kiosk at "
		    "one venue does that). Give --venue-id to bind it to one "
		    "venue.\n");
	return 0;
}

/* ---- collector pass ---- */

static void
list_passes(struct db *db, const char *ward)
{
	struct passlist l;
	char pk[KEYS_PUB_TEXT], ws[TERMTEXT_SIZE(128)];
	size_t i;

	if (db_pass_list(db, ward, &l) != 0)
		return;
	printf("pass list of ward %s, version %lld: %zu issuer%s, %zu revoked "
	    "pass%s\n", termtext(ward, ws, sizeof(ws)), (long long)l.version,
	    l.n_issuers, l.n_issuers == 1 ? "" : "s", l.n_revoked,
	    l.n_revoked == 1 ? "" : "es");
	for (i = 0; i < l.n_issuers; i++) {
		char id[KEYS_ID_LEN + 1];

		keys_id(l.issuers[i], id);
		(void)keys_format_public(KEY_ED25519, l.issuers[i], pk,
		    sizeof(pk));
		printf("  issuer %s  %s\n", id, pk);
	}
	for (i = 0; i < l.n_revoked; i++)
		printf("  revoked %s\n", l.revoked[i]);
	passlist_free(&l);
}

int
cmd_pass(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "ward", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char *url = collector_db_default(), *ward = NULL, *what;
	char canon[129];
	unsigned char pk[KEYS_PUB_LEN];
	struct db *db;
	int ch, r = -1;

	if (argc < 2)
		return collector_usage("pass", 2);
	what = argv[1];
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': url = optarg; break;
		case 'w': ward = optarg; break;
		default: return collector_usage("pass", 2);
		}
	}
	if (strcmp(what, "issuer-add") == 0 ||
	    strcmp(what, "issuer-remove") == 0) {
		if (ward == NULL || optind + 1 != argc)
			return collector_usage("pass", 2);
		if (keys_load_public(argv[optind], KEY_ED25519, pk) != 0)
			return 1;
	} else if (strcmp(what, "revoke") == 0) {
		if (optind + 1 != argc)
			return collector_usage("pass", 2);
		if (strlen(argv[optind]) < 4 || strlen(argv[optind]) >
		    PASS_ID_MAX || strspn(argv[optind], "abcdefghijklmnopqrstu"
		    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
		    strlen(argv[optind])) {
			fprintf(stderr, "collector: a pass id is 4-%d letters, "
			    "digits, '-' or '_' (the id kioskctl issue-pass "
			    "printed)\n", PASS_ID_MAX);
			return 2;
		}
	} else if (strcmp(what, "list") == 0) {
		if (ward == NULL || optind != argc)
			return collector_usage("pass", 2);
	} else {
		return collector_usage("pass", 2);
	}
	db = db_open_existing(url);
	if (db == NULL)
		return 1;
	if (ward != NULL) {
		/* The ward as its kiosks were enrolled, or a new one (said). */
		if (collector_ward(db, ward, canon, sizeof(canon), 0) == 1)
			ward = canon;
	}
	if (strcmp(what, "issuer-add") == 0) {
		char id[KEYS_ID_LEN + 1];

		keys_id(pk, id);
		r = db_issuer_add(db, ward, pk);
		if (r >= 0)
			printf("ward %s %s pass issuer %s%s\n", ward, r == 0 ?
			    "now trusts" : "trusted already", id, r == 0 ?
			    ": its kiosks take it at their next sync" : "");
	} else if (strcmp(what, "issuer-remove") == 0) {
		char id[KEYS_ID_LEN + 1];

		keys_id(pk, id);
		r = db_issuer_remove(db, ward, pk);
		if (r == 1)
			fprintf(stderr, "collector: ward %s does not trust pass "
			    "issuer %s: nothing to remove (collector pass list "
			    "--ward W lists them)\n", ward, id);
		else if (r == 0)
			printf("ward %s no longer trusts pass issuer %s: its "
			    "kiosks refuse its passes from their next sync\n",
			    ward, id);
		if (r == 1)
			r = -2;
	} else if (strcmp(what, "revoke") == 0) {
		r = db_pass_revoke(db, argv[optind]);
		if (r >= 0)
			printf("pass %s %s\n", argv[optind], r == 0 ?
			    "revoked: every kiosk refuses it from its next "
			    "sync" : "was revoked already");
	} else {
		list_passes(db, ward);
		r = 0;
	}
	db_close(db);
	return r == -2 ? 3 : r < 0 ? 1 : 0;
}
