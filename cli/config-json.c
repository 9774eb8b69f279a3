// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON config files in and out: a strict loader that reports every error
 * in a file with its JSON path, and the writer behind "config show --json".
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli/config-parse.h"
#include "config/config.h"

/* A config is a few hundred bytes; anything this big is not one. */
#define CFG_MAX_FILE_SIZE (1u << 20)
/* Deeper than any config, shallow enough to bound the parser's stack. */
#define CFG_MAX_DEPTH 16
#define JSON_PRETTY                                                         \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |                \
	 JSON_C_TO_STRING_NOSLASHESCAPE)

static int object_from_json(const struct cfg_field *fields, void *base,
			    struct json_object *obj, const char *path,
			    struct cfg_ctx *c);

/* Edit distance of two short strings, to suggest a key for a typo. */
static unsigned int distance(const char *a, const char *b)
{
	unsigned int row[33], la = strlen(a), lb = strlen(b);

	if (la > 32 || lb > 32)
		return 99;
	for (unsigned int j = 0; j <= lb; j++)
		row[j] = j;
	for (unsigned int i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (unsigned int j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int cost = diag + (a[i - 1] != b[j - 1]);

			row[j] = MIN(MIN(row[j - 1] + 1, up + 1), cost);
			diag = up;
		}
	}
	return row[lb];
}

static void unknown_key(const struct cfg_field *fields, const char *key,
			const char *path, struct cfg_diag *d)
{
	const char *best = NULL;
	unsigned int best_dist = 3;

	for (const struct cfg_field *f = fields; f->key; f++) {
		unsigned int dist = distance(key, f->key);

		if (dist < best_dist && dist < strlen(f->key)) {
			best = f->key;
			best_dist = dist;
		}
	}
	if (best)
		cfg_error(d, path, "unknown key '%.40s', did you mean '%s'?", key,
			  best);
	else
		cfg_error(d, path, "unknown key '%.40s'", key);
}

static const char *json_type_noun(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	case json_type_boolean:
		return "a boolean";
	case json_type_null:
		return "null";
	case json_type_int:
	case json_type_double:
		break;
	}
	return "a number";
}

static void free_elems(const struct cfg_field *f, void *base)
{
	unsigned int *count = CFG_AT(base, f->count_off, unsigned int);

	for (unsigned int i = 0; i < *count; i++) {
		void *elem = cfg_elem(f, base, i);

		for (const struct cfg_field *ef = f->fields; ef->key; ef++) {
			if (ef->type != CFG_T_STRING && ef->type != CFG_T_PATH)
				continue;
			free(*CFG_AT(elem, ef->off, char *));
		}
		memset(elem, 0, f->elem_size);
	}
	*count = 0;
}

static int array_from_json(const struct cfg_field *f, void *base,
			   struct json_object *arr, const char *path,
			   struct cfg_ctx *c)
{
	size_t n = json_object_array_length(arr);
	unsigned int *count = CFG_AT(base, f->count_off, unsigned int);
	int r = 0;

	/* A list in the file replaces what was there. */
	free_elems(f, base);
	if (n > f->max_elems) {
		cfg_error(c->diag, path, "%zu %s, more than the %u supported", n,
			  f->elem_noun, f->max_elems);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		void *elem = cfg_elem(f, base, i);
		char sub[192];

		snprintf(sub, sizeof(sub), "%.160s[%zu]", path, i);
		(*count)++;
		if (!json_object_is_type(v, json_type_object)) {
			cfg_error(c->diag, sub, "expected an object, got %s",
				  json_type_noun(v));
			r = -EINVAL;
			continue;
		}
		if (object_from_json(f->fields, elem, v, sub, c) < 0)
			r = -EINVAL;
	}
	return r;
}

static int field_from_json(const struct cfg_field *f, void *base,
			   struct json_object *v, const char *path,
			   struct cfg_ctx *c)
{
	switch (f->type) {
	case CFG_T_OBJECT:
		if (!json_object_is_type(v, json_type_object))
			break;
		if (f->given_off)
			*CFG_AT(base, f->given_off, bool) = true;
		return object_from_json(f->fields, base, v, path, c);
	case CFG_T_ARRAY:
		if (!json_object_is_type(v, json_type_array))
			break;
		return array_from_json(f, base, v, path, c);
	default:
		return cfg_value_from_json(f, base, v, path, c);
	}
	cfg_error(c->diag, path, "expected %s, got %s",
		  f->type == CFG_T_OBJECT ? "an object" : "an array",
		  json_type_noun(v));
	return -EINVAL;
}

static int object_from_json(const struct cfg_field *fields, void *base,
			    struct json_object *obj, const char *path,
			    struct cfg_ctx *c)
{
	int r = 0;

	json_object_object_foreach(obj, key, v) {
		const struct cfg_field *f;
		char sub[192];

		snprintf(sub, sizeof(sub), "%.140s.%.40s", path, key);
		for (f = fields; f->key; f++)
			if (!strcmp(f->key, key))
				break;
		if (!f->key) {
			unknown_key(fields, key, sub, c->diag);
			r = -EINVAL;
			continue;
		}
		if (field_from_json(f, base, v, sub, c) < 0)
			r = -EINVAL;
	}
	for (const struct cfg_field *f = fields; f->key; f++) {
		if (!f->required ||
		    json_object_object_get_ex(obj, f->key, NULL))
			continue;
		cfg_error(c->diag, path, "missing key '%s'", f->key);
		r = -EINVAL;
	}
	return r;
}

