// SPDX-License-Identifier: GPL-2.0-only
/*
 * A virtio-pci BAR that the guest moves (devices/virtio/pci.c over the
 * host's BAR decoding in devices/pci.c), as OVMF does when it assigns BARs
 * from its own aperture and Linux does again when it finds them outside
 * the window of the ACPI tables: the registers answer at the new address
 * and no longer at the old one, and the queues' ioeventfds move with the
 * BAR (deassigned at the old notify addresses, assigned at the new), and
 * exist only while memory decoding is on. And the IDs OVMF's Virtio10Dxe
 * wants before it drives a device at all. KVM is a recorder here; the rig
 * runs the same moves under OVMF (tests/rig/test-firmware-disk.py).
 */
#include <string.h>
#include <unistd.h>

#include "devices/virtio/devices.h"
#include "devices/virtio/pci.h"
#include "tests/test.h"

#define NOTIFY_OFF 0x3000
#define OVMF_BAR 0x80000000ull
#define LINUX_BAR 0xc0010000ull
/* common configuration: num_queues (virtio 1.2 section 4.1.4.3) */
#define NUM_QUEUES_OFF 0x12

static struct {
	int fd;
	uint64_t gpa;
	bool on;
} ioeventfds[8];
static unsigned int nr_assigned, nr_deassigned;

static int route_add(void *ctx, uint32_t devid, uint32_t *ret_gsi)
{
	(void)ctx, (void)devid;
	*ret_gsi = 24;
	return 0;
}

static int route_update(void *ctx, uint32_t gsi, uint64_t a, uint32_t d)
{
	(void)ctx, (void)gsi, (void)a, (void)d;
	return 0;
}

static int irqfd(void *ctx, int fd, uint32_t gsi)
{
	(void)ctx, (void)fd, (void)gsi;
	return 0;
}

static int assign(void *ctx, int fd, uint64_t gpa)
{
	(void)ctx;
	for (unsigned int i = 0; i < ARRAY_SIZE(ioeventfds); i++) {
		if (ioeventfds[i].on)
			continue;
		ioeventfds[i].fd = fd;
		ioeventfds[i].gpa = gpa;
		ioeventfds[i].on = true;
		nr_assigned++;
		return 0;
	}
	return -ENOSPC;
}

static int deassign(void *ctx, int fd, uint64_t gpa)
{
	(void)ctx;
	for (unsigned int i = 0; i < ARRAY_SIZE(ioeventfds); i++) {
		if (!ioeventfds[i].on || ioeventfds[i].fd != fd ||
		    ioeventfds[i].gpa != gpa)
			continue;
		ioeventfds[i].on = false;
		nr_deassigned++;
		return 0;
	}
	return -ENOENT;
}

static int signal_msi(void *ctx, uint32_t devid, uint64_t a, uint32_t d)
{
	(void)ctx, (void)devid, (void)a, (void)d;
	return 0;
}

static int set_intx(void *ctx, uint32_t gsi, bool level)
{
	(void)ctx, (void)gsi, (void)level;
	return 0;
}

static const struct virtio_pci_irq_ops ops = {
	.msi_route_add = route_add,
	.msi_route_update = route_update,
	.irqfd_assign = irqfd,
	.ioeventfd_assign = assign,
	.ioeventfd_deassign = deassign,
	.signal_msi = signal_msi,
	.set_intx = set_intx,
};

static struct bus pio = { .name = "pio" }, mmio = { .name = "mmio" };
static struct pci_host host;
static struct event_loop loop;
static struct virtio_pci_platform plat = {
	.pci = &host,
	.loop = &loop,
	.irq = &ops,
	.intx_base = 16,
};

static uint64_t ecam(const struct virtio_pci *vp, uint32_t reg)
{
	return PCI_ECAM_BASE + ((uint64_t)vp->slot << 15) + reg;
}

static void cfg_write(const struct virtio_pci *vp, uint32_t reg,
		      uint32_t size, uint32_t v)
{
	EXPECT_EQ(bus_access(&mmio, ecam(vp, reg), (uint8_t *)&v, size, true),
		  0, "config write 0x%x", reg);
}

/* num_queues read at bar, or -ENODEV. */
static int read_num_queues(uint64_t bar, uint16_t *ret)
{
	return bus_access(&mmio, bar + NUM_QUEUES_OFF, (uint8_t *)ret, 2,
			  false);
}

/* The queue's ioeventfd: where it is, or UINT64_MAX without one. */
static uint64_t ioeventfd_at(const struct virtio_pci *vp, unsigned int q)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(ioeventfds); i++)
		if (ioeventfds[i].on && ioeventfds[i].fd == vp->vdev->vqs[q].kick.fd)
			return ioeventfds[i].gpa;
	return UINT64_MAX;
}

static struct virtio_pci *plug_rng(void)
{
	struct virtio_device *vdev = NULL;
	struct virtio_pci *vp;

