// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64_fdt_build(): the blob read back with libfdt, every node and every
 * property checked against what the bindings and the machine's layout
 * (vmm/arm64/layout.h) say, for 1 and 3 vCPUs, with and without an ITS,
 * a PMU and an initrd; too small a buffer is -ENOSPC.
 */
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test.h"
#include "vmm/arm64/fdt.h"
#include "vmm/arm64/layout.h"

static uint8_t blob[ARM64_FDT_MAX_SIZE];

static const struct arm64_fdt_desc base_desc = {
	.ram_gpa = ARM64_RAM_GPA,
	.ram_size = 0x10000000,
	.nr_vcpus = 1,
	.its = true,
	.pmu = true,
	.bootargs = "console=ttyS0 quiet",
	.initrd_gpa = 0x8fc00000,
	.initrd_size = 0x123456,
};

static int node(const char *path)
{
	int off = fdt_path_offset(blob, path);

	EXPECT(off >= 0, "node %s should exist (%s)", path,
	       off < 0 ? fdt_strerror(off) : "");
	return off;
}

static const void *prop(const char *path, const char *name, int *ret_len)
{
	int off = node(path), len = -1;
	const void *p = off >= 0 ? fdt_getprop(blob, off, name, &len) : NULL;

	EXPECT(p != NULL, "%s should have property %s", path, name);
	*ret_len = p ? len : -1;
	return p;
}

static void expect_absent(const char *path, const char *name)
{
	int off = fdt_path_offset(blob, path);

	if (!name) {
		EXPECT(off < 0, "node %s should not exist", path);
		return;
	}
	EXPECT(off >= 0 && !fdt_getprop(blob, off, name, NULL),
	       "%s should not have property %s", path, name);
}

static void expect_string(const char *path, const char *name, const char *s)
{
	int len;
	const char *p = prop(path, name, &len);

	EXPECT(p && len == (int)strlen(s) + 1 && !memcmp(p, s, len),
	       "%s %s should be \"%s\"", path, name, s);
}

/* A string list, given as "a\0b" with its full length. */
static void expect_strings(const char *path, const char *name, const char *s,
			   size_t len_with_nul)
{
	int len;
	const char *p = prop(path, name, &len);

	EXPECT(p && len == (int)len_with_nul && !memcmp(p, s, len),
	       "%s %s should be the string list given", path, name);
}

static void expect_empty(const char *path, const char *name)
{
	int len;

	(void)prop(path, name, &len);
	EXPECT(len == 0, "%s %s should be an empty property", path, name);
}

static void expect_cells(const char *path, const char *name,
			 const uint32_t *cells, unsigned int n)
{
	int len;
	const fdt32_t *p = prop(path, name, &len);

	EXPECT(len == (int)(n * sizeof(fdt32_t)), "%s %s should have %u cells, has %d bytes",
	       path, name, n, len);
	for (unsigned int i = 0; p && len == (int)(n * 4) && i < n; i++)
		EXPECT_EQ(fdt32_to_cpu(p[i]), cells[i], "%s %s cell %u", path,
			  name, i);
}

static void expect_u32(const char *path, const char *name, uint32_t v)
{
	expect_cells(path, name, &v, 1);
}

static void expect_u64(const char *path, const char *name, uint64_t v)
{
	const uint32_t cells[] = { v >> 32, (uint32_t)v };

	expect_cells(path, name, cells, 2);
}

static void expect_reg(const char *path, uint64_t addr, uint64_t size)
{
	const uint32_t cells[] = { addr >> 32, (uint32_t)addr, size >> 32,
				   (uint32_t)size };

	expect_cells(path, "reg", cells, 4);
}

/* Every property of node path must be in names (no stray ones). */
static void expect_only(const char *path, const char *const *names)
{
	int off = fdt_path_offset(blob, path), p;

	fdt_for_each_property_offset(p, blob, off) {
		const char *name;
		bool known = false;

		fdt_getprop_by_offset(blob, p, &name, NULL);
		for (const char *const *n = names; *n; n++)
			known |= !strcmp(*n, name);
		EXPECT(known, "%s has an unexpected property %s", path, name);
	}
}

