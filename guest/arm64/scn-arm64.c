// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 test guest's scenarios: the default banner with every vCPU
 * started through PSCI CPU_ON, RAM written and read back by every vCPU
 * and seen by the host, the exit status, and guests that break the rules
 * on purpose (an unknown MMIO address, an access KVM cannot decode, a
 * WFI nothing can wake, a forbidden system call asked of the host).
 * Results are "result: NAME VALUE" lines for tests/rig-arm64.
 */
#include "guest/guest.h"

#define PAGE 4096ull
#define EINVAL 22
/* The UART's scratch register: a harmless MMIO read. */
#define UART_SCR 7
/* Nothing is at this address: below the PCIe window, above the UART. */
#define NO_DEVICE_GPA 0x0a000000ul

/* Seconds of the counter: a bound in real time, not in the host's load. */
static uint64_t seconds(uint64_t s)
{
	return s * counter_hz();
}

/* Start every other vCPU with PSCI CPU_ON; fails the scenario if one refuses. */
static void start_secondaries(void)
{
	for (uint32_t i = 1; i < bi->nr_vcpus; i++) {
		int64_t r = start_vcpu(i);

		CHECK(r == 0, "PSCI CPU_ON of vCPU %u (mpidr 0x%lx) returned %ld",
		      i, vcpu_mpidr(i), r);
	}
}

/* Wait (bounded in time) until every vCPU has reached guest_main. */
static uint32_t wait_for_vcpus(void)
{
	uint64_t start = counter();

	while (bi->vcpus_up < bi->nr_vcpus && counter() - start < seconds(60))
		cpu_relax();
	return bi->vcpus_up;
}

/* Touch the first and last word of RAM above the guest: it must be there. */
static void check_ram(void)
{
	volatile uint64_t *first = RAM_PTR(GUEST_FREE_GPA);
	volatile uint64_t *last = RAM_PTR(bi->ram_size - 8);

	*first = 0x5a5a5a5a;
	CHECK(*first == 0x5a5a5a5a, "RAM at 0x%lx does not hold data",
	      (uint64_t)(uintptr_t)first);
	*last = ~0x5a5a5a5aull;
	CHECK(*last == ~0x5a5a5a5aull, "RAM at 0x%lx does not hold data",
	      (uint64_t)(uintptr_t)last);
}

static int scn_default(void)
{
	int64_t psci = psci_call(PSCI_VERSION, 0, 0, 0);
	uint32_t up;

	printf("cvmm test guest: hello from scenario '%s'\n", bi->scenario);
	printf("memory: %lu MiB in %u range(s), backed by %s\n",
	       bi->ram_size >> 20, bi->nr_ram, bi->backing);
	for (uint32_t i = 0; i < bi->nr_ram; i++)
		printf("  ram 0x%lx-0x%lx\n", bi->ram[i].gpa,
		       bi->ram[i].gpa + bi->ram[i].size - 1);
	printf("confidential mode: %s%s\n", bi->cc_name,
	       bi->flags & BOOTINFO_F_PRIVATE_MEM ? " (private memory)" : "");
	printf("psci: version %lu.%lu\n", (uint64_t)psci >> 16,
	       (uint64_t)psci & 0xffff);
	check_ram();
	start_secondaries();
	up = wait_for_vcpus();
	printf("vcpus: %u of %u online\n", up, bi->nr_vcpus);
	CHECK(up == bi->nr_vcpus, "only %u of %u vCPUs came up", up, bi->nr_vcpus);
	printf("all good, powering off\n");
	return 0;
}

/* Exit with the status given as the scenario argument (0: SYSTEM_OFF). */
static int scn_exit_status(void)
{
	printf("exiting with status %lu\n", bi->arg);
	return (int)bi->arg;
}

/*
 * mem-pattern: free RAM split into one slice per vCPU; each vCPU writes
 * its slice with a pattern of the address and the seed, then reads back
 * the next vCPU's slice, so every word is checked by a vCPU other than
 * its writer (when there are several). The boot vCPU then asks the host
 * for its view of the whole range (TESTDEV_HOST_READ) and compares sums.
 */
