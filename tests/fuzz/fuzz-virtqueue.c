// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtqueue descriptor chains as a hostile or broken driver makes them,
 * served by the split-ring core alone or by a real device behind it
 * (virtio-blk on a memfd image, virtio-rng, virtio-console, virtio-net on
 * a socket standing in for the TAP), on fake guest memory (fake-mem.h)
 * some of which the guest has made private: loops, indices beyond the
 * table, nested and malformed indirect tables, buffers in holes, beyond
 * RAM or in private pages, huge lengths, garbage ring indices, rings that
 * go private under the device.
 *
 * Properties: nothing crashes; every buffer a chain hands a device is
 * guest RAM on its shared side, within the bounds on chain length and
 * bytes; the device never writes into the shared side of a private page;
 * a read-only disk's image never changes; the used index moves only by
 * the chains the device took; a ring that cannot be trusted marks the
 * device as needing reset and nothing else.
 *
 * Input: a setup byte (bits 0-2 device kind, 3 indirect, 4 event index,
 * 5 read-only, 6-7 which queue), a queue-size byte, then operations of a
 * kind byte and its arguments (make-virtio-seeds.py writes them); the
 * rings sit at DESC_GPA, AVAIL_GPA, USED_GPA in the first region.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/virtio/devices.h"
#include "fake-mem.h"
#include "memory/convert.h"

#define DESC_GPA 0x10000ull
#define AVAIL_GPA 0x20000ull
#define USED_GPA 0x30000ull
/* Where buffers mostly go: pages 0x40 up in the first region. */
#define BUF_GPA 0x40000ull
#define DISK_SIZE 0x10000
#define MAX_PRIVATE 32

enum kind { KIND_RAW, KIND_BLK, KIND_RNG, KIND_CONSOLE, KIND_NET, NR_KINDS };

/*
 * The operations, by their kind byte modulo NR_OPS. The seeds
 * (make-virtio-seeds.py, which checks its numbers against these) spell
 * the bytes out: a new operation goes at the end.
 */
enum op {
	OP_DESC = 0,
	OP_PUBLISH = 1,
	OP_AVAIL_IDX = 2,
	OP_CONVERT = 3,
	OP_CONVERT_TOO = 4,	/* the same, twice as likely */
	OP_RUN = 5,
	OP_AVAIL_WORD = 6,
	OP_INDIRECT = 7,
	OP_DATA = 8,
	OP_PACKET = 9,
	OP_RINGS_PRIVATE = 10,
	NR_OPS
};

static struct {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	enum kind kind;
	bool readonly;
	int disk_fd, tap_peer, null_fd;
	struct event_loop loop;
	uint16_t avail_idx;
	/* Ranges the guest made private, to look at after each run. */
	uint64_t private_gpa[MAX_PRIVATE], private_len[MAX_PRIVATE];
	unsigned int nr_private;
} s;

/* Interrupts go nowhere: fuzz-virtio-pci looks at the transport. */
static void fake_signal(void *ctx, uint16_t what)
{
	(void)ctx;
	(void)what;
}

static bool page_private(uint64_t gpa)
{
	uint64_t start, end;

	return attr_map_next(&fm.mem->attrs, gpa, &start, &end) &&
	       start <= gpa;
}

/* What the guest stores lands on the private side for private pages. */
static void guest_write(uint64_t gpa, const void *data, size_t len)
{
	uint8_t *hva = mem_gpa_to_hva(fm.mem, gpa, len);

	if (!hva)
		return;
	for (size_t i = 0; i < len; i++)
		if (!page_private(gpa + i))
			hva[i] = ((const uint8_t *)data)[i];
}

/* Mostly near the buffer area, sometimes anywhere interesting. */
static uint64_t pick_gpa(struct fuzz_input *in)
{
	uint8_t sel = fuzz_u8(in);

	if (sel < 192)
		return BUF_GPA + (uint64_t)(sel % 64) * FM_PAGE +
		       (fuzz_u8(in) & 0xf0);
	return fake_mem_pick_gpa(in);
}

static uint32_t pick_len(struct fuzz_input *in)
{
	static const uint32_t lens[] = {
		0, 1, 16, 512, 4096, 0x10000, 0x100000, 0x10000000,
		0x7fffffff, 0xffffffff, 12, 1514, 17, 511, 4097, 2,
		48, 32, 64, 1526,
	};
	uint8_t sel = fuzz_u8(in);

	return sel < 240 ? lens[sel % ARRAY_SIZE(lens)] : fuzz_u32(in);
}

