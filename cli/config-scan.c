// SPDX-License-Identifier: GPL-2.0-only
/*
 * What json-c lets through in a config: it keeps the last of two equal
 * keys, saturates integers that do not fit in 64 bits, cuts strings short
 * at \u0000 and takes strings in single quotes. One pass over text that
 * json-c has already accepted finds each, with its JSON path, so that
 * nothing is silently changed.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/config-parse.h"

/* Objects in a config have a handful of keys; past this, dups go unseen. */
#define SCAN_MAX_KEYS 64
#define SCAN_MAX_DEPTH 32

struct scan_frame {
	bool object;
	bool want_key;
	unsigned int index;
	/* The current key, cut short for messages. */
	char key[41];
	unsigned int nr_keys;
	uint64_t keys[SCAN_MAX_KEYS];
};

struct scan {
	const char *buf;
	size_t len, pos;
	unsigned int depth;
	struct scan_frame *frames;
	struct cfg_scan *out;
	struct cfg_diag *diag;
};

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

static void scan_path(const struct scan *s, char *buf, size_t n)
{
	size_t len = snprintf(buf, n, "$");

	for (unsigned int i = 0; i < s->depth && len < n; i++) {
		const struct scan_frame *f = &s->frames[i];

		if (f->object)
			len += snprintf(buf + len, n - len, ".%s", f->key);
		else
			len += snprintf(buf + len, n - len, "[%u]", f->index);
	}
}

static void scan_key(struct scan *s, const char *key, size_t len)
{
	struct scan_frame *f = &s->frames[s->depth - 1];
	uint64_t h = hash(key, len);
	char path[192];

	snprintf(f->key, sizeof(f->key), "%.*s", (int)MIN(len, 40), key);
	f->want_key = false;
	for (unsigned int i = 0; i < f->nr_keys; i++) {
		if (f->keys[i] == h) {
			scan_path(s, path, sizeof(path));
			cfg_error(s->diag, path, "key '%s' is given twice", f->key);
			return;
		}
	}
	if (f->nr_keys < SCAN_MAX_KEYS)
		f->keys[f->nr_keys++] = h;
}

/* An integer json-c would saturate: report it and remember where. */
static void scan_number(struct scan *s, const char *tok, size_t len)
{
	struct cfg_scan *out = s->out;
	char num[48], *end;

	/* A fraction or exponent makes a double: not an integer to check. */
	if (memchr(tok, '.', len) || memchr(tok, 'e', len) ||
	    memchr(tok, 'E', len))
		return;
	snprintf(num, sizeof(num), "%.*s", (int)MIN(len, sizeof(num) - 1), tok);
	errno = 0;
	if (num[0] == '-')
		(void)strtoll(num, &end, 10);
	else
		(void)strtoull(num, &end, 10);
	if (errno != ERANGE && len < sizeof(num))
		return;
	if (out->nr_bad == ARRAY_SIZE(out->bad))
		return;
	scan_path(s, out->bad[out->nr_bad], sizeof(out->bad[0]));
	cfg_error(s->diag, out->bad[out->nr_bad], "%s does not fit in 64 bits", num);
	out->nr_bad++;
}

static void scan_syntax_error(struct scan *s, const char *why)
{
	unsigned int line = 1, col = 1;

	for (size_t i = 0; i < s->pos; i++) {
		if (s->buf[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	cfg_flag_error(s->diag, NULL, "line %u, column %u: invalid JSON: %s", line,
		       col, why);
}

static int scan_string(struct scan *s)
{
	size_t start = ++s->pos;
	struct scan_frame *f = s->depth ? &s->frames[s->depth - 1] : NULL;
	bool nul = false;
	char path[192];

	while (s->pos < s->len && s->buf[s->pos] != '"') {
		if (s->buf[s->pos] != '\\') {
			s->pos++;
			continue;
		}
		nul |= s->len - s->pos >= 6 && !memcmp(s->buf + s->pos, "\\u0000", 6);
		s->pos += 2;
	}
	if (s->pos >= s->len)
		return -EINVAL;
	if (f && f->object && f->want_key)
		scan_key(s, s->buf + start, s->pos - start);
	/* json-c would cut the string short there. */
	if (nul) {
		scan_path(s, path, sizeof(path));
		cfg_error(s->diag, path, "a string holds \\u0000");
	}
	s->pos++;
	return 0;
}

static int scan_open(struct scan *s, bool object)
{
	if (s->depth == SCAN_MAX_DEPTH)
		return -EINVAL;
	s->frames[s->depth++] = (struct scan_frame){
		.object = object,
		.want_key = object,
	};
	s->pos++;
	return 0;
}

static int scan_one(struct scan *s)
{
	char c = s->buf[s->pos];
	struct scan_frame *f = s->depth ? &s->frames[s->depth - 1] : NULL;
	size_t start;

	switch (c) {
	case '"':
		return scan_string(s);
	case '{':
	case '[':
		return scan_open(s, c == '{');
	case '}':
	case ']':
		if (s->depth)
			s->depth--;
		break;
	case ',':
		if (f && f->object)
			f->want_key = true;
		else if (f)
			f->index++;
		break;
	case '\'':
		scan_syntax_error(s, "strings need double quotes");
		return -EINVAL;
	case '-':
	case '0' ... '9':
		start = s->pos;
		while (s->pos < s->len && strchr("-+.eE0123456789", s->buf[s->pos]) &&
		       s->buf[s->pos])
			s->pos++;
		scan_number(s, s->buf + start, s->pos - start);
		return 0;
	default:
		break;
	}
	s->pos++;
	return 0;
}

int cfg_json_scan(const char *buf, size_t len, struct cfg_scan *out,
		  struct cfg_diag *d)
{
	struct scan s = {
		.buf = buf,
		.len = len,
		.out = out,
		.diag = d,
	};
	int r = 0;

	*out = (struct cfg_scan){};
	s.frames = calloc(SCAN_MAX_DEPTH, sizeof(*s.frames));
	if (!s.frames)
		return -ENOMEM;
	while (s.pos < s.len && r == 0)
		r = scan_one(&s);
	free(s.frames);
	return r;
}

bool cfg_scan_is_bad(const struct cfg_scan *scan, const char *path)
{
	for (unsigned int i = 0; scan && i < scan->nr_bad; i++)
		if (!strcmp(scan->bad[i], path))
			return true;
	return false;
}
