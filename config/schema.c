// SPDX-License-Identifier: GPL-2.0-only
/*
 * The schema table: every key, its type, range and place in struct
 * vm_config. docs/config.md describes the same schema for people; keep the
 * two in step (a test loads every example in the document).
 */
#include <stddef.h>
#include <string.h>

#include "config/schema.h"
#include "config/config.h"

#define IS_UINT(e) (sizeof(enum e) == sizeof(unsigned int))
_Static_assert(IS_UINT(cc_mode) && IS_UINT(shared_backing) &&
		       IS_UINT(irqchip) && IS_UINT(on_reboot) &&
		       IS_UINT(implicit_conversion) &&
		       IS_UINT(log_level) && IS_UINT(log_format) &&
		       IS_UINT(seccomp_mode),
	       "enum fields are stored as unsigned int");

#define VMC(m) offsetof(struct vm_config, m)
#define MSIZE(type, m) sizeof(((type *)0)->m)
#define NAMES(a) .names = (a), .nr_names = ARRAY_SIZE(a)

static const char *const cc_mode_names[] = {
	[CC_MODE_NONE] = "none",
	[CC_MODE_SW] = "sw",
	[CC_MODE_SNP] = "snp",
	[CC_MODE_TDX] = "tdx",
	[CC_MODE_PKVM] = "pkvm",
};

static const char *const backing_names[] = {
	[BACKING_AUTO] = "auto",
	[BACKING_GUEST_MEMFD] = "guest_memfd",
	[BACKING_ANONYMOUS] = "anonymous",
	[BACKING_MEMFD] = "memfd",
	[BACKING_MEMFD_THP] = "memfd-thp",
	[BACKING_HUGETLBFS_2M] = "hugetlbfs-2M",
};

/* "auto" is not a value one can write: leaving the key out says it. */
static const char *const irqchip_names[] = {
	[IRQCHIP_AUTO] = NULL,
	[IRQCHIP_IN_KERNEL] = "in-kernel",
	[IRQCHIP_SPLIT] = "split",
};

static const char *const on_reboot_names[] = {
	[ON_REBOOT_EXIT] = "exit",
	[ON_REBOOT_RESTART] = "restart",
};

static const char *const implicit_names[] = {
	[IMPLICIT_ALLOW] = "allow",
	[IMPLICIT_DENY] = "deny",
};

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static const char *const log_format_names[] = {
	[LOG_FORMAT_TEXT] = "text",
	[LOG_FORMAT_JSON] = "json",
};

static const char *const seccomp_names[] = {
	[SECCOMP_MODE_KILL] = "kill",
	[SECCOMP_MODE_LOG] = "log",
	[SECCOMP_MODE_OFF] = "off",
};

/* SNP firmware ABI guest policy: bits 25:0 are defined, 17 must be 1. */
#define SNP_POLICY_RESERVED_1 (1ull << 17)
#define SNP_POLICY_DEFINED ((1ull << 26) - 1)
/* TD attributes: DEBUG 0, SEPT_VE_DISABLE 28, PKS 30, KL 31, PERFMON 63. */
#define TDX_ATTR_DEFINED                                                   \
	((1ull << 0) | (1ull << 28) | (1ull << 30) | (1ull << 31) |        \
	 (1ull << 63))

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-_"
/* User and group names as useradd(8) takes them, or numeric ids. */
#define ID_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
#define TAP_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."

static bool snp_shown(const struct vm_config *cfg)
{
	return cfg->cc.mode == CC_MODE_SNP || cfg->cc.snp_given;
}

static bool vsock_shown(const struct vm_config *cfg)
{
	return cfg->devices.vsock.given;
}

static bool tdx_shown(const struct vm_config *cfg)
{
	return cfg->cc.mode == CC_MODE_TDX || cfg->cc.tdx_given;
}

