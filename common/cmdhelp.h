/*
 * cmdhelp: a program's commands, each with its usage, what it does and an
 * example, in one table; the same text answers `PROG --help`,
 * `PROG CMD --help` (stdout, exit 0) and a usage error (stderr, exit 2).
 */
#ifndef KIOSK_CMDHELP_H
#define KIOSK_CMDHELP_H

#include <stddef.h>

struct cmd_help {
	const char *name;	/* the command */
	const char *summary;	/* what it does, one line */
	const char *usage;	/* its synopsis, after "usage: " */
	const char *example;	/* one command line a person would type */
};

struct cmd_helps {
	const char *head;	/* the program's synopsis, after "usage: " */
	const char *tail;	/* after the list: defaults, docs, man page */
	const struct cmd_help *cmd;
	size_t n;
};

/*
 * cmdhelp_usage(h, cmd, status):
 * CMD's usage from H; with STATUS 0 on stdout, with its summary and
 * example, else on stderr alone. CMD NULL or not in H: the program's
 * synopsis and the list of commands. Returns STATUS.
 */
int cmdhelp_usage(const struct cmd_helps *h, const char *cmd, int status);

/*
 * cmdhelp_wanted(argc, argv): 1 when a command's arguments (ARGV[0] its
 * name) ask for --help or -h before any "--".
 */
int cmdhelp_wanted(int argc, char **argv);

/*
 * cmdhelp_one_of(prog, opt, value, allowed):
 * Is VALUE one of ALLOWED ("csv|json")? 1; else 0, having said on stderr
 * "PROG: --OPT 'VALUE' is not one of csv|json". A NULL VALUE is not.
 */
int cmdhelp_one_of(const char *prog, const char *opt, const char *value,
    const char *allowed);

#endif