static struct {
	uint64_t start, slice;
	/* Bits of the vCPUs that wrote their slice, and that checked one. */
	uint64_t written, checked;
	uint64_t bad[64];
} pat;

static uint64_t pattern(uint64_t addr)
{
	return ((addr * 0x9e3779b97f4a7c15ull) ^ bi->seed) | 1;
}

static uint64_t slice_start(uint32_t cpu)
{
	return pat.start + cpu * pat.slice;
}

static void write_slice(uint32_t cpu)
{
	for (uint64_t a = slice_start(cpu); a < slice_start(cpu + 1); a += 8)
		*(volatile uint64_t *)(uintptr_t)a = pattern(a);
}

static uint64_t check_slice(uint32_t cpu)
{
	uint64_t bad = 0;

	for (uint64_t a = slice_start(cpu); a < slice_start(cpu + 1); a += 8)
		bad += *(volatile uint64_t *)(uintptr_t)a != pattern(a);
	return bad;
}

/* Wait (bounded in time) until every vCPU's bit is in *mask. */
static bool wait_all(uint64_t *mask)
{
	uint64_t all = bi->nr_vcpus >= 64 ? ~0ull : (1ull << bi->nr_vcpus) - 1;
	uint64_t start = counter();

	while (__atomic_load_n(mask, __ATOMIC_ACQUIRE) != all) {
		if (counter() - start > seconds(300))
			return false;
		cpu_relax();
	}
	return true;
}

static void pattern_work(uint32_t cpu)
{
	uint32_t next = (cpu + 1) % bi->nr_vcpus;

	write_slice(cpu);
	__atomic_fetch_or(&pat.written, 1ull << cpu, __ATOMIC_RELEASE);
	if (!wait_all(&pat.written))
		return;
	pat.bad[cpu] = check_slice(next);
	__atomic_fetch_or(&pat.checked, 1ull << cpu, __ATOMIC_RELEASE);
}

static uint64_t pattern_sum(void)
{
	uint64_t sum = 0;

	for (uint64_t a = slice_start(0); a < slice_start(bi->nr_vcpus); a += 8)
		sum += pattern(a);
	return sum;
}

/* The host's view of the range: sum and nonzero words must match ours. */
static void check_host_view(uint64_t words)
{
	bi->req.gpa = slice_start(0);
	bi->req.len = slice_start(bi->nr_vcpus) - slice_start(0);
	bi->req.arg = 0;
	mmio_write32(GUEST_PORT_TEST, TESTDEV_HOST_READ);
	CHECK(bi->req.status == 0, "TESTDEV_HOST_READ failed: %u", bi->req.status);
	printf("result: mem-pattern-host-nonzero %lu\n", bi->req.out[1]);
	CHECK(bi->req.out[1] == words, "the host sees %lu written words of %lu",
	      bi->req.out[1], words);
	CHECK(bi->req.out[0] == pattern_sum(),
	      "the host's sum 0x%lx is not the guest's 0x%lx", bi->req.out[0],
	      pattern_sum());
	printf("result: mem-pattern-host-sum ok\n");
}

static int scn_mem_pattern(void)
{
	uint64_t free = bi->ram_size - GUEST_FREE_GPA, bad = 0, words;
	uint64_t start = counter();

	CHECK(bi->nr_vcpus <= 64, "mem-pattern runs at most 64 vCPUs");
	pat.start = GUEST_ARM64_RAM_GPA + GUEST_FREE_GPA;
	pat.slice = free / bi->nr_vcpus / PAGE * PAGE;
	words = pat.slice / 8 * bi->nr_vcpus;
	printf("mem-pattern: %lu MiB from 0x%lx, %u slice(s) of %lu KiB\n",
	       words * 8 >> 20, pat.start, bi->nr_vcpus, pat.slice >> 10);
	start_secondaries();
	pattern_work(0);
	CHECK(wait_all(&pat.checked), "not every vCPU checked its slice in time");
	for (uint32_t i = 0; i < bi->nr_vcpus; i++)
		bad += pat.bad[i];
	printf("result: mem-pattern-vcpus %u\n", bi->vcpus_up);
	printf("result: mem-pattern-words %lu\n", words);
	printf("result: mem-pattern-bad %lu\n", bad);
	printf("result: mem-pattern-ms %lu\n",
	       (counter() - start) * 1000 / counter_hz());
	CHECK(bad == 0, "%lu words did not read back as written", bad);
	/* A protected VM's memory is the guest's alone: the host cannot look. */
	if (!(bi->flags & BOOTINFO_F_PRIVATE_MEM))
		check_host_view(words);
	return 0;
}

