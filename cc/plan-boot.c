// SPDX-License-Identifier: GPL-2.0-only
/*
 * The plan of a boot that is not a CC launch: the embedded test guest's
 * image, boot tables and boot info, as vmm/x86/boot-test.c writes them,
 * and every vCPU entering long mode. A kernel boot is not planned yet.
 */
#include "cc/plan-internal.h"
#include "guest/bootinfo.h"
#include "guest/image.h"

int plan_test_guest(struct planner *p, const struct vm_config *cfg)
{
	if (cfg->boot.kernel || cfg->boot.firmware)
		return fail(p, -EOPNOTSUPP,
			    "--plan describes the test guest and the snp and tdx launches; a kernel or firmware boot with cc.mode '%s' is not planned yet",
			    cc_mode_name(cfg->cc.mode));
	add_range(p, LAUNCH_WRITE, GUEST_LOAD_GPA, guest_image_size,
		  LAUNCH_SRC_TEST_GUEST);
	add_range(p, LAUNCH_WRITE, GUEST_PML4_GPA, LAUNCH_BOOT_TABLES_SIZE,
		  LAUNCH_SRC_BOOT_TABLES);
	add_range(p, LAUNCH_WRITE, GUEST_BOOTINFO_GPA, sizeof(struct bootinfo),
		  LAUNCH_SRC_BOOTINFO);
	for (uint32_t i = 0; i < p->plan->nr_vcpus; i++)
		add(p, LAUNCH_SET_LONG_MODE)->vcpu = i;
	return 0;
}
