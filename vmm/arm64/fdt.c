// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 machine's device tree: what Linux needs to find RAM, the
 * vCPUs (started through PSCI), the GICv3 and its ITS, the architected
 * timer, the 16550 UART, the PCIe host and its /chosen arguments. Bindings:
 * Linux Documentation/devicetree/bindings (arm/psci.yaml, cpus.yaml,
 * interrupt-controller/arm,gic-v3.yaml, timer/arm,arch_timer.yaml,
 * serial/8250.yaml, pci/host-generic-pci.yaml).
 *
 * Built with libfdt's sequential writer; every libfdt error becomes
 * -ENOSPC (the buffer is too small) or -EINVAL.
 */
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "vmm/arm64/fdt.h"
#include "vmm/arm64/layout.h"

/* Interrupt specifier of the GICv3 binding: type, number, flags. */
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_EDGE_RISING 1
#define IRQ_LEVEL_HIGH 4
/* PPI flags carry a CPU mask in bits 8-15 (one bit per CPU, max 8). */
#define GIC_PPI_CPU_MASK(n) ((((1u << MIN((n), 8u)) - 1)) << 8)

#define PCI_SPACE_MEM32 0x02000000u
/* The longest property: the PCIe interrupt-map, 16 entries of 10 cells. */
#define ARM64_FDT_MAX_CELLS 160

static int fdt_errno(int r)
{
	if (r >= 0)
		return 0;
	return r == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

/* A property of 32-bit cells, converted to big endian. */
static int prop_cells(void *fdt, const char *name, const uint32_t *cells,
		      unsigned int n)
{
	fdt32_t be[ARM64_FDT_MAX_CELLS];

	if (n > ARRAY_SIZE(be))
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	return fdt_errno(fdt_property(fdt, name, be, n * sizeof(be[0])));
}

static int prop_u32(void *fdt, const char *name, uint32_t v)
{
	return fdt_errno(fdt_property_u32(fdt, name, v));
}

static int prop_u64(void *fdt, const char *name, uint64_t v)
{
	return fdt_errno(fdt_property_u64(fdt, name, v));
}

static int prop_string(void *fdt, const char *name, const char *s)
{
	return fdt_errno(fdt_property_string(fdt, name, s));
}

/* A string list: strings separated by NULs, as in "a\0b". */
static int prop_strings(void *fdt, const char *name, const char *list,
			size_t len_with_nul)
{
	return fdt_errno(fdt_property(fdt, name, list, len_with_nul));
}

static int prop_empty(void *fdt, const char *name)
{
	return fdt_errno(fdt_property(fdt, name, NULL, 0));
}

/* reg = <addr size> in 2+2 cells */
static int prop_reg(void *fdt, uint64_t addr, uint64_t size)
{
	const uint32_t cells[] = { addr >> 32, (uint32_t)addr, size >> 32,
				   (uint32_t)size };

	return prop_cells(fdt, "reg", cells, ARRAY_SIZE(cells));
}

static int begin_node(void *fdt, const char *name, uint64_t unit)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)unit);
	return fdt_errno(fdt_begin_node(fdt, buf));
}

static int end_node(void *fdt)
{
	return fdt_errno(fdt_end_node(fdt));
}

uint64_t arm64_vcpu_mpidr(unsigned int id)
{
	return (id & 0xf) | ((uint64_t)((id >> 4) & 0xff) << 8) |
	       ((uint64_t)((id >> 12) & 0xff) << 16);
}

static int add_memory(void *fdt, const struct arm64_fdt_desc *d)
{
	int r = begin_node(fdt, "memory", d->ram_gpa);

	if (!r)
		r = prop_string(fdt, "device_type", "memory");
	if (!r)
		r = prop_reg(fdt, d->ram_gpa, d->ram_size);
	return r ? r : end_node(fdt);
}