static const struct cfg_field machine_fields[] = {
	{ .key = "vcpus", .type = CFG_T_UINT, .off = VMC(machine.vcpus),
	  .size = MSIZE(struct vm_config, machine.vcpus),
	  .min = 1, .max = CFG_MAX_VCPUS },
	{ .key = "memory", .type = CFG_T_SIZE, .off = VMC(machine.memory_size),
	  .min = CFG_MIN_MEMORY, .max = CFG_MAX_MEMORY, .align = SZ_4K },
	{ .key = "shared_backing", .type = CFG_T_ENUM,
	  .off = VMC(machine.backing), NAMES(backing_names) },
	{ .key = "irqchip", .type = CFG_T_ENUM, .off = VMC(machine.irqchip),
	  NAMES(irqchip_names) },
	{ .key = "on_reboot", .type = CFG_T_ENUM,
	  .off = VMC(machine.on_reboot), NAMES(on_reboot_names) },
	{ .key = "apic_bus_ns", .type = CFG_T_UINT,
	  .off = VMC(machine.apic_bus_ns),
	  .size = MSIZE(struct vm_config, machine.apic_bus_ns),
	  .min = 0, .max = 1000 },
	{}
};

static const struct cfg_field snp_fields[] = {
	{ .key = "policy", .type = CFG_T_BITS, .off = VMC(cc.snp_policy),
	  .must_set = SNP_POLICY_RESERVED_1, .allowed = SNP_POLICY_DEFINED,
	  .must_set_why = "bit 17 is reserved and must be 1 (SNP firmware ABI)" },
	{ .key = "debug_swap", .type = CFG_T_BOOL, .off = VMC(cc.snp_debug_swap) },
	{ .key = "host_data", .type = CFG_T_HEX, .off = VMC(cc.snp.host_data),
	  .size = CFG_SNP_HOST_DATA_SIZE, .set_off = VMC(cc.snp.host_data_set) },
	{ .key = "id_block", .type = CFG_T_BLOB, .off = VMC(cc.snp.id_block),
	  .size = CFG_SNP_ID_BLOCK_SIZE,
	  .what = "an ID block is 96 bytes (SNP firmware ABI)" },
	{ .key = "id_auth", .type = CFG_T_BLOB, .off = VMC(cc.snp.id_auth),
	  .size = CFG_SNP_ID_AUTH_SIZE,
	  .what = "an ID authentication structure is 4096 bytes (SNP firmware ABI)" },
	{ .key = "certs", .type = CFG_T_PATH, .off = VMC(cc.snp.certs),
	  .file = CFG_FILE_DATA },
	{}
};

static const struct cfg_field tdx_fields[] = {
	{ .key = "attributes", .type = CFG_T_BITS, .off = VMC(cc.tdx_attributes),
	  .allowed = TDX_ATTR_DEFINED },
	{ .key = "mrconfigid", .type = CFG_T_HEX, .off = VMC(cc.tdx.mrconfigid),
	  .size = CFG_TDX_MR_SIZE, .set_off = VMC(cc.tdx.mrconfigid_set) },
	{ .key = "mrowner", .type = CFG_T_HEX, .off = VMC(cc.tdx.mrowner),
	  .size = CFG_TDX_MR_SIZE, .set_off = VMC(cc.tdx.mrowner_set) },
	{ .key = "mrownerconfig", .type = CFG_T_HEX,
	  .off = VMC(cc.tdx.mrownerconfig), .size = CFG_TDX_MR_SIZE,
	  .set_off = VMC(cc.tdx.mrownerconfig_set) },
	/* sun_path holds 107 characters and the NUL. */
	{ .key = "quote_service", .type = CFG_T_STRING,
	  .off = VMC(cc.tdx.quote_service), .min = 1, .max = 107 },
	{}
};

