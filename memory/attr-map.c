// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attribute map: private ranges in an AVL tree keyed by start.
 *
 * Because the ranges are disjoint and sorted, their ends are sorted too,
 * so "the first range that ends after gpa" is a plain tree descent. An
 * update never needs more than one new node: making a range private merges
 * everything it touches into one node (new only if it touches nothing),
 * making it shared trims the neighbours in place and needs a new node only
 * when it punches a hole into the middle of one range. Keys change in place
 * only where the order cannot change. Nodes are relinked, never copied, so
 * pointers stay valid across removals.
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/util.h"
#include "memory/attr-map.h"

struct attr_node {
	uint64_t start;
	uint64_t end;
	struct attr_node *left;
	struct attr_node *right;
	int height;
};

static int height(const struct attr_node *n)
{
	return n ? n->height : 0;
}

static void update_height(struct attr_node *n)
{
	n->height = 1 + MAX(height(n->left), height(n->right));
}

static struct attr_node *rotate_right(struct attr_node *n)
{
	struct attr_node *l = n->left;

	n->left = l->right;
	l->right = n;
	update_height(n);
	update_height(l);
	return l;
}

static struct attr_node *rotate_left(struct attr_node *n)
{
	struct attr_node *r = n->right;

	n->right = r->left;
	r->left = n;
	update_height(n);
	update_height(r);
	return r;
}

static struct attr_node *rebalance(struct attr_node *n)
{
	int balance;

