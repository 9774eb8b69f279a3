// SPDX-License-Identifier: GPL-2.0-only
/* Defaults and names for struct vm_config. */
#include <stdlib.h>
#include <string.h>

#include "cli/config.h"

void vm_config_init(struct vm_config *cfg)
{
	*cfg = (struct vm_config){
		.machine = {
			.vcpus = 1,
			.memory_size = 256ull << 20,
			.backing = BACKING_AUTO,
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
	free(cfg->boot.scenario);
	for (unsigned int i = 0; i < cfg->devices.nr_disks; i++)
		free(cfg->devices.disks[i].path);
	for (unsigned int i = 0; i < cfg->devices.nr_nets; i++)
		free(cfg->devices.nets[i].tap);
	free(cfg->stats.path);
	memset(cfg, 0, sizeof(*cfg));
}

const char *cc_mode_name(enum cc_mode mode)
{
	static const char *const names[] = {
		[CC_MODE_NONE] = "none",
		[CC_MODE_SW] = "sw",
		[CC_MODE_SNP] = "snp",
		[CC_MODE_TDX] = "tdx",
	};

	return mode < ARRAY_SIZE(names) ? names[mode] : "?";
}

const char *shared_backing_name(enum shared_backing backing)
{
	static const char *const names[] = {
		[BACKING_AUTO] = "auto",
		[BACKING_ANONYMOUS] = "anonymous",
		[BACKING_MEMFD] = "memfd",
		[BACKING_MEMFD_THP] = "memfd-thp",
		[BACKING_HUGETLBFS_2M] = "hugetlbfs-2M",
	};

	return backing < ARRAY_SIZE(names) ? names[backing] : "?";
}
