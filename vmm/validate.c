// SPDX-License-Identifier: GPL-2.0-only
/*
 * One validation stage for every command: the config's rules and the
 * platform's, for a run the host's, then the CC launch's and the
 * firmware's, each stage on a config the ones before it found sound.
 */
#include <unistd.h>

#include "build-config.h"
#include "cc/mode.h"
#include "cc/plan.h"
#include "guest/bootinfo.h"
#include "lib/kvm.h"
#include "lib/log.h"
#include "memory/memory.h"
#include "vmm/caps.h"
#include "vmm/validate.h"
#include "vmm/vm.h"
#include "vmm/x86/fw-image.h"

static bool has_pci_devices(const struct vm_config *cfg)
{
	return cfg->devices.nr_disks || cfg->devices.nr_nets ||
	       cfg->devices.rng || cfg->devices.console ||
	       cfg->devices.vsock.given;
}

/*
 * Only a PC has the PCI bus the virtio devices sit on, and only a kernel
 * or firmware gets one (vm_build()): the test guest runs without an
 * irqchip. SNP and TDX guests have their firmware, so a PC; their
 * devices reach only RAM the guest shared (VIRTIO_F_ACCESS_PLATFORM).
 */
static void check_platform(const struct vm_config *cfg, struct cfg_diag *d)
{
	if (!has_pci_devices(cfg) || cfg_diag_is_bad(d, "$.devices") ||
	    cfg_diag_is_bad(d, "$.boot.kernel") ||
	    cfg_diag_is_bad(d, "$.boot.firmware") ||
	    cfg_diag_is_bad(d, "$.cc.mode"))
		return;
	if (cfg->boot.kernel || cfg->boot.firmware)
		return;
	cfg_rule_error(d, "$.devices",
		       "disks, nets, rng, console and vsock need a kernel or firmware (--kernel, --firmware)");
}

/* The embedded test guest's layout (guest/bootinfo.h) bounds its machine. */
static void check_test_guest(const struct vm_config *cfg, struct cfg_diag *d)
{
	if (cfg->boot.kernel || cfg->boot.firmware ||
	    cc_mode_is_measured(cfg->cc.mode))
		return;
	if (cfg->machine.memory_size < GUEST_FREE_GPA + SZ_2M &&
	    !cfg_diag_is_bad(d, "$.machine.memory"))
		cfg_rule_error(d, "$.machine.memory",
			       "the test guest needs at least %llu MiB of memory",
			       (GUEST_FREE_GPA + SZ_2M) >> 20);
	if (cfg->machine.vcpus * GUEST_STACK_SIZE > GUEST_STACK_TOP - 0x10000 &&
	    !cfg_diag_is_bad(d, "$.machine.vcpus"))
		cfg_rule_error(d, "$.machine.vcpus",
			       "the test guest supports at most %llu vCPUs",
			       (GUEST_STACK_TOP - 0x10000) / GUEST_STACK_SIZE);
}

/*
 * The firmware (and kernel hashes) read and checked, its kernel loader
 * there for boot.kernel, and the launch planned; the bytes go to @ret_img
 * when the caller uses them.
 */
static int check_firmware(const struct vm_config *cfg, enum vm_use use,
			  struct cfg_diag *d, struct cc_image *ret_img)
{
	_cleanup_free_ struct launch_plan *plan = NULL;
	char reason[CC_REASON_MAX];
	struct cc_image img = {};
	int r;

	r = cc_image_load(cfg, &img, reason, sizeof(reason));
	if (r == 0)
		r = fw_image_check_kernel(cfg, img.fw, img.fw_size, reason,
					  sizeof(reason));
	if (r == 0 && use != VM_USE_MEASURE)
		r = launch_plan_build(cfg, &img, &plan, reason, sizeof(reason));
	if (r < 0 && r != -ENOMEM)
		cfg_error_line(d, "%s", reason);
	if (r == 0 && ret_img) {
		*ret_img = img;
		return 0;
	}
	cc_image_free(&img);
	return r;
}

/* What a VM with private memory needs of KVM (kvm-private-memory.md 2). */
static int check_private_memory(const struct vm_config *cfg,
				const struct kvm_caps *caps,
				const struct kvm_vm_type_caps *vm,
				unsigned long type)
{
	int r = 0;

	if (!(vm->memory_attributes & KVM_MEMORY_ATTRIBUTE_PRIVATE)) {
		log_error("VM type %s lacks the PRIVATE memory attribute (KVM_CAP_MEMORY_ATTRIBUTES = 0x%x)",
			  kvm_vm_type_macro(type),
			  (unsigned int)vm->memory_attributes);
		r = VM_ERR_NO_CAP;
	}
	if (!vm->guest_memfd) {
		log_error("this host's KVM lacks KVM_CAP_GUEST_MEMFD");
		r = VM_ERR_NO_CAP;
	}
	if (!kvm_caps_has_map_gpa_range(caps)) {
		log_error("this host's KVM cannot forward KVM_HC_MAP_GPA_RANGE (KVM_CAP_EXIT_HYPERCALL = 0x%x)",
			  (unsigned int)caps->exit_hypercall);
		r = VM_ERR_NO_CAP;
	}
	if (cfg->cc.prefault && !caps->pre_fault_memory) {
		log_error("--prefault: this host's KVM lacks KVM_CAP_PRE_FAULT_MEMORY");
		r = VM_ERR_NO_CAP;
	}
	return r;
}

