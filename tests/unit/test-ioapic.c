// SPDX-License-Identifier: GPL-2.0-only
/*
 * The userspace IOAPIC through its MMIO registers, with a fake MSI sink
 * in place of KVM: ID, version, redirection entries, edge and level
 * delivery, remote IRR and the EOI that re-delivers, hostile accesses.
 */
#include "devices/x86/ioapic.h"
#include "tests/test.h"

#define BASE 0xfec00000ull
#define REG_SELECT 0x00
#define REG_WINDOW 0x10
#define REG_EOI 0x40

#define MASKED (1u << 16)
#define LEVEL (1u << 15)
#define REMOTE_IRR (1u << 14)
#define LOGICAL (1u << 11)

struct msi {
	uint64_t addr;
	uint32_t data;
};

static struct {
	struct msi sent[64];
	unsigned int nr_sent;
	struct msi route[IOAPIC_PINS];
	unsigned int nr_routes;
} sink;

static int fake_signal_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	if (sink.nr_sent < ARRAY_SIZE(sink.sent))
		sink.sent[sink.nr_sent] = (struct msi){ addr, data };
	sink.nr_sent++;
	return 0;
}

static int fake_route_update(void *ctx, uint32_t pin, uint64_t addr,
			     uint32_t data)
{
	(void)ctx;
	if (pin < IOAPIC_PINS)
		sink.route[pin] = (struct msi){ addr, data };
	sink.nr_routes++;
	return 0;
}

static const struct ioapic_ops ops = {
	.signal_msi = fake_signal_msi,
	.route_update = fake_route_update,
};

static struct ioapic io;
static struct bus mmio = { .name = "mmio" };

static void setup(void)
{
	memset(&sink, 0, sizeof(sink));
	bus_free(&mmio);
	ioapic_init(&io, &ops, NULL);
	EXPECT(ioapic_register(&io, &mmio, BASE) == 0,
	       "the IOAPIC should register");
}

static int io_access(uint64_t off, uint32_t *v, uint32_t size, bool is_write)
{
	uint8_t data[8] = { 0 };
	int r;

	if (is_write)
		memcpy(data, v, size);
	r = bus_access(&mmio, BASE + off, data, size, is_write);
	if (!is_write)
		memcpy(v, data, size);
	return r;
}

static uint32_t reg_read(uint32_t idx)
{
	uint32_t v = 0;

	io_access(REG_SELECT, &idx, 4, true);
	io_access(REG_WINDOW, &v, 4, false);
	return v;
}

static void reg_write(uint32_t idx, uint32_t v)
{
	io_access(REG_SELECT, &idx, 4, true);
	io_access(REG_WINDOW, &v, 4, true);
}

static void set_entry(uint32_t pin, uint32_t low, uint32_t high)
{
	reg_write(0x10 + 2 * pin + 1, high);
	reg_write(0x10 + 2 * pin, low);
}

static void test_id_version_arbitration(void)
{
	setup();
	EXPECT_EQ(reg_read(0x01), 0x170020,
		  "version 0x20 with 24 entries (max index 23)");
	EXPECT_EQ(reg_read(0x00), 0, "the ID should reset to 0");
	reg_write(0x00, 0xff000000);
	EXPECT_EQ(reg_read(0x00), 0x0f000000, "the ID should be 4 bits");
	EXPECT_EQ(reg_read(0x02), 0x0f000000,
		  "arbitration should read the ID");
	reg_write(0x01, 0);
	EXPECT_EQ(reg_read(0x01), 0x170020, "version should be read-only");
}

static void test_ioregsel_reads_back(void)
{
	uint32_t v = 0x1234;

	setup();
	io_access(REG_SELECT, &v, 4, true);
	v = 0;
	io_access(REG_SELECT, &v, 4, false);
	EXPECT_EQ(v, 0x34, "IOREGSEL should hold 8 bits");
}

static void test_entries_reset_masked_and_read_back(void)
{
	setup();
	for (uint32_t pin = 0; pin < IOAPIC_PINS; pin++)
		EXPECT_EQ(reg_read(0x10 + 2 * pin), MASKED,
			  "pin %u should reset masked", pin);
	set_entry(5, LEVEL | LOGICAL | 0x100 | 0x41, 0x03000000);
	EXPECT_EQ(reg_read(0x10 + 10), LEVEL | LOGICAL | 0x100 | 0x41,
		  "the low half should read back");
	EXPECT_EQ(reg_read(0x10 + 11), 0x03000000,
		  "the high half should read back");
	/* Delivery status and remote IRR are not the guest's to set. */
	set_entry(6, (1u << 12) | REMOTE_IRR | LEVEL | MASKED | 0x42, 0);
	EXPECT_EQ(reg_read(0x10 + 12), LEVEL | MASKED | 0x42,
		  "read-only bits should stay clear");
}

