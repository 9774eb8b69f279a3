// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI configuration space and virtio-pci registers as a hostile guest
 * drives them: config cycles through 0xcf8/0xcfc and ECAM to the host
 * bridge and to virtio-blk, -net, -rng and -console on a PCI bus (with an
 * interrupt platform that records instead of calling KVM), accesses of
 * every width to their BARs (common configuration, ISR, device
 * configuration, notifications, MSI-X table and PBA), the PCI
 * configuration access window, BAR sizing and moves, resets at any point,
 * rings and buffers in guest memory (fake-mem.h), kicks and TAP packets
 * served as the main loop would.
 *
 * Properties: nothing crashes and every access gets BUS_DONE; absent
 * functions read all-ones; FEATURES_OK only ever holds offered features
 * with VERSION_1; an enabled queue has a valid size and mapped rings;
 * vectors the transport stores exist; interrupts go only to GSIs the
 * transport was given, and INTx only changes level; ioeventfds follow
 * the BARs: a device has all its queues' at the notify addresses of its
 * BAR while memory decoding is on (or none, where KVM refused one), none
 * while it is off, and never one KVM would refuse (a second at an address
 * or an fd assigned twice) or a deassign of one it does not hold.
 *
 * Input: operations of a kind byte and its arguments; op 3 runs a
 * driver's start-up sequence through the BAR, so that mutations start
 * from working devices.
 */
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/virtio/devices.h"
#include "devices/virtio/pci.h"
#include "fake-mem.h"

#define NR_DEVS 4
#define MAX_IOEVENTFDS 64
#define FIRST_GSI 24
#define MAX_GSI 64
#define INTX_BASE 16
#define RING_GPA(dev, q) (0x100000ull + (dev) * 0x40000ull + (q) * 0x10000ull)
#define BUF_GPA 0x200000ull
#define DISK_SIZE 0x10000
/* virtio-pci BAR layout (devices/virtio/pci.c). */
#define BAR_SIZE 0x8000
#define ISR_OFF 0x1000
#define NOTIFY_OFF 0x3000
#define MSIX_OFF 0x4000
#define CAP_MSIX 0x40

/*
 * The operations, by the kind byte modulo NR_OPS. The seeds
 * (make-virtio-seeds.py, which checks its numbers against these) spell
 * the bytes out: a new operation goes at the end, so that every byte
 * below the old NR_OPS keeps its meaning.
 */
enum op {
	OP_CONFIG = 0,		/* config cycle: ports or ECAM by the next byte */
	OP_CONFIG_TOO = 1,	/* the same, twice as likely as the others */
	OP_BAR = 2,
	OP_START = 3,
	OP_REQUEST = 4,
	OP_DISPATCH = 5,
	OP_STORE = 6,
	OP_PACKET = 7,
	OP_MOVE_BAR = 8,
	OP_RING_PRIVATE = 9,
	NR_OPS
};

static struct {
	struct bus pio, mmio;
	struct pci_host pci;
	struct event_loop loop;
	struct virtio_pci *vps[NR_DEVS];
	struct virtio_pci_platform plat;
	int disk_fd, null_fd, tap_peer;
	uint32_t next_gsi;
	bool intx_level[4];
	uint16_t avail_idx[NR_DEVS][4];
	/* KVM's ioeventfds, as KVM_IOEVENTFD would hold them. */
	struct {
		int fd;
		uint64_t gpa;
	} ioeventfds[MAX_IOEVENTFDS];
	unsigned int nr_ioeventfds;
} s;

static int fake_route_add(void *ctx, uint32_t devid, uint32_t *ret_gsi)
{
	(void)ctx;
	(void)devid;
	FUZZ_CHECK(s.next_gsi < MAX_GSI, "too many MSI routes");
	*ret_gsi = s.next_gsi++;
	return 0;
}

static void check_gsi(uint32_t gsi)
{
	FUZZ_CHECK(gsi >= FIRST_GSI && gsi < s.next_gsi,
		   "GSI %u was never allocated", gsi);
}

static int fake_route_update(void *ctx, uint32_t gsi, uint64_t addr,
			     uint32_t data)
{
	(void)ctx;
	(void)addr;
	(void)data;
	check_gsi(gsi);
	/* KVM can refuse too (memory): the transport must cope. */
	return data == 0xdead ? -ENOMEM : 0;
}

static int fake_irqfd(void *ctx, int fd, uint32_t gsi)
{
	(void)ctx;
	FUZZ_CHECK(fd >= 0, "irqfd %d", fd);
	check_gsi(gsi);
	return 0;
}

