// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_EXIT_MEMORY_FAULT with contents a hostile guest steers (the GPA, the
 * size of the access, private or shared) and some it cannot (unknown flag
 * bits, sizes that wrap), under both implicit-conversion policies, served
 * by mem_handle_memory_fault() on fake memory (fake-mem.h) between
 * MAP_GPA_RANGE requests and KVM failures. Each answer must be the one an
 * independent model gives, and the engine is held to the same properties
 * as in fuzz-map-gpa-range.
 *
 * Input: one byte of setup (backing, coalescing, preallocation, policy),
 * then operations of a kind byte and its arguments.
 */
#include "fake-mem.h"
#include "lib/kvm-abi.h"

static bool model_all_gmem(uint64_t gpa, uint64_t end)
{
	if (end <= 0x400000)
		return true;
	return gpa >= FM_R3_GPA && end <= FM_R3_GPA + 0x200000;
}

/* The answer for a fault when no KVM call fails. */
static int model_fault(uint64_t gpa, uint64_t size, uint64_t flags,
		       enum implicit_conversion policy)
{
	bool private = flags & KVM_MEMORY_EXIT_FLAG_PRIVATE;
	uint64_t start, end;

	if (flags & ~KVM_MEMORY_EXIT_FLAG_PRIVATE || !size ||
	    gpa > UINT64_MAX - size || gpa + size > UINT64_MAX - FM_PAGE + 1)
		return -EINVAL;
	if (policy != IMPLICIT_ALLOW)
		return -EPERM;
	start = gpa & ~(FM_PAGE - 1);
	end = (gpa + size + FM_PAGE - 1) & ~(FM_PAGE - 1);
	if (!model_all_gmem(start, end))
		return -EFAULT;
	for (uint64_t p = start; p < end; p += FM_PAGE)
		if (fm.kvm_private[fake_mem_page(p)] != private)
			return 0;
	return -EALREADY;
}

static void fault(struct fuzz_input *in, enum implicit_conversion policy)
{
	uint64_t gpa = fake_mem_pick_gpa(in), size, flags;
	uint8_t s = fuzz_u8(in), f = fuzz_u8(in);
	int want, r;

	/* An access is 1 to 64 bytes; KVM may report whole pages. */
	size = s < 200 ? 1 + s % 64u : s < 250 ? FM_PAGE * (1 + s % 8) :
					       fuzz_u64(in);
	flags = f < 240 ? f & KVM_MEMORY_EXIT_FLAG_PRIVATE : fuzz_u64(in);
	want = model_fault(gpa, size, flags, policy);

	fake_mem_op_start();
	r = mem_handle_memory_fault(fm.mem, gpa, size, flags, policy);
	if (!fm.failed)
		FUZZ_CHECK(r == want || (want == -EFAULT && r < 0 &&
					 r != -EALREADY && r != -EPERM),
			   "fault gpa 0x%llx size 0x%llx flags 0x%llx: %d, not %d",
			   (unsigned long long)gpa, (unsigned long long)size,
			   (unsigned long long)flags, r, want);
	fake_mem_op_end();
	if (r == 0 || r == -EALREADY)
		fake_mem_check_range(gpa & ~(FM_PAGE - 1), gpa + size,
				     flags & KVM_MEMORY_EXIT_FLAG_PRIVATE);
}

/* Explicit conversions, to give the faults something to undo. */
static void convert(struct fuzz_input *in)
{
	uint64_t gpa = fake_mem_pick_gpa(in), ret;
	uint8_t n = fuzz_u8(in), a = fuzz_u8(in);

	fake_mem_op_start();
	(void)mem_map_gpa_range(fm.mem, gpa, 1 + n % 64, a & 0x10, &ret,
				NULL);
	fake_mem_op_end();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t setup = fuzz_u8(&in);
	enum implicit_conversion policy =
		setup & 8 ? IMPLICIT_DENY : IMPLICIT_ALLOW;

	/* Preallocation costs the most time: a quarter of the inputs. */
	fake_mem_reset(setup & 1 ? BACKING_ANONYMOUS : BACKING_MEMFD,
		       !(setup & 2), (setup & 0x14) == 0x14);
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
		case 2:
		case 3:
			convert(&in);
			break;
		default:
			fault(&in, policy);
			break;
		}
	}
	fake_mem_check_all();
	return 0;
}