static void test_route_follows_entry(void)
{
	setup();
	set_entry(4, 0x34, 0x01000000);
	EXPECT_EQ(sink.route[4].addr, 0xfee01000, "route address dest 1");
	EXPECT_EQ(sink.route[4].data, 0x34, "route data: vector, edge");
	set_entry(9, LEVEL | LOGICAL | 0x100 | 0x51, 0x02000000);
	EXPECT_EQ(sink.route[9].addr, 0xfee02004,
		  "route address: dest 2, logical");
	EXPECT_EQ(sink.route[9].data, 0xc151,
		  "route data: level, assert, lowest priority, vector");
	sink.nr_routes = 0;
	reg_write(0x10 + 18, LEVEL | LOGICAL | 0x100 | 0x51 | MASKED);
	EXPECT_EQ(sink.nr_routes, 0,
		  "masking should not change the route");
}

static void test_edge_delivers_on_rising_edge(void)
{
	setup();
	set_entry(4, 0x34, 0x01000000);
	ioapic_set_level(&io, 4, true);
	EXPECT_EQ(sink.nr_sent, 1, "a rising edge should deliver");
	EXPECT_EQ(sink.sent[0].addr, 0xfee01000, "MSI address");
	EXPECT_EQ(sink.sent[0].data, 0x34, "MSI data");
	ioapic_set_level(&io, 4, true);
	EXPECT_EQ(sink.nr_sent, 1, "a held line should not deliver again");
	ioapic_set_level(&io, 4, false);
	ioapic_set_level(&io, 4, true);
	EXPECT_EQ(sink.nr_sent, 2, "the next edge should deliver");
	EXPECT_EQ(reg_read(0x10 + 8) & REMOTE_IRR, 0,
		  "edge pins never set remote IRR");
}

static void test_masked_pin_does_not_deliver(void)
{
	setup();
	set_entry(3, MASKED | 0x33, 0);
	ioapic_set_level(&io, 3, true);
	EXPECT_EQ(sink.nr_sent, 0, "a masked edge pin should not deliver");
	set_entry(3, 0x33, 0);
	EXPECT_EQ(sink.nr_sent, 0, "an edge on a masked pin is lost");
	set_entry(7, LEVEL | MASKED | 0x37, 0);
	ioapic_set_level(&io, 7, true);
	EXPECT_EQ(sink.nr_sent, 0, "a masked level pin should not deliver");
	set_entry(7, LEVEL | 0x37, 0);
	EXPECT_EQ(sink.nr_sent, 1,
		  "unmasking an asserted level pin should deliver");
}

static void test_level_remote_irr_and_eoi(void)
{
	setup();
	set_entry(10, LEVEL | 0x4a, 0);
	ioapic_set_level(&io, 10, true);
	EXPECT_EQ(sink.nr_sent, 1, "an asserted level pin should deliver");
	EXPECT_EQ(sink.sent[0].data, 0xc04a, "level MSI data");
	EXPECT(reg_read(0x10 + 20) & REMOTE_IRR, "remote IRR should be set");
	ioapic_set_level(&io, 10, false);
	ioapic_set_level(&io, 10, true);
	EXPECT_EQ(sink.nr_sent, 1, "remote IRR should hold delivery");
	ioapic_eoi(&io, 0x4b);
	EXPECT_EQ(sink.nr_sent, 1, "an EOI of another vector changes nothing");
	ioapic_eoi(&io, 0x4a);
	EXPECT_EQ(sink.nr_sent, 2, "EOI with the line high should re-deliver");
	EXPECT(reg_read(0x10 + 20) & REMOTE_IRR,
	       "remote IRR should be set again");
	ioapic_set_level(&io, 10, false);
	ioapic_eoi(&io, 0x4a);
	EXPECT_EQ(sink.nr_sent, 2, "EOI with the line low should not deliver");
	EXPECT_EQ(reg_read(0x10 + 20) & REMOTE_IRR, 0,
		  "the EOI should clear remote IRR");
}