/* KVM refuses a second ioeventfd of the same address and length. */
static int fake_ioeventfd(void *ctx, int fd, uint64_t gpa)
{
	(void)ctx;
	FUZZ_CHECK(fd >= 0 && s.nr_ioeventfds < MAX_IOEVENTFDS,
		   "ioeventfd %d at 0x%llx", fd, (unsigned long long)gpa);
	for (unsigned int i = 0; i < s.nr_ioeventfds; i++) {
		FUZZ_CHECK(s.ioeventfds[i].fd != fd,
			   "fd %d assigned at 0x%llx and 0x%llx", fd,
			   (unsigned long long)s.ioeventfds[i].gpa,
			   (unsigned long long)gpa);
		if (s.ioeventfds[i].gpa == gpa)
			return -EEXIST;
	}
	s.ioeventfds[s.nr_ioeventfds].fd = fd;
	s.ioeventfds[s.nr_ioeventfds++].gpa = gpa;
	return 0;
}

static int fake_ioeventfd_off(void *ctx, int fd, uint64_t gpa)
{
	(void)ctx;
	for (unsigned int i = 0; i < s.nr_ioeventfds; i++) {
		if (s.ioeventfds[i].fd != fd || s.ioeventfds[i].gpa != gpa)
			continue;
		s.ioeventfds[i] = s.ioeventfds[--s.nr_ioeventfds];
		return 0;
	}
	FUZZ_CHECK(false, "deassign of fd %d at 0x%llx, which KVM does not hold",
		   fd, (unsigned long long)gpa);
	return -ENOENT;
}

/* Where fd's ioeventfd is, or UINT64_MAX. */
static uint64_t ioeventfd_of(int fd)
{
	for (unsigned int i = 0; i < s.nr_ioeventfds; i++)
		if (s.ioeventfds[i].fd == fd)
			return s.ioeventfds[i].gpa;
	return UINT64_MAX;
}

static int fake_signal_msi(void *ctx, uint32_t devid, uint64_t addr,
			   uint32_t data)
{
	(void)ctx;
	(void)devid;
	(void)addr;
	(void)data;
	return 0;
}

static int fake_set_intx(void *ctx, uint32_t gsi, bool level)
{
	(void)ctx;
	FUZZ_CHECK(gsi >= INTX_BASE && gsi < INTX_BASE + 4, "INTx GSI %u",
		   gsi);
	/* Devices share lines; each changes its own level only. */
	s.intx_level[gsi - INTX_BASE] = level;
	return 0;
}

static const struct virtio_pci_irq_ops fake_irq = {
	.msi_route_add = fake_route_add,
	.msi_route_update = fake_route_update,
	.irqfd_assign = fake_irqfd,
	.ioeventfd_assign = fake_ioeventfd,
	.ioeventfd_deassign = fake_ioeventfd_off,
	.signal_msi = fake_signal_msi,
	.set_intx = fake_set_intx,
};

static struct virtio_device *create(unsigned int i)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	struct virtio_device *vdev = NULL;
	int sv[2], r;

	switch (i) {
	case 0:
		r = virtio_blk_create(dup(s.disk_fd), false, 0, fm.mem, &vdev);
		break;
	case 1:
		FUZZ_CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
						       SOCK_CLOEXEC,
				      0, sv) == 0,
			   "socketpair: %s", strerror(errno));
		s.tap_peer = sv[1];
		r = virtio_net_create(sv[0], mac, 0, &s.loop, fm.mem, &vdev);
		break;
	case 2:
		r = virtio_rng_create(fm.mem, &vdev);
		break;
	default:
		r = virtio_console_create(s.null_fd, fm.mem, &vdev);
		break;
	}
	FUZZ_CHECK(r == 0, "creating device %u: %d", i, r);
	return vdev;
}

static void set_up(void)
{
	bus_free(&s.pio);
	bus_free(&s.mmio);
	FUZZ_CHECK(pci_host_init(&s.pci, &s.pio, &s.mmio, 8ull << 20) == 0,
		   "host bridge");
	s.next_gsi = FIRST_GSI;
	memset(s.intx_level, 0, sizeof(s.intx_level));
	memset(s.avail_idx, 0, sizeof(s.avail_idx));
	s.nr_ioeventfds = 0;
	for (unsigned int i = 0; i < NR_DEVS; i++) {
		s.vps[i] = virtio_pci_alloc(create(i));
		FUZZ_CHECK(s.vps[i] && virtio_pci_plug(s.vps[i], &s.plat) == 0,
			   "plugging device %u", i);
	}
}

