// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cross-field rules of a config that need no host probe, each with its
 * own message, after the range checks of every value alone. The rules of
 * an SNP or TDX launch (firmware, irqchip, ...) are cc/rules.c's, which
 * vm_validate() runs once these pass.
 */
#include <inttypes.h>
#include <string.h>

#include "build-config.h"
#include "config/config.h"
#include "config/schema.h"

static bool converts_4k_pages(enum cc_mode mode)
{
	return mode != CC_MODE_NONE;
}

/* None of the paths had an error: a rule that reads them may run. */
static bool known(const struct cfg_diag *d, const char *const *paths)
{
	for (; *paths; paths++)
		if (cfg_diag_is_bad(d, *paths))
			return false;
	return true;
}

#define KNOWN(d, ...) known((d), (const char *const[]){ __VA_ARGS__, NULL })

static void check_machine(const struct vm_config *cfg, struct cfg_diag *d)
{
	char size[CFG_SIZE_STR_MAX];

	if (cfg->machine.backing == BACKING_GUEST_MEMFD &&
	    cfg->cc.mode != CC_MODE_NONE &&
	    KNOWN(d, "$.cc.mode", "$.machine.shared_backing"))
		cfg_rule_error(d, "$.machine.shared_backing",
			  "'guest_memfd' is guest RAM without private memory; with cc.mode '%s' guest_memfd is the private side and the shared side needs its own backing: use \"memfd\", \"memfd-thp\" or \"anonymous\"",
			  cc_mode_name(cfg->cc.mode));
	if (cfg->machine.backing != BACKING_HUGETLBFS_2M)
		return;
	/* A 4K discard inside a hugetlbfs page cannot be done (issue 3). */
	if (converts_4k_pages(cfg->cc.mode) &&
	    KNOWN(d, "$.cc.mode", "$.machine.shared_backing"))
		cfg_rule_error(d, "$.machine.shared_backing",
			  "'hugetlbfs-2M' cannot back a guest that converts single 4K pages (cc.mode '%s'): a 4K discard inside a 2M hugetlbfs page is impossible; use \"memfd-thp\" or \"memfd\"",
			  cc_mode_name(cfg->cc.mode));
	if (!IS_ALIGNED(cfg->machine.memory_size, SZ_2M) &&
	    KNOWN(d, "$.machine.memory", "$.machine.shared_backing")) {
		cfg_format_size(cfg->machine.memory_size, size);
		cfg_rule_error(d, "$.machine.memory",
			  "'%s' is not a multiple of 2M, which machine.shared_backing 'hugetlbfs-2M' needs; round it to 2M or pick another backing",
			  size);
	}
}

/*
 * Which CC modes this build's architecture has: SEV-SNP, TDX and the
 * software-protected VM type on x86, pKVM protected VMs on arm64. A
 * pKVM guest's memory is donated to the hypervisor, so cvmm can touch
 * none of it after launch: RAM is anonymous memory (Linux 7.2 runs no
 * protected VM from guest_memfd) and there is no virtio, which needs
 * pages the guest shares back (Debian's arm64 kernel has no pKVM guest
 * driver to do that).
 */
static void check_cc_arch(const struct vm_config *cfg, struct cfg_diag *d)
{
	const char *mode = cc_mode_name(cfg->cc.mode);
	bool pkvm = cfg->cc.mode == CC_MODE_PKVM;

	if (!KNOWN(d, "$.cc.mode"))
		return;
	if (cfg->cc.mode != CC_MODE_NONE && pkvm != CONFIG_ARM64) {
		cfg_rule_error(d, "$.cc.mode", "'%s' runs on %s hosts only",
			       mode, pkvm ? "arm64" : "x86");
		return;
	}
	if (!pkvm)
		return;
	if (cfg->machine.backing != BACKING_AUTO &&
	    cfg->machine.backing != BACKING_ANONYMOUS &&
	    KNOWN(d, "$.machine.shared_backing"))
		cfg_rule_error(d, "$.machine.shared_backing",
			  "cc.mode 'pkvm' takes guest RAM from anonymous memory (Linux 7.2 runs no protected VM from guest_memfd or a file); use \"anonymous\" or \"auto\"");
	if ((cfg->devices.nr_disks || cfg->devices.nr_nets ||
	     cfg->devices.rng || cfg->devices.console ||
	     cfg->devices.vsock.given) &&
	    KNOWN(d, "$.devices.disks", "$.devices.nets"))
		cfg_rule_error(d, "$.devices",
			  "virtio devices with cc.mode 'pkvm': their rings live in guest memory that pKVM donates to the guest, and the guest cannot share pages back; only the UART works");
}

