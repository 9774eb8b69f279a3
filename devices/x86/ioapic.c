// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOAPIC: IOREGSEL at 0x00, IOWIN at 0x10 and, as in version 0x20, an
 * EOI register at 0x40; 32-bit accesses only. Registers behind IOWIN:
 * ID (0x00), version (0x01), arbitration (0x02), then the low and high
 * halves of the redirection entries (0x10 + 2 * pin).
 *
 * A pin delivers the MSI its entry describes (Intel SDM vol. 3, 11.11:
 * address 0xfee00000 | dest << 12 | dest mode << 2, data vector |
 * delivery mode << 8 | level << 14 | trigger << 15). Edge pins deliver on
 * a rising edge while unmasked; an edge on a masked pin is lost, as on
 * the 82093AA and in KVM's IOAPIC. Level pins deliver while asserted,
 * unmasked and with remote IRR clear, and set remote IRR; an EOI of the
 * vector clears it and delivers again if the wire is still asserted.
 */
#include <string.h>

#include "devices/x86/ioapic.h"

#define IOAPIC_REG_SELECT 0x00
#define IOAPIC_REG_WINDOW 0x10
#define IOAPIC_REG_EOI 0x40

#define IOAPIC_ID 0x00
#define IOAPIC_VERSION 0x01
#define IOAPIC_ARB 0x02
#define IOAPIC_REDTBL 0x10

#define IOAPIC_VERSION_ID 0x20
#define IOAPIC_ID_SHIFT 24
#define IOAPIC_ID_MASK 0x0f

#define RTE_VECTOR 0xffull
#define RTE_DELIVERY_SHIFT 8
#define RTE_DELIVERY_MASK 0x7
#define RTE_DEST_LOGICAL (1ull << 11)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
/* Linux's KVM_FEATURE_MSI_EXT_DEST_ID: destination bits 8-14. */
#define RTE_EXT_DEST_SHIFT 49
#define RTE_EXT_DEST_MASK 0x7f
#define RTE_DEST_SHIFT 56
/*
 * What the guest may write: vector, delivery and destination modes,
 * polarity, trigger, mask, destination. Delivery status (12) and remote
 * IRR (14) are read-only.
 */
#define RTE_WRITABLE 0xffff00000001afffull

#define MSI_ADDR_BASE 0xfee00000u
#define MSI_ADDR_DEST_LOGICAL (1u << 2)
#define MSI_ADDR_EXT_DEST_SHIFT 5
#define MSI_ADDR_DEST_SHIFT 12
#define MSI_DATA_DELIVERY_SHIFT 8
#define MSI_DATA_ASSERT (1u << 14)
#define MSI_DATA_LEVEL (1u << 15)

/* Delivery modes that are reserved (3, 6) or need a PIC (ExtINT, 7). */
#define DELIVERABLE_MODES 0x37u

static void entry_msi(uint64_t e, uint64_t *ret_addr, uint32_t *ret_data)
{
	uint32_t mode = (e >> RTE_DELIVERY_SHIFT) & RTE_DELIVERY_MASK;

	*ret_addr = MSI_ADDR_BASE |
		    (uint32_t)(e >> RTE_DEST_SHIFT) << MSI_ADDR_DEST_SHIFT |
		    ((e >> RTE_EXT_DEST_SHIFT) & RTE_EXT_DEST_MASK)
			    << MSI_ADDR_EXT_DEST_SHIFT |
		    (e & RTE_DEST_LOGICAL ? MSI_ADDR_DEST_LOGICAL : 0);
	*ret_data = (e & RTE_VECTOR) | mode << MSI_DATA_DELIVERY_SHIFT |
		    (e & RTE_LEVEL ? MSI_DATA_LEVEL | MSI_DATA_ASSERT : 0);
}

void ioapic_init(struct ioapic *io, const struct ioapic_ops *ops, void *ctx)
{
	*io = (struct ioapic){ .ops = ops, .ctx = ctx };
	/* Reset: every entry masked. */
	for (unsigned int i = 0; i < IOAPIC_PINS; i++)
		io->redtbl[i] = RTE_MASKED;
	pthread_mutex_init(&io->lock, NULL);
}

void ioapic_fini(struct ioapic *io)
{
	pthread_mutex_destroy(&io->lock);
}

void ioapic_pin_msi(struct ioapic *io, uint32_t pin, uint64_t *ret_addr,
		    uint32_t *ret_data)
{
	pthread_mutex_lock(&io->lock);
	entry_msi(io->redtbl[pin], ret_addr, ret_data);
	pthread_mutex_unlock(&io->lock);
}

static void deliver_locked(struct ioapic *io, uint32_t pin)
{
	uint64_t *e = &io->redtbl[pin];
	uint32_t mode = (*e >> RTE_DELIVERY_SHIFT) & RTE_DELIVERY_MASK;
	uint64_t addr;
	uint32_t data;

	if (!(DELIVERABLE_MODES & (1u << mode)))
		return;
	entry_msi(*e, &addr, &data);
	if (*e & RTE_LEVEL)
		*e |= RTE_REMOTE_IRR;
	io->delivered++;
	/* A failed MSI is lost like a message on a broken bus. */
	(void)io->ops->signal_msi(io->ctx, addr, data);
}

