// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PC platform of a VM that boots a kernel: what exists beside the
 * vCPUs and RAM, and how guest requests (power-off, reset, console quit)
 * and interrupts reach the VM. The ACPI tables that describe it are
 * written by the loader (vmm/x86/acpi.c), once memory exists.
 */
#include <stdlib.h>
#include <unistd.h>

#include "cc/plan.h"
#include "lib/log.h"
#include "vmm/x86/boot-firmware.h"
#include "vmm/x86/pc.h"
#include "vmm/vm.h"

_Static_assert(LAUNCH_SPLIT_IRQCHIP_ROUTES == IRQ_IOAPIC_PINS,
	       "a launch's split irqchip routes the IOAPIC's pins");

static void on_poweroff(void *ctx)
{
	struct vm *vm = ctx;

	log_debug("guest powered off");
	vm_request_stop(vm, 0);
}

static void on_reset(void *ctx)
{
	vm_request_reset(ctx);
}

static void on_console_quit(void *ctx)
{
	struct vm *vm = ctx;

	log_info("console: Ctrl-A x; ending the VM");
	vm_request_stop(vm, 0);
}

/*
 * UART lock held (then the IOAPIC's, in split mode); KVM_IRQ_LINE cannot
 * fail for a valid GSI.
 */
static void uart_set_irq(void *ctx, bool level)
{
	struct vm *vm = ctx;
	int r = irq_set_level(&vm->irq, UART_COM1_IRQ, level);

	if (r < 0)
		log_debug("UART interrupt: %s", errno_name(r));
}

static uint64_t ram_end(const struct guest_memory *mem)
{
	uint64_t end = MEM_4G;

	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		const struct mem_region *r = &mem->regions[i];

		if (r->kind == MEM_REGION_RAM)
			end = MAX(end, r->gpa + r->size);
	}
	return end;
}

static int register_devices(struct vm *vm, struct pc *pc)
{
	const struct power_ops ops = {
		.poweroff = on_poweroff,
		.reset = on_reset,
		.ctx = vm,
	};
	int r;

	r = post_register(&vm->pio);
	if (r < 0)
		return log_error_errno(r, "registering port 0x80");
	r = cmos_register(&pc->cmos, &vm->pio);
	if (r < 0)
		return log_error_errno(r, "registering the CMOS RTC");
	/*
	 * Firmware finds no keyboard controller where its ports float, and
	 * waits for none (a status of 0 has OVMF's PS/2 driver time out).
	 */
	pc->i8042.ops = ops;
	r = vm->cfg->boot.firmware ? 0 : i8042_register(&pc->i8042, &vm->pio);
	if (r < 0)
		return log_error_errno(r, "registering the i8042");
	pc->power.ops = ops;
	r = acpi_power_register(&pc->power, &vm->pio);
	if (r < 0)
		return log_error_errno(r, "registering the ACPI power ports");
	r = pci_host_init(&pc->pci, &vm->pio, &vm->mmio, ram_end(&vm->mem));
	if (r < 0)
		return log_error_errno(r, "registering the PCI host bridge");
	return 0;
}

int pc_create(struct vm *vm)
{
	struct pc *pc = calloc(1, sizeof(*pc));
	int r;

	if (!pc)
		return log_error_errno(-ENOMEM, "allocating the PC platform");
	vm->pc = pc;
	/* SNP and TDX made theirs in the launch's order (launch_vm_init()). */
	if (vm->cc)
		r = irq_adopt(&vm->irq, vm->vm_fd, vm->cfg->machine.irqchip,
			      &vm->mmio);
	else
		r = irq_init(&vm->irq, vm->vm_fd, vm->cfg->machine.irqchip,
			     &vm->mmio);
	if (r < 0)
		return r;
	/* A kernel probes for hardware; absent hardware reads as all-ones. */
	vm->io_policy = VM_IO_PROBE;
	r = register_devices(vm, pc);
	if (r < 0)
		return r;
	pthread_mutex_lock(&vm->uart.lock);
	vm->uart.set_irq = uart_set_irq;
	vm->uart.irq_ctx = vm;
	pthread_mutex_unlock(&vm->uart.lock);
	r = console_init(&pc->console, STDIN_FILENO, &vm->uart, &vm->loop,
			 on_console_quit, vm);
	if (r < 0)
		return log_error_errno(r, "setting up the console input");
	return pc_virtio_create(vm);
}

void pc_destroy(struct vm *vm)
{
	if (!vm->pc)
		return;
	pc_virtio_destroy(vm);
	boot_firmware_free(vm->pc->firmware);
	console_fini(&vm->pc->console);
	irq_fini(&vm->irq);
	free(vm->pc);
	vm->pc = NULL;
}
