/* SPDX-License-Identifier: GPL-2.0-only */
/* Command-line parsing into struct vm_config (owned by the config work). */
#ifndef CVMM_ARGS_H
#define CVMM_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"
#include "vmm/validate.h"

/* What "cvmm run" takes beyond the VM's configuration. */
struct run_options {
	/* Print the launch plan and exit without starting vCPUs. */
	bool plan;
	/* --help was given and printed: exit 0 without doing anything. */
	bool help;
	/* "config show --json": print JSON, not "key = value" lines. */
	bool json;
	/*
	 * measure: --snp-vcpu-sig and --snp-kernel-hashes as given (NULL:
	 * not given), checked by cli/cmd-measure.c; --tdx-mrtd-two-pass.
	 */
	const char *snp_vcpu_sig;
	const char *snp_kernel_hashes;
	bool tdx_mrtd_two_pass;
};

/* The commands that take the VM flags; they differ in a few extras. */
enum cfg_command {
	CFG_CMD_RUN,
	CFG_CMD_CONFIG_CHECK,
	CFG_CMD_CONFIG_SHOW,
	CFG_CMD_MEASURE,
};

/*
 * Parse "CMD [CONFIG] [flags]" (argv[0] is the command's name, skipped):
 * defaults, then the file, then the flags over it, and finish the values
 * that follow from others. Every error goes to @d in the documented form
 * (tests capture them). Returns 0, -EINVAL for usage or config errors
 * (exit 2), or -ENOMEM (reported). With --help, prints the help to stdout,
 * sets opts->help and returns 0. The rules are cfg_validate()'s. The
 * caller frees *cfg with vm_config_free() in every case.
 */
int __must_check cfg_parse_args(enum cfg_command cmd, int argc, char **argv,
				struct vm_config *cfg, struct run_options *opts,
				struct cfg_diag *d);

/*
 * After cfg_parse_args() returned @parsed: the one validation of every
 * command (vm_validate()), which runs after parse errors too, so that the
 * rules report what they can in the same pass. Returns 0, -EINVAL,
 * VM_ERR_NO_CAP (host) or -ENOMEM. @ret_img: vm_validate()'s.
 */
int __must_check cfg_validate(const struct vm_config *cfg, int parsed,
			      enum vm_use use, struct cfg_diag *d,
			      struct cc_image *ret_img);

/* The flag list for a command's --help. */
void cfg_print_flags(enum cfg_command cmd, FILE *f);

#endif