static void check_cc(const struct vm_config *cfg, struct cfg_diag *d)
{
	const char *mode = cc_mode_name(cfg->cc.mode);

	check_cc_arch(cfg, d);
	if (cfg->cc.snp_given && cfg->cc.mode != CC_MODE_SNP &&
	    KNOWN(d, "$.cc.mode", "$.cc.snp"))
		cfg_rule_error(d, "$.cc.snp",
			  "SNP settings with cc.mode '%s'; remove them or set cc.mode to \"snp\"",
			  mode);
	if (cfg->cc.tdx_given && cfg->cc.mode != CC_MODE_TDX &&
	    KNOWN(d, "$.cc.mode", "$.cc.tdx"))
		cfg_rule_error(d, "$.cc.tdx",
			  "TDX settings with cc.mode '%s'; remove them or set cc.mode to \"tdx\"",
			  mode);
	/* KVM hands the firmware both or neither (sev-snp.md section 2). */
	if (!cfg->cc.snp.id_block != !cfg->cc.snp.id_auth &&
	    KNOWN(d, "$.cc.snp.id_block", "$.cc.snp.id_auth"))
		cfg_rule_error(d, cfg->cc.snp.id_block ? "$.cc.snp.id_block" :
							 "$.cc.snp.id_auth",
			  "an ID block and its ID authentication go together: SNP_LAUNCH_FINISH passes both or neither; add cc.snp.%s",
			  cfg->cc.snp.id_block ? "id_auth" : "id_block");
}

/* The test guest's settings, which apply only without kernel and firmware. */
static void check_scenario(const struct vm_config *cfg, struct cfg_diag *d)
{
	if (!KNOWN(d, "$.boot.kernel", "$.boot.firmware", "$.boot.scenario"))
		return;
	if (cfg->boot.scenario && (cfg->boot.kernel || cfg->boot.firmware))
		cfg_rule_error(d, "$.boot.scenario",
			  "'%s' is a scenario of the embedded test guest, which does not run when boot.%s is given",
			  cfg->boot.scenario,
			  cfg->boot.kernel ? "kernel" : "firmware");
	if (cfg->boot.scenario_arg && !cfg->boot.scenario &&
	    KNOWN(d, "$.boot.scenario_arg"))
		cfg_rule_error(d, "$.boot.scenario_arg",
			  "%" PRIu64 " is an argument for a test-guest scenario, but boot.scenario is not set",
			  cfg->boot.scenario_arg);
}

