// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenarios for the hardening tests (tests/kvm/test-security.sh): a guest
 * that throws junk at every device and checks cvmm still serves it, one
 * that asks the host for a forbidden system call (debug builds), and one
 * that runs until killed so a test can look at the running cvmm.
 */
#include "guest.h"

#define UART GUEST_PORT_UART
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define EINVAL 22

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* String I/O: one exit carries many items. */
static void outsb(uint16_t port, const void *buf, uint64_t n)
{
	asm volatile("rep outsb" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
}

static void insb(uint16_t port, void *buf, uint64_t n)
{
	asm volatile("rep insb" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}

static void insl(uint16_t port, void *buf, uint64_t n)
{
	asm volatile("rep insl" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}

/* Random accesses of every size to the UART, looped back on itself. */
static void junk_uart(uint64_t *rng, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t r = rand64(rng);
		unsigned int kind = (r >> 8) % 6;
		/* Aligned to its size: a straddling access fails the VM. */
		uint16_t port = UART + (r & 7 & ~((1u << (kind / 2)) - 1));

		uint8_t v = r >> 16;

		/* Keep loopback on: the console must not print junk. */
		if (port == UART + UART_MCR)
			v |= MCR_LOOP;
		switch (kind) {
		case 0:
			outb(port, v);
			break;
		case 1:
			(void)inb(port);
			break;
		case 2:
			outw(port, r >> 16);
			break;
		case 3:
			(void)inw(port);
			break;
		case 4:
			outl(port, r >> 16);
			break;
		default:
			(void)inl(port);
			break;
		}
	}
}

/* One test-port request; returns its status. */
static uint32_t test_request(uint32_t cmd, uint64_t gpa, uint64_t len)
{
	bi->req.gpa = gpa;
	bi->req.len = len;
	bi->req.arg = 0;
	outl(GUEST_PORT_TEST, cmd);
	return bi->req.status;
}

static const struct {
	const char *what;
	uint32_t cmd;
	uint64_t gpa, len;
} bad_requests[] = {
	{ "command 0", 0, 0, 0 },
	{ "command 99", 99, 0, 0 },
	{ "command ~0", ~0u, 0, 0 },
	{ "read beyond RAM", TESTDEV_HOST_READ, 1ull << 40, 4096 },
	{ "read wrapping", TESTDEV_HOST_READ, ~0ull - 4095, 8192 },
	{ "read unaligned", TESTDEV_HOST_READ, GUEST_FREE_GPA + 1, 4096 },
	{ "read odd length", TESTDEV_HOST_READ, GUEST_FREE_GPA, 100 },
	{ "measure wrapping", TESTDEV_MEASURE, ~0ull - 4095, 8192 },
	{ "measure unaligned", TESTDEV_MEASURE, 4095, 4096 },
};
#define NR_BAD_REQUESTS (sizeof(bad_requests) / sizeof(bad_requests[0]))

static int scn_hostile_io(void)
{
	static uint8_t buf[8192];
	uint64_t rng = bi->seed | 1;
	uint32_t rejected = 0;

	printf("hostile-io: junk to every device\n");
	outb(UART + UART_MCR, MCR_OUT2 | MCR_LOOP);
	junk_uart(&rng, 20000);
	for (unsigned int i = 0; i < sizeof(buf); i++)
		buf[i] = rand64(&rng);
	outsb(UART, buf, sizeof(buf));
	insb(UART, buf, sizeof(buf));
	insl(UART, buf, sizeof(buf) / 4);
	/* Back to a console that prints, and check that the UART works. */
	outb(UART + UART_LCR, 0x03);
	outb(UART + UART_MCR, MCR_OUT2);
	outb(UART + UART_SCR, 0x5a);
	CHECK(inb(UART + UART_SCR) == 0x5a, "the UART scratch register fails");
	CHECK(inb(UART + UART_LSR) & 0x20, "the UART transmitter is not ready");
	/* The exit and park ports read as all-ones; only writes act. */
	(void)inb(GUEST_PORT_EXIT);
	(void)inl(GUEST_PORT_EXIT);
	(void)inw(GUEST_PORT_PARK + 2);
	insl(GUEST_PORT_PARK, buf, 64);
	/* Partial writes of the command: the rest of it stays as it was. */
	outb(GUEST_PORT_TEST, 0x7f);
	outw(GUEST_PORT_TEST + 2, 0xffff);
	for (unsigned int i = 0; i < NR_BAD_REQUESTS; i++) {
		uint32_t status = test_request(bad_requests[i].cmd,
					       bad_requests[i].gpa,
					       bad_requests[i].len);

		printf("hostile-io: %s -> %u\n", bad_requests[i].what, status);
		rejected += status != 0;
	}
	CHECK(test_request(TESTDEV_STATS, 0, 0) == 0,
	      "the test port stopped serving");
	printf("result: hostile-io-rejected %u of %lu\n", rejected,
	       NR_BAD_REQUESTS);
	CHECK(rejected == NR_BAD_REQUESTS, "a bad test request was accepted");
	printf("hostile-io: cvmm still serves\n");
	return 0;
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
	outl(GUEST_PORT_TEST, TESTDEV_FORBIDDEN_SYSCALL);
	status = bi->req.status;
	if (status == EINVAL) {
		printf("this cvmm was built without debug hooks\n");
		return 77;
	}
	for (unsigned int i = 0; bi->arg && i < 200000; i++)
		(void)inb(UART + UART_SCR);
	printf("the call returned %u and cvmm still serves\n", status);
	return 0;
}

/* Run until killed, doing I/O now and then. */
static int scn_hold(void)
{
	printf("holding until killed\n");
	for (;;) {
		for (unsigned int i = 0; i < 1000000; i++)
			cpu_relax();
		(void)inb(UART + UART_LSR);
	}
	return 0;
}

const struct scenario security_scenarios[] = {
	{ "hostile-io", "junk to every device, then check it still works",
	  scn_hostile_io, NULL },
	{ "forbidden-syscall", "debug builds: a thread breaks its filter",
	  scn_forbidden_syscall, NULL },
	{ "hold", "run until killed", scn_hold, NULL },
	{ NULL, NULL, NULL, NULL },
};
