// SPDX-License-Identifier: GPL-2.0-only
/*
 * Where configuration errors go: one line each, naming the flag that set a
 * value or the file and JSON path it came from; which paths are bad.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

void cfg_diag_init(struct cfg_diag *d, FILE *out)
{
	*d = (struct cfg_diag){ .out = out };
}

void cfg_diag_origin(struct cfg_diag *d, const char *path, const char *flag)
{
	struct cfg_origin *o = NULL;

	for (unsigned int i = 0; i < d->nr_origins && !o; i++)
		if (!strcmp(d->origins[i].path, path))
			o = &d->origins[i];
	/* Past the limits errors name the file's path instead: still true. */
	if (!o && (d->nr_origins == CFG_MAX_ORIGINS ||
		   strlen(path) >= sizeof(o->path)))
		return;
	if (!o) {
		o = &d->origins[d->nr_origins++];
		strcpy(o->path, path);
	}
	snprintf(o->flag, sizeof(o->flag), "%s", flag);
}

/* @a is @b or a path above it: "$.devices.disks[1]" is above "...[1].path". */
static bool path_within(const char *a, const char *b)
{
	size_t len = strlen(a);

	return !strncmp(a, b, len) &&
	       (!b[len] || b[len] == '.' || b[len] == '[');
}

/*
 * The flag that set @path, a path above it or, failing that, one below it
 * ("--snp-policy" for an error about all of "$.cc.snp").
 */
static const char *origin_of(const struct cfg_diag *d, const char *path)
{
	for (unsigned int i = 0; i < d->nr_origins; i++)
		if (path_within(d->origins[i].path, path))
			return d->origins[i].flag;
	for (unsigned int i = 0; i < d->nr_origins; i++)
		if (path_within(path, d->origins[i].path))
			return d->origins[i].flag;
	return NULL;
}

static void diag_line(struct cfg_diag *d, const char *where1,
		      const char *where2, const char *fmt, va_list ap)
{
	FILE *f = d->out ? d->out : stderr;
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Values come from the user: keep each error on one line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fputs("cvmm: error: ", f);
	if (where1)
		fprintf(f, "%s: ", where1);
	if (where2)
		fprintf(f, "%s: ", where2);
	fprintf(f, "%s\n", msg);
	d->errors++;
}

static void mark_bad(struct cfg_diag *d, const char *path)
{
	if (d->nr_bad < CFG_MAX_ORIGINS) {
		snprintf(d->bad[d->nr_bad++], sizeof(d->bad[0]), "%s", path);
		return;
	}
	/* Out of room: say nothing is known rather than forget one. */
	snprintf(d->bad[0], sizeof(d->bad[0]), "$");
}

bool cfg_diag_is_bad(const struct cfg_diag *d, const char *path)
{
	for (unsigned int i = 0; i < d->nr_bad; i++)
		if (path_within(d->bad[i], path) ||
		    path_within(path, d->bad[i]))
			return true;
	return false;
}

static void error_at(struct cfg_diag *d, const char *path, const char *fmt,
		     va_list ap)
{
	const char *flag = origin_of(d, path);

	if (flag)
		diag_line(d, flag, NULL, fmt, ap);
	else
		diag_line(d, d->file, path, fmt, ap);
}

void cfg_error(struct cfg_diag *d, const char *path, const char *fmt, ...)
{
	va_list ap;

	mark_bad(d, path);
	va_start(ap, fmt);
	error_at(d, path, fmt, ap);
	va_end(ap);
}

void cfg_flag_error(struct cfg_diag *d, const char *flag, const char *fmt, ...)
{
	va_list ap;

	if (!flag)
		mark_bad(d, "$");
	va_start(ap, fmt);
	diag_line(d, flag ? flag : d->file, NULL, fmt, ap);
	va_end(ap);
}

/*
 * A rule between fields failed: blame @path, but its value is fine on its
 * own, so other rules that read it still run.
 */
void cfg_rule_error(struct cfg_diag *d, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_at(d, path, fmt, ap);
	va_end(ap);
}


void cfg_config_error(struct cfg_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_line(d, d->file, NULL, fmt, ap);
	va_end(ap);
}

void cfg_error_line(struct cfg_diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_line(d, NULL, NULL, fmt, ap);
	va_end(ap);
}
