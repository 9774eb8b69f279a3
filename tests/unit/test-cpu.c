// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPU family a guest is shown: an AMD family for which Linux probes a
 * northbridge GART (0xf, 0x10, 0x15 models 0-0xf) becomes 0x11 in leaves 1
 * and 0x80000001, model and stepping kept; other families and vendors are
 * left as KVM reports them.
 */
#include <stdlib.h>

#include "tests/test.h"
#include "vmm/x86/cpu.h"

#define AMD_EBX 0x68747541 /* "Auth" */
#define AMD_EDX 0x69746e65 /* "enti" */
#define AMD_ECX 0x444d4163 /* "cAMD" */
#define INTEL_EBX 0x756e6547 /* "Genu" */
#define INTEL_EDX 0x49656e69 /* "ineI" */
#define INTEL_ECX 0x6c65746e /* "ntel" */

/* Leaf 1 EAX of the given family, model and stepping. */
static uint32_t signature(uint32_t family, uint32_t model, uint32_t stepping)
{
	uint32_t base = family < 0xf ? family : 0xf;

	return (family - base) << 20 | (model >> 4) << 16 | base << 8 |
	       (model & 0xf) << 4 | stepping;
}

/* Run a CPUID of vendor (EBX, EDX, ECX) and signature eax through. */
static struct kvm_cpuid2 *build(uint32_t ebx, uint32_t edx, uint32_t ecx,
				uint32_t eax)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 3 * sizeof(c->entries[0]));

	c->nent = 3;
	c->entries[0] = (struct kvm_cpuid_entry2){
		.function = 0, .eax = 0xd, .ebx = ebx, .ecx = ecx, .edx = edx };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 1, .eax = eax };
	c->entries[2] = (struct kvm_cpuid_entry2){
		.function = 0x80000001, .eax = eax };
	EXPECT(cpu_build_cpuid(&c, 1) == 0, "the CPUID should build");
	return c;
}

static uint32_t leaf_eax(const struct kvm_cpuid2 *c, uint32_t fn)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn)
			return c->entries[i].eax;
	return 0;
}

static void expect_amd(uint32_t family, uint32_t model, uint32_t shown)
{
	struct kvm_cpuid2 *c = build(AMD_EBX, AMD_EDX, AMD_ECX,
				     signature(family, model, 1));

	EXPECT_EQ(leaf_eax(c, 1), signature(shown, model, 1),
		  "AMD family 0x%x model 0x%x should be shown as family 0x%x",
		  family, model, shown);
	EXPECT_EQ(leaf_eax(c, 0x80000001), signature(shown, model, 1),
		  "0x80000001 should agree with leaf 1 for family 0x%x",
		  family);
	free(c);
}

static void test_gart_families_become_11h(void)
{
	/* QEMU's TCG CPUs (qemu64, max): family 15, model 107. */
	expect_amd(0xf, 0x6b, 0x11);
	expect_amd(0xf, 0x05, 0x11);
	expect_amd(0x10, 0x04, 0x11);
	expect_amd(0x15, 0x01, 0x11);
	expect_amd(0x15, 0x0f, 0x11);
}

static void test_other_amd_families_kept(void)
{
	expect_amd(0x11, 0x03, 0x11);
	expect_amd(0x15, 0x10, 0x15);
	expect_amd(0x16, 0x30, 0x16);
	expect_amd(0x17, 0x31, 0x17);
	expect_amd(0x19, 0x01, 0x19);
	expect_amd(0x1a, 0x02, 0x1a);
}

static void test_other_vendors_kept(void)
{
	const uint32_t sigs[] = { signature(6, 0x8f, 8), signature(0xf, 4, 1) };

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		struct kvm_cpuid2 *c = build(INTEL_EBX, INTEL_EDX, INTEL_ECX,
					     sigs[i]);

		EXPECT_EQ(leaf_eax(c, 1), sigs[i],
			  "an Intel signature should stay as it is");
		free(c);
	}
}

TEST_MAIN(TEST_CASE(test_gart_families_become_11h),
	  TEST_CASE(test_other_amd_families_kept),
	  TEST_CASE(test_other_vendors_kept))
