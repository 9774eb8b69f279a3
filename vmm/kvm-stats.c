// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM's own counters, read through KVM_GET_STATS_FD (Linux 5.14+): the
 * page sizes of the stage-2 mappings, page faults, halts, exits as KVM
 * counts them. --stats adds them to its JSON so that what costs a guest
 * its time can be seen without debugfs.
 *
 * A stats fd starts with a header that locates the descriptors (one per
 * statistic, each followed by its name) and the data block (u64 values,
 * desc->size of them at desc->offset). Only single-valued counters are
 * reported; histograms are left out.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/util.h"
#include "vmm/kvm-stats.h"
#include "lib/kvm.h"

int kvm_stats_open(int fd)
{
	return kvm_ioctl_val(fd, KVM_GET_STATS_FD, 0);
}

static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static bool is_counter(const struct kvm_stats_desc *d)
{
	uint32_t type = d->flags & KVM_STATS_TYPE_MASK;

	return d->size == 1 && (type == KVM_STATS_TYPE_CUMULATIVE ||
				type == KVM_STATS_TYPE_INSTANT ||
				type == KVM_STATS_TYPE_PEAK);
}

/* Sum into o[name], or keep the larger value for a peak. */
static void merge(struct json_object *o, const struct kvm_stats_desc *d,
		  uint64_t v)
{
	struct json_object *old;

	if (json_object_object_get_ex(o, d->name, &old)) {
		uint64_t prev = json_object_get_uint64(old);

		if ((d->flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_PEAK)
			v = v > prev ? v : prev;
		else
			v += prev;
	}
	json_object_object_add(o, d->name, json_object_new_uint64(v));
}

int kvm_stats_merge_json(int fd, struct json_object *o)
{
	struct kvm_stats_header h;
	_cleanup_free_ uint8_t *descs = NULL;
	size_t desc_size;
	int r;

	r = read_at(fd, &h, sizeof(h), 0);
	if (r < 0)
		return r;
	/* A name must hold at least its NUL; a sane table is small. */
	if (!h.name_size || h.name_size > 4096 || h.num_desc > 4096)
		return -EPROTO;
	desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	descs = malloc(desc_size * h.num_desc);
	if (!descs)
		return -ENOMEM;
	r = read_at(fd, descs, desc_size * h.num_desc, h.desc_offset);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * desc_size);
		uint64_t v;

		if (!is_counter(d))
			continue;
		d->name[h.name_size - 1] = '\0';
		r = read_at(fd, &v, sizeof(v), (uint64_t)h.data_offset + d->offset);
		if (r < 0)
			return r;
		merge(o, d, v);
	}
	return 0;
}
