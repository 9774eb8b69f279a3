/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A userspace IOAPIC (82093AA register model, version 0x20 with its EOI
 * register) for KVM's split irqchip: 24 pins whose redirection entries
 * become MSI messages. It holds no KVM fd; the owner (vmm/irq.c) gives it
 * a way to send an MSI and to follow an entry's message in KVM's routes.
 */
#ifndef CVMM_IOAPIC_H
#define CVMM_IOAPIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "lib/util.h"

#define IOAPIC_PINS 24
/* IOREGSEL, IOWIN and EOI fit in 0x100; the rest of the page reads 0. */
#define IOAPIC_MMIO_SIZE 0x1000

struct ioapic_ops {
	/* Deliver one MSI. Called with the IOAPIC's lock held. */
	int (*signal_msi)(void *ctx, uint64_t addr, uint32_t data);
	/*
	 * The message of pin's entry is now addr/data. Called with the lock
	 * held, before the pin can deliver the new message.
	 */
	int (*route_update)(void *ctx, uint32_t pin, uint64_t addr,
			    uint32_t data);
};

struct ioapic {
	pthread_mutex_t lock;
	const struct ioapic_ops *ops;
	void *ctx;
	uint8_t ioregsel;
	uint8_t id;
	/* The logical level of each pin's wire (bit = pin). */
	uint32_t asserted;
	uint64_t redtbl[IOAPIC_PINS];
	/* Messages delivered, for tests and --stats. */
	uint64_t delivered;
};

void ioapic_init(struct ioapic *io, const struct ioapic_ops *ops, void *ctx);
void ioapic_fini(struct ioapic *io);

int __must_check ioapic_register(struct ioapic *io, struct bus *mmio,
				 uint64_t base);

/* The MSI that the entry of pin (< IOAPIC_PINS) describes now. */
void ioapic_pin_msi(struct ioapic *io, uint32_t pin, uint64_t *ret_addr,
		    uint32_t *ret_data);

/*
 * Drive pin's wire; level is logical (asserted or not), as KVM_IRQ_LINE
 * takes it, so the entry's polarity bit is not applied. -EINVAL for a
 * pin beyond the last.
 */
int ioapic_set_level(struct ioapic *io, uint32_t pin, bool level);

/* A local APIC EOIed vector (KVM_EXIT_IOAPIC_EOI). */
void ioapic_eoi(struct ioapic *io, uint8_t vector);

#endif
