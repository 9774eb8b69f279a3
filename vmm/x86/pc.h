/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The PC platform a real kernel boots on: in-kernel irqchip and PIT (or
 * the split irqchip with cvmm's IOAPIC), the legacy ports KVM leaves to
 * us, a PCI host bridge, the ACPI power registers, and the serial
 * console's input. The test guest runs without any of it (see vm_build()).
 */
#ifndef CVMM_PC_H
#define CVMM_PC_H

#include "devices/x86/legacy.h"
#include "devices/pci.h"
#include "lib/util.h"
#include "vmm/console.h"

struct vm;
struct vm_virtio;
struct pc_firmware;

struct pc {
	struct pci_host pci;
	struct cmos cmos;
	struct i8042 i8042;
	struct acpi_power power;
	struct console console;
	/* The virtio-pci devices (vmm/virtio-devices.c). */
	struct vm_virtio *virtio;
	/* With boot.firmware: the chipset and fw_cfg (vmm/boot-firmware.c). */
	struct pc_firmware *firmware;
};

/*
 * Create the interrupt controllers (vm->irq) and the devices, and wire the
 * UART's interrupt. Before the vCPUs: KVM attaches each new vCPU's local
 * APIC to the irqchip.
 */
int __must_check pc_create(struct vm *vm);
void pc_destroy(struct vm *vm);

/*
 * The virtio devices of cfg->devices on the PCI bus, their files and TAP
 * devices opened; logs its errors. Part of pc_create().
 */
int __must_check pc_virtio_create(struct vm *vm);
void pc_virtio_destroy(struct vm *vm);

#endif