static void check_boot(const struct vm_config *cfg, struct cfg_diag *d)
{
	if (cfg->boot.initrd && !cfg->boot.kernel &&
	    KNOWN(d, "$.boot.initrd", "$.boot.kernel"))
		cfg_rule_error(d, "$.boot.initrd", "an initrd needs boot.kernel");
	if (cfg->boot.cmdline && !cfg->boot.kernel &&
	    KNOWN(d, "$.boot.cmdline", "$.boot.kernel"))
		cfg_rule_error(d, "$.boot.cmdline", "a command line needs boot.kernel");
	check_scenario(cfg, d);
	if (cfg->boot.shim && (!cfg->boot.firmware || !cfg->boot.kernel) &&
	    KNOWN(d, "$.boot.shim", "$.boot.firmware", "$.boot.kernel"))
		cfg_rule_error(d, "$.boot.shim",
			  "a shim needs boot.firmware and boot.kernel: the firmware's kernel loader starts the shim, which starts the kernel");
	if (!KNOWN(d, "$.boot.kernel", "$.boot.firmware", "$.cc.mode"))
		return;
	/* SNP and TDX launches set the APIC bus by their own rules. */
	if (cfg->machine.apic_bus_ns &&
	    (cfg->cc.mode == CC_MODE_SNP || cfg->cc.mode == CC_MODE_TDX) &&
	    KNOWN(d, "$.machine.apic_bus_ns"))
		cfg_rule_error(d, "$.machine.apic_bus_ns",
			  "%u ns with cc.mode '%s': an SNP or TDX launch sets the APIC bus itself; leave it out",
			  cfg->machine.apic_bus_ns, cc_mode_name(cfg->cc.mode));
}

static void check_disks(const struct vm_config *cfg, struct cfg_diag *d)
{
	char path[64];

	if (!KNOWN(d, "$.devices.disks"))
		return;
	for (unsigned int i = 0; i < cfg->devices.nr_disks; i++) {
		const struct disk_config *disk = &cfg->devices.disks[i];

		for (unsigned int j = 0; j < i; j++) {
			if (strcmp(disk->path, cfg->devices.disks[j].path))
				continue;
			snprintf(path, sizeof(path), "$.devices.disks[%u].path", i);
			cfg_rule_error(d, path, "'%s' is also disks[%u]", disk->path, j);
			break;
		}
	}
}

static void check_nets(const struct vm_config *cfg, struct cfg_diag *d)
{
	char path[64];

	if (!KNOWN(d, "$.devices.nets"))
		return;
	for (unsigned int i = 0; i < cfg->devices.nr_nets; i++) {
		const struct net_config *net = &cfg->devices.nets[i];

		for (unsigned int j = 0; j < i; j++) {
			const struct net_config *other = &cfg->devices.nets[j];

			if (!strcmp(net->tap, other->tap)) {
				snprintf(path, sizeof(path), "$.devices.nets[%u].tap", i);
				cfg_rule_error(d, path, "'%s' is also nets[%u]", net->tap, j);
				break;
			}
			if (net->mac_set && other->mac_set &&
			    !memcmp(net->mac, other->mac, sizeof(net->mac))) {
				snprintf(path, sizeof(path), "$.devices.nets[%u].mac", i);
				cfg_rule_error(d, path, "the address is also nets[%u]'s", j);
				break;
			}
		}
	}
}

/* vsock(7): the well-known CIDs are never a guest's. */
static void check_vsock(const struct vm_config *cfg, struct cfg_diag *d)
{
	uint64_t cid = cfg->devices.vsock.cid;

	if (!cfg->devices.vsock.given || cid >= CFG_VSOCK_MIN_CID ||
	    !KNOWN(d, "$.devices.vsock.cid"))
		return;
	cfg_rule_error(d, "$.devices.vsock.cid",
		       "%llu is reserved (0: the hypervisor, 1: local, 2: the host); a guest's CID is %u or more",
		       (unsigned long long)cid, CFG_VSOCK_MIN_CID);
}

int vm_config_check(const struct vm_config *cfg, struct cfg_diag *d)
{
	unsigned int before = d->errors;

	/*
	 * Each value alone first: what fails here is marked bad, so the rules
	 * below meet only sane values (a disk has a path, a net a tap).
	 */
	(void)cfg_fields_check(cfg_schema, cfg, "$", d);
	check_machine(cfg, d);
	check_cc(cfg, d);
	check_boot(cfg, d);
	check_disks(cfg, d);
	check_nets(cfg, d);
	check_vsock(cfg, d);
	return d->errors == before ? 0 : -EINVAL;
}
