// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building, running and tearing down a VM. vm_build() reads top to bottom
 * in the order KVM requires; each step's constraints are noted where they
 * bind.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lib/log.h"
#include "memory/convert.h"
#include "vmm/boot.h"
#include "vmm/caps.h"
#include "vmm/cpu.h"
#include "vmm/kvm.h"
#include "vmm/kvm-stats.h"
#include "vmm/launch.h"
#include "vmm/pc.h"
#include "vmm/seccomp.h"
#include "vmm/vm.h"
#include "vmm/x86.h"

/* Where KVM may put the TSS it needs for real mode on Intel hosts. */
#define VM_TSS_GPA 0xfffbd000ull

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The host capabilities every VM of this kind needs, checked up front. */
static int check_host(struct vm *vm)
{
	int types = kvm_check_extension(vm->kvm_fd, KVM_CAP_VM_TYPES);

	if (types <= 0)
		types = 1 << KVM_X86_DEFAULT_VM;
	if (!(types & (1 << vm->type))) {
		log_error("--cc %s: this host's KVM lacks VM type %s (KVM_CAP_VM_TYPES = 0x%x)",
			  cc_mode_name(vm->cfg->cc.mode), kvm_vm_type_macro(vm->type),
			  types);
		return VM_ERR_NO_CAP;
	}
	if (kvm_check_extension(vm->kvm_fd, KVM_CAP_USER_MEMORY2) <= 0) {
		log_error("this host's KVM lacks KVM_CAP_USER_MEMORY2 (KVM_SET_USER_MEMORY_REGION2, Linux 6.8+)");
		return VM_ERR_NO_CAP;
	}
	return 0;
}

/*
 * A VM with private memory needs the PRIVATE attribute, guest_memfd, and
 * guest conversion requests delivered to us as MAP_GPA_RANGE exits.
 */