static void put_desc(uint64_t table_gpa, unsigned int i,
		     struct fuzz_input *in)
{
	struct virtq_desc d = {
		.addr = pick_gpa(in),
		.len = pick_len(in),
		.flags = fuzz_u8(in),
		.next = fuzz_u8(in),
	};

	/* Mostly the flags that mean something. */
	if (d.flags < 0xf0)
		d.flags &= VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE |
			   VIRTQ_DESC_F_INDIRECT;
	guest_write(table_gpa + i * sizeof(d), &d, sizeof(d));
}

static void publish(uint16_t head)
{
	uint16_t slot = s.avail_idx % (s.vq->size ? s.vq->size : 1);

	guest_write(AVAIL_GPA + 4 + 2 * slot, &head, sizeof(head));
	s.avail_idx++;
	guest_write(AVAIL_GPA + 2, &s.avail_idx, sizeof(s.avail_idx));
}

static void convert(struct fuzz_input *in, bool private)
{
	uint64_t gpa = pick_gpa(in) & ~(FM_PAGE - 1);
	uint64_t len = (1 + fuzz_u8(in) % 8) * FM_PAGE;

	fake_mem_op_start();
	if (mem_convert(fm.mem, gpa, len, private, CONV_ORIGIN_EXPLICIT,
			NULL) || !private || s.nr_private == MAX_PRIVATE)
		return;
	s.private_gpa[s.nr_private] = gpa;
	s.private_len[s.nr_private++] = len;
}

/* A chain's buffers: guest RAM, shared, inside the bounds. */
static void check_chain(const struct virtio_chain *c)
{
	uint64_t total = 0;

	FUZZ_CHECK(c->nr_out + c->nr_in <= VIRTQ_MAX_CHAIN, "chain of %u",
		   c->nr_out + c->nr_in);
	FUZZ_CHECK(c->head < s.vq->size, "head %u", c->head);
	for (unsigned int i = 0; i < c->nr_out + c->nr_in; i++) {
		const struct iovec *iov = &c->iov[i];
		const struct mem_region *r = NULL;
		uint64_t gpa;

		total += iov->iov_len;
		if (!iov->iov_base || !iov->iov_len)
			continue;
		for (unsigned int k = 0; k < fm.mem->nr_regions; k++) {
			const struct mem_region *m = &fm.mem->regions[k];

			if ((uint8_t *)iov->iov_base >= m->hva &&
			    (uint8_t *)iov->iov_base < m->hva + m->size)
				r = m;
		}
		FUZZ_CHECK(r, "buffer %u is not guest memory", i);
		gpa = r->gpa + ((uint8_t *)iov->iov_base - r->hva);
		FUZZ_CHECK(gpa - r->gpa + iov->iov_len <= r->size,
			   "buffer 0x%llx+0x%zx leaves its region",
			   (unsigned long long)gpa, iov->iov_len);
		for (uint64_t p = gpa & ~(FM_PAGE - 1); p < gpa + iov->iov_len;
		     p += FM_PAGE)
			FUZZ_CHECK(!page_private(p),
				   "buffer 0x%llx+0x%zx touches private 0x%llx",
				   (unsigned long long)gpa, iov->iov_len,
				   (unsigned long long)p);
	}
	FUZZ_CHECK(total <= VIRTQ_MAX_CHAIN_BYTES, "chain of %llu bytes",
		   (unsigned long long)total);
	FUZZ_CHECK(c->bad || c->complete, "an incomplete chain is bad");
}

/* The core alone: take every chain and hand it back. */
static void run_raw(void)
{
	struct virtio_chain chain;
	uint16_t before = s.vq->used_idx;
	unsigned int taken = 0;
	int r;

	while ((r = virtqueue_pop(s.vq, fm.mem, &chain)) == 1) {
		check_chain(&chain);
		virtqueue_push(s.vq, chain.head, chain.in_len);
		FUZZ_CHECK(++taken <= s.vq->size, "more chains than the ring");
	}
	FUZZ_CHECK(r == 0 || r == -EBADMSG, "pop gave %d", r);
	FUZZ_CHECK((uint16_t)(s.vq->used_idx - before) == taken,
		   "used index moved by %u for %u chains",
		   (uint16_t)(s.vq->used_idx - before), taken);
	(void)virtqueue_arm(s.vq);
	(void)virtqueue_need_signal(s.vq);
}

