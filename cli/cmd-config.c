// SPDX-License-Identifier: GPL-2.0-only
/* Placeholder until the 'config' command lands; replaced by its owner. */
#include <stdio.h>

#include "cli/commands.h"

int cmd_config(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cvmm: error: 'config' is not available in this build\n");
	return CVMM_EXIT_USAGE;
}
