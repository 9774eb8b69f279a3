// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SNP and TDX launch run end to end against a model of KVM: vm_build()
 * runs for real with ioctl(), open() and open64() wrapped (-Wl,--wrap), so
 * that every KVM call of vm.c, memory/ and vmm/launch*.c reaches the model
 * below instead of /dev/kvm. The model:
 *  - enforces what sev-snp.md and tdx.md section 3 say KVM enforces and it
 *    can see, with the kernel's errno (x86.c, lapic.c, vmx/tdx.c,
 *    svm/sev.c): APIC_BUS_CYCLES_NS -ENXIO without an irqchip and -EINVAL
 *    once a vCPU exists, VM-wide KVM_SET_TSC_KHZ -EINVAL after vCPUs, no
 *    TD vCPU before INIT_VM (-EIO) or without the split irqchip (-EINVAL),
 *    INIT_VM once (-EINVAL), before any vCPU (-EBUSY), with a GPAW of 48
 *    or 52 in CPUID 0x80000008 EAX[23:16] and only configurable leaves and
 *    bits (-EINVAL), an x2APIC-mode APIC base refused while the vCPU's
 *    CPUID lacks X2APIC (INIT_VCPU -EINVAL, KVM_SET_MSRS sets nothing,
 *    KVM_SET_SREGS -EINVAL), vCPU commands only between INIT_VM and
 *    FINALIZE (-EINVAL), INIT_VCPU before INIT_MEM_REGION, SEV_INIT2
 *    before the first vCPU, /dev/sev in every SEV command, launch ranges
 *    PRIVATE before their launch command and each page launched once, no
 *    register writes after SNP_LAUNCH_FINISH, no KVM_CREATE_IRQCHIP on a
 *    TD (-ENOTTY), nonzero hw_error or flags refused;
 *  - returns the partial progress, EAGAIN, EINTR and EBUSY the kernel may
 *    return;
 *  - measures what it was given, as the PSP and the TDX module would, with
 *    its own code: a PAGE_INFO chain over the source bytes LAUNCH_UPDATE
 *    finds at uaddr and over VMSAs built from the vCPUs' registers the way
 *    KVM copies them, and MRTD from INIT_MEM_REGION's pages.
 * Those measurements must equal the vectors of sev-snp.md and tdx.md
 * section 7 for the fixture firmware: the executor gave the hardware what
 * the offline measurement assumes, in an order KVM accepts.
 */
#include <cpuid.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "cc/ovmf.h"
#include "cc/tdx-cpuid.h"
#include "lib/log.h"
#include "lib/sha2.h"
#include "memory/convert.h"
#include "tests/kvm-rules.h"
#include "tests/test.h"
#include "tests/unit/fixture.h"
#include "devices/fw-cfg.h"
#include "vmm/launch.h"
#include "vmm/vm.h"
#include "vmm/x86/boot-firmware.h"
#include "vmm/x86/fw-cfg-plan.h"
#include "vmm/x86/pc.h"

#define PG 0x1000ull
#define NR_GPA_PAGES (0x100000000ull / PG)
#define MAX_FDS 1024
#define MAX_VCPUS 8
#define RUN_SIZE 0x2000

#define SEV_RET_INVALID_PARAM 0x16
#define CR0_CD (1ull << 30)
#define CR0_NW (1ull << 29)

enum fake_kind { FK_NONE, FK_KVM, FK_VM, FK_VCPU, FK_GMEM, FK_SEV };

struct fake_vcpu {
	int fd;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_cpuid2 *cpuid;
	uint64_t apic_base;
	bool tdx_init;
	uint64_t rcx;
};

#define APIC_BASE_BSP (1ull << 8)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_XAPIC (1ull << 11)
#define CPUID_X2APIC (1u << 21)

/* TDX capabilities: the configurable CPUID the model offers. */
static const struct kvm_cpuid_entry2 tdx_conf[] = {
	{ .function = 1, .eax = 0x0fff3fff, .ecx = 0x31fa3203, .edx = 0x1f8bfbff },
	{ .function = 7, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .ebx = 0xd19f2fbb },
	{ .function = 0xd, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0xe7 },
	{ .function = 0xd, .index = 1,
	  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0xf },
	/* KVM reports only EAX[23:16], the GPAW, as configurable here. */
	{ .function = 0x80000008, .eax = 0x00ff0000 },
};
#define TDX_SUPPORTED_ATTRS ((1ull << 0) | (1ull << 28) | (1ull << 30))
#define TDX_SUPPORTED_XFAM 0x6e7ull

static struct {
	enum fake_kind kind[MAX_FDS];
	unsigned long vm_type;
	int sev_fd;
	struct fake_vcpu vcpus[MAX_VCPUS];
	unsigned int nr_vcpus;
	bool split_irqchip, irqchip, pit;
	unsigned int gsi_routing_calls;
	bool exit_hypercall;
	unsigned int apic_bus_ns;
	bool tsc_khz_set;
	/* SNP */
	bool sev_init;
	uint64_t vmsa_features;
	bool started, finished;
	uint64_t policy;
	uint8_t digest[SHA384_DIGEST_SIZE];
	unsigned int updates, vmsas;
	/* Inject: LAUNCH_UPDATE's first call -EAGAIN, then 0 with len left. */
	unsigned int snp_update_calls;
	bool cpuid_reject;
	/* What SNP_LAUNCH_FINISH handed the firmware (KVM copies them). */
	bool id_block_en, auth_key_en;
	uint8_t id_block[96], id_auth[4096], host_data[32];
	unsigned int create_vm_calls;
	bool req_certs;
	/* TDX */
	bool td_init_vm, td_finalized;
	uint64_t td_attributes, td_xfam;
	uint8_t td_mr[3][48];
	unsigned int init_vm_calls, mem_region_calls, finalize_calls;
	/* Inject: FINALIZE_VM -EBUSY, then -EAGAIN; forever if set. */
	bool finalize_always_busy;
	unsigned int td_gpaw;
	struct sha384_ctx mrtd;
	uint8_t mrtd_final[SHA384_DIGEST_SIZE];
	uint8_t hob_page[PG];
	/* Both */
	uint8_t *private;	/* per 4K page of [0, 4G) */
	uint8_t *launched;
	unsigned int violations;
	char unknown[256];
} m;

/* A rule of KVM's broken by cvmm: count it, and say which. */
#define VIOLATION(...)                                                  \
	do {                                                            \
		EXPECT(0, __VA_ARGS__);                                 \
		m.violations++;                                         \
	} while (0)

static void model_reset(unsigned long vm_type)
{
	free(m.private);
	free(m.launched);
	for (unsigned int i = 0; i < m.nr_vcpus; i++)
		free(m.vcpus[i].cpuid);
	memset(&m, 0, sizeof(m));
	m.vm_type = vm_type;
	m.sev_fd = -1;
	m.private = calloc(NR_GPA_PAGES, 1);
	m.launched = calloc(NR_GPA_PAGES, 1);
	sha384_init(&m.mrtd);
}

/*
 * The model holds one VM: a new KVM_CREATE_VM starts it afresh (the
 * previous VM's vCPU fds then answer EBADF).
 */
static void vm_reset(void)
{
	for (unsigned int i = 0; i < m.nr_vcpus; i++)
		free(m.vcpus[i].cpuid);
	memset(m.vcpus, 0, sizeof(m.vcpus));
	m.nr_vcpus = 0;
	m.irqchip = m.split_irqchip = m.pit = m.tsc_khz_set = false;
	m.gsi_routing_calls = 0;
	m.apic_bus_ns = 0;
	m.sev_init = m.started = m.finished = false;
	m.td_init_vm = m.td_finalized = false;
	m.req_certs = m.id_block_en = m.auth_key_en = false;
}

static int fake_fd(enum fake_kind kind, uint64_t size)
{
	int fd = memfd_create("fake-kvm", MFD_CLOEXEC);

	if (fd < 0 || fd >= MAX_FDS || ftruncate(fd, size) < 0)
		abort();
	m.kind[fd] = kind;
	return fd;
}

