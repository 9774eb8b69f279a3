// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueues, device side (virtio 1.2 section 2.7); the rules are
 * in virtqueue.h.
 *
 * Ring layout (section 2.7, alignment in its table):
 *   descriptor table  16 * size            aligned 16
 *   available ring    flags, idx, ring[size] of u16, used_event   aligned 2
 *   used ring         flags, idx, ring[size] of {id, len}, avail_event
 *                                                                 aligned 4
 * The guest writes the rings concurrently: indices are read with acquire
 * (the driver publishes idx after the entries), the used index is
 * written with release, and the event-index fields are read after a full
 * barrier (sections 2.7.7 and 2.7.10).
 */
#include <string.h>

#include "devices/virtio/virtqueue.h"
#include "memory/memory.h"

#define RING_HDR 4 /* flags, idx */

bool virtio_gpa_shared(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		       void **ret_hva)
{
	struct mem_region *r;
	uint64_t end, start, last;
	bool private;

	if (!len || !add_ok(gpa, len, &end))
		return false;
	r = mem_find_region(mem, gpa, len);
	if (!r || r->kind != MEM_REGION_RAM)
		return false;
	/* Does the first private range ending after gpa start before end? */
	pthread_mutex_lock(&mem->lock);
	private = attr_map_next(&mem->attrs, gpa, &start, &last) && start < end;
	pthread_mutex_unlock(&mem->lock);
	if (private)
		return false;
	*ret_hva = r->hva + (gpa - r->gpa);
	return true;
}

uint64_t virtq_desc_bytes(uint16_t size)
{
	return 16ull * size;
}

uint64_t virtq_avail_bytes(uint16_t size)
{
	return RING_HDR + 2ull * size + 2;
}

uint64_t virtq_used_bytes(uint16_t size)
{
	return RING_HDR + 8ull * size + 2;
}

static uint16_t load16(const uint8_t *p)
{
	return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
}

static uint16_t load16_acquire(const uint8_t *p)
{
	return __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE);
}

static void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, v, __ATOMIC_RELAXED);
}

static void store32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, v, __ATOMIC_RELAXED);
}

/* The available ring's idx, and used_event after its ring. */
#define AVAIL_IDX(vq) ((vq)->avail + 2)
#define AVAIL_RING(vq, i) ((vq)->avail + RING_HDR + 2 * (i))
#define USED_EVENT(vq) AVAIL_RING(vq, (vq)->size)
#define USED_IDX(vq) ((vq)->used + 2)
#define USED_RING(vq, i) ((vq)->used + RING_HDR + 8 * (i))
#define AVAIL_EVENT(vq) USED_RING(vq, (vq)->size)

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int virtqueue_map(struct virtqueue *vq, struct guest_memory *mem)
{
	void *desc, *avail, *used;

	if (!is_pow2(vq->size) || vq->size > VIRTQ_MAX_SIZE)
		return -EINVAL;
	if (!IS_ALIGNED(vq->desc_gpa, 16) || !IS_ALIGNED(vq->avail_gpa, 2) ||
	    !IS_ALIGNED(vq->used_gpa, 4))
		return -EINVAL;
	if (!virtio_gpa_shared(mem, vq->desc_gpa, virtq_desc_bytes(vq->size),
			       &desc) ||
	    !virtio_gpa_shared(mem, vq->avail_gpa,
			       virtq_avail_bytes(vq->size), &avail) ||
	    !virtio_gpa_shared(mem, vq->used_gpa, virtq_used_bytes(vq->size),
			       &used))
		return -EFAULT;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_valid = false;
	vq->used_pending = false;
	return 0;
}

void virtqueue_reset(struct virtqueue *vq)
{
	vq->size = VIRTQ_MAX_SIZE;
	vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
	vq->enabled = false;
	vq->indirect = vq->event_idx = false;
	vq->desc = NULL;
	vq->avail = vq->used = NULL;
	vq->last_avail = vq->used_idx = vq->signalled_used = 0;
	vq->signalled_valid = vq->used_pending = false;
}

