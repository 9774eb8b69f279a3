// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_HC_MAP_GPA_RANGE as a hostile guest sends it: any GPA, page count
 * and attributes, interleaved with flushes and KVM failures, served by
 * mem_map_gpa_range() on fake memory (fake-mem.h). After each request the
 * answer must be what the hypercall ABI says (an independent model of the
 * decoding), the attribute map must equal what KVM was told, and a page
 * that changed state must show an empty side; at the end no page may have
 * lost what the guest wrote, and every dead side must be discarded.
 *
 * Input: one byte of setup (backing, coalescing, preallocation), then
 * requests of a kind byte and its arguments.
 */
#include "fake-mem.h"
#include "lib/kvm-abi.h"

/*
 * Whether the request is well formed, and its range. The page-size hint
 * (0 4K, 1 2M, 2 1G) is advisory: SNP's partly done 2M entries come with
 * it on 4K-aligned ranges (memory/map-gpa-range.c).
 */
static bool model_decode(uint64_t gpa, uint64_t npages, uint64_t attrs,
			 uint64_t *ret_end)
{
	uint64_t hint = attrs & 0xf, len;

	if (attrs >> 5 || hint > 2 || !npages ||
	    npages > UINT64_MAX / FM_PAGE)
		return false;
	len = npages * FM_PAGE;
	if (gpa > UINT64_MAX - len || gpa % FM_PAGE)
		return false;
	*ret_end = gpa + len;
	return true;
}

/* Private only over guest_memfd RAM: [0, 4M) and R3. */
static bool model_all_gmem(uint64_t gpa, uint64_t end)
{
	if (end <= 0x400000)
		return true;
	return gpa >= FM_R3_GPA && end <= FM_R3_GPA + 0x200000;
}

static void request(struct fuzz_input *in)
{
	uint64_t gpa = fake_mem_pick_gpa(in), npages, attrs, ret = 0xbad;
	uint8_t n = fuzz_u8(in), a = fuzz_u8(in);
	bool valid, private, mistake;
	uint64_t end = 0;
	int r;

	/* Mostly small counts and the defined bits; sometimes anything. */
	npages = n < 240 ? 1 + fuzz_u16(in) % 1024u : fuzz_u64(in);
	attrs = a < 240 ? a & 0x13 : fuzz_u64(in);
	private = attrs & KVM_MAP_GPA_RANGE_ENCRYPTED;
	valid = model_decode(gpa, npages, attrs, &end);
	mistake = !valid || (private && !model_all_gmem(gpa, end));

	fake_mem_op_start();
	r = mem_map_gpa_range(fm.mem, gpa, npages, attrs, &ret, NULL);
	/* The guest's mistake EINVAL, the host's failure EAGAIN (7.2 ABI). */
	FUZZ_CHECK(ret == (mistake ? EINVAL : r ? EAGAIN : 0),
		   "hypercall.ret %llu for error %d", (unsigned long long)ret,
		   r);
	if (!fm.failed)
		FUZZ_CHECK((r == 0) == !mistake,
			   "gpa 0x%llx pages 0x%llx attrs 0x%llx gave %d",
			   (unsigned long long)gpa, (unsigned long long)npages,
			   (unsigned long long)attrs, r);
	fake_mem_op_end();
	if (r == 0)
		fake_mem_check_range(gpa, end, private);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t setup = fuzz_u8(&in);

	/* Preallocation costs the most time: a quarter of the inputs. */
	fake_mem_reset(setup & 1 ? BACKING_ANONYMOUS : BACKING_MEMFD,
		       !(setup & 2), (setup & 0x0c) == 0x0c);
	for (unsigned int ops = 0; in.size && ops < 64; ops++) {
		switch (fuzz_u8(&in) % 8) {
		case 0:
			fake_mem_op_start();
			FUZZ_CHECK(mem_convert_flush(fm.mem) == 0, "flush");
			fake_mem_op_end();
			break;
		case 1:
			fake_mem_arm_failure(&in);
			break;
		default:
			request(&in);
			break;
		}
	}
	fake_mem_check_all();
	return 0;
}