static void build(const struct arm64_fdt_desc *d)
{
	int r;

	memset(blob, 0xa5, sizeof(blob));
	r = arm64_fdt_build(d, blob, sizeof(blob));
	EXPECT_EQ(r, 0, "arm64_fdt_build should succeed");
	EXPECT_EQ(fdt_check_header(blob), 0, "the blob should have a valid header");
	EXPECT(fdt_totalsize(blob) <= sizeof(blob), "the blob should fit");
}

static void check_root(void)
{
	static const char *const names[] = { "compatible", "model",
		"#address-cells", "#size-cells", "interrupt-parent", NULL };

	expect_string("/", "compatible", "linux,dummy-virt");
	expect_string("/", "model", "cvmm arm64");
	expect_u32("/", "#address-cells", 2);
	expect_u32("/", "#size-cells", 2);
	expect_u32("/", "interrupt-parent", ARM64_PHANDLE_GIC);
	expect_only("/", names);
}

static void test_root_memory_chosen(void)
{
	static const char *const chosen[] = { "bootargs", "stdout-path",
		"linux,pci-probe-only", "linux,initrd-start",
		"linux,initrd-end", NULL };
	static const char *const memory[] = { "device_type", "reg", NULL };

	build(&base_desc);
	check_root();
	expect_string("/memory@80000000", "device_type", "memory");
	expect_reg("/memory@80000000", ARM64_RAM_GPA, 0x10000000);
	expect_only("/memory@80000000", memory);
	expect_string("/chosen", "bootargs", "console=ttyS0 quiet");
	expect_string("/chosen", "stdout-path", "/serial@9000000");
	/* The guest keeps the BARs cvmm placed. */
	expect_u32("/chosen", "linux,pci-probe-only", 1);
	expect_u64("/chosen", "linux,initrd-start", 0x8fc00000);
	expect_u64("/chosen", "linux,initrd-end", 0x8fc00000 + 0x123456);
	expect_only("/chosen", chosen);
	/* stdout-path must name a node that exists. */
	EXPECT(fdt_path_offset(blob, "/serial@9000000") >= 0,
	       "stdout-path should resolve");
}

static void test_no_initrd_no_bootargs(void)
{
	struct arm64_fdt_desc d = base_desc;

	d.initrd_size = 0;
	d.bootargs = NULL;
	build(&d);
	expect_string("/chosen", "bootargs", "");
	expect_absent("/chosen", "linux,initrd-start");
	expect_absent("/chosen", "linux,initrd-end");
}

static void test_cpus_psci(void)
{
	static const char *const cpu[] = { "device_type", "compatible",
		"enable-method", "reg", NULL };
	static const char psci[] = "arm,psci-1.0\0arm,psci-0.2\0arm,psci";
	static const char *const psci_names[] = { "compatible", "method", NULL };
	struct arm64_fdt_desc d = base_desc;
	int off, n = 0, sub;

	d.nr_vcpus = 3;
	build(&d);
	expect_u32("/cpus", "#address-cells", 1);
	expect_u32("/cpus", "#size-cells", 0);
	for (unsigned int i = 0; i < 3; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
		expect_string(path, "device_type", "cpu");
		expect_string(path, "compatible", "arm,arm-v8");
		expect_string(path, "enable-method", "psci");
		expect_u32(path, "reg", i);
		expect_only(path, cpu);
	}
	off = fdt_path_offset(blob, "/cpus");
	fdt_for_each_subnode(sub, blob, off)
		n++;
	EXPECT_EQ(n, 3, "/cpus should have one node per vCPU");
	expect_strings("/psci", "compatible", psci, sizeof(psci));
	expect_string("/psci", "method", "hvc");
	expect_only("/psci", psci_names);
}

static void test_mpidr(void)
{
	EXPECT_EQ(arm64_vcpu_mpidr(0), 0, "vCPU 0");
	EXPECT_EQ(arm64_vcpu_mpidr(15), 15, "vCPU 15: Aff0 15");
	EXPECT_EQ(arm64_vcpu_mpidr(16), 0x100, "vCPU 16: Aff1 1, Aff0 0");
	EXPECT_EQ(arm64_vcpu_mpidr(0x1234), 0x012304, "Aff2 1, Aff1 0x23, Aff0 4");
}

