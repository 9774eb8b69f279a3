// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenarios of the VM core: the default banner, and guests that break the
 * rules on purpose so the tests can watch cvmm refuse them.
 */
#include "guest.h"

/*
 * TSC ticks to wait for the APs: seconds at any TSC rate a host has. A
 * bound in spins would be a bound in the host's load instead: a vCPU
 * thread that waits for a core spins no less, and runs out first.
 */
#define VCPU_WAIT_TSC (1ull << 34)

/* Wait (bounded in time) until every vCPU has reached guest_main. */
static uint32_t wait_for_vcpus(void)
{
	uint64_t start = rdtsc();

	while (bi->vcpus_up < bi->nr_vcpus &&
	       rdtsc() - start < VCPU_WAIT_TSC)
		cpu_relax();
	return bi->vcpus_up;
}

/* Touch the first and last page of each RAM range: it must be there. */
static int check_ram(void)
{
	for (uint32_t i = 0; i < bi->nr_ram; i++) {
		uint64_t first = bi->ram[i].gpa, last;
		volatile uint64_t *p;

		if (first < GUEST_FREE_GPA)
			first = GUEST_FREE_GPA;
		last = bi->ram[i].gpa + bi->ram[i].size - 8;
		if (last >= 1ull << 32 || first > last)
			continue; /* only the low 4 GiB are mapped */
		p = (volatile uint64_t *)first;
		*p = 0x5a5a0000 + i;
		CHECK(*p == 0x5a5a0000 + i, "RAM at 0x%lx does not hold data", first);
		p = (volatile uint64_t *)last;
		*p = ~(uint64_t)i;
		CHECK(*p == ~(uint64_t)i, "RAM at 0x%lx does not hold data", last);
	}
	return 0;
}

static int scn_default(void)
{
	uint32_t up;

	printf("cvmm test guest: hello from scenario '%s'\n", bi->scenario);
	printf("memory: %lu MiB in %u range(s), backed by %s\n",
	       bi->ram_size >> 20, bi->nr_ram, bi->backing);
	for (uint32_t i = 0; i < bi->nr_ram; i++)
		printf("  ram 0x%lx-0x%lx\n", bi->ram[i].gpa,
		       bi->ram[i].gpa + bi->ram[i].size - 1);
	printf("confidential mode: %s%s\n", bi->cc_name,
	       bi->flags & BOOTINFO_F_PRIVATE_MEM ? " (private memory)" : "");
	check_ram();
	up = wait_for_vcpus();
	printf("vcpus: %u of %u online\n", up, bi->nr_vcpus);
	CHECK(up == bi->nr_vcpus, "only %u of %u vCPUs came up", up, bi->nr_vcpus);
	printf("all good, powering off\n");
	return 0;
}

/* Exit with the status given as the scenario argument. */
static int scn_exit_status(void)
{
	printf("exiting with status %lu\n", bi->arg);
	return (int)bi->arg;
}

/* Port 0x7f is not a device: cvmm must stop the VM. */
static int scn_bad_port(void)
{
	printf("writing to port 0x7f\n");
	outb(0x7f, 1);
	return 0;
}

struct __attribute__((packed)) idtr {
	uint16_t limit;
	uint64_t base;
};

/* An empty IDT turns any exception into a triple fault. */
static int scn_triple_fault(void)
{
	static const struct idtr empty = { 0, 0 };

	printf("loading an empty IDT and faulting\n");
	asm volatile("lidt %0\n\tud2" : : "m"(empty));
	return 0;
}

/* HLT with interrupts off: nothing can ever wake this vCPU. */
static int scn_hlt(void)
{
	printf("halting with interrupts off\n");
	asm volatile("cli\n\thlt");
	return 0;
}

const struct scenario basic_scenarios[] = {
	{ "default", "banner, memory and vCPUs seen", scn_default, NULL },
	{ "exit-status", "exit with status <arg>", scn_exit_status, NULL },
	{ "bad-port", "write to an unknown port", scn_bad_port, NULL },
	{ "triple-fault", "fault with an empty IDT", scn_triple_fault, NULL },
	{ "hlt", "hlt with interrupts off", scn_hlt, NULL },
	{ NULL, NULL, NULL, NULL },
};
