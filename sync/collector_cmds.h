/*
 * collector_cmds: the collector's tracer and patrol commands (see
 * collector_cmds.c); each takes the arguments after the command name and
 * returns the exit code.
 */
#ifndef KIOSK_COLLECTOR_CMDS_H
#define KIOSK_COLLECTOR_CMDS_H

int cmd_trace(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_verify_receipt(int argc, char **argv);
int cmd_import(int argc, char **argv);
/* collector_enrol.c: tokens and enrolment codes, the pass lists. */
int cmd_token(int argc, char **argv);
int cmd_pass(int argc, char **argv);

/*
 * collector_db_default(): the store when --db is not given: $COLLECTOR_DB
 * (as systemd/collector.service sets it), else sqlite:collector.db here.
 */
const char *collector_db_default(void);

/*
 * collector_ward(db, ward, canon, size, refuse):
 * Is WARD (as people type it) a ward the devices were enrolled in? 1, its
 * stored name in CANON (when not NULL); 0, having listed the closest
 * names on stderr (as an error when REFUSE, else as a note: a new ward,
 * or a typo?); -1 when the store does not answer (logged).
 */
struct db;
int collector_ward(struct db *db, const char *ward, char *canon,
    size_t size, int refuse);

/*
 * collector_usage(cmd, status): CMD's usage (collector_help.c); with
 * STATUS 0 on stdout with what it does and an example (--help), else on
 * stderr. CMD NULL or unknown: the list of commands. Returns STATUS.
 */
int collector_usage(const char *cmd, int status);

#endif