static const struct cfg_field cc_fields[] = {
	{ .key = "mode", .type = CFG_T_ENUM, .off = VMC(cc.mode),
	  NAMES(cc_mode_names) },
	{ .key = "implicit_conversion", .type = CFG_T_ENUM,
	  .off = VMC(cc.implicit_conversion), NAMES(implicit_names) },
	{ .key = "preallocate", .type = CFG_T_BOOL, .off = VMC(cc.preallocate) },
	{ .key = "prefault", .type = CFG_T_BOOL, .off = VMC(cc.prefault) },
	{ .key = "coalesce_discards", .type = CFG_T_BOOL,
	  .off = VMC(cc.coalesce_discards) },
	{ .key = "snp", .type = CFG_T_OBJECT, .fields = snp_fields,
	  .given_off = VMC(cc.snp_given), .shown = snp_shown },
	{ .key = "tdx", .type = CFG_T_OBJECT, .fields = tdx_fields,
	  .given_off = VMC(cc.tdx_given), .shown = tdx_shown },
	{}
};

static const struct cfg_field boot_fields[] = {
	{ .key = "kernel", .type = CFG_T_PATH, .off = VMC(boot.kernel),
	  .file = CFG_FILE_KERNEL },
	{ .key = "initrd", .type = CFG_T_PATH, .off = VMC(boot.initrd),
	  .file = CFG_FILE_INITRD },
	{ .key = "cmdline", .type = CFG_T_STRING, .off = VMC(boot.cmdline),
	  .min = 0, .max = CFG_MAX_CMDLINE },
	{ .key = "firmware", .type = CFG_T_PATH, .off = VMC(boot.firmware),
	  .file = CFG_FILE_FIRMWARE },
	{ .key = "shim", .type = CFG_T_PATH, .off = VMC(boot.shim),
	  .file = CFG_FILE_INITRD },
	{ .key = "scenario", .type = CFG_T_STRING, .off = VMC(boot.scenario),
	  .min = 1, .max = CFG_MAX_SCENARIO, .charset = NAME_CHARS,
	  .charset_desc = "a-z, 0-9, '-' and '_'" },
	{ .key = "scenario_arg", .type = CFG_T_UINT,
	  .off = VMC(boot.scenario_arg),
	  .size = MSIZE(struct vm_config, boot.scenario_arg),
	  .max = UINT64_MAX },
	{ .key = "seed", .type = CFG_T_UINT, .off = VMC(boot.seed),
	  .size = MSIZE(struct vm_config, boot.seed), .max = UINT64_MAX },
	{}
};

static const struct cfg_field disk_fields[] = {
	{ .key = "path", .type = CFG_T_PATH,
	  .off = offsetof(struct disk_config, path), .file = CFG_FILE_DISK,
	  .required = true },
	{ .key = "readonly", .type = CFG_T_BOOL,
	  .off = offsetof(struct disk_config, readonly) },
	{}
};

static const struct cfg_field net_fields[] = {
	/* IFNAMSIZ is 16 with the NUL. */
	{ .key = "tap", .type = CFG_T_STRING,
	  .off = offsetof(struct net_config, tap), .min = 1, .max = 15,
	  .charset = TAP_CHARS, .charset_desc = "letters, digits, '-', '_' and '.'",
	  .required = true },
	{ .key = "mac", .type = CFG_T_MAC, .off = offsetof(struct net_config, mac),
	  .set_off = offsetof(struct net_config, mac_set) },
	{}
};

/* The range of a u64; the reserved CIDs are a rule (rules.c). */
static const struct cfg_field vsock_fields[] = {
	{ .key = "cid", .type = CFG_T_UINT, .off = VMC(devices.vsock.cid),
	  .size = MSIZE(struct vm_config, devices.vsock.cid),
	  .max = CFG_VSOCK_MAX_CID },
	{}
};

