/*
 * kioskctl: what the command line's files (kioskctl.c, kioskctl_setup.c,
 * kioskctl_visits.c) share: the options given before the subcommand, the
 * JSON and time output, and the commands. Each cmd_<name>(argc, argv)
 * parses its own options and returns the exit code: 0 done, 1 failed,
 * 2 usage error, 3 scan rejected (checkin only). Not for other modules.
 */
#ifndef KIOSK_KIOSKCTL_H
#define KIOSK_KIOSKCTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"

#define EXIT_USAGE 2
#define EXIT_REJECTED 3
#define DEFAULT_DB "/var/lib/kiosk/visits.db"

/*
 * kctl_usage(cmd, status): CMD's usage (kioskctl_help.c); with STATUS 0
 * on stdout with what it does and an example (--help), else on stderr.
 * CMD NULL or unknown: the list of commands. Returns STATUS.
 */
int kctl_usage(const char *cmd, int status);

/*
 * kctl_store(): the store at kctl_db_path(), which must be one already
 * (kioskctl init makes it): a mistyped --db is an error that names the
 * path, never a new empty store that answers "0 visits". NULL (said).
 */
struct store;
struct store *kctl_store(void);

/* The store: --db, else $KIOSK_DB, else DEFAULT_DB. */
const char *kctl_db_path(void);

/* Its settings file (kiosk.conf beside it unless --config); 0 or -1. */
int kctl_config_file(char *buf, size_t size);

/* Load the store's settings into *C; 0 or -1 (logged). */
int kctl_load_config(struct config *c);

/* --lang, or NULL. */
const char *kctl_lang(void);

/* Print J (taken) as one JSON line on stdout; 0 or -1 (logged). */
int kctl_print_json(json_t *j);

/* MS as an ISO time, or JSON null for 0 (never). */
json_t *kctl_json_time(int64_t ms);

/* MS as an ISO time in BUF, or "never" for 0. */
void kctl_text_time(int64_t ms, char *buf, size_t size);

/*
 * kctl_read_text(path, len): a payload or PIN from the file PATH ("-":
 * standard input), at most a few KiB, in a new buffer (caller wipes and
 * frees), or NULL (logged).
 */
char *kctl_read_text(const char *path, size_t *len);

int cmd_init(int argc, char **argv);
int cmd_set_pin(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_issue_pass(int argc, char **argv);
int cmd_verify_receipt(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_checkin(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);
int cmd_clock(int argc, char **argv);

#endif
