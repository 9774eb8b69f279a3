// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SEV-SNP steps of the launch (sev-snp.md sections 1 to 3): /dev/sev
 * and KVM_SEV_INIT2, the reset state KVM turns into each VMSA, the CPUID
 * page, and SNP_LAUNCH_START, _UPDATE and _FINISH. Every command carries
 * the /dev/sev fd, and every failure names the firmware's status code.
 */
#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "lib/byteorder.h"
#include "lib/log.h"
#include "lib/kvm.h"
#include "vmm/launch-internal.h"
#include "vmm/x86/regs.h"

/* SEV firmware status codes (linux/psp-sev.h, sev-snp.md section 2). */
#define SEV_DEVICE_PATH "/dev/sev"

#define SEV_RET_POLICY_FAILURE 0x07
#define SEV_RET_INVALID_PARAM 0x16
#define SEV_RET_INVALID_PAGE_STATE 0x1A
#define SEV_RET_INVALID_PAGE_OWNER 0x1C

/* The reset state of sev-snp.md section 6, QEMU's. */
#define RESET_CS_SELECTOR 0xf000
#define RESET_RFLAGS 0x2
/* QEMU's 0x60000010 as KVM leaves it on AMD (CD and NW cleared). */
#define RESET_CR0 0x10
#define SEG_TYPE_DATA_RW_ACCESSED 0x3
#define SEG_TYPE_CODE_RX_ACCESSED 0xb
#define SEG_TYPE_LDT 0x2
#define SEG_TYPE_TSS_BUSY 0xb

#define CPUID_ENTRY_SIZE 48
#define CPUID_ENTRIES_OFF 16

