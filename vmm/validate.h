/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one check of a config before anything is built, called by every
 * command that takes one (run, run --plan, config check, measure):
 *
 *	the config's own rules		config/rules.c (ranges, then rules
 *					between values)
 *	the platform's			what the PC this VM gets can carry,
 *					the test guest's limits
 *	the host's (run only)		one probe of /dev/kvm (vmm/caps.c):
 *					a mode the host cannot run is refused
 *					before the launch's own rules
 *	the CC launch's			cc/rules.c, for snp and tdx
 *	the firmware's			cc/image.c and the launch plan
 *
 * Each stage reads a config the earlier ones found sound; within one,
 * every problem is reported, each once, naming the flag or the file and
 * JSON path it comes from. vm_build() then only builds.
 */
#ifndef CVMM_VALIDATE_H
#define CVMM_VALIDATE_H

#include "cc/image.h"
#include "config/config.h"
#include "lib/util.h"

/* What the config is checked for: each use takes the stages before it. */
enum vm_use {
	/* config check: no file but the config's own is read. */
	VM_USE_CHECK,
	/* measure: a kernel may be measured that run refuses; the firmware. */
	VM_USE_MEASURE,
	/* run --plan: the launch's rules and its firmware, on any host. */
	VM_USE_PLAN,
	/* run: the same, and this host's KVM. */
	VM_USE_RUN,
};

/*
 * Check @cfg (finished, vm_config_finish()) for @use; errors go to @d,
 * host problems to the log. Returns 0, -EINVAL for a config that cannot
 * be used (d->errors says how many problems), VM_ERR_NO_CAP for a host
 * that cannot run it, or -ENOMEM.
 *
 * @ret_img: NULL, or a zeroed image that receives, on success, the
 * firmware (and kernel, initrd) an SNP or TDX config's check read, so that
 * measure, run --plan and vm_build() use those bytes and read no file
 * twice. It stays zeroed for other modes and for VM_USE_CHECK; the caller
 * frees it with cc_image_free().
 */
int __must_check vm_validate(const struct vm_config *cfg, enum vm_use use,
			     struct cfg_diag *d, struct cc_image *ret_img);

#endif
