// SPDX-License-Identifier: GPL-2.0-only
/*
 * struct vm_config: defaults, sizes, error reporting and the cross-field
 * rules that need no host probe.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "cli/config-schema.h"
#include "cli/config.h"

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

void cfg_diag_init(struct cfg_diag *d, FILE *out)
{
	*d = (struct cfg_diag){ .out = out };
}

void cfg_diag_origin(struct cfg_diag *d, const char *path, const char *flag)
{
	struct cfg_origin *o = NULL;

	for (unsigned int i = 0; i < d->nr_origins && !o; i++)
		if (!strcmp(d->origins[i].path, path))
			o = &d->origins[i];
	/* Past the limits errors name the file's path instead: still true. */
	if (!o && (d->nr_origins == CFG_MAX_ORIGINS ||
		   strlen(path) >= sizeof(o->path)))
		return;
	if (!o) {
		o = &d->origins[d->nr_origins++];
		strcpy(o->path, path);
	}
	snprintf(o->flag, sizeof(o->flag), "%s", flag);
}

/* @a is @b or a path above it: "$.devices.disks[1]" is above "...[1].path". */
static bool path_within(const char *a, const char *b)
{
	size_t len = strlen(a);

	return !strncmp(a, b, len) &&
	       (!b[len] || b[len] == '.' || b[len] == '[');
}

/*
 * The flag that set @path, a path above it or, failing that, one below it
 * ("--snp-policy" for an error about all of "$.cc.snp").
 */
static const char *origin_of(const struct cfg_diag *d, const char *path)
{
	for (unsigned int i = 0; i < d->nr_origins; i++)
		if (path_within(d->origins[i].path, path))
			return d->origins[i].flag;
	for (unsigned int i = 0; i < d->nr_origins; i++)
		if (path_within(path, d->origins[i].path))
			return d->origins[i].flag;
	return NULL;
}

static void diag_line(struct cfg_diag *d, const char *where1,
		      const char *where2, const char *fmt, va_list ap)
{
	FILE *f = d->out ? d->out : stderr;
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Values come from the user: keep each error on one line. */
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fputs("cvmm: error: ", f);
	if (where1)
		fprintf(f, "%s: ", where1);
	if (where2)
		fprintf(f, "%s: ", where2);
	fprintf(f, "%s\n", msg);
	d->errors++;
}

static void mark_bad(struct cfg_diag *d, const char *path)
{
	if (d->nr_bad < CFG_MAX_ORIGINS) {
		snprintf(d->bad[d->nr_bad++], sizeof(d->bad[0]), "%s", path);
		return;
	}
	/* Out of room: say nothing is known rather than forget one. */
	snprintf(d->bad[0], sizeof(d->bad[0]), "$");
}

bool cfg_diag_is_bad(const struct cfg_diag *d, const char *path)
{
	for (unsigned int i = 0; i < d->nr_bad; i++)
		if (path_within(d->bad[i], path) ||
		    path_within(path, d->bad[i]))
			return true;
	return false;
}

static void error_at(struct cfg_diag *d, const char *path, const char *fmt,
		     va_list ap)
{
	const char *flag = origin_of(d, path);

	if (flag)
		diag_line(d, flag, NULL, fmt, ap);
	else
		diag_line(d, d->file, path, fmt, ap);
}

void cfg_error(struct cfg_diag *d, const char *path, const char *fmt, ...)
{
	va_list ap;

	mark_bad(d, path);
	va_start(ap, fmt);
	error_at(d, path, fmt, ap);
	va_end(ap);
}

/*
 * A rule between fields failed: blame @path, but its value is fine on its
 * own, so other rules that read it still run.
 */
static void __printf(3, 4) rule_error(struct cfg_diag *d, const char *path,
				      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_at(d, path, fmt, ap);
	va_end(ap);
}

