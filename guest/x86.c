// SPDX-License-Identifier: GPL-2.0-only
/* The x86 test guest's ports and hypercall. */
#include "guest.h"

/* One OUT per byte: the UART's transmitter is always ready in cvmm. */
void uart_putc(char c)
{
	outb(GUEST_PORT_UART, c);
}

void guest_exit(uint32_t status)
{
	for (;;)
		outl(GUEST_PORT_EXIT, status);
}

void guest_park(void)
{
	for (;;)
		outl(GUEST_PORT_PARK, 0);
}

static bool cpu_is_amd(void)
{
	uint32_t a = 0, b, c, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x68747541; /* "Auth" of AuthenticAMD */
}

long hc_map_gpa_range(uint64_t gpa, uint64_t npages, uint64_t attrs)
{
	static int amd = -1;
	long ret;

	if (amd < 0)
		amd = cpu_is_amd();
	if (amd)
		asm volatile("vmmcall"
			     : "=a"(ret)
			     : "a"(12), "b"(gpa), "c"(npages), "d"(attrs)
			     : "memory");
	else
		asm volatile("vmcall"
			     : "=a"(ret)
			     : "a"(12), "b"(gpa), "c"(npages), "d"(attrs)
			     : "memory");
	return ret;
}
