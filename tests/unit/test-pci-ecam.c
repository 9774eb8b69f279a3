// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI host bridge laid out by its platform (pci_host_init_ecam(), as
 * the arm64 machine has it): ECAM at the layout's address and nowhere
 * else, BARs carved from the layout's windows only, a missing window
 * refusing allocations; the PC's pci_host_init() keeps its layout. And
 * the virtio-pci transport's MSI routes carry each device's requester ID
 * (bus 0: slot << 3), which an ITS translates by.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/pci.h"
#include "devices/virtio/devices.h"
#include "devices/virtio/pci.h"
#include "lib/event-loop.h"
#include "memory/memory.h"
#include "tests/test.h"
#include "vmm/arm64/layout.h"

static const struct pci_host_layout arm64_layout = {
	.ecam_gpa = ARM64_PCI_ECAM_GPA,
	.mmio32_base = ARM64_PCI_MMIO_GPA,
	.mmio32_size = ARM64_PCI_MMIO_SIZE,
};

static uint32_t read32(const struct bus *bus, uint64_t gpa)
{
	uint32_t v = 0;

	EXPECT(bus_access(bus, gpa, (uint8_t *)&v, 4, false) == 0,
	       "a read at 0x%llx should reach a device",
	       (unsigned long long)gpa);
	return v;
}

static void test_ecam_at_layout(void)
{
	struct bus mmio = { .name = "mmio" };
	struct pci_host host;
	uint8_t b[4];

	EXPECT(pci_host_init_ecam(&host, &mmio, &arm64_layout) == 0,
	       "the ECAM host should register");
	/* The host bridge at 00.0: Red Hat's generic PCIe host bridge. */
	EXPECT_EQ(read32(&mmio, ARM64_PCI_ECAM_GPA), 0x00081b36,
		  "vendor and device of 00.0");
	/* An empty slot reads all-ones. */
	EXPECT_EQ(read32(&mmio, ARM64_PCI_ECAM_GPA + (5 << 15)), 0xffffffff,
		  "slot 5 is empty");
	EXPECT(bus_access(&mmio, ARM64_PCI_ECAM_GPA + PCI_ECAM_SIZE, b, 4,
			  false) == -ENODEV, "ECAM is one bus, 1 MiB");
	EXPECT(bus_access(&mmio, PCI_ECAM_BASE, b, 4, false) == -ENODEV,
	       "nothing at the PC's ECAM address");
	bus_free(&mmio);
}

static void test_windows(void)
{
	struct bus mmio = { .name = "mmio" };
	struct pci_host host;
	uint64_t a, b, c;

	EXPECT(pci_host_init_ecam(&host, &mmio, &arm64_layout) == 0,
	       "the ECAM host should register");
	EXPECT(pci_alloc_mmio(&host, 0x8000, false, &a) == 0, "first BAR");
	EXPECT(pci_alloc_mmio(&host, 0x1000, false, &b) == 0, "second BAR");
	EXPECT(pci_alloc_mmio(&host, 0x10000, false, &c) == 0, "third BAR");
	EXPECT_EQ(a, ARM64_PCI_MMIO_GPA, "the window's start");
	EXPECT_EQ(b, ARM64_PCI_MMIO_GPA + 0x8000, "packed after the first");
	EXPECT_EQ(c, ARM64_PCI_MMIO_GPA + 0x10000, "naturally aligned");
	EXPECT(pci_alloc_mmio(&host, ARM64_PCI_MMIO_SIZE, false, &a) ==
	       -ENOSPC, "past the window's end");
	EXPECT(pci_alloc_mmio(&host, 0x1000, true, &a) == -ENOSPC,
	       "no 64-bit window in this layout");
	bus_free(&mmio);
}

static void test_pc_layout(void)
{
	struct bus mmio = { .name = "mmio" }, pio = { .name = "pio" };
	struct pci_host host;
	uint64_t a;

	EXPECT(pci_host_init(&host, &pio, &mmio, 0x150000000ull) == 0,
	       "the PC host should register");
	EXPECT_EQ(read32(&mmio, PCI_ECAM_BASE), 0x00081b36, "ECAM on the PC");
	EXPECT(bus_find(&pio, PCI_CONFIG_ADDRESS, 4) != NULL,
	       "the PC keeps mechanism #1");
	EXPECT(pci_alloc_mmio(&host, 0x1000, false, &a) == 0 &&
	       a == PCI_MMIO32_BASE, "32-bit window at 0x%llx",
	       (unsigned long long)a);
	EXPECT(pci_alloc_mmio(&host, 0x1000, true, &a) == 0 &&
	       a == 0x180000000ull, "64-bit window 1 GiB aligned above RAM");
	bus_free(&mmio);
	bus_free(&pio);
}

