// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUID template and the reset-time MSR and LAPIC state of the vCPUs.
 *
 * KVM_GET_SUPPORTED_CPUID says what KVM can virtualise, not a coherent
 * CPU: its XSAVE leaves come from the host (under nested KVM, from an
 * emulated CPU whose leaves a guest kernel may reject), it has no
 * topology, and some paravirt bits need VMM support. cpu_build_cpuid()
 * makes one coherent CPU of it for nr_vcpus single-threaded cores in one
 * package.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "vmm/x86/cpu.h"
#include "lib/kvm.h"

/* XSAVE components (Intel SDM vol. 1 section 13.1). */
#define XFEATURE_X87 (1ull << 0)
#define XFEATURE_SSE (1ull << 1)
#define XFEATURE_AVX (1ull << 2)
#define XFEATURE_AVX512 (7ull << 5)
#define XFEATURE_PKRU (1ull << 9)
/*
 * User-state components a guest may get. MPX (3, 4) is gone from Linux;
 * AMX (17, 18) needs XFD and permission requests; supervisor states
 * (XSS) are not offered, see leaf 0xD.1.
 */
#define XFEATURES_ALLOWED (XFEATURE_X87 | XFEATURE_SSE | XFEATURE_AVX | \
			   XFEATURE_AVX512 | XFEATURE_PKRU)
/* The legacy region and the XSAVE header come before component 2. */
#define XSAVE_LEGACY_SIZE 576

#define CPUID_1_ECX_FMA (1u << 12)
#define CPUID_1_ECX_AVX (1u << 28)
#define CPUID_1_ECX_F16C (1u << 29)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_EDX_HTT (1u << 28)
#define CPUID_7_EBX_AVX2 (1u << 5)
/* AVX512 F, DQ, IFMA, PF, ER, CD, BW, VL. */
#define CPUID_7_EBX_AVX512 0xdc230000u
/* VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ. */
#define CPUID_7_ECX_AVX512 0x00005842u
#define CPUID_7_ECX_PKU (1u << 3)
/* 4VNNIW, 4FMAPS, VP2INTERSECT, FP16. */
#define CPUID_7_EDX_AVX512 0x0080010cu
/* Leaf 0xD.1 EAX: XSAVEOPT and XGETBV1 stay; XSAVEC, XSAVES, XFD go. */
#define CPUID_D1_EAX_KEEP 0x5u
#define CPUID_8000_0001_ECX_TOPOEXT (1u << 22)
/*
 * Leaf 1 EAX (and AMD's 0x80000001 EAX): stepping 3:0, model 7:4, family
 * 11:8, extended model 19:16, extended family 27:20, the latter added to
 * the family only when the family field is 0xf.
 */
#define CPUID_EAX_FAMILY_MASK 0x0ff00f00u
#define CPUID_EAX_FAMILY(eax) (((eax) >> 8 & 0xf) == 0xf ? \
			       0xf + ((eax) >> 20 & 0xff) : (eax) >> 8 & 0xf)
#define CPUID_EAX_MODEL(eax) (((eax) >> 4 & 0xf) | ((eax) >> 12 & 0xf0))
/* Family 0x11 as the fields say it: 0xf plus 2. */
#define CPUID_EAX_AMD_FAMILY_11H (0xfu << 8 | 0x2u << 20)
/* KVM_FEATURE_MSI_EXT_DEST_ID: a userspace IOAPIC would have to know. */
#define KVM_PV_MSI_EXT_DEST_ID (1u << 15)

/* Leaf 0xB level types. */
#define TOPO_SMT 1
#define TOPO_CORE 2

#define MSR_IA32_TSC 0x10
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MISC_ENABLE_FAST_STRING (1ull << 0)
#define MSR_MTRR_DEF_TYPE 0x2ff
#define MTRR_ENABLE (1ull << 11)
#define MTRR_TYPE_WB 6

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_DM_NMI 0x400
#define APIC_DM_EXTINT 0x700

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t fn,
				     uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

