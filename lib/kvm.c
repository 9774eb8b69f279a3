// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/kvm.h"

/* What to do when the kernel offers no KVM at all. */
#define KVM_HINT_MODULE "load the kvm_intel or kvm_amd module, enable " \
	"virtualization (VT-x/AMD-V) in the firmware, or nested virtualization " \
	"if this host is itself a VM"

/* The one line that says why /dev/kvm is not usable and what to do. */
static void explain_open_error(int err, int version, char *why, size_t len)
{
	const char *name = errno_name(err);

	switch (err) {
	case -ENOENT:
		snprintf(why, len, "%s does not exist (%s): %s",
			 KVM_DEVICE_PATH, name, KVM_HINT_MODULE);
		break;
	case -ENXIO:
	case -ENODEV:
		snprintf(why, len, "%s has no driver behind it (%s): %s",
			 KVM_DEVICE_PATH, name, KVM_HINT_MODULE);
		break;
	case -EACCES:
	case -EPERM:
		snprintf(why, len, "no permission to open %s (%s): join "
			 "the group that owns it (usually kvm) or run as root",
			 KVM_DEVICE_PATH, name);
		break;
	case -EPROTO:
		snprintf(why, len, "%s speaks KVM API version %d, cvmm "
			 "needs %d: run a kernel whose KVM has API version %d",
			 KVM_DEVICE_PATH, version, KVM_API_VERSION,
			 KVM_API_VERSION);
		break;
	case -ENOTTY:
	case -EINVAL:
		snprintf(why, len, "%s is not a KVM device "
			 "(KVM_GET_API_VERSION: %s): %s", KVM_DEVICE_PATH, name,
			 KVM_HINT_MODULE);
		break;
	default:
		snprintf(why, len, "cannot open %s: %s (%s)",
			 KVM_DEVICE_PATH, strerror(-err), name);
	}
}

int kvm_open_explained(char *why, size_t len)
{
	int fd, version, err;

	fd = open(KVM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		version = 0;
		goto err;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version == KVM_API_VERSION)
		return fd;
	err = version < 0 ? -errno : -EPROTO;
	close(fd);
err:
	if (why)
		explain_open_error(err, version, why, len);
	return err;
}

int kvm_open(void)
{
	return kvm_open_explained(NULL, 0);
}

int kvm_check_extension(int fd, long cap)
{
	return kvm_ioctl_val(fd, KVM_CHECK_EXTENSION, cap);
}

int kvm_enable_cap(int fd, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap ec = {
		.cap = cap,
		.args = { arg0 },
	};
	int r = kvm_ioctl(fd, KVM_ENABLE_CAP, &ec);

	return r < 0 ? r : 0;
}

int kvm_create_vm(int kvm_fd, unsigned long type)
{
	int r;

	/* A signal during VM creation gives EINTR; try again. */
	do {
		r = kvm_ioctl_val(kvm_fd, KVM_CREATE_VM, type);
	} while (r == -EINTR);
	return r;
}

int kvm_create_guest_memfd(int vm_fd, uint64_t size, uint64_t flags)
{
	struct kvm_create_guest_memfd gmem = {
		.size = size,
		.flags = flags,
	};
	int fd = kvm_ioctl(vm_fd, KVM_CREATE_GUEST_MEMFD, &gmem);

	/* Unlike the VM and vCPU fds, KVM makes it without O_CLOEXEC. */
	if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

const char *kvm_vm_type_name(unsigned long type)
{
	static const char *const names[] = {
		[KVM_X86_DEFAULT_VM] = "default",
		[KVM_X86_SW_PROTECTED_VM] = "sw-protected",
		[KVM_X86_SEV_VM] = "sev",
		[KVM_X86_SEV_ES_VM] = "sev-es",
		[KVM_X86_SNP_VM] = "snp",
		[KVM_X86_TDX_VM] = "tdx",
	};

	return type < ARRAY_SIZE(names) ? names[type] : "unknown";
}

const char *kvm_vm_type_macro(unsigned long type)
{
	static const char *const names[] = {
		[KVM_X86_DEFAULT_VM] = "KVM_X86_DEFAULT_VM",
		[KVM_X86_SW_PROTECTED_VM] = "KVM_X86_SW_PROTECTED_VM",
		[KVM_X86_SEV_VM] = "KVM_X86_SEV_VM",
		[KVM_X86_SEV_ES_VM] = "KVM_X86_SEV_ES_VM",
		[KVM_X86_SNP_VM] = "KVM_X86_SNP_VM",
		[KVM_X86_TDX_VM] = "KVM_X86_TDX_VM",
	};

	return type < ARRAY_SIZE(names) ? names[type] : "KVM_X86_?_VM";
}

const char *kvm_exit_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",
		[KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HYPERCALL] = "HYPERCALL",
		[KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT",
		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR",
		[KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_NMI] = "NMI",
		[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT",
		[KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
		[KVM_EXIT_X86_RDMSR] = "X86_RDMSR",
		[KVM_EXIT_X86_WRMSR] = "X86_WRMSR",
		[KVM_EXIT_DIRTY_RING_FULL] = "DIRTY_RING_FULL",
		[KVM_EXIT_AP_RESET_HOLD] = "AP_RESET_HOLD",
		[KVM_EXIT_X86_BUS_LOCK] = "X86_BUS_LOCK",
		[KVM_EXIT_NOTIFY] = "NOTIFY",
		[KVM_EXIT_MEMORY_FAULT] = "MEMORY_FAULT",
		[KVM_EXIT_TDX] = "TDX",
		[KVM_EXIT_SNP_REQ_CERTS] = "SNP_REQ_CERTS",
	};

	if (reason < ARRAY_SIZE(names) && names[reason])
		return names[reason];
	return "?";
}
