// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_caps_probe() against the kernel: every probed value is compared with
 * an ioctl that this test makes itself, and guest_memfd flags and memory
 * attributes are also checked by trying each bit on a VM of each type.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "build-config.h"
#include "cc/mode.h"
#include "tests/test.h"
#include "vmm/caps.h"
#include "lib/kvm.h"

static int kvm_fd = -1;
static struct kvm_caps caps;

/* Direct ioctls, deliberately not the library's wrappers: 0/fd or -errno. */
static int raw(int fd, unsigned long cmd, unsigned long arg)
{
	int r;

	do {
		r = ioctl(fd, cmd, arg);
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

static int raw_check(int fd, long cap)
{
	return raw(fd, KVM_CHECK_EXTENSION, cap);
}

static int raw_create_vm(unsigned long type)
{
	return raw(kvm_fd, KVM_CREATE_VM, type);
}

static int raw_create_gmem(int vm_fd, uint64_t flags)
{
	struct kvm_create_guest_memfd gmem = {
		.size = 16 * PAGE_SIZE,
		.flags = flags,
	};

	return raw(vm_fd, KVM_CREATE_GUEST_MEMFD, (unsigned long)&gmem);
}

static int raw_set_attrs(int vm_fd, uint64_t attrs)
{
	struct kvm_memory_attributes ma = {
		.address = 0,
		.size = PAGE_SIZE,
		.attributes = attrs,
	};

	return raw(vm_fd, KVM_SET_MEMORY_ATTRIBUTES, (unsigned long)&ma);
}

static void test_api_version(void)
{
	EXPECT_EQ(caps.api_version, raw(kvm_fd, KVM_GET_API_VERSION, 0),
		  "api_version should be KVM_GET_API_VERSION");
}

static void test_system_caps(void)
{
	const struct {
		long cap;
		const char *name;
		uint64_t probed;
		bool is_bool;
	} cases[] = {
		{ KVM_CAP_GUEST_MEMFD, "KVM_CAP_GUEST_MEMFD", caps.guest_memfd, true },
		{ KVM_CAP_GUEST_MEMFD_FLAGS, "KVM_CAP_GUEST_MEMFD_FLAGS",
		  caps.guest_memfd_flags },
		{ KVM_CAP_MEMORY_ATTRIBUTES, "KVM_CAP_MEMORY_ATTRIBUTES",
		  caps.memory_attributes },
		{ KVM_CAP_MEMORY_FAULT_INFO, "KVM_CAP_MEMORY_FAULT_INFO",
		  caps.memory_fault_info, true },
		{ KVM_CAP_EXIT_HYPERCALL, "KVM_CAP_EXIT_HYPERCALL",
		  caps.exit_hypercall },
		{ KVM_CAP_MAX_VCPUS, "KVM_CAP_MAX_VCPUS", caps.max_vcpus },
		{ KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS", caps.nr_memslots },
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", caps.irqchip, true },
		{ KVM_CAP_SPLIT_IRQCHIP, "KVM_CAP_SPLIT_IRQCHIP", caps.split_irqchip,
		  true },
		{ KVM_CAP_PRE_FAULT_MEMORY, "KVM_CAP_PRE_FAULT_MEMORY",
		  caps.pre_fault_memory, true },
		{ KVM_CAP_USER_MEMORY2, "KVM_CAP_USER_MEMORY2", caps.user_memory2,
		  true },
	};
	int types = raw_check(kvm_fd, KVM_CAP_VM_TYPES);

	EXPECT(types >= 0, "KVM_CAP_VM_TYPES on /dev/kvm should answer");
	EXPECT_EQ(caps.vm_types, (uint32_t)types | 1u,
		  "vm_types should be KVM_CAP_VM_TYPES plus DEFAULT");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int r = raw_check(kvm_fd, cases[i].cap);

		EXPECT(r >= 0, "%s on /dev/kvm should answer", cases[i].name);
		if (cases[i].is_bool)
			r = r != 0;
		EXPECT_EQ(cases[i].probed, (unsigned int)r,
			  "probed %s should match /dev/kvm", cases[i].name);
	}
}

static void test_map_gpa_range(void)
{
	int vm_fd = raw_create_vm(KVM_X86_DEFAULT_VM);
	struct kvm_enable_cap ec = { .cap = KVM_CAP_EXIT_HYPERCALL };
	int r;

	EXPECT_EQ(kvm_caps_has_map_gpa_range(&caps),
		  !!(raw_check(kvm_fd, KVM_CAP_EXIT_HYPERCALL) &
		     (1 << KVM_HC_MAP_GPA_RANGE)),
		  "MAP_GPA_RANGE exits should be bit 12 of KVM_CAP_EXIT_HYPERCALL");
	EXPECT(vm_fd >= 0, "a default VM should be created");
	if (vm_fd < 0)
		return;
	ec.args[0] = 1ull << KVM_HC_MAP_GPA_RANGE;
	r = raw(vm_fd, KVM_ENABLE_CAP, (unsigned long)&ec);
	if (kvm_caps_has_map_gpa_range(&caps))
		EXPECT_EQ(r, 0, "enabling MAP_GPA_RANGE exits should work");
	else
		EXPECT(r < 0, "enabling MAP_GPA_RANGE exits should fail");
	/* Bit 0 is no hypercall that can exit. */
	ec.args[0] = 1;
	r = raw(vm_fd, KVM_ENABLE_CAP, (unsigned long)&ec);
	EXPECT(r == -EINVAL, "enabling exits of hypercall 0 should fail EINVAL (got %d)",
	       r);
	close(vm_fd);
}

/* Every type 0..63: created iff offered; not offered gives EINVAL. */
static void test_vm_types(void)
{
	for (unsigned long type = 0; type < 64; type++) {
		int vm_fd = raw_create_vm(type);

		if (!kvm_caps_has_vm_type(&caps, type))
			EXPECT(vm_fd == -EINVAL,
			       "KVM_CREATE_VM(%lu) of a type not offered should fail EINVAL (got %d)",
			       type, vm_fd);
		else if (caps.vm[type].create_err)
			EXPECT_EQ(vm_fd, caps.vm[type].create_err,
				  "KVM_CREATE_VM(%lu) should fail as when probed",
				  type);
		else
			EXPECT(vm_fd >= 0, "KVM_CREATE_VM(%lu) should work (got %d)",
			       type, vm_fd);
		EXPECT_EQ(kvm_caps_vm(&caps, type) != NULL, vm_fd >= 0,
			  "kvm_caps_vm(%lu) should exist iff the VM can be created",
			  type);
		if (vm_fd >= 0)
			close(vm_fd);
	}
	EXPECT(kvm_caps_has_vm_type(&caps, KVM_X86_DEFAULT_VM),
	       "the default VM type should always be offered");
	EXPECT(!kvm_caps_has_vm_type(&caps, 32) &&
	       !kvm_caps_has_vm_type(&caps, (unsigned long)-1),
	       "types beyond the bitmask should not be offered");
}

/* Call fn(vm_fd, type, vm) for a fresh VM of every type that was probed. */
static void for_each_vm(void (*fn)(int, unsigned long,
				   const struct kvm_vm_type_caps *))
{
	for (unsigned long type = 0; type < KVM_CAPS_NR_VM_TYPES; type++) {
		const struct kvm_vm_type_caps *vm = kvm_caps_vm(&caps, type);
		int vm_fd;

		if (!vm)
			continue;
		vm_fd = raw_create_vm(type);
		EXPECT(vm_fd >= 0, "KVM_CREATE_VM(%lu) should work", type);
		if (vm_fd < 0)
			continue;
		fn(vm_fd, type, vm);
		close(vm_fd);
	}
}

static void check_vm_caps(int vm_fd, unsigned long type,
			  const struct kvm_vm_type_caps *vm)
{
	EXPECT_EQ(vm->guest_memfd, raw_check(vm_fd, KVM_CAP_GUEST_MEMFD) > 0,
		  "guest_memfd of VM type %lu should match its VM fd", type);
	EXPECT_EQ(vm->guest_memfd_flags,
		  (unsigned int)raw_check(vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS),
		  "guest_memfd flags of VM type %lu should match its VM fd", type);
	EXPECT_EQ(vm->memory_attributes,
		  (unsigned int)raw_check(vm_fd, KVM_CAP_MEMORY_ATTRIBUTES),
		  "memory attributes of VM type %lu should match its VM fd", type);
	EXPECT_EQ(vm->max_vcpus,
		  (unsigned int)raw_check(vm_fd, KVM_CAP_MAX_VCPUS),
		  "max vCPUs of VM type %lu should match its VM fd", type);
}

static void test_vm_caps(void)
{
	for_each_vm(check_vm_caps);
}

/* Each flag bit: accepted iff in the VM's mask, else EINVAL. */
static void check_gmem_flags(int vm_fd, unsigned long type,
			     const struct kvm_vm_type_caps *vm)
{
	int fd = raw_create_gmem(vm_fd, 0);

	EXPECT_EQ(fd >= 0, vm->guest_memfd,
		  "guest_memfd with flags 0 on VM type %lu should work iff KVM_CAP_GUEST_MEMFD (got %d)",
		  type, fd);
	if (fd >= 0)
		close(fd);
	for (unsigned int bit = 0; bit < 64; bit++) {
		bool ok = vm->guest_memfd && (vm->guest_memfd_flags & (1ull << bit));

		fd = raw_create_gmem(vm_fd, 1ull << bit);
		if (ok)
			EXPECT(fd >= 0,
			       "guest_memfd flag bit %u on VM type %lu should work (got %d)",
			       bit, type, fd);
		else if (vm->guest_memfd)
			EXPECT(fd == -EINVAL,
			       "guest_memfd flag bit %u on VM type %lu should fail EINVAL (got %d)",
			       bit, type, fd);
		else
			EXPECT(fd < 0, "guest_memfd on VM type %lu should fail",
			       type);
		if (fd >= 0)
			close(fd);
	}
	if (vm->guest_memfd_flags) {
		fd = raw_create_gmem(vm_fd, vm->guest_memfd_flags);
		EXPECT(fd >= 0,
		       "guest_memfd with all flags 0x%llx on VM type %lu should work (got %d)",
		       (unsigned long long)vm->guest_memfd_flags, type, fd);
		if (fd >= 0)
			close(fd);
	}
}

static void test_guest_memfd_flags(void)
{
	for_each_vm(check_gmem_flags);
}

/*
 * Each attribute bit: settable iff in the VM's mask, else EINVAL; a kernel
 * without memory attributes (system mask 0) has no ioctl (ENOTTY).
 */
static void check_mem_attrs(int vm_fd, unsigned long type,
			    const struct kvm_vm_type_caps *vm)
{
	for (unsigned int bit = 0; bit < 64; bit++) {
		int r = raw_set_attrs(vm_fd, 1ull << bit);

		if (vm->memory_attributes & (1ull << bit))
			EXPECT_EQ(r, 0,
				  "attribute bit %u on VM type %lu should be settable",
				  bit, type);
		else if (caps.memory_attributes)
			EXPECT(r == -EINVAL,
			       "attribute bit %u on VM type %lu should fail EINVAL (got %d)",
			       bit, type, r);
		else
			EXPECT(r == -EINVAL || r == -ENOTTY,
			       "attribute bit %u on VM type %lu should fail EINVAL or ENOTTY (got %d)",
			       bit, type, r);
	}
}

static void test_memory_attributes(void)
{
	for_each_vm(check_mem_attrs);
}

/* The verdict, derived again from direct ioctls. */
static bool host_runs(enum cc_mode mode)
{
	unsigned long type = cc_mode_vm_type(mode);
	int types = raw_check(kvm_fd, KVM_CAP_VM_TYPES) | 1;
	int hc = raw_check(kvm_fd, KVM_CAP_EXIT_HYPERCALL);
	bool ok;
	int vm_fd;

	if ((mode == CC_MODE_SNP && !CONFIG_SNP) ||
	    (mode == CC_MODE_TDX && !CONFIG_TDX) || !(types & (1 << type)))
		return false;
	vm_fd = raw_create_vm(type);
	if (vm_fd < 0)
		return false;
	ok = mode == CC_MODE_NONE ||
	     (raw_check(vm_fd, KVM_CAP_GUEST_MEMFD) > 0 &&
	      (raw_check(vm_fd, KVM_CAP_MEMORY_ATTRIBUTES) &
	       KVM_MEMORY_ATTRIBUTE_PRIVATE) &&
	      (hc & (1 << KVM_HC_MAP_GPA_RANGE)));
	close(vm_fd);
	return ok;
}

static void test_cc_modes(void)
{
	static const enum cc_mode modes[] = {
		CC_MODE_NONE, CC_MODE_SW, CC_MODE_SNP, CC_MODE_TDX,
	};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		char reason[256] = "";
		int r = kvm_caps_check_cc_mode(&caps, modes[i], reason,
					       sizeof(reason));

		EXPECT_EQ(r == 0, host_runs(modes[i]),
			  "verdict for %s should follow the direct probe (%s)",
			  cc_mode_name(modes[i]), reason);
		EXPECT(r == 0 || (r == -EOPNOTSUPP && reason[0]),
		       "a mode that cannot run should give EOPNOTSUPP and a reason");
	}
}

/* Fabricated hosts for the verdict's rules: sw works, minus one piece. */
enum breakage {
	NOTHING,
	DEFAULT_ONLY,
	DEFAULT_FAILS,
	SW_CREATE_FAILS,
	NO_GUEST_MEMFD,
	NO_PRIVATE,
	NO_MAP_GPA_RANGE,
};

static struct kvm_caps fabricate(enum breakage b)
{
	struct kvm_caps c = {
		.vm_types = 0x3,
		.exit_hypercall = 1ull << KVM_HC_MAP_GPA_RANGE,
		.vm[KVM_X86_SW_PROTECTED_VM] = {
			.guest_memfd = true,
			.memory_attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE,
		},
	};

	switch (b) {
	case NOTHING:
		break;
	case DEFAULT_ONLY:
		c.vm_types = 0x1;
		break;
	case DEFAULT_FAILS:
		c.vm[KVM_X86_DEFAULT_VM].create_err = -EMFILE;
		break;
	case SW_CREATE_FAILS:
		c.vm[KVM_X86_SW_PROTECTED_VM].create_err = -EINVAL;
		break;
	case NO_GUEST_MEMFD:
		c.vm[KVM_X86_SW_PROTECTED_VM].guest_memfd = false;
		break;
	case NO_PRIVATE:
		c.vm[KVM_X86_SW_PROTECTED_VM].memory_attributes = 0;
		break;
	case NO_MAP_GPA_RANGE:
		c.exit_hypercall = 0;
		break;
	}
	return c;
}

static void test_cc_mode_reasons(void)
{
	static const struct {
		enum breakage breakage;
		enum cc_mode mode;
		/* NULL: the mode runs. */
		const char *reason;
	} cases[] = {
		{ NOTHING, CC_MODE_NONE, NULL },
		{ NOTHING, CC_MODE_SW, NULL },
		{ DEFAULT_ONLY, CC_MODE_NONE, NULL },
		{ DEFAULT_ONLY, CC_MODE_SW,
		  "VM type sw-protected (1) is not offered (KVM_CAP_VM_TYPES 0x1)" },
		{ DEFAULT_ONLY, CC_MODE_SNP,
		  CONFIG_SNP ? "VM type snp (4) is not offered" : "without snp" },
		{ DEFAULT_ONLY, CC_MODE_TDX,
		  CONFIG_TDX ? "VM type tdx (5) is not offered" : "without tdx" },
		{ DEFAULT_FAILS, CC_MODE_NONE,
		  "KVM_CREATE_VM(default) failed: EMFILE" },
		{ SW_CREATE_FAILS, CC_MODE_SW,
		  "KVM_CREATE_VM(sw-protected) failed: EINVAL" },
		{ NO_GUEST_MEMFD, CC_MODE_SW, "sw-protected VMs have no guest_memfd" },
		{ NO_PRIVATE, CC_MODE_SW,
		  "sw-protected VMs lack the PRIVATE memory attribute" },
		{ NO_MAP_GPA_RANGE, CC_MODE_SW, "(KVM_CAP_EXIT_HYPERCALL 0x0)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct kvm_caps c = fabricate(cases[i].breakage);
		const char *mode = cc_mode_name(cases[i].mode);
		char reason[256] = "";
		int r;

		r = kvm_caps_check_cc_mode(&c, cases[i].mode, reason,
					   sizeof(reason));
		if (!cases[i].reason) {
			EXPECT_EQ(r, 0, "%s should run on host %zu (said \"%s\")",
				  mode, i, reason);
			continue;
		}
		EXPECT_EQ(r, -EOPNOTSUPP, "%s should not run on host %zu", mode,
			  i);
		EXPECT(strstr(reason, cases[i].reason),
		       "%s on host %zu should say \"%s\" (said \"%s\")", mode,
		       i, cases[i].reason, reason);
		EXPECT_EQ(kvm_caps_check_cc_mode(&c, cases[i].mode, NULL, 0),
			  -EOPNOTSUPP,
			  "%s on host %zu should not run without a reason buffer",
			  mode, i);
	}
}

static void test_bit_names(void)
{
	EXPECT(!strcmp(kvm_caps_gmem_flag_name(0), "MMAP"),
	       "guest_memfd flag bit 0 should be MMAP");
	EXPECT(!strcmp(kvm_caps_gmem_flag_name(1), "INIT_SHARED"),
	       "guest_memfd flag bit 1 should be INIT_SHARED");
	EXPECT(!kvm_caps_gmem_flag_name(2) && !kvm_caps_gmem_flag_name(64),
	       "unknown guest_memfd flag bits should have no name");
	EXPECT(!strcmp(kvm_caps_mem_attr_name(3), "PRIVATE"),
	       "attribute bit 3 should be PRIVATE");
	EXPECT(!kvm_caps_mem_attr_name(0) && !kvm_caps_mem_attr_name(64),
	       "unknown attribute bits should have no name");
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_api_version),
		TEST_CASE(test_system_caps),
		TEST_CASE(test_map_gpa_range),
		TEST_CASE(test_vm_types),
		TEST_CASE(test_vm_caps),
		TEST_CASE(test_guest_memfd_flags),
		TEST_CASE(test_memory_attributes),
		TEST_CASE(test_cc_modes),
		TEST_CASE(test_cc_mode_reasons),
		TEST_CASE(test_bit_names),
	};
	int r;

	kvm_fd = open(KVM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0)
		TEST_SKIP("cannot open %s: %s", KVM_DEVICE_PATH, strerror(errno));
	r = kvm_caps_probe(kvm_fd, &caps);
	if (r < 0) {
		fprintf(stderr, "kvm_caps_probe() should work: %s\n", strerror(-r));
		return 1;
	}
	return test_run(cases, ARRAY_SIZE(cases));
}
