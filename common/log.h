/*
 * log: levelled messages to stderr, where journald collects them.
 *
 * Never log a scanned payload, a token, a key or a visitor's name: log
 * reasons, counts and identifiers the owner may see.
 *
 * The level comes from KIOSK_LOG_LEVEL (error, warn, info, debug; default
 * info) the first time a message is written, or from log_set_level().
 */
#ifndef KIOSK_LOG_H
#define KIOSK_LOG_H

enum log_level { LOG_NONE = -1, LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/*
 * log_set_level(level):
 * Write messages at LEVEL and more severe from now on (LOG_NONE: none).
 */
void log_set_level(enum log_level level);

/*
 * log_set_default(level):
 * The level when KIOSK_LOG_LEVEL is not set (info unless said): commands
 * people type run at warn, their -v at info; services at info.
 */
void log_set_default(enum log_level level);

/*
 * log_set_prefix(name):
 * Start each line with NAME (the program name). NAME must outlive logging.
 */
void log_set_prefix(const char *name);

/*
 * log_msg(level, fmt, ...):
 * Write one line "PREFIX: level: message" to stderr if LEVEL is enabled.
 */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