static struct fake_vcpu *vcpu_of(int fd)
{
	for (unsigned int i = 0; i < m.nr_vcpus; i++)
		if (m.vcpus[i].fd == fd)
			return &m.vcpus[i];
	return NULL;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* ---- the host: capabilities and CPUID ---- */

static unsigned int host_phys_bits(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(0x80000008, &a, &b, &c, &d) ? a & 0xff : 48;
}

static int check_extension(long cap)
{
	switch (cap) {
	case KVM_CAP_VM_TYPES:
		return 1 << KVM_X86_DEFAULT_VM | 1 << KVM_X86_SNP_VM |
		       1 << KVM_X86_TDX_VM;
	case KVM_CAP_USER_MEMORY2:
	case KVM_CAP_GUEST_MEMFD:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
	case KVM_CAP_PRE_FAULT_MEMORY:
	case KVM_CAP_PIT2:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQFD:
		return 1;
	case KVM_CAP_MEMORY_ATTRIBUTES:
		return KVM_MEMORY_ATTRIBUTE_PRIVATE;
	case KVM_CAP_EXIT_HYPERCALL:
		return 1 << KVM_HC_MAP_GPA_RANGE;
	case KVM_CAP_GUEST_MEMFD_FLAGS:
		return GUEST_MEMFD_FLAG_MMAP;
	default:
		return 0;
	}
}

static const struct kvm_cpuid_entry2 host_cpuid[] = {
	{ .function = 0, .eax = 0xd },
	/* KVM emulates x2APIC on every host: X2APIC is supported. */
	{ .function = 1, .eax = 0x800F12, .ecx = 0x7ef8320b, .edx = 0x178bfbff },
	{ .function = 7, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .ebx = 0x219c95a9 },
	{ .function = 0xd, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x207,
	  .ebx = 0x340, .ecx = 0x380 },
	{ .function = 0xd, .index = 1,
	  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0xf },
	{ .function = 0x80000000, .eax = 0x80000008 },
	{ .function = 0x80000008 },	/* phys bits: the real host's */
};

static int supported_cpuid(struct kvm_cpuid2 *c)
{
	uint32_t n = ARRAY_SIZE(host_cpuid);

	if (c->nent < n)
		return -E2BIG;
	c->nent = n;
	memcpy(c->entries, host_cpuid, sizeof(host_cpuid));
	/* cpuid.c: raw MAXPHYADDR, and the guest's capped at 48 bits. */
	c->entries[n - 1].eax = host_phys_bits() | 48 << 8 |
				MIN(host_phys_bits(), 48u) << 16;
	return 0;
}

static int kvm_ioctl_model(unsigned long req, void *arg)
{
	switch (req) {
	case KVM_GET_API_VERSION:
		return KVM_API_VERSION;
	case KVM_CHECK_EXTENSION:
		return check_extension((long)arg);
	case KVM_CREATE_VM:
		EXPECT_EQ((unsigned long)arg, m.vm_type,
			  "KVM_CREATE_VM should ask for the mode's VM type");
		vm_reset();
		m.create_vm_calls++;
		return fake_fd(FK_VM, 0);
	case KVM_GET_VCPU_MMAP_SIZE:
		return RUN_SIZE;
	case KVM_GET_SUPPORTED_CPUID:
		return supported_cpuid(arg);
	case KVM_GET_DEVICE_ATTR: {
		struct kvm_device_attr *a = arg;

		/* 7.2 has the certificate exit (sev-snp.md section 1). */
		if (a->group == KVM_X86_GRP_SEV &&
		    a->attr == KVM_X86_SEV_SNP_REQ_CERTS) {
			*(uint64_t *)(uintptr_t)a->addr = 1;
			return 0;
		}
		if (a->group != KVM_X86_GRP_SEV ||
		    a->attr != KVM_X86_SEV_VMSA_FEATURES)
			return -ENXIO;	/* an older KVM: no policy bits */
		*(uint64_t *)(uintptr_t)a->addr = SNP_SEV_FEAT_DEBUG_SWAP;
		return 0;
	}
	default:
		snprintf(m.unknown, sizeof(m.unknown), "/dev/kvm ioctl 0x%lx", req);
		return -ENOTTY;
	}
}

/* ---- memory and vCPUs ---- */

/* kvm-private-memory.md section 6: a DEFAULT VM's attribute mask is 0. */
static int set_attributes(const struct kvm_memory_attributes *a)
{
	uint64_t allowed = m.vm_type == KVM_X86_DEFAULT_VM ? 0 :
			   KVM_MEMORY_ATTRIBUTE_PRIVATE;

	if (a->flags || !a->size || !IS_ALIGNED(a->address | a->size, PG) ||
	    a->address + a->size < a->address || (a->attributes & ~allowed))
		return -EINVAL;
	for (uint64_t p = a->address / PG; p < (a->address + a->size) / PG;
	     p++)
		if (p < NR_GPA_PAGES)
			m.private[p] = a->attributes != 0;
	return 0;
}

static int create_vcpu(unsigned long id)
{
	struct fake_vcpu *v;

	/* tdx.c, tdx_vcpu_create(): after INIT_VM, with a local APIC. */
	if (m.vm_type == KVM_X86_TDX_VM && !m.td_init_vm)
		return -EIO;
	if (m.vm_type == KVM_X86_TDX_VM && !m.split_irqchip)
		return -EINVAL;
	if (m.nr_vcpus == MAX_VCPUS || id != m.nr_vcpus)
		return -EINVAL;
	v = &m.vcpus[m.nr_vcpus++];
	*v = (struct fake_vcpu){ .fd = fake_fd(FK_VCPU, RUN_SIZE) };
	/* KVM's reset state (sev-snp.md section 6 starts from it). */
	v->sregs.cs = (struct kvm_segment){ .base = 0xffff0000, .limit = 0xffff,
		.selector = 0xf000, .type = 0xb, .present = 1, .s = 1 };
	v->sregs.ds = (struct kvm_segment){ .limit = 0xffff, .type = 3,
		.present = 1, .s = 1 };
	v->sregs.es = v->sregs.fs = v->sregs.gs = v->sregs.ss = v->sregs.ds;
	v->sregs.cr0 = 0x60000010;
	v->apic_base = 0xfee00000 | APIC_BASE_XAPIC | (id ? 0 : APIC_BASE_BSP);
	v->sregs.apic_base = v->apic_base;
	v->regs.rip = 0xfff0;
	v->regs.rflags = 2;
	v->regs.rdx = 0x600;
	return v->fd;
}

static int enable_cap(const struct kvm_enable_cap *c)
{
	switch (c->cap) {
	case KVM_CAP_EXIT_HYPERCALL:
		m.exit_hypercall = c->args[0] == 1 << KVM_HC_MAP_GPA_RANGE;
		return 0;
	case KVM_CAP_SPLIT_IRQCHIP:
		if (m.irqchip || m.split_irqchip)
			return -EEXIST;
		if (m.nr_vcpus)
			return -EINVAL;
		m.split_irqchip = true;
		return 0;
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		/* x86.c: 0 or an overflowing period first, then the irqchip. */
		if (!c->args[0] || c->args[0] > UINT64_MAX / (UINT32_MAX * 128ull))
			return -EINVAL;
		if (!m.irqchip && !m.split_irqchip)
			return -ENXIO;
		if (m.nr_vcpus)
			return -EINVAL;
		m.apic_bus_ns = c->args[0];
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---- SNP: the PSP's launch digest (sev-snp.md section 6) ---- */

static void page_info(uint64_t gpa, uint8_t type, const uint8_t *page)
{
	uint8_t info[0x70] = {};

	memcpy(info, m.digest, 48);
	if (page)
		sha384(page, PG, info + 0x30);
	put16(info + 0x60, 0x70);
	info[0x62] = type;
	put64(info + 0x68, gpa);
	sha384(info, sizeof(info), m.digest);
}

static void put_seg(uint8_t *p, const struct kvm_segment *s)
{
	uint16_t attrib = s->type | s->s << 4 | s->dpl << 5 | s->present << 7 |
			  s->avl << 8 | s->l << 9 | s->db << 10 | s->g << 11;

	put16(p, s->selector);
	put16(p + 2, s->unusable ? 0 : attrib);
	put32(p + 4, s->limit);
	put64(p + 8, s->base);
}

static void put_dtable(uint8_t *p, const struct kvm_dtable *t)
{
	put32(p + 4, t->limit);
	put64(p + 8, t->base);
}

/* What KVM copies into a VMSA from the vCPU's state, as the spec says. */
static void vmsa_of(const struct fake_vcpu *v, uint8_t *p)
{
	const struct kvm_sregs *s = &v->sregs;

	memset(p, 0, PG);
	put_seg(p + 0x00, &s->es);
	put_seg(p + 0x10, &s->cs);
	put_seg(p + 0x20, &s->ss);
	put_seg(p + 0x30, &s->ds);
	put_seg(p + 0x40, &s->fs);
	put_seg(p + 0x50, &s->gs);
	put_dtable(p + 0x60, &s->gdt);
	put_seg(p + 0x70, &s->ldt);
	put_dtable(p + 0x80, &s->idt);
	put_seg(p + 0x90, &s->tr);
	put64(p + 0xd0, s->efer | 0x1000);		/* SVME */
	put64(p + 0x148, s->cr4 | 0x40);		/* MCE */
	put64(p + 0x158, s->cr0 & ~(CR0_CD | CR0_NW));
	put64(p + 0x160, 0x400);			/* KVM's reset DR7 */
	put64(p + 0x168, 0xffff0ff0);			/* and DR6 */
	put64(p + 0x170, v->regs.rflags);
	put64(p + 0x178, v->regs.rip);
	put64(p + 0x268, 0x0007040600070406ull);	/* reset PAT */
	put64(p + 0x310, v->regs.rdx);
	put64(p + 0x3b0, m.vmsa_features | 1);		/* + SNPActive */
	put64(p + 0x3e8, 1);				/* reset XCR0 */
	put32(p + 0x408, 0x1f80);			/* reset MXCSR */
	put16(p + 0x410, 0x037f);			/* reset FCW */
}

static int snp_update(struct cvmm_sev_cmd *cmd)
{
	struct cvmm_sev_snp_launch_update *u = (void *)(uintptr_t)cmd->data;
	unsigned int pages = UINT32_MAX;
	int ret = 0;

	if (!m.started || m.finished || u->flags || u->pad0 || u->pad1 ||
	    !u->len || !IS_ALIGNED(u->len | u->uaddr, PG) || u->type < 1 ||
	    u->type > 6 || u->type == 2)
		return -EINVAL;
	/* The first call stops early with EAGAIN, the second with 0. */
	if (++m.snp_update_calls <= 2) {
		pages = 3;
		ret = m.snp_update_calls == 1 ? -EAGAIN : 0;
	}
	for (; u->len && pages; pages--) {
		uint8_t *src = (uint8_t *)(uintptr_t)u->uaddr;

		if (u->gfn_start >= NR_GPA_PAGES || !m.private[u->gfn_start])
			return -EINVAL;	/* KVM: the GFN must be PRIVATE */
		if (m.launched[u->gfn_start]) {
			VIOLATION("gfn 0x%llx launch-updated twice",
				  (unsigned long long)u->gfn_start);
			return -EIO;
		}
		if (u->type == SNP_PAGE_TYPE_CPUID && m.cpuid_reject) {
			/* KVM copies the firmware's correction back. */
			put32(src + 16 + 24, 0x12345678);
			cmd->error = SEV_RET_INVALID_PARAM;
			return -EIO;
		}
		m.launched[u->gfn_start] = 1;
		page_info(u->gfn_start * PG, u->type,
			  u->type == SNP_PAGE_TYPE_NORMAL ? src : NULL);
		m.updates++;
		u->gfn_start++;
		u->uaddr += PG;
		u->len -= PG;
	}
	return ret;
}

static int snp_finish(struct cvmm_sev_cmd *cmd)
{
	struct cvmm_sev_snp_launch_finish *f = (void *)(uintptr_t)cmd->data;
	uint8_t page[PG];

	if (!m.started || m.finished || f->flags)
		return -EINVAL;
	for (unsigned int i = 0; i < m.nr_vcpus; i++) {
		vmsa_of(&m.vcpus[i], page);
		page_info(SNP_VMSA_GPA, SNP_PAGE_TYPE_VMSA, page);
		m.vmsas++;
	}
	/*
	 * KVM (snp_launch_finish()) copies the 96-byte ID block and the
	 * 4096-byte ID auth only with id_block_en, passes auth_key_en only
	 * then, and HOST_DATA always. The firmware refuses a block whose LD
	 * is not the digest it measured.
	 */
	m.id_block_en = f->id_block_en;
	m.auth_key_en = f->id_block_en && f->auth_key_en;
	if (f->id_block_en) {
		memcpy(m.id_block, (void *)(uintptr_t)f->id_block_uaddr, 96);
		memcpy(m.id_auth, (void *)(uintptr_t)f->id_auth_uaddr, 4096);
		if (memcmp(m.id_block, m.digest, 48)) {
			VIOLATION("LAUNCH_FINISH with an ID block whose LD is not the launch digest");
			return -EIO;
		}
	}
	memcpy(m.host_data, f->host_data, 32);
	m.finished = true;
	return 0;
}

static int sev_op(struct cvmm_sev_cmd *cmd)
{
	if ((int)cmd->sev_fd != m.sev_fd || m.kind[cmd->sev_fd] != FK_SEV)
		VIOLATION("SEV command %u without the /dev/sev fd", cmd->id);
	switch (cmd->id) {
	case CVMM_SEV_INIT2: {
		struct cvmm_sev_init *init = (void *)(uintptr_t)cmd->data;

		if (m.sev_init || m.nr_vcpus || init->flags ||
		    (init->vmsa_features & ~SNP_SEV_FEAT_DEBUG_SWAP))
			return -EINVAL;
		m.sev_init = true;
		m.vmsa_features = init->vmsa_features;
		return 0;
	}
	case CVMM_SEV_SNP_LAUNCH_START: {
		struct cvmm_sev_snp_launch_start *s = (void *)(uintptr_t)cmd->data;

		if (!m.sev_init || m.started || s->flags ||
		    !(s->policy & (1ull << 17)))
			return -EINVAL;
		m.started = true;
		m.policy = s->policy;
		return 0;
	}
	case CVMM_SEV_SNP_ENABLE_REQ_CERTS:
		/* The posted patch refuses it once vCPUs exist. */
		if (!m.sev_init || m.nr_vcpus)
			return -EINVAL;
		m.req_certs = true;
		return 0;
	case CVMM_SEV_SNP_LAUNCH_UPDATE:
		return snp_update(cmd);
	case CVMM_SEV_SNP_LAUNCH_FINISH:
		return snp_finish(cmd);
	default:
		return -EINVAL;
	}
}

/* ---- TDX: the module's MRTD (tdx.md section 7) ---- */

static void mrtd_record(const char *op, uint64_t gpa)
{
	uint8_t rec[128] = {};

	memcpy(rec, op, strlen(op));
	put64(rec + 16, gpa);
	sha384_update(&m.mrtd, rec, sizeof(rec));
}

static int tdx_capabilities(struct cvmm_tdx_capabilities *c)
{
	if (c->cpuid.nent < ARRAY_SIZE(tdx_conf)) {
		c->cpuid.nent = ARRAY_SIZE(tdx_conf);
		return -E2BIG;
	}
	c->supported_attrs = TDX_SUPPORTED_ATTRS;
	c->supported_xfam = TDX_SUPPORTED_XFAM;
	c->kernel_tdvmcallinfo_1_r11 = 0x10;
	c->cpuid.nent = ARRAY_SIZE(tdx_conf);
	memcpy(c->cpuid.entries, tdx_conf, sizeof(tdx_conf));
	return 0;
}

static bool cpuid_allowed(const struct kvm_cpuid_entry2 *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(tdx_conf); i++) {
		const struct kvm_cpuid_entry2 *c = &tdx_conf[i];

		if (c->function == e->function && c->index == e->index)
			return !(e->eax & ~c->eax) && !(e->ebx & ~c->ebx) &&
			       !(e->ecx & ~c->ecx) && !(e->edx & ~c->edx);
	}
	return false;
}

static const struct kvm_cpuid_entry2 *
find_leaf(const struct kvm_cpuid_entry2 *e, uint32_t n, uint32_t function)
{
	for (uint32_t i = 0; i < n; i++)
		if (e[i].function == function && !e[i].index)
			return &e[i];
	return NULL;
}

/*
 * tdx.c, setup_tdparams_eptp_controls(): the GPAW comes from CPUID
 * 0x80000008 EAX[23:16] of INIT_VM, 48 or 52; the leaf must be there.
 */
static unsigned int init_vm_gpaw(const struct kvm_cpuid2 *c)
{
	const struct kvm_cpuid_entry2 *x = find_leaf(c->entries, c->nent,
						     0x80000008);

	return x ? (x->eax >> 16) & 0xff : 0;
}

/* tdx.c, tdx_td_init() and setup_tdparams(), in their order. */
static int tdx_init_vm(const struct cvmm_tdx_cmd *cmd,
		       struct cvmm_tdx_init_vm *init)
{
	unsigned int gpaw = init_vm_gpaw(&init->cpuid);

	if (m.td_init_vm || cmd->flags)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(init->reserved); i++)
		if (init->reserved[i])
			return -EINVAL;
	if (init->cpuid.padding)
		return -EINVAL;
	if (m.nr_vcpus)
		return -EBUSY;
	if ((init->attributes & ~TDX_SUPPORTED_ATTRS) ||
	    (init->xfam & ~TDX_SUPPORTED_XFAM) || (gpaw != 48 && gpaw != 52))
		return -EINVAL;
	/* Unlisted leaves (KVM) and unconfigurable bits (the module). */
	for (uint32_t i = 0; i < init->cpuid.nent; i++)
		if (!cpuid_allowed(&init->cpuid.entries[i]))
			return -EINVAL;
	/* The module runs out of entropy twice. */
	if (++m.init_vm_calls <= 2)
		return -EAGAIN;
	m.td_init_vm = true;
	m.td_attributes = init->attributes;
	memcpy(m.td_mr[0], init->mrconfigid, 48);
	memcpy(m.td_mr[1], init->mrowner, 48);
	memcpy(m.td_mr[2], init->mrownerconfig, 48);
	m.td_xfam = init->xfam;
	m.td_gpaw = gpaw;
	return 0;
}

static bool cpuid_has_x2apic(const struct kvm_cpuid2 *c)
{
	const struct kvm_cpuid_entry2 *leaf1;

	if (!c)
		return false;
	leaf1 = find_leaf(c->entries, c->nent, 1);
	return leaf1 && (leaf1->ecx & CPUID_X2APIC);
}

/*
 * lapic.c, kvm_apic_set_base() for a host write: X2APIC_ENABLE is a
 * reserved bit while the vCPU's CPUID lacks X2APIC; x2APIC without xAPIC
 * enable is an invalid mode. Returns 0, or 1 as KVM's MSR code does.
 */
static int apic_set_base(struct fake_vcpu *v, uint64_t value)
{
	uint64_t reserved = 0x2ff | ~((1ull << host_phys_bits()) - 1);

	if (v->apic_base == value)
		return 0;
	if (!cpuid_has_x2apic(v->cpuid))
		reserved |= APIC_BASE_X2APIC;
	if ((value & reserved) ||
	    ((value & APIC_BASE_X2APIC) && !(value & APIC_BASE_XAPIC)))
		return 1;
	v->apic_base = value;
	v->sregs.apic_base = value;
	return 0;
}

/* tdx.c, tdx_vcpu_init(): the APIC goes to x2APIC mode first. */
static int tdx_init_vcpu(struct fake_vcpu *v, const struct cvmm_tdx_cmd *cmd)
{
	uint64_t base = 0xfee00000 | APIC_BASE_XAPIC | APIC_BASE_X2APIC |
			(v == &m.vcpus[0] ? APIC_BASE_BSP : 0);

	if (cmd->flags || v->tdx_init)
		return -EINVAL;
	if (apic_set_base(v, base))
		return -EINVAL;
	v->tdx_init = true;
	v->rcx = cmd->data;
	return 0;
}

/* tdx.c, tdx_td_finalize(): -EBUSY while the module's operand is busy. */
static int tdx_finalize(const struct cvmm_tdx_cmd *cmd)
{
	if (!m.td_init_vm || m.td_finalized || cmd->flags || cmd->data)
		return -EINVAL;
	++m.finalize_calls;
	if (m.finalize_always_busy || m.finalize_calls == 1)
		return -EBUSY;
	if (m.finalize_calls == 2)
		return -EAGAIN;
	m.td_finalized = true;
	sha384_final(&m.mrtd, m.mrtd_final);
	return 0;
}

static int tdx_init_mem_region(struct fake_vcpu *v, struct cvmm_tdx_cmd *cmd)
{
	struct cvmm_tdx_init_mem_region *r = (void *)(uintptr_t)cmd->data;
	bool measure = cmd->flags & CVMM_TDX_MEASURE_MEMORY_REGION;
	unsigned int budget = ++m.mem_region_calls == 1 ? 2 : UINT32_MAX;

	if (!v->tdx_init || m.td_finalized ||
	    (cmd->flags & ~CVMM_TDX_MEASURE_MEMORY_REGION) || !r->nr_pages ||
	    !IS_ALIGNED(r->source_addr | r->gpa, PG))
		return -EINVAL;
	for (; r->nr_pages; r->nr_pages--, r->gpa += PG, r->source_addr += PG) {
		const uint8_t *src = (const uint8_t *)(uintptr_t)r->source_addr;

		/* A signal stops KVM after two pages of the first call. */
		if (!budget--)
			return -EINTR;
		if (r->gpa / PG >= NR_GPA_PAGES || !m.private[r->gpa / PG])
			return -EINVAL;
		if (m.launched[r->gpa / PG]) {
			VIOLATION("gpa 0x%llx added twice",
				  (unsigned long long)r->gpa);
			return -EIO;
		}
		m.launched[r->gpa / PG] = 1;
		if (r->gpa == 0x809000)
			memcpy(m.hob_page, src, PG);
		mrtd_record("MEM.PAGE.ADD", r->gpa);
		for (unsigned int c = 0; measure && c < PG / 256; c++) {
			mrtd_record("MR.EXTEND", r->gpa + c * 256);
			sha384_update(&m.mrtd, src + c * 256, 256);
		}
	}
	return 0;
}

static int tdx_get_cpuid(struct fake_vcpu *v, struct kvm_cpuid2 *c)
{
	uint32_t n = ARRAY_SIZE(tdx_conf) + 1;

	(void)v;
	if (c->nent < n) {
		c->nent = n;
		return -E2BIG;
	}
	c->nent = n;
	memcpy(c->entries, tdx_conf, sizeof(tdx_conf));
	c->entries[n - 1] = (struct kvm_cpuid_entry2){ .function = 0x21,
		.ebx = 0x65746e49 };	/* the TDX leaf, "Inte" */
	return 0;
}

static int tdx_op(int fd, struct cvmm_tdx_cmd *cmd)
{
	struct fake_vcpu *v = vcpu_of(fd);

	/* tdx.c, tdx_get_cmd(): hw_error is KVM's to write. */
	if (cmd->hw_error)
		return -EINVAL;
	if (m.kind[fd] == FK_VM) {
		switch (cmd->id) {
		case CVMM_TDX_CAPABILITIES:
			return tdx_capabilities((void *)(uintptr_t)cmd->data);
		case CVMM_TDX_INIT_VM:
			return tdx_init_vm(cmd, (void *)(uintptr_t)cmd->data);
		case CVMM_TDX_FINALIZE_VM:
			return tdx_finalize(cmd);
		default:
			return -EINVAL;
		}
	}
	/* tdx.c: vCPU commands need the HKID and an unfinalized TD. */
	if (!m.td_init_vm || m.td_finalized)
		return -EINVAL;
	switch (cmd->id) {
	case CVMM_TDX_INIT_VCPU:
		return tdx_init_vcpu(v, cmd);
	case CVMM_TDX_INIT_MEM_REGION:
		return tdx_init_mem_region(v, cmd);
	case CVMM_TDX_GET_CPUID:
		return tdx_get_cpuid(v, (void *)(uintptr_t)cmd->data);
	default:
		return -EINVAL;
	}
}

/* ---- dispatch ---- */

static int vm_ioctl_model(int fd, unsigned long req, void *arg)
{
	switch (req) {
	case KVM_CHECK_EXTENSION:
		return check_extension((long)arg);
	case KVM_ENABLE_CAP:
		return enable_cap(arg);
	case KVM_SET_GSI_ROUTING:
		/* kvm_main.c: kvm_arch_can_set_irq_routing(), any irqchip. */
		if (!m.irqchip && !m.split_irqchip)
			return -EINVAL;
		m.gsi_routing_calls++;
		return 0;
	case KVM_IRQ_LINE:
		/* x86.c, kvm_vm_ioctl_irq_line(): irqchip_in_kernel(). */
		return m.irqchip || m.split_irqchip ? 0 : -ENXIO;
	case KVM_CREATE_PIT2:
		/* x86.c: one PIT, and only beside the in-kernel PIC. */
		if (m.pit)
			return -EEXIST;
		if (!m.irqchip)
			return -ENOENT;
		m.pit = true;
		return 0;
	case KVM_SET_TSS_ADDR:
	case KVM_SET_USER_MEMORY_REGION2:
	case KVM_IRQFD:
	case KVM_IOEVENTFD:
	case KVM_SET_IDENTITY_MAP_ADDR:
		return 0;
	case KVM_CREATE_IRQCHIP:
		if (m.vm_type == KVM_X86_TDX_VM)
			return -ENOTTY;	/* tdx.md section 3 step 3 */
		if (m.irqchip || m.split_irqchip)
			return -EEXIST;
		if (m.nr_vcpus)
			return -EINVAL;
		m.irqchip = true;
		return 0;
	case KVM_SET_TSC_KHZ:
		/* x86.c: VM-wide only before the first vCPU. */
		if (m.nr_vcpus)
			return -EINVAL;
		m.tsc_khz_set = true;
		return 0;
	case KVM_CREATE_GUEST_MEMFD: {
		struct kvm_create_guest_memfd *g = arg;

		EXPECT_EQ(g->flags, 0, "a CC VM's guest_memfd should have flags 0");
		return fake_fd(FK_GMEM, g->size);
	}
	case KVM_SET_MEMORY_ATTRIBUTES:
		return set_attributes(arg);
	case KVM_CREATE_VCPU:
		return create_vcpu((unsigned long)arg);
	case KVM_MEMORY_ENCRYPT_OP:
		if (m.vm_type == KVM_X86_SNP_VM)
			return sev_op(arg);
		return tdx_op(fd, arg);
	default:
		snprintf(m.unknown, sizeof(m.unknown), "VM ioctl 0x%lx", req);
		return -ENOTTY;
	}
}

static int copy_cpuid(struct kvm_cpuid2 **dst, const struct kvm_cpuid2 *src)
{
	size_t size = sizeof(*src) + src->nent * sizeof(src->entries[0]);

	free(*dst);
	*dst = malloc(size);
	memcpy(*dst, src, size);
	return 0;
}

/*
 * Only the APIC base: KVM_SET_MSRS stops at the first MSR KVM refuses and
 * returns how many it set.
 */
static int msrs_model(struct fake_vcpu *v, unsigned long req,
		      struct kvm_msrs *msrs)
{
	uint32_t i;