/* Nothing is at NO_DEVICE_GPA: cvmm must stop the VM. */
static int scn_bad_mmio(void)
{
	printf("writing to MMIO address 0x%lx\n", NO_DEVICE_GPA);
	mmio_write32(NO_DEVICE_GPA, 1);
	return 0;
}

/*
 * A load pair from MMIO: the abort carries no syndrome KVM can decode
 * (ISV 0), so KVM cannot emulate it and KVM_RUN fails.
 */
static int scn_abort(void)
{
	uint64_t a, b;

	printf("load pair from MMIO address 0x%lx\n", NO_DEVICE_GPA);
	asm volatile("ldp %0, %1, [%2]"
		     : "=r"(a), "=r"(b)
		     : "r"(NO_DEVICE_GPA)
		     : "memory");
	printf("the load pair returned 0x%lx 0x%lx\n", a, b);
	return 0;
}

/* WFI with every interrupt masked and no timer: nothing wakes it. */
static int scn_wfi(void)
{
	printf("waiting for an interrupt with all of them masked\n");
	for (;;)
		asm volatile("msr daifset, #0xf\n\twfi" ::: "memory");
	return 0;
}

/* PSCI SYSTEM_RESET: cvmm treats it as a reboot (machine.on_reboot). */
static int scn_reset(void)
{
	printf("PSCI SYSTEM_RESET\n");
	psci_call(PSCI_SYSTEM_RESET, 0, 0, 0);
	fail("PSCI SYSTEM_RESET returned");
}

/*
 * Arg 0: the vCPU thread serving the request makes the call; 1: the main
 * thread does, a little later, while we keep exiting. Exit 77 (skip) when
 * cvmm has no debug hooks.
 */
static int scn_forbidden_syscall(void)
{
	uint32_t status;

	printf("asking the host's %s thread for a forbidden system call\n",
	       bi->arg ? "main" : "vCPU");
	bi->req.arg = bi->arg;
	mmio_write32(GUEST_PORT_TEST, TESTDEV_FORBIDDEN_SYSCALL);
	status = bi->req.status;
	if (status == EINVAL) {
		printf("this cvmm was built without debug hooks\n");
		return 77;
	}
	for (unsigned int i = 0; bi->arg && i < 20000; i++)
		(void)mmio_read8(GUEST_ARM64_UART_GPA + UART_SCR);
	printf("the call returned %u and cvmm still serves\n", status);
	return 0;
}

const struct scenario arm64_scenarios[] = {
	{ "default", "banner, memory, PSCI and vCPUs seen", scn_default, NULL },
	{ "exit-status", "exit with status <arg>", scn_exit_status, NULL },
	{ "mem-pattern", "every vCPU writes RAM, another reads it, the host sums it",
	  scn_mem_pattern, pattern_work },
	{ "bad-mmio", "write to an unknown MMIO address", scn_bad_mmio, NULL },
	{ "abort", "an MMIO access KVM cannot decode", scn_abort, NULL },
	{ "wfi", "wfi with interrupts masked", scn_wfi, NULL },
	{ "reset", "PSCI SYSTEM_RESET", scn_reset, NULL },
	{ "forbidden-syscall", "debug builds: a thread breaks its filter",
	  scn_forbidden_syscall, NULL },
	{ NULL, NULL, NULL, NULL },
};
