/* SPDX-License-Identifier: GPL-2.0-only */
/* The test guest's own little runtime: ports or MMIO, console, hypercalls. */
#ifndef CVMM_GUEST_H
#define CVMM_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/bootinfo.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

extern struct bootinfo *bi;

#if defined(__aarch64__)
#include "guest/arm64/arm64.h"
#else
static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* The time stamp counter: it runs in real time, however slow the vCPU. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}
#endif

/* One byte to the UART; per architecture (x86.c, arm64/arm64.c). */
void uart_putc(char c);

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

void putstr(const char *s);
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* End the VM with status; never returns. */
void __attribute__((noreturn)) guest_exit(uint32_t status);
/* Stop this vCPU; never returns. */
void __attribute__((noreturn)) guest_park(void);

/*
 * x86 only, KVM_HC_MAP_GPA_RANGE: returns what the VMM put in hypercall.ret (0 or a
 * positive errno), or KVM's own negative code (-22, -1000).
 */
long hc_map_gpa_range(uint64_t gpa, uint64_t npages, uint64_t attrs);

/* Fail the scenario with a message: prints "FAIL: ..." and exits 1. */
void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...);

#define CHECK(cond, ...)                    \
	do {                                \
		if (!(cond))                \
			fail(__VA_ARGS__);  \
	} while (0)

/* xorshift64*: the stress scenarios' random numbers. */
uint64_t rand64(uint64_t *state);

struct scenario {
	const char *name;
	const char *what;
	/* Runs on the BSP; APs call ap_main if set, else park. */
	int (*run)(void);
	void (*ap_main)(uint32_t cpu);
};

extern const struct scenario basic_scenarios[];
extern const struct scenario mem_scenarios[];
extern const struct scenario security_scenarios[];
extern const struct scenario arm64_scenarios[];

#endif
