// SPDX-License-Identifier: GPL-2.0-only
/*
 * linux-floor: the least a VMM can give a Linux guest to boot it directly,
 * for bench/boot's third column. One vCPU with cvmm's CPUID (so that the
 * guest runs the same CPU), RAM of anonymous memory with transparent huge
 * pages, KVM's in-kernel PIC, IOAPIC, LAPIC and PIT, a 16450 UART at 0x3f8
 * on IRQ 4, an MP table (Intel MP spec 1.4) that names the one CPU and the
 * IOAPIC, and nothing else: no ACPI, no PCI, no RTC, no firmware. Without
 * the MP table Linux would drive a virtual-wire PIC and keep the PIT
 * ticking (apic_needs_pit()): thousands of port exits a boot. With it,
 * the LAPIC timer in TSC-deadline mode is the only timer, as under cvmm.
 * The RTC's ports read 0 (no update in progress, a valid but zeroed
 * clock): ports that float (0xff) would keep the guest's rtc_cmos driver
 * waiting for an update that never ends (30 s in one boot). The bzImage
 * is loaded as the 64-bit boot protocol asks (Documentation/arch/x86/
 * boot.rst), at its preferred address, and entered in long mode. Given
 * an ELF vmlinux instead, the floor boots it through its PVH entry (the
 * Xen note PHYS32_ENTRY; arch/x86/platform/pvh): its PT_LOAD segments at
 * their physical addresses, an hvm_start_info with the same memory map,
 * the initrd as its one module and the command line, no RSDP (no ACPI:
 * the guest finds the MP table by its usual scan), entered in 32-bit flat
 * protected mode with EBX pointing at the start info.
 *
 *     linux-floor BZIMAGE|VMLINUX INITRD CMDLINE MEM_MIB [no-tsc-deadline]
 *
 * no-tsc-deadline hides the TSC-deadline timer from the guest (CPUID.1
 * ECX bit 24), to see what its LAPIC timer then costs in exits.
 *
 * The console goes to stdout. With no ACPI the guest has no way to power
 * off: when it prints "reboot: Power" (kernel_power_off(), always printed)
 * the floor exits 0. A reset (port 0x64 or 0xcf9, or a triple fault),
 * e.g. panic=-1 after a panic, exits 1.
 *
 * Not a VMM: no checks beyond what keeps it from crashing on this guest,
 * no seccomp, no privileges dropped. What it measures is the guest's own
 * work on a platform with nothing to probe.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/kvm-abi.h"
#include "vmm/x86/cpu.h"

#define ZERO_PAGE 0x7000ul
#define START_INFO 0x6000ul	/* PVH: hvm_start_info, modlist, memmap */
#define CMDLINE_ADDR 0x20000ul
#define GDT_ADDR 0x500ul
#define PML4_ADDR 0x9000ul
#define PDPT_ADDR 0xa000ul
#define PD_ADDR 0xb000ul
#define LOW_END 0x100000ul
#define EBDA_START 0x9fc00ul
/* The MP table in the first KiB of the EBDA, where Linux looks for it. */
#define MP_ADDR EBDA_START
#define LAPIC_ADDR 0xfee00000u
#define IOAPIC_ADDR 0xfec00000u
#define ISA_IRQS 16

/* boot_params offsets (arch/x86/include/uapi/asm/bootparam.h). */
#define BP_E820_ENTRIES 0x1e8
#define BP_SETUP_SECTS 0x1f1
#define BP_HDR 0x1f1
#define BP_HDR_END_BYTE 0x201
#define BP_HEADER_MAGIC 0x202
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_HEAP_END 0x224
#define BP_CMD_LINE_PTR 0x228
#define BP_INITRD_MAX 0x22c
#define BP_XLOADFLAGS 0x236
#define BP_E820_TABLE 0x2d0
#define BP_PREF_ADDRESS 0x258
#define LOADED_HIGH 0x01
#define CAN_USE_HEAP 0x80
#define XLF_KERNEL_64 0x01

/* hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h), version 1. */
#define HVM_START_MAGIC 0x336ec578
#define SI_NR_MODULES 12
#define SI_MODLIST 16
#define SI_CMDLINE 24
#define SI_MEMMAP 40
#define SI_MEMMAP_ENTRIES 48
#define SI_SIZE 56
#define SI_MOD_SIZE 32		/* paddr, size, cmdline, reserved */
#define SI_MEMMAP_ENTRY 24	/* addr, size, type, reserved */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define COM1 0x3f8
#define COM1_IRQ 4
/* kernel_power_off(): "Power down", or without ACPI "Power off not available". */
#define POWER_DOWN "reboot: Power"
#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define RTC_REG_D 0x0d
#define RTC_VRT 0x80

struct uart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	int thre_pending;
	uint32_t line;
	size_t matched;		/* bytes of POWER_DOWN seen in a row */
};

static int vm_fd;
static uint8_t rtc_index;

static void die(const char *what)
{
	fprintf(stderr, "linux-floor: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void *read_file(const char *path, size_t *size)
{
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		die(path);
	buf = malloc(st.st_size);
	if (!buf || read(fd, buf, st.st_size) != st.st_size)
		die(path);
	close(fd);
	*size = st.st_size;
	return buf;
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A RAM range: an e820 entry or (with 4 reserved bytes) a PVH memmap one. */
static void ram_range(uint8_t *e, uint64_t start, uint64_t end)
{
	put64(e, start);
	put64(e + 8, end - start);
	put32(e + 16, 1);	/* E820_TYPE_RAM */
}

static void e820(uint8_t *zp, int i, uint64_t start, uint64_t end)
{
	ram_range(zp + BP_E820_TABLE + 20 * i, start, end);
	zp[BP_E820_ENTRIES] = i + 1;
}

/* The command line and the initrd (at the top of RAM below max). */
static void load_common(uint8_t *ram, uint64_t max, const char *ipath,
			const char *cmdline, uint32_t *initrd_addr,
			uint32_t *initrd_size)
{
	size_t isize;
	uint8_t *initrd = read_file(ipath, &isize);

	strcpy((char *)ram + CMDLINE_ADDR, cmdline);
	*initrd_addr = (max - isize) & ~0xffful;
	*initrd_size = isize;
	memcpy(ram + *initrd_addr, initrd, isize);
	free(initrd);
}

/* The zero page and the kernel of a bzImage; returns its 64-bit entry. */
static uint64_t load_bzimage(uint8_t *ram, size_t ram_size, uint8_t *k,
			     size_t ksize, const char *ipath,
			     const char *cmdline)
{
	size_t setup, hdr_end;
	uint8_t *zp = ram + ZERO_PAGE;
	uint32_t initrd_max, initrd_addr, initrd_size;
	uint64_t kernel_addr;

	if (ksize < 0x1000 || memcmp(k + BP_HEADER_MAGIC, "HdrS", 4) ||
	    !(k[BP_XLOADFLAGS] & XLF_KERNEL_64)) {
		fprintf(stderr, "linux-floor: no 64-bit bzImage or ELF\n");
		exit(2);
	}
	setup = ((k[BP_SETUP_SECTS] ? k[BP_SETUP_SECTS] : 4) + 1) * 512;
	hdr_end = 0x202 + k[BP_HDR_END_BYTE];
	memcpy(zp + BP_HDR, k + BP_HDR, hdr_end - BP_HDR);
	/* At its preferred address, as cvmm does: nothing to move. */
	memcpy(&kernel_addr, k + BP_PREF_ADDRESS, 8);
	if (kernel_addr < LOW_END || kernel_addr + 2 * ksize > ram_size)
		kernel_addr = LOW_END;
	memcpy(ram + kernel_addr, k + setup, ksize - setup);
	zp[BP_TYPE_OF_LOADER] = 0xff;
	zp[BP_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
	put32(zp + BP_HEAP_END, 0xfe00);
	put32(zp + BP_CMD_LINE_PTR, CMDLINE_ADDR);
	memcpy(&initrd_max, k + BP_INITRD_MAX, 4);
	if (initrd_max > ram_size - 1)
		initrd_max = ram_size - 1;
	load_common(ram, initrd_max + 1ull, ipath, cmdline, &initrd_addr,
		    &initrd_size);
	put32(zp + BP_RAMDISK_IMAGE, initrd_addr);
	put32(zp + BP_RAMDISK_SIZE, initrd_size);
	e820(zp, 0, 0, EBDA_START);
	e820(zp, 1, LOW_END, ram_size);
	return kernel_addr + 0x200;	/* the 64-bit entry point */
}

/* The PT_LOAD segments of a vmlinux; returns its PHYS32_ENTRY, or 0. */
static uint32_t load_elf(uint8_t *ram, size_t ram_size, uint8_t *k,
			 size_t ksize)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)k;
	uint32_t entry = 0;

	if (ksize < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr) > ksize)
		return 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(k + eh->e_phoff) + i;
		uint8_t *p = k + ph->p_offset, *end = p + ph->p_filesz;

		if (ph->p_offset + ph->p_filesz > ksize ||
		    ph->p_paddr + ph->p_memsz > ram_size)
			return 0;
		if (ph->p_type == PT_LOAD)	/* RAM is zero: no bss to clear */
			memcpy(ram + ph->p_paddr, p, ph->p_filesz);
		while (ph->p_type == PT_NOTE && p + 12 <= end) {
			uint32_t *n = (uint32_t *)p;	/* namesz, descsz, type */

			if (n[2] == XEN_ELFNOTE_PHYS32_ENTRY && n[0] == 4 &&
			    !memcmp(p + 12, "Xen", 4))
				memcpy(&entry, p + 16, 4);
			p += 12 + ((n[0] + 3) & ~3u) + ((n[1] + 3) & ~3u);
		}
	}
	return entry;
}

