// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reset control register at port 0xcf9 (model in q35.h): a byte write
 * with RST_CPU set resets the machine, which OVMF's ResetSystemLib and
 * Linux's reboot=pci use. The port lies inside the PCI config ports, so
 * the host bridge forwards byte accesses at 0xcf9 here.
 */
#include "devices/x86/q35.h"

void reset_cf9_init(struct reset_cf9 *rc, const struct power_ops *ops)
{
	*rc = (struct reset_cf9){ .ops = *ops };
}

int reset_cf9_access(void *opaque, uint64_t offset, uint8_t *data,
		     uint32_t size, bool is_write)
{
	struct reset_cf9 *rc = opaque;

	(void)offset;
	(void)size;
	if (!is_write) {
		data[0] = __atomic_load_n(&rc->value, __ATOMIC_RELAXED);
		return BUS_DONE;
	}
	__atomic_store_n(&rc->value, data[0] & RESET_CF9_SYS_RST,
			 __ATOMIC_RELAXED);
	if (!(data[0] & RESET_CF9_RST_CPU))
		return BUS_DONE;
	rc->ops.reset(rc->ops.ctx);
	return BUS_STOP_VCPU;
}

void reset_cf9_attach(struct reset_cf9 *rc, struct pci_host *host)
{
	host->cf9_access = reset_cf9_access;
	host->cf9_opaque = rc;
}
