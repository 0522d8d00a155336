/*
 * log: levelled messages to stderr. See log.h.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level = -2;		/* not yet read from the environment */
static int default_level = LOG_INFO;	/* without KIOSK_LOG_LEVEL */
static const char *prefix = "kiosk";

static const char *const names[] = { "error", "warning", "info", "debug" };

static void
level_from_env(void)
{
	const char *e = getenv("KIOSK_LOG_LEVEL");
	int i;

	level = default_level;
	if (e == NULL)
		return;
	for (i = 0; i <= LOG_DEBUG; i++) {
		if (strcmp(e, names[i]) == 0 ||
		    (i == LOG_WARN && strcmp(e, "warn") == 0))
			level = i;
	}
}

void
log_set_level(enum log_level l)
{
	level = (int)l;
}

void
log_set_default(enum log_level l)
{
	default_level = (int)l;
	level = -2;	/* KIOSK_LOG_LEVEL, when set, still decides */
}

void
log_set_prefix(const char *name)
{
	prefix = name;
}

void
log_msg(enum log_level l, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (level == -2)
		level_from_env();
	if ((int)l > level)
		return;
	va_start(ap, fmt);
	/* A long message is cut, never overflowed. */
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s: %s\n", prefix, names[l], buf);
}
