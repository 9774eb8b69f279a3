/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Thin, checked wrappers around the KVM ioctls. __kvm_ioctl() returns the
 * raw result; kvm_ioctl() returns the result when it is >= 0, else -errno.
 * Both check at compile time that the argument matches the ioctl's size,
 * as the KVM selftests do.
 */
#ifndef CVMM_KVM_H
#define CVMM_KVM_H

#include <errno.h>
#include <sys/ioctl.h>

#include "lib/util.h"
#include "lib/kvm-abi.h"

#define KVM_DEVICE_PATH "/dev/kvm"

#define kvm_ioctl_size_check(cmd, arg)                            \
	_Static_assert(sizeof(*(arg)) == _IOC_SIZE(cmd),          \
		       "ioctl argument size does not match " #cmd)

#define __kvm_ioctl(fd, cmd, arg) ioctl((fd), (cmd), (arg))

/* Returns the ioctl's non-negative result, or -errno. */
static inline int kvm_ioctl_checked(int fd, unsigned long cmd, unsigned long arg)
{
	int r = ioctl(fd, cmd, arg);

	return r < 0 ? -errno : r;
}

#define kvm_ioctl(fd, cmd, arg)                                   \
	({                                                        \
		kvm_ioctl_size_check(cmd, arg);                   \
		kvm_ioctl_checked((fd), (cmd), (unsigned long)(arg)); \
	})

/*
 * Open /dev/kvm (O_RDWR|O_CLOEXEC) and check the API version: the fd, or
 * -errno (-EPROTO: an API version other than 12). kvm_open_explained()
 * also writes, when why is not NULL, one line that says what is missing
 * and what to do: "/dev/kvm does not exist (ENOENT): load ...".
 */
int __must_check kvm_open(void);
int __must_check kvm_open_explained(char *why, size_t len);

/* For ioctls whose argument is a value, not a structure. */
#define kvm_ioctl_val(fd, cmd, val) \
	kvm_ioctl_checked((fd), (cmd), (unsigned long)(val))

/* KVM_CHECK_EXTENSION on a system or VM fd; negative errno on failure. */
int kvm_check_extension(int fd, long cap);

/* KVM_ENABLE_CAP with one argument. */
int __must_check kvm_enable_cap(int fd, uint32_t cap, uint64_t arg0);

/* KVM_CREATE_VM of the given type: a VM fd or -errno. */
int __must_check kvm_create_vm(int kvm_fd, unsigned long type);

/* KVM_CREATE_GUEST_MEMFD: a guest_memfd or -errno. */
int __must_check kvm_create_guest_memfd(int vm_fd, uint64_t size,
					uint64_t flags);

const char *kvm_vm_type_name(unsigned long type);
/* "KVM_X86_SNP_VM" for KVM_X86_SNP_VM: the name people grep for. */
const char *kvm_vm_type_macro(unsigned long type);
const char *kvm_exit_reason_name(uint32_t reason);

#endif