/* Drop the entries of leaf fn whose index is in [first, last]. */
static void drop(struct kvm_cpuid2 *c, uint32_t fn, uint32_t first,
		 uint32_t last)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == fn && e->index >= first && e->index <= last)
			continue;
		c->entries[n++] = *e;
	}
	c->nent = n;
}

static int append(struct kvm_cpuid2 **cpuid, const struct kvm_cpuid_entry2 *e)
{
	struct kvm_cpuid2 *c = *cpuid;

	c = realloc(c, sizeof(*c) + (c->nent + 1) * sizeof(c->entries[0]));
	if (!c)
		return -ENOMEM;
	c->entries[c->nent++] = *e;
	*cpuid = c;
	return 0;
}

uint64_t cpu_cpuid_xcr0(const struct kvm_cpuid2 *cpuid)
{
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 0xd && e->index == 0)
			return e->eax | (uint64_t)e->edx << 32;
	}
	return 0;
}

/* The allowed components KVM offers and describes sanely. */
static uint64_t usable_xfeatures(struct kvm_cpuid2 *c,
				 const struct kvm_cpuid_entry2 *d0)
{
	uint64_t xcr0 = (d0->eax | (uint64_t)d0->edx << 32) & XFEATURES_ALLOWED;

	for (uint32_t i = 2; i < 63; i++) {
		const struct kvm_cpuid_entry2 *e = find(c, 0xd, i);

		if ((xcr0 & (1ull << i)) &&
		    (!e || !e->eax || e->ebx < XSAVE_LEGACY_SIZE))
			xcr0 &= ~(1ull << i);
	}
	if (!(xcr0 & XFEATURE_AVX))
		xcr0 &= ~XFEATURE_AVX512;
	/* AVX-512 is three components or none. */
	if ((xcr0 & XFEATURE_AVX512) != XFEATURE_AVX512)
		xcr0 &= ~XFEATURE_AVX512;
	return xcr0;
}

/*
 * Make leaf 0xD agree with the components kept: the guest kernel checks
 * that the components it enables add up to the sizes CPUID gives
 * (standard format; XSAVES and its compacted format are not offered).
 */
static uint64_t fix_xsave_leaves(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *d0 = find(c, 0xd, 0), *d1 = find(c, 0xd, 1);
	uint64_t xcr0, size = XSAVE_LEGACY_SIZE;

	if (!d0)
		return 0;
	xcr0 = usable_xfeatures(c, d0);
	for (uint32_t i = 2; i < 63; i++) {
		const struct kvm_cpuid_entry2 *e = find(c, 0xd, i);

		if (xcr0 & (1ull << i))
			size = MAX(size, (uint64_t)e->ebx + e->eax);
		else
			drop(c, 0xd, i, i);
	}
	d0 = find(c, 0xd, 0);
	d0->eax = (uint32_t)xcr0;
	d0->edx = xcr0 >> 32;
	d0->ebx = d0->ecx = size;
	d1 = find(c, 0xd, 1);
	if (d1) {
		d1->eax &= CPUID_D1_EAX_KEEP;
		d1->ebx = d1->ecx = d1->edx = 0;
	}
	return xcr0;
}

/* No instruction may be advertised whose state XCR0 cannot hold. */
static void fix_xsave_features(struct kvm_cpuid2 *c, uint64_t xcr0)
{
	struct kvm_cpuid_entry2 *l1 = find(c, 1, 0), *l7 = find(c, 7, 0);

	if (!(xcr0 & XFEATURE_AVX) && l1)
		l1->ecx &= ~(CPUID_1_ECX_AVX | CPUID_1_ECX_FMA |
			     CPUID_1_ECX_F16C);
	if (!l7)
		return;
	if (!(xcr0 & XFEATURE_AVX))
		l7->ebx &= ~CPUID_7_EBX_AVX2;
	if (!(xcr0 & XFEATURE_AVX512)) {
		l7->ebx &= ~CPUID_7_EBX_AVX512;
		l7->ecx &= ~CPUID_7_ECX_AVX512;
		l7->edx &= ~CPUID_7_EDX_AVX512;
	}
	if (!(xcr0 & XFEATURE_PKRU))
		l7->ecx &= ~CPUID_7_ECX_PKU;
}

