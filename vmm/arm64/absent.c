// SPDX-License-Identifier: GPL-2.0-only
/*
 * What arm64 does not have yet, stated where shared code asks for it:
 * no confidential launch, so vm->cc is always NULL and --stats has no
 * "launch" object; no firmware platform, so no fw_cfg device (--stats)
 * and no fw_cfg contents to print (`run --plan`: the config rules refuse
 * the measured modes that have them on arm64).
 */
#include <errno.h>
#include <stdio.h>

#include <json-c/json.h>

#include "lib/log.h"
#include "vmm/boot.h"
#include "vmm/launch.h"
#include "vmm/x86/boot-firmware.h"
#include "vmm/x86/fw-cfg-plan.h"
#include "vmm/x86/fw-image.h"

struct json_object *launch_stats_json(const struct vm *vm)
{
	(void)vm;
	return NULL;
}

struct fw_cfg *boot_firmware_fw_cfg(struct vm *vm)
{
	(void)vm;
	return NULL;
}

int boot_firmware_plan(const struct vm_config *cfg, FILE *f)
{
	(void)cfg, (void)f;
	log_error("arm64 has no firmware platform (boot.firmware)");
	return -EOPNOTSUPP;
}

int fw_cfg_plan_build(const struct vm_config *cfg,
		      const struct launch_plan *plan,
		      const struct cc_image *img, struct fw_cfg *fc,
		      char *reason, size_t reason_size)
{
	(void)cfg, (void)plan, (void)img, (void)fc;
	snprintf(reason, reason_size, "arm64 has no firmware platform");
	return -EOPNOTSUPP;
}

void fw_cfg_plan_write(const struct vm_config *cfg, const struct fw_cfg *fc,
		       FILE *f)
{
	(void)cfg, (void)fc, (void)f;
}

/* Never reached: the config rules refuse SNP and TDX on arm64. */
int fw_image_check_kernel(const struct vm_config *cfg, const uint8_t *image,
			  size_t size, char *reason, size_t len)
{
	(void)cfg, (void)image, (void)size, (void)reason, (void)len;
	return 0;
}