static void test_eoi_register(void)
{
	uint32_t v = 0x4c;

	setup();
	set_entry(11, LEVEL | 0x4c, 0);
	ioapic_set_level(&io, 11, true);
	io_access(REG_EOI, &v, 4, true);
	EXPECT_EQ(sink.nr_sent, 2,
		  "a write to the EOI register should act as an EOI");
}

/* Linux clears a stuck remote IRR by switching the pin to edge and back. */
static void test_edge_switch_clears_remote_irr(void)
{
	setup();
	set_entry(12, LEVEL | 0x4d, 0);
	ioapic_set_level(&io, 12, true);
	EXPECT_EQ(sink.nr_sent, 1, "the level pin should deliver");
	reg_write(0x10 + 24, MASKED | 0x4d);
	EXPECT_EQ(reg_read(0x10 + 24) & REMOTE_IRR, 0,
		  "switching to edge should clear remote IRR");
	reg_write(0x10 + 24, MASKED | LEVEL | 0x4d);
	reg_write(0x10 + 24, LEVEL | 0x4d);
	EXPECT_EQ(sink.nr_sent, 2,
		  "unmasked again with the line high it should deliver");
}

static void test_reserved_delivery_modes_not_sent(void)
{
	static const uint32_t modes[] = { 3, 6, 7 };

	setup();
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		set_entry(13, modes[i] << 8 | 0x50, 0);
		ioapic_set_level(&io, 13, true);
		ioapic_set_level(&io, 13, false);
		EXPECT_EQ(sink.nr_sent, 0, "delivery mode %u should not be sent",
			  modes[i]);
	}
	set_entry(13, 4u << 8, 0);
	ioapic_set_level(&io, 13, true);
	EXPECT_EQ(sink.nr_sent, 1, "an NMI entry should be sent");
	EXPECT_EQ(sink.sent[0].data, 0x400, "NMI MSI data");
}

static void test_bad_indexes_and_accesses(void)
{
	static const uint32_t bad[] = { 0x03, 0x0f, 0x10 + 2 * IOAPIC_PINS,
					0x41, 0x80, 0xff };
	uint64_t before[IOAPIC_PINS];
	uint32_t v;

	setup();
	memcpy(before, io.redtbl, sizeof(before));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		reg_write(bad[i], 0x12345678);
		EXPECT_EQ(reg_read(bad[i]), 0xffffffff,
			  "register 0x%x should read all-ones", bad[i]);
	}
	EXPECT(!memcmp(before, io.redtbl, sizeof(before)),
	       "writes to bad registers should change no entry");
	EXPECT(ioapic_set_level(&io, IOAPIC_PINS, true) == -EINVAL,
	       "a pin beyond the last should fail");
	EXPECT(ioapic_set_level(&io, 0xffffffff, true) == -EINVAL,
	       "a huge pin should fail");
	/* Odd sizes and offsets: reads 0, writes do nothing. */
	v = 0;
	io_access(REG_SELECT, &v, 4, true);
	v = 0x10;
	EXPECT(io_access(REG_SELECT, &v, 1, true) == 0, "byte write accepted");
	v = 0xff;
	EXPECT(io_access(REG_SELECT, &v, 2, false) == 0 && v == 0,
	       "a 2-byte read should read 0");
	v = 0;
	io_access(REG_SELECT, &v, 4, false);
	EXPECT_EQ(v, 0, "a byte write should not change IOREGSEL");
	v = 0xff;
	EXPECT(io_access(0x04, &v, 4, false) == 0 && v == 0,
	       "an unaligned read should read 0");
	v = 0xff;
	EXPECT(io_access(0xffc, &v, 4, false) == 0 && v == 0,
	       "the end of the page should read 0");
	EXPECT(io_access(0x800, &v, 4, true) == 0, "writes anywhere accepted");
	EXPECT_EQ(sink.nr_sent, 0, "nothing should be delivered");
}

TEST_MAIN(TEST_CASE(test_id_version_arbitration),
	  TEST_CASE(test_ioregsel_reads_back),
	  TEST_CASE(test_entries_reset_masked_and_read_back),
	  TEST_CASE(test_route_follows_entry),
	  TEST_CASE(test_edge_delivers_on_rising_edge),
	  TEST_CASE(test_masked_pin_does_not_deliver),
	  TEST_CASE(test_level_remote_irr_and_eoi),
	  TEST_CASE(test_eoi_register),
	  TEST_CASE(test_edge_switch_clears_remote_irr),
	  TEST_CASE(test_reserved_delivery_modes_not_sent),
	  TEST_CASE(test_bad_indexes_and_accesses))
