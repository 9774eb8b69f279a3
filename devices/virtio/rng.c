// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-rng (virtio 1.2 section 5.4): one request queue whose writable
 * buffers are filled from getrandom(2), up to RNG_MAX_BYTES a request.
 * No feature bits, no configuration.
 */
#include <stddef.h>
#include <stdlib.h>
#include <sys/random.h>

#include "devices/virtio/devices.h"

/* Plenty for a guest's pool; bounds the time one request takes. */
#define RNG_MAX_BYTES (64u << 10)

struct virtio_rng {
	struct virtio_device vdev;
};

/* Fill len bytes at p; returns how many, short only if getrandom fails. */
static size_t fill(uint8_t *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += n;
	}
	return done;
}

static uint32_t rng_request(struct virtio_device *vdev,
			    struct virtio_chain *c)
{
	uint32_t total = 0;

	(void)vdev;
	if (c->bad)
		return 0;
	for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in; i++) {
		size_t want = MIN(c->iov[i].iov_len, RNG_MAX_BYTES - total);
		size_t got = fill(c->iov[i].iov_base, want);

		total += got;
		if (got < want || total == RNG_MAX_BYTES)
			break;
	}
	return total;
}

static void rng_queue_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	virtio_queue_serve_locked(vdev, vq, rng_request);
}

static void rng_free(struct virtio_device *vdev)
{
	virtio_device_fini(vdev);
	free((struct virtio_rng *)((char *)vdev -
				   offsetof(struct virtio_rng, vdev)));
}

static const struct virtio_device_ops rng_ops = {
	.queue_notify = rng_queue_notify,
	.free = rng_free,
};

int virtio_rng_create(struct guest_memory *mem,
		      struct virtio_device **ret_vdev)
{
	struct virtio_rng *rng = calloc(1, sizeof(*rng));

	if (!rng)
		return -ENOMEM;
	virtio_device_init(&rng->vdev, "virtio-rng", VIRTIO_ID_RNG,
			   VIRTIO_COMMON_FEATURES, 1, &rng_ops, mem);
	*ret_vdev = &rng->vdev;
	return 0;
}
