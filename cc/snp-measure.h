/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SEV-SNP launch measurement without KVM (sev-snp.md sections 5 and 6):
 * the PAGE_INFO digest chain, the VMSA of a QEMU-style reset, the
 * kernel-hashes page, the CPUID page format and the list of ranges a
 * launch updates, in measurement order. The launch code and `cvmm
 * measure` share snp_launch_ranges() so that they cannot disagree.
 */
#ifndef CVMM_CC_SNP_MEASURE_H
#define CVMM_CC_SNP_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cc/ovmf.h"
#include "lib/sha2.h"
#include "lib/kvm-abi.h"

#define SNP_DIGEST_SIZE SHA384_DIGEST_SIZE
#define SNP_PAGE_INFO_SIZE 0x70
/* KVM launch-updates every VMSA at this GPA (sev-snp.md section 6). */
#define SNP_VMSA_GPA 0xFFFFFFFFF000ull
/* The BSP's reset vector, in the form snp_vmsa_build() takes. */
#define SNP_BSP_RESET_EIP 0xFFFFFFF0u

#define SNP_SEV_FEAT_SNP_ACTIVE (1ull << 0)
#define SNP_SEV_FEAT_DEBUG_SWAP (1ull << 5)

/* The running launch digest. */
struct snp_gctx {
	uint8_t digest[SNP_DIGEST_SIZE];
};

/* Start from 48 zero bytes, or from @seed (a known firmware digest). */
void snp_gctx_init(struct snp_gctx *g, const uint8_t *seed);

/**
 * snp_gctx_update() - chain the pages of one launch update
 * @data: the bytes for NORMAL and VMSA pages; ignored (may be NULL) for
 *        ZERO, UNMEASURED, SECRETS and CPUID, whose contents are not
 *        measured
 *
 * Returns 0, or -EINVAL if @gpa or @len is not 4 KiB aligned, @len is 0,
 * @type is unknown, or a measured type has no @data.
 */
int __must_check snp_gctx_update(struct snp_gctx *g, uint64_t gpa,
				 uint64_t len, enum snp_page_type type,
				 const uint8_t *data);

/**
 * snp_vmsa_build() - VMSA page of a vCPU after a QEMU-style reset
 * @reset_eip: SNP_BSP_RESET_EIP for vCPU 0, the SEV-ES reset block's AP
 *             EIP for the others (CS base = eip & 0xFFFF0000, RIP = the
 *             low 16 bits)
 * @vcpu_sig: CPUID(1).EAX, which reset leaves in RDX
 * @sev_features: as measured, i.e. including SNPActive that KVM adds
 */
void snp_vmsa_build(uint32_t reset_eip, uint32_t vcpu_sig,
		    uint64_t sev_features, uint8_t ret_page[PAGE_SIZE]);

/* SHA-256 of what QEMU hashes for direct kernel boot. */
struct snp_kernel_hashes {
	uint8_t cmdline[SHA256_DIGEST_SIZE];
	uint8_t initrd[SHA256_DIGEST_SIZE];
	uint8_t kernel[SHA256_DIGEST_SIZE];
};

#define SNP_KERNEL_HASHES_TABLE_SIZE 168
#define SNP_KERNEL_HASHES_PADDED_SIZE 176

/*
 * Hash the kernel and initrd files and the command line. The command
 * line is hashed with its NUL; NULL means "". A NULL initrd (with size 0)
 * hashes as an empty one.
 */
void snp_kernel_hashes_compute(const void *kernel, size_t kernel_size,
			       const void *initrd, size_t initrd_size,
			       const char *cmdline,
			       struct snp_kernel_hashes *ret);

/**
 * snp_kernel_hashes_page() - a zero page holding the padded hash table
 * @offset: where in the page: the table GPA & 0xFFF
 *
 * Returns 0, or -EINVAL if the 176 padded bytes do not fit in the page.
 */
int __must_check snp_kernel_hashes_page(const struct snp_kernel_hashes *h,
					uint32_t offset,
					uint8_t ret_page[PAGE_SIZE]);

#define SNP_CPUID_MAX_ENTRIES 64

/**
 * snp_cpuid_page() - the SNP CPUID page from KVM_GET_CPUID2-style entries
 *
 * ecx_in is set only for entries with KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
 * leaf 0xD subleaves 0 and 1 get ebx = 0x240, xcr0_in = 1, xss_in = 0 as
 * QEMU does. Returns 0, or -E2BIG for more than 64 entries.
 */
int __must_check snp_cpuid_page(const struct kvm_cpuid_entry2 *entries,
				size_t nr, uint8_t ret_page[PAGE_SIZE]);

/* Where the bytes of a launch range come from. */
enum snp_src {
	SNP_SRC_FIRMWARE,	/* the image, at gpa - ovmf_info.gpa */
	SNP_SRC_NONE,		/* ZERO page: no source */
	SNP_SRC_SECRETS,	/* zeroed pages */
	SNP_SRC_CPUID,		/* snp_cpuid_page() */
	SNP_SRC_KERNEL_HASHES,	/* zero pages with the padded table at
				 * sev_hashes_gpa - gpa */
};

struct snp_launch_range {
	uint64_t gpa;
	uint64_t len;
	enum snp_page_type type;
	enum snp_src src;
};

#define SNP_MAX_LAUNCH_RANGES (1 + OVMF_MAX_SEV_DESC)

/**
 * snp_launch_ranges() - the firmware's SNP_LAUNCH_UPDATE list, in order
 * @kernel_hashes: a kernel is measured: the kernel-hashes descriptor is
 *                 NORMAL with the table rather than ZERO
 *
 * The firmware image as NORMAL, then the ASEV descriptors in table order
 * (QEMU's order); the VMSAs come last and are KVM's business. Returns 0,
 * -ENOENT if the image has no SEV metadata, or, with @kernel_hashes, no
 * kernel-hashes descriptor or table, -EINVAL if the table is smaller than
 * 176 bytes or does not lie within one page of its descriptor.
 */
int __must_check snp_launch_ranges(const struct ovmf_info *info,
				   bool kernel_hashes,
				   struct snp_launch_range *ret,
				   unsigned int *ret_nr);

struct snp_measure_input {
	const uint8_t *fw;		/* the firmware image */
	size_t fw_size;
	/*
	 * Optional: 48-byte digest of the firmware pages, replacing their
	 * measurement (sev-snp-measure's --ovmf-hash); fw is then only
	 * read for its metadata and may be just its tail.
	 */
	const uint8_t *fw_digest;
	unsigned int nr_vcpus;
	uint32_t vcpu_sig;		/* CPUID(1).EAX, e.g. 0x800F12 */
	uint64_t sev_features;		/* measured value: 0x1 or 0x21 */
	/* NULL: no kernel measured (ZERO kernel-hashes page). */
	const struct snp_kernel_hashes *kernel_hashes;
};

/**
 * snp_launch_digest() - the expected SNP launch measurement
 *
 * Returns 0, an ovmf_parse() or snp_launch_ranges() error, -ENOENT if
 * more than one vCPU is asked for but the image has no SEV-ES reset
 * block, -EINVAL for no vCPUs or sev_features without SNPActive.
 */
int __must_check snp_launch_digest(const struct snp_measure_input *in,
				   uint8_t ret_digest[SNP_DIGEST_SIZE]);

#endif