static void tear_down(void)
{
	for (unsigned int i = 0; i < NR_DEVS; i++)
		s.vps[i] = virtio_pci_free(s.vps[i]);
	close(s.tap_peer);
	pthread_mutex_destroy(&s.pci.lock);
}

static int bus_op(bool is_mmio, uint64_t addr, uint8_t *data, uint32_t size,
		  bool is_write)
{
	int r = bus_access(is_mmio ? &s.mmio : &s.pio, addr, data, size,
			   is_write);

	FUZZ_CHECK(r == BUS_DONE || r == -ENODEV,
		   "access to 0x%llx gave %d", (unsigned long long)addr, r);
	return r;
}

static uint64_t ecam(unsigned int slot, uint32_t reg)
{
	return PCI_ECAM_BASE + ((uint64_t)slot << 15) + reg;
}

static void cfg_write(unsigned int slot, uint32_t reg, uint32_t size,
		      uint32_t v)
{
	(void)bus_op(true, ecam(slot, reg), (uint8_t *)&v, size, true);
}

/* Where the guest put the BAR, decoding or not. */
static uint64_t bar_of(unsigned int dev)
{
	return pci_cfg_read32(s.vps[dev]->pci.cfg, PCI_BAR0) & ~0xfull;
}

/* The guest moves a BAR: anywhere in the hole, or onto another's. */
static void move_bar(struct fuzz_input *in)
{
	uint8_t dev = fuzz_u8(in) % NR_DEVS, how = fuzz_u8(in);
	uint32_t to = how & 1 ? bar_of(fuzz_u8(in) % NR_DEVS) :
				0xc0000000u + fuzz_u16(in) * (uint32_t)BAR_SIZE;

	if (how & 2)
		cfg_write(s.vps[dev]->slot, PCI_COMMAND, 2, 0);
	cfg_write(s.vps[dev]->slot, PCI_BAR0, 4, to);
	if (how & 4)
		cfg_write(s.vps[dev]->slot, PCI_COMMAND, 2,
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

static void bar_write(unsigned int dev, uint32_t off, uint32_t size,
		      uint64_t v)
{
	(void)bus_op(true, bar_of(dev) + off, (uint8_t *)&v, size, true);
}

/* Config cycles, through the ports or ECAM, to slots 0-5. */
static void config_cycle(struct fuzz_input *in, bool use_ecam)
{
	uint8_t how = fuzz_u8(in), slot = fuzz_u8(in) % 6;
	uint32_t size = 1u << (how & 3), reg = fuzz_u16(in);
	bool is_write = how & 4;
	uint32_t v = fuzz_u32(in), addr;
	uint8_t data[8] = { 0 };
	int r;

	if (size == 8)
		size = 4;
	memcpy(data, &v, 4);
	if (use_ecam) {
		reg %= PCI_CFG_SIZE;
		(void)bus_op(true, ecam(slot, reg), data, size, is_write);
		return;
	}
	addr = 0x80000000u | slot << 11 | (reg & 0xfc);
	if (how & 8)
		addr = v;
	(void)bus_op(false, PCI_CONFIG_ADDRESS, (uint8_t *)&addr, 4, true);
	r = bus_op(false, PCI_CONFIG_DATA + (reg & 3), data, size, is_write);
	if (r == BUS_DONE && !is_write && slot > NR_DEVS && !(how & 8))
		FUZZ_CHECK(!memcmp(data, "\xff\xff\xff\xff", size),
			   "an empty slot should read all-ones");
}

/* An access to a BAR: near a structure of the layout, or anywhere. */
static void bar_access(struct fuzz_input *in)
{
	static const uint32_t regions[] = { 0, ISR_OFF, 0x2000, NOTIFY_OFF,
					    MSIX_OFF, 0x5000, BAR_SIZE - 8 };
	uint8_t how = fuzz_u8(in), dev = fuzz_u8(in) % NR_DEVS;
	uint32_t size = 1u << (how & 3);
	uint32_t off = regions[(how >> 3) % ARRAY_SIZE(regions)] +
		       fuzz_u8(in) % 0x40;
	uint64_t v = fuzz_u64(in);

	(void)bus_op(true, bar_of(dev) + off, (uint8_t *)&v, size, how & 4);
}

/*
 * A driver's start-up (virtio 1.2 section 3.1.1) through the registers:
 * decoding on, features, every queue with rings at RING_GPA, vectors,
 * DRIVER_OK, MSI-X on. arg varies the features and queue sizes.
 */
static void driver_start(struct fuzz_input *in)
{
	uint8_t dev = fuzz_u8(in) % NR_DEVS, arg = fuzz_u8(in);
	struct virtio_device *vdev = s.vps[dev]->vdev;
	unsigned int slot = s.vps[dev]->slot;
	uint64_t feat = vdev->features & (arg & 1 ? ~0ull : ~0xf0000000ull);

	cfg_write(slot, PCI_COMMAND, 2,
		  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	bar_write(dev, 0x14, 1, 0);
	bar_write(dev, 0x14, 1,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	for (uint32_t sel = 0; sel < 2; sel++) {
		bar_write(dev, 0x08, 4, sel);
		bar_write(dev, 0x0c, 4, (uint32_t)(feat >> (32 * sel)));
	}
	bar_write(dev, 0x14, 1, 0x0b);
	for (uint16_t q = 0; q < vdev->nr_vqs; q++) {
		bar_write(dev, 0x16, 2, q);
		bar_write(dev, 0x18, 2, 1u << ((arg >> 1) % 9));
		bar_write(dev, 0x1a, 2, q + 1);
		bar_write(dev, 0x20, 8, RING_GPA(dev, q));
		bar_write(dev, 0x28, 4, RING_GPA(dev, q) + 0x4000);
		bar_write(dev, 0x2c, 4, 0);
		bar_write(dev, 0x30, 8, RING_GPA(dev, q) + 0x8000);
		bar_write(dev, 0x1c, 2, 1);
	}
	bar_write(dev, 0x10, 2, 0);
	bar_write(dev, 0x14, 1, 0x0f);
	for (uint32_t v = 0; v <= vdev->nr_vqs; v++) {
		bar_write(dev, MSIX_OFF + 16 * v, 8, 0xfee00000ull);
		bar_write(dev, MSIX_OFF + 16 * v + 8, 4, 0x40 + v);
		bar_write(dev, MSIX_OFF + 16 * v + 12, 4, 0);
	}
	if (!(arg & 0x80))
		cfg_write(slot, CAP_MSIX + 2, 2, 0x8000);
}

/* A request: descriptor i of a queue, published, and the queue notified. */
static void request(struct fuzz_input *in)
{
	uint8_t dev = fuzz_u8(in) % NR_DEVS, q = fuzz_u8(in) % 2;
	uint8_t i = fuzz_u8(in), flags = fuzz_u8(in) & 7;
	uint32_t len = fuzz_u16(in);
	uint64_t ring = RING_GPA(dev, q);
	struct virtq_desc d = {
		.addr = BUF_GPA + (uint64_t)fuzz_u8(in) * FM_PAGE,
		.len = len,
		.flags = flags,
		.next = fuzz_u8(in),
	};
	uint16_t *idx = &s.avail_idx[dev][q];
	uint8_t *desc = mem_gpa_to_hva(fm.mem, ring + 16ull * i, 16);
	uint8_t *avail = mem_gpa_to_hva(fm.mem, ring + 0x4000, 4 + 2 * 256);

	memcpy(desc, &d, sizeof(d));
	memcpy(avail + 4 + 2 * (*idx % 256), &(uint16_t){ i }, 2);
	++*idx;
	memcpy(avail + 2, idx, 2);
	bar_write(dev, NOTIFY_OFF + 4 * q, 2, q);
}

/* One round of the main loop, without waiting. */
static void dispatch(void)
{
	struct epoll_event events[16];
	int n = epoll_wait(s.loop.epfd, events, 16, 0);

	for (int i = 0; i < n; i++) {
		struct event_handler *h = events[i].data.ptr;

		if (h != &s.loop.stop)
			h->fn(h, events[i].events);
	}
	/* What the device sent, so that the socket never fills up. */
	while (recv(s.tap_peer, NULL, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
}

static void guest_store(struct fuzz_input *in)
{
	uint64_t gpa = fuzz_u8(in) % 2 ? BUF_GPA + fuzz_u16(in) * 16ull :
					  RING_GPA(fuzz_u8(in) % NR_DEVS, 0) +
						  fuzz_u16(in) % 0x20000;
	uint64_t v = fuzz_u64(in);
	uint8_t *hva = mem_gpa_to_hva(fm.mem, gpa, sizeof(v));

	if (hva)
		memcpy(hva, &v, sizeof(v));
}

/* The guest makes a device's first ring page private. */
static void ring_private(struct fuzz_input *in)
{
	fake_mem_op_start();
	(void)mem_convert(fm.mem, RING_GPA(fuzz_u8(in) % NR_DEVS, 0), FM_PAGE,
			  true, CONV_ORIGIN_EXPLICIT, NULL);
}

/* All queues' ioeventfds at the decoding BAR's notify addresses, or none. */
static void check_ioeventfds(const struct virtio_pci *vp)
{
	const struct virtio_device *vdev = vp->vdev;
	uint64_t bar = 0;
	bool decoding = pci_mem_bar_addr(&vp->pci, 0, &bar);
	bool first = ioeventfd_of(vdev->vqs[0].kick.fd) != UINT64_MAX;

	for (unsigned int i = 0; i < vdev->nr_vqs; i++) {
		uint64_t at = ioeventfd_of(vdev->vqs[i].kick.fd);

		FUZZ_CHECK(first ? decoding && at == bar + NOTIFY_OFF + 4 * i :
				   at == UINT64_MAX,
			   "%s: queue %u's ioeventfd at 0x%llx, BAR at 0x%llx%s",
			   vdev->name, i, (unsigned long long)at,
			   (unsigned long long)bar,
			   decoding ? "" : " not decoding");
	}
}

static void check_device(const struct virtio_pci *vp)
{
	const struct virtio_device *vdev = vp->vdev;

	check_ioeventfds(vp);
	if (vdev->status & VIRTIO_STATUS_FEATURES_OK)
		FUZZ_CHECK(!(vdev->driver_features & ~vdev->features) &&
				   !vdev->driver_features_unknown &&
				   virtio_has_feature(vdev, VIRTIO_F_VERSION_1),
			   "%s: FEATURES_OK with 0x%llx", vdev->name,
			   (unsigned long long)vdev->driver_features);
	FUZZ_CHECK(vp->config_vector < vp->nr_vectors ||
			   vp->config_vector == 0xffff,
		   "config vector %u", vp->config_vector);
	for (unsigned int i = 0; i < vdev->nr_vqs; i++) {
		const struct virtqueue *vq = &vdev->vqs[i];

		FUZZ_CHECK(vp->queue_vector[i] < vp->nr_vectors ||
				   vp->queue_vector[i] == 0xffff,
			   "queue vector %u", vp->queue_vector[i]);
		if (!vq->enabled)
			continue;
		FUZZ_CHECK(vq->size && vq->size <= VIRTQ_MAX_SIZE &&
				   !(vq->size & (vq->size - 1)),
			   "enabled queue of size %u", vq->size);
		FUZZ_CHECK((void *)vq->desc ==
					   mem_gpa_to_hva(fm.mem, vq->desc_gpa,
							  1) &&
				   vq->used == mem_gpa_to_hva(fm.mem,
							      vq->used_gpa, 1),
			   "enabled queue with unmapped rings");
	}
}

static void init_once(void)
{
	uint8_t zero[DISK_SIZE] = { 0 };

	s.disk_fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
	s.null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	FUZZ_CHECK(s.disk_fd >= 0 && s.null_fd >= 0 &&
			   pwrite(s.disk_fd, zero, sizeof(zero), 0) ==
				   sizeof(zero) &&
			   event_loop_init(&s.loop) == 0,
		   "setting up: %s", strerror(errno));
	s.pio.name = "pio";
	s.mmio.name = "mmio";
	s.plat = (struct virtio_pci_platform){
		.pci = &s.pci,
		.loop = &s.loop,
		.irq = &fake_irq,
		.intx_base = INTX_BASE,
	};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t pkt[256] = { 0 };

	if (!s.null_fd)
		init_once();
	fake_mem_reset(BACKING_MEMFD, false, false);
	set_up();
	for (unsigned int ops = 0; in.size && ops < 256; ops++) {
		switch (fuzz_u8(&in) % NR_OPS) {
		case OP_CONFIG:
		case OP_CONFIG_TOO:
			config_cycle(&in, fuzz_u8(&in) & 1);
			break;
		case OP_BAR:
			bar_access(&in);
			break;
		case OP_START:
			driver_start(&in);
			break;
		case OP_REQUEST:
			request(&in);
			break;
		case OP_DISPATCH:
			dispatch();
			break;
		case OP_STORE:
			guest_store(&in);
			break;
		case OP_PACKET:
			(void)send(s.tap_peer, pkt, fuzz_u8(&in), MSG_DONTWAIT);
			break;
		case OP_MOVE_BAR:
			move_bar(&in);
			break;
		case OP_RING_PRIVATE:
			ring_private(&in);
			break;
		}
		for (unsigned int i = 0; i < NR_DEVS; i++)
			check_device(s.vps[i]);
	}
	dispatch();
	tear_down();
	return 0;
}
