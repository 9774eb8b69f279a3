// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port and MMIO accesses as a hostile guest makes them, to every device a
 * VM has: bus_access() on buses holding what vm_build() registers for the
 * test guest (the UART, the debug-exit and park ports, the test port with
 * its request block in fake guest memory) and for a PC (POST port, CMOS,
 * i8042, ACPI power registers, the PCI host bridge's ports and ECAM,
 * the split irqchip's IOAPIC), mixed with what the host side does (input
 * for the UART, flushes, IOAPIC wire levels and EOIs from KVM) and with
 * the guest rewriting the request block.
 * Nothing may crash, leak or break a device's invariants, and every
 * access must get an answer the bus contract allows.
 *
 * Adding a device: register it in setup() the way vm_build() does, and
 * its range in targets[] so that accesses find it often.
 */
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>

#include "devices/debug-exit.h"
#include "devices/x86/ioapic.h"
#include "devices/x86/legacy.h"
#include "devices/pci.h"
#include "devices/testdev.h"
#include "devices/uart.h"
#include "fake-mem.h"
#include "guest/bootinfo.h"

static struct bus pio, mmio;
static struct uart uart;
static struct debug_exit debug_exit;
static struct testdev testdev;
static struct cmos cmos;
static struct i8042 i8042;
static struct acpi_power acpi_power;
static struct pci_host pci;
static struct ioapic ioapic;
static unsigned int exits, power_events, msis;

static void on_exit_port(void *ctx, uint32_t status)
{
	(void)ctx;
	(void)status;
	exits++;
}

static void on_power(void *ctx)
{
	(void)ctx;
	power_events++;
}

/* The IOAPIC's messages: only ones the x86 MSI format allows. */
static int on_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	FUZZ_CHECK((addr & ~0xfffffull) == 0xfee00000ull && addr >> 32 == 0,
		   "IOAPIC MSI address 0x%llx", (unsigned long long)addr);
	FUZZ_CHECK((data & ~0xc7ffu) == 0, "IOAPIC MSI data 0x%x", data);
	msis++;
	return 0;
}

static int on_route(void *ctx, uint32_t pin, uint64_t addr, uint32_t data)
{
	FUZZ_CHECK(pin < IOAPIC_PINS, "route update of pin %u", pin);
	return on_msi(ctx, addr, data);
}

static const struct ioapic_ops ioapic_ops = {
	.signal_msi = on_msi,
	.route_update = on_route,
};

static void setup(void)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	FUZZ_CHECK(null >= 0, "/dev/null");
	uart_init(&uart, null);
	debug_exit = (struct debug_exit){ .on_exit = on_exit_port };
	testdev = (struct testdev){
		.mem = fm.mem,
		.req_gpa = GUEST_BOOTINFO_GPA + offsetof(struct bootinfo, req),
	};
	FUZZ_CHECK(uart_register(&uart, &pio, UART_COM1_BASE) == 0 &&
			   debug_exit_register(&debug_exit, &pio) == 0 &&
			   testdev_register(&testdev, &pio) == 0,
		   "test guest devices should register");
	i8042.ops = acpi_power.ops = (struct power_ops){
		.poweroff = on_power,
		.reset = on_power,
	};
	FUZZ_CHECK(post_register(&pio) == 0 &&
			   cmos_register(&cmos, &pio) == 0 &&
			   i8042_register(&i8042, &pio) == 0 &&
			   acpi_power_register(&acpi_power, &pio) == 0 &&
			   pci_host_init(&pci, &pio, &mmio, 8ull << 20) == 0,
		   "PC devices should register");
	ioapic_init(&ioapic, &ioapic_ops, NULL);
	FUZZ_CHECK(ioapic_register(&ioapic, &mmio, 0xfec00000ull) == 0,
		   "the IOAPIC should register");
}

/* Where the devices are, to aim at them and at their edges. */
static const struct {
	bool mmio;
	uint64_t base, span;
} targets[] = {
	{ false, UART_COM1_BASE, 8 },
	{ false, GUEST_PORT_EXIT, 12 },
	{ false, POST_PORT, 1 },
	{ false, CMOS_PORT, 2 },
	{ false, I8042_DATA_PORT, 5 },
	{ false, ACPI_POWER_PORT, ACPI_POWER_LEN },
	{ false, PCI_CONFIG_ADDRESS, 8 },
	{ true, PCI_ECAM_BASE, PCI_ECAM_SIZE },
	{ true, 0xfec00000ull, 0x50 },
};