	for (i = 0; i < msrs->nmsrs; i++) {
		struct kvm_msr_entry *e = &msrs->entries[i];

		if (e->index != 0x1b) {
			snprintf(m.unknown, sizeof(m.unknown), "MSR 0x%x",
				 e->index);
			break;
		}
		if (req == KVM_GET_MSRS)
			e->data = v->apic_base;
		else if (apic_set_base(v, e->data))
			break;
	}
	return i;
}

static int vcpu_ioctl_model(int fd, unsigned long req, void *arg)
{
	struct fake_vcpu *v = vcpu_of(fd);
	struct kvm_cpuid2 *c = arg;

	if (!v)
		return -EBADF;
	switch (req) {
	case KVM_SET_CPUID2:
		return copy_cpuid(&v->cpuid, arg);
	case KVM_GET_CPUID2:
		if (!v->cpuid)
			return -EINVAL;
		if (c->nent < v->cpuid->nent)
			return -E2BIG;
		memcpy(c, v->cpuid, sizeof(*c) + v->cpuid->nent *
						  sizeof(c->entries[0]));
		return 0;
	case KVM_GET_SREGS:
		memcpy(arg, &v->sregs, sizeof(v->sregs));
		return 0;
	case KVM_GET_REGS:
		memcpy(arg, &v->regs, sizeof(v->regs));
		return 0;
	case KVM_SET_SREGS:
	case KVM_SET_REGS:
		/* The VMSA is encrypted and its state protected. */
		if (m.finished || m.vm_type == KVM_X86_TDX_VM)
			return -EINVAL;
		if (req == KVM_SET_REGS) {
			memcpy(&v->regs, arg, sizeof(v->regs));
			return 0;
		}
		/* x86.c, __set_sregs_common(): the APIC base, host write. */
		if (apic_set_base(v, ((struct kvm_sregs *)arg)->apic_base))
			return -EINVAL;
		memcpy(&v->sregs, arg, sizeof(v->sregs));
		return 0;
	case KVM_SET_MSRS:
	case KVM_GET_MSRS:
		return msrs_model(v, req, arg);
	case KVM_MEMORY_ENCRYPT_OP:
		return tdx_op(fd, arg);
	default:
		snprintf(m.unknown, sizeof(m.unknown), "vCPU ioctl 0x%lx", req);
		return -ENOTTY;
	}
}

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_open64(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	enum fake_kind kind = fd >= 0 && fd < MAX_FDS ? m.kind[fd] : FK_NONE;
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	switch (kind) {
	case FK_KVM:
		r = kvm_ioctl_model(req, arg);
		break;
	case FK_VM:
		r = vm_ioctl_model(fd, req, arg);
		break;
	case FK_VCPU:
		r = vcpu_ioctl_model(fd, req, arg);
		break;
	case FK_NONE:
		return __real_ioctl(fd, req, arg);
	default:
		r = -ENOTTY;
		break;
	}
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return r;
}

static int fake_open(const char *path)
{
	if (!strcmp(path, "/dev/kvm"))
		return fake_fd(FK_KVM, 0);
	if (!strcmp(path, "/dev/sev")) {
		m.sev_fd = fake_fd(FK_SEV, 0);
		return m.sev_fd;
	}
	return -1;
}

int __wrap_open(const char *path, int flags, ...)
{
	int fd = fake_open(path);
	va_list ap;
	int mode;

	if (fd >= 0)
		return fd;
	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	return __real_open(path, flags, mode);
}

int __wrap_open64(const char *path, int flags, ...)
{
	int fd = fake_open(path);
	va_list ap;
	int mode;

	if (fd >= 0)
		return fd;
	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	return __real_open64(path, flags, mode);
}

/* ---- the tests ---- */

static uint8_t *amdsev, *inteltdx;
static size_t amdsev_size, inteltdx_size;
static char amdsev_path[64], inteltdx_path[64];

static void write_temp(char *path, const uint8_t *data, size_t size)
{
	int fd;

	strcpy(path, "/tmp/cvmm-test-fw-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

static bool hex_is(const uint8_t *d, const char *hex)
{
	char h[2 * SHA384_DIGEST_SIZE + 1];

	to_hex(d, SHA384_DIGEST_SIZE, h);
	if (strcmp(h, hex))
		fprintf(stderr, "  want %s\n  got  %s\n", hex, h);
	return !strcmp(h, hex);
}

static int build(enum cc_mode mode, const char *fw, unsigned int vcpus,
		 bool debug_swap, struct vm_config *cfg, struct vm **ret)
{
	vm_config_init(cfg);
	cfg->cc.mode = mode;
	cfg->machine.vcpus = vcpus;
	cfg->cc.snp_debug_swap = debug_swap;
	cfg->boot.firmware = strdup(fw);
	vm_config_finish(cfg);
	model_reset(mode == CC_MODE_SNP ? KVM_X86_SNP_VM : KVM_X86_TDX_VM);
	return vm_build(cfg, NULL, 0, ret);
}

/* Every launched range is private and its shared copy is gone. */
static void check_after_launch(struct vm *vm)
{
	const struct launch_plan *plan = vm->cc->plan;

	for (unsigned int i = 0; i < plan->nr_steps; i++) {
		const struct launch_step *s = &plan->steps[i];
		uint64_t gmem, shared;

		if (s->op != LAUNCH_DISCARD_SHARED)
			continue;
		EXPECT(mem_range_allocated_bytes(&vm->mem, s->gpa, s->len,
						 &gmem, &shared) == 0 &&
		       shared == 0,
		       "the shared copy of 0x%llx+0x%llx should be discarded",
		       (unsigned long long)s->gpa, (unsigned long long)s->len);
		EXPECT(mem_gpa_is_private(&vm->mem, s->gpa) &&
		       mem_gpa_is_private(&vm->mem, s->gpa + s->len - PG),
		       "0x%llx+0x%llx should stay private",
		       (unsigned long long)s->gpa, (unsigned long long)s->len);
	}
}

static const struct {
	unsigned int vcpus;
	bool debug_swap;
	const char *digest;
} snp_vectors[] = {
	/* sev-snp.md section 7, signature 0x800F12, no kernel */
	{ 1, false, "d74bd3ea40b240c3228edc5177ce6193561ebff633dbd0be"
		    "76d6c143b876d65102425c0e2e8a930857c48daa5eacda58" },
	{ 1, true, "5fafce19a1da9324827756044f6a922becd7fb7a5f80f1cd"
		   "803366eeb7add5a129d0ca53b184313c9f9036e869371a88" },
	{ 4, false, "13a6ae9fbaa31c91ade309c36bd5214729438abac318e011"
		    "76e02a97b8bec11a4bce86b4d2b1fba2ec0481dd24ff525f" },
	{ 4, true, "a0edd3ca630eae842e556b4dd9e098621c361570051bc5b9"
		   "c4181cefb6ab504a1b837f4229149af5a7727d6d2799f765" },
};

static void test_snp_launch(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(snp_vectors); i++) {
		struct vm *vm = NULL;
		uint64_t hc = 1;
		struct vm_config cfg;
		int r;

		r = build(CC_MODE_SNP, amdsev_path, snp_vectors[i].vcpus,
			  snp_vectors[i].debug_swap, &cfg, &vm);
		EXPECT_EQ(r, 0, "the SNP launch (%u vCPUs, DebugSwap %d) should succeed against the model%s%s",
			  snp_vectors[i].vcpus, snp_vectors[i].debug_swap,
			  m.unknown[0] ? "; unmodelled: " : "", m.unknown);
		EXPECT_EQ(m.violations, 0, "KVM's rules should hold");
		EXPECT(m.finished && m.vmsas == snp_vectors[i].vcpus,
		       "LAUNCH_FINISH should measure one VMSA per vCPU");
		EXPECT(m.exit_hypercall, "MAP_GPA_RANGE exits should be on");
		EXPECT(m.irqchip, "an SNP guest gets the in-kernel irqchip");
		EXPECT_EQ(m.policy, 0x30000, "the default policy should be used");
		/* 1024 firmware pages and the 47 pages of the ASEV ranges */
		EXPECT_EQ(m.updates, 1024 + 47,
			  "every firmware and metadata page should be launched once");
		EXPECT(hex_is(m.digest, snp_vectors[i].digest),
		       "the PSP's digest (%u vCPUs, DebugSwap %d) should be the spec's",
		       snp_vectors[i].vcpus, snp_vectors[i].debug_swap);
		if (vm) {
			EXPECT(vm->cc->has_expected &&
			       !memcmp(vm->cc->expected, m.digest, 48),
			       "cvmm's expected measurement should be the PSP's");
			check_after_launch(vm);
			EXPECT(mem_map_gpa_range(&vm->mem, 0x100000, 1, 0,
						 &hc, NULL) == 0 && hc == 0,
			       "the guest should be able to share a RAM page");
			EXPECT_EQ(mem_discard_shared(&vm->mem, 0x100000, PG),
				  -EINVAL,
				  "discarding the shared side of shared RAM should be refused");
		}
		vm = vm_free(vm);
		vm_config_free(&cfg);
	}
}

/* An 8K bzImage (protocol 2.15, one setup sector) whose payload is i. */
static void fake_bzimage(uint8_t *bz, size_t size)
{
	memset(bz, 0, size);
	for (size_t i = 1024; i < size; i++)
		bz[i] = i * 7;
	bz[0x1f1] = 1;
	put16(bz + 0x1fe, 0xaa55);
	memcpy(bz + 0x202, "HdrS", 4);
	put16(bz + 0x206, 0x020f);
	bz[0x211] = 1;			/* LOADED_HIGH */
	put16(bz + 0x236, 1);		/* XLF_KERNEL_64 */
	put32(bz + 0x260, 0x100000);	/* init_size */
}

static void write_file(char *path, const void *data, size_t size)
{
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

static bool item_is(const struct fw_cfg *fc, uint16_t key, const void *data,
		    size_t size)
{
	return fc->items[key].size == size &&
	       !memcmp(fc->items[key].data, data, size);
}

static unsigned int virtio_devices(struct vm *vm)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < PCI_MAX_DEVICES; i++) {
		struct pci_device *d = vm->pc->pci.devices[i];

		n += d && (pci_cfg_read32(d->cfg, 0) & 0xffff) == 0x1af4;
	}
	return n;
}

/*
 * What --plan lists is what the VM serves: the same items and files with
 * the same sizes (the plan builds its own, without a VM).
 */
static void check_plan_fw_cfg(struct vm *vm, const struct fw_cfg *fc)
{
	char reason[CC_REASON_MAX] = "";
	struct fw_cfg pfc;
	bool same;
	int r;

	r = fw_cfg_plan_build(vm->cfg, vm->cc->plan, &vm->cc->img, &pfc,
			      reason, sizeof(reason));
	EXPECT_EQ(r, 0, "the plan's fw_cfg should build: %s", reason);
	same = r == 0 && pfc.nr_files == fc->nr_files;
	for (unsigned int i = 0; same && i < FW_CFG_MAX_ITEMS; i++)
		same = pfc.items[i].size == fc->items[i].size;
	for (unsigned int i = 0; same && i < fc->nr_files; i++)
		same = !strcmp(pfc.names[i], fc->names[i]);
	EXPECT(same, "--plan's fw_cfg items and files should be the VM's");
	fw_cfg_free(&pfc);
}

/*
 * A TD HOB consistent with etc/e820: the HOB's RAM ranges (built from the
 * plan's memory) are the e820 RAM entries the VM's fw_cfg serves.
 */
static void check_e820_is_hob(struct vm *vm, const struct fw_cfg *fc)
{
	const struct fw_cfg_item *e820 = fw_cfg_find_file(fc, "etc/e820");
	struct tdx_ram_range ram[MEM_MAX_REGIONS];
	unsigned int n = launch_ram_ranges(&vm->cc->plan->mem, ram);
	bool same = e820 && e820->size == 20 * n;

	for (unsigned int i = 0; same && i < n; i++) {
		uint64_t gpa, size;
		uint32_t type;

		memcpy(&gpa, e820->data + 20 * i, 8);
		memcpy(&size, e820->data + 20 * i + 8, 8);
		memcpy(&type, e820->data + 20 * i + 16, 4);
		same = gpa == ram[i].gpa && size == ram[i].size && type == 1;
	}
	EXPECT(same && n > 0,
	       "etc/e820 should list the TD HOB's RAM ranges, as RAM");
}

/*
 * boot.kernel with snp and tdx: run hashes the same bytes measure does
 * (one path, cc_boot_files_load()), the PSP's digest is cvmm's expectation
 * and what `cvmm measure` prints for the same files, and fw_cfg serves the
 * firmware exactly those bytes: setup and payload that make up the kernel
 * hashed, the initrd, the command line with the NUL the hash covers.
 */
static void test_launch_boot_files(void)
{
	static const char cmdline[] = "console=ttyS0";
	static const uint8_t initrd_bytes[] = "initrd bytes";
	static const enum cc_mode modes[] = { CC_MODE_SNP, CC_MODE_TDX };
	char kernel[] = "/tmp/cvmm-test-kernel-XXXXXX";
	char initrd[] = "/tmp/cvmm-test-initrd-XXXXXX";
	uint8_t bz[8192], want[SHA256_DIGEST_SIZE];
	struct snp_kernel_hashes h;

	fake_bzimage(bz, sizeof(bz));
	write_file(kernel, bz, sizeof(bz));
	write_file(initrd, initrd_bytes, sizeof(initrd_bytes));
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		const char *name = cc_mode_name(modes[i]);
		struct vm *vm = NULL;
		struct vm_config cfg;
		struct fw_cfg *fc;

		vm_config_init(&cfg);
		cfg.cc.mode = modes[i];
		cfg.boot.firmware = strdup(modes[i] == CC_MODE_SNP ?
					   amdsev_path : inteltdx_path);
		cfg.boot.kernel = strdup(kernel);
		cfg.boot.initrd = strdup(initrd);
		cfg.boot.cmdline = strdup(cmdline);
		/* A virtio device on the CC guest's PCI bus. */
		cfg.devices.rng = true;
		vm_config_finish(&cfg);
		model_reset(cc_mode_vm_type(modes[i]));
		EXPECT_EQ(vm_build(&cfg, NULL, 0, &vm), 0,
			  "a %s launch with a kernel, initrd and cmdline should succeed%s%s",
			  name, m.unknown[0] ? "; unmodelled: " : "", m.unknown);
		EXPECT_EQ(m.violations, 0, "KVM's rules should hold");
		fc = vm ? boot_firmware_fw_cfg(vm) : NULL;
		EXPECT(fc, "%s: the firmware platform should have fw_cfg", name);
		if (!fc) {
			vm = vm_free(vm);
			vm_config_free(&cfg);
			continue;
		}
		EXPECT(vm->cc->img.kernel_size == sizeof(bz) &&
		       !memcmp(vm->cc->img.kernel, bz, sizeof(bz)),
		       "%s: the launch should keep the kernel bytes it read", name);
		EXPECT(item_is(fc, FW_CFG_SETUP_DATA, vm->cc->img.kernel, 1024) &&
		       item_is(fc, FW_CFG_KERNEL_DATA, vm->cc->img.kernel + 1024,
			       sizeof(bz) - 1024) &&
		       item_is(fc, FW_CFG_SETUP_SIZE, "\x00\x04\0\0", 4) &&
		       item_is(fc, FW_CFG_KERNEL_SIZE, "\x00\x1c\0\0", 4),
		       "%s: fw_cfg's setup and kernel should be the launch's bytes, split after the setup sectors",
		       name);
		EXPECT(item_is(fc, FW_CFG_INITRD_DATA, initrd_bytes,
			       sizeof(initrd_bytes)) &&
		       item_is(fc, FW_CFG_CMDLINE_DATA, cmdline, sizeof(cmdline)),
		       "%s: fw_cfg's initrd and command line (with its NUL) should be the hashed bytes",
		       name);
		EXPECT(fw_cfg_find_file(fc, "etc/e820") &&
		       fw_cfg_find_file(fc, "etc/acpi/tables") &&
		       fw_cfg_find_file(fc, "etc/table-loader"),
		       "%s: fw_cfg should describe the memory and the ACPI tables",
		       name);
		EXPECT(virtio_devices(vm) == 1 && vm->io_policy == VM_IO_PROBE,
		       "%s: the PC's PCI bus should carry the virtio-rng device",
		       name);
		check_plan_fw_cfg(vm, fc);
		check_e820_is_hob(vm, fc);
		if (modes[i] == CC_MODE_SNP) {
			snp_kernel_hashes_compute(bz, sizeof(bz), initrd_bytes,
						  sizeof(initrd_bytes), cmdline,
						  &h);
			sha256(bz, sizeof(bz), want);
			EXPECT(!memcmp(vm->cc->img.hashes.kernel, want,
				       sizeof(want)) &&
			       !memcmp(&vm->cc->img.hashes, &h, sizeof(h)),
			       "the hashes should be the kernel's, initrd's and cmdline's");
			EXPECT(vm->cc->has_expected &&
			       !memcmp(vm->cc->expected, m.digest, 48),
			       "cvmm's expected measurement should be the PSP's");
			EXPECT(m.irqchip && m.pit && !m.split_irqchip,
			       "an SNP guest's PC has the in-kernel irqchip and PIT");
		} else {
			EXPECT(m.split_irqchip && !m.irqchip && !m.pit &&
			       vm->irq.mode == IRQCHIP_SPLIT &&
			       vm->irq.ioapic.ops,
			       "a TD's PC has the split irqchip and cvmm's IOAPIC, no PIC or PIT");
			EXPECT(m.gsi_routing_calls > 0,
			       "the IOAPIC's pins should be routed");
		}
		vm = vm_free(vm);
		vm_config_free(&cfg);
	}
	unlink(kernel);
	unlink(initrd);
}

