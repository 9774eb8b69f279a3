/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The private/shared state of every GPA, kept as ranges of private memory
 * (everything else is shared). Lookups and updates cost O(log ranges).
 *
 * PROVISIONAL: the memory-engine work owns this header and may refine it.
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
};

void attr_map_init(struct attr_map *map);
void attr_map_fini(struct attr_map *map);

/* Mark [gpa, gpa + len) private or shared. -ENOMEM leaves map unchanged. */
int attr_map_set(struct attr_map *map, uint64_t gpa, uint64_t len,
		 bool private);

bool attr_map_is_private(const struct attr_map *map, uint64_t gpa);

/*
 * The run of equal state starting at gpa, clipped to end: returns its
 * length and stores its state in *ret_private.
 */
uint64_t attr_map_run(const struct attr_map *map, uint64_t gpa, uint64_t end,
		      bool *ret_private);

#endif