	memset(ioeventfds, 0, sizeof(ioeventfds));
	nr_assigned = nr_deassigned = 0;
	bus_free(&pio);
	bus_free(&mmio);
	EXPECT_EQ(pci_host_init(&host, &pio, &mmio, 256ull << 20), 0,
		  "host");
	EXPECT_EQ(virtio_rng_create(NULL, &vdev), 0, "rng");
	vp = virtio_pci_alloc(vdev);
	EXPECT(vp && virtio_pci_plug(vp, &plat) == 0, "plug");
	return vp;
}

static void test_decoding_places_ioeventfds(void)
{
	struct virtio_pci *vp = plug_rng();
	uint64_t first = vp->bar_gpa;
	uint16_t n = 0;

	EXPECT_EQ(ioeventfd_at(vp, 0), UINT64_MAX, "none before decoding");
	EXPECT_EQ(read_num_queues(first, &n), -ENODEV, "BAR not decoding");
	cfg_write(vp, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	EXPECT_EQ(ioeventfd_at(vp, 0), first + NOTIFY_OFF, "at the BAR");
	EXPECT_EQ(read_num_queues(first, &n), 0, "decoding");
	EXPECT_EQ(n, vp->vdev->nr_vqs, "num_queues");
	cfg_write(vp, PCI_COMMAND, 2, 0);
	EXPECT_EQ(ioeventfd_at(vp, 0), UINT64_MAX, "gone with decoding");
	EXPECT_EQ(nr_assigned, 1, "one assign");
	EXPECT_EQ(nr_deassigned, 1, "one deassign");
	virtio_pci_free(vp);
}

/* OVMF: decoding off, BAR moved (after sizing), decoding on; then Linux. */
static void test_ioeventfds_follow_moves(void)
{
	struct virtio_pci *vp = plug_rng();
	uint64_t first = vp->bar_gpa;
	uint16_t n = 0;

	cfg_write(vp, PCI_BAR0, 4, 0xffffffff);
	cfg_write(vp, PCI_BAR0, 4, OVMF_BAR);
	cfg_write(vp, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	EXPECT_EQ(ioeventfd_at(vp, 0), OVMF_BAR + NOTIFY_OFF, "OVMF's place");
	EXPECT_EQ(read_num_queues(OVMF_BAR, &n), 0, "answers at OVMF's BAR");
	EXPECT_EQ(n, vp->vdev->nr_vqs, "num_queues there");
	EXPECT_EQ(read_num_queues(first, &n), -ENODEV, "not at the first");
	/* Linux moves it with decoding on, one dword write. */
	cfg_write(vp, PCI_BAR0, 4, LINUX_BAR);
	EXPECT_EQ(ioeventfd_at(vp, 0), LINUX_BAR + NOTIFY_OFF, "followed");
	EXPECT_EQ(read_num_queues(LINUX_BAR, &n), 0, "answers at Linux's");
	EXPECT_EQ(read_num_queues(OVMF_BAR, &n), -ENODEV, "left OVMF's");
	EXPECT_EQ(nr_assigned - nr_deassigned, 1, "one ioeventfd per queue");
	virtio_pci_free(vp);
}

/* A notify write where KVM has no ioeventfd still kicks the queue. */
static void test_notify_without_ioeventfd(void)
{
	struct virtio_pci *vp = plug_rng();
	uint16_t q = 0;
	uint64_t kicks = 0;

	cfg_write(vp, PCI_BAR0, 4, OVMF_BAR);
	cfg_write(vp, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	EXPECT_EQ(bus_access(&mmio, OVMF_BAR + NOTIFY_OFF, (uint8_t *)&q, 2,
			     true),
		  0, "notify write");
	EXPECT_EQ(read(vp->vdev->vqs[0].kick.fd, &kicks, sizeof(kicks)),
		  sizeof(kicks), "the kick eventfd fired");
	virtio_pci_free(vp);
}

/* What OVMF's Virtio10Dxe checks before it drives a device. */
static void test_ovmf_recognises_it(void)
{
	struct virtio_pci *vp = plug_rng();
	uint16_t id = 0, sub = 0;

	EXPECT_EQ(bus_access(&mmio, ecam(vp, PCI_DEVICE_ID), (uint8_t *)&id, 2,
			     false), 0, "device ID");
	EXPECT_EQ(bus_access(&mmio, ecam(vp, PCI_SUBSYSTEM_ID),
			     (uint8_t *)&sub, 2, false), 0, "subsystem ID");
	EXPECT(id >= 0x1040 && id <= 0x107f, "modern device ID 0x%x", id);
	EXPECT(sub >= 0x40, "non-transitional subsystem ID 0x%x", sub);
	virtio_pci_free(vp);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_decoding_places_ioeventfds),
		TEST_CASE(test_ioeventfds_follow_moves),
		TEST_CASE(test_notify_without_ioeventfd),
		TEST_CASE(test_ovmf_recognises_it),
	};
	int r;

	if (event_loop_init(&loop) < 0)
		return 1;
	r = test_run(cases, ARRAY_SIZE(cases));
	event_loop_fini(&loop);
	return r;
}
