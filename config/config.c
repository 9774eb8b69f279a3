// SPDX-License-Identifier: GPL-2.0-only
/* struct vm_config: its defaults, its release, the values that follow from others, sizes. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

void vm_config_init(struct vm_config *cfg)
{
	*cfg = (struct vm_config){
		.machine = {
			.vcpus = 1,
			.memory_size = 256ull << 20,
			.backing = BACKING_AUTO,
			.irqchip = IRQCHIP_AUTO,
		},
		.cc = {
			.mode = CC_MODE_NONE,
			.implicit_conversion = IMPLICIT_ALLOW,
			.coalesce_discards = true,
			.snp_policy = 0x30000,
			.tdx_attributes = 1ull << 28,
		},
		.devices = {
			.serial = true,
		},
		.logging = {
			.level = LOG_LEVEL_INFO,
			.format = LOG_FORMAT_TEXT,
		},
		.seccomp = SECCOMP_MODE_KILL,
	};
}

void vm_config_free(struct vm_config *cfg)
{
	free(cfg->source);
	free(cfg->boot.kernel);
	free(cfg->boot.initrd);
	free(cfg->boot.cmdline);
	free(cfg->boot.firmware);
	free(cfg->boot.shim);
	free(cfg->cc.snp.id_block);
	free(cfg->cc.snp.id_auth);
	free(cfg->cc.snp.certs);
	free(cfg->cc.tdx.quote_service);
	free(cfg->boot.scenario);
	for (unsigned int i = 0; i < cfg->devices.nr_disks; i++)
		free(cfg->devices.disks[i].path);
	for (unsigned int i = 0; i < cfg->devices.nr_nets; i++)
		free(cfg->devices.nets[i].tap);
	free(cfg->stats.path);
	free(cfg->user);
	free(cfg->group);
	memset(cfg, 0, sizeof(*cfg));
}

void vm_config_finish(struct vm_config *cfg)
{
	/* TDX cannot have the IOAPIC and PIC in KVM (tdx.md, launch step 3). */
	if (cfg->machine.irqchip == IRQCHIP_AUTO)
		cfg->machine.irqchip = cfg->cc.mode == CC_MODE_TDX ?
					       IRQCHIP_SPLIT :
					       IRQCHIP_IN_KERNEL;
	if (!cfg->boot.scenario && !cfg->boot.kernel && !cfg->boot.firmware)
		cfg->boot.scenario = strdup("default");
}

int cfg_parse_size(const char *s, uint64_t *ret_size)
{
	static const char units[] = "KMGT";
	const char *u;
	uint64_t v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end) {
		u = strchr(units, *end);
		if (!u || end[1])
			return -EINVAL;
		for (int shift = (u - units + 1) * 10; shift; shift -= 10) {
			if (v > UINT64_MAX >> 10)
				return -ERANGE;
			v <<= 10;
		}
	}
	*ret_size = v;
	return 0;
}

void cfg_format_size(uint64_t size, char buf[CFG_SIZE_STR_MAX])
{
	static const char units[] = "TGMK";

	for (int i = 0; i < 4; i++) {
		unsigned int shift = (4 - i) * 10;

		if (size && IS_ALIGNED(size, 1ull << shift)) {
			snprintf(buf, CFG_SIZE_STR_MAX, "%" PRIu64 "%c",
				 size >> shift, units[i]);
			return;
		}
	}
	snprintf(buf, CFG_SIZE_STR_MAX, "%" PRIu64, size);
}

/* Modes whose guests convert single 4K pages between private and shared. */
