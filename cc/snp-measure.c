// SPDX-License-Identifier: GPL-2.0-only
/*
 * SEV-SNP launch digest (sev-snp.md section 6): a SHA-384 chain over one
 * 0x70-byte PAGE_INFO per 4 KiB page, in QEMU's launch order: firmware,
 * ASEV descriptors, then one VMSA per vCPU.
 */
#include <endian.h>
#include <string.h>

#include "cc/snp-measure.h"
#include "lib/byteorder.h"

void snp_gctx_init(struct snp_gctx *g, const uint8_t *seed)
{
	if (seed)
		memcpy(g->digest, seed, SNP_DIGEST_SIZE);
	else
		memset(g->digest, 0, SNP_DIGEST_SIZE);
}

/* PAGE_INFO, SNP firmware ABI: the record each page update hashes. */
static void gctx_page(struct snp_gctx *g, uint64_t gpa,
		      enum snp_page_type type, const uint8_t *page)
{
	uint8_t info[SNP_PAGE_INFO_SIZE] = {};

	memcpy(info, g->digest, SNP_DIGEST_SIZE);
	if (page)
		sha384(page, PAGE_SIZE, info + 0x30);
	put_le16(info + 0x60, SNP_PAGE_INFO_SIZE);
	info[0x62] = type;
	/* imi_page and the VMPL permissions at 0x63..0x67 stay 0. */
	put_le64(info + 0x68, gpa);
	sha384(info, sizeof(info), g->digest);
}

int snp_gctx_update(struct snp_gctx *g, uint64_t gpa, uint64_t len,
		    enum snp_page_type type, const uint8_t *data)
{
	bool measured;
	uint64_t end;

	switch (type) {
	case SNP_PAGE_TYPE_NORMAL:
	case SNP_PAGE_TYPE_VMSA:
		measured = true;
		break;
	case SNP_PAGE_TYPE_ZERO:
	case SNP_PAGE_TYPE_UNMEASURED:
	case SNP_PAGE_TYPE_SECRETS:
	case SNP_PAGE_TYPE_CPUID:
		measured = false;
		break;
	default:
		return -EINVAL;
	}
	if (!len || !IS_ALIGNED(gpa, PAGE_SIZE) ||
	    !IS_ALIGNED(len, PAGE_SIZE) || !add_ok(gpa, len, &end) ||
	    (measured && !data))
		return -EINVAL;

	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		gctx_page(g, gpa + off, type, measured ? data + off : NULL);
	return 0;
}

/*
 * VMCB segment: u16 selector, u16 attrib (the SVM 12-bit form),
 * u32 limit, u64 base.
 */
static void put_seg(uint8_t *p, uint16_t sel, uint16_t attrib, uint32_t limit,
		    uint64_t base)
{
	put_le16(p, sel);
	put_le16(p + 2, attrib);
	put_le32(p + 4, limit);
	put_le64(p + 8, base);
}

void snp_vmsa_build(uint32_t reset_eip, uint32_t vcpu_sig,
		    uint64_t sev_features, uint8_t ret_page[PAGE_SIZE])
{
	/* ES, SS, DS, FS, GS */
	static const unsigned int data_segs[] = { 0x00, 0x20, 0x30, 0x40,
						  0x50 };
	uint8_t *p = ret_page;

	memset(p, 0, PAGE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(data_segs); i++)
		put_seg(p + data_segs[i], 0, 0x93, 0xFFFF, 0);
	put_seg(p + 0x10, 0xF000, 0x9B, 0xFFFF, reset_eip & 0xFFFF0000);
	put_seg(p + 0x60, 0, 0, 0xFFFF, 0);		/* GDTR */
	put_seg(p + 0x70, 0, 0x82, 0xFFFF, 0);		/* LDTR */
	put_seg(p + 0x80, 0, 0, 0xFFFF, 0);		/* IDTR */
	put_seg(p + 0x90, 0, 0x8B, 0xFFFF, 0);		/* TR */

	put_le64(p + 0xD0, 0x1000);		/* EFER.SVME, set by KVM */
	put_le64(p + 0x148, 0x40);		/* CR4.MCE, set by KVM */
	/* CR0: QEMU's 0x60000010 without CD/NW, which KVM clears on AMD. */
	put_le64(p + 0x158, 0x10);
	put_le64(p + 0x160, 0x400);		/* DR7 */
	put_le64(p + 0x168, 0xFFFF0FF0);	/* DR6 */
	put_le64(p + 0x170, 0x2);		/* RFLAGS */
	put_le64(p + 0x178, reset_eip & 0xFFFF);	/* RIP */
	put_le64(p + 0x268, 0x0007040600070406ull);	/* G_PAT */
	put_le64(p + 0x310, vcpu_sig);		/* RDX */
	put_le64(p + 0x3B0, sev_features);
	put_le64(p + 0x3E8, 0x1);		/* XCR0 */
	put_le32(p + 0x408, 0x1F80);		/* MXCSR */
	put_le16(p + 0x410, 0x037F);		/* x87 FCW */
}

