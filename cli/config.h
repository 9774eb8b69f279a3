/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct vm_config: everything a user can say about a VM, filled from a
 * JSON file and command-line flags by cli/, checked by vm_config_validate()
 * and read (never written) by everything after that. Data flows one way:
 * config -> plan -> KVM.
 */
#ifndef CVMM_CONFIG_H
#define CVMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/log.h"

enum cc_mode {
	CC_MODE_NONE,
	CC_MODE_SW,
	CC_MODE_SNP,
	CC_MODE_TDX,
	/* arm64: a pKVM protected VM (KVM_VM_TYPE_ARM_PROTECTED) */
	CC_MODE_PKVM,
};

/* How the shared side of guest RAM is backed. */
enum shared_backing {
	/* Chosen per VM: see mem_plan_build() (memory/region.c). */
	BACKING_AUTO,
	/*
	 * No private memory: guest RAM is a guest_memfd mapped with
	 * MMAP|INIT_SHARED, so there is no separate shared side.
	 */
	BACKING_GUEST_MEMFD,
	BACKING_ANONYMOUS,
	BACKING_MEMFD,
	BACKING_MEMFD_THP,
	BACKING_HUGETLBFS_2M,
};

enum implicit_conversion {
	IMPLICIT_ALLOW,
	IMPLICIT_DENY,
};

/* Where the IOAPIC and PIC live; the local APIC is always in KVM. */
enum irqchip {
	/* Not said: vm_config_finish() picks the mode's default. */
	IRQCHIP_AUTO,
	IRQCHIP_IN_KERNEL,
	/* IOAPIC in userspace, no PIC (KVM_CAP_SPLIT_IRQCHIP); TDX needs it. */
	IRQCHIP_SPLIT,
};

/* What a guest reboot (reset) does to cvmm. */
enum on_reboot {
	/* cvmm ends with 0, as for a power-off. */
	ON_REBOOT_EXIT,
	/* The guest boots again, in a VM built anew (cli/cmd-run.c). */
	ON_REBOOT_RESTART,
};

enum seccomp_mode {
	SECCOMP_MODE_KILL,
	SECCOMP_MODE_LOG,
	SECCOMP_MODE_OFF,
};

#define CFG_MAX_DISKS 8
#define CFG_MAX_NETS 4
#define CFG_MAX_VCPUS 64
#define CFG_MIN_MEMORY (4ull << 20)
#define CFG_MAX_MEMORY (1ull << 40)
/* x86 COMMAND_LINE_SIZE is 2048 including the NUL. */
#define CFG_MAX_CMDLINE 2047
/* Holds a test-guest scenario name with its NUL (struct bootinfo). */
#define CFG_MAX_SCENARIO 31
/* The firmware is mapped to end at 4 GiB, in the 16 MiB flash window. */
#define CFG_MAX_FIRMWARE (16ull << 20)

struct disk_config {
	char *path;
	bool readonly;
};

struct net_config {
	char *tap;
	uint8_t mac[6];
	bool mac_set;
};

struct vm_config {
	/* The file the config came from, NULL for flags only. */
	char *source;

	struct {
		unsigned int vcpus;
		uint64_t memory_size;
		enum shared_backing backing;
		enum irqchip irqchip;
		enum on_reboot on_reboot;
	} machine;

	struct {
		enum cc_mode mode;
		enum implicit_conversion implicit_conversion;
		/* Preallocate guest_memfd when a range goes private. */
		bool preallocate;
		/* KVM_PRE_FAULT_MEMORY on ranges private now and after. */
		bool prefault;
		/* Defer and coalesce discards of adjacent conversions. */
		bool coalesce_discards;
		uint64_t snp_policy;
		bool snp_debug_swap;
		uint64_t tdx_attributes;
		/* The config said something under cc.snp or cc.tdx. */
		bool snp_given;
		bool tdx_given;
	} cc;

	/* Paths are absolute once loaded. */
	struct {
		char *kernel;
		char *initrd;
		char *cmdline;
		char *firmware;
		/* Scenario of the embedded test guest (without a kernel). */
		char *scenario;
		uint64_t scenario_arg;
		uint64_t seed;
	} boot;