static void test_gic_its(void)
{
	static const char *const gic[] = { "compatible", "#interrupt-cells",
		"interrupt-controller", "reg", "interrupts", "#address-cells",
		"#size-cells", "ranges", "phandle", NULL };
	static const char *const its[] = { "compatible", "msi-controller",
		"#msi-cells", "reg", "phandle", NULL };
	const uint32_t reg[] = { 0, 0x08000000, 0, 0x10000,
				 0, 0x080a0000, 0, 2 * 0x20000 };
	const uint32_t maint[] = { 1, 9, 4 };
	struct arm64_fdt_desc d = base_desc;

	d.nr_vcpus = 2;
	build(&d);
	expect_string("/intc@8000000", "compatible", "arm,gic-v3");
	expect_u32("/intc@8000000", "#interrupt-cells", 3);
	expect_empty("/intc@8000000", "interrupt-controller");
	expect_cells("/intc@8000000", "reg", reg, 8);
	expect_cells("/intc@8000000", "interrupts", maint, 3);
	expect_u32("/intc@8000000", "#address-cells", 2);
	expect_u32("/intc@8000000", "#size-cells", 2);
	expect_empty("/intc@8000000", "ranges");
	expect_u32("/intc@8000000", "phandle", ARM64_PHANDLE_GIC);
	expect_only("/intc@8000000", gic);
	expect_string("/intc@8000000/msi-controller@8080000", "compatible",
		      "arm,gic-v3-its");
	expect_empty("/intc@8000000/msi-controller@8080000", "msi-controller");
	expect_u32("/intc@8000000/msi-controller@8080000", "#msi-cells", 1);
	expect_reg("/intc@8000000/msi-controller@8080000", ARM64_GIC_ITS_GPA,
		   ARM64_GIC_ITS_SIZE);
	expect_u32("/intc@8000000/msi-controller@8080000", "phandle",
		   ARM64_PHANDLE_ITS);
	expect_only("/intc@8000000/msi-controller@8080000", its);
	EXPECT_EQ(fdt_node_offset_by_phandle(blob, ARM64_PHANDLE_GIC),
		  fdt_path_offset(blob, "/intc@8000000"),
		  "the GIC phandle should resolve to the GIC");
}

static void test_no_its_no_pmu(void)
{
	struct arm64_fdt_desc d = base_desc;

	d.its = false;
	d.pmu = false;
	build(&d);
	expect_absent("/intc@8000000/msi-controller@8080000", NULL);
	expect_absent("/pcie@3f000000", "msi-parent");
	expect_absent("/pmu", NULL);
	/* INTx still routes through the interrupt-map. */
	(void)node("/pcie@3f000000");
	expect_absent("/pcie@3f000000", "msi-map");
}

static void test_timer_pmu(void)
{
	static const char compat[] = "arm,armv8-timer\0arm,armv7-timer";
	/* Level high with the CPU mask of 2 CPUs (bits 8-9). */
	const uint32_t f = 4 | 0x300;
	const uint32_t timer[] = { 1, 13, f, 1, 14, f, 1, 11, f, 1, 10, f };
	const uint32_t pmu[] = { 1, 7, f };
	struct arm64_fdt_desc d = base_desc;

	d.nr_vcpus = 2;
	build(&d);
	expect_strings("/timer", "compatible", compat, sizeof(compat));
	expect_cells("/timer", "interrupts", timer, ARRAY_SIZE(timer));
	expect_empty("/timer", "always-on");
	expect_string("/pmu", "compatible", "arm,armv8-pmuv3");
	expect_cells("/pmu", "interrupts", pmu, ARRAY_SIZE(pmu));
}

static void test_uart(void)
{
	static const char *const names[] = { "compatible", "reg", "interrupts",
		"clock-frequency", "reg-shift", "reg-io-width", NULL };
	const uint32_t irq[] = { 0, ARM64_UART_SPI, 4 };

	build(&base_desc);
	expect_string("/serial@9000000", "compatible", "ns16550a");
	expect_reg("/serial@9000000", ARM64_UART_GPA, 8);
	expect_cells("/serial@9000000", "interrupts", irq, 3);
	expect_u32("/serial@9000000", "clock-frequency", 1843200);
	expect_u32("/serial@9000000", "reg-shift", 0);
	expect_u32("/serial@9000000", "reg-io-width", 1);
	expect_only("/serial@9000000", names);
}

