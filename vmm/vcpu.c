// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU threads: each installs its seccomp filter, then runs KVM_RUN and
 * hands every exit to the architecture's vcpu_handle_exit() (vmm/x86/
 * exits.c, vmm/arm64/vcpu.c) until the VM stops or the vCPU fails.
 */
#include <signal.h>
#include <sys/ioctl.h>

#include "lib/clock.h"
#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/arch.h"
#include "vmm/seccomp.h"
#include "vmm/vm.h"

/*
 * KVM_RUN fails with EFAULT or EHWPOISON and exit_reason MEMORY_FAULT when
 * the guest touched memory whose private/shared state needs us; any other
 * failure leaves exit_reason stale.
 */
static enum vcpu_action run_failed(struct vcpu *vcpu, int err)
{
	if ((err == EFAULT || err == EHWPOISON) &&
	    vcpu->run->exit_reason == KVM_EXIT_MEMORY_FAULT)
		return vcpu_handle_exit(vcpu);
	log_error_errno(-err, "vcpu%u: KVM_RUN failed", vcpu->id);
	arch_vcpu_log_registers(vcpu);
	return VCPU_FAIL;
}

/* One KVM_RUN and the handling of its exit, each timed for --stats. */
static enum vcpu_action run_once(struct vcpu *vcpu)
{
	uint64_t t0 = monotonic_ns(), t1;
	enum vcpu_action action;
	int r = ioctl(vcpu->fd, KVM_RUN, 0), err = errno;

	t1 = monotonic_ns();
	vcpu->run_ns += t1 - t0;
	if (r < 0 && (err == EINTR || err == EAGAIN))
		return VCPU_CONTINUE;
	action = r < 0 ? run_failed(vcpu, err) : vcpu_handle_exit(vcpu);
	vcpu->exit_ns += monotonic_ns() - t1;
	return action;
}

/* A SIGUSR2 dump: the kick left immediate_exit set, which is undone. */
static void dump_if_asked(struct vcpu *vcpu)
{
	if (!__atomic_exchange_n(&vcpu->dump_pending, false, __ATOMIC_ACQ_REL))
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 0, __ATOMIC_RELEASE);
	arch_vcpu_log_state(vcpu);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	enum vcpu_action action = VCPU_CONTINUE;
	int r;

	/* Before anything the guest controls; failing ends the VM at once. */
	r = seccomp_install(SECCOMP_ROLE_VCPU, vm->cfg);
	if (r < 0) {
		log_error_errno(r, "vcpu%u: installing its seccomp filter",
				vcpu->id);
		action = VCPU_FAIL;
	}
	while (action == VCPU_CONTINUE) {
		if (__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE))
			break;
		if (!vm->times.first_run)
			__atomic_store_n(&vm->times.first_run, monotonic_ns(),
					 __ATOMIC_RELAXED);
		action = run_once(vcpu);
		dump_if_asked(vcpu);
	}
	if (action == VCPU_FAIL)
		vm_request_stop(vm, 1);
	if (__atomic_load_n(&vm->dump_on_stop, __ATOMIC_ACQUIRE))
		arch_vcpu_log_state(vcpu);
	/* The main thread waits in its event loop; the last one wakes it. */
	if (__atomic_sub_fetch(&vm->vcpus_running, 1, __ATOMIC_ACQ_REL) == 0)
		event_loop_stop(&vm->loop);
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

void vm_request_dump(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->started)
			continue;
		__atomic_store_n(&v->dump_pending, true, __ATOMIC_RELEASE);
		/* As vm_request_stop() kicks: out of KVM_RUN, or not into it. */
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(v->thread, SIGUSR1);
	}
}

int vcpu_start(struct vcpu *vcpu)
{
	static const struct sigaction sa = { .sa_handler = kick_handler };
	int r;

	/* No SA_RESTART: the kick must make KVM_RUN return EINTR. */
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return -errno;
	r = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
	if (r)
		return -r;
	vcpu->started = true;
	return 0;
}