static void dma_kick(struct fw_cfg *fc, uint64_t desc_gpa)
{
	uint8_t be[4];

	for (unsigned int i = 0; i < 4; i++)
		be[i] = desc_gpa >> (8 * (7 - i));
	fw_cfg_access(fc, 4, be, 4, true);
	for (unsigned int i = 0; i < 4; i++)
		be[i] = desc_gpa >> (8 * (3 - i));
	fw_cfg_access(fc, 8, be, 4, true);
}

static void put_desc(uint8_t *d, uint32_t control, uint32_t len, uint64_t gpa)
{
	for (unsigned int i = 0; i < 4; i++) {
		d[i] = control >> (24 - 8 * i);
		d[4 + i] = len >> (24 - 8 * i);
	}
	for (unsigned int i = 0; i < 8; i++)
		d[8 + i] = gpa >> (56 - 8 * i);
}

/* --stats carries what fw_cfg served and refused. */
static void check_stats_fw_cfg(struct vm *vm)
{
	char path[] = "/tmp/cvmm-test-stats-XXXXXX", buf[16384] = "";
	int fd = mkstemp(path);
	ssize_t n;

	if (fd < 0)
		abort();
	EXPECT_EQ(vm_write_stats(vm, path), 0, "--stats should be written");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	unlink(path);
	EXPECT(n > 0 && strstr(buf, "\"fw_cfg\"") &&
	       strstr(buf, "\"dma_errors\":2") &&
	       strstr(buf, "\"dma_transfers\":3"),
	       "--stats should count fw_cfg's DMA transfers and errors: %s",
	       buf);
}

