/* SPDX-License-Identifier: GPL-2.0-only */
/* Command-line parsing into struct vm_config (owned by the config work). */
#ifndef CVMM_ARGS_H
#define CVMM_ARGS_H

#include <stdbool.h>

#include "cli/config.h"

/* What "cvmm run" takes beyond the VM's configuration. */
struct run_options {
	/* Print the launch plan and exit without starting vCPUs. */
	bool plan;
};

/*
 * Parse "run [CONFIG] [flags]" (argv[0] is "run"): defaults, then the
 * file, then the flags over it. Errors are printed in the documented
 * form. Returns 0, or -EINVAL for a usage or config error (exit 2).
 */
int cfg_parse_run_args(int argc, char **argv, struct vm_config *cfg,
		       struct run_options *opts);

#endif