static void guest_access(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in), how = fuzz_u8(in);
	uint32_t size = 1u << (how & 3);
	bool is_write = how & 4, is_mmio = (how & 0x18) == 0x18;
	uint64_t addr, value = fuzz_u64(in);
	uint8_t data[8];
	int r;

	/* At a device, a little before or after it, or anywhere. */
	if (sel < 224) {
		sel %= ARRAY_SIZE(targets);
		is_mmio = targets[sel].mmio;
		addr = targets[sel].base - 4 +
		       fuzz_u32(in) % (targets[sel].span + 8);
	} else {
		addr = is_mmio ? fuzz_u64(in) : fuzz_u16(in);
	}
	memcpy(data, &value, sizeof(data));
	r = bus_access(is_mmio ? &mmio : &pio, addr, data, size, is_write);
	FUZZ_CHECK(r == BUS_DONE || r == BUS_STOP_VCPU || r == -ENODEV ||
			   (r < 0 && r > -4096),
		   "access to 0x%llx gave %d", (unsigned long long)addr, r);
	if (r == -ENODEV)
		FUZZ_CHECK(!bus_find(is_mmio ? &mmio : &pio, addr, size),
			   "-ENODEV for 0x%llx, which a device covers",
			   (unsigned long long)addr);
}

/* The guest rewrites part of the request block. */
static void poke_request(struct fuzz_input *in)
{
	const size_t size = sizeof(struct bootinfo_req);
	uint8_t *req = mem_gpa_to_hva(fm.mem, testdev.req_gpa, size);
	uint8_t off = fuzz_u8(in) % size, len = fuzz_u8(in) % 9;

	for (uint8_t i = 0; i < len && off + i < size; i++)
		req[off + i] = fuzz_u8(in);
}

/*
 * The guest selects an IOAPIC register and writes it, as Linux does: a
 * shortcut to the states that single accesses reach only rarely.
 */
static void ioapic_program(struct fuzz_input *in)
{
	uint32_t sel = fuzz_u8(in) % 0x40, value = fuzz_u32(in);
	uint8_t data[4];

	memcpy(data, &sel, 4);
	FUZZ_CHECK(bus_access(&mmio, 0xfec00000ull, data, 4, true) == BUS_DONE,
		   "IOREGSEL write");
	memcpy(data, &value, 4);
	FUZZ_CHECK(bus_access(&mmio, 0xfec00010ull, data, 4, true) == BUS_DONE,
		   "IOWIN write");
}

/*
 * A device's wire (pins past the last must be refused), an EOI from
 * KVM, or the guest programming a register.
 */
static void ioapic_host(struct fuzz_input *in)
{
	uint8_t what = fuzz_u8(in), arg = fuzz_u8(in);
	uint32_t pin = arg % (IOAPIC_PINS + 4);

	if ((what & 3) == 3) {
		ioapic_program(in);
		return;
	}
	if (what & 1) {
		ioapic_eoi(&ioapic, arg);
		return;
	}
	FUZZ_CHECK((ioapic_set_level(&ioapic, pin, what & 2) == 0) ==
			   (pin < IOAPIC_PINS),
		   "ioapic_set_level(%u)", pin);
}

static void receive(struct fuzz_input *in)
{
	uint8_t buf[80];
	size_t n = fuzz_u8(in) % sizeof(buf);

	for (size_t i = 0; i < n; i++)
		buf[i] = fuzz_u8(in);
	FUZZ_CHECK(uart_receive(&uart, buf, n) <= n, "uart_receive");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };

	fake_mem_reset(BACKING_MEMFD, true, false);
	if (!pio.nr_devices)
		setup();
	uart_init(&uart, uart.out_fd);
	ioapic_fini(&ioapic);
	ioapic_init(&ioapic, &ioapic_ops, NULL);
	for (unsigned int ops = 0; in.size && ops < 256; ops++) {
		switch (fuzz_u8(&in) % 9) {
		case 0:
			poke_request(&in);
			break;
		case 1:
			receive(&in);
			break;
		case 2:
			uart_flush(&uart);
			break;
		case 3:
			ioapic_host(&in);
			break;
		default:
			guest_access(&in);
			break;
		}
		FUZZ_CHECK(uart.rx_count <= UART_FIFO_SIZE &&
				   uart.rx_head < UART_FIFO_SIZE &&
				   uart.out_len < sizeof(uart.out),
			   "UART state out of bounds");
		FUZZ_CHECK(ioapic.asserted >> IOAPIC_PINS == 0,
			   "IOAPIC wires beyond the last pin");
	}
	return 0;
}