/* A vmlinux and its hvm_start_info; returns the PVH entry point. */
static uint32_t load_pvh(uint8_t *ram, size_t ram_size, uint8_t *k,
			 size_t ksize, const char *ipath, const char *cmdline)
{
	uint8_t *si = ram + START_INFO, *mod = si + SI_SIZE;
	uint8_t *mm = mod + SI_MOD_SIZE;
	uint32_t entry = load_elf(ram, ram_size, k, ksize), addr, size;

	if (!entry) {
		fprintf(stderr, "linux-floor: no ELF with a PVH entry\n");
		exit(2);
	}
	load_common(ram, ram_size, ipath, cmdline, &addr, &size);
	put32(si, HVM_START_MAGIC);
	put32(si + 4, 1);		/* version 1: with the memory map */
	put32(si + SI_NR_MODULES, 1);
	put64(si + SI_MODLIST, START_INFO + SI_SIZE);
	put64(si + SI_CMDLINE, CMDLINE_ADDR);
	put64(si + SI_MEMMAP, START_INFO + SI_SIZE + SI_MOD_SIZE);
	put32(si + SI_MEMMAP_ENTRIES, 2);
	put64(mod, addr);
	put64(mod + 8, size);
	ram_range(mm, 0, EBDA_START);
	ram_range(mm + SI_MEMMAP_ENTRY, LOW_END, ram_size);
	return entry;
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

/* Floating pointer, then a configuration table: CPU 0, ISA, IOAPIC, IRQs. */
static void write_mp_table(uint8_t *ram)
{
	uint8_t *mpf = ram + MP_ADDR, *cfg = mpf + 16, *e = cfg + 44;
	uint16_t entries = 3;

	memcpy(mpf, "_MP_", 4);
	put32(mpf + 4, MP_ADDR + 16);
	mpf[8] = 1;			/* length in 16-byte units */
	mpf[9] = 4;			/* spec revision 1.4 */
	mpf[10] = checksum(mpf, 16);
	/* Processor: APIC ID 0, enabled, the boot CPU. */
	e[0] = 0;
	e[2] = 0x14;
	e[3] = 3;
	put32(e + 8, 0x201);		/* FPU, APIC */
	e += 20;
	e[0] = 1;			/* bus 0: ISA */
	memcpy(e + 2, "ISA   ", 6);
	e += 8;
	e[0] = 2;			/* IOAPIC 0, enabled */
	e[2] = 0x11;
	e[3] = 1;
	put32(e + 4, IOAPIC_ADDR);
	e += 8;
	/* ISA IRQ n on pin n, as KVM routes them (2 is the PIC cascade). */
	for (uint8_t irq = 0; irq < ISA_IRQS; irq++) {
		if (irq == 2)
			continue;
		e[0] = 3;
		e[6] = 0;
		e[5] = irq;
		e[7] = irq;
		e += 8;
		entries++;
	}
	memcpy(cfg, "PCMP", 4);
	put32(cfg + 4, 0);
	cfg[4] = (e - cfg) & 0xff;
	cfg[5] = (e - cfg) >> 8;
	cfg[6] = 4;
	memcpy(cfg + 8, "CVMM    FLOOR       ", 20);
	cfg[34] = entries & 0xff;
	cfg[35] = entries >> 8;
	put32(cfg + 36, LAPIC_ADDR);
	cfg[7] = checksum(cfg, e - cfg);
}

/*
 * Flat segments from a GDT with 64-bit code (0x10), data (0x18) and
 * 32-bit code (0x20). The bzImage is entered in long mode with the first
 * GiB identity-mapped in 2M pages and RSI at the zero page; a PVH kernel
 * in 32-bit protected mode without paging, EBX at its start info.
 */
static void enter(int vcpu, uint8_t *ram, uint64_t rip, int pvh)
{
	const uint64_t gdt[5] = { 0, 0, 0x00af9b000000ffffull,
				  0x00cf93000000ffffull, 0x00cf9b000000ffffull };
	struct kvm_segment cs = {
		.limit = 0xffffffff, .selector = 0x10, .type = 11,
		.present = 1, .s = 1, .l = 1, .g = 1,
	}, ds = cs;
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = rip, .rsi = ZERO_PAGE, .rsp = ZERO_PAGE, .rflags = 2,
		.rbx = START_INFO,
	};

	put64(ram + PML4_ADDR, PDPT_ADDR | 3);
	put64(ram + PDPT_ADDR, PD_ADDR | 3);
	for (uint64_t i = 0; i < 512; i++)
		put64(ram + PD_ADDR + 8 * i, i << 21 | 0x83);
	memcpy(ram + GDT_ADDR, gdt, sizeof(gdt));
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	ds.selector = 0x18;
	ds.type = 3;
	ds.l = 0;
	ds.db = 1;
	sregs.cs = cs;
	sregs.ds = sregs.es = sregs.ss = sregs.fs = sregs.gs = ds;
	sregs.gdt.base = GDT_ADDR;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.cr3 = PML4_ADDR;
	sregs.cr4 = 0x20;			/* PAE */
	sregs.cr0 = 0x80000011;			/* PG, ET, PE */
	sregs.efer = 0x500;			/* LMA, LME */
	if (pvh) {
		sregs.cs.selector = 0x20;
		sregs.cs.l = 0;
		sregs.cs.db = 1;
		sregs.cr3 = sregs.cr4 = sregs.efer = 0;
		sregs.cr0 = 0x11;		/* ET, PE */
	}
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 ||
	    ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("KVM_SET_SREGS/REGS");
}

