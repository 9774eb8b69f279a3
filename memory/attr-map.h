/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The private/shared state of every GPA, kept as ranges of private memory
 * (everything else is shared) in an AVL tree keyed by start. Ranges never
 * overlap or touch: neighbours are always coalesced. A lookup costs
 * O(log ranges), an update that touches k ranges O(k log ranges), memory
 * O(ranges).
 *
 * The map does no locking; struct guest_memory's lock protects it.
 */
#ifndef CVMM_ATTR_MAP_H
#define CVMM_ATTR_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct attr_node;

struct attr_map {
	struct attr_node *root;
	size_t nr_ranges;
	uint64_t private_bytes;
	/*
	 * One preallocated node: an update needs at most one new node, so
	 * with a spare in hand it cannot fail (see attr_map_reserve()).
	 */
	struct attr_node *spare;
};

void attr_map_init(struct attr_map *map);
void attr_map_fini(struct attr_map *map);

/*
 * Make sure the next attr_map_set() cannot fail. Returns 0 or -ENOMEM;
 * the conversion engine calls it before telling KVM anything, so that the
 * map can always follow what KVM was told.
 */
int attr_map_reserve(struct attr_map *map);

/*
 * Mark [gpa, gpa + len) private or shared. Returns -EINVAL for len 0 or
 * a range that wraps, -ENOMEM (map unchanged) if a node was needed and
 * none could be allocated, else 0.
 */
int attr_map_set(struct attr_map *map, uint64_t gpa, uint64_t len,
		 bool private);

bool attr_map_is_private(const struct attr_map *map, uint64_t gpa);

/*
 * The run of equal state starting at gpa, clipped to end (gpa < end):
 * returns its length and stores its state in *ret_private.
 */
uint64_t attr_map_run(const struct attr_map *map, uint64_t gpa, uint64_t end,
		      bool *ret_private);

/*
 * The first private range that ends after gpa, in *ret_start and *ret_end
 * (end exclusive). Returns false when there is none.
 */
bool attr_map_next(const struct attr_map *map, uint64_t gpa,
		   uint64_t *ret_start, uint64_t *ret_end);

/*
 * Check every invariant (order, no overlap, no touching neighbours, AVL
 * balance, the counters). For tests: 0 or -EUCLEAN.
 */
int attr_map_check(const struct attr_map *map);

#endif
