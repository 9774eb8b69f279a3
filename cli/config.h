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

#include "lib/log.h"

enum cc_mode {
	CC_MODE_NONE,
	CC_MODE_SW,
	CC_MODE_SNP,
	CC_MODE_TDX,
};

/* How the shared side of guest RAM is backed. */
enum shared_backing {
	/*
	 * Default VM: guest RAM is a guest_memfd mapped with MMAP|INIT_SHARED
	 * where the host offers it, else anonymous memory. CC modes: memfd.
	 */
	BACKING_AUTO,
	BACKING_ANONYMOUS,
	BACKING_MEMFD,
	BACKING_MEMFD_THP,
	BACKING_HUGETLBFS_2M,
};

enum implicit_conversion {
	IMPLICIT_ALLOW,
	IMPLICIT_DENY,
};

enum seccomp_mode {
	SECCOMP_MODE_KILL,
	SECCOMP_MODE_LOG,
	SECCOMP_MODE_OFF,
};

#define CFG_MAX_DISKS 8
#define CFG_MAX_NETS 4
#define CFG_MAX_VCPUS 64

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
	} machine;

	struct {
		enum cc_mode mode;
		enum implicit_conversion implicit_conversion;
		/* Preallocate guest_memfd when a range goes private. */
		bool preallocate;
		/* KVM_PRE_FAULT_MEMORY on ranges that are private and stay so. */
		bool prefault;
		/* Defer and coalesce discards of adjacent conversions. */
		bool coalesce_discards;
		uint64_t snp_policy;
		bool snp_debug_swap;
		uint64_t tdx_attributes;
	} cc;

	struct {
		char *kernel;
		char *initrd;
		char *cmdline;
		char *firmware;
		/* Scenario of the embedded test guest (when no kernel is given). */
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
};

/* Fill *cfg with the defaults documented in docs/config.md. */
void vm_config_init(struct vm_config *cfg);
void vm_config_free(struct vm_config *cfg);

const char *cc_mode_name(enum cc_mode mode);
const char *shared_backing_name(enum shared_backing backing);

#endif
