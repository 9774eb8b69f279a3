// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stopping a running VM, from any thread: the guest powering off or
 * rebooting (vCPU threads, devices), a signal or a failure (main thread).
 * The first request wins; every vCPU is kicked out of KVM_RUN and the
 * event loop ends.
 */
#include <signal.h>

#include "lib/log.h"
#include "vmm/vm.h"

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