static void check_private_untouched(void)
{
	for (unsigned int i = 0; i < s.nr_private; i++) {
		uint64_t gpa = s.private_gpa[i], end = gpa + s.private_len[i];

		for (; gpa < end; gpa += FM_PAGE) {
			const uint64_t *p;

			p = mem_gpa_to_hva(fm.mem, gpa, FM_PAGE);

			if (!p || !page_private(gpa))
				continue;
			for (unsigned int k = 0; k < FM_PAGE / 8; k++)
				FUZZ_CHECK(!p[k],
					   "the shared side of private 0x%llx was written",
					   (unsigned long long)gpa);
		}
	}
}

/* A device's queues, as the kick handler runs them. */
static void run(void)
{
	if (s.kind == KIND_RAW) {
		if (s.vq->enabled)
			run_raw();
	} else {
		pthread_mutex_lock(&s.vdev->lock);
		for (uint16_t i = 0; i < s.vdev->nr_vqs; i++)
			if (virtio_device_live_locked(s.vdev) &&
			    s.vdev->vqs[i].enabled)
				s.vdev->ops->queue_notify(s.vdev,
							  &s.vdev->vqs[i]);
		pthread_mutex_unlock(&s.vdev->lock);
	}
	check_private_untouched();
	/* What the device sent, so that the socket never fills up. */
	if (s.kind == KIND_NET)
		while (recv(s.tap_peer, NULL, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0)
			;
}

static void check_disk(void)
{
	static uint8_t now[DISK_SIZE];
	uint8_t want[DISK_SIZE];

	memset(want, 0xa5, sizeof(want));
	FUZZ_CHECK(pread(s.disk_fd, now, sizeof(now), 0) == sizeof(now),
		   "reading the image back");
	FUZZ_CHECK(!memcmp(now, want, sizeof(now)),
		   "the read-only image changed");
}

/* A packet from the host side of the TAP. */
static void packet(struct fuzz_input *in)
{
	uint8_t buf[2048];
	size_t len = fuzz_u16(in) % sizeof(buf);

	if (s.kind != KIND_NET)
		return;
	memset(buf, fuzz_u8(in), len);
	(void)send(s.tap_peer, buf, len, MSG_DONTWAIT);
}

static void rings_private(struct fuzz_input *in)
{
	static const uint64_t rings[] = { DESC_GPA, AVAIL_GPA, USED_GPA };

	fake_mem_op_start();
	(void)mem_convert(fm.mem, rings[fuzz_u8(in) % 3], FM_PAGE, true,
			  CONV_ORIGIN_EXPLICIT, NULL);
}

static void operation(struct fuzz_input *in)
{
	uint8_t data[16];
	uint64_t gpa;
	uint16_t v;

	switch (fuzz_u8(in) % NR_OPS) {
	case OP_DESC:
		put_desc(DESC_GPA, fuzz_u8(in), in);
		break;
	case OP_PUBLISH:
		v = fuzz_u8(in);
		publish(v < 250 ? v : fuzz_u16(in));
		break;
	case OP_AVAIL_IDX:
		s.avail_idx = fuzz_u16(in);
		guest_write(AVAIL_GPA + 2, &s.avail_idx, sizeof(s.avail_idx));
		break;
	case OP_CONVERT:
	case OP_CONVERT_TOO:
		convert(in, fuzz_u8(in) & 1);
		break;
	case OP_RUN:
		run();
		break;
	case OP_AVAIL_WORD:
		/* Avail flags, or used_event after the ring. */
		v = fuzz_u16(in);
		gpa = AVAIL_GPA;
		if (fuzz_u8(in) & 1)
			gpa += 4 + 2 * (uint64_t)s.vq->size;
		guest_write(gpa, &v, sizeof(v));
		break;
	case OP_INDIRECT:
		gpa = pick_gpa(in) & ~15ull;
		for (unsigned int n = fuzz_u8(in) % 16, i = 0; i < n; i++)
			put_desc(gpa, i, in);
		break;
	case OP_DATA:
		gpa = pick_gpa(in);
		for (unsigned int i = 0; i < sizeof(data); i++)
			data[i] = fuzz_u8(in);
		guest_write(gpa, data, fuzz_u8(in) % (sizeof(data) + 1));
		break;
	case OP_PACKET:
		packet(in);
		break;
	case OP_RINGS_PRIVATE:
		rings_private(in);
		break;
	}
}

static struct virtio_device *create(enum kind kind)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	struct virtio_device *vdev = NULL;
	int sv[2], r = -EINVAL;

	switch (kind) {
	case KIND_BLK:
		r = virtio_blk_create(dup(s.disk_fd), s.readonly, 0, fm.mem,
				      &vdev);
		break;
	case KIND_RNG:
		r = virtio_rng_create(fm.mem, &vdev);
		break;
	case KIND_CONSOLE:
		r = virtio_console_create(s.null_fd, fm.mem, &vdev);
		break;
	case KIND_NET:
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
						       SOCK_CLOEXEC,
				      0, sv) == 0,
			   "socketpair: %s", strerror(errno));
		s.tap_peer = sv[1];
		r = virtio_net_create(sv[0], mac, 0, &s.loop, fm.mem, &vdev);
		break;
	default:
		break;
	}
	FUZZ_CHECK(r == 0, "creating device kind %d: %d", kind, r);
	vdev->signal = fake_signal;
	return vdev;
}

