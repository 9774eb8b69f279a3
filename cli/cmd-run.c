// SPDX-License-Identifier: GPL-2.0-only
/* cvmm run: configuration in, a VM built and run, an exit status out. */
#include <errno.h>
#include <stdio.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/plan-print.h"
#include "lib/log.h"
#include "vmm/vm.h"

static int exit_status_of(int err)
{
	switch (err) {
	case VM_ERR_NO_CAP:
		return CVMM_EXIT_NO_CAP;
	case -EINVAL:
		return CVMM_EXIT_USAGE;
	default:
		return CVMM_EXIT_FAILURE;
	}
}

int cmd_run(int argc, char **argv)
{
	uint64_t start = monotonic_ns();
	struct run_options opts = { 0 };
	struct vm_config cfg;
	struct vm *vm = NULL;
	int status, r;

	vm_config_init(&cfg);
	r = cfg_parse_run_args(argc, argv, &cfg, &opts);
	if (r < 0 || opts.help) {
		vm_config_free(&cfg);
		return r < 0 ? CVMM_EXIT_USAGE : CVMM_EXIT_OK;
	}
	log_set_level(cfg.logging.level);
	log_set_format(cfg.logging.format);
	if (opts.plan) {
		r = launch_plan_print(&cfg, stdout);
		vm_config_free(&cfg);
		return r < 0 ? exit_status_of(r) : CVMM_EXIT_OK;
	}

	r = vm_build(&cfg, start, &vm);
	if (r < 0) {
		vm_config_free(&cfg);
		return exit_status_of(r);
	}
	log_event("start", "vcpus=%u memory=%llu cc=%s", cfg.machine.vcpus,
		  (unsigned long long)cfg.machine.memory_size,
		  cc_mode_name(cfg.cc.mode));
	status = vm_run(vm);
	log_event("shutdown", "status=%d", status);
	if (cfg.stats.path && vm_write_stats(vm, cfg.stats.path) < 0 && !status)
		status = CVMM_EXIT_FAILURE;
	vm = vm_free(vm);
	vm_config_free(&cfg);
	return status;
}