#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

static void set_cpu(int kvm, int vcpu, int tsc_deadline)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));

	if (!c)
		die("calloc");
	c->nent = 256;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) < 0)
		die("KVM_GET_SUPPORTED_CPUID");
	if (cpu_build_cpuid(&c, 1) < 0)
		die("CPUID");
	for (uint32_t i = 0; i < c->nent && !tsc_deadline; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ecx &= ~CPUID_1_ECX_TSC_DEADLINE;
	if (ioctl(vcpu, KVM_SET_CPUID2, c) < 0 ||
	    cpu_init_pc_state(vcpu, cpu_cpuid_xcr0(c)) < 0)
		die("CPUID and reset state");
	free(c);
}

static void uart_irq(struct uart *u)
{
	struct kvm_irq_level irq = { .irq = COM1_IRQ };

	irq.level = (u->ier & 2) && u->thre_pending;
	if (irq.level == u->line)
		return;
	u->line = irq.level;
	if (ioctl(vm_fd, KVM_IRQ_LINE, &irq) < 0)
		die("KVM_IRQ_LINE");
}

/* Returns 1 once the guest has said it powers down. */
static int uart_out(struct uart *u, uint8_t c)
{
	if (write(STDOUT_FILENO, &c, 1) < 0)
		die("stdout");
	u->matched = c == POWER_DOWN[u->matched] ? u->matched + 1 :
		     c == POWER_DOWN[0];
	return u->matched == strlen(POWER_DOWN);
}