/*
 * fw_cfg DMA in an SNP guest, whose RAM is private from the start: a
 * descriptor the guest shared that points at private RAM ends with the
 * error bit and nothing written; the same read into a shared buffer
 * succeeds; a descriptor in private RAM gets no completion at all.
 */
static void test_fw_cfg_dma_private(void)
{
	const uint64_t desc_gpa = 0x100000, buf_gpa = 0x101000;
	const uint64_t private_gpa = 0x200000;
	struct vm *vm = NULL;
	struct vm_config cfg;
	struct fw_cfg *fc;
	uint8_t *desc, *buf;
	uint64_t hc = 1;

	EXPECT_EQ(build(CC_MODE_SNP, amdsev_path, 1, false, &cfg, &vm), 0,
		  "the SNP launch should succeed");
	fc = vm ? boot_firmware_fw_cfg(vm) : NULL;
	EXPECT(fc, "an SNP guest should have fw_cfg");
	if (!fc)
		goto out;
	EXPECT(mem_map_gpa_range(&vm->mem, desc_gpa, 2, 0, &hc, NULL) == 0 && !hc,
	       "the guest shares a descriptor page and a buffer page");
	desc = mem_gpa_to_hva(&vm->mem, desc_gpa, PG);
	buf = mem_gpa_to_hva(&vm->mem, buf_gpa, PG);
	put_desc(desc, FW_CFG_DMA_SELECT | FW_CFG_DMA_READ |
			       FW_CFG_SIGNATURE << 16, 4, private_gpa);
	dma_kick(fc, desc_gpa);
	EXPECT(desc[3] == FW_CFG_DMA_ERROR && !desc[0] && !desc[1] && !desc[2],
	       "a read into private RAM should end with the DMA error bit");
	EXPECT_EQ(fc->stats.dma_errors, 1, "and count one DMA error");
	EXPECT(mem_range_allocated_bytes(&vm->mem, private_gpa, PG, &(uint64_t){ 0 },
					 &hc) == 0 && hc == 0,
	       "nothing should be written to the private page's shared side");
	put_desc(desc, FW_CFG_DMA_SELECT | FW_CFG_DMA_READ |
			       FW_CFG_SIGNATURE << 16, 4, buf_gpa);
	dma_kick(fc, desc_gpa);
	EXPECT(!desc[3] && !memcmp(buf, "QEMU", 4),
	       "a read into shared RAM should complete with the item's bytes");
	/* The descriptor itself private: nowhere to report, no completion. */
	dma_kick(fc, private_gpa);
	EXPECT_EQ(fc->stats.dma_errors, 2,
		  "a descriptor in private RAM should be refused");
	check_stats_fw_cfg(vm);
out:
	vm = vm_free(vm);
	vm_config_free(&cfg);
}

