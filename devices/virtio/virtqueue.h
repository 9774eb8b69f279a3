/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueues (virtio 1.2 section 2.7), the device side: taking
 * descriptor chains from the available ring and returning them on the
 * used ring, with notification suppression.
 *
 * The guest owns the rings and may change them at any time, so every
 * descriptor is copied once and judged on the copy. A chain is walked
 * with a bound on its length (loops), every buffer must be guest RAM that
 * is shared (memory/convert.h: a device never touches the host's side of
 * a private page), and a chain that breaks a rule is still returned, with
 * bad set, so that the device fails that one request. Only a ring that
 * cannot be trusted any more (an index beyond the queue, rings gone
 * private) stops the queue.
 */
#ifndef CVMM_VIRTQUEUE_H
#define CVMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "lib/util.h"
#include "lib/event-loop.h"

struct guest_memory;
struct virtio_device;

/* Largest queue offered, and longest chain accepted (direct or not). */
#define VIRTQ_MAX_SIZE 256
#define VIRTQ_MAX_CHAIN 256
/* No request needs more; keeps sums and used lengths in 32 bits. */
#define VIRTQ_MAX_CHAIN_BYTES (256u << 20)

/* Descriptor flags (section 2.7.5). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

/* Available ring flags (section 2.7.6): no interrupt wanted. */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* Section 2.7.5. */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtqueue {
	struct virtio_device *vdev;
	uint16_t index;
	/* As the driver set them (section 4.1.4.3); size is a power of 2. */
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool enabled;
	/* Negotiated: VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX. */
	bool indirect;
	bool event_idx;

	/* Host addresses of the rings, valid while enabled. */
	struct virtq_desc *desc;
	uint8_t *avail;
	uint8_t *used;

	uint16_t last_avail;
	uint16_t used_idx;
	/* used_idx when we last interrupted (event index), and validity. */
	uint16_t signalled_used;
	bool signalled_valid;
	/* Chains returned since the last interrupt. */
	bool used_pending;

	/* The kick eventfd on the main loop (opaque: this queue). */
	struct event_handler kick;
};

/* One chain; iov[0, nr_out) readable, then nr_in writable. */
struct virtio_chain {
	uint16_t head;
	/*
	 * The chain broke a rule: a descriptor outside shared RAM, a loop,
	 * too long, a readable after a writable, a bad indirect table. The
	 * device must fail the request without touching the buffers.
	 */
	bool bad;
	/* The walk reached the last descriptor (even if bad). */
	bool complete;
	unsigned int nr_out, nr_in;
	uint32_t out_len, in_len;
	/* A segment the rules reject has iov_base NULL. */
	struct iovec iov[VIRTQ_MAX_CHAIN];
};

/*
 * [gpa, gpa + len) is all guest RAM on its shared side; the host address
 * of it in *ret_hva. len 0 is refused. It stays shared only while the
 * caller holds mem_shared_hold() across the check and its accesses.
 */
bool virtio_gpa_shared(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		       void **ret_hva);

/* Bytes of the rings for a queue of size entries (section 2.7). */
uint64_t virtq_desc_bytes(uint16_t size);
uint64_t virtq_avail_bytes(uint16_t size);
uint64_t virtq_used_bytes(uint16_t size);

/*
 * Check the rings the driver set and map them: size a power of 2 up to
 * VIRTQ_MAX_SIZE, each ring aligned and in shared RAM. -EINVAL or
 * -EFAULT otherwise.
 */
int __must_check virtqueue_map(struct virtqueue *vq, struct guest_memory *mem);

/* Back to the state after reset (size VIRTQ_MAX_SIZE, nothing mapped). */
void virtqueue_reset(struct virtqueue *vq);

/*
 * Take the next available chain. Returns 1 with *chain filled in, 0 if
 * the ring is empty, -EBADMSG if the ring itself cannot be trusted (the
 * device needs a reset).
 */
int virtqueue_pop(struct virtqueue *vq, struct guest_memory *mem,
		  struct virtio_chain *chain);

/* Put back the chain just popped (e.g. no packet to receive into it). */
void virtqueue_unpop(struct virtqueue *vq);

/* Return a chain with len bytes written into it. */
void virtqueue_push(struct virtqueue *vq, uint16_t head, uint32_t len);

/*
 * Before sleeping: ask for a kick when the driver adds a buffer (event
 * index) and look again. Returns true if buffers arrived meanwhile.
 */
bool virtqueue_arm(struct virtqueue *vq);

/* Chains were returned and the driver wants an interrupt for them. */
bool virtqueue_need_signal(struct virtqueue *vq);

/*
 * Copy between a chain's readable (out) or writable (in) buffers,
 * starting off bytes in; returns the bytes copied. The chain must not be
 * bad.
 */
size_t virtio_chain_read(const struct virtio_chain *chain, size_t off,
			 void *buf, size_t len);
size_t virtio_chain_write(const struct virtio_chain *chain, size_t off,
			  const void *buf, size_t len);

/*
 * The writable part's iovecs covering [off, off + len) in ret_iov (at
 * most max of them); returns how many, 0 if out of range.
 */
unsigned int virtio_chain_in_slice(const struct virtio_chain *chain,
				   size_t off, size_t len,
				   struct iovec *ret_iov, unsigned int max);
unsigned int virtio_chain_out_slice(const struct virtio_chain *chain,
				    size_t off, size_t len,
				    struct iovec *ret_iov, unsigned int max);

/*
 * The last writable byte of the chain, where a device puts a status,
 * when the walk completed and that buffer is usable even if the chain is
 * bad; NULL otherwise.
 */
uint8_t *virtio_chain_last_in(const struct virtio_chain *chain);

#endif