static int add_cpu(void *fdt, unsigned int id)
{
	uint64_t mpidr = arm64_vcpu_mpidr(id);
	int r = begin_node(fdt, "cpu", mpidr);

	if (!r)
		r = prop_string(fdt, "device_type", "cpu");
	if (!r)
		r = prop_string(fdt, "compatible", "arm,arm-v8");
	if (!r)
		r = prop_string(fdt, "enable-method", "psci");
	if (!r)
		r = prop_u32(fdt, "reg", (uint32_t)mpidr);
	return r ? r : end_node(fdt);
}

static int add_cpus(void *fdt, const struct arm64_fdt_desc *d)
{
	int r = fdt_errno(fdt_begin_node(fdt, "cpus"));

	if (!r)
		r = prop_u32(fdt, "#address-cells", 1);
	if (!r)
		r = prop_u32(fdt, "#size-cells", 0);
	for (unsigned int i = 0; !r && i < d->nr_vcpus; i++)
		r = add_cpu(fdt, i);
	return r ? r : end_node(fdt);
}

/*
 * KVM's PSCI is 1.x for a vCPU with KVM_ARM_VCPU_PSCI_0_2, called with
 * HVC; the 0.2 function IDs are fixed, so no cpu_on property is needed.
 */
static int add_psci(void *fdt)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
	int r = fdt_errno(fdt_begin_node(fdt, "psci"));

	if (!r)
		r = prop_strings(fdt, "compatible", compat, sizeof(compat));
	if (!r)
		r = prop_string(fdt, "method", "hvc");
	return r ? r : end_node(fdt);
}

static int add_its(void *fdt)
{
	int r = begin_node(fdt, "msi-controller", ARM64_GIC_ITS_GPA);

	if (!r)
		r = prop_string(fdt, "compatible", "arm,gic-v3-its");
	if (!r)
		r = prop_empty(fdt, "msi-controller");
	if (!r)
		r = prop_u32(fdt, "#msi-cells", 1);
	if (!r)
		r = prop_reg(fdt, ARM64_GIC_ITS_GPA, ARM64_GIC_ITS_SIZE);
	if (!r)
		r = prop_u32(fdt, "phandle", ARM64_PHANDLE_ITS);
	return r ? r : end_node(fdt);
}

static int add_gic(void *fdt, const struct arm64_fdt_desc *d)
{
	uint64_t redist = (uint64_t)d->nr_vcpus * ARM64_GIC_REDIST_STRIDE;
	const uint32_t reg[] = {
		0, (uint32_t)ARM64_GIC_DIST_GPA, 0, (uint32_t)ARM64_GIC_DIST_SIZE,
		0, (uint32_t)ARM64_GIC_REDIST_GPA, redist >> 32, (uint32_t)redist,
	};
	/* The maintenance interrupt KVM would inject for nested virt. */
	const uint32_t maint[] = { GIC_PPI, 9, IRQ_LEVEL_HIGH };
	int r = begin_node(fdt, "intc", ARM64_GIC_DIST_GPA);

	if (!r)
		r = prop_string(fdt, "compatible", "arm,gic-v3");
	if (!r)
		r = prop_u32(fdt, "#interrupt-cells", 3);
	if (!r)
		r = prop_empty(fdt, "interrupt-controller");
	if (!r)
		r = prop_cells(fdt, "reg", reg, ARRAY_SIZE(reg));
	if (!r)
		r = prop_cells(fdt, "interrupts", maint, ARRAY_SIZE(maint));
	if (!r)
		r = prop_u32(fdt, "#address-cells", 2);
	if (!r)
		r = prop_u32(fdt, "#size-cells", 2);
	if (!r)
		r = prop_empty(fdt, "ranges");
	if (!r)
		r = prop_u32(fdt, "phandle", ARM64_PHANDLE_GIC);
	if (!r && d->its)
		r = add_its(fdt);
	return r ? r : end_node(fdt);
}

