/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cvmm's own messages, on stderr: "cvmm: error: ..." in text mode or one
 * JSON object per line. The guest console never goes through here.
 */
#ifndef CVMM_LOG_H
#define CVMM_LOG_H

#include <string.h>

#include "util.h"

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

enum log_format {
	LOG_FORMAT_TEXT,
	LOG_FORMAT_JSON,
};

void log_set_level(enum log_level level);
void log_set_format(enum log_format format);
enum log_level log_get_level(void);

/*
 * Log one line. With err != 0 the errno's name and text are appended.
 * Returns -abs(err), or -EIO when err is 0, so that error paths can say
 * "return log_error_errno(r, ...)".
 */
int log_full(enum log_level level, int err, const char *fmt, ...) __printf(3, 4);

/*
 * A structured event: a name and key=value fields (values are strings or
 * numbers given as printf formats), one JSON object per line in JSON mode;
 * in text mode only at debug level.
 */
void log_event(const char *name, const char *fmt, ...) __printf(2, 3);

#define log_error(...) ((void)log_full(LOG_LEVEL_ERROR, 0, __VA_ARGS__))
#define log_warning(...) ((void)log_full(LOG_LEVEL_WARNING, 0, __VA_ARGS__))
#define log_info(...) ((void)log_full(LOG_LEVEL_INFO, 0, __VA_ARGS__))
#define log_debug(...)                                          \
	do {                                                    \
		if (log_get_level() >= LOG_LEVEL_DEBUG)         \
			(void)log_full(LOG_LEVEL_DEBUG, 0, __VA_ARGS__); \
	} while (0)
#define log_error_errno(err, ...) log_full(LOG_LEVEL_ERROR, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) log_full(LOG_LEVEL_WARNING, (err), __VA_ARGS__)

/* "EINVAL" for 22 and -22; "E?" for numbers it does not know. */
const char *errno_name(int err);

#endif
