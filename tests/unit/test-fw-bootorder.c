// SPDX-License-Identifier: GPL-2.0-only
/*
 * fw_cfg's bootorder (vmm/x86/fw-bootorder.c): the OpenFirmware paths of
 * the virtio disks as QEMU writes them for virtio-blk-pci and OVMF's
 * QemuBootOrderLib parses them ("/pci@i0cf8/scsi@S/disk@0,0", S in hex,
 * newline-separated, NUL-terminated), found on the PCI bus by ID.
 */
#include <string.h>

#include "devices/fw-cfg.h"
#include "devices/pci.h"
#include "tests/test.h"
#include "vmm/x86/fw-bootorder.h"

static void test_paths(void)
{
	static const char want[] = "/pci@i0cf8/scsi@1/disk@0,0\n"
				   "/pci@i0cf8/scsi@1f/disk@0,0";
	const unsigned int slots[] = { 1, 0x1f };
	const struct fw_cfg_item *item;
	struct fw_cfg fc;

	EXPECT_EQ(fw_cfg_init(&fc, NULL, NULL), 0, "init");
	EXPECT_EQ(fw_bootorder_add(&fc, slots, 2), 0, "add");
	item = fw_cfg_find_file(&fc, "bootorder");
	EXPECT(item, "no bootorder file");
	if (item) {
		EXPECT_EQ(item->size, sizeof(want), "size, with the NUL");
		EXPECT(!memcmp(item->data, want, sizeof(want)), "%.*s",
		       (int)item->size, (const char *)item->data);
	}
	fw_cfg_free(&fc);
}

static void test_no_disks_no_file(void)
{
	struct fw_cfg fc;

	EXPECT_EQ(fw_cfg_init(&fc, NULL, NULL), 0, "init");
	EXPECT_EQ(fw_bootorder_add(&fc, NULL, 0), 0, "add");
	EXPECT(!fw_cfg_find_file(&fc, "bootorder"), "a file without disks");
	fw_cfg_free(&fc);
}

/* virtio-blk (1af4:1042) at slots 2 and 5; virtio-net (1041) at 3. */
static void test_disk_slots(void)
{
	static struct pci_host host;
	static struct pci_device blk1, net, blk2;
	struct bus pio = { .name = "pio" }, mmio = { .name = "mmio" };
	unsigned int slots[PCI_MAX_DEVICES];
	unsigned int n;

	EXPECT_EQ(pci_host_init(&host, &pio, &mmio, 256ull << 20), 0, "host");
	pci_cfg_write32(blk1.cfg, PCI_VENDOR_ID, 0x10421af4);
	pci_cfg_write32(net.cfg, PCI_VENDOR_ID, 0x10411af4);
	pci_cfg_write32(blk2.cfg, PCI_VENDOR_ID, 0x10421af4);
	EXPECT_EQ(pci_host_set_device(&host, 2, &blk1), 0, "slot 2");
	EXPECT_EQ(pci_host_set_device(&host, 3, &net), 0, "slot 3");
	EXPECT_EQ(pci_host_set_device(&host, 5, &blk2), 0, "slot 5");
	n = fw_bootorder_disk_slots(&host, slots, ARRAY_SIZE(slots));
	EXPECT_EQ(n, 2, "two disks");
	EXPECT_EQ(slots[0], 2, "first disk");
	EXPECT_EQ(slots[1], 5, "second disk");
	bus_free(&pio);
	bus_free(&mmio);
}

TEST_MAIN(TEST_CASE(test_paths), TEST_CASE(test_no_disks_no_file),
	  TEST_CASE(test_disk_slots))
