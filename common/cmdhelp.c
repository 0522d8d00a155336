/*
 * cmdhelp: commands' usage, summary and example from one table. See
 * cmdhelp.h.
 */
#include "cmdhelp.h"

#include <stdio.h>
#include <string.h>

int
cmdhelp_usage(const struct cmd_helps *h, const char *cmd, int status)
{
	FILE *f = status == 0 ? stdout : stderr;
	size_t i;

	for (i = 0; cmd != NULL && i < h->n; i++) {
		if (strcmp(cmd, h->cmd[i].name) != 0)
			continue;
		fprintf(f, "usage: %s\n", h->cmd[i].usage);
		if (status == 0)
			fprintf(f, "\n%s.\nExample:\n  %s\n", h->cmd[i].summary,
			    h->cmd[i].example);
		return status;
	}
	fprintf(f, "usage: %s\n\n", h->head);
	for (i = 0; i < h->n; i++)
		fprintf(f, "  %-15s %s\n", h->cmd[i].name, h->cmd[i].summary);
	fprintf(f, "\n%s\n", h->tail);
	return status;
}

int
cmdhelp_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int
cmdhelp_one_of(const char *prog, const char *opt, const char *value,
    const char *allowed)
{
	const char *p = allowed;
	size_t n = value != NULL ? strlen(value) : 0;

	while (n > 0 && (p = strstr(p, value)) != NULL) {
		if ((p == allowed || p[-1] == '|') && (p[n] == '|' ||
		    p[n] == '\0'))
			return 1;
		p++;
	}
	fprintf(stderr, "%s: --%s '%s' is not one of %s\n", prog, opt,
	    value != NULL ? value : "", allowed);
	return 0;
}