	update_height(n);
	balance = height(n->left) - height(n->right);
	if (balance > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (balance < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct attr_node *tree_insert(struct attr_node *root,
				     struct attr_node *node)
{
	if (!root)
		return node;
	if (node->start < root->start)
		root->left = tree_insert(root->left, node);
	else
		root->right = tree_insert(root->right, node);
	return rebalance(root);
}

static struct attr_node *tree_remove_min(struct attr_node *n,
					 struct attr_node **ret_min)
{
	if (!n->left) {
		*ret_min = n;
		return n->right;
	}
	n->left = tree_remove_min(n->left, ret_min);
	return rebalance(n);
}

/* Unlink the node keyed start, which must be in the tree. */
static struct attr_node *tree_remove(struct attr_node *root, uint64_t start)
{
	struct attr_node *min, *right;

	if (start < root->start) {
		root->left = tree_remove(root->left, start);
		return rebalance(root);
	}
	if (start > root->start) {
		root->right = tree_remove(root->right, start);
		return rebalance(root);
	}
	if (!root->left)
		return root->right;
	if (!root->right)
		return root->left;
	right = tree_remove_min(root->right, &min);
	min->left = root->left;
	min->right = right;
	return rebalance(min);
}

static void tree_free(struct attr_node *n)
{
	while (n) {
		struct attr_node *right = n->right;

		tree_free(n->left);
		free(n);
		n = right;
	}
}

/* The first range with end > gpa: the one holding gpa, or the next one. */
static struct attr_node *find_end_above(const struct attr_map *map,
					uint64_t gpa)
{
	struct attr_node *n = map->root, *best = NULL;

	while (n) {
		if (n->end > gpa) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

/* The successor of the range that starts at start. */
static struct attr_node *find_start_above(const struct attr_map *map,
					  uint64_t start)
{
	struct attr_node *n = map->root, *best = NULL;

	while (n) {
		if (n->start > start) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

void attr_map_init(struct attr_map *map)
{
	*map = (struct attr_map){ 0 };
}

void attr_map_fini(struct attr_map *map)
{
	tree_free(map->root);
	free(map->spare);
	attr_map_init(map);
}

int attr_map_reserve(struct attr_map *map)
{
	if (!map->spare)
		map->spare = malloc(sizeof(*map->spare));
	return map->spare ? 0 : -ENOMEM;
}

static void add_node(struct attr_map *map, uint64_t start, uint64_t end)
{
	struct attr_node *node = map->spare;

	map->spare = NULL;
	*node = (struct attr_node){ .start = start, .end = end, .height = 1 };
	map->root = tree_insert(map->root, node);
	map->nr_ranges++;
	map->private_bytes += end - start;
}

static void drop_node(struct attr_map *map, struct attr_node *node)
{
	map->root = tree_remove(map->root, node->start);
	map->nr_ranges--;
	map->private_bytes -= node->end - node->start;
	if (map->spare)
		free(node);
	else
		map->spare = node;
}

static int set_private(struct attr_map *map, uint64_t start, uint64_t end)
{
	/* The first range that overlaps or touches [start, end). */
	struct attr_node *n = find_end_above(map, start ? start - 1 : 0);
	struct attr_node *next;
	uint64_t new_start, new_end;

	if (!n || n->start > end) {
		if (attr_map_reserve(map) < 0)
			return -ENOMEM;
		add_node(map, start, end);
		return 0;
	}
	new_start = MIN(n->start, start);
	new_end = MAX(n->end, end);
	for (;;) {
		next = find_start_above(map, n->start);
		if (!next || next->start > end)
			break;
		new_end = MAX(new_end, next->end);
		drop_node(map, next);
	}
	/* No neighbour lies between the old and new key: order holds. */
	map->private_bytes += (new_end - new_start) - (n->end - n->start);
	n->start = new_start;
	n->end = new_end;
	return 0;
}

static int set_shared(struct attr_map *map, uint64_t start, uint64_t end)
{
	struct attr_node *n = find_end_above(map, start);
	struct attr_node *next;
	uint64_t tail;

	if (!n || n->start >= end)
		return 0;
	if (n->start < start && n->end > end) {
		if (attr_map_reserve(map) < 0)
			return -ENOMEM;
		tail = n->end;
		map->private_bytes -= tail - start;
		n->end = start;
		add_node(map, end, tail);
		return 0;
	}
	if (n->start < start) {
		map->private_bytes -= n->end - start;
		n->end = start;
		n = find_start_above(map, n->start);
	}
	while (n && n->end <= end) {
		next = find_start_above(map, n->start);
		drop_node(map, n);
		n = next;
	}
	if (n && n->start < end) {
		map->private_bytes -= end - n->start;
		n->start = end;
	}
	return 0;
}

int attr_map_set(struct attr_map *map, uint64_t gpa, uint64_t len,
		 bool private)
{
	uint64_t end;

	if (!len || !add_ok(gpa, len, &end))
		return -EINVAL;
	if (private)
		return set_private(map, gpa, end);
	return set_shared(map, gpa, end);
}

bool attr_map_is_private(const struct attr_map *map, uint64_t gpa)
{
	struct attr_node *n = find_end_above(map, gpa);

	return n && n->start <= gpa;
}

uint64_t attr_map_run(const struct attr_map *map, uint64_t gpa, uint64_t end,
		      bool *ret_private)
{
	struct attr_node *n = find_end_above(map, gpa);

	*ret_private = n && n->start <= gpa;
	if (*ret_private)
		return MIN(n->end, end) - gpa;
	return (n ? MIN(n->start, end) : end) - gpa;
}

bool attr_map_next(const struct attr_map *map, uint64_t gpa,
		   uint64_t *ret_start, uint64_t *ret_end)
{
	struct attr_node *n = find_end_above(map, gpa);

	if (!n)
		return false;
	*ret_start = n->start;
	*ret_end = n->end;
	return true;
}

struct check_state {
	bool have_prev;
	uint64_t prev_end;
	size_t nr;
	uint64_t bytes;
};

/* Returns the subtree's height, or -1 if an invariant is broken. */
static int check_subtree(const struct attr_node *n, struct check_state *s)
{
	int hl, hr;

	if (!n)
		return 0;
	hl = check_subtree(n->left, s);
	if (hl < 0 || n->start >= n->end)
		return -1;
	/* Strictly after the previous range's end: no overlap, no touching. */
	if (s->have_prev && n->start <= s->prev_end)
		return -1;
	s->have_prev = true;
	s->prev_end = n->end;
	s->nr++;
	s->bytes += n->end - n->start;
	hr = check_subtree(n->right, s);
	if (hr < 0 || hl - hr > 1 || hr - hl > 1)
		return -1;
	if (n->height != 1 + MAX(hl, hr))
		return -1;
	return n->height;
}

int attr_map_check(const struct attr_map *map)
{
	struct check_state s = { 0 };

	if (check_subtree(map->root, &s) < 0)
		return -EUCLEAN;
	if (s.nr != map->nr_ranges || s.bytes != map->private_bytes)
		return -EUCLEAN;
	return 0;
}
