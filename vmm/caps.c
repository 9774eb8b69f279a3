// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe what the host's KVM offers: KVM_CHECK_EXTENSION on /dev/kvm and on
 * a VM of every type KVM_CAP_VM_TYPES offers (kvm-private-memory.md
 * sections 2 and 3), and derive from that which cvmm CC modes can run.
 */
#include <stdarg.h>
#include <stdio.h>

#include "build-config.h"
#include "cc/mode.h"
#include "lib/log.h"
#include "vmm/caps.h"
#include "lib/kvm.h"

/*
 * KVM_CHECK_EXTENSION answers 0 for caps it does not know and fails only
 * for a bad fd, so keep the first error in *err and let the caller check
 * once, after all the questions.
 */
static unsigned int cap(int fd, long nr, int *err)
{
	int r = kvm_check_extension(fd, nr);

	if (r < 0) {
		log_debug("KVM_CHECK_EXTENSION(%ld) failed: %s", nr,
			  errno_name(r));
		if (!*err)
			*err = r;
		return 0;
	}
	return r;
}

/* Ask a throw-away VM of this type the questions whose answer varies. */
static int probe_vm(int kvm_fd, unsigned long type,
		    struct kvm_vm_type_caps *vm)
{
	_cleanup_close_ int vm_fd = kvm_create_vm(kvm_fd, type);
	int r = 0;

	if (vm_fd < 0) {
		log_debug("KVM_CREATE_VM(%s) failed: %s", kvm_vm_type_name(type),
			  errno_name(vm_fd));
		vm->create_err = vm_fd;
		return 0;
	}
	vm->guest_memfd = cap(vm_fd, KVM_CAP_GUEST_MEMFD, &r);
	vm->guest_memfd_flags = cap(vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS, &r);
	vm->memory_attributes = cap(vm_fd, KVM_CAP_MEMORY_ATTRIBUTES, &r);
	vm->max_vcpus = cap(vm_fd, KVM_CAP_MAX_VCPUS, &r);
	return r;
}

/* What /dev/kvm answers for every VM. */
static int probe_system(int kvm_fd, struct kvm_caps *c)
{
	int r = 0;

	*c = (struct kvm_caps){ 0 };
	c->api_version = kvm_ioctl_val(kvm_fd, KVM_GET_API_VERSION, 0);
	if (c->api_version < 0)
		return c->api_version;

	/* Before 6.8 the cap is missing (0); DEFAULT exists anyway. */
	c->vm_types = cap(kvm_fd, KVM_CAP_VM_TYPES, &r);
	c->vm_types |= 1u << KVM_X86_DEFAULT_VM;
	c->guest_memfd = cap(kvm_fd, KVM_CAP_GUEST_MEMFD, &r);
	c->guest_memfd_flags = cap(kvm_fd, KVM_CAP_GUEST_MEMFD_FLAGS, &r);
	c->memory_attributes = cap(kvm_fd, KVM_CAP_MEMORY_ATTRIBUTES, &r);
	c->memory_fault_info = cap(kvm_fd, KVM_CAP_MEMORY_FAULT_INFO, &r);
	c->exit_hypercall = cap(kvm_fd, KVM_CAP_EXIT_HYPERCALL, &r);
	c->max_vcpus = cap(kvm_fd, KVM_CAP_MAX_VCPUS, &r);
	c->nr_memslots = cap(kvm_fd, KVM_CAP_NR_MEMSLOTS, &r);
	c->irqchip = cap(kvm_fd, KVM_CAP_IRQCHIP, &r);
	c->split_irqchip = cap(kvm_fd, KVM_CAP_SPLIT_IRQCHIP, &r);
	c->pre_fault_memory = cap(kvm_fd, KVM_CAP_PRE_FAULT_MEMORY, &r);
	c->user_memory2 = cap(kvm_fd, KVM_CAP_USER_MEMORY2, &r);
	return r;
}

int kvm_caps_probe(int kvm_fd, struct kvm_caps *ret)
{
	struct kvm_caps c;
	int r;

	r = probe_system(kvm_fd, &c);
	if (r < 0)
		return r;
	for (unsigned long type = 0; type < KVM_CAPS_NR_VM_TYPES; type++) {
		if (!kvm_caps_has_vm_type(&c, type))
			continue;
		r = probe_vm(kvm_fd, type, &c.vm[type]);
		if (r < 0)
			return r;
	}
	if (CONFIG_ARM64) {
		r = kvm_caps_probe_arm64(kvm_fd, &c.arm64);
		if (r < 0)
			return r;
	}
	*ret = c;
	return 0;
}

int kvm_caps_probe_vm_type(int kvm_fd, unsigned long type,
			   struct kvm_caps *ret)
{
	struct kvm_caps c;
	int r;

	r = probe_system(kvm_fd, &c);
	if (r == 0 && kvm_caps_has_vm_type(&c, type))
		r = probe_vm(kvm_fd, type, &c.vm[type]);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}

