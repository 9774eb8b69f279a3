// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the guest boots, chosen from the config: firmware (which may start
 * a kernel itself), a kernel, or the test guest.
 */
#include "vmm/boot.h"
#include "vmm/vm.h"
#include "vmm/x86/boot-firmware.h"

int boot_load(struct vm *vm)
{
	if (vm->cfg->boot.firmware)
		return boot_firmware(vm);
	if (vm->cfg->boot.kernel)
		return boot_linux(vm);
	return boot_test_guest(vm);
}