static void test_pcie(void)
{
	static const char *const names[] = { "compatible", "device_type", "reg",
		"bus-range", "#address-cells", "#size-cells",
		"#interrupt-cells", "ranges", "dma-coherent", "interrupt-map",
		"interrupt-map-mask", "msi-map", NULL };
	const uint32_t bus[] = { 0, 0 };
	const uint32_t ranges[] = { 0x02000000, 0, 0x10000000, 0, 0x10000000,
				    0, 0x20000000 };
	const uint32_t mask[] = { 0x1800, 0, 0, 7 };
	uint32_t map[160];
	unsigned int n = 0;

	build(&base_desc);
	expect_string("/pcie@3f000000", "compatible", "pci-host-ecam-generic");
	expect_string("/pcie@3f000000", "device_type", "pci");
	expect_reg("/pcie@3f000000", ARM64_PCI_ECAM_GPA, 0x100000);
	expect_cells("/pcie@3f000000", "bus-range", bus, 2);
	expect_u32("/pcie@3f000000", "#address-cells", 3);
	expect_u32("/pcie@3f000000", "#size-cells", 2);
	expect_u32("/pcie@3f000000", "#interrupt-cells", 1);
	expect_cells("/pcie@3f000000", "ranges", ranges, ARRAY_SIZE(ranges));
	expect_empty("/pcie@3f000000", "dma-coherent");
	const uint32_t msi_map[] = { 0, ARM64_PHANDLE_ITS, 0, 0x10000 };

	expect_cells("/pcie@3f000000", "msi-map", msi_map, 4);
	expect_cells("/pcie@3f000000", "interrupt-map-mask", mask, 4);
	/* Slot s, pin p: SPI 4 + (s + p - 1) % 4, level high. */
	for (uint32_t s = 0; s < 4; s++) {
		for (uint32_t p = 1; p <= 4; p++) {
			const uint32_t e[] = { s << 11, 0, 0, p, ARM64_PHANDLE_GIC,
					       0, 0, 0, 4 + (s + p - 1) % 4, 4 };

			memcpy(&map[n], e, sizeof(e));
			n += 10;
		}
	}
	expect_cells("/pcie@3f000000", "interrupt-map", map, n);
	expect_only("/pcie@3f000000", names);
}

/* Exactly the nodes above: nothing missing, nothing extra. */
static void test_node_list(void)
{
	static const char *const nodes[] = { "chosen", "memory@80000000",
		"cpus", "psci", "intc@8000000", "timer", "pmu",
		"serial@9000000", "pcie@3f000000", NULL };
	int off, i = 0;

	build(&base_desc);
	fdt_for_each_subnode(off, blob, 0) {
		const char *name = fdt_get_name(blob, off, NULL);

		EXPECT(nodes[i] && !strcmp(name, nodes[i]),
		       "root child %d should be %s, is %s", i,
		       nodes[i] ? nodes[i] : "(none)", name);
		if (nodes[i])
			i++;
	}
	EXPECT(nodes[i] == NULL, "every node should be present (missing %s)",
	       nodes[i] ? nodes[i] : "");
}

static void test_errors(void)
{
	struct arm64_fdt_desc d = base_desc;
	static uint8_t small[256];

	EXPECT_EQ(arm64_fdt_build(&base_desc, small, sizeof(small)), -ENOSPC,
		  "a 256-byte buffer should be too small");
	d.nr_vcpus = 0;
	EXPECT_EQ(arm64_fdt_build(&d, blob, sizeof(blob)), -EINVAL,
		  "no vCPUs should be refused");
	d.nr_vcpus = ARM64_MAX_VCPUS + 1;
	EXPECT_EQ(arm64_fdt_build(&d, blob, sizeof(blob)), -EINVAL,
		  "more vCPUs than redistributor frames should be refused");
	d.nr_vcpus = ARM64_MAX_VCPUS;
	EXPECT_EQ(arm64_fdt_build(&d, blob, sizeof(blob)), 0,
		  "the most vCPUs should fit in the blob");
}

TEST_MAIN(TEST_CASE(test_root_memory_chosen),
	  TEST_CASE(test_no_initrd_no_bootargs),
	  TEST_CASE(test_cpus_psci),
	  TEST_CASE(test_mpidr),
	  TEST_CASE(test_gic_its),
	  TEST_CASE(test_no_its_no_pmu),
	  TEST_CASE(test_timer_pmu),
	  TEST_CASE(test_uart),
	  TEST_CASE(test_pcie),
	  TEST_CASE(test_node_list),
	  TEST_CASE(test_errors))