/* CPUID(1).EAX, the family/model/stepping signature; 0 if absent. */
static uint32_t cpuid_sig(const struct kvm_cpuid2 *cpuid)
{
	for (uint32_t i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			return cpuid->entries[i].eax;
	return 0;
}

static const char *sev_ret_name(uint32_t err)
{
	switch (err) {
	case 0:
		return "none";
	case SEV_RET_POLICY_FAILURE:
		return "POLICY_FAILURE";
	case SEV_RET_INVALID_PARAM:
		return "INVALID_PARAM";
	case SEV_RET_INVALID_PAGE_STATE:
		return "INVALID_PAGE_STATE";
	case SEV_RET_INVALID_PAGE_OWNER:
		return "INVALID_PAGE_OWNER";
	default:
		return "see linux/psp-sev.h";
	}
}

/* KVM_MEMORY_ENCRYPT_OP takes a pointer, so its size is a long's. */
static int sev_cmd(struct vm *vm, uint32_t id, void *data,
		   uint32_t *ret_error)
{
	struct cvmm_sev_cmd cmd = {
		.id = id,
		.data = (uintptr_t)data,
		.sev_fd = vm->cc->sev_fd,
	};
	int r;

	vm->cc->encrypt_ops++;
	r = kvm_ioctl_val(vm->vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	*ret_error = cmd.error;
	return r < 0 ? r : 0;
}

/* KVM_GET_DEVICE_ATTR on /dev/kvm; -ENXIO for an unknown attribute. */
static int sev_attr(int kvm_fd, uint64_t attr, uint64_t *ret)
{
	struct kvm_device_attr a = {
		.group = KVM_X86_GRP_SEV,
		.attr = attr,
		.addr = (uintptr_t)ret,
	};
	int r = kvm_ioctl(kvm_fd, KVM_GET_DEVICE_ATTR, &a);

	return r < 0 ? r : 0;
}

/* What KVM and the firmware accept, checked before anything is made. */
static int check_host(struct vm *vm, uint64_t vmsa_features)
{
	uint64_t policy = vm->cfg->cc.snp_policy, allowed = 0, bits = 0;
	int r;

	r = sev_attr(vm->kvm_fd, KVM_X86_SEV_VMSA_FEATURES, &allowed);
	if (vmsa_features && (r < 0 || (vmsa_features & ~allowed))) {
		log_error("cc.snp.debug_swap: this host's KVM does not offer DebugSwap (KVM_X86_SEV_VMSA_FEATURES %s 0x%llx)",
			  r < 0 ? "unknown:" : "=",
			  (unsigned long long)allowed);
		return VM_ERR_NO_CAP;
	}
	/* KVM_X86_SNP_POLICY_BITS is 6.19+; older KVMs check at START. */
	r = sev_attr(vm->kvm_fd, KVM_X86_SNP_POLICY_BITS, &bits);
	if (r == 0 && (policy & ~bits)) {
		log_error("cc.snp.policy 0x%llx has bits 0x%llx that this host's KVM and firmware do not accept (KVM_X86_SNP_POLICY_BITS = 0x%llx)",
			  (unsigned long long)policy,
			  (unsigned long long)(policy & ~bits),
			  (unsigned long long)bits);
		return VM_ERR_NO_CAP;
	}
	if (r < 0)
		log_debug("KVM_X86_SNP_POLICY_BITS unavailable (%s); the policy is checked by SNP_LAUNCH_START",
			  errno_name(r));
	return 0;
}

/* Step 3: before any vCPU exists. KVM adds SNPActive itself. */
static int snp_init2(struct vm *vm, const struct launch_step *s)
{
	struct cvmm_sev_init init = { .vmsa_features = s->arg };
	uint32_t err = 0;
	int r;

	vm->cc->sev_fd = open(SEV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (vm->cc->sev_fd < 0) {
		(void)log_error_errno(-errno, "cannot open %s, which every SNP command needs",
				      SEV_DEVICE_PATH);
		return VM_ERR_NO_CAP;
	}
	r = check_host(vm, s->arg);
	if (r < 0)
		return r;
	r = sev_cmd(vm, CVMM_SEV_INIT2, &init, &err);
	if (r < 0)
		return log_error_errno(r, "KVM_SEV_INIT2 (vmsa_features 0x%llx): firmware status 0x%x (%s)",
				       (unsigned long long)s->arg, err,
				       sev_ret_name(err));
	return 0;
}

/*
 * Step 4, with cc.snp.certs: extended report requests exit to cvmm
 * (KVM_EXIT_SNP_REQ_CERTS) for the certificate table. KVM_X86_SEV_SNP_REQ_CERTS
 * says whether this KVM has the exit at all.
 */
static int snp_enable_req_certs(struct vm *vm)
{
	uint64_t have = 0;
	uint32_t err = 0;
	int r;

	r = sev_attr(vm->kvm_fd, KVM_X86_SEV_SNP_REQ_CERTS, &have);
	if (r < 0 || !have) {
		log_error("cc.snp.certs: this host's KVM cannot hand certificate requests to cvmm (KVM_X86_SEV_SNP_REQ_CERTS %s)",
			  r < 0 ? errno_name(r) : "0");
		return VM_ERR_NO_CAP;
	}
	r = sev_cmd(vm, CVMM_SEV_SNP_ENABLE_REQ_CERTS, NULL, &err);
	if (r < 0)
		return log_error_errno(r, "KVM_SEV_SNP_ENABLE_REQ_CERTS: firmware status 0x%x (%s)",
				       err, sev_ret_name(err));
	return 0;
}

static struct kvm_segment reset_seg(uint16_t selector, uint64_t base,
				    uint8_t type, bool code_or_data)
{
	return (struct kvm_segment){
		.base = base,
		.limit = 0xffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.s = code_or_data,
	};
}

/*
 * Step 6: the reset state of sev-snp.md section 6, which KVM copies into
 * the VMSA at LAUNCH_FINISH. FPU, XCR0, DR6/DR7 and PAT keep KVM's reset
 * values, which are the table's; RDX is the vCPU's own CPUID(1).EAX.
 */
static int snp_reset_state(struct vm *vm, const struct launch_step *s)
{
	int fd = vm->vcpus[s->vcpu].fd;
	_cleanup_free_ struct kvm_cpuid2 *cpuid = NULL;
	struct kvm_dtable table = { .limit = 0xffff };
	uint32_t eip = s->arg;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int r;

	r = x86_get_cpuid(fd, KVM_GET_CPUID2, &cpuid);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_CPUID2 on vCPU %u", s->vcpu);
	if (s->vcpu == 0)
		vm->cc->vcpu_sig = cpuid_sig(cpuid);
	r = kvm_ioctl(fd, KVM_GET_SREGS, &sregs);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_SREGS on vCPU %u", s->vcpu);
	sregs.cs = reset_seg(RESET_CS_SELECTOR, eip & 0xffff0000,
			     SEG_TYPE_CODE_RX_ACCESSED, true);
	sregs.ds = reset_seg(0, 0, SEG_TYPE_DATA_RW_ACCESSED, true);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.ldt = reset_seg(0, 0, SEG_TYPE_LDT, false);
	sregs.tr = reset_seg(0, 0, SEG_TYPE_TSS_BUSY, false);
	sregs.gdt = table;
	sregs.idt = table;
	sregs.cr0 = RESET_CR0;
	sregs.cr2 = sregs.cr3 = sregs.cr4 = 0;
	sregs.efer = 0;		/* KVM adds SVME */
	r = kvm_ioctl(fd, KVM_SET_SREGS, &sregs);
	if (r < 0)
		return log_error_errno(r, "KVM_SET_SREGS on vCPU %u", s->vcpu);
	regs = (struct kvm_regs){
		.rflags = RESET_RFLAGS,
		.rip = eip & 0xffff,
		.rdx = cpuid_sig(cpuid),
	};
	r = kvm_ioctl(fd, KVM_SET_REGS, &regs);
	if (r < 0)
		return log_error_errno(r, "KVM_SET_REGS on vCPU %u", s->vcpu);
	return 0;
}

/* Step 7: QEMU builds the CPUID page from vCPU 0's KVM_GET_CPUID2. */
static int snp_write_cpuid_page(struct vm *vm, const struct launch_step *s)
{
	_cleanup_free_ struct kvm_cpuid2 *cpuid = NULL;
	_cleanup_free_ uint8_t *page = malloc(PAGE_SIZE);
	int r;

	if (!page)
		return log_error_errno(-ENOMEM, "allocating the CPUID page");
	r = x86_get_cpuid(vm->vcpus[0].fd, KVM_GET_CPUID2, &cpuid);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_CPUID2 on vCPU 0");
	r = snp_cpuid_page(cpuid->entries, cpuid->nent, page);
	if (r < 0) {
		log_error("vCPU 0 has %u CPUID entries, more than the %u an SNP CPUID page holds",
			  cpuid->nent, SNP_CPUID_MAX_ENTRIES);
		return r;
	}
	r = mem_populate(&vm->mem, s->gpa, page, PAGE_SIZE);
	if (r < 0)
		return log_error_errno(r, "writing the CPUID page at gpa 0x%llx",
				       (unsigned long long)s->gpa);
	free(vm->cc->cpuid_page);
	vm->cc->cpuid_page = TAKE_PTR(page);
	return 0;
}

/*
 * On INVALID_PARAM KVM has copied the firmware's corrected table over the
 * source: name the entries it changed, as QEMU does, then give up.
 */
static void explain_cpuid(const struct vm *vm, const uint8_t *fixed)
{
	const uint8_t *ours = vm->cc->cpuid_page;
	uint32_t n = MIN(get_le32(ours), (uint32_t)SNP_CPUID_MAX_ENTRIES);

	for (uint32_t i = 0; i < n; i++) {
		size_t off = CPUID_ENTRIES_OFF + i * CPUID_ENTRY_SIZE;
		const uint8_t *a = ours + off, *b = fixed + off;

		if (!memcmp(a, b, CPUID_ENTRY_SIZE))
			continue;
		log_error("SNP CPUID page: leaf 0x%x subleaf 0x%x: cvmm gave eax..edx %08x %08x %08x %08x, the firmware allows %08x %08x %08x %08x",
			  get_le32(a), get_le32(a + 4), get_le32(a + 24),
			  get_le32(a + 28), get_le32(a + 32), get_le32(a + 36),
			  get_le32(b + 24), get_le32(b + 28), get_le32(b + 32),
			  get_le32(b + 36));
	}
}

/* Step 9: repeat while KVM reports progress or -EAGAIN. */
static int snp_launch_update(struct vm *vm, const struct launch_step *s)
{
	void *hva = mem_gpa_to_hva(&vm->mem, s->gpa, s->len);
	struct cvmm_sev_snp_launch_update u = {
		.gfn_start = s->gpa / PAGE_SIZE,
		.uaddr = (uintptr_t)hva,
		.len = s->len,
		.type = s->page_type,
	};
	uint32_t err = 0;
	uint64_t left;
	int r;

	if (!hva)
		return log_error_errno(-EFAULT, "SNP launch range gpa 0x%llx len 0x%llx is not guest memory",
				       (unsigned long long)s->gpa,
				       (unsigned long long)s->len);
	do {
		left = u.len;
		r = sev_cmd(vm, CVMM_SEV_SNP_LAUNCH_UPDATE, &u, &err);
		if (r == -EAGAIN || (r == 0 && u.len))
			vm->cc->retries++;
		/* Guard against a KVM that returns 0 without progress. */
		if (r == 0 && u.len && u.len >= left)
			r = -EIO;
	} while (r == -EAGAIN || (r == 0 && u.len));
	if (r == 0 && u.gfn_start != (s->gpa + s->len) / PAGE_SIZE)
		r = -EIO;
	if (r < 0 && s->page_type == SNP_PAGE_TYPE_CPUID &&
	    err == SEV_RET_INVALID_PARAM && vm->cc->cpuid_page)
		explain_cpuid(vm, hva);
	if (r < 0)
		return log_error_errno(r, "KVM_SEV_SNP_LAUNCH_UPDATE gpa 0x%llx len 0x%llx type %s (0x%llx left): firmware status 0x%x (%s)",
				       (unsigned long long)s->gpa,
				       (unsigned long long)s->len,
				       snp_page_type_name(s->page_type),
				       (unsigned long long)u.len, err,
				       sev_ret_name(err));
	vm->cc->bytes_launched += s->len;
	return 0;
}

static int snp_launch_start(struct vm *vm, const struct launch_step *s)
{
	struct cvmm_sev_snp_launch_start start = { .policy = s->arg };
	uint32_t err = 0;
	int r;

	r = sev_cmd(vm, CVMM_SEV_SNP_LAUNCH_START, &start, &err);
	if (r < 0)
		return log_error_errno(r, "KVM_SEV_SNP_LAUNCH_START (policy 0x%llx): firmware status 0x%x (%s)%s",
				       (unsigned long long)s->arg, err,
				       sev_ret_name(err),
				       err == SEV_RET_POLICY_FAILURE ?
					       "; the firmware refuses this policy (ABI version, SMT or single-socket bits?)" :
					       "");
	return 0;
}

/* The launch digest of this VM, with vCPU signature @sig. */
static int launch_digest(const struct vm *vm, uint32_t sig,
			 uint8_t ret[SHA384_DIGEST_SIZE])
{
	const struct cc_launch *l = vm->cc;
	struct snp_measure_input in = {
		.fw = l->img.fw,
		.fw_size = l->img.fw_size,
		.nr_vcpus = l->plan->nr_vcpus,
		.vcpu_sig = sig,
		.sev_features = l->plan->sev_features,
		.kernel_hashes = l->img.has_kernel_hashes ? &l->img.hashes :
							    NULL,
	};

	return snp_launch_digest(&in, ret);
}

/* The ID block's LD against the digest of the VMSAs with signature @sig. */
static int check_id_block(const struct vm *vm, uint32_t sig)
{
	uint8_t digest[SHA384_DIGEST_SIZE];
	char reason[CC_REASON_MAX];
	int r;

	if (!vm->cc->img.snp_finish.has_id_block)
		return 0;
	r = launch_digest(vm, sig, digest);
	if (r < 0)
		return log_error_errno(r, "computing the launch digest the ID block must carry");
	r = snp_id_block_check_digest(&vm->cc->img.snp_finish, digest, sig,
				      reason, sizeof(reason));
	if (r < 0)
		log_error("%s", reason);
	return r;
}

/*
 * Before KVM_CREATE_VM: the vCPUs get KVM_GET_SUPPORTED_CPUID's leaf 1
 * unchanged (vm.c, x86_set_cpuid() only fixes EBX), so its EAX is the
 * signature each VMSA will hold and the ID block's LD can be checked now.
 */
int launch_snp_prepare(struct vm *vm)
{
	_cleanup_free_ struct kvm_cpuid2 *cpuid = NULL;
	int r;

	if (!vm->cc->img.snp_finish.has_id_block)
		return 0;
	r = x86_get_cpuid(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, &cpuid);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_SUPPORTED_CPUID");
	return check_id_block(vm, cpuid_sig(cpuid));
}

/* Step 10: KVM measures the VMSAs, vCPU 0 first, then finishes. */
static int snp_launch_finish(struct vm *vm)
{
	const struct snp_finish_inputs *in = &vm->cc->img.snp_finish;
	struct cvmm_sev_snp_launch_finish finish = {
		.id_block_en = in->has_id_block,
		.auth_key_en = in->has_id_block && in->auth_key_en,
	};
	uint32_t err = 0;
	int r;

	/* KVM copies both when id_block_en is set (sev-snp.md section 2). */
	if (in->has_id_block) {
		finish.id_block_uaddr = (uintptr_t)in->id_block;
		finish.id_auth_uaddr = (uintptr_t)in->id_auth;
	}
	memcpy(finish.host_data, in->host_data, sizeof(finish.host_data));
	/* The signature is the vCPUs' own now: the last check before it. */
	r = check_id_block(vm, vm->cc->vcpu_sig);
	if (r < 0)
		return r;
	r = sev_cmd(vm, CVMM_SEV_SNP_LAUNCH_FINISH, &finish, &err);
	if (r < 0)
		return log_error_errno(r, "KVM_SEV_SNP_LAUNCH_FINISH: firmware status 0x%x (%s)",
				       err, sev_ret_name(err));
	return 0;
}

int launch_snp_step(struct vm *vm, const struct launch_step *s)
{
	switch (s->op) {
	case LAUNCH_SEV_INIT2:
		return snp_init2(vm, s);
	case LAUNCH_SET_RESET_STATE:
		return snp_reset_state(vm, s);
	case LAUNCH_WRITE:
		return snp_write_cpuid_page(vm, s);
	case LAUNCH_SNP_LAUNCH_START:
		return snp_launch_start(vm, s);
	case LAUNCH_SNP_LAUNCH_UPDATE:
		return snp_launch_update(vm, s);
	case LAUNCH_SNP_LAUNCH_FINISH:
		return snp_launch_finish(vm);
	case LAUNCH_SNP_ENABLE_REQ_CERTS:
		return snp_enable_req_certs(vm);
	default:
		log_error("launch step %s is not an SNP step",
			  launch_op_name(s->op));
		return -EINVAL;
	}
}