/* A CPUID page the firmware corrects: the launch fails and says why. */
static void test_snp_cpuid_rejected(void)
{
	char buf[8192] = "";
	struct vm *vm = NULL;
	struct vm_config cfg;
	int saved, r;
	FILE *f = tmpfile();

	saved = dup(STDERR_FILENO);
	dup2(fileno(f), STDERR_FILENO);
	vm_config_init(&cfg);
	cfg.cc.mode = CC_MODE_SNP;
	cfg.boot.firmware = strdup(amdsev_path);
	vm_config_finish(&cfg);
	model_reset(KVM_X86_SNP_VM);
	m.cpuid_reject = true;
	r = vm_build(&cfg, NULL, 0, &vm);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	(void)!fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	EXPECT(r < 0 && !vm, "a rejected CPUID page should fail the launch");
	EXPECT(strstr(buf, "the firmware allows") &&
	       strstr(buf, "KVM_SEV_SNP_LAUNCH_UPDATE") &&
	       strstr(buf, "INVALID_PARAM"),
	       "the log should name the corrected CPUID entry, got:\n%s", buf);
	vm_config_free(&cfg);
}

static void test_tdx_launch(void)
{
	static const char mrtd[] =
		"a7a1f751abc454f9cbab198ca8d2edb2821935df525c74182b5e776c"
		"b0929e8c59aefecce725b0d08a5e9d3d3183bd08";
	struct vm *vm = NULL;
	struct vm_config cfg;
	int r;

	r = build(CC_MODE_TDX, inteltdx_path, 2, false, &cfg, &vm);
	EXPECT_EQ(r, 0, "the TDX launch should succeed against the model%s%s",
		  m.unknown[0] ? "; unmodelled: " : "", m.unknown);
	EXPECT_EQ(m.violations, 0, "KVM's rules should hold");
	EXPECT(m.td_init_vm && m.init_vm_calls == 3,
	       "INIT_VM should be retried on EAGAIN");
	EXPECT_EQ(m.td_attributes, 1ull << 28,
		  "the default attributes are SEPT_VE_DISABLE");
	EXPECT(m.td_xfam == (0x207 & 0xe7) && m.apic_bus_ns == 40,
	       "XFAM should be CPUID 0xD masked, the APIC bus 25 MHz");
	EXPECT(m.td_finalized && m.finalize_calls == 3,
	       "FINALIZE_VM should be retried on EBUSY and EAGAIN");
	EXPECT(m.tsc_khz_set && m.td_gpaw == 48,
	       "the TSC should be set before INIT_VM, which gets GPAW 48");
	EXPECT(m.vcpus[0].apic_base == 0xfee00d00 &&
	       m.vcpus[1].apic_base == 0xfee00c00,
	       "INIT_VCPU should have put each APIC in x2APIC mode (BSP first)");
	EXPECT(m.nr_vcpus == 2 && m.vcpus[0].rcx == 0x809000 &&
	       m.vcpus[1].rcx == 0x809000,
	       "every vCPU's RCX should be the TD HOB (tdx.md section 4 table)");
	EXPECT(m.vcpus[1].cpuid && m.vcpus[1].cpuid->nent == 6,
	       "KVM_SET_CPUID2 should carry what KVM_TDX_GET_CPUID said");
	/* Handoff info: type 1, length 56, end of list = 0x809000 + 0x1c0. */
	EXPECT(m.hob_page[0] == 1 && m.hob_page[2] == 56 &&
	       !memcmp(m.hob_page + 48, "\xc0\x91\x80", 3),
	       "the TD HOB should be in its section when it is added");
	EXPECT(hex_is(m.mrtd_final, mrtd),
	       "the module's MRTD should be tdx.md's single-pass vector");
	EXPECT(m.split_irqchip && !m.irqchip,
	       "a TD gets the split irqchip, never KVM_CREATE_IRQCHIP");
	if (vm)
		check_after_launch(vm);
	vm = vm_free(vm);
	vm_config_free(&cfg);
}

/*
 * The firmware is read once: vm_validate() reads it for the checks and
 * hands the bytes to vm_build(), which launches from them. Here the file
 * is gone before vm_build() runs: the launch still succeeds with the same
 * MRTD, takes the image (leaves it zeroed), and without the image the
 * same build fails, since it would have to read the file.
 */
static void test_launch_takes_checked_image(void)
{
	static const char mrtd[] =
		"a7a1f751abc454f9cbab198ca8d2edb2821935df525c74182b5e776c"
		"b0929e8c59aefecce725b0d08a5e9d3d3183bd08";
	char path[64], reason[CC_REASON_MAX] = "";
	struct cc_image img = { 0 };
	struct vm *vm = NULL;
	struct vm_config cfg;
	int r;

	write_temp(path, inteltdx, inteltdx_size);
	vm_config_init(&cfg);
	cfg.cc.mode = CC_MODE_TDX;
	cfg.machine.vcpus = 2;
	cfg.boot.firmware = strdup(path);
	vm_config_finish(&cfg);
	r = cc_image_load(&cfg, &img, reason, sizeof(reason));
	EXPECT_EQ(r, 0, "the TDVF should load: %s", reason);
	unlink(path);
	model_reset(KVM_X86_TDX_VM);
	r = vm_build(&cfg, &img, 0, &vm);
	EXPECT_EQ(r, 0, "the launch should run from the checked image");
	EXPECT(!img.fw && !img.fw_size, "vm_build() should take the image");
	EXPECT(hex_is(m.mrtd_final, mrtd),
	       "the MRTD of the handed-over bytes should be the file's");
	vm = vm_free(vm);
	cc_image_free(&img);

	model_reset(KVM_X86_TDX_VM);
	r = vm_build(&cfg, NULL, 0, &vm);
	EXPECT(r < 0 && !vm,
	       "without the image the launch reads the (removed) file and fails");
	vm = vm_free(vm);
	vm_config_free(&cfg);
}

/*
 * A guest that validates (SNP) or accepts (TDX) all its RAM: each private
 * access KVM would refuse (the page's attribute is not PRIVATE) is a
 * KVM_EXIT_MEMORY_FAULT, served as cvmm's vCPU does. RAM private from the
 * start makes that zero faults and zero implicit conversions.
 */
static void test_accept_all_ram(void)
{
	static const enum cc_mode modes[] = { CC_MODE_SNP, CC_MODE_TDX };

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		const char *fw = modes[i] == CC_MODE_SNP ? amdsev_path :
							   inteltdx_path;
		uint64_t pages = 0, faults = 0;
		struct vm *vm = NULL;
		struct vm_config cfg;

		EXPECT_EQ(build(modes[i], fw, 1, false, &cfg, &vm), 0,
			  "the %s launch should succeed",
			  cc_mode_name(modes[i]));
		for (unsigned int r = 0; vm && r < vm->mem.nr_regions; r++) {
			const struct mem_region *reg = &vm->mem.regions[r];

			if (reg->kind != MEM_REGION_RAM)
				continue;
			for (uint64_t gpa = reg->gpa; gpa < reg->gpa + reg->size;
			     gpa += PG, pages++) {
				if (m.private[gpa / PG])
					continue;
				faults++;
				(void)mem_handle_memory_fault(&vm->mem, gpa, PG,
					KVM_MEMORY_EXIT_FLAG_PRIVATE,
					IMPLICIT_ALLOW);
			}
		}
		EXPECT(pages >= 0x10000, "%s: all of RAM should be accepted",
		       cc_mode_name(modes[i]));
		EXPECT_EQ(faults, 0, "%s: no private access to RAM should fault",
			  cc_mode_name(modes[i]));
		EXPECT_EQ(vm ? vm->mem.stats.conversions_implicit : 1, 0,
			  "%s: no implicit conversion should be needed",
			  cc_mode_name(modes[i]));
		vm = vm_free(vm);
		vm_config_free(&cfg);
	}
}

