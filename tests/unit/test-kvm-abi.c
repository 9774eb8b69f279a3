// SPDX-License-Identifier: GPL-2.0-only
/* The ioctl numbers cvmm defines must equal the ones in the spec. */
#include "tests/test.h"
#include "lib/kvm-abi.h"

static void test_ioctl_numbers(void)
{
	EXPECT_EQ(KVM_SET_USER_MEMORY_REGION2, 0x40A0AE49, "memslot v2 ioctl");
	EXPECT_EQ(KVM_SET_MEMORY_ATTRIBUTES, 0x4020AED2, "attributes ioctl");
	EXPECT_EQ(KVM_CREATE_GUEST_MEMFD, 0xC040AED4, "guest_memfd ioctl");
	EXPECT_EQ(KVM_PRE_FAULT_MEMORY, 0xC040AED5, "pre-fault ioctl");
	EXPECT_EQ(KVM_MEMORY_ENCRYPT_OP, 0xC008AEBA, "encrypt op ioctl");
	EXPECT_EQ(KVM_ENABLE_CAP, 0x4068AEA3, "enable cap ioctl");
}

static void test_exit_layout(void)
{
	EXPECT_EQ(sizeof(struct kvm_run) >= 2352 - 2048, 1, "kvm_run size");
	EXPECT_EQ(offsetof(struct kvm_run, exit_reason), 8, "exit_reason");
	EXPECT_EQ(offsetof(struct cvmm_exit_hypercall, flags) + 32, 96,
		  "hypercall flags offset");
	EXPECT_EQ(offsetof(struct cvmm_exit_memory_fault, size) + 32, 48,
		  "memory_fault.size offset");
}

static void test_constants(void)
{
	EXPECT_EQ(KVM_CAP_GUEST_MEMFD_FLAGS, 244, "guest_memfd flags cap");
	EXPECT_EQ(KVM_CAP_VM_TYPES, 235, "vm types cap");
	EXPECT_EQ(KVM_EXIT_MEMORY_FAULT, 39, "memory fault exit");
	EXPECT_EQ(KVM_MEMORY_ATTRIBUTE_PRIVATE, 8, "private attribute");
	EXPECT_EQ(KVM_MAP_GPA_RANGE_ENCRYPTED, 0x10, "encrypted attribute");
	EXPECT_EQ(KVM_HC_MAP_GPA_RANGE, 12, "hypercall number");
}

TEST_MAIN(TEST_CASE(test_ioctl_numbers), TEST_CASE(test_exit_layout),
	  TEST_CASE(test_constants))
