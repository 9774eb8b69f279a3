/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * struct vm_config: everything a user can say about a VM, filled from a
 * JSON file and command-line flags by cli/, checked by vm_validate()
 * (vmm/validate.h) and read (never written) by everything after that. Data
 * flows one way: config -> validate -> build (plan) -> run.
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
/*
 * vsock CIDs: 0, 1 and 2 name the hypervisor, the local host and the host
 * (linux/vm_sockets.h); U32_MAX is VMADDR_CID_ANY, which vhost refuses.
 */
#define CFG_VSOCK_MIN_CID 3
#define CFG_VSOCK_MAX_CID 0xfffffffeull
#define CFG_MAX_VCPUS 64
#define CFG_MIN_MEMORY (4ull << 20)
#define CFG_MAX_MEMORY (1ull << 40)
/* x86 COMMAND_LINE_SIZE is 2048 including the NUL. */
#define CFG_MAX_CMDLINE 2047
/* Holds a test-guest scenario name with its NUL (struct bootinfo). */
#define CFG_MAX_SCENARIO 31
/* The firmware is mapped to end at 4 GiB, in the 16 MiB flash window. */
#define CFG_MAX_FIRMWARE (16ull << 20)
/* SNP_LAUNCH_FINISH's HOST_DATA, ID block and ID auth (SNP firmware ABI). */
#define CFG_SNP_HOST_DATA_SIZE 32
#define CFG_SNP_ID_BLOCK_SIZE 96
#define CFG_SNP_ID_AUTH_SIZE 4096
/* KVM_TDX_INIT_VM's MRCONFIGID, MROWNER, MROWNERCONFIG: SHA-384 sized. */
#define CFG_TDX_MR_SIZE 48

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
		/* KVM_CAP_X86_APIC_BUS_CYCLES_NS; 0 keeps KVM's 1 ns. */
		unsigned int apic_bus_ns;
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
		/*
		 * Launch inputs an attestation report carries (sev-snp.md and
		 * tdx.md section 2): hex bytes, and for the ID block and its
		 * authentication a file (an absolute path) or base64 text.
		 */
		struct {
			uint8_t host_data[CFG_SNP_HOST_DATA_SIZE];
			bool host_data_set;
			char *id_block;
			char *id_auth;
			/* Certificate table for KVM_EXIT_SNP_REQ_CERTS. */
			char *certs;
		} snp;
		struct {
			uint8_t mrconfigid[CFG_TDX_MR_SIZE];
			uint8_t mrowner[CFG_TDX_MR_SIZE];
			uint8_t mrownerconfig[CFG_TDX_MR_SIZE];
			bool mrconfigid_set, mrowner_set, mrownerconfig_set;
			/* Unix socket of the quote generation service. */
			char *quote_service;
		} tdx;
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
		/* Handed to firmware as fw_cfg etc/boot/shim. */
		char *shim;
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
		/* given: a virtio-vsock device (vhost-vsock) with this CID. */
		struct {
			bool given;
			uint64_t cid;
		} vsock;
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
/*
 * A rule between fields failed: blame @path, whose value is fine on its
 * own, so that other rules reading it still run.
 */
void cfg_rule_error(struct cfg_diag *d, const char *path, const char *fmt, ...)
	__printf(3, 4);
/*
 * An error about the config as a whole (it cannot be launched as it is),
 * naming the file if there is one; its values stay known.
 */
void cfg_config_error(struct cfg_diag *d, const char *fmt, ...) __printf(2, 3);
/* An error that names what it is about itself (a firmware file, ...). */
void cfg_error_line(struct cfg_diag *d, const char *fmt, ...) __printf(2, 3);

/* Fill *cfg with the defaults documented in docs/config.md. */
void vm_config_init(struct vm_config *cfg);
void vm_config_free(struct vm_config *cfg);

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

/* "4096", "512M", "2G": bytes with an optional K/M/G/T (powers of 1024). */
int __must_check cfg_parse_size(const char *s, uint64_t *ret_size);
/* The shortest exact form: 268435456 -> "256M", 4097 -> "4097". */
#define CFG_SIZE_STR_MAX 24
void cfg_format_size(uint64_t size, char buf[CFG_SIZE_STR_MAX]);

/*
 * A byte-string value (cc.snp.id_block, id_auth) that is base64 text
 * rather than the path of a file: base64 of at least 64 characters.
 */
bool cfg_blob_is_text(const char *s);

const char *cc_mode_name(enum cc_mode mode);
const char *shared_backing_name(enum shared_backing backing);
const char *irqchip_name(enum irqchip irqchip);
const char *on_reboot_name(enum on_reboot on_reboot);

#endif
