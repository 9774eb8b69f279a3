// SPDX-License-Identifier: GPL-2.0-only
/*
 * The embedded test guest (guest/): its image goes straight into guest RAM
 * at GUEST_LOAD_GPA, the boot info block tells it what it runs on and
 * which scenario to play, and every vCPU starts in 64-bit mode at its
 * entry. Its memory and vCPU limits are vm_validate()'s.
 */
#include <stddef.h>

#include "lib/log.h"
#include "guest/bootinfo.h"
#include "vmm/boot.h"
#include "vmm/debug-hooks.h"
#include "vmm/vm.h"
#include "vmm/x86/regs.h"

int boot_test_guest(struct vm *vm)
{
	int r;

	vm->testdev = (struct testdev){
		.mem = &vm->mem,
		.req_gpa = GUEST_BOOTINFO_GPA + offsetof(struct bootinfo, req),
	};
	r = testdev_register(&vm->testdev, &vm->pio);
	if (r < 0)
		return log_error_errno(r, "registering the test device");
	/* Only with -Ddebug_hooks=true: forbidden calls on demand. */
	r = debug_hooks_init(vm);
	if (r < 0)
		return log_error_errno(r, "arming the debug hooks");
	r = mem_populate(&vm->mem, GUEST_LOAD_GPA, guest_image, guest_image_size);
	if (r < 0)
		return log_error_errno(r, "writing the test guest image");
	r = x86_write_boot_tables(&vm->mem, GUEST_PML4_GPA, GUEST_GDT_GPA);
	if (r < 0)
		return log_error_errno(r, "writing the boot page tables");
	r = boot_test_write_info(vm, GUEST_BOOTINFO_GPA,
				 vm->type != KVM_X86_DEFAULT_VM ?
					 BOOTINFO_F_PRIVATE_MEM | BOOTINFO_F_HYPERCALL : 0);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		r = x86_enter_long_mode(vm->vcpus[i].fd, GUEST_PML4_GPA,
					GUEST_GDT_GPA, GUEST_LOAD_GPA,
					GUEST_STACK_TOP - i * GUEST_STACK_SIZE,
					GUEST_BOOTINFO_GPA, i);
		if (r < 0)
			return log_error_errno(r, "setting vCPU %u's registers", i);
	}
	return 0;
}
