// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TDX steps of the launch (tdx.md sections 2 and 3): the module's
 * capabilities, KVM_TDX_INIT_VM with the CPUID they allow, INIT_VCPU with
 * the TD HOB's address and the CPUID the TD really has, INIT_MEM_REGION per
 * TDVF section, FINALIZE_VM. KVM_MEMORY_ENCRYPT_OP goes to the VM fd or to
 * a vCPU fd depending on the command; hw_error is the TDX module's status.
 */
#include <cpuid.h>
#include <stdio.h>
#include <time.h>

#include "cc/tdx-cpuid.h"
#include "lib/log.h"
#include "lib/kvm.h"
#include "vmm/launch-internal.h"
#include "vmm/x86/regs.h"

/* QEMU retries INIT_VM this often when the module lacks entropy. */
#define TDX_INIT_VM_TRIES 10000
/*
 * FINALIZE_VM: -EBUSY while another SEAMCALL holds the module (operand
 * busy, microseconds), -EAGAIN for entropy. 100 tries 1 ms apart.
 */
#define TDX_FINALIZE_TRIES 100
#define TDX_FINALIZE_PAUSE_NS 1000000

static int tdx_cmd(struct vm *vm, int fd, uint32_t id, uint32_t flags,
		   uint64_t data, uint64_t *ret_hw_error)
{
	struct cvmm_tdx_cmd cmd = {
		.id = id,
		.flags = flags,
		.data = data,
	};
	int r;

	vm->cc->encrypt_ops++;
	r = kvm_ioctl_val(fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	*ret_hw_error = cmd.hw_error;
	return r < 0 ? r : 0;
}

/* Grows the CPUID array on E2BIG, as for KVM_GET_SUPPORTED_CPUID. */
static int tdx_capabilities(struct vm *vm)
{
	uint64_t attrs = vm->cfg->cc.tdx_attributes, hw = 0;
	struct cvmm_tdx_capabilities *caps;
	int r = -E2BIG;

	for (uint32_t nent = 64; nent <= 4096 && r == -E2BIG; nent *= 2) {
		caps = calloc(1, sizeof(*caps) +
				 nent * sizeof(caps->cpuid.entries[0]));
		if (!caps)
			return log_error_errno(-ENOMEM, "allocating the TDX capabilities");
		caps->cpuid.nent = nent;
		r = tdx_cmd(vm, vm->vm_fd, CVMM_TDX_CAPABILITIES, 0,
			    (uintptr_t)caps, &hw);
		if (r == 0)
			vm->cc->tdx_caps = caps;
		else
			free(caps);
	}
	if (r < 0)
		return log_error_errno(r, "KVM_TDX_CAPABILITIES (TDX module status 0x%llx)",
				       (unsigned long long)hw);
	caps = vm->cc->tdx_caps;
	if (attrs & ~caps->supported_attrs) {
		log_error("cc.tdx.attributes 0x%llx has bits 0x%llx this TDX module does not support (supported 0x%llx)",
			  (unsigned long long)attrs,
			  (unsigned long long)(attrs & ~caps->supported_attrs),
			  (unsigned long long)caps->supported_attrs);
		return VM_ERR_NO_CAP;
	}
	return 0;
}

/*
 * The physical-address width rule as QEMU checks it: the guest's width
 * (what KVM_GET_SUPPORTED_CPUID offers, which the TD's CPUID reports too)
 * against the host's own CPUID, never against INIT_VM's masked CPUID,
 * whose EAX[7:0] is not configurable and so reads 0 there.
 */
static int check_gpa_width(struct vm *vm, const struct kvm_cpuid2 *supported)
{
	unsigned int eax, ebx, ecx, edx;
	char reason[CC_REASON_MAX];
	struct cc_machine m;
	int r;

	cc_machine_init(vm->cfg, &m);
	if (__get_cpuid(0x80000008, &eax, &ebx, &ecx, &edx))
		m.host_phys_bits = eax & 0xff;
	m.guest_phys_bits = cpuid_phys_bits(supported->entries, supported->nent);
	r = cc_machine_check(&m, reason, sizeof(reason));
	if (r < 0)
		log_error("%s", reason);
	return r;
}

/* Step 6: once, before any vCPU; retried while the module says EAGAIN. */
static int tdx_init_vm(struct vm *vm, const struct launch_step *s)
{
	const struct cvmm_tdx_capabilities *caps = vm->cc->tdx_caps;
	_cleanup_free_ struct cvmm_tdx_init_vm *init = NULL;
	_cleanup_free_ struct kvm_cpuid2 *host = NULL;
	uint64_t hw = 0;
	int r;

	r = x86_get_cpuid(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, &host);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_SUPPORTED_CPUID");
	init = calloc(1, sizeof(*init) + host->nent * sizeof(host->entries[0]));
	if (!init)
		return log_error_errno(-ENOMEM, "allocating KVM_TDX_INIT_VM");
	init->attributes = s->arg;
	tdx_init_vm_inputs(vm, init);
	init->cpuid.nent = tdx_cpuid_mask(host, &caps->cpuid,
					  init->cpuid.entries);
	init->xfam = tdx_cpuid_xfam(init->cpuid.entries, init->cpuid.nent) &
		     caps->supported_xfam;
	r = check_gpa_width(vm, host);
	if (r < 0)
		return r;
	r = tdx_cpuid_set_gpaw(init->cpuid.entries, init->cpuid.nent, TDX_GPAW);
	if (r < 0) {
		log_error("the TDX module's configurable CPUID lacks leaf 0x80000008, whose EAX[23:16] gives KVM_TDX_INIT_VM the TD's GPAW");
		return VM_ERR_NO_CAP;
	}
	for (unsigned int i = 0; i < TDX_INIT_VM_TRIES; i++) {
		r = tdx_cmd(vm, vm->vm_fd, CVMM_TDX_INIT_VM, 0,
			    (uintptr_t)init, &hw);
		if (r != -EAGAIN)
			break;
		vm->cc->retries++;
	}
	if (r < 0)
		return log_error_errno(r, "KVM_TDX_INIT_VM (attributes 0x%llx, xfam 0x%llx, %u CPUID entries; TDX module status 0x%llx)",
				       (unsigned long long)init->attributes,
				       (unsigned long long)init->xfam,
				       init->cpuid.nent,
				       (unsigned long long)hw);
	return 0;
}

static int tdx_init_vcpu(struct vm *vm, const struct launch_step *s)
{
	uint64_t hw = 0;
	int r;

	r = tdx_cmd(vm, vm->vcpus[s->vcpu].fd, CVMM_TDX_INIT_VCPU, 0, s->arg,
		    &hw);
	if (r < 0)
		return log_error_errno(r, "KVM_TDX_INIT_VCPU on vCPU %u (RCX 0x%llx; TDX module status 0x%llx)",
				       s->vcpu, (unsigned long long)s->arg,
				       (unsigned long long)hw);
	return 0;
}

/* KVM writes the count it needs to nent on E2BIG. */
static int tdx_get_cpuid(struct vm *vm, const struct launch_step *s)
{
	uint32_t nent = 64;
	uint64_t hw = 0;
	int r = -E2BIG;

	for (int tries = 0; tries < 4 && r == -E2BIG; tries++) {
		struct kvm_cpuid2 *cpuid;

		cpuid = calloc(1, sizeof(*cpuid) +
				  nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return log_error_errno(-ENOMEM, "allocating CPUID");
		cpuid->nent = nent;
		r = tdx_cmd(vm, vm->vcpus[s->vcpu].fd, CVMM_TDX_GET_CPUID, 0,
			    (uintptr_t)cpuid, &hw);
		nent = MAX(cpuid->nent, 2 * nent);
		if (r == 0) {
			free(vm->cc->cpuid_read);
			vm->cc->cpuid_read = cpuid;
		} else {
			free(cpuid);
		}
	}
	if (r < 0)
		return log_error_errno(r, "KVM_TDX_GET_CPUID on vCPU %u",
				       s->vcpu);
	return 0;
}

/*
 * Before INIT_VCPU: tdx_vcpu_init() sets an x2APIC-mode APIC base, which
 * kvm_apic_set_base() refuses (EINVAL) while the CPUID lacks X2APIC. The
 * TDX module reports X2APIC as fixed to 1; set it in case it did not.
 */
static int tdx_set_cpuid(struct vm *vm, const struct launch_step *s)
{
	struct kvm_cpuid2 *cpuid = vm->cc->cpuid_read;
	int r;

	if (!cpuid)
		return log_error_errno(-EINVAL, "KVM_SET_CPUID2 on vCPU %u before KVM_TDX_GET_CPUID",
				       s->vcpu);
	if (cpuid_set_x2apic(cpuid->entries, cpuid->nent) < 0)
		return log_error_errno(-EINVAL, "KVM_TDX_GET_CPUID on vCPU %u gave no leaf 1 to set X2APIC in",
				       s->vcpu);
	r = x86_set_cpuid(vm->vcpus[s->vcpu].fd, vm->cc->cpuid_read, s->vcpu,
			  vm->nr_vcpus);
	free(vm->cc->cpuid_read);
	vm->cc->cpuid_read = NULL;
	if (r < 0)
		return log_error_errno(r, "KVM_SET_CPUID2 on vCPU %u", s->vcpu);
	return 0;
}

/*
 * Step 9, on vCPU 0 (which did INIT_VCPU). KVM updates the struct as it
 * goes, so a retry after EAGAIN or EINTR carries on where it stopped.
 */
static int tdx_init_mem_region(struct vm *vm, const struct launch_step *s)
{
	void *hva = mem_gpa_to_hva(&vm->mem, s->gpa, s->len);
	struct cvmm_tdx_init_mem_region region = {
		.source_addr = (uintptr_t)hva,
		.gpa = s->gpa,
		.nr_pages = s->len / PAGE_SIZE,
	};
	uint64_t hw = 0;
	int r;

	if (!hva)
		return log_error_errno(-EFAULT, "TDVF section gpa 0x%llx size 0x%llx is not guest memory",
				       (unsigned long long)s->gpa,
				       (unsigned long long)s->len);
	for (;;) {
		r = tdx_cmd(vm, vm->vcpus[0].fd, CVMM_TDX_INIT_MEM_REGION,
			    s->measure ? CVMM_TDX_MEASURE_MEMORY_REGION : 0,
			    (uintptr_t)&region, &hw);
		if (r != -EAGAIN && r != -EINTR)
			break;
		vm->cc->retries++;
	}
	if (r == 0 && region.nr_pages)
		r = -EIO;
	if (r < 0)
		return log_error_errno(r, "KVM_TDX_INIT_MEM_REGION gpa 0x%llx, %llu pages%s (%llu left; TDX module status 0x%llx)",
				       (unsigned long long)s->gpa,
				       (unsigned long long)(s->len / PAGE_SIZE),
				       s->measure ? ", measured" : "",
				       (unsigned long long)region.nr_pages,
				       (unsigned long long)hw);
	vm->cc->bytes_launched += s->len;
	return 0;
}

/* Step 5: the TSC frequency INIT_VM hands to the module (0: the host's). */
static int tdx_set_tsc_khz(struct vm *vm, const struct launch_step *s)
{
	int r = kvm_ioctl_val(vm->vm_fd, KVM_SET_TSC_KHZ, s->arg);

	if (r < 0)
		return log_error_errno(r, "KVM_SET_TSC_KHZ(%llu) on the VM",
				       (unsigned long long)s->arg);
	return 0;
}

/* Step 10: retried, a bounded number of times, while the module is busy. */
static int tdx_finalize(struct vm *vm)
{
	const struct timespec pause = { .tv_nsec = TDX_FINALIZE_PAUSE_NS };
	uint64_t hw = 0;
	unsigned int i;
	int r;

	for (i = 0; i < TDX_FINALIZE_TRIES; i++) {
		if (i) {
			vm->cc->retries++;
			nanosleep(&pause, NULL);
		}
		r = tdx_cmd(vm, vm->vm_fd, CVMM_TDX_FINALIZE_VM, 0, 0, &hw);
		if (r != -EBUSY && r != -EAGAIN)
			break;
	}
	if (r == -EBUSY || r == -EAGAIN)
		return log_error_errno(r, "KVM_TDX_FINALIZE_VM: the TDX module was still busy after %u tries %u ms apart (TDX module status 0x%llx)",
				       TDX_FINALIZE_TRIES,
				       TDX_FINALIZE_PAUSE_NS / 1000000,
				       (unsigned long long)hw);
	if (r < 0)
		return log_error_errno(r, "KVM_TDX_FINALIZE_VM (TDX module status 0x%llx)",
				       (unsigned long long)hw);
	return 0;
}

int launch_tdx_step(struct vm *vm, const struct launch_step *s)
{
	switch (s->op) {
	case LAUNCH_TDX_CAPABILITIES:
		return tdx_capabilities(vm);
	case LAUNCH_TDX_INIT_VM:
		return tdx_init_vm(vm, s);
	case LAUNCH_SET_TSC_KHZ:
		return tdx_set_tsc_khz(vm, s);
	case LAUNCH_TDX_INIT_VCPU:
		return tdx_init_vcpu(vm, s);
	case LAUNCH_TDX_GET_CPUID:
		return tdx_get_cpuid(vm, s);
	case LAUNCH_SET_CPUID:
		return tdx_set_cpuid(vm, s);
	case LAUNCH_TDX_INIT_MEM_REGION:
		return tdx_init_mem_region(vm, s);
	case LAUNCH_TDX_FINALIZE_VM:
		return tdx_finalize(vm);
	default:
		log_error("launch step %s is not a TDX step",
			  launch_op_name(s->op));
		return -EINVAL;
	}
}