/*
 * The driver's side of start-up (section 3.1.1): features, then one queue
 * with our rings, then DRIVER_OK. The raw kind has a queue of its own.
 */
static void set_up(uint8_t setup, uint16_t size)
{
	static struct virtqueue raw;
	uint64_t indirect = VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	uint64_t want = VIRTIO_BIT(VIRTIO_F_VERSION_1) |
			(setup & 0x08 ? indirect : 0) |
			(setup & 0x10 ? VIRTIO_BIT(VIRTIO_F_EVENT_IDX) : 0);
	uint8_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	s.kind = (setup & 7) % NR_KINDS;
	s.readonly = setup & 0x20;
	if (s.kind == KIND_RAW) {
		s.vq = &raw;
		virtqueue_reset(s.vq);
	} else {
		s.vdev = create(s.kind);
		s.vq = &s.vdev->vqs[(setup >> 6) % s.vdev->nr_vqs];
	}
	s.vq->size = size;
	s.vq->desc_gpa = DESC_GPA;
	s.vq->avail_gpa = AVAIL_GPA;
	s.vq->used_gpa = USED_GPA;
	if (s.kind == KIND_RAW) {
		s.vq->indirect = want & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
		s.vq->event_idx = want & VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
		s.vq->enabled = virtqueue_map(s.vq, fm.mem) == 0;
		return;
	}
	pthread_mutex_lock(&s.vdev->lock);
	virtio_set_status_locked(s.vdev, status);
	virtio_set_driver_features_locked(s.vdev, 0, want);
	virtio_set_driver_features_locked(s.vdev, 1, want >> 32);
	virtio_set_status_locked(s.vdev, status | VIRTIO_STATUS_FEATURES_OK);
	FUZZ_CHECK(s.vdev->status & VIRTIO_STATUS_FEATURES_OK,
		   "offered features refused: 0x%llx",
		   (unsigned long long)want);
	virtio_enable_queue_locked(s.vdev, s.vq);
	virtio_set_status_locked(s.vdev, status | VIRTIO_STATUS_FEATURES_OK |
						 VIRTIO_STATUS_DRIVER_OK);
	pthread_mutex_unlock(&s.vdev->lock);
}

static void init_once(void)
{
	s.disk_fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
	s.null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	FUZZ_CHECK(s.disk_fd >= 0 && s.null_fd >= 0 &&
			   event_loop_init(&s.loop) == 0,
		   "setting up: %s", strerror(errno));
}

/* Every input starts from the same image (a write may have changed it). */
static void reset_disk(void)
{
	uint8_t pattern[DISK_SIZE];

	memset(pattern, 0xa5, sizeof(pattern));
	FUZZ_CHECK(pwrite(s.disk_fd, pattern, sizeof(pattern), 0) ==
			   sizeof(pattern),
		   "writing the image");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t setup = fuzz_u8(&in), sz = fuzz_u8(&in);
	uint16_t qsize = sz < 0xf0 ? 1u << (sz % 9) : fuzz_u16(&in);

	if (!s.null_fd)
		init_once();
	/* Discards at once: a private page's shared side reads as zeros. */
	fake_mem_reset(BACKING_MEMFD, false, false);
	s.avail_idx = 0;
	s.nr_private = 0;
	s.vdev = NULL;
	if ((setup & 7) % NR_KINDS == KIND_BLK)
		reset_disk();
	set_up(setup, qsize);
	for (unsigned int ops = 0; in.size && ops < 512; ops++)
		operation(&in);
	run();
	if (s.kind == KIND_BLK && s.readonly)
		check_disk();
	if (s.vdev)
		s.vdev->ops->free(s.vdev);
	if (s.kind == KIND_NET)
		close(s.tap_peer);
	return 0;
}
