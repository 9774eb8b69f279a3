// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_TDX_INIT_VM's CPUID and XFAM (tdx.md section 3 step 6). KVM refuses
 * bits outside the configurable mask with EINVAL, so the mask is applied
 * here rather than left to the host's good luck.
 */
#include <errno.h>
#include <stddef.h>

#include "cc/tdx-cpuid.h"

static const struct kvm_cpuid_entry2 *
find(const struct kvm_cpuid_entry2 *e, uint32_t nent, uint32_t function,
     uint32_t index)
{
	for (uint32_t i = 0; i < nent; i++)
		if (e[i].function == function && e[i].index == index)
			return &e[i];
	return NULL;
}

int tdx_cpuid_set_gpaw(struct kvm_cpuid_entry2 *e, uint32_t nent,
		       unsigned int gpaw)
{
	struct kvm_cpuid_entry2 *x;

	x = (struct kvm_cpuid_entry2 *)find(e, nent, 0x80000008, 0);
	if (!x)
		return -ENOENT;
	x->eax = (x->eax & ~0x00ff0000u) | (gpaw & 0xff) << 16;
	return 0;
}

int cpuid_set_x2apic(struct kvm_cpuid_entry2 *e, uint32_t nent)
{
	struct kvm_cpuid_entry2 *leaf1;

	leaf1 = (struct kvm_cpuid_entry2 *)find(e, nent, 1, 0);
	if (!leaf1)
		return -ENOENT;
	leaf1->ecx |= CPUID_1_ECX_X2APIC;
	return 0;
}

uint32_t tdx_cpuid_mask(const struct kvm_cpuid2 *host,
			const struct kvm_cpuid2 *conf,
			struct kvm_cpuid_entry2 *ret)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < host->nent; i++) {
		const struct kvm_cpuid_entry2 *h = &host->entries[i];
		const struct kvm_cpuid_entry2 *c;

		c = find(conf->entries, conf->nent, h->function, h->index);
		if (!c)
			continue;
		ret[n] = *h;
		ret[n].eax &= c->eax;
		ret[n].ebx &= c->ebx;
		ret[n].ecx &= c->ecx;
		ret[n].edx &= c->edx;
		n++;
	}
	return n;
}

uint64_t tdx_cpuid_xfam(const struct kvm_cpuid_entry2 *e, uint32_t nent)
{
	const struct kvm_cpuid_entry2 *xcr0 = find(e, nent, 0xd, 0);
	const struct kvm_cpuid_entry2 *xss = find(e, nent, 0xd, 1);
	uint64_t xfam = 0;

	if (xcr0)
		xfam |= (uint64_t)xcr0->edx << 32 | xcr0->eax;
	if (xss)
		xfam |= (uint64_t)xss->edx << 32 | xss->ecx;
	return xfam;
}

unsigned int cpuid_phys_bits(const struct kvm_cpuid_entry2 *e, uint32_t nent)
{
	const struct kvm_cpuid_entry2 *x = find(e, nent, 0x80000008, 0);

	return x ? x->eax & 0xff : 0;
}