static int enable_private_memory(struct vm *vm)
{
	int attrs = kvm_check_extension(vm->vm_fd, KVM_CAP_MEMORY_ATTRIBUTES);
	int hc = kvm_check_extension(vm->vm_fd, KVM_CAP_EXIT_HYPERCALL);
	int r;

	if (attrs < 0 || !(attrs & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
		log_error("VM type %s lacks the PRIVATE memory attribute (KVM_CAP_MEMORY_ATTRIBUTES = 0x%x)",
			  kvm_vm_type_macro(vm->type), attrs < 0 ? 0 : attrs);
		return VM_ERR_NO_CAP;
	}
	if (kvm_check_extension(vm->vm_fd, KVM_CAP_GUEST_MEMFD) <= 0) {
		log_error("this host's KVM lacks KVM_CAP_GUEST_MEMFD");
		return VM_ERR_NO_CAP;
	}
	if (hc < 0 || !(hc & (1 << KVM_HC_MAP_GPA_RANGE))) {
		log_error("this host's KVM cannot forward KVM_HC_MAP_GPA_RANGE (KVM_CAP_EXIT_HYPERCALL = 0x%x)",
			  hc < 0 ? 0 : hc);
		return VM_ERR_NO_CAP;
	}
	if (vm->cfg->cc.prefault &&
	    kvm_check_extension(vm->vm_fd, KVM_CAP_PRE_FAULT_MEMORY) <= 0) {
		log_error("--prefault: this host's KVM lacks KVM_CAP_PRE_FAULT_MEMORY");
		return VM_ERR_NO_CAP;
	}
	r = kvm_enable_cap(vm->vm_fd, KVM_CAP_EXIT_HYPERCALL,
			   1ull << KVM_HC_MAP_GPA_RANGE);
	if (r < 0)
		return log_error_errno(r, "KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL)");
	return 0;
}

static bool vm_has_private_memory(const struct vm *vm)
{
	return vm->type != KVM_X86_DEFAULT_VM;
}

static int create_memory(struct vm *vm)
{
	int gmem = kvm_check_extension(vm->vm_fd, KVM_CAP_GUEST_MEMFD);
	int flags = kvm_check_extension(vm->vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS);
	struct mem_plan plan;
	int r;

	r = mem_plan_build(vm->cfg, launch_firmware_size(vm),
			   gmem > 0 && flags > 0 ? flags : 0,
			   vm_has_private_memory(vm), &plan);
	/* The config rules leave only the host's guest_memfd to blame. */
	if (r == -EOPNOTSUPP) {
		log_error("--backing guest_memfd: this host's guest_memfd cannot be mapped and start shared (KVM_CAP_GUEST_MEMFD_FLAGS lacks MMAP|INIT_SHARED, Linux 6.18+)");
		return VM_ERR_NO_CAP;
	}
	if (r < 0)
		return log_error_errno(r, "memory size 0x%llx cannot be laid out",
				       (unsigned long long)vm->cfg->machine.memory_size);
	r = mem_create(&vm->mem, vm->vm_fd, &plan);
	if (r < 0)
		return log_error_errno(r, "creating guest memory (%s backing%s)",
				       shared_backing_name(plan.backing),
				       plan.use_gmem ? " with guest_memfd" : "");
	vm->mem.coalesce_discards = vm->cfg->cc.coalesce_discards;
	vm->mem.preallocate = vm->cfg->cc.preallocate;
	return 0;
}

static void on_guest_exit(void *ctx, uint32_t status)
{
	vm_request_stop(ctx, status > 255 ? 255 : (int)status);
}

static int create_devices(struct vm *vm)
{
	int r;

	vm->pio.name = "pio";
	vm->mmio.name = "mmio";
	uart_init(&vm->uart, STDOUT_FILENO);
	r = uart_register(&vm->uart, &vm->pio, UART_COM1_BASE);
	if (r < 0)
		return log_error_errno(r, "registering the UART");
	vm->debug_exit = (struct debug_exit){
		.on_exit = on_guest_exit,
		.ctx = vm,
	};
	r = debug_exit_register(&vm->debug_exit, &vm->pio);
	if (r < 0)
		return log_error_errno(r, "registering the debug-exit port");
	return 0;
}

/* --stats reads KVM's counters at exit, when no ioctl() is allowed. */
static int open_stats(struct vm *vm, int fd, int *ret_stats_fd)
{
	int r;

	if (!vm->cfg->stats.path)
		return 0;
	r = kvm_stats_open(fd);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_STATS_FD for --stats");
	*ret_stats_fd = r;
	return 0;
}

static int create_vcpu(struct vm *vm, struct vcpu *vcpu, uint32_t id)
{
	void *run;
	int r;

	*vcpu = (struct vcpu){ .vm = vm, .id = id, .fd = -1, .stats_fd = -1 };
	vcpu->fd = kvm_ioctl_val(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return log_error_errno(vcpu->fd, "KVM_CREATE_VCPU(%u)", id);
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu->fd, 0);
	if (run == MAP_FAILED)
		return log_error_errno(-errno, "mapping vCPU %u's kvm_run", id);
	vcpu->run = run;
	r = open_stats(vm, vcpu->fd, &vcpu->stats_fd);
	if (r < 0)
		return r;
	/* A TD's CPUID is set after KVM_TDX_INIT_VCPU (vmm/launch.c). */
	if (vm->type == KVM_X86_TDX_VM)
		return 0;
	r = x86_set_cpuid(vcpu->fd, vm->cpuid, id, vm->nr_vcpus);
	if (r < 0)
		return log_error_errno(r, "KVM_SET_CPUID2 on vCPU %u", id);
	return 0;
}

static int create_vcpus(struct vm *vm)
{
	int r;

	r = kvm_ioctl_val(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = r;
	r = x86_get_cpuid(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, &vm->cpuid);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_SUPPORTED_CPUID");
	/* SNP and TDX derive theirs under their firmware's rules (launch.c). */
	if (!vm->cc) {
		r = cpu_build_cpuid(&vm->cpuid, vm->cfg->machine.vcpus);
		if (r < 0)
			return log_error_errno(r, "building the vCPUs' CPUID");
	}
	vm->vcpus = calloc(vm->cfg->machine.vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return log_error_errno(-ENOMEM, "allocating vCPUs");
	vm->nr_vcpus = vm->cfg->machine.vcpus;
	/* vm_free() closes the fds of vCPUs a failure left uncreated. */
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = vm->vcpus[i].stats_fd = -1;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		r = create_vcpu(vm, &vm->vcpus[i], i);
		if (r < 0)
			return r;
	}
	return 0;
}

int vm_build(const struct vm_config *cfg, uint64_t start_ns, struct vm **ret_vm)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	int r;

	if (!vm)
		return log_error_errno(-ENOMEM, "allocating the VM");
	vm->cfg = cfg;
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	vm->stats_fd = -1;
	vm->type = kvm_caps_cc_vm_type(cfg->cc.mode);
	vm->times.start = start_ns;
	pthread_mutex_init(&vm->lock, NULL);
	/* First: vm_free() needs its fds, even those it could not open. */
	r = event_loop_init(&vm->loop);
	if (r < 0) {
		(void)log_error_errno(r, "creating the event loop");
		goto err_free;
	}
	/* Names need the user database: before KVM is opened. */
	r = privs_lookup(cfg, &vm->privs);
	if (r < 0)
		goto err_free;

	vm->kvm_fd = kvm_open();
	if (vm->kvm_fd < 0) {
		(void)log_error_errno(vm->kvm_fd, "cannot open %s", KVM_DEVICE_PATH);
		r = VM_ERR_NO_CAP;
		goto err_free;
	}
	r = check_host(vm);
	if (r < 0)
		goto err_free;
	/* SNP, TDX: the launch rules, the firmware and the plan, up front. */
	r = launch_prepare(vm);
	if (r < 0)
		goto err_free;

	vm->vm_fd = kvm_create_vm(vm->kvm_fd, vm->type);
	if (vm->vm_fd < 0) {
		r = log_error_errno(vm->vm_fd, "KVM_CREATE_VM(%s)",
				    kvm_vm_type_macro(vm->type));
		goto err_free;
	}
	r = open_stats(vm, vm->vm_fd, &vm->stats_fd);
	if (r < 0)
		goto err_free;
	/* Capabilities of the VM must be enabled before vCPUs exist. */
	if (vm_has_private_memory(vm)) {
		r = enable_private_memory(vm);
		if (r < 0)
			goto err_free;
	}
	/* Only used for real mode on Intel; harmless elsewhere. */
	(void)kvm_ioctl_val(vm->vm_fd, KVM_SET_TSS_ADDR, VM_TSS_GPA);
	/* SEV_INIT2, TDX INIT_VM: before memory and any vCPU. */
	r = launch_vm_init(vm);
	if (r < 0)
		goto err_free;

	r = create_memory(vm);
	if (r < 0)
		goto err_free;
	r = create_devices(vm);
	if (r < 0)
		goto err_free;
	/*
	 * A kernel gets a PC: the in-kernel irqchip, which must exist before
	 * the vCPUs, legacy ports, PCI and console input. The test guest runs
	 * without an irqchip on purpose: its HLT must exit to us (a hlt with
	 * IF=0 fails the VM), and any port it touches must exist.
	 */
	if (!vm->cc && cfg->boot.kernel) {
		r = pc_create(vm);
		if (r < 0)
			goto err_free;
	} else if (cfg->devices.nr_disks || cfg->devices.nr_nets ||
		   cfg->devices.rng || cfg->devices.console) {
		/* Only a PC has the PCI bus the virtio devices sit on. */
		log_error("disks, nets, rng and console need a kernel (--kernel) in a VM without --cc snp or tdx");
		r = -EINVAL;
		goto err_free;
	}
	r = create_vcpus(vm);
	if (r < 0)
		goto err_free;
	/* Images go in place, into memory the guest runs from, last. */
	r = vm->cc ? launch_load(vm) : boot_load(vm);
	if (r < 0)
		goto err_free;
	*ret_vm = vm;
	return 0;

err_free:
	vm_free(vm);
	return r;
}

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
	struct vm *vm = opaque;

	log_info("received %s; ending the VM", strsignal(signo));
	if (signo == SIGQUIT)
		__atomic_store_n(&vm->dump_on_stop, true, __ATOMIC_RELEASE);
	vm_request_stop(vm, 128 + signo);
}

