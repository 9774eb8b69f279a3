/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory: a plan of RAM regions and holes computed from the config,
 * then the regions themselves, each one KVM memslot with a guest_memfd
 * (the private side) and a shared backing the host can touch.
 */
#ifndef CVMM_MEMORY_H
#define CVMM_MEMORY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/util.h"
#include "memory/attr-map.h"

#define MEM_MAX_REGIONS 8

/* The 32-bit PCI/MMIO hole and the firmware below 4 GiB. */
#define MEM_HOLE_START 0xc0000000ull
#define MEM_4G 0x100000000ull

enum mem_region_kind {
	MEM_REGION_RAM,
	MEM_REGION_FIRMWARE,
};

/* One region of the plan: pure data, no fds. */
struct mem_region_plan {
	enum mem_region_kind kind;
	uint64_t gpa;
	uint64_t size;
};

struct mem_plan {
	struct mem_region_plan regions[MEM_MAX_REGIONS];
	unsigned int nr_regions;
	/*
	 * Backing of the shared side, resolved from BACKING_AUTO.
	 * BACKING_GUEST_MEMFD: the guest_memfd mapping is guest RAM itself
	 * (a VM without private memory, MMAP|INIT_SHARED), and images are
	 * written straight into it.
	 */
	enum shared_backing backing;
	/* Flags for KVM_CREATE_GUEST_MEMFD; GUEST_MEMFD_FLAG_* */
	uint64_t gmem_flags;
	/* Regions get a guest_memfd at all (KVM_MEM_GUEST_MEMFD slots). */
	bool use_gmem;
};

struct mem_region {
	enum mem_region_kind kind;
	uint64_t gpa;
	uint64_t size;
	uint32_t slot;
	/* Private side; -1 when the region has no guest_memfd. */
	int gmem_fd;
	/* Offset of this region's first byte in gmem_fd. */
	uint64_t gmem_offset;
	/* Shared side as the host sees it (guest_memfd RAM: the gmem map). */
	uint8_t *hva;
	/* File behind hva (memfd, hugetlbfs or gmem_fd); -1 for anonymous. */
	int shared_fd;
};

struct mem_stats {
	uint64_t conversions_explicit;
	uint64_t conversions_implicit;
	/* Conversions the VMM made itself while setting up the launch. */
	uint64_t conversions_launch;
	uint64_t pages_to_private;
	uint64_t pages_to_shared;
	uint64_t runs;
	/* Syscalls issued by the conversion engine, by kind. */
	uint64_t attr_calls;
	uint64_t gmem_discards;
	uint64_t shared_discards;
	uint64_t gmem_allocs;
	uint64_t prefaults;
	/*
	 * Failures after KVM's state changed, which the request survives:
	 * discards kept for a retry, preallocations skipped.
	 */
	uint64_t discard_failures;
	uint64_t gmem_alloc_failures;
	/* Bytes copied into guest memory by the loaders. */
	uint64_t bytes_populated;
	uint64_t bytes_copied;
};

/*
 * A range whose dead side (the one KVM does not map) is still to be
 * discarded: all its pages are in state to_private, and have been since
 * their conversion (memory/discard.c).
 */
struct conv_extent {
	uint64_t gpa;
	uint64_t end;
	bool to_private;
};

#define CONV_MAX_FAILED 16

/* Discards the conversion engine owes (memory/discard.c). */
struct conv_queue {
	/* The deferred discard that grows while requests stay adjacent. */
	struct conv_extent pending;
	/* Discards that failed, retried at every flush until they work. */
	struct conv_extent failed[CONV_MAX_FAILED];
	unsigned int nr_failed;
};

struct guest_memory;

/*
 * The one KVM call the conversion engine makes, behind a pointer so that
 * unit tests can run the engine without KVM. The real one is
 * mem_kvm_set_attributes().
 */
typedef int (*mem_set_attributes_fn)(struct guest_memory *mem, uint64_t gpa,
				     uint64_t size, uint64_t attributes);

struct guest_memory {
	int vm_fd;
	struct mem_plan plan;
	struct mem_region regions[MEM_MAX_REGIONS];
	unsigned int nr_regions;

	/* Serialises conversions coming from several vCPU threads. */
	pthread_mutex_t lock;
	/*
	 * Read side: a device using guest buffers it found shared
	 * (mem_shared_hold()); write side: a conversion to private, taken
	 * before lock, so no range goes private under a device's write.
	 */
	pthread_rwlock_t shared_users;
	/* Private ranges: the VMM's copy of KVM's attributes. */
	struct attr_map attrs;
	mem_set_attributes_fn set_attributes;
	struct mem_stats stats;
	/* Owned by the conversion engine. */
	struct conv_queue discards;
	/*
	 * Set from cfg->cc before the first conversion. coalesce_discards
	 * lets the engine defer discards and merge neighbouring ones
	 * (memory/convert.c); preallocate fallocate()s guest_memfd when a
	 * range goes private.
	 */
	bool coalesce_discards;
	bool preallocate;
};

/*
 * Compute the regions for cfg; pure. host_gmem_flags from the VM probe.
 * -EINVAL: the sizes cannot be laid out; -EOPNOTSUPP: guest_memfd was
 * asked to be RAM where it cannot (private memory, or a host whose
 * guest_memfd cannot be mapped and start shared).
 */
int __must_check mem_plan_build(const struct vm_config *cfg, uint64_t fw_size,
				uint64_t host_gmem_flags, bool has_private,
				struct mem_plan *ret_plan);

/* Create backings and memslots on vm_fd following plan. */
int __must_check mem_create(struct guest_memory *mem, int vm_fd,
			    const struct mem_plan *plan);
void mem_destroy(struct guest_memory *mem);

struct mem_region *mem_find_region(struct guest_memory *mem, uint64_t gpa,
				   uint64_t len);

/*
 * Host address of [gpa, gpa + len) on the shared side, or NULL if the
 * range is not entirely inside one region.
 */
void *mem_gpa_to_hva(struct guest_memory *mem, uint64_t gpa, uint64_t len);

/*
 * Around a device's use of guest buffers it checked are shared (the check
 * and every access): no range can turn private meanwhile, so a buffer the
 * guest converts while the device writes it is discarded after the write,
 * not re-allocated by it. Conversions to private wait; keep it short.
 */
void mem_shared_hold(struct guest_memory *mem);
void mem_shared_release(struct guest_memory *mem);

/* Copy an image into guest memory before launch; counts the bytes. */
int __must_check mem_populate(struct guest_memory *mem, uint64_t gpa,
			      const void *src, uint64_t len);

int mem_kvm_set_attributes(struct guest_memory *mem, uint64_t gpa,
			   uint64_t size, uint64_t attributes);

/* Allocated bytes measured from the files (memory/measure.c). */
int mem_allocated_bytes(struct guest_memory *mem, uint64_t *ret_gmem,
			uint64_t *ret_shared);
/* The same for the part of [gpa, gpa + len) that is guest memory. */
int mem_range_allocated_bytes(struct guest_memory *mem, uint64_t gpa,
			      uint64_t len, uint64_t *ret_gmem,
			      uint64_t *ret_shared);

#endif
