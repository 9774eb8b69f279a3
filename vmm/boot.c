// SPDX-License-Identifier: GPL-2.0-only
/* What the guest boots, chosen from the config: a kernel or the test guest. */
#include "lib/log.h"
#include "vmm/boot.h"
#include "vmm/vm.h"

int boot_load(struct vm *vm)
{
	if (vm->cfg->boot.kernel)
		return boot_linux(vm);
	if (vm->cfg->boot.firmware) {
		log_error("booting firmware outside a confidential launch is not supported by this build yet");
		return -EOPNOTSUPP;
	}
	return boot_test_guest(vm);
}