/* RAM from guest_memfd alone needs one the host maps and starts shared. */
static int check_backing(const struct vm_config *cfg,
			 const struct kvm_vm_type_caps *vm, unsigned long type)
{
	struct mem_plan plan;

	/* A measured launch's firmware and layout are the plan's (above). */
	if (cc_mode_is_measured(cfg->cc.mode))
		return 0;
	if (mem_plan_build(cfg, 0, vm->guest_memfd ? vm->guest_memfd_flags : 0,
			   type != KVM_X86_DEFAULT_VM, &plan) != -EOPNOTSUPP)
		return 0;
	log_error("--backing guest_memfd: this host's guest_memfd cannot be mapped and start shared (KVM_CAP_GUEST_MEMFD_FLAGS lacks MMAP|INIT_SHARED, Linux 6.18+)");
	return VM_ERR_NO_CAP;
}

/* A build without snp or tdx has no code to launch them. */
static bool mode_built(enum cc_mode mode)
{
	return (mode != CC_MODE_SNP || CONFIG_SNP) &&
	       (mode != CC_MODE_TDX || CONFIG_TDX);
}

/* The host rules: one probe of /dev/kvm and of a VM of the config's type. */
static int check_host(const struct vm_config *cfg)
{
	unsigned long type = cc_mode_vm_type(cfg->cc.mode);
	const struct kvm_vm_type_caps *vm;
	_cleanup_close_ int kvm_fd = -1;
	struct kvm_caps caps;
	char why[256];
	int r, ret = 0;

	if (!mode_built(cfg->cc.mode)) {
		log_error("--cc %s: cvmm was built without %s support (meson -D%s=enabled)",
			  cc_mode_name(cfg->cc.mode), cc_mode_name(cfg->cc.mode),
			  cc_mode_name(cfg->cc.mode));
		return VM_ERR_NO_CAP;
	}
	kvm_fd = kvm_open_explained(why, sizeof(why));
	if (kvm_fd < 0) {
		log_error("no KVM: %s", why);
		return VM_ERR_NO_CAP;
	}
	r = kvm_caps_probe_vm_type(kvm_fd, type, &caps);
	if (r < 0)
		return log_error_errno(r, "probing %s", KVM_DEVICE_PATH);
	if (!kvm_caps_has_vm_type(&caps, type)) {
		log_error("--cc %s: this host's KVM lacks VM type %s (KVM_CAP_VM_TYPES = 0x%x)",
			  cc_mode_name(cfg->cc.mode), kvm_vm_type_macro(type),
			  caps.vm_types);
		return VM_ERR_NO_CAP;
	}
	if (!caps.user_memory2) {
		log_error("this host's KVM lacks KVM_CAP_USER_MEMORY2 (KVM_SET_USER_MEMORY_REGION2, Linux 6.8+)");
		ret = VM_ERR_NO_CAP;
	}
	/* A type KVM offers but cannot create: KVM_CREATE_VM says why. */
	vm = kvm_caps_vm(&caps, type);
	if (!vm)
		return ret;
	if (type != KVM_X86_DEFAULT_VM) {
		r = check_private_memory(cfg, &caps, vm, type);
		if (r < 0)
			ret = r;
	}
	r = check_backing(cfg, vm, type);
	return r < 0 ? r : ret;
}

int vm_validate(const struct vm_config *cfg, enum vm_use use,
		struct cfg_diag *d, struct cc_image *ret_img)
{
	int r;

	/* After errors of parsing too, to report all it can in one pass. */
	r = vm_config_check(cfg, d);
	check_platform(cfg, d);
	check_test_guest(cfg, d);
	if (r < 0 || d->errors)
		return -EINVAL;
	/* A mode this host cannot run is refused before the launch's rules. */
	if (use == VM_USE_RUN) {
		r = check_host(cfg);
		if (r < 0)
			return r;
	}
	if (!cc_mode_is_measured(cfg->cc.mode))
		return 0;
	r = cc_config_report(cfg, d);
	if (r == 0 && use != VM_USE_CHECK)
		r = check_firmware(cfg, use, d, ret_img);
	return r;
}