static const struct efi_guid hashes_table_guid = EFI_GUID(0x9438d606,
	0x4f22, 0x4cc9, 0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21);
static const struct efi_guid hashes_cmdline_guid = EFI_GUID(0x97d02dd8,
	0xbd20, 0x4c94, 0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a);
static const struct efi_guid hashes_initrd_guid = EFI_GUID(0x44baf731,
	0x3a2f, 0x4bd7, 0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d);
static const struct efi_guid hashes_kernel_guid = EFI_GUID(0x4de79437,
	0xabd2, 0x427f, 0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b);

void snp_kernel_hashes_compute(const void *kernel, size_t kernel_size,
			       const void *initrd, size_t initrd_size,
			       const char *cmdline,
			       struct snp_kernel_hashes *ret)
{
	if (!cmdline)
		cmdline = "";
	sha256(cmdline, strlen(cmdline) + 1, ret->cmdline);
	sha256(initrd_size ? initrd : "", initrd_size, ret->initrd);
	sha256(kernel_size ? kernel : "", kernel_size, ret->kernel);
}

/* {GUID; u16 len = 50; u8 sha256[32]} */
static uint8_t *put_hash_entry(uint8_t *p, const struct efi_guid *guid,
			       const uint8_t hash[SHA256_DIGEST_SIZE])
{
	memcpy(p, guid->b, sizeof(guid->b));
	put_le16(p + 16, 18 + SHA256_DIGEST_SIZE);
	memcpy(p + 18, hash, SHA256_DIGEST_SIZE);
	return p + 18 + SHA256_DIGEST_SIZE;
}

int snp_kernel_hashes_page(const struct snp_kernel_hashes *h, uint32_t offset,
			   uint8_t ret_page[PAGE_SIZE])
{
	uint8_t *p;

	if (offset > PAGE_SIZE - SNP_KERNEL_HASHES_PADDED_SIZE)
		return -EINVAL;
	memset(ret_page, 0, PAGE_SIZE);
	p = ret_page + offset;
	memcpy(p, hashes_table_guid.b, sizeof(hashes_table_guid.b));
	put_le16(p + 16, SNP_KERNEL_HASHES_TABLE_SIZE);
	p = put_hash_entry(p + 18, &hashes_cmdline_guid, h->cmdline);
	p = put_hash_entry(p, &hashes_initrd_guid, h->initrd);
	put_hash_entry(p, &hashes_kernel_guid, h->kernel);
	return 0;
}

int snp_cpuid_page(const struct kvm_cpuid_entry2 *entries, size_t nr,
		   uint8_t ret_page[PAGE_SIZE])
{
	if (nr > SNP_CPUID_MAX_ENTRIES)
		return -E2BIG;

	memset(ret_page, 0, PAGE_SIZE);
	put_le32(ret_page, nr);
	for (size_t i = 0; i < nr; i++) {
		const struct kvm_cpuid_entry2 *e = &entries[i];
		uint8_t *p = ret_page + 16 + 48 * i;
		uint32_t ecx_in = 0, ebx = e->ebx;
		uint64_t xcr0_in = 0;

		if (e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX)
			ecx_in = e->index;
		/*
		 * QEMU: guests size the XSAVE area from these, so report
		 * the legacy area + header (0x240) for XCR0 = x87 only.
		 */
		if (e->function == 0xD && ecx_in <= 1) {
			ebx = 0x240;
			xcr0_in = 1;
		}
		put_le32(p, e->function);
		put_le32(p + 4, ecx_in);
		put_le64(p + 8, xcr0_in);
		put_le64(p + 16, 0);		/* xss_in */
		put_le32(p + 24, e->eax);
		put_le32(p + 28, ebx);
		put_le32(p + 32, e->ecx);
		put_le32(p + 36, e->edx);
	}
	return 0;
}

static int desc_range(const struct ovmf_info *info,
		      const struct ovmf_sev_desc *d, bool kernel_hashes,
		      struct snp_launch_range *ret)
{
	*ret = (struct snp_launch_range){
		.gpa = d->gpa,
		.len = d->len,
		.type = SNP_PAGE_TYPE_ZERO,
		.src = SNP_SRC_NONE,
	};
	switch (d->type) {
	case OVMF_SEV_SECRETS:
		ret->type = SNP_PAGE_TYPE_SECRETS;
		ret->src = SNP_SRC_SECRETS;
		break;
	case OVMF_SEV_CPUID:
		ret->type = SNP_PAGE_TYPE_CPUID;
		ret->src = SNP_SRC_CPUID;
		break;
	case OVMF_SEV_KERNEL_HASHES:
		if (!kernel_hashes)
			break;
		if (!info->has_sev_hashes)
			return -ENOENT;
		/* The padded table must sit in one page of this range. */
		if (info->sev_hashes_size < SNP_KERNEL_HASHES_PADDED_SIZE ||
		    info->sev_hashes_gpa < d->gpa ||
		    info->sev_hashes_gpa - d->gpa > d->len -
					SNP_KERNEL_HASHES_PADDED_SIZE ||
		    (info->sev_hashes_gpa & (PAGE_SIZE - 1)) >
			    PAGE_SIZE - SNP_KERNEL_HASHES_PADDED_SIZE)
			return -EINVAL;
		ret->type = SNP_PAGE_TYPE_NORMAL;
		ret->src = SNP_SRC_KERNEL_HASHES;
		break;
	default:
		/* SEC_MEM and SVSM_CAA: pre-validated zero pages */
		break;
	}
	return 0;
}

