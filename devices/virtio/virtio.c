// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every virtio device does the same way, whatever its transport:
 * status and feature negotiation (sections 2.1, 2.2, 3.1), reset (2.4),
 * queue enabling, interrupts and the serving of a queue.
 */
#include <unistd.h>

#include "devices/virtio/virtio.h"
#include "lib/log.h"
#include "memory/memory.h"

/*
 * Chains served per kick before the other handlers of the main loop get
 * their turn (a signal, the console, another device).
 */
#define VIRTIO_SERVE_BUDGET 256

void virtio_device_init(struct virtio_device *vdev, const char *name,
			uint32_t id, uint64_t features, uint16_t nr_vqs,
			const struct virtio_device_ops *ops,
			struct guest_memory *mem)
{
	vdev->name = name;
	vdev->id = id;
	vdev->features = features;
	vdev->nr_vqs = nr_vqs;
	vdev->ops = ops;
	vdev->mem = mem;
	pthread_mutex_init(&vdev->lock, NULL);
	for (uint16_t i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtqueue *vq = &vdev->vqs[i];

		*vq = (struct virtqueue){
			.vdev = vdev,
			.index = i,
			.kick = { .fd = -1, .fn = virtio_kick_handler,
				  .opaque = vq },
		};
		virtqueue_reset(vq);
	}
}

void virtio_device_fini(struct virtio_device *vdev)
{
	pthread_mutex_destroy(&vdev->lock);
}

bool virtio_device_live_locked(const struct virtio_device *vdev)
{
	return (vdev->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vdev->status &
		 (VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED));
}

void virtio_reset_locked(struct virtio_device *vdev)
{
	vdev->status = 0;
	vdev->driver_features = 0;
	vdev->driver_features_unknown = false;
	for (uint16_t i = 0; i < vdev->nr_vqs; i++)
		virtqueue_reset(&vdev->vqs[i]);
	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
}

void virtio_set_driver_features_locked(struct virtio_device *vdev,
				       uint32_t sel, uint32_t value)
{
	/* Section 3.1.1: features are fixed once FEATURES_OK is set. */
	if (vdev->status & VIRTIO_STATUS_FEATURES_OK)
		return;
	switch (sel) {
	case 0:
		vdev->driver_features = (vdev->driver_features &
					 ~0xffffffffull) | value;
		break;
	case 1:
		vdev->driver_features = (uint32_t)vdev->driver_features |
					(uint64_t)value << 32;
		break;
	default:
		/* Bits we never offered: FEATURES_OK will be refused. */
		if (value)
			vdev->driver_features_unknown = true;
		break;
	}
}

/*
 * Section 2.2.1 and 3.1.1: the driver may accept only what was offered,
 * and a modern device requires VIRTIO_F_VERSION_1 (there is no legacy
 * interface here).
 */
static bool features_acceptable(const struct virtio_device *vdev)
{
	if (vdev->driver_features_unknown ||
	    (vdev->driver_features & ~vdev->features)) {
		log_debug("%s: driver accepted unknown feature bits 0x%llx%s",
			  vdev->name,
			  (unsigned long long)(vdev->driver_features &
					       ~vdev->features),
			  vdev->driver_features_unknown ? " (and above 63)" :
							  "");
		return false;
	}
	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
		log_debug("%s: driver did not accept VIRTIO_F_VERSION_1",
			  vdev->name);
		return false;
	}
	return true;
}

/* Look at every enabled queue once, on the main thread. */
static void kick_all_locked(struct virtio_device *vdev)
{
	uint64_t one = 1;

	for (uint16_t i = 0; i < vdev->nr_vqs; i++) {
		const struct virtqueue *vq = &vdev->vqs[i];

		if (vq->enabled && vq->kick.fd >= 0 &&
		    write(vq->kick.fd, &one, sizeof(one)) < 0)
			log_debug("%s: kick of queue %u: %s", vdev->name, i,
				  errno_name(-errno));
	}
}

