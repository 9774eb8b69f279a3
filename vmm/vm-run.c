// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running a built VM: its vCPU threads and the event loop until the guest
 * or a signal ends it (vm-stop.c).
 */
#include <signal.h>
#include <string.h>

#include "lib/log.h"
#include "memory/convert.h"
#include "vmm/arch.h"
#include "vmm/console.h"
#include "vmm/seccomp.h"
#include "vmm/vm.h"

static void on_stop_signal(void *opaque, int signo)
{
	struct vm *vm = opaque;

	if (signo == SIGUSR2) {
		log_info("received %s; each vCPU logs its state",
			 strsignal(signo));
		vm_log_last_exits(vm);
		vm_request_dump(vm);
		return;
	}
	log_info("received %s; ending the VM", strsignal(signo));
	vm_log_last_exits(vm);
	if (signo == SIGQUIT)
		__atomic_store_n(&vm->dump_on_stop, true, __ATOMIC_RELEASE);
	vm_request_stop(vm, 128 + signo);
}

/*
 * SIGINT, SIGTERM and SIGHUP end the VM through the loop, so that the
 * terminal is restored and --stats written on the way out; SIGQUIT too,
 * after every vCPU logged its state (a hung guest's debug dump). SIGUSR2
 * has them log it and run on: two dumps apart tell a hang from slowness.
 * Blocked before the vCPU threads exist, which inherit the mask.
 */
static int watch_stop_signals(struct vm *vm)
{
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR2);
	r = event_loop_watch_signals(&vm->loop, &set, on_stop_signal, vm);
	return r < 0 ? log_error_errno(r, "watching SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR2") : 0;
}

int vm_run(struct vm *vm)
{
	struct console *console = arch_vm_console(vm);
	int r;

	/* Everything privileged is open, and threads inherit what is left. */
	r = privs_drop(&vm->privs);
	if (r == 0)
		r = watch_stop_signals(vm);
	if (r == 0 && console)
		r = console_start(console);
	/* All of them, so that an early return cannot stop the loop. */
	vm->vcpus_running = vm->nr_vcpus;
	for (unsigned int i = 0; i < vm->nr_vcpus && r == 0; i++) {
		r = vcpu_start(&vm->vcpus[i]);
		if (r < 0)
			log_error_errno(r, "starting vCPU %u's thread", i);
	}
	/* After the vCPU threads, which install their own. */
	if (r == 0) {
		r = seccomp_install(SECCOMP_ROLE_MAIN, vm->cfg);
		if (r < 0)
			log_error_errno(r, "installing the main thread's seccomp filter");
	}
	if (r < 0)
		vm_request_stop(vm, 1);
	/* Until a stop request or the last vCPU thread's return. */
	r = event_loop_run(&vm->loop);
	if (r < 0) {
		log_error_errno(r, "event loop");
		vm_request_stop(vm, 1);
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].started)
			pthread_join(vm->vcpus[i].thread, NULL);
	if (console)
		console_stop(console);
	uart_flush(&vm->uart);
	r = mem_convert_flush(&vm->mem);
	if (r < 0)
		log_warning_errno(r, "discarding the dead side of converted memory (%llu discards failed during the run)",
				  (unsigned long long)vm->mem.stats.discard_failures);
	vm->times.end = monotonic_ns();
	arch_vm_stopped(vm);
	if (!vm->stopping) {
		log_error("every vCPU stopped but the guest never ended the VM");
		return 1;
	}
	return vm->exit_status;
}