/*
 * SIGINT, SIGTERM and SIGHUP end the VM through the loop, so that the
 * terminal is restored and --stats written on the way out; SIGQUIT too,
 * after every vCPU logged its state (a hung guest's debug dump). Blocked
 * before the vCPU threads exist, which inherit the mask.
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
	r = event_loop_watch_signals(&vm->loop, &set, on_stop_signal, vm);
	return r < 0 ? log_error_errno(r, "watching SIGINT, SIGTERM, SIGHUP, SIGQUIT") : 0;
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
	r = mem_convert_flush(&vm->mem);
	if (r < 0)
		log_warning_errno(r, "discarding the dead side of converted memory (%llu discards failed during the run)",
				  (unsigned long long)vm->mem.stats.discard_failures);
	vm->times.end = monotonic_ns();
	if (!vm->stopping) {
		log_error("every vCPU stopped but the guest never ended the VM");
		return 1;
	}
	return vm->exit_status;
}

struct vm *vm_free(struct vm *vm)
{
	if (!vm)
		return NULL;
	for (unsigned int i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
		if (v->stats_fd >= 0)
			close(v->stats_fd);
	}
	free(vm->vcpus);
	free(vm->cpuid);
	vm->cc = launch_free(vm->cc);
	pc_destroy(vm);
	event_loop_fini(&vm->loop);
	bus_free(&vm->pio);
	bus_free(&vm->mmio);
	mem_destroy(&vm->mem);
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm);
	return NULL;
}