/* A TDX launch whose module stays busy: a bounded retry, then one error. */
static void test_tdx_finalize_busy(void)
{
	char buf[8192] = "";
	struct vm *vm = NULL;
	struct vm_config cfg;
	int saved, r;
	FILE *f = tmpfile();

	saved = dup(STDERR_FILENO);
	dup2(fileno(f), STDERR_FILENO);
	vm_config_init(&cfg);
	cfg.cc.mode = CC_MODE_TDX;
	cfg.boot.firmware = strdup(inteltdx_path);
	vm_config_finish(&cfg);
	model_reset(KVM_X86_TDX_VM);
	m.finalize_always_busy = true;
	r = vm_build(&cfg, NULL, 0, &vm);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	(void)!fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	EXPECT(r == -EBUSY && !vm, "a module busy forever should fail the launch with EBUSY");
	EXPECT_EQ(m.finalize_calls, 100, "FINALIZE_VM should be tried 100 times");
	EXPECT(strstr(buf, "KVM_TDX_FINALIZE_VM") &&
	       strstr(buf, "still busy after 100 tries"),
	       "the error should say the module stayed busy, got:\n%s", buf);
	vm_config_free(&cfg);
}

/* ---- the model against the kernel's rules, ioctl by ioctl ---- */

static void expect_rule(const char *what, long want, long got)
{
	EXPECT(want == got, "model: %s should give %ld, gives %ld", what,
	       want, got);
}

/*
 * The sequence tests/rig/kvm-rules.c runs against the rig's real KVM:
 * the model must answer every step as the kernel does.
 */
static void test_model_kvm_rules(void)
{
	int kvm_fd;

	model_reset(KVM_X86_DEFAULT_VM);
	kvm_fd = open("/dev/kvm", O_RDWR);
	EXPECT_EQ(kvm_rules_run(kvm_fd, expect_rule), 0,
		  "the model should create the VMs and the vCPU");
	EXPECT(!m.unknown[0], "every ioctl should be modelled: %s", m.unknown);
	close(kvm_fd);
}

static long tdx_cmd(int fd, uint32_t id, uint32_t flags, uint64_t data)
{
	struct cvmm_tdx_cmd cmd = { .id = id, .flags = flags, .data = data };

	return ioctl(fd, KVM_MEMORY_ENCRYPT_OP, &cmd) < 0 ? -errno : 0;
}

static long enable_cap_errno(int vm_fd, uint32_t cap, uint64_t arg)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg } };

	return ioctl(vm_fd, KVM_ENABLE_CAP, &c) < 0 ? -errno : 0;
}

static long set_cpuid_errno(int vcpu_fd, bool x2apic)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[ARRAY_SIZE(tdx_conf)];
	} cpuid = { .c.nent = ARRAY_SIZE(tdx_conf) };

	memcpy(cpuid.e, tdx_conf, sizeof(tdx_conf));
	if (!x2apic)
		cpuid.e[0].ecx &= ~CPUID_X2APIC;
	return ioctl(vcpu_fd, KVM_SET_CPUID2, &cpuid) < 0 ? -errno : 0;
}

/* INIT_VM with the model's configurable CPUID and EAX[23:16] = @gpaw. */
static long init_vm_errno(int vm_fd, unsigned int gpaw)
{
	struct {
		struct cvmm_tdx_init_vm init;
		struct kvm_cpuid_entry2 e[ARRAY_SIZE(tdx_conf)];
	} init = {
		.init.attributes = 1ull << 28,
		.init.cpuid.nent = ARRAY_SIZE(tdx_conf),
	};
	long r;

	memcpy(init.e, tdx_conf, sizeof(tdx_conf));
	init.e[ARRAY_SIZE(tdx_conf) - 1].eax = gpaw << 16;
	do
		r = tdx_cmd(vm_fd, CVMM_TDX_INIT_VM, 0, (uintptr_t)&init);
	while (r == -EAGAIN);
	return r;
}

/*
 * The orders cvmm used before tdx.md section 3 was corrected, refused by
 * the model with the kernel's errno, and the corrected order accepted.
 */
static void test_model_rejects_old_tdx_orders(void)
{
	int kvm_fd, vm_fd, vcpu_fd;

	model_reset(KVM_X86_TDX_VM);
	kvm_fd = open("/dev/kvm", O_RDWR);
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_TDX_VM);
	EXPECT_EQ(tdx_cmd(vm_fd, CVMM_TDX_INIT_VCPU, 0, 0), 0 - EINVAL,
		  "a vCPU command on the VM fd is refused");
	/* Old: the APIC bus right after CAPABILITIES, no irqchip yet. */
	EXPECT_EQ(enable_cap_errno(vm_fd, KVM_CAP_X86_APIC_BUS_CYCLES_NS, 40),
		  0 - ENXIO, "APIC_BUS_CYCLES_NS before the irqchip is ENXIO");
	EXPECT_EQ(ioctl(vm_fd, KVM_CREATE_VCPU, 0) < 0 ? -errno : 0, 0 - EIO,
		  "a TD vCPU before INIT_VM is EIO");
	EXPECT_EQ(ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 ? -errno : 0,
		  0 - ENOTTY, "a TD has no in-kernel IOAPIC/PIC: ENOTTY");
	EXPECT_EQ(enable_cap_errno(vm_fd, KVM_CAP_SPLIT_IRQCHIP, 24), 0,
		  "the split irqchip first");
	EXPECT_EQ(enable_cap_errno(vm_fd, KVM_CAP_X86_APIC_BUS_CYCLES_NS, 0),
		  0 - EINVAL, "a bus period of 0 is EINVAL");
	EXPECT_EQ(enable_cap_errno(vm_fd, KVM_CAP_X86_APIC_BUS_CYCLES_NS, 40),
		  0, "then the APIC bus");
	EXPECT_EQ(ioctl(vm_fd, KVM_SET_TSC_KHZ, 0), 0, "then the TSC");
	/* Old: the masked CPUID, whose 0x80000008 EAX[23:16] was left 0. */
	EXPECT_EQ(init_vm_errno(vm_fd, 0), 0 - EINVAL,
		  "INIT_VM without a GPAW is EINVAL");
	EXPECT_EQ(init_vm_errno(vm_fd, 46), 0 - EINVAL,
		  "INIT_VM with GPAW 46 is EINVAL");
	EXPECT_EQ(init_vm_errno(vm_fd, 48), 0, "INIT_VM with GPAW 48");
	EXPECT_EQ(init_vm_errno(vm_fd, 48), 0 - EINVAL, "INIT_VM only once");
	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	EXPECT(vcpu_fd >= 0, "the vCPU after INIT_VM");
	EXPECT_EQ(ioctl(vm_fd, KVM_SET_TSC_KHZ, 0) < 0 ? -errno : 0,
		  0 - EINVAL, "the VM's TSC once a vCPU exists is EINVAL");
	EXPECT_EQ(enable_cap_errno(vm_fd, KVM_CAP_X86_APIC_BUS_CYCLES_NS, 40),
		  0 - EINVAL, "the APIC bus once a vCPU exists is EINVAL");
	/* Old: INIT_VCPU before KVM_SET_CPUID2. */
	EXPECT_EQ(tdx_cmd(vcpu_fd, CVMM_TDX_INIT_VCPU, 0, 0x809000), 0 - EINVAL,
		  "INIT_VCPU before any CPUID is EINVAL (x2APIC base reserved)");
	EXPECT_EQ(set_cpuid_errno(vcpu_fd, false), 0, "a CPUID without X2APIC");
	EXPECT_EQ(tdx_cmd(vcpu_fd, CVMM_TDX_INIT_VCPU, 0, 0x809000), 0 - EINVAL,
		  "INIT_VCPU with a CPUID lacking X2APIC is EINVAL");
	EXPECT_EQ(set_cpuid_errno(vcpu_fd, true), 0, "a CPUID with X2APIC");
	EXPECT_EQ(tdx_cmd(vcpu_fd, CVMM_TDX_INIT_VCPU, 1, 0x809000), 0 - EINVAL,
		  "INIT_VCPU with flags is EINVAL");
	EXPECT_EQ(tdx_cmd(vcpu_fd, CVMM_TDX_INIT_VCPU, 0, 0x809000), 0,
		  "INIT_VCPU after KVM_SET_CPUID2 with X2APIC");
	EXPECT_EQ(tdx_cmd(vcpu_fd, CVMM_TDX_INIT_VCPU, 0, 0x809000), 0 - EINVAL,
		  "INIT_VCPU only once");
	/* Old: FINALIZE_VM retried on EAGAIN only. */
	EXPECT_EQ(tdx_cmd(vm_fd, CVMM_TDX_FINALIZE_VM, 0, 0), 0 - EBUSY,
		  "FINALIZE_VM may find the module busy: EBUSY");
	EXPECT_EQ(tdx_cmd(vm_fd, CVMM_TDX_FINALIZE_VM, 0, 0), 0 - EAGAIN,
		  "then EAGAIN");
	EXPECT_EQ(tdx_cmd(vm_fd, CVMM_TDX_FINALIZE_VM, 0, 0), 0, "then 0");
	EXPECT_EQ(tdx_cmd(vcpu_fd, CVMM_TDX_GET_CPUID, 0, 0), 0 - EINVAL,
		  "vCPU commands after FINALIZE_VM are EINVAL");
	close(vcpu_fd);
	close(vm_fd);
	close(kvm_fd);
}

/*
 * The GPA-width check as QEMU does it: the masked INIT_VM CPUID reads 0
 * in 0x80000008 EAX[7:0] (not configurable), the supported CPUID does not.
 */
static void test_gpa_width_source(void)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[16];
	} host = { .c.nent = 16 }, conf = { .c.nent = ARRAY_SIZE(tdx_conf) };
	struct kvm_cpuid_entry2 masked[16];
	uint32_t n;

	model_reset(KVM_X86_TDX_VM);
	EXPECT_EQ(supported_cpuid(&host.c), 0, "the model's supported CPUID");
	memcpy(conf.e, tdx_conf, sizeof(tdx_conf));
	n = tdx_cpuid_mask(&host.c, &conf.c, masked);
	EXPECT_EQ(cpuid_phys_bits(masked, n), 0,
		  "the masked CPUID's physical-address width reads 0");
	EXPECT_EQ(cpuid_phys_bits(host.e, host.c.nent), host_phys_bits(),
		  "the supported CPUID's is the host's");
}

