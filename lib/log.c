// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

static enum log_level max_level = LOG_LEVEL_INFO;
static enum log_format format = LOG_FORMAT_TEXT;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	max_level = level;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_set_format(enum log_format f)
{
	format = f;
}

const char *errno_name(int err)
{
	static const struct {
		int nr;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },   { ENOENT, "ENOENT" },
		{ EINTR, "EINTR" },   { EIO, "EIO" },
		{ ENXIO, "ENXIO" },   { E2BIG, "E2BIG" },
		{ EBADF, "EBADF" },   { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
		{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
		{ ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
		{ ENOTTY, "ENOTTY" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EOVERFLOW, "EOVERFLOW" }, { EHWPOISON, "EHWPOISON" },
		{ ENOEXEC, "ENOEXEC" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ ENOTSUP, "ENOTSUP" }, { EMFILE, "EMFILE" },
	};
	int e = abs(err);

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].nr == e)
			return names[i].name;
	return "E?";
}

static void json_string(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

int log_full(enum log_level level, int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	if (level > max_level)
		return err ? -abs(err) : -EIO;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && err && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s (%s)", strerror(abs(err)),
			 errno_name(err));

	if (format == LOG_FORMAT_JSON) {
		fprintf(stderr, "{\"level\":\"%s\",\"msg\":", level_names[level]);
		json_string(stderr, msg, strlen(msg));
		fputs("}\n", stderr);
	} else {
		fprintf(stderr, "cvmm: %s%s%s\n",
			level == LOG_LEVEL_INFO ? "" : level_names[level],
			level == LOG_LEVEL_INFO ? "" : ": ", msg);
	}
	return err ? -abs(err) : -EIO;
}

/* Plain decimal without leading zeros; hex values stay JSON strings. */
static bool is_number(const char *s, size_t len)
{
	if (len == 0 || len > 20 || (s[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Turn "a=1 b=x c=0x10" into JSON fields; values run to the next space. */
static void json_fields(FILE *f, const char *s)
{
	while (*s) {
		const char *eq = strchr(s, '=');
		const char *end;

		if (!eq)
			break;
		end = strchr(eq + 1, ' ');
		if (!end)
			end = eq + 1 + strlen(eq + 1);
		fputc(',', f);
		json_string(f, s, eq - s);
		fputc(':', f);
		if (is_number(eq + 1, end - eq - 1))
			fwrite(eq + 1, 1, end - eq - 1, f);
		else
			json_string(f, eq + 1, end - eq - 1);
		s = *end ? end + 1 : end;
	}
}

void log_event(const char *name, const char *fmt, ...)
{
	char fields[1024];
	va_list ap;

	/* Events are the JSON log's business; text shows them when debugging. */
	if (max_level < (format == LOG_FORMAT_JSON ? LOG_LEVEL_INFO : LOG_LEVEL_DEBUG))
		return;
	va_start(ap, fmt);
	vsnprintf(fields, sizeof(fields), fmt, ap);
	va_end(ap);

	if (format == LOG_FORMAT_JSON) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		fprintf(stderr, "{\"time\":%lld.%03ld,\"event\":", (long long)ts.tv_sec,
			ts.tv_nsec / 1000000);
		json_string(stderr, name, strlen(name));
		json_fields(stderr, fields);
		fputs("}\n", stderr);
	} else {
		fprintf(stderr, "cvmm: %s: %s\n", name, fields);
	}
}