	struct {
		bool serial;
		struct disk_config disks[CFG_MAX_DISKS];
		unsigned int nr_disks;
		struct net_config nets[CFG_MAX_NETS];
		unsigned int nr_nets;
		bool rng;
		bool console;
	} devices;

	struct {
		enum log_level level;
		enum log_format format;
	} logging;

	struct {
		char *path;
	} stats;

	enum seccomp_mode seccomp;
	/*
	 * Who cvmm runs as once the VM is built: a name or a number; NULL
	 * keeps the identity it was started with (vmm/privs.c).
	 */
	char *user;
	char *group;
};

/*
 * Where configuration errors go: one line each, as
 * "cvmm: error: FILE: $.json.path: reason" or "cvmm: error: --flag: reason".
 * Every error is reported; the caller looks at @errors at the end.
 */
#define CFG_MAX_ORIGINS 64

struct cfg_diag {
	/* NULL means stderr; tests pass a memory stream. */
	FILE *out;
	/* The config file as the user named it, NULL for none. */
	const char *file;
	unsigned int errors;
	/*
	 * Which flag set a JSON path: errors about that path (or below it)
	 * name the flag instead of the file.
	 */
	unsigned int nr_origins;
	struct cfg_origin {
		char path[48];
		char flag[32];
	} origins[CFG_MAX_ORIGINS];
	/*
	 * Paths that had an error ("$" for the whole file): their values are
	 * unknown, so vm_config_check() skips the rules that read them.
	 */
	unsigned int nr_bad;
	char bad[CFG_MAX_ORIGINS][64];
};

void cfg_diag_init(struct cfg_diag *d, FILE *out);
void cfg_diag_origin(struct cfg_diag *d, const char *path, const char *flag);
/* @path, a path above it or one below it had an error. */
bool cfg_diag_is_bad(const struct cfg_diag *d, const char *path);
/* An error about the value at JSON path @path ("$.machine.memory"). */
void cfg_error(struct cfg_diag *d, const char *path, const char *fmt, ...)
	__printf(3, 4);
/*
 * An error about a flag as a whole ("--bogus"), or about the file as a
 * whole (@flag NULL), which leaves nothing known of the file.
 */
void cfg_flag_error(struct cfg_diag *d, const char *flag, const char *fmt, ...)
	__printf(3, 4);

/* Fill *cfg with the defaults documented in docs/config.md. */
void vm_config_init(struct vm_config *cfg);
void vm_config_free(struct vm_config *cfg);

/*
 * Read a JSON config file over *cfg (which holds defaults or earlier
 * values), checking every value and every file it names. Paths are taken
 * relative to the file's directory. Returns 0, or -EINVAL after reporting
 * each error to @d.
 */
int __must_check vm_config_load_file(struct vm_config *cfg, const char *file,
				     struct cfg_diag *d);

/* Resolve what depends on other fields: the irqchip, the scenario. */
void vm_config_finish(struct vm_config *cfg);

/*
 * Check ranges and cross-field rules that need no host probe (TDX needs a
 * split irqchip, hugetlbfs-2M with a mode that converts 4K pages, ...).
 * Rules that read a value @d already reported as bad are skipped, so that
 * a config with errors gets each of the others too, and no false ones.
 * Pure: reads *cfg, writes only to @d. Returns 0 or -EINVAL.
 */
int __must_check vm_config_check(const struct vm_config *cfg,
				 struct cfg_diag *d);

/*
 * The config as JSON text, itself a valid config that loads back to the
 * same text. *ret_json is malloc()ed. Returns 0 or -ENOMEM.
 */
int __must_check vm_config_to_json(const struct vm_config *cfg,
				   char **ret_json);

/* "4096", "512M", "2G": bytes with an optional K/M/G/T (powers of 1024). */
int __must_check cfg_parse_size(const char *s, uint64_t *ret_size);
/* The shortest exact form: 268435456 -> "256M", 4097 -> "4097". */
#define CFG_SIZE_STR_MAX 24
void cfg_format_size(uint64_t size, char buf[CFG_SIZE_STR_MAX]);

const char *cc_mode_name(enum cc_mode mode);
const char *shared_backing_name(enum shared_backing backing);
const char *irqchip_name(enum irqchip irqchip);
const char *on_reboot_name(enum on_reboot on_reboot);

#endif
