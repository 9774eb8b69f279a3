/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio device model (virtio 1.2 section 2) that every device and the
 * PCI transport share: status and feature negotiation, virtqueues, device
 * configuration, interrupts and the rule that a misbehaving driver costs
 * its request or the device, never the VMM.
 *
 * Threads: the transport's registers are accessed by vCPU threads, the
 * queues are served on the main thread's event loop (a kick eventfd per
 * queue, signalled by a KVM ioeventfd). Everything in a device, transport
 * state included, is under vdev->lock; the device's handlers are called
 * with it held.
 */
#ifndef CVMM_VIRTIO_H
#define CVMM_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "devices/virtio/virtqueue.h"
#include "lib/util.h"

/* Device IDs (section 5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_VSOCK 19

/* Device status field (section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* Reserved feature bits (section 6). */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33

#define VIRTIO_BIT(nr) (1ull << (nr))

/*
 * Offered by every device here: modern (VERSION_1, required of the
 * driver), indirect tables, event-index suppression, and ACCESS_PLATFORM
 * so that a confidential guest's driver bounces buffers through memory
 * it shared (Linux refuses devices without it in such guests).
 */
#define VIRTIO_COMMON_FEATURES                                          \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | \
	 VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |                               \
	 VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM))

#define VIRTIO_MAX_QUEUES 4
/* What an interrupt is about: a queue's index, or this. */
#define VIRTIO_IRQ_CONFIG 0xffff

struct guest_memory;
struct virtio_device;

struct virtio_device_ops {
	/* The driver made buffers available in vq. Main thread. */
	void (*queue_notify)(struct virtio_device *vdev, struct virtqueue *vq);
	/* Forget everything the driver set up (section 2.4); may be NULL. */
	void (*reset)(struct virtio_device *vdev);
	/*
	 * The driver set DRIVER_OK: a device whose queues another party
	 * serves (vhost) hands them over. May be NULL. An error marks the
	 * device as needing reset.
	 */
	int (*start)(struct virtio_device *vdev);
	/* Close what the device holds and free it. */
	void (*free)(struct virtio_device *vdev);
};

/* The transport's side: raise an interrupt (lock held). */
typedef void (*virtio_signal_fn)(void *ctx, uint16_t what);

struct virtio_device {
	const char *name;
	uint32_t id;
	pthread_mutex_t lock;
	const struct virtio_device_ops *ops;
	struct guest_memory *mem;

	/* Offered, and accepted by the driver (final once FEATURES_OK). */
	uint64_t features;
	uint64_t driver_features;
	/* The driver wrote a nonzero word beyond the two we have. */
	bool driver_features_unknown;
	uint8_t status;

	/* Device configuration space, read-only to the driver. */
	const void *config;
	uint32_t config_size;

	struct virtqueue vqs[VIRTIO_MAX_QUEUES];
	uint16_t nr_vqs;

	virtio_signal_fn signal;
	void *signal_ctx;
};

/* Set up the generic part; nr_vqs <= VIRTIO_MAX_QUEUES. */
void virtio_device_init(struct virtio_device *vdev, const char *name,
			uint32_t id, uint64_t features, uint16_t nr_vqs,
			const struct virtio_device_ops *ops,
			struct guest_memory *mem);
void virtio_device_fini(struct virtio_device *vdev);

/* Whether the driver accepted feature bit nr. */
static inline bool virtio_has_feature(const struct virtio_device *vdev,
				      unsigned int nr)
{
	return vdev->driver_features & VIRTIO_BIT(nr);
}

/* The driver is running the device and it is not broken. */
bool virtio_device_live_locked(const struct virtio_device *vdev);

/*
 * The driver wrote the status register (lock held): 0 resets, and the
 * features are checked when it sets FEATURES_OK, which stays clear if
 * they are refused.
 */
void virtio_set_status_locked(struct virtio_device *vdev, uint8_t status);

/* Feature word sel (32 bits) as the driver writes it. */
void virtio_set_driver_features_locked(struct virtio_device *vdev,
				       uint32_t sel, uint32_t value);

/* Reset the device and its queues (section 2.4). */
void virtio_reset_locked(struct virtio_device *vdev);

/*
 * The driver enabled queue vq: check its rings, which must be guest RAM
 * that is shared, and start serving it. A bad ring marks the device as
 * needing reset.
 */
void virtio_enable_queue_locked(struct virtio_device *vdev,
				struct virtqueue *vq);

/*
 * Something the driver did cannot be served: set DEVICE_NEEDS_RESET and
 * tell it through a configuration change interrupt (section 2.1.2).
 */
void virtio_set_needs_reset_locked(struct virtio_device *vdev);

/* Interrupt for vq if its suppression settings ask for one. */
void virtio_queue_signal_locked(struct virtio_device *vdev,
				struct virtqueue *vq);

/*
 * The event-loop handler of a queue's kick eventfd: drain it and run the
 * device's queue_notify if the queue is live. Main thread only.
 */
void virtio_kick_handler(struct event_handler *h, uint32_t revents);

/*
 * Serve every chain in vq with fn until the ring is empty, re-arming
 * notifications (event index) before giving up, then interrupt as
 * needed. fn returns the bytes it wrote into the chain. A broken ring
 * marks the device as needing reset.
 */
void virtio_queue_serve_locked(struct virtio_device *vdev,
			       struct virtqueue *vq,
			       uint32_t (*fn)(struct virtio_device *vdev,
					      struct virtio_chain *chain));

/*
 * Drop the first done bytes of the n buffers at *iov, after a short
 * readv() or writev(): whole buffers go, the next one starts later.
 */
static inline void iov_advance(struct iovec **iov, unsigned int *n,
			       size_t done)
{
	while (*n && done >= (*iov)->iov_len) {
		done -= (*iov)->iov_len;
		(*iov)++;
		(*n)--;
	}
	if (*n) {
		(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + done;
		(*iov)->iov_len -= done;
	}
}

#endif