/* The rings may have been converted to private since they were mapped. */
static bool rings_shared(struct virtqueue *vq, struct guest_memory *mem)
{
	void *hva;

	return virtio_gpa_shared(mem, vq->desc_gpa, virtq_desc_bytes(vq->size),
				 &hva) &&
	       virtio_gpa_shared(mem, vq->avail_gpa,
				 virtq_avail_bytes(vq->size), &hva) &&
	       virtio_gpa_shared(mem, vq->used_gpa, virtq_used_bytes(vq->size),
				 &hva);
}

/* One copy of a descriptor, field by field, as the guest left it. */
static void read_desc(const struct virtq_desc *src, struct virtq_desc *d)
{
	d->addr = __atomic_load_n(&src->addr, __ATOMIC_RELAXED);
	d->len = __atomic_load_n(&src->len, __ATOMIC_RELAXED);
	d->flags = __atomic_load_n(&src->flags, __ATOMIC_RELAXED);
	d->next = __atomic_load_n(&src->next, __ATOMIC_RELAXED);
}

/*
 * Record one buffer. A rejected one is kept with iov_base NULL so that the
 * chain's shape (and its last writable buffer) stays what the driver
 * made; its length is not counted when it would break the byte bound.
 */
static void add_segment(struct virtio_chain *c, struct guest_memory *mem,
			const struct virtq_desc *d)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;
	struct iovec *iov = &c->iov[c->nr_out + c->nr_in];
	uint64_t total = (uint64_t)c->out_len + c->in_len + d->len;
	void *hva = NULL;

	*iov = (struct iovec){ .iov_len = d->len };
	if (total > VIRTQ_MAX_CHAIN_BYTES) {
		c->bad = true;
		iov->iov_len = 0;
	} else if (d->len && !virtio_gpa_shared(mem, d->addr, d->len, &hva)) {
		c->bad = true;
	}
	/* Section 2.7.4: readable buffers come before writable ones. */
	if (!writable && c->nr_in) {
		c->bad = true;
		hva = NULL;
		writable = true;
	}
	iov->iov_base = hva;
	if (writable) {
		c->nr_in++;
		c->in_len += iov->iov_len;
	} else {
		c->nr_out++;
		c->out_len += iov->iov_len;
	}
}

/*
 * An indirect table (section 2.7.5.3): only with the feature, never
 * nested, never with NEXT, a whole number of descriptors in shared RAM.
 */
static const struct virtq_desc *indirect_table(struct virtqueue *vq,
					       struct guest_memory *mem,
					       const struct virtq_desc *d,
					       bool nested, uint32_t *ret_n)
{
	void *hva;

	if (!vq->indirect || nested || (d->flags & VIRTQ_DESC_F_NEXT))
		return NULL;
	if (!d->len || d->len % sizeof(*d) ||
	    d->len / sizeof(*d) > VIRTQ_MAX_CHAIN ||
	    !IS_ALIGNED(d->addr, 16) ||
	    !virtio_gpa_shared(mem, d->addr, d->len, &hva))
		return NULL;
	*ret_n = d->len / sizeof(*d);
	return hva;
}

/*
 * Walk the chain at head. Each table is walked at most its size steps, so
 * a loop ends the walk (bad, incomplete), as does a chain longer than
 * VIRTQ_MAX_CHAIN or an index outside the table.
 */
static void walk(struct virtqueue *vq, struct guest_memory *mem,
		 uint16_t head, struct virtio_chain *c)
{
	const struct virtq_desc *table = vq->desc;
	uint32_t table_size = vq->size, steps = 0, i = head;
	bool nested = false;

	c->head = head;
	c->bad = c->complete = false;
	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	for (;;) {
		struct virtq_desc d;

		if (i >= table_size || ++steps > table_size ||
		    c->nr_out + c->nr_in == VIRTQ_MAX_CHAIN) {
			c->bad = true;
			return;
		}
		read_desc(&table[i], &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			table = indirect_table(vq, mem, &d, nested,
					       &table_size);
			if (!table) {
				c->bad = true;
				return;
			}
			nested = true;
			steps = 0;
			i = 0;
			continue;
		}
		add_segment(c, mem, &d);
		if (!(d.flags & VIRTQ_DESC_F_NEXT)) {
			c->complete = true;
			return;
		}
		i = d.next;
	}
}

int virtqueue_pop(struct virtqueue *vq, struct guest_memory *mem,
		  struct virtio_chain *chain)
{
	uint16_t avail_idx, head;

