/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a CC launch reads from the files a config names: the firmware image
 * with its parsed metadata and, for SNP, the SHA-256 hashes of the kernel,
 * initrd and command line that go into the kernel-hashes page. `cvmm
 * measure`, `cvmm run --plan` and the launch itself all start here, so they
 * agree on the inputs.
 */
#ifndef CVMM_CC_IMAGE_H
#define CVMM_CC_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cc/ovmf.h"
#include "cc/snp-certs.h"
#include "cc/snp-idblock.h"
#include "cc/snp-measure.h"
#include "config/config.h"

struct cc_image {
	uint8_t *fw;			/* the firmware file, malloc()ed */
	size_t fw_size;
	/* Parsed for the mode: ASEV for snp, TDVF for tdx. */
	struct ovmf_info info;
	/*
	 * boot.kernel and boot.initrd, read once (NULL when not given): the
	 * SNP hashes are computed from these bytes, and these are the bytes
	 * the firmware is to be handed (fw_cfg), so both name the same.
	 */
	uint8_t *kernel;
	size_t kernel_size;
	uint8_t *initrd;
	size_t initrd_size;
	/* SNP: a kernel is measured (NORMAL kernel-hashes page). */
	bool has_kernel_hashes;
	struct snp_kernel_hashes hashes;
	/* SNP: ID block, ID auth and HOST_DATA for LAUNCH_FINISH. */
	struct snp_finish_inputs snp_finish;
	/* SNP: cc.snp.certs, checked (cc/snp-certs.h); NULL for none. */
	uint8_t *snp_certs;
	size_t snp_certs_size;
	struct snp_certs_info snp_certs_info;
};

/* The largest kernel or initrd a CC launch reads into memory. */
#define CC_MAX_BOOT_FILE (1ull << 30)

#define CC_REASON_MAX 512

/**
 * cc_image_load() - read and check the firmware (and kernel) of a CC launch
 * @reason: on failure, "FILE: why" or why, for "cvmm: error: %s"
 *
 * cfg->cc.mode must be snp or tdx and cfg->boot.firmware set. The firmware
 * must carry the metadata the mode launches from: ASEV for snp (and the
 * kernel-hashes entry when a kernel is given), TDVF for tdx. Returns 0,
 * -EINVAL for a config or firmware that cannot be launched, or the errno of
 * reading a file.
 */
int __must_check cc_image_load(const struct vm_config *cfg,
			       struct cc_image *ret, char *reason, size_t len);

/* Accepts a zeroed or loaded image; leaves it zeroed. */
void cc_image_free(struct cc_image *img);

/*
 * Read cfg->boot.kernel (required) and cfg->boot.initrd (optional) into
 * @img and compute the SNP kernel-hashes table from those bytes and
 * cfg->boot.cmdline, as QEMU does. The one path for `cvmm measure`, `run
 * --plan` and the launch. Returns 0 or the -errno of reading a file, with
 * the file's name in @reason; @img keeps what was read either way.
 */
int __must_check cc_boot_files_load(const struct vm_config *cfg,
				    struct cc_image *img, char *reason,
				    size_t len);

#endif