/* The platform's services, recording what the transport asks for. */
static uint32_t route_devid[64];
static unsigned int nr_routes;

static int fake_route_add(void *ctx, uint32_t devid, uint32_t *ret_gsi)
{
	(void)ctx;
	if (nr_routes == ARRAY_SIZE(route_devid))
		return -ENOSPC;
	route_devid[nr_routes] = devid;
	*ret_gsi = nr_routes++;
	return 0;
}

static int fake_route_update(void *ctx, uint32_t gsi, uint64_t addr,
			     uint32_t data)
{
	(void)ctx, (void)gsi, (void)addr, (void)data;
	return 0;
}

static int fake_fd(void *ctx, int fd, uint32_t gsi)
{
	(void)ctx, (void)fd, (void)gsi;
	return 0;
}

static int fake_ioeventfd(void *ctx, int fd, uint64_t gpa)
{
	(void)ctx, (void)fd, (void)gpa;
	return 0;
}

static int fake_signal_msi(void *ctx, uint32_t devid, uint64_t addr,
			   uint32_t data)
{
	(void)ctx, (void)devid, (void)addr, (void)data;
	return 0;
}

static int fake_set_intx(void *ctx, uint32_t gsi, bool level)
{
	(void)ctx, (void)gsi, (void)level;
	return 0;
}

static const struct virtio_pci_irq_ops fake_irq = {
	.msi_route_add = fake_route_add,
	.msi_route_update = fake_route_update,
	.irqfd_assign = fake_fd,
	.ioeventfd_assign = fake_ioeventfd,
	.ioeventfd_deassign = fake_ioeventfd,
	.signal_msi = fake_signal_msi,
	.set_intx = fake_set_intx,
};

static void test_requester_ids(void)
{
	struct bus mmio = { .name = "mmio" };
	struct guest_memory mem = { 0 };
	struct event_loop loop;
	struct pci_host host;
	struct virtio_pci *vp[2] = { NULL, NULL };
	struct virtio_pci_platform plat = {
		.pci = &host,
		.loop = &loop,
		.irq = &fake_irq,
		.intx_base = ARM64_PCI_INTX_SPI,
	};
	unsigned int per_dev;

	nr_routes = 0;
	EXPECT(event_loop_init(&loop) == 0, "event loop");
	EXPECT(pci_host_init_ecam(&host, &mmio, &arm64_layout) == 0,
	       "the ECAM host should register");
	for (unsigned int i = 0; i < 2; i++) {
		struct virtio_device *vdev = NULL;

		EXPECT(virtio_rng_create(&mem, &vdev) == 0, "an rng");
		vp[i] = vdev ? virtio_pci_alloc(vdev) : NULL;
		EXPECT(vp[i] && virtio_pci_plug(vp[i], &plat) == 0,
		       "plugging device %u", i);
	}
	/* One vector per queue and one for configuration changes. */
	per_dev = nr_routes / 2;
	EXPECT(per_dev >= 2 && nr_routes == 2 * per_dev,
	       "routes: %u for two devices", nr_routes);
	for (unsigned int i = 0; i < nr_routes; i++)
		EXPECT_EQ(route_devid[i], (1 + i / per_dev) << 3,
			  "route %u's device ID is its device's 0:slot.0", i);
	/* Its BAR is in the window, its INTA on the slot's SPI. */
	EXPECT(vp[0] && vp[0]->bar_gpa >= ARM64_PCI_MMIO_GPA &&
	       vp[0]->bar_gpa < ARM64_PCI_MMIO_GPA + ARM64_PCI_MMIO_SIZE,
	       "BAR in the 32-bit window");
	EXPECT_EQ(read32(&mmio, ARM64_PCI_ECAM_GPA + (1 << 15)),
		  0x1af4 | (0x1040 + 4) << 16, "virtio-rng at 00:01.0");
	for (unsigned int i = 0; i < 2; i++)
		vp[i] = virtio_pci_free(vp[i]);
	event_loop_fini(&loop);
	bus_free(&mmio);
}

TEST_MAIN(TEST_CASE(test_ecam_at_layout),
	  TEST_CASE(test_windows),
	  TEST_CASE(test_pc_layout),
	  TEST_CASE(test_requester_ids))
