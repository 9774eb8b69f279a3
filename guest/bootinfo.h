/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between cvmm and its embedded test guest: where things are
 * in guest memory, the boot-info block cvmm fills in, and the I/O ports the
 * guest uses to talk back. Included by both sides.
 */
#ifndef CVMM_GUEST_BOOTINFO_H
#define CVMM_GUEST_BOOTINFO_H

/*
 * x86: the addresses below are GPAs. arm64: RAM starts at
 * GUEST_ARM64_RAM_GPA and the layout is the same, offset by it (the boot
 * info at GUEST_ARM64_RAM_GPA + GUEST_BOOTINFO_GPA, the image at
 * GUEST_ARM64_RAM_GPA + GUEST_LOAD_GPA...), with the guest's own level-1
 * translation table where x86 has its PML4. The ports are MMIO addresses
 * on arm64, at the same numbers (nothing else sits in the first 128 MiB),
 * and the UART is the 16550 at GUEST_ARM64_UART_GPA.
 */
#define GUEST_ARM64_RAM_GPA 0x80000000ull
#define GUEST_ARM64_UART_GPA 0x09000000ull

/* Low memory, set up by cvmm before the first KVM_RUN. */
#define GUEST_PML4_GPA 0x1000ull
#define GUEST_PDPT_GPA 0x2000ull
#define GUEST_PD_GPA 0x3000ull /* four pages: 0-4 GiB in 2 MiB pages */
#define GUEST_BOOTINFO_GPA 0x7000ull
#define GUEST_GDT_GPA 0x8000ull
#define GUEST_STACK_TOP 0xa0000ull
#define GUEST_STACK_SIZE 0x2000ull
#define GUEST_LOAD_GPA 0x100000ull
/* Everything from here to the end of RAM is the guest's to play with. */
#define GUEST_FREE_GPA 0x200000ull

/* Ports */
#define GUEST_PORT_UART 0x3f8
/* outl(status): end the VM; status becomes cvmm's exit status. */
#define GUEST_PORT_EXIT 0x500
/* outl(anything): this vCPU is done, the others go on. */
#define GUEST_PORT_PARK 0x504
/* outl(cmd): a test request, arguments and results in bootinfo.req. */
#define GUEST_PORT_TEST 0x508

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Test requests: what the host sees, for the memory scenarios. */
enum testdev_cmd {
	/*
	 * Allocated bytes of [gpa, gpa + len), measured from the files after
	 * pending discards are done: out[0] guest_memfd, out[1] shared side.
	 */
	TESTDEV_MEASURE = 1,
	/*
	 * The host's view of the shared side of [gpa, gpa + len): out[0] sum
	 * of its 64-bit words, out[1] how many of them are nonzero, out[2]
	 * how many equal arg.
	 */
	TESTDEV_HOST_READ = 2,
	/*
	 * Conversion engine counters: out[0] attribute calls, out[1]
	 * guest_memfd discards, out[2] shared discards, out[3] guest_memfd
	 * allocations, out[4] conversions, out[5] runs.
	 */
	TESTDEV_STATS = 3,
	/*
	 * Builds with -Ddebug_hooks=true only: a thread makes a system call
	 * its seccomp filter forbids (socket), the vCPU thread serving the
	 * request for arg 0, the main thread for arg 1. EINVAL without hooks.
	 */
	TESTDEV_FORBIDDEN_SYSCALL = 4,
};

#define BOOTINFO_MAGIC 0x314f464e494d4d56ull /* "VMMINFO1" */
#define BOOTINFO_MAX_RAM 4

/* bootinfo.flags */
#define BOOTINFO_F_HYPERCALL (1u << 0)  /* MAP_GPA_RANGE exits enabled */
#define BOOTINFO_F_PRIVATE_MEM (1u << 1) /* the VM has private memory */

struct bootinfo_ram {
	uint64_t gpa;
	uint64_t size;
};

struct bootinfo {
	uint64_t magic;
	uint32_t version;
	uint32_t nr_vcpus;
	uint64_t ram_size;
	uint32_t cc_mode;
	uint32_t flags;
	char cc_name[8];
	char backing[24];
	char scenario[32];
	uint32_t nr_ram;
	uint32_t pad;
	struct bootinfo_ram ram[BOOTINFO_MAX_RAM];
	/* Seed for randomized scenarios; argument for the scenario. */
	uint64_t seed;
	uint64_t arg;
	/* Written by the guest: vCPUs that reached their entry. */
	volatile uint32_t vcpus_up;
	uint32_t pad2;
	/* GUEST_PORT_TEST: arguments in, status (0 or errno) and out[] back. */
	struct bootinfo_req {
		uint32_t cmd;
		uint32_t status;
		uint64_t gpa;
		uint64_t len;
		uint64_t arg;
		uint64_t out[8];
	} req;
};

#endif /* __ASSEMBLER__ */
#endif