static char *read_file(const char *file, size_t *ret_len, struct cfg_diag *d)
{
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0) {
		cfg_flag_error(d, NULL, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_flag_error(d, NULL, "not a regular file");
		return NULL;
	}
	if (st.st_size > CFG_MAX_FILE_SIZE) {
		cfg_flag_error(d, NULL, "%lld bytes is too large for a config",
			       (long long)st.st_size);
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		cfg_flag_error(d, NULL, "out of memory");
		return NULL;
	}
	for (n = 0; n < st.st_size;) {
		ssize_t got = read(fd, buf + n, st.st_size - n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			cfg_flag_error(d, NULL, "cannot read: %s", strerror(errno));
			return NULL;
		}
		if (got == 0)
			break;
		n += got;
	}
	buf[n] = '\0';
	*ret_len = n;
	return TAKE_PTR(buf);
}

/* Report a syntax error at the line and column where the parser stopped. */
static void syntax_error(const char *buf, size_t end, const char *why,
			 struct cfg_diag *d)
{
	unsigned int line = 1, col = 1;

	for (size_t i = 0; i < end && buf[i]; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	cfg_flag_error(d, NULL, "line %u, column %u: invalid JSON: %s", line,
		       col, why);
}

static struct json_object *parse_json(const char *buf, size_t len,
				      struct cfg_diag *d)
{
	struct json_tokener *tok = json_tokener_new_ex(CFG_MAX_DEPTH);
	struct json_object *root;
	enum json_tokener_error err;

	if (!tok) {
		cfg_flag_error(d, NULL, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, len);
	err = json_tokener_get_error(tok);
	if (!root && err == json_tokener_continue)
		syntax_error(buf, len, "unexpected end of data", d);
	else if (!root)
		syntax_error(buf, json_tokener_get_parse_end(tok),
			     json_tokener_error_desc(err), d);
	else if (strlen(buf) != len)
		cfg_flag_error(d, NULL, "invalid JSON: the file holds a NUL byte");
	json_tokener_free(tok);
	if (root && strlen(buf) != len) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

int vm_config_load_file(struct vm_config *cfg, const char *file,
			struct cfg_diag *d)
{
	_cleanup_free_ char *buf = NULL, *dir = NULL;
	struct json_object *root;
	const char *slash;
	struct cfg_ctx c = { .diag = d };
	unsigned int before = d->errors;
	struct cfg_scan scan;
	size_t len;
	int r;

	d->file = file;
	buf = read_file(file, &len, d);
	if (!buf)
		return -EINVAL;
	root = parse_json(buf, len, d);
	if (!root)
		return -EINVAL;
	r = cfg_json_scan(buf, len, &scan, d);
	if (r < 0) {
		json_object_put(root);
		return -EINVAL;
	}
	c.scan = &scan;

	slash = strrchr(file, '/');
	dir = slash ? strndup(file, slash == file ? 1 : slash - file) : strdup(".");
	free(cfg->source);
	cfg->source = realpath(file, NULL);
	if (!dir || !cfg->source) {
		json_object_put(root);
		cfg_flag_error(d, NULL, "out of memory");
		return -EINVAL;
	}
	c.dir = dir;

	if (!json_object_is_type(root, json_type_object)) {
		cfg_error(d, "$", "expected an object, got %s", json_type_noun(root));
		r = -EINVAL;
	} else {
		r = object_from_json(cfg_schema, cfg, root, "$", &c);
	}
	json_object_put(root);
	/* The scan reports errors the walk does not see again. */
	return r < 0 || d->errors != before ? -EINVAL : 0;
}

static struct json_object *object_to_json(const struct cfg_field *fields,
					  const void *base,
					  const struct vm_config *cfg);

static struct json_object *array_to_json(const struct cfg_field *f,
					 const void *base,
					 const struct vm_config *cfg)
{
	unsigned int n = *CFG_AT(base, f->count_off, const unsigned int);
	struct json_object *arr = json_object_new_array();

	for (unsigned int i = 0; arr && i < n && i < f->max_elems; i++) {
		const void *e = cfg_elem(f, base, i);

		json_object_array_add(arr, object_to_json(f->fields, e, cfg));
	}
	return arr;
}

static struct json_object *object_to_json(const struct cfg_field *fields,
					  const void *base,
					  const struct vm_config *cfg)
{
	struct json_object *obj = json_object_new_object();

	for (const struct cfg_field *f = fields; obj && f->key; f++) {
		struct json_object *v;

		if (f->shown && !f->shown(cfg))
			continue;
		if (f->type == CFG_T_OBJECT)
			v = object_to_json(f->fields, base, cfg);
		else if (f->type == CFG_T_ARRAY)
			v = array_to_json(f, base, cfg);
		else
			v = cfg_value_to_json(f, base);
		if (v)
			json_object_object_add(obj, f->key, v);
	}
	return obj;
}

/*
 * json-c prints an empty list as "[" newline "]": squeeze it to "[]". A
 * newline never stands inside a JSON string, so this cannot touch one.
 */
static void squeeze_empty(char *s)
{
	char *out = s;

	for (char *p = s; *p; p++) {
		size_t blank = strspn(p + 1, "\n ");

		*out++ = *p;
		if ((*p == '[' && p[1 + blank] == ']') ||
		    (*p == '{' && p[1 + blank] == '}'))
			p += blank;
	}
	*out = '\0';
}

int vm_config_to_json(const struct vm_config *cfg, char **ret_json)
{
	struct json_object *root = object_to_json(cfg_schema, cfg, cfg);
	const char *text;
	char *copy = NULL;

	if (!root)
		return -ENOMEM;
	text = json_object_to_json_string_ext(root, JSON_PRETTY);
	if (text && asprintf(&copy, "%s\n", text) < 0)
		copy = NULL;
	json_object_put(root);
	if (!copy)
		return -ENOMEM;
	squeeze_empty(copy);
	*ret_json = copy;
	return 0;
}
