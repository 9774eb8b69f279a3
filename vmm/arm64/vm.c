// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 VM behind vmm/arch.h, in the order KVM/arm64 requires: the
 * VM, RAM, the UART, every vCPU created and initialised
 * (KVM_ARM_VCPU_INIT, vmm/arm64/vcpu.c), then the GICv3 whose
 * redistributors cover them, its CTRL_INIT, the PMU, the PCIe host with
 * its virtio devices (their irqfds need the vGIC initialised), and last
 * the images (a kernel, or without one the embedded test guest).
 *
 * --cc pkvm: a protected VM (KVM_VM_TYPE_ARM_PROTECTED) from anonymous
 * RAM, its images written before the first KVM_RUN; the config rules
 * (config/rules.c) refuse what would need its memory afterwards.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/arch.h"
#include "vmm/arm64/arm64.h"
#include "vmm/arm64/layout.h"
#include "vmm/caps.h"
#include "vmm/vm.h"

static int check_host(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	if (cfg->machine.vcpus > ARM64_MAX_VCPUS) {
		log_error("--vcpus %u: this arm64 machine has room for %u redistributors",
			  cfg->machine.vcpus, ARM64_MAX_VCPUS);
		return -EINVAL;
	}
	if (kvm_check_extension(vm->kvm_fd, KVM_CAP_USER_MEMORY2) <= 0) {
		log_error("this host's KVM lacks KVM_CAP_USER_MEMORY2 (KVM_SET_USER_MEMORY_REGION2, Linux 6.8+)");
		return VM_ERR_NO_CAP;
	}
	if (kvm_check_extension(vm->kvm_fd, KVM_CAP_ARM_PSCI_0_2) <= 0) {
		log_error("this host's KVM lacks KVM_CAP_ARM_PSCI_0_2");
		return VM_ERR_NO_CAP;
	}
	return 0;
}

/*
 * The VM type: 0 for a default VM (40-bit IPA), and for --cc pkvm
 * KVM_VM_TYPE_ARM_PROTECTED with the IPA size in its low bits, 40 bits or
 * the host's limit (KVM_CAP_ARM_VM_IPA_SIZE) if lower.
 */
static unsigned long vm_type(struct vm *vm)
{
	if (vm->cfg->cc.mode != CC_MODE_PKVM)
		return 0;
	return kvm_arm64_protected_vm_type(
		kvm_check_extension(vm->kvm_fd, KVM_CAP_ARM_VM_IPA_SIZE));
}

/*
 * pKVM pins every page it donates to a protected guest and charges it to
 * the VMM's locked memory (RLIMIT_MEMLOCK); without room for all of RAM,
 * KVM_RUN fails with ENOMEM once the limit is reached. Raised here, while
 * cvmm may still raise it (before privs_drop()).
 */
static int allow_pinned_ram(struct vm *vm)
{
	uint64_t need = vm->cfg->machine.memory_size + SZ_2M * 8;
	struct rlimit lim;

	if (getrlimit(RLIMIT_MEMLOCK, &lim) < 0)
		return -errno;
	if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < need) {
		lim.rlim_cur = need;
		if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < need)
			lim.rlim_max = need;
		if (setrlimit(RLIMIT_MEMLOCK, &lim) < 0) {
			log_error("--cc pkvm: pKVM pins guest RAM, and RLIMIT_MEMLOCK cannot be raised to 0x%llx bytes: %s (run cvmm as root or raise ulimit -l)",
				  (unsigned long long)need, strerror(errno));
			return VM_ERR_NO_CAP;
		}
	}
	return 0;
}

static int create_vm(struct vm *vm)
{
	int r;

	vm->type = vm_type(vm);
	if (vm->type & KVM_VM_TYPE_ARM_PROTECTED) {
		r = allow_pinned_ram(vm);
		if (r < 0)
			return r;
	}
	vm->vm_fd = kvm_create_vm(vm->kvm_fd, vm->type);
	if (vm->vm_fd >= 0)
		return 0;
	if (vm->type & KVM_VM_TYPE_ARM_PROTECTED) {
		log_error("--cc pkvm: this host's KVM runs no protected VMs (KVM_CREATE_VM(KVM_VM_TYPE_ARM_PROTECTED | IPA %lu): %s): it needs pKVM, kvm-arm.mode=protected on the host's command line",
			  (unsigned long)(vm->type & KVM_VM_TYPE_ARM_IPA_SIZE_MASK),
			  errno_name(vm->vm_fd));
		return VM_ERR_NO_CAP;
	}
	return log_error_errno(vm->vm_fd, "KVM_CREATE_VM(0)");
}

/*
 * The plan's backing rules are the shared ones (auto gives a kernel
 * anonymous THP RAM; --backing guest_memfd keeps it in guest_memfd); the
 * layout is arm64's: one region of RAM from ARM64_RAM_GPA.
 */
static int create_memory(struct vm *vm)
{
	int gmem = kvm_check_extension(vm->vm_fd, KVM_CAP_GUEST_MEMFD);
	int flags = kvm_check_extension(vm->vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS);
	struct mem_plan plan;
	int r;

	r = mem_plan_build(vm->cfg, 0, gmem > 0 && flags > 0 ? flags : 0,
			   false, &plan);
	if (r == -EOPNOTSUPP) {
		log_error("--backing guest_memfd: this host's guest_memfd cannot be mapped and start shared (KVM_CAP_GUEST_MEMFD_FLAGS lacks MMAP|INIT_SHARED, Linux 6.18+)");
		return VM_ERR_NO_CAP;
	}
	if (r < 0)
		return log_error_errno(r, "memory size 0x%llx cannot be laid out",
				       (unsigned long long)vm->cfg->machine.memory_size);
	plan.nr_regions = 1;
	plan.regions[0] = (struct mem_region_plan){
		.kind = MEM_REGION_RAM,
		.gpa = ARM64_RAM_GPA,
		.size = vm->cfg->machine.memory_size,
	};
	r = mem_create(&vm->mem, vm->vm_fd, &plan);
	if (r < 0)
		return log_error_errno(r, "creating guest memory (%s backing%s)",
				       shared_backing_name(plan.backing),
				       plan.use_gmem ? " with guest_memfd" : "");
	return 0;
}