void cfg_flag_error(struct cfg_diag *d, const char *flag, const char *fmt, ...)
{
	va_list ap;

	if (!flag)
		mark_bad(d, "$");
	va_start(ap, fmt);
	diag_line(d, flag ? flag : d->file, NULL, fmt, ap);
	va_end(ap);
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

	if (cfg->cc.mode == CC_MODE_TDX &&
	    cfg->machine.irqchip == IRQCHIP_IN_KERNEL &&
	    KNOWN(d, "$.cc.mode", "$.machine.irqchip"))
		rule_error(d, "$.machine.irqchip",
			  "'in-kernel' is impossible with cc.mode 'tdx': KVM cannot emulate the IOAPIC and PIC of a TD; use \"split\"");
	if (cfg->machine.backing == BACKING_GUEST_MEMFD &&
	    cfg->cc.mode != CC_MODE_NONE &&
	    KNOWN(d, "$.cc.mode", "$.machine.shared_backing"))
		rule_error(d, "$.machine.shared_backing",
			  "'guest_memfd' is guest RAM without private memory; with cc.mode '%s' guest_memfd is the private side and the shared side needs its own backing: use \"memfd\", \"memfd-thp\" or \"anonymous\"",
			  cc_mode_name(cfg->cc.mode));
	if (cfg->machine.backing != BACKING_HUGETLBFS_2M)
		return;
	/* A 4K discard inside a hugetlbfs page cannot be done (issue 3). */
	if (converts_4k_pages(cfg->cc.mode) &&
	    KNOWN(d, "$.cc.mode", "$.machine.shared_backing"))
		rule_error(d, "$.machine.shared_backing",
			  "'hugetlbfs-2M' cannot back a guest that converts single 4K pages (cc.mode '%s'): a 4K discard inside a 2M hugetlbfs page is impossible; use \"memfd-thp\" or \"memfd\"",
			  cc_mode_name(cfg->cc.mode));
	if (!IS_ALIGNED(cfg->machine.memory_size, SZ_2M) &&
	    KNOWN(d, "$.machine.memory", "$.machine.shared_backing")) {
		cfg_format_size(cfg->machine.memory_size, size);
		rule_error(d, "$.machine.memory",
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
		rule_error(d, "$.cc.mode", "'%s' runs on %s hosts only",
			   mode, pkvm ? "arm64" : "x86");
		return;
	}
	if (!pkvm)
		return;
	if (cfg->machine.backing != BACKING_AUTO &&
	    cfg->machine.backing != BACKING_ANONYMOUS &&
	    KNOWN(d, "$.machine.shared_backing"))
		rule_error(d, "$.machine.shared_backing",
			  "cc.mode 'pkvm' takes guest RAM from anonymous memory (Linux 7.2 runs no protected VM from guest_memfd or a file); use \"anonymous\" or \"auto\"");
	if ((cfg->devices.nr_disks || cfg->devices.nr_nets ||
	     cfg->devices.rng || cfg->devices.console) &&
	    KNOWN(d, "$.devices.disks", "$.devices.nets"))
		rule_error(d, "$.devices",
			  "virtio devices with cc.mode 'pkvm': their rings live in guest memory that pKVM donates to the guest, and the guest cannot share pages back; only the UART works");
}

static void check_cc(const struct vm_config *cfg, struct cfg_diag *d)
{
	const char *mode = cc_mode_name(cfg->cc.mode);

	check_cc_arch(cfg, d);

	if (cfg->cc.snp_given && cfg->cc.mode != CC_MODE_SNP &&
	    KNOWN(d, "$.cc.mode", "$.cc.snp"))
		rule_error(d, "$.cc.snp",
			  "SNP settings with cc.mode '%s'; remove them or set cc.mode to \"snp\"",
			  mode);
	if (cfg->cc.tdx_given && cfg->cc.mode != CC_MODE_TDX &&
	    KNOWN(d, "$.cc.mode", "$.cc.tdx"))
		rule_error(d, "$.cc.tdx",
			  "TDX settings with cc.mode '%s'; remove them or set cc.mode to \"tdx\"",
			  mode);
}

/* The test guest's settings, which apply only without kernel and firmware. */
static void check_scenario(const struct vm_config *cfg, struct cfg_diag *d)
{
	if (!KNOWN(d, "$.boot.kernel", "$.boot.firmware", "$.boot.scenario"))
		return;
	if (cfg->boot.scenario && (cfg->boot.kernel || cfg->boot.firmware))
		rule_error(d, "$.boot.scenario",
			  "'%s' is a scenario of the embedded test guest, which does not run when boot.%s is given",
			  cfg->boot.scenario,
			  cfg->boot.kernel ? "kernel" : "firmware");
	if (cfg->boot.scenario_arg && !cfg->boot.scenario &&
	    KNOWN(d, "$.boot.scenario_arg"))
		rule_error(d, "$.boot.scenario_arg",
			  "%" PRIu64 " is an argument for a test-guest scenario, but boot.scenario is not set",
			  cfg->boot.scenario_arg);
}

static void check_boot(const struct vm_config *cfg, struct cfg_diag *d)
{
	const char *mode = cc_mode_name(cfg->cc.mode);

	if (cfg->boot.initrd && !cfg->boot.kernel &&
	    KNOWN(d, "$.boot.initrd", "$.boot.kernel"))
		rule_error(d, "$.boot.initrd", "an initrd needs boot.kernel");
	if (cfg->boot.cmdline && !cfg->boot.kernel &&
	    KNOWN(d, "$.boot.cmdline", "$.boot.kernel"))
		rule_error(d, "$.boot.cmdline", "a command line needs boot.kernel");
	check_scenario(cfg, d);
	if (!KNOWN(d, "$.boot.kernel", "$.boot.firmware", "$.cc.mode"))
		return;
	/* Only a CC launch hashes a kernel into what the firmware checks. */
	if (cfg->boot.kernel && cfg->boot.firmware &&
	    cfg->cc.mode != CC_MODE_SNP && cfg->cc.mode != CC_MODE_TDX)
		rule_error(d, "$.boot.firmware",
			  "boot.kernel and boot.firmware exclude each other with cc.mode '%s': only an SNP or TDX launch hands firmware a kernel; drop one",
			  mode);
	/* The TDX module starts vCPUs at the reset vector (x86-boot.md). */
	if (cfg->boot.kernel && !cfg->boot.firmware &&
	    cfg->cc.mode == CC_MODE_TDX)
		rule_error(d, "$.boot.kernel",
			  "cc.mode 'tdx' cannot start a kernel directly: the TDX module starts vCPUs at the reset vector; add boot.firmware (TDVF)");
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
			rule_error(d, path, "'%s' is also disks[%u]", disk->path, j);
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
				rule_error(d, path, "'%s' is also nets[%u]", net->tap, j);
				break;
			}
			if (net->mac_set && other->mac_set &&
			    !memcmp(net->mac, other->mac, sizeof(net->mac))) {
				snprintf(path, sizeof(path), "$.devices.nets[%u].mac", i);
				rule_error(d, path, "the address is also nets[%u]'s", j);
				break;
			}
		}
	}
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
	return d->errors == before ? 0 : -EINVAL;
}
