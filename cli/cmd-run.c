// SPDX-License-Identifier: GPL-2.0-only
/* cvmm run: configuration in, a VM built and run, an exit status out. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

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

/*
 * One boot: build the VM, run it, write --stats. Returns cvmm's exit
 * status; *ret_reset says whether the guest ended it by rebooting. @img
 * (SNP, TDX: what vm_validate() read) goes to the launch.
 */
static int run_once(const struct vm_config *cfg, struct cc_image *img,
		    uint64_t start, bool *ret_reset)
{
	struct vm *vm = NULL;
	int status, r;

	*ret_reset = false;
	r = vm_build(cfg, img, start, &vm);
	if (r < 0)
		return exit_status_of(r);
	log_event("start", "vcpus=%u memory=%llu cc=%s", cfg->machine.vcpus,
		  (unsigned long long)cfg->machine.memory_size,
		  cc_mode_name(cfg->cc.mode));
	status = vm_run(vm);
	log_event("shutdown", "status=%d", status);
	if (cfg->stats.path && vm_write_stats(vm, cfg->stats.path) < 0 && !status)
		status = CVMM_EXIT_FAILURE;
	*ret_reset = vm->guest_reset && status == 0;
	vm_free(vm);
	return status;
}

/*
 * machine.on_reboot "restart": this process stays a small supervisor and
 * runs each boot in a child process of its own, starting the next when
 * the guest reboots. Building the VM anew resets all that a reboot must
 * (vCPUs, irqchip, devices, memory; a confidential guest's launch), and
 * each boot's seccomp filters and dropped privileges stay in its child,
 * which could not build a second VM under them. Disk images and TAP
 * devices carry over, as disks and cables do across a real reboot.
 */
static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP };
static volatile sig_atomic_t boot_pid;

/* SIGINT, SIGTERM, SIGHUP to the supervisor end the boot, and so cvmm. */
static void forward_signal(int sig)
{
	if (boot_pid > 0)
		kill(boot_pid, sig);
}

static int boot_child(const struct vm_config *cfg, struct cc_image *img,
		      uint64_t start, int reset_fd, pid_t supervisor,
		      const sigset_t *mask)
{
	bool reset;
	int status;

	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		signal(forwarded_signals[i], SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	/* A boot does not outlive its supervisor. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != supervisor)
		return CVMM_EXIT_FAILURE;
	status = run_once(cfg, img, start, &reset);
	if (reset && write(reset_fd, "r", 1) != 1)
		status = CVMM_EXIT_FAILURE;
	return status;
}

static int wait_boot(pid_t pid)
{
	int ws;

	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return CVMM_EXIT_FAILURE;
	if (WIFEXITED(ws))
		return WEXITSTATUS(ws);
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : CVMM_EXIT_FAILURE;
}

/*
 * Start one boot; its status, and in *ret_reset whether it rebooted. The
 * child launches from its copy of @img: every boot of an SNP or TDX guest
 * runs the bytes that were checked once.
 */
static int run_boot(const struct vm_config *cfg, struct cc_image *img,
		    uint64_t start, bool *ret_reset)
{
	sigset_t block, old;
	int fds[2], status;
	pid_t pid, self = getpid();
	char c;

	*ret_reset = false;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		log_error_errno(-errno, "creating the pipe a boot reports its reboot on");
		return CVMM_EXIT_FAILURE;
	}
	/* Nothing buffered may be written twice, and no signal be lost. */
	fflush(stdout);
	fflush(stderr);
	sigemptyset(&block);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&block, forwarded_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		exit(boot_child(cfg, img, start, fds[1], self, &old));
	}
	boot_pid = pid > 0 ? pid : 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		log_error_errno(-errno, "starting a boot (fork)");
		return CVMM_EXIT_FAILURE;
	}
	status = wait_boot(pid);
	boot_pid = 0;
	*ret_reset = read(fds[0], &c, 1) == 1;
	close(fds[0]);
	return status;
}

static int supervise(const struct vm_config *cfg, struct cc_image *img,
		     uint64_t start)
{
	struct sigaction sa = { .sa_handler = forward_signal };
	unsigned int boots = 0;
	bool reset;
	int status;

	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaction(forwarded_signals[i], &sa, NULL);
	do {
		if (boots++)
			log_info("starting boot %u", boots);
		status = run_boot(cfg, img, start, &reset);
		start = monotonic_ns();
	} while (reset);
	return status;
}

int cmd_run(int argc, char **argv)
{
	uint64_t start = monotonic_ns();
	struct run_options opts = { 0 };
	struct cc_image img = { 0 };
	struct vm_config cfg;
	struct cfg_diag d;
	bool reset;
	int status, r;

	cfg_diag_init(&d, stderr);
	r = cfg_parse_args(CFG_CMD_RUN, argc, argv, &cfg, &opts, &d);
	if (r == 0 && opts.help) {
		vm_config_free(&cfg);
		return CVMM_EXIT_OK;
	}
	log_set_level(cfg.logging.level);
	log_set_format(cfg.logging.format);
	r = cfg_validate(&cfg, r, opts.plan ? VM_USE_PLAN : VM_USE_RUN, &d,
			 &img);
	if (r < 0) {
		status = exit_status_of(r);
	} else if (opts.plan) {
		r = launch_plan_print(&cfg, &img, stdout);
		status = r < 0 ? exit_status_of(r) : CVMM_EXIT_OK;
	} else if (cfg.machine.on_reboot == ON_REBOOT_RESTART) {
		status = supervise(&cfg, &img, start);
	} else {
		status = run_once(&cfg, &img, start, &reset);
	}
	cc_image_free(&img);
	vm_config_free(&cfg);
	return status;
}
