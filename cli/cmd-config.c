// SPDX-License-Identifier: GPL-2.0-only
/* cvmm config check|show: the config as cvmm sees it, without a VM. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/config-parse.h"
#include "config/config.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: cvmm config check FILE [OPTIONS]\n"
		   "       cvmm config show [FILE] [OPTIONS] [--json]\n\n"
		   "check  check a config file and every file it names; print each\n"
		   "       error as 'cvmm: error: FILE: $.json.path: reason'\n"
		   "show   print the effective config: defaults, then FILE, then the\n"
		   "       options, as 'key = value' lines or, with --json, as a\n"
		   "       config file that loads back to the same text\n\n"
		   "The options are those of 'cvmm run' (see 'cvmm config show --help').\n"
		   "The schema is in docs/config.md.\n");
}

/* "machine.vcpus = 1" lines, one per value. */
static void print_flat(struct json_object *v, const char *prefix)
{
	char key[256];

	switch (json_object_get_type(v)) {
	case json_type_object: {
		json_object_object_foreach(v, k, child) {
			snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
			print_flat(child, key);
		}
		return;
	}
	case json_type_array:
		if (!json_object_array_length(v))
			printf("%s = []\n", prefix);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			snprintf(key, sizeof(key), "%s[%zu]", prefix, i);
			print_flat(json_object_array_get_idx(v, i), key);
		}
		return;
	default:
		printf("%s = %s\n", prefix,
		       json_object_to_json_string_ext(
			       v, JSON_C_TO_STRING_PLAIN |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
		return;
	}
}

static int show(const struct vm_config *cfg, bool json)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *root;
	int r;

	r = vm_config_to_json(cfg, &text);
	if (r < 0) {
		fprintf(stderr, "cvmm: error: out of memory\n");
		return CVMM_EXIT_FAILURE;
	}
	if (json) {
		fputs(text, stdout);
		return CVMM_EXIT_OK;
	}
	root = json_tokener_parse(text);
	if (!root) {
		fprintf(stderr, "cvmm: error: out of memory\n");
		return CVMM_EXIT_FAILURE;
	}
	print_flat(root, "");
	json_object_put(root);
	return CVMM_EXIT_OK;
}

/* The one validation of every command, for a config that may be measured. */
static int check(const struct vm_config *cfg, int parsed, struct cfg_diag *d)
{
	int r = cfg_validate(cfg, parsed, VM_USE_CHECK, d, NULL);

	if (r == -ENOMEM)
		return CVMM_EXIT_FAILURE;
	if (r < 0)
		return CVMM_EXIT_USAGE;
	return printf("%s: ok\n", d->file ? d->file : "config") < 0 ?
		       CVMM_EXIT_FAILURE : CVMM_EXIT_OK;
}

/* show prints a config whose values are sound; the launch is check's. */
static int show_checked(const struct vm_config *cfg, int parsed,
			struct cfg_diag *d, bool json)
{
	if (parsed == -ENOMEM)
		return CVMM_EXIT_FAILURE;
	if (vm_config_check(cfg, d) < 0 || d->errors)
		return CVMM_EXIT_USAGE;
	return show(cfg, json);
}

static int check_or_show(enum cfg_command cmd, int argc, char **argv)
{
	struct run_options opts;
	struct vm_config cfg;
	struct cfg_diag d;
	int r, status;

	cfg_diag_init(&d, stderr);
	r = cfg_parse_args(cmd, argc, argv, &cfg, &opts, &d);
	if (r == 0 && opts.help)
		status = CVMM_EXIT_OK;
	else if (cmd == CFG_CMD_CONFIG_SHOW)
		status = show_checked(&cfg, r, &d, opts.json);
	else
		status = check(&cfg, r, &d);
	vm_config_free(&cfg);
	return status;
}

int cmd_config(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CVMM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return CVMM_EXIT_OK;
	}
	if (!strcmp(argv[1], "check"))
		return check_or_show(CFG_CMD_CONFIG_CHECK, argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return check_or_show(CFG_CMD_CONFIG_SHOW, argc - 1, argv + 1);
	fprintf(stderr, "cvmm: error: config: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return CVMM_EXIT_USAGE;
}
