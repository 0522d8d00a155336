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

/*
 * collector_db_default(): the store when --db is not given: $COLLECTOR_DB
 * (as systemd/collector.service sets it), else sqlite:collector.db here.
 */
const char *collector_db_default(void);

/*
 * collector_usage(cmd, status): CMD's usage (collector_help.c); with
 * STATUS 0 on stdout with what it does and an example (--help), else on
 * stderr. CMD NULL or unknown: the list of commands. Returns STATUS.
 */
int collector_usage(const char *cmd, int status);

#endif