	if (!vq->enabled || !rings_shared(vq, mem))
		return -EBADMSG;
	avail_idx = load16_acquire(AVAIL_IDX(vq));
	if (avail_idx == vq->last_avail)
		return 0;
	/* More than a ring's worth of new entries: the index is garbage. */
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
		return -EBADMSG;
	head = load16(AVAIL_RING(vq, vq->last_avail & (vq->size - 1)));
	if (head >= vq->size)
		return -EBADMSG;
	vq->last_avail++;
	walk(vq, mem, head, chain);
	return 1;
}

void virtqueue_unpop(struct virtqueue *vq)
{
	vq->last_avail--;
}

void virtqueue_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	uint8_t *elem = USED_RING(vq, vq->used_idx & (vq->size - 1));

	store32(elem, head);
	store32(elem + 4, len);
	vq->used_idx++;
	/* The element before the index that publishes it. */
	__atomic_store_n((uint16_t *)USED_IDX(vq), vq->used_idx,
			 __ATOMIC_RELEASE);
	vq->used_pending = true;
}

bool virtqueue_arm(struct virtqueue *vq)
{
	if (vq->event_idx)
		store16(AVAIL_EVENT(vq), vq->last_avail);
	/* Publish avail_event before looking at idx again (2.7.10). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16_acquire(AVAIL_IDX(vq)) != vq->last_avail;
}

bool virtqueue_need_signal(struct virtqueue *vq)
{
	uint16_t old = vq->signalled_used, now = vq->used_idx, event;
	bool valid = vq->signalled_valid;

	if (!vq->used_pending)
		return false;
	vq->used_pending = false;
	/* The used index must be visible before we read the driver's wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(load16(vq->avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	vq->signalled_used = now;
	vq->signalled_valid = true;
	if (!valid)
		return true;
	/* Section 2.7.7.2: interrupt if used_event lies in (old, now]. */
	event = load16(USED_EVENT(vq));
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

/* Copy [off, off + len) of the buffers iov[0, n) from or to buf. */
static size_t copy_iov(const struct iovec *iov, unsigned int n, size_t off,
		       uint8_t *buf, size_t len, bool to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = MIN(iov[i].iov_len - off, len - done);
		if (!iov[i].iov_base)
			break;
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + off, buf + done,
			       chunk);
		else
			memcpy(buf + done, (uint8_t *)iov[i].iov_base + off,
			       chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t virtio_chain_read(const struct virtio_chain *chain, size_t off,
			 void *buf, size_t len)
{
	return copy_iov(chain->iov, chain->nr_out, off, buf, len, false);
}

size_t virtio_chain_write(const struct virtio_chain *chain, size_t off,
			  const void *buf, size_t len)
{
	return copy_iov(chain->iov + chain->nr_out, chain->nr_in, off,
			(uint8_t *)buf, len, true);
}

static unsigned int slice(const struct iovec *iov, unsigned int n, size_t off,
			  size_t len, struct iovec *ret_iov, unsigned int max)
{
	unsigned int count = 0;

	for (unsigned int i = 0; i < n && len; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		if (count == max || !iov[i].iov_base)
			return 0;
		chunk = MIN(iov[i].iov_len - off, len);
		ret_iov[count++] = (struct iovec){
			.iov_base = (uint8_t *)iov[i].iov_base + off,
			.iov_len = chunk,
		};
		len -= chunk;
		off = 0;
	}
	return len ? 0 : count;
}

unsigned int virtio_chain_in_slice(const struct virtio_chain *chain,
				   size_t off, size_t len,
				   struct iovec *ret_iov, unsigned int max)
{
	return slice(chain->iov + chain->nr_out, chain->nr_in, off, len,
		     ret_iov, max);
}

unsigned int virtio_chain_out_slice(const struct virtio_chain *chain,
				    size_t off, size_t len,
				    struct iovec *ret_iov, unsigned int max)
{
	return slice(chain->iov, chain->nr_out, off, len, ret_iov, max);
}

uint8_t *virtio_chain_last_in(const struct virtio_chain *chain)
{
	const struct iovec *last;

	if (!chain->complete || !chain->nr_in)
		return NULL;
	last = &chain->iov[chain->nr_out + chain->nr_in - 1];
	if (!last->iov_base || !last->iov_len)
		return NULL;
	return (uint8_t *)last->iov_base + last->iov_len - 1;
}