static int add_timer(void *fdt, const struct arm64_fdt_desc *d)
{
	uint32_t flags = IRQ_LEVEL_HIGH | GIC_PPI_CPU_MASK(d->nr_vcpus);
	const uint32_t irqs[] = {
		GIC_PPI, ARM64_TIMER_SEC_PPI, flags,
		GIC_PPI, ARM64_TIMER_PHYS_PPI, flags,
		GIC_PPI, ARM64_TIMER_VIRT_PPI, flags,
		GIC_PPI, ARM64_TIMER_HYP_PPI, flags,
	};
	static const char compat[] = "arm,armv8-timer\0arm,armv7-timer";
	int r = fdt_errno(fdt_begin_node(fdt, "timer"));

	if (!r)
		r = prop_strings(fdt, "compatible", compat, sizeof(compat));
	if (!r)
		r = prop_cells(fdt, "interrupts", irqs, ARRAY_SIZE(irqs));
	if (!r)
		r = prop_empty(fdt, "always-on");
	return r ? r : end_node(fdt);
}

static int add_pmu(void *fdt, const struct arm64_fdt_desc *d)
{
	const uint32_t irq[] = { GIC_PPI, ARM64_PMU_PPI,
				 IRQ_LEVEL_HIGH | GIC_PPI_CPU_MASK(d->nr_vcpus) };
	int r = fdt_errno(fdt_begin_node(fdt, "pmu"));

	if (!r)
		r = prop_string(fdt, "compatible", "arm,armv8-pmuv3");
	if (!r)
		r = prop_cells(fdt, "interrupts", irq, ARRAY_SIZE(irq));
	return r ? r : end_node(fdt);
}

static int add_uart(void *fdt)
{
	const uint32_t irq[] = { GIC_SPI, ARM64_UART_SPI, IRQ_LEVEL_HIGH };
	int r = begin_node(fdt, "serial", ARM64_UART_GPA);

	if (!r)
		r = prop_string(fdt, "compatible", "ns16550a");
	if (!r)
		r = prop_reg(fdt, ARM64_UART_GPA, ARM64_UART_SIZE);
	if (!r)
		r = prop_cells(fdt, "interrupts", irq, ARRAY_SIZE(irq));
	if (!r)
		r = prop_u32(fdt, "clock-frequency", ARM64_UART_CLOCK);
	if (!r)
		r = prop_u32(fdt, "reg-shift", 0);
	if (!r)
		r = prop_u32(fdt, "reg-io-width", 1);
	return r ? r : end_node(fdt);
}

/*
 * Legacy INTx: pin p (1-4) of slot s raises SPI ARM64_PCI_INTX_SPI +
 * (s + p - 1) % 4, the usual swizzle. Each entry is the child's unit
 * address (3 cells) and pin, the GIC's phandle, the GIC's unit address
 * (2 cells, unused) and a 3-cell GIC specifier.
 */
static int add_pci_interrupt_map(void *fdt)
{
	static const uint32_t mask[] = { 0x1800, 0, 0, 7 };
	uint32_t map[ARM64_FDT_MAX_CELLS];
	unsigned int n = 0;
	int r;

	for (uint32_t slot = 0; slot < 4; slot++) {
		for (uint32_t pin = 1; pin <= 4; pin++) {
			const uint32_t e[] = {
				slot << 11, 0, 0, pin, ARM64_PHANDLE_GIC, 0, 0,
				GIC_SPI, ARM64_PCI_INTX_SPI + (slot + pin - 1) % 4,
				IRQ_LEVEL_HIGH,
			};

			memcpy(&map[n], e, sizeof(e));
			n += ARRAY_SIZE(e);
		}
	}
	r = prop_cells(fdt, "interrupt-map", map, n);
	if (!r)
		r = prop_cells(fdt, "interrupt-map-mask", mask, ARRAY_SIZE(mask));
	return r;
}