int snp_launch_ranges(const struct ovmf_info *info, bool kernel_hashes,
		      struct snp_launch_range *ret, unsigned int *ret_nr)
{
	struct snp_launch_range r[SNP_MAX_LAUNCH_RANGES];
	bool hashes_seen = false;
	unsigned int n = 0;
	int err;

	if (!info->has_sev_meta)
		return -ENOENT;
	r[n++] = (struct snp_launch_range){
		.gpa = info->gpa,
		.len = info->size,
		.type = SNP_PAGE_TYPE_NORMAL,
		.src = SNP_SRC_FIRMWARE,
	};
	for (unsigned int i = 0; i < info->nr_sev_desc; i++) {
		const struct ovmf_sev_desc *d = &info->sev_desc[i];

		err = desc_range(info, d, kernel_hashes, &r[n++]);
		if (err < 0)
			return err;
		if (d->type == OVMF_SEV_KERNEL_HASHES)
			hashes_seen = true;
	}
	if (kernel_hashes && !hashes_seen)
		return -ENOENT;
	memcpy(ret, r, n * sizeof(r[0]));
	*ret_nr = n;
	return 0;
}

/* NORMAL pages of the kernel-hashes range: zero but for the table. */
static int gctx_kernel_hashes(struct snp_gctx *g,
			      const struct snp_launch_range *range,
			      const struct ovmf_info *info,
			      const struct snp_kernel_hashes *h)
{
	uint64_t table_page = ALIGN_DOWN((uint64_t)info->sev_hashes_gpa,
					 PAGE_SIZE);
	uint8_t page[PAGE_SIZE];
	int r;

	for (uint64_t gpa = range->gpa; gpa < range->gpa + range->len;
	     gpa += PAGE_SIZE) {
		if (gpa == table_page) {
			r = snp_kernel_hashes_page(h, info->sev_hashes_gpa &
						   (PAGE_SIZE - 1), page);
			if (r < 0)
				return r;
		} else {
			memset(page, 0, sizeof(page));
		}
		r = snp_gctx_update(g, gpa, PAGE_SIZE, range->type, page);
		if (r < 0)
			return r;
	}
	return 0;
}

static int gctx_range(struct snp_gctx *g, const struct snp_launch_range *range,
		      const struct snp_measure_input *in,
		      const struct ovmf_info *info)
{
	switch (range->src) {
	case SNP_SRC_FIRMWARE:
		if (in->fw_digest)
			return 0;	/* already in the seed */
		return snp_gctx_update(g, range->gpa, range->len, range->type,
				       in->fw);
	case SNP_SRC_KERNEL_HASHES:
		return gctx_kernel_hashes(g, range, info, in->kernel_hashes);
	default:
		/* ZERO, SECRETS, CPUID: contents not measured */
		return snp_gctx_update(g, range->gpa, range->len, range->type,
				       NULL);
	}
}

int snp_launch_digest(const struct snp_measure_input *in,
		      uint8_t ret_digest[SNP_DIGEST_SIZE])
{
	struct snp_launch_range ranges[SNP_MAX_LAUNCH_RANGES];
	uint8_t vmsa[PAGE_SIZE];
	struct ovmf_info info;
	struct snp_gctx g;
	unsigned int nr;
	int r;

	if (!in->nr_vcpus || !(in->sev_features & SNP_SEV_FEAT_SNP_ACTIVE))
		return -EINVAL;
	r = ovmf_parse(in->fw, in->fw_size, OVMF_PARSE_SEV, &info);
	if (r < 0)
		return r;
	if (in->nr_vcpus > 1 && !info.has_sev_es_reset)
		return -ENOENT;
	r = snp_launch_ranges(&info, in->kernel_hashes, ranges, &nr);
	if (r < 0)
		return r;

	snp_gctx_init(&g, in->fw_digest);
	for (unsigned int i = 0; i < nr; i++) {
		r = gctx_range(&g, &ranges[i], in, &info);
		if (r < 0)
			return r;
	}
	for (unsigned int cpu = 0; cpu < in->nr_vcpus; cpu++) {
		snp_vmsa_build(cpu ? info.sev_es_reset_eip : SNP_BSP_RESET_EIP,
			       in->vcpu_sig, in->sev_features, vmsa);
		r = snp_gctx_update(&g, SNP_VMSA_GPA, PAGE_SIZE,
				    SNP_PAGE_TYPE_VMSA, vmsa);
		if (r < 0)
			return r;
	}
	memcpy(ret_digest, g.digest, SNP_DIGEST_SIZE);
	return 0;
}
