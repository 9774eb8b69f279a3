// SPDX-License-Identifier: GPL-2.0-only
/*
 * The embedded arm64 test guest (guest/arm64/): its image and boot info
 * go into RAM at the x86 guest's offsets from RAM's start, the exit and
 * test "ports" are MMIO at the x86 port numbers, and the boot vCPU starts
 * at the image with x0 = the boot info (x1 = 0, its index, from reset);
 * the guest starts the others itself with PSCI CPU_ON. Unknown MMIO ends
 * the VM: a test guest probes nothing.
 *
 * A protected VM (--cc pkvm) gets no test device: serving it means
 * writing guest memory, which pKVM has donated to the guest by then.
 */
#include <stddef.h>

#include "guest/bootinfo.h"
#include "lib/log.h"
#include "vmm/arm64/arm64.h"
#include "vmm/arm64/layout.h"
#include "vmm/boot.h"
#include "vmm/debug-hooks.h"

_Static_assert(GUEST_ARM64_RAM_GPA == ARM64_RAM_GPA,
	       "the test guest's RAM is the machine's");
_Static_assert(GUEST_ARM64_UART_GPA == ARM64_UART_GPA,
	       "the test guest's UART is the machine's");
_Static_assert(GUEST_PORT_TEST + 4 <= ARM64_GIC_DIST_GPA,
	       "the test ports sit below every device");

static void on_guest_exit(void *ctx, uint32_t status)
{
	vm_request_stop(ctx, status > 255 ? 255 : (int)status);
}

static int register_test_devices(struct vm *vm, bool protected)
{
	int r;

	vm->debug_exit = (struct debug_exit){ .on_exit = on_guest_exit, .ctx = vm };
	r = debug_exit_register(&vm->debug_exit, &vm->mmio);
	if (r < 0)
		return log_error_errno(r, "registering the exit registers");
	if (protected)
		return 0;
	vm->testdev = (struct testdev){
		.mem = &vm->mem,
		.req_gpa = ARM64_RAM_GPA + GUEST_BOOTINFO_GPA +
			   offsetof(struct bootinfo, req),
	};
	r = testdev_register(&vm->testdev, &vm->mmio);
	if (r < 0)
		return log_error_errno(r, "registering the test device");
	/* Only with -Ddebug_hooks=true: forbidden calls on demand. */
	r = debug_hooks_init(vm);
	return r < 0 ? log_error_errno(r, "arming the debug hooks") : 0;
}

int arm64_boot_test_guest(struct vm *vm)
{
	bool protected = vm->type & KVM_VM_TYPE_ARM_PROTECTED;
	uint64_t entry = ARM64_RAM_GPA + GUEST_LOAD_GPA;
	uint64_t info = ARM64_RAM_GPA + GUEST_BOOTINFO_GPA;
	int r;

	vm->io_policy = VM_IO_STRICT;
	r = register_test_devices(vm, protected);
	if (r < 0)
		return r;
	if (guest_image_size > GUEST_FREE_GPA - GUEST_LOAD_GPA)
		return log_error_errno(-E2BIG, "the test guest image (%zu bytes)",
				       guest_image_size);
	r = mem_populate(&vm->mem, entry, guest_image, guest_image_size);
	if (r < 0)
		return log_error_errno(r, "writing the test guest image");
	r = boot_test_write_info(vm, info,
				 protected ? BOOTINFO_F_PRIVATE_MEM : 0);
	if (r < 0)
		return r;
	vm->arm64->entry_gpa = entry;
	r = arm64_vcpu_set_entry(&vm->vcpus[0], entry, info);
	return r < 0 ? log_error_errno(r, "setting the boot vCPU's pc and x0") : 0;
}