static int add_pci(void *fdt, const struct arm64_fdt_desc *d)
{
	/*
	 * Every requester ID is its own ITS device ID. Not msi-parent: the
	 * ITS has #msi-cells = 1, and Linux wants that cell, the device ID,
	 * from msi-map (pci/pci-msi.yaml).
	 */
	const uint32_t msi_map[] = { 0, ARM64_PHANDLE_ITS, 0, 0x10000 };
	const uint32_t bus_range[] = { 0, 0 };
	const uint32_t ranges[] = {
		PCI_SPACE_MEM32, 0, (uint32_t)ARM64_PCI_MMIO_GPA,
		0, (uint32_t)ARM64_PCI_MMIO_GPA, 0, (uint32_t)ARM64_PCI_MMIO_SIZE,
	};
	int r = begin_node(fdt, "pcie", ARM64_PCI_ECAM_GPA);

	if (!r)
		r = prop_string(fdt, "compatible", "pci-host-ecam-generic");
	if (!r)
		r = prop_string(fdt, "device_type", "pci");
	if (!r)
		r = prop_reg(fdt, ARM64_PCI_ECAM_GPA, ARM64_PCI_ECAM_SIZE);
	if (!r)
		r = prop_cells(fdt, "bus-range", bus_range, ARRAY_SIZE(bus_range));
	if (!r)
		r = prop_u32(fdt, "#address-cells", 3);
	if (!r)
		r = prop_u32(fdt, "#size-cells", 2);
	if (!r)
		r = prop_u32(fdt, "#interrupt-cells", 1);
	if (!r)
		r = prop_cells(fdt, "ranges", ranges, ARRAY_SIZE(ranges));
	if (!r)
		r = prop_empty(fdt, "dma-coherent");
	if (!r)
		r = add_pci_interrupt_map(fdt);
	if (!r && d->its)
		r = prop_cells(fdt, "msi-map", msi_map, ARRAY_SIZE(msi_map));
	return r ? r : end_node(fdt);
}

static int add_chosen(void *fdt, const struct arm64_fdt_desc *d)
{
	char stdout_path[64];
	int r = fdt_errno(fdt_begin_node(fdt, "chosen"));

	snprintf(stdout_path, sizeof(stdout_path), "/serial@%llx",
		 (unsigned long long)ARM64_UART_GPA);
	if (!r)
		r = prop_string(fdt, "bootargs", d->bootargs ? d->bootargs : "");
	if (!r)
		r = prop_string(fdt, "stdout-path", stdout_path);
	/*
	 * cvmm places the BARs itself (devices/pci.c) and serves each at the
	 * address it placed it: Linux keeps them where they are instead of
	 * assigning its own (Linux drivers/pci/of.c, of_pci_check_probe_only).
	 */
	if (!r)
		r = prop_u32(fdt, "linux,pci-probe-only", 1);
	if (!r && d->initrd_size) {
		r = prop_u64(fdt, "linux,initrd-start", d->initrd_gpa);
		if (!r)
			r = prop_u64(fdt, "linux,initrd-end",
				     d->initrd_gpa + d->initrd_size);
	}
	return r ? r : end_node(fdt);
}

static int add_root_properties(void *fdt)
{
	int r = prop_string(fdt, "compatible", "linux,dummy-virt");

	if (!r)
		r = prop_string(fdt, "model", "cvmm arm64");
	if (!r)
		r = prop_u32(fdt, "#address-cells", 2);
	if (!r)
		r = prop_u32(fdt, "#size-cells", 2);
	if (!r)
		r = prop_u32(fdt, "interrupt-parent", ARM64_PHANDLE_GIC);
	return r;
}

int arm64_fdt_build(const struct arm64_fdt_desc *d, void *buf, size_t size)
{
	int r;

	if (!d->nr_vcpus || d->nr_vcpus > ARM64_MAX_VCPUS || size > INT32_MAX)
		return -EINVAL;
	r = fdt_errno(fdt_create(buf, (int)size));
	if (!r)
		r = fdt_errno(fdt_finish_reservemap(buf));
	if (!r)
		r = fdt_errno(fdt_begin_node(buf, ""));
	if (!r)
		r = add_root_properties(buf);
	if (!r)
		r = add_chosen(buf, d);
	if (!r)
		r = add_memory(buf, d);
	if (!r)
		r = add_cpus(buf, d);
	if (!r)
		r = add_psci(buf);
	if (!r)
		r = add_gic(buf, d);
	if (!r)
		r = add_timer(buf, d);
	if (!r && d->pmu)
		r = add_pmu(buf, d);
	if (!r)
		r = add_uart(buf);
	if (!r)
		r = add_pci(buf, d);
	if (!r)
		r = end_node(buf);
	return r ? r : fdt_errno(fdt_finish(buf));
}
