// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_HC_MAP_GPA_RANGE (hypercalls.rst; spec section 8): a0 the GPA, a1
 * the number of 4K pages, a2 bits 3:0 the *preferred* page size (0 4K,
 * 1 2M, 2 1G; other values invalid), bit 4 private, bits 63:5 reserved.
 *
 * The size is a hint, and KVM itself forwards hints that do not fit the
 * range: SNP's page-state change (snp_begin_psc(), arch/x86/kvm/svm/
 * sev.c) resumes a partly done 2M entry as gpa = gfn + cur_page, npages =
 * 512 - cur_page, with the entry's 2M hint although it handles the rest
 * as 4K pages. So only what KVM checks and what cvmm needs is enforced:
 * no reserved bit, a known size code, at least one page, 4K alignment, no
 * overflow, and private only over guest_memfd RAM. The engine works in
 * runs whatever the hint.
 */
#include <errno.h>

#include "lib/util.h"
#include "memory/convert-internal.h"
#include "lib/kvm.h"

static int map_gpa_range_decode(uint64_t gpa, uint64_t npages, uint64_t attrs,
				uint64_t *ret_end)
{
	uint64_t len, end;

	if (attrs & CVMM_MAP_GPA_RANGE_RESERVED)
		return -EINVAL;
	switch (attrs & CVMM_MAP_GPA_RANGE_PAGE_SZ_MASK) {
	case KVM_MAP_GPA_RANGE_PAGE_SZ_4K:
	case KVM_MAP_GPA_RANGE_PAGE_SZ_2M:
	case KVM_MAP_GPA_RANGE_PAGE_SZ_1G:
		break;
	default:
		return -EINVAL;
	}
	if (!npages || __builtin_mul_overflow(npages, PAGE_SIZE, &len) ||
	    !add_ok(gpa, len, &end) || !IS_ALIGNED(gpa, PAGE_SIZE))
		return -EINVAL;
	*ret_end = end;
	return 0;
}

int mem_map_gpa_range(struct guest_memory *mem, uint64_t gpa, uint64_t npages,
		      uint64_t attrs, uint64_t *ret_hc, uint64_t *ret_done)
{
	struct conv_req req = {
		.gpa = gpa, .done = gpa,
		.to_private = attrs & KVM_MAP_GPA_RANGE_ENCRYPTED,
		.origin = CONV_ORIGIN_EXPLICIT,
	};
	int r;

	r = map_gpa_range_decode(gpa, npages, attrs, &req.end);
	/*
	 * Sharing needs no region check: only private runs change, and
	 * those lie in guest_memfd RAM by construction, so MMIO and holes
	 * are no-ops.
	 */
	if (r == 0 && req.to_private)
		r = conv_check_range(mem, gpa, req.end - gpa, &req.end);
	/* The guest's mistake, refused before anything changed. */
	*ret_hc = r ? EINVAL : 0;
	if (r == 0) {
		r = conv_request(mem, &req);
		/*
		 * The host's failure, maybe after some runs: [gpa, done)
		 * changed, which a retry of the whole request finds done.
		 * EAGAIN makes KVM answer a TDX guest RETRY from the start of
		 * the chunk it forwarded; SNP takes it as a failed entry.
		 * Anything but 0, EINVAL and EAGAIN fails KVM_RUN (7.2,
		 * kvm_is_valid_map_gpa_range_ret()).
		 */
		*ret_hc = r ? EAGAIN : 0;
	}
	if (ret_done)
		*ret_done = req.done;
	return r;
}
