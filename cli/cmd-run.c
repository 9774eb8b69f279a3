// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "cli/commands.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cvmm: error: 'run' is not available in this build\n");
	return CVMM_EXIT_USAGE;
}