bool kvm_caps_has_vm_type(const struct kvm_caps *caps, unsigned long type)
{
	return type < KVM_CAPS_NR_VM_TYPES && (caps->vm_types & (1u << type));
}

const struct kvm_vm_type_caps *kvm_caps_vm(const struct kvm_caps *caps,
					   unsigned long type)
{
	if (!kvm_caps_has_vm_type(caps, type) || caps->vm[type].create_err)
		return NULL;
	return &caps->vm[type];
}

bool kvm_caps_has_map_gpa_range(const struct kvm_caps *caps)
{
	return caps->exit_hypercall & (1ull << KVM_HC_MAP_GPA_RANGE);
}

static bool cc_mode_built(enum cc_mode mode)
{
	switch (mode) {
	case CC_MODE_SNP:
		return CONFIG_SNP;
	case CC_MODE_TDX:
		return CONFIG_TDX;
	case CC_MODE_NONE:
	case CC_MODE_SW:
	case CC_MODE_PKVM:
		break;
	}
	return true;
}

static int __printf(3, 4) unsupported(char *reason, size_t len,
				      const char *fmt, ...)
{
	va_list ap;

	if (reason && len) {
		va_start(ap, fmt);
		vsnprintf(reason, len, fmt, ap);
		va_end(ap);
	}
	return -EOPNOTSUPP;
}

/* pKVM: a protected VM (kvm_caps_probe() asked on arm64) can be created. */
static int check_pkvm(const struct kvm_caps *caps, char *reason, size_t len)
{
	const struct kvm_arm64_caps *a = &caps->arm64;

	if (!CONFIG_ARM64)
		return unsupported(reason, len, "pkvm runs on arm64 hosts only");
	if (a->protected_vm.create_err)
		return unsupported(reason, len,
				   "KVM_CREATE_VM(KVM_VM_TYPE_ARM_PROTECTED | IPA %lu) failed: %s: it needs pKVM, kvm-arm.mode=protected on the host's command line",
				   (unsigned long)(a->protected_type &
						   KVM_VM_TYPE_ARM_IPA_SIZE_MASK),
				   errno_name(a->protected_vm.create_err));
	return 0;
}

int kvm_caps_check_cc_mode(const struct kvm_caps *caps, enum cc_mode mode,
			   char *reason, size_t len)
{
	unsigned long type = cc_mode_vm_type(mode);
	const char *name = kvm_vm_type_name(type);
	const struct kvm_vm_type_caps *vm = &caps->vm[type];

	if (!cc_mode_built(mode))
		return unsupported(reason, len, "cvmm was built without %s support",
				   cc_mode_name(mode));
	if (mode == CC_MODE_PKVM)
		return check_pkvm(caps, reason, len);
	if (!kvm_caps_has_vm_type(caps, type))
		return unsupported(reason, len,
				   "VM type %s (%lu) is not offered (KVM_CAP_VM_TYPES 0x%x)",
				   name, type, caps->vm_types);
	if (vm->create_err)
		return unsupported(reason, len, "KVM_CREATE_VM(%s) failed: %s",
				   name, errno_name(vm->create_err));
	if (mode == CC_MODE_NONE)
		return 0;

	/*
	 * Private memory lives in guest_memfd and is selected per page by the
	 * PRIVATE attribute; conversions the guest asks for (SNP page-state
	 * changes, TDX MapGPA, hypercalls) arrive as MAP_GPA_RANGE exits,
	 * without which KVM fails them (kvm-private-memory.md section 8).
	 */
	if (!vm->guest_memfd)
		return unsupported(reason, len,
				   "%s VMs have no guest_memfd (KVM_CAP_GUEST_MEMFD 0)",
				   name);
	if (!(vm->memory_attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE))
		return unsupported(reason, len,
				   "%s VMs lack the PRIVATE memory attribute (KVM_CAP_MEMORY_ATTRIBUTES 0x%llx)",
				   name, (unsigned long long)vm->memory_attributes);
	if (!kvm_caps_has_map_gpa_range(caps))
		return unsupported(reason, len,
				   "KVM_HC_MAP_GPA_RANGE cannot exit to userspace (KVM_CAP_EXIT_HYPERCALL 0x%llx)",
				   (unsigned long long)caps->exit_hypercall);
	return 0;
}

const char *kvm_caps_gmem_flag_name(unsigned int bit)
{
	if (bit >= 64)
		return NULL;
	switch (1ull << bit) {
	case GUEST_MEMFD_FLAG_MMAP:
		return "MMAP";
	case GUEST_MEMFD_FLAG_INIT_SHARED:
		return "INIT_SHARED";
	}
	return NULL;
}

const char *kvm_caps_mem_attr_name(unsigned int bit)
{
	if (bit >= 64)
		return NULL;
	switch (1ull << bit) {
	case KVM_MEMORY_ATTRIBUTE_PRIVATE:
		return "PRIVATE";
	}
	return NULL;
}