static uint32_t order_base_2(uint32_t n)
{
	return n <= 1 ? 0 : 32 - __builtin_clz(n - 1);
}

/*
 * Leaf 0xB: one thread per core, nr_vcpus cores per package. The x2APIC
 * ID in EDX is per vCPU (x86_set_cpuid()).
 */
static int add_topology_leaf(struct kvm_cpuid2 **cpuid, uint32_t nr_vcpus)
{
	const struct kvm_cpuid_entry2 levels[] = {
		{ .function = 0xb, .index = 0,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		  .eax = 0, .ebx = 1, .ecx = TOPO_SMT << 8 | 0 },
		{ .function = 0xb, .index = 1,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
		  .eax = order_base_2(nr_vcpus), .ebx = nr_vcpus,
		  .ecx = TOPO_CORE << 8 | 1 },
		{ .function = 0xb, .index = 2,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ecx = 2 },
	};
	int r;

	drop(*cpuid, 0xb, 0, ~0u);
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++) {
		r = append(cpuid, &levels[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int fix_topology(struct kvm_cpuid2 **cpuid, uint32_t nr_vcpus)
{
	struct kvm_cpuid2 *c = *cpuid;
	struct kvm_cpuid_entry2 *e;

	e = find(c, 1, 0);
	if (e && nr_vcpus > 1)
		e->edx |= CPUID_1_EDX_HTT;
	/* Intel: cores per package in leaf 4 EAX[31:26], minus one. */
	for (uint32_t i = 0; (e = find(c, 4, i)) && (e->eax & 0x1f); i++)
		e->eax = (e->eax & 0x03ffffff) | (MIN(nr_vcpus, 64u) - 1) << 26;
	/* AMD: NC and ApicIdCoreIdSize in 0x80000008 ECX. */
	e = find(c, 0x80000008, 0);
	if (e)
		e->ecx = (e->ecx & ~0xf0ffu) | (nr_vcpus - 1) |
			 order_base_2(nr_vcpus) << 12;
	/* AMD's extended topology would need per-vCPU node and core IDs. */
	e = find(c, 0x80000001, 0);
	if (e)
		e->ecx &= ~CPUID_8000_0001_ECX_TOPOEXT;
	drop(c, 0x8000001e, 0, ~0u);
	drop(c, 0x80000026, 0, ~0u);
	/* Leaf 0x1F would take precedence over 0xB with KVM's zeros. */
	drop(c, 0x1f, 0, ~0u);
	e = find(c, 0, 0);
	if (!e || e->eax < 0xb)
		return 0;
	return add_topology_leaf(cpuid, nr_vcpus);
}

static void fix_paravirt(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = find(c, 1, 0);

	if (e)
		e->ecx |= CPUID_1_ECX_HYPERVISOR;
	e = find(c, KVM_CPUID_FEATURES, 0);
	if (e)
		e->eax &= ~KVM_PV_MSI_EXT_DEST_ID;
}

static bool vendor_is_amd(struct kvm_cpuid2 *c)
{
	const struct kvm_cpuid_entry2 *e = find(c, 0, 0);

	/* "AuthenticAMD" in EBX, EDX, ECX. */
	return e && e->ebx == 0x68747541 && e->edx == 0x69746e65 &&
	       e->ecx == 0x444d4163;
}

/*
 * Linux takes an AMD family 0xf, 0x10 or 0x15 model 0-0xf CPU to have a
 * northbridge GART (amd_gart_present()) and, looking for it and for an
 * AGP bridge, reads every slot of every PCI bus through 0xcf8/0xcfc, twice
 * during boot: about 33,000 port exits, for hardware this platform does
 * not have. Emulated host CPUs do claim such families: QEMU's TCG CPUs
 * (the rig's) say family 0xf. Such a CPU is presented as family 0x11, the
 * K8-derived family Linux treats the same way (no Meltdown, SSB, L1TF or
 * MDS) without probing for a GART; model and stepping stay.
 */
static void fix_family(struct kvm_cpuid2 *c)
{
	const uint32_t leaves[] = { 1, 0x80000001 };
	struct kvm_cpuid_entry2 *e = find(c, 1, 0);
	uint32_t family, model, signature;

	if (!e || !vendor_is_amd(c))
		return;
	signature = e->eax;
	family = CPUID_EAX_FAMILY(signature);
	model = CPUID_EAX_MODEL(signature);
	if (family != 0xf && family != 0x10 &&
	    !(family == 0x15 && model < 0x10))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		e = find(c, leaves[i], 0);
		if (e && e->eax == signature)
			e->eax = (e->eax & ~CPUID_EAX_FAMILY_MASK) |
				 CPUID_EAX_AMD_FAMILY_11H;
	}
}

int cpu_build_cpuid(struct kvm_cpuid2 **cpuid, unsigned int nr_vcpus)
{
	uint64_t xcr0 = fix_xsave_leaves(*cpuid);

	fix_xsave_features(*cpuid, xcr0);
	fix_paravirt(*cpuid);
	fix_family(*cpuid);
	return fix_topology(cpuid, nr_vcpus);
}

static int set_msrs(int vcpu_fd)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entries[3];
	} msrs = {
		.hdr.nmsrs = 3,
		.entries = {
			{ .index = MSR_IA32_MISC_ENABLE,
			  .data = MISC_ENABLE_FAST_STRING },
			{ .index = MSR_MTRR_DEF_TYPE,
			  .data = MTRR_ENABLE | MTRR_TYPE_WB },
			/* The same on every vCPU: KVM syncs their TSCs. */
			{ .index = MSR_IA32_TSC, .data = 0 },
		},
	};
	int r = kvm_ioctl(vcpu_fd, KVM_SET_MSRS, &msrs.hdr);

	if (r < 0)
		return r;
	/* KVM_SET_MSRS stops at the first MSR it refuses. */
	if (r < (int)msrs.hdr.nmsrs) {
		log_error("KVM_SET_MSRS refused MSR 0x%x",
			  msrs.entries[r].index);
		return -EINVAL;
	}
	return 0;
}