/* SNP: SEV_INIT2 after a vCPU, LAUNCH_UPDATE of a shared page. */
static void test_model_rejects_old_snp_orders(void)
{
	struct cvmm_sev_init init = {};
	struct cvmm_sev_snp_launch_start start = { .policy = 0x30000 };
	struct cvmm_sev_snp_launch_update u = {
		.gfn_start = 0x800, .len = PG, .type = SNP_PAGE_TYPE_ZERO,
	};
	struct cvmm_sev_cmd cmd;
	int kvm_fd, vm_fd, vcpu_fd, sev_fd;

	model_reset(KVM_X86_SNP_VM);
	kvm_fd = open("/dev/kvm", O_RDWR);
	sev_fd = open("/dev/sev", O_RDWR);
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_SNP_VM);
	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	cmd = (struct cvmm_sev_cmd){ .id = CVMM_SEV_INIT2,
		.data = (uintptr_t)&init, .sev_fd = sev_fd };
	EXPECT_EQ(ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd) < 0 ? -errno : 0,
		  0 - EINVAL, "SEV_INIT2 once a vCPU exists is EINVAL");
	close(vcpu_fd);
	close(vm_fd);
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_SNP_VM);
	EXPECT_EQ(ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd), 0, "SEV_INIT2");
	cmd.id = CVMM_SEV_SNP_LAUNCH_START;
	cmd.data = (uintptr_t)&start;
	EXPECT_EQ(ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd), 0, "LAUNCH_START");
	cmd.id = CVMM_SEV_SNP_LAUNCH_UPDATE;
	cmd.data = (uintptr_t)&u;
	m.snp_update_calls = 2;	/* no injected EAGAIN here */
	EXPECT_EQ(ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd) < 0 ? -errno : 0,
		  0 - EINVAL, "LAUNCH_UPDATE of a shared page is EINVAL");
	close(vm_fd);
	close(sev_fd);
	close(kvm_fd);
}

/* An ID block (LD, policy 0x30000) and ID auth (no author key) as files. */
static void write_id_files(char *block_path, char *auth_path, const char *ld,
			   uint8_t *ret_block, uint8_t *ret_auth)
{
	memset(ret_block, 0, 96);
	memset(ret_auth, 0, 4096);
	for (int i = 0; i < 48; i++)
		sscanf(ld + 2 * i, "%2hhx", &ret_block[i]);
	memset(ret_block + 0x30, 0xf1, 16);	/* family id */
	memset(ret_block + 0x40, 0x1d, 16);	/* image id */
	put32(ret_block + 0x50, 1);		/* version */
	put32(ret_block + 0x54, 3);		/* guest SVN */
	put64(ret_block + 0x58, 0x30000);	/* policy */
	put32(ret_auth, 1);			/* ID key: ECDSA P-384 */
	put32(ret_auth + 0x240, 2);		/* curve P-384 */
	write_temp(block_path, ret_block, 96);
	write_temp(auth_path, ret_auth, 4096);
}

/*
 * SNP_LAUNCH_FINISH gets the ID block, its auth and HOST_DATA in the
 * fields KVM reads; a block for another launch is refused before any VM.
 */
static void test_snp_launch_inputs(void)
{
	char block_path[64], auth_path[64], bad_path[64], bad_auth[64];
	uint8_t block[96], auth[4096], bad[96], bad_a[4096];
	char log[4096] = "";
	struct vm *vm = NULL;
	struct vm_config cfg;
	FILE *f = tmpfile();
	int saved, r;

	write_id_files(block_path, auth_path, snp_vectors[0].digest, block,
		       auth);
	/* The 4-vCPU digest, for a 1-vCPU launch. */
	write_id_files(bad_path, bad_auth, snp_vectors[2].digest, bad, bad_a);
	vm_config_init(&cfg);
	cfg.cc.mode = CC_MODE_SNP;
	cfg.boot.firmware = strdup(amdsev_path);
	cfg.cc.snp.id_block = strdup(block_path);
	cfg.cc.snp.id_auth = strdup(auth_path);
	for (int i = 0; i < 32; i++)
		cfg.cc.snp.host_data[i] = 0xa0 + i;
	cfg.cc.snp.host_data_set = true;
	vm_config_finish(&cfg);
	model_reset(KVM_X86_SNP_VM);
	r = vm_build(&cfg, NULL, 0, &vm);
	EXPECT_EQ(r, 0, "an SNP launch with an ID block should succeed%s%s",
		  m.unknown[0] ? "; unmodelled: " : "", m.unknown);
	EXPECT_EQ(m.violations, 0, "KVM's rules should hold");
	EXPECT(m.finished && m.id_block_en && !m.auth_key_en,
	       "LAUNCH_FINISH should enable the ID block, without an author key");
	EXPECT(!memcmp(m.id_block, block, 96) && !memcmp(m.id_auth, auth, 4096),
	       "KVM should find the ID block and auth at their uaddrs");
	EXPECT(m.host_data[0] == 0xa0 && m.host_data[31] == 0xa0 + 31,
	       "host_data should reach LAUNCH_FINISH byte for byte");
	vm = vm_free(vm);
	free(cfg.cc.snp.id_block);
	cfg.cc.snp.id_block = strdup(bad_path);
	model_reset(KVM_X86_SNP_VM);
	saved = dup(STDERR_FILENO);
	dup2(fileno(f), STDERR_FILENO);
	r = vm_build(&cfg, NULL, 0, &vm);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	(void)!fread(log, 1, sizeof(log) - 1, f);
	fclose(f);
	EXPECT(r == -EINVAL && !vm, "an ID block for another launch should be refused");
	EXPECT(strstr(log, "cc.snp.id_block: its launch digest 13a6ae9f") &&
	       strstr(log, "is not this launch's d74bd3ea") &&
	       strstr(log, "(vCPU signature 0x800f12)"),
	       "the refusal should name both digests and the signature, got:\n%s",
	       log);
	EXPECT(m.create_vm_calls == 0 && !m.started,
	       "the refusal should come before KVM_CREATE_VM");
	vm = vm_free(vm);
	vm_config_free(&cfg);
	unlink(block_path);
	unlink(auth_path);
	unlink(bad_path);
	unlink(bad_auth);
}

/* cc.snp.certs: the certificate exit enabled before the first vCPU. */
static void test_snp_req_certs_enabled(void)
{
	uint8_t table[24 * 2 + 16] = { 0x8d, 0x75, 0xda, 0x63 };
	char path[64];
	struct vm *vm = NULL;
	struct vm_config cfg;
	int r;

	table[16] = 48;		/* offset: after the terminator */
	table[20] = 16;		/* length */
	write_temp(path, table, sizeof(table));
	vm_config_init(&cfg);
	cfg.cc.mode = CC_MODE_SNP;
	cfg.boot.firmware = strdup(amdsev_path);
	cfg.cc.snp.certs = strdup(path);
	vm_config_finish(&cfg);
	model_reset(KVM_X86_SNP_VM);
	r = vm_build(&cfg, NULL, 0, &vm);
	EXPECT_EQ(r, 0, "an SNP launch with certificates should succeed%s%s",
		  m.unknown[0] ? "; unmodelled: " : "", m.unknown);
	EXPECT(m.req_certs, "KVM_SEV_SNP_ENABLE_REQ_CERTS should be issued, before the vCPUs");
	EXPECT(vm && vm->cc->img.snp_certs_size == sizeof(table),
	       "the launch should hold the table it serves");
	vm = vm_free(vm);
	vm_config_free(&cfg);
	unlink(path);
}

/* MRCONFIGID, MROWNER, MROWNERCONFIG in KVM_TDX_INIT_VM's fields. */
static void test_tdx_launch_inputs(void)
{
	struct vm *vm = NULL;
	struct vm_config cfg;
	uint8_t want[3][48];
	int r;

	vm_config_init(&cfg);
	cfg.cc.mode = CC_MODE_TDX;
	cfg.boot.firmware = strdup(inteltdx_path);
	for (int i = 0; i < 48; i++) {
		want[0][i] = cfg.cc.tdx.mrconfigid[i] = i;
		want[2][i] = cfg.cc.tdx.mrownerconfig[i] = 0xff - i;
	}
	memset(want[1], 0, 48);
	cfg.cc.tdx.mrconfigid_set = cfg.cc.tdx.mrownerconfig_set = true;
	vm_config_finish(&cfg);
	model_reset(KVM_X86_TDX_VM);
	r = vm_build(&cfg, NULL, 0, &vm);
	EXPECT_EQ(r, 0, "a TDX launch with owner inputs should succeed%s%s",
		  m.unknown[0] ? "; unmodelled: " : "", m.unknown);
	EXPECT(!memcmp(m.td_mr[0], want[0], 48),
	       "MRCONFIGID should be INIT_VM's mrconfigid, byte for byte");
	EXPECT(!memcmp(m.td_mr[1], want[1], 48),
	       "an unset MROWNER should stay zero");
	EXPECT(!memcmp(m.td_mr[2], want[2], 48),
	       "MROWNERCONFIG should be INIT_VM's mrownerconfig");
	vm = vm_free(vm);
	vm_config_free(&cfg);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_snp_launch),
		TEST_CASE(test_launch_boot_files),
		TEST_CASE(test_fw_cfg_dma_private),
		TEST_CASE(test_snp_cpuid_rejected),
		TEST_CASE(test_tdx_launch),
		TEST_CASE(test_launch_takes_checked_image),
		TEST_CASE(test_snp_launch_inputs),
		TEST_CASE(test_snp_req_certs_enabled),
		TEST_CASE(test_tdx_launch_inputs),
		TEST_CASE(test_tdx_finalize_busy),
		TEST_CASE(test_accept_all_ram),
		TEST_CASE(test_model_kvm_rules),
		TEST_CASE(test_model_rejects_old_tdx_orders),
		TEST_CASE(test_gpa_width_source),
		TEST_CASE(test_model_rejects_old_snp_orders),
	};
	int r;

	amdsev = fixture_load("OVMF.amdsev.fd", AMDSEV_SHA256, &amdsev_size);
	if (amdsev)
		inteltdx = fixture_load("OVMF.inteltdx.ms.fd", INTELTDX_SHA256,
					&inteltdx_size);
	if (!amdsev || !inteltdx) {
		if (test_failed_checks)
			return 1;
		TEST_SKIP("%s", skip_why);
	}
	write_temp(amdsev_path, amdsev, amdsev_size);
	write_temp(inteltdx_path, inteltdx, inteltdx_size);
	log_set_level(LOG_LEVEL_WARNING);
	r = test_run(cases, ARRAY_SIZE(cases));
	unlink(amdsev_path);
	unlink(inteltdx_path);
	free(amdsev);
	free(inteltdx);
	return r;
}