static uint8_t uart_read(struct uart *u, unsigned int reg)
{
	int dlab = u->lcr & 0x80;

	switch (reg) {
	case 0: return dlab ? u->dll : 0;
	case 1: return dlab ? u->dlm : u->ier;
	case 2:
		if ((u->ier & 2) && u->thre_pending) {
			u->thre_pending = 0;
			return 0x02;		/* THR empty */
		}
		return 0x01;			/* no interrupt */
	case 3: return u->lcr;
	case 4: return u->mcr;
	case 5: return 0x60;			/* THRE, TEMT */
	case 6:
		if (u->mcr & 0x10)		/* loopback */
			return (u->mcr & 0x2) << 3 | (u->mcr & 0x1) << 5 |
			       (u->mcr & 0xc) << 4;
		return 0xb0;			/* DCD, DSR, CTS */
	default: return u->scr;
	}
}

static int uart_write(struct uart *u, unsigned int reg, uint8_t v)
{
	int dlab = u->lcr & 0x80, off = 0;

	switch (reg) {
	case 0:
		if (dlab) {
			u->dll = v;
			break;
		}
		off = uart_out(u, v);
		u->thre_pending = 1;
		break;
	case 1:
		if (dlab) {
			u->dlm = v;
			break;
		}
		if ((v & 2) && !(u->ier & 2))
			u->thre_pending = 1;
		u->ier = v & 0xf;
		break;
	case 3: u->lcr = v; break;
	case 4: u->mcr = v & 0x1f; break;
	case 7: u->scr = v; break;
	}
	return off;
}

/* 1: powered down, -1: reset, 0: carry on. */
static int port_io(struct uart *u, struct kvm_run *run)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	uint16_t port = run->io.port;

	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		int out = run->io.direction == KVM_EXIT_IO_OUT;

		if (port >= COM1 && port < COM1 + 8) {
			if (!out)
				*data = uart_read(u, port - COM1);
			else if (uart_write(u, port - COM1, *data))
				return 1;
			uart_irq(u);
		} else if (port == RTC_INDEX && out) {
			rtc_index = *data & 0x7f;
		} else if (port == RTC_DATA && !out) {
			*data = rtc_index == RTC_REG_D ? RTC_VRT : 0;
		} else if (out && ((port == 0x64 && *data == 0xfe) ||
				   (port == 0xcf9 && (*data & 4)))) {
			return -1;
		} else if (!out) {
			memset(data, 0xff, run->io.size);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_pit_config pit = { 0 };
	struct uart uart = { 0 };
	struct kvm_run *run;
	size_t ram_size, ksize;
	uint8_t *ram, *kernel;
	uint64_t entry;
	int kvm, vcpu, pvh, r = 0;

	if (argc != 5 && !(argc == 6 && !strcmp(argv[5], "no-tsc-deadline"))) {
		fprintf(stderr, "usage: linux-floor BZIMAGE|VMLINUX INITRD "
			"CMDLINE MEM_MIB [no-tsc-deadline]\n");
		return 2;
	}
	ram_size = strtoul(argv[4], NULL, 0) << 20;
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	vm_fd = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die("KVM_CREATE_VM");
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    ioctl(vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		die("irqchip, PIT");
	ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED)
		die("mmap");
	madvise(ram, ram_size, MADV_HUGEPAGE);
	region.memory_size = ram_size;
	region.userspace_addr = (uintptr_t)ram;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run = mmap(NULL, ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
		   PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");
	set_cpu(kvm, vcpu, argc == 5);
	write_mp_table(ram);
	kernel = read_file(argv[1], &ksize);
	pvh = ksize > SELFMAG && !memcmp(kernel, ELFMAG, SELFMAG);
	if (pvh)
		entry = load_pvh(ram, ram_size, kernel, ksize, argv[2], argv[3]);
	else
		entry = load_bzimage(ram, ram_size, kernel, ksize, argv[2],
				     argv[3]);
	free(kernel);
	enter(vcpu, ram, entry, pvh);
	while (!r) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			r = port_io(&uart, run);
			break;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, run->mmio.len);
			break;
		case KVM_EXIT_SHUTDOWN:
			r = -1;
			break;
		default:
			fprintf(stderr, "linux-floor: exit reason %u\n",
				run->exit_reason);
			return 2;
		}
	}
	if (r < 0)
		fprintf(stderr, "linux-floor: the guest reset\n");
	else
		putchar('\n');	/* end the console's last line */
	return r < 0;
}
