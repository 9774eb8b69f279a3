// SPDX-License-Identifier: GPL-2.0-only
/* cvmm: dispatch to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "build-config.h"
#include "cli/commands.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "boot a VM (the embedded test guest by default)" },
	{ "caps", cmd_caps, "show what this host's KVM offers a confidential VMM" },
	{ "config", cmd_config, "check or show a VM configuration" },
	{ "measure", cmd_measure, "compute a CC guest's launch measurement offline" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: cvmm COMMAND [ARGS...]\n\n"
		   "A userspace VMM on KVM for confidential guests.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nRun 'cvmm COMMAND --help' for a command's options.\n"
		   "Exit status: 0 guest ended cleanly, 1 runtime error or guest failure,\n"
		   "2 usage or config error, 3 the host lacks a needed capability.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CVMM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return CVMM_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("cvmm %s (%s)\n", CVMM_VERSION, CVMM_LINKAGE);
		return CVMM_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "cvmm: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CVMM_EXIT_USAGE;
}
