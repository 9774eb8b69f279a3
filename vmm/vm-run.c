// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running a built VM: its vCPU threads and the event loop until the guest
 * or a signal ends it, and the requests that stop it.
 */
#include <signal.h>
#include <string.h>

#include "lib/log.h"
#include "memory/convert.h"
#include "vmm/seccomp.h"
#include "vmm/vm.h"
#include "vmm/x86/pc.h"

static void stop(struct vm *vm, int status, bool reset)
{
	pthread_mutex_lock(&vm->lock);
	if (!vm->stopping) {
		vm->exit_status = status;
		vm->guest_reset = reset;
		__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&vm->lock);

	/* immediate_exit makes a vCPU about to enter KVM_RUN come back. */
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->started)
			continue;
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		if (!pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, SIGUSR1);
	}
	event_loop_stop(&vm->loop);
}

void vm_request_stop(struct vm *vm, int status)
{
	stop(vm, status, false);
}

void vm_request_reset(struct vm *vm)
{
	if (vm->cfg->machine.on_reboot == ON_REBOOT_RESTART)
		log_info("guest rebooted; restarting it");
	else
		log_info("guest rebooted; ending the VM");
	stop(vm, 0, true);
}

static void on_stop_signal(void *opaque, int signo)
{
	log_info("received %s; ending the VM", strsignal(signo));
	vm_request_stop(opaque, 128 + signo);
}

/*
 * SIGINT, SIGTERM and SIGHUP end the VM through the loop, so that the
 * terminal is restored and --stats written on the way out. Blocked before
 * the vCPU threads exist, which inherit the mask.
 */
static int watch_stop_signals(struct vm *vm)
{
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	r = event_loop_watch_signals(&vm->loop, &set, on_stop_signal, vm);
	return r < 0 ? log_error_errno(r, "watching SIGINT, SIGTERM, SIGHUP") : 0;
}

int vm_run(struct vm *vm)
{
	int r;

	/* Everything privileged is open, and threads inherit what is left. */
	r = privs_drop(&vm->privs);
	if (r == 0)
		r = watch_stop_signals(vm);
	if (r == 0 && vm->pc)
		r = console_start(&vm->pc->console);
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
	if (vm->pc)
		console_stop(&vm->pc->console);
	uart_flush(&vm->uart);
	(void)mem_convert_flush(&vm->mem);
	vm->times.end = monotonic_ns();
	if (!vm->stopping) {
		log_error("every vCPU stopped but the guest never ended the VM");
		return 1;
	}
	return vm->exit_status;
}