static const struct cfg_field devices_fields[] = {
	{ .key = "serial", .type = CFG_T_BOOL, .off = VMC(devices.serial) },
	{ .key = "disks", .type = CFG_T_ARRAY, .off = VMC(devices.disks),
	  .fields = disk_fields, .count_off = VMC(devices.nr_disks),
	  .elem_size = sizeof(struct disk_config), .max_elems = CFG_MAX_DISKS,
	  .elem_noun = "disks" },
	{ .key = "nets", .type = CFG_T_ARRAY, .off = VMC(devices.nets),
	  .fields = net_fields, .count_off = VMC(devices.nr_nets),
	  .elem_size = sizeof(struct net_config), .max_elems = CFG_MAX_NETS,
	  .elem_noun = "nets" },
	{ .key = "rng", .type = CFG_T_BOOL, .off = VMC(devices.rng) },
	{ .key = "console", .type = CFG_T_BOOL, .off = VMC(devices.console) },
	{ .key = "vsock", .type = CFG_T_OBJECT, .fields = vsock_fields,
	  .given_off = VMC(devices.vsock.given), .shown = vsock_shown },
	{}
};

static const struct cfg_field logging_fields[] = {
	{ .key = "level", .type = CFG_T_ENUM, .off = VMC(logging.level),
	  NAMES(log_level_names) },
	{ .key = "format", .type = CFG_T_ENUM, .off = VMC(logging.format),
	  NAMES(log_format_names) },
	{}
};

static const struct cfg_field stats_fields[] = {
	{ .key = "path", .type = CFG_T_PATH, .off = VMC(stats.path),
	  .file = CFG_FILE_OUTPUT },
	{}
};

const struct cfg_field cfg_schema[] = {
	{ .key = "machine", .type = CFG_T_OBJECT, .fields = machine_fields },
	{ .key = "cc", .type = CFG_T_OBJECT, .fields = cc_fields },
	{ .key = "boot", .type = CFG_T_OBJECT, .fields = boot_fields },
	{ .key = "devices", .type = CFG_T_OBJECT, .fields = devices_fields },
	{ .key = "logging", .type = CFG_T_OBJECT, .fields = logging_fields },
	{ .key = "stats", .type = CFG_T_OBJECT, .fields = stats_fields },
	{ .key = "seccomp", .type = CFG_T_ENUM, .off = VMC(seccomp),
	  NAMES(seccomp_names) },
	{ .key = "user", .type = CFG_T_STRING, .off = VMC(user), .min = 1,
	  .max = 32, .charset = ID_CHARS,
	  .charset_desc = "letters, digits, '-', '_' and '.'" },
	{ .key = "group", .type = CFG_T_STRING, .off = VMC(group), .min = 1,
	  .max = 32, .charset = ID_CHARS,
	  .charset_desc = "letters, digits, '-', '_' and '.'" },
	{}
};

const char *cc_mode_name(enum cc_mode mode)
{
	return mode < ARRAY_SIZE(cc_mode_names) ? cc_mode_names[mode] : "?";
}

const char *shared_backing_name(enum shared_backing backing)
{
	return backing < ARRAY_SIZE(backing_names) ? backing_names[backing] : "?";
}

const char *on_reboot_name(enum on_reboot on_reboot)
{
	return on_reboot < ARRAY_SIZE(on_reboot_names) ?
		       on_reboot_names[on_reboot] : "?";
}

const char *irqchip_name(enum irqchip irqchip)
{
	if (irqchip == IRQCHIP_AUTO)
		return "auto";
	return irqchip < ARRAY_SIZE(irqchip_names) ? irqchip_names[irqchip] : "?";
}

const struct cfg_field *cfg_schema_find(const char *path,
					struct vm_config *cfg)
{
	const struct cfg_field *fields = cfg_schema;
	const char *p;

	if (strncmp(path, "$.", 2))
		return NULL;
	p = path + 2;
	for (;;) {
		size_t len = strcspn(p, ".");
		const struct cfg_field *f;

		for (f = fields; f->key; f++)
			if (strlen(f->key) == len && !strncmp(f->key, p, len))
				break;
		if (!f->key)
			return NULL;
		if (!p[len])
			return f;
		if (f->type != CFG_T_OBJECT)
			return NULL;
		if (cfg && f->given_off)
			*CFG_AT(cfg, f->given_off, bool) = true;
		fields = f->fields;
		p += len + 1;
	}
}
