/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arm64 machine's guest physical address map. Devices sit below
 * 2 GiB, RAM starts at 2 GiB; the GIC's redistributors get one 128 KiB
 * frame pair per vCPU up to ARM64_MAX_VCPUS.
 */
#ifndef CVMM_ARM64_LAYOUT_H
#define CVMM_ARM64_LAYOUT_H

#define ARM64_GIC_DIST_GPA 0x08000000ull
#define ARM64_GIC_DIST_SIZE 0x10000ull
#define ARM64_GIC_ITS_GPA 0x08080000ull
#define ARM64_GIC_ITS_SIZE 0x20000ull
#define ARM64_GIC_REDIST_GPA 0x080a0000ull
/* RD_base and SGI_base frames, 64 KiB each (GICv3 spec 12.10). */
#define ARM64_GIC_REDIST_STRIDE 0x20000ull
#define ARM64_MAX_VCPUS 123

#define ARM64_UART_GPA 0x09000000ull
#define ARM64_UART_SIZE 0x8ull
/* The 16550's reference clock (1.8432 MHz, the PC's). */
#define ARM64_UART_CLOCK 1843200

/* PCIe: one bus of ECAM (1 MiB), a 32-bit memory window. */
#define ARM64_PCI_MMIO_GPA 0x10000000ull
#define ARM64_PCI_MMIO_SIZE 0x20000000ull
#define ARM64_PCI_ECAM_GPA 0x3f000000ull
#define ARM64_PCI_ECAM_SIZE 0x100000ull

#define ARM64_RAM_GPA 0x80000000ull

/*
 * Interrupts as GIC INTIDs: SGIs 0-15, PPIs 16-31, SPIs from 32. The
 * architected timer's PPIs are the ones KVM uses by default (Linux
 * arch/arm64/kvm/arch_timer.c): virtual 27, physical 30; the device tree
 * also names the secure (29) and hypervisor (26) ones.
 */
#define ARM64_SPI_BASE 32
#define ARM64_PPI_BASE 16
#define ARM64_TIMER_SEC_PPI 13
#define ARM64_TIMER_PHYS_PPI 14
#define ARM64_TIMER_VIRT_PPI 11
#define ARM64_TIMER_HYP_PPI 10
#define ARM64_PMU_PPI 7
#define ARM64_UART_SPI 1
/* INTA-INTD of the PCIe host, rotated by slot. */
#define ARM64_PCI_INTX_SPI 4

#endif
