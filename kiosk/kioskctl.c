/*
 * kioskctl: set up and look after a kiosk from a shell.
 *
 * Each subcommand is one function, cmd_<name>(argc, argv), that parses its
 * own options and returns the exit code: 0 done, 1 failed, 2 usage error,
 * 3 scan rejected (checkin only). Only main() exits. The work is done by
 * the kiosk core (checkin, store, pass, decode); these files are the
 * command line around it: this one the options and the dispatch,
 * kioskctl_setup.c the set-up commands, kioskctl_visits.c the ones about
 * visits. See docs/kioskctl.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cmdhelp.h"
#include "config.h"
#include "fileio.h"
#include "kioskctl.h"
#include "ktime.h"
#include "harden.h"
#include "log.h"
#include "store.h"
#include "wipe.h"

/* Options given before the subcommand. */
static const char *opt_db;
static const char *opt_config;
static const char *opt_lang;

const char *
kctl_lang(void)
{
	return opt_lang;
}

const char *
kctl_db_path(void)
{
	const char *e;

	if (opt_db != NULL)
		return opt_db;
	e = getenv("KIOSK_DB");
	return (e != NULL && *e != '\0') ? e : DEFAULT_DB;
}

int
kctl_config_file(char *buf, size_t size)
{
	int r;

	if (opt_config != NULL) {
		r = snprintf(buf, size, "%s", opt_config);
		return (r < 0 || (size_t)r >= size) ? -1 : 0;
	}
	return config_path_for(kctl_db_path(), buf, size);
}

/* Load the settings of the store at kctl_db_path(). */
int
kctl_load_config(struct config *c)
{
	char path[CONFIG_PATH_MAX];

	config_defaults(c, kctl_db_path());
	if (kctl_config_file(path, sizeof(path)) != 0) {
		log_error("settings path too long");
		return -1;
	}
	return config_load(path, c);
}

struct store *
kctl_store(void)
{
	return store_open_existing(kctl_db_path());
}

/* Print J as one JSON line on stdout and release it. */
int
kctl_print_json(json_t *j)
{
	int r;

	if (j == NULL) {
		log_error("out of memory");
		return -1;
	}
	r = json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER |
	    JSON_REAL_PRECISION(6));
	json_decref(j);
	if (r != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
		log_error("cannot write to standard output");
		return -1;
	}
	return 0;
}

/* An ISO time, or JSON null for 0 (never). */
json_t *
kctl_json_time(int64_t ms)
{
	char buf[40];

	if (ms == 0 || ktime_format(ms, buf, sizeof(buf)) != 0)
		return json_null();
	return json_string(buf);
}

void
kctl_text_time(int64_t ms, char *buf, size_t size)
{
	char iso[40], ago[40] = "";
	int64_t d = (ktime_wall_ms() - ms) / 60000;

	if (ms == 0 || ktime_format(ms, iso, sizeof(iso)) != 0 ||
	    strlen(iso) < 19) {
		snprintf(buf, size, "never");
		return;
	}
	/* Local time as people read it, and how long ago. */
	if (d >= 0 && d < 60)
		snprintf(ago, sizeof(ago), ", %lld min ago", (long long)d);
	else if (d >= 60 && d < 48 * 60)
		snprintf(ago, sizeof(ago), ", %lld h %lld min ago",
		    (long long)(d / 60), (long long)(d % 60));
	else if (d >= 48 * 60)
		snprintf(ago, sizeof(ago), ", %lld days ago",
		    (long long)(d / 1440));
	snprintf(buf, size, "%.10s %.5s (UTC%s%s)", iso, iso + 11, iso + 19,
	    ago);
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{ "init", cmd_init },
	{ "checkin", cmd_checkin },
	{ "status", cmd_status },
	{ "export", cmd_export },
	{ "purge", cmd_purge },
	{ "keys", cmd_keys },
	{ "issue-pass", cmd_issue_pass },
	{ "decode", cmd_decode },
	{ "set-pin", cmd_set_pin },
	{ "verify-receipt", cmd_verify_receipt },
	{ "enroll", cmd_enroll },
	{ "quarantine", cmd_quarantine },
	{ "clock", cmd_clock },
};

/*
 * Root at a store another user owns (the kiosk's, as the package runs
 * it): every file root would make or rewrite there (settings, the
 * store's journal, keys) would lock that user out. Said, with the way to
 * run it, instead. 0 go on, 1 refused.
 */
static int
not_as_root(const char *cmd)
{
	static const char *const touch_no_store[] = { "keys", "issue-pass",
	    "decode" };
	char dir[CONFIG_PATH_MAX];
	struct passwd *pw;
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(touch_no_store) / sizeof(touch_no_store[0]);
	    i++)
		if (strcmp(cmd, touch_no_store[i]) == 0)
			return 0;
	if (geteuid() != 0 || fileio_dirname(kctl_db_path(), dir,
	    sizeof(dir)) != 0 || stat(dir, &st) != 0 || st.st_uid == 0)
		return 0;
	pw = getpwuid(st.st_uid);
	fprintf(stderr, "kioskctl: the store's folder '%s' belongs to %s%s: "
	    "run kioskctl as that user, e.g.\n  runuser -u %s -- kioskctl "
	    "--db %s %s ...\n(files root made there would lock the kiosk "
	    "out)\n", dir, pw ? "user " : "uid ", pw ? pw->pw_name : "?",
	    pw ? pw->pw_name : "kiosk", kctl_db_path(), cmd);
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "lang", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	size_t i;
	int ch;

	log_set_prefix("kioskctl");
	/* A person's command: warnings and errors, not the store's chatter
	 * (-v, or KIOSK_LOG_LEVEL, for it). */
	log_set_default(LOG_WARN);
	harden_process();
	wipe_json_setup();
	if (sodium_init() < 0) {
		fprintf(stderr, "kioskctl: cannot initialise libsodium\n");
		return 1;
	}
	while ((ch = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': opt_db = optarg; break;
		case 'c': opt_config = optarg; break;
		case 'l':
			if (strcmp(optarg, "vi") != 0 &&
			    strcmp(optarg, "en") != 0) {
				fprintf(stderr, "kioskctl: --lang wants vi or "
				    "en\n");
				return EXIT_USAGE;
			}
			opt_lang = optarg;
			break;
		case 'h': return kctl_usage(NULL, 0);
		case 'V': printf("kioskctl %s\n", KIOSK_VERSION); return 0;
		case 'v': log_set_default(LOG_INFO); break;
		default: return kctl_usage(NULL, EXIT_USAGE);
		}
	}
	if (optind >= argc)
		return kctl_usage(NULL, EXIT_USAGE);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			argc -= optind;
			argv += optind;
			if (cmdhelp_wanted(argc, argv))
				return kctl_usage(commands[i].name, 0);
			if (not_as_root(commands[i].name))
				return 1;
			optind = 0;	/* glibc: start a fresh scan */
			return commands[i].fn(argc, argv);
		}
	}
	fprintf(stderr, "kioskctl: unknown command '%s'\n", argv[optind]);
	return kctl_usage(NULL, EXIT_USAGE);
}