/* A level pin that is asserted and may deliver again does so now. */
static void service_level_locked(struct ioapic *io, uint32_t pin)
{
	uint64_t e = io->redtbl[pin];

	if ((e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) &&
	    (io->asserted & (1u << pin)))
		deliver_locked(io, pin);
}

int ioapic_set_level(struct ioapic *io, uint32_t pin, bool level)
{
	bool rising;

	if (pin >= IOAPIC_PINS)
		return -EINVAL;
	pthread_mutex_lock(&io->lock);
	rising = level && !(io->asserted & (1u << pin));
	if (level)
		io->asserted |= 1u << pin;
	else
		io->asserted &= ~(1u << pin);
	if (io->redtbl[pin] & RTE_LEVEL)
		service_level_locked(io, pin);
	else if (rising && !(io->redtbl[pin] & RTE_MASKED))
		deliver_locked(io, pin);
	pthread_mutex_unlock(&io->lock);
	return 0;
}

static void eoi_locked(struct ioapic *io, uint8_t vector)
{
	for (uint32_t pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t *e = &io->redtbl[pin];

		if ((*e & RTE_VECTOR) != vector || !(*e & RTE_REMOTE_IRR))
			continue;
		*e &= ~RTE_REMOTE_IRR;
		service_level_locked(io, pin);
	}
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	pthread_mutex_lock(&io->lock);
	eoi_locked(io, vector);
	pthread_mutex_unlock(&io->lock);
}

static uint32_t read_reg_locked(const struct ioapic *io)
{
	uint32_t idx = io->ioregsel;
	uint32_t pin = (idx - IOAPIC_REDTBL) / 2;

	switch (idx) {
	case IOAPIC_ID:
	case IOAPIC_ARB:
		return (uint32_t)io->id << IOAPIC_ID_SHIFT;
	case IOAPIC_VERSION:
		return IOAPIC_VERSION_ID | (IOAPIC_PINS - 1) << 16;
	}
	if (idx < IOAPIC_REDTBL || pin >= IOAPIC_PINS)
		return 0xffffffff;
	return io->redtbl[pin] >> (idx & 1 ? 32 : 0);
}

static void write_entry_locked(struct ioapic *io, uint32_t pin, bool high,
			       uint32_t v)
{
	uint64_t *e = &io->redtbl[pin];
	uint64_t old = *e, addr_old, addr_new;
	uint64_t half = high ? (uint64_t)v << 32 : v;
	uint64_t keep = high ? 0xffffffffull : 0xffffffffull << 32;
	uint32_t data_old, data_new;

	*e = (old & (keep | ~RTE_WRITABLE)) | (half & ~keep & RTE_WRITABLE);
	/* Switching to edge clears remote IRR; Linux relies on it. */
	if (!(*e & RTE_LEVEL))
		*e &= ~RTE_REMOTE_IRR;
	entry_msi(old, &addr_old, &data_old);
	entry_msi(*e, &addr_new, &data_new);
	/* KVM must know a level vector before it can be EOIed. */
	if (addr_old != addr_new || data_old != data_new)
		(void)io->ops->route_update(io->ctx, pin, addr_new, data_new);
	service_level_locked(io, pin);
}

static void write_reg_locked(struct ioapic *io, uint32_t v)
{
	uint32_t idx = io->ioregsel;
	uint32_t pin = (idx - IOAPIC_REDTBL) / 2;

	if (idx == IOAPIC_ID)
		io->id = (v >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
	else if (idx >= IOAPIC_REDTBL && pin < IOAPIC_PINS)
		write_entry_locked(io, pin, idx & 1, v);
	/* Version, arbitration and unknown registers ignore writes. */
}

static void mmio_locked(struct ioapic *io, uint64_t offset, uint32_t *v,
			bool is_write)
{
	switch (offset) {
	case IOAPIC_REG_SELECT:
		if (is_write)
			io->ioregsel = *v;
		else
			*v = io->ioregsel;
		return;
	case IOAPIC_REG_WINDOW:
		if (is_write)
			write_reg_locked(io, *v);
		else
			*v = read_reg_locked(io);
		return;
	case IOAPIC_REG_EOI:
		if (is_write)
			eoi_locked(io, *v);
		else
			*v = 0;
		return;
	default:
		if (!is_write)
			*v = 0;
	}
}

static int ioapic_access(void *opaque, uint64_t offset, uint8_t *data,
			 uint32_t size, bool is_write)
{
	struct ioapic *io = opaque;
	uint32_t v = 0;

	/* Its registers are 32 bits wide; other sizes read 0, do nothing. */
	if (size != 4) {
		if (!is_write)
			memset(data, 0, size);
		return 0;
	}
	if (is_write)
		memcpy(&v, data, 4);
	pthread_mutex_lock(&io->lock);
	mmio_locked(io, offset, &v, is_write);
	pthread_mutex_unlock(&io->lock);
	if (!is_write)
		memcpy(data, &v, 4);
	return 0;
}

int ioapic_register(struct ioapic *io, struct bus *mmio, uint64_t base)
{
	struct bus_device dev = {
		.name = "ioapic",
		.base = base,
		.len = IOAPIC_MMIO_SIZE,
		.access = ioapic_access,
		.opaque = io,
	};

	return bus_register(mmio, &dev);
}