void virtio_set_status_locked(struct virtio_device *vdev, uint8_t status)
{
	uint8_t old = vdev->status;

	if (!status) {
		virtio_reset_locked(vdev);
		return;
	}
	if ((status & VIRTIO_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(vdev))
		status &= ~VIRTIO_STATUS_FEATURES_OK;
	/* Only a reset clears NEEDS_RESET (section 2.1.2). */
	vdev->status = status | (old & VIRTIO_STATUS_NEEDS_RESET);
	if ((status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(status & VIRTIO_STATUS_FEATURES_OK)) {
		log_debug("%s: DRIVER_OK without FEATURES_OK", vdev->name);
		virtio_set_needs_reset_locked(vdev);
	} else if ((status & VIRTIO_STATUS_DRIVER_OK) &&
		   !(old & VIRTIO_STATUS_DRIVER_OK)) {
		if (vdev->ops->start && vdev->ops->start(vdev) < 0) {
			virtio_set_needs_reset_locked(vdev);
			return;
		}
		/* Buffers made available before now were not served. */
		kick_all_locked(vdev);
	}
}

void virtio_set_needs_reset_locked(struct virtio_device *vdev)
{
	if (vdev->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	vdev->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* Section 2.1.2: the driver learns it from a config interrupt. */
	if (vdev->status & VIRTIO_STATUS_DRIVER_OK)
		vdev->signal(vdev->signal_ctx, VIRTIO_IRQ_CONFIG);
}

void virtio_enable_queue_locked(struct virtio_device *vdev,
				struct virtqueue *vq)
{
	int r;

	if (vq->enabled)
		return;
	/* The queue is set up after features are settled (section 3.1.1). */
	if (!(vdev->status & VIRTIO_STATUS_FEATURES_OK)) {
		log_debug("%s: queue %u enabled before FEATURES_OK", vdev->name,
			  vq->index);
		virtio_set_needs_reset_locked(vdev);
		return;
	}
	r = virtqueue_map(vq, vdev->mem);
	if (r < 0) {
		log_debug("%s: queue %u (size %u, rings 0x%llx 0x%llx 0x%llx) refused: %s",
			  vdev->name, vq->index, vq->size,
			  (unsigned long long)vq->desc_gpa,
			  (unsigned long long)vq->avail_gpa,
			  (unsigned long long)vq->used_gpa, errno_name(r));
		virtio_set_needs_reset_locked(vdev);
		return;
	}
	vq->indirect = virtio_has_feature(vdev, VIRTIO_F_INDIRECT_DESC);
	vq->event_idx = virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX);
	vq->enabled = true;
}

void virtio_queue_signal_locked(struct virtio_device *vdev,
				struct virtqueue *vq)
{
	if (virtqueue_need_signal(vq))
		vdev->signal(vdev->signal_ctx, vq->index);
}

void virtio_kick_handler(struct event_handler *h, uint32_t revents)
{
	struct virtqueue *vq = h->opaque;
	struct virtio_device *vdev = vq->vdev;
	uint64_t count;

	(void)revents;
	/* Nonblocking: EAGAIN if another handler run drained it already. */
	if (read(h->fd, &count, sizeof(count)) < 0)
		return;
	pthread_mutex_lock(&vdev->lock);
	if (virtio_device_live_locked(vdev) && vq->enabled)
		vdev->ops->queue_notify(vdev, vq);
	pthread_mutex_unlock(&vdev->lock);
}

void virtio_queue_serve_locked(struct virtio_device *vdev,
			       struct virtqueue *vq,
			       uint32_t (*fn)(struct virtio_device *vdev,
					      struct virtio_chain *chain))
{
	unsigned int budget = VIRTIO_SERVE_BUDGET;
	struct virtio_chain chain;
	uint64_t one = 1;
	int r;

	/* What virtqueue_pop() found shared stays so until the push. */
	mem_shared_hold(vdev->mem);
	do {
		for (; budget; budget--) {
			r = virtqueue_pop(vq, vdev->mem, &chain);
			if (r != 1)
				break;
			virtqueue_push(vq, chain.head, fn(vdev, &chain));
		}
		if (!budget) {
			/* A driver that keeps refilling: come back later. */
			if (vq->kick.fd >= 0 &&
			    write(vq->kick.fd, &one, sizeof(one)) < 0)
				log_debug("%s: kick of queue %u: %s",
					  vdev->name, vq->index,
					  errno_name(-errno));
			break;
		}
		if (r < 0) {
			log_debug("%s: queue %u is broken", vdev->name,
				  vq->index);
			virtio_set_needs_reset_locked(vdev);
			break;
		}
	} while (virtqueue_arm(vq));
	mem_shared_release(vdev->mem);
	virtio_queue_signal_locked(vdev, vq);
}