static void set_lvt(struct kvm_lapic_state *s, uint32_t reg, uint32_t v)
{
	memcpy(s->regs + reg, &v, sizeof(v));
}

/*
 * XCR0 starts with every component CPUID offers, the value Linux sets
 * itself. KVM sizes CPUID(0xD,0).EBX by the XCR0 it knows of; a nested
 * KVM on an emulated CPU that does not intercept XSETBV (the rig's) never
 * learns the guest's own write, and the guest then finds its XSAVE sizes
 * inconsistent and fails to boot.
 */
static int set_xcr0(int vcpu_fd, uint64_t xcr0)
{
	struct kvm_xcrs xcrs = {
		.nr_xcrs = 1,
		.xcrs = { { .xcr = 0, .value = xcr0 } },
	};
	int r;

	if (xcr0 <= XFEATURE_X87)
		return 0;
	r = kvm_ioctl(vcpu_fd, KVM_SET_XCRS, &xcrs);
	return r < 0 ? r : 0;
}

int cpu_init_pc_state(int vcpu_fd, uint64_t xcr0)
{
	struct kvm_lapic_state lapic;
	int r;

	r = set_msrs(vcpu_fd);
	if (r < 0)
		return r;
	r = set_xcr0(vcpu_fd, xcr0);
	if (r < 0)
		return r;
	r = kvm_ioctl(vcpu_fd, KVM_GET_LAPIC, &lapic);
	if (r < 0)
		return r;
	/* Virtual-wire mode, as the BIOS leaves it for the PIC and NMIs. */
	set_lvt(&lapic, APIC_LVT0, APIC_DM_EXTINT);
	set_lvt(&lapic, APIC_LVT1, APIC_DM_NMI);
	r = kvm_ioctl(vcpu_fd, KVM_SET_LAPIC, &lapic);
	return r < 0 ? r : 0;
}