static void on_console_quit(void *ctx)
{
	log_info("console: Ctrl-A x; ending the VM");
	vm_request_stop(ctx, 0);
}

/* UART lock held; KVM_IRQ_LINE cannot fail for a valid SPI. */
static void uart_set_irq(void *ctx, bool level)
{
	int r = arm64_gic_set_spi(ctx, ARM64_UART_SPI, level);

	if (r < 0)
		log_debug("UART interrupt: %s", errno_name(r));
}

static int create_devices(struct vm *vm)
{
	int r;

	vm->pio.name = "pio";
	vm->mmio.name = "mmio";
	/* A kernel probes: absent hardware (empty PCI slots) reads all-ones. */
	vm->io_policy = VM_IO_PROBE;
	uart_init(&vm->uart, STDOUT_FILENO);
	vm->uart.set_irq = uart_set_irq;
	vm->uart.irq_ctx = vm;
	r = uart_register(&vm->uart, &vm->mmio, ARM64_UART_GPA);
	if (r < 0)
		return log_error_errno(r, "registering the UART");
	r = console_init(&vm->arm64->console, STDIN_FILENO, &vm->uart,
			 &vm->loop, on_console_quit, vm);
	if (r < 0)
		return log_error_errno(r, "setting up the console input");
	vm->arm64->console_ready = true;
	return 0;
}

/*
 * The target KVM prefers, PSCI 0.2+, a PMUv3 where offered, and for a
 * protected VM pointer authentication: a pKVM guest sees it in its ID
 * registers, and Linux's first context switch traps on the key registers
 * unless the vCPU has it. A default VM goes without (KVM then hides it):
 * under the rig's TCG every PAC instruction is emulated, and a boot with
 * it took several times as long.
 */
static int prepare_vcpu_init(struct vm *vm)
{
	struct kvm_vcpu_init *init = &vm->arm64->vcpu_init;
	int r = kvm_ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, init);

	if (r < 0)
		return log_error_errno(r, "KVM_ARM_PREFERRED_TARGET");
	init->features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if ((vm->type & KVM_VM_TYPE_ARM_PROTECTED) &&
	    kvm_check_extension(vm->vm_fd, KVM_CAP_ARM_PTRAUTH_ADDRESS) > 0 &&
	    kvm_check_extension(vm->vm_fd, KVM_CAP_ARM_PTRAUTH_GENERIC) > 0)
		init->features[0] |= 1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS |
				     1u << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	if (kvm_check_extension(vm->vm_fd, KVM_CAP_ARM_PMU_V3) > 0) {
		init->features[0] |= 1u << KVM_ARM_VCPU_PMU_V3;
		vm->arm64->pmu = true;
	}
	return 0;
}

static int init_pmus(struct vm *vm)
{
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		int r = arm64_vcpu_init_pmu(vm, &vm->vcpus[i]);

		if (r < 0)
			return log_error_errno(r, "KVM_ARM_VCPU_PMU_V3_INIT on vCPU %u", i);
	}
	return 0;
}

static struct arm64_machine *machine_new(void)
{
	struct arm64_machine *m = calloc(1, sizeof(*m));

	if (m)
		m->gic_fd = m->its_fd = -1;
	return m;
}

/* arm64 has no measured launch: @img is always empty. */
int arch_vm_create(struct vm *vm, struct cc_image *img)
{
	int r;

	(void)img;
	vm->arm64 = machine_new();
	if (!vm->arm64)
		return log_error_errno(-ENOMEM, "allocating the arm64 machine");
	r = check_host(vm);
	if (r < 0)
		return r;
	return create_vm(vm);
}

int arch_vm_setup(struct vm *vm)
{
	int r;

	r = create_memory(vm);
	if (r < 0)
		return r;
	r = create_devices(vm);
	if (r < 0)
		return r;
	return prepare_vcpu_init(vm);
}

int arch_vm_finish(struct vm *vm)
{
	int r;

	/* The redistributor region must cover every vCPU: after them. */
	r = arm64_gic_create(vm);
	if (r < 0)
		return r;
	r = arm64_gic_init(vm);
	if (r < 0)
		return r;
	r = init_pmus(vm);
	if (r < 0)
		return r;
	r = arm64_pci_create(vm);
	if (r < 0)
		return r;
	/*
	 * The device tree says whether the ITS exists: images last. With
	 * --cc pkvm this is the only time cvmm writes guest memory: pKVM
	 * donates each page to the guest when it first touches it, and a
	 * host access afterwards faults.
	 */
	r = vm->cfg->boot.kernel ? arm64_boot_load(vm) : arm64_boot_test_guest(vm);
	if (r < 0)
		return r;
	arm64_debug_read_prepare();
	return 0;
}

void arch_vm_free(struct vm *vm)
{
	if (!vm->arm64)
		return;
	if (vm->arm64->console_ready)
		console_fini(&vm->arm64->console);
	arm64_pci_destroy(vm->arm64);
	arm64_gic_destroy(vm->arm64);
	free(vm->arm64);
}

struct console *arch_vm_console(struct vm *vm)
{
	return &vm->arm64->console;
}

void arch_vm_stopped(struct vm *vm)
{
	arm64_debug_read_guest(vm);
}
