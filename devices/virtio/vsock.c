// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-vsock (virtio 1.2 section 5.10) on the kernel's vhost-vsock: the
 * guest reaches AF_VSOCK sockets of the host at its CID. Three queues, rx,
 * tx and event; the configuration is the guest's CID, le64.
 *
 * The kernel serves rx and tx itself (drivers/vhost/vsock.c): it reads the
 * rings and buffers at the host addresses of the memory table set here,
 * which is guest RAM's shared side, so a confidential guest's rings and
 * buffers must be memory it shared (ACCESS_PLATFORM makes Linux bounce
 * them there). The guest's notifications reach the kernel directly: the
 * queue's ioeventfd is the vring's kick. The kernel's interrupts come back
 * through an eventfd per queue that the main loop turns into the
 * transport's interrupt (MSI-X or INTx, masking and ISR included). The
 * event queue stays with cvmm, which never sends an event: its buffers
 * wait there, as the driver expects of a device that was not migrated.
 *
 * Set-up splits by thread: owner, CID, memory table and call eventfds when
 * the device is created (before seccomp); features, ring addresses, kicks
 * and running when the driver sets DRIVER_OK, and stopping at its reset,
 * both on the vCPU thread that writes the status register.
 */
#include <fcntl.h>
#include <linux/vhost.h>
#include <linux/virtio_vsock.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devices/virtio/devices.h"
#include "lib/byteorder.h"
#include "lib/log.h"
#include "memory/memory.h"

enum { VSOCK_RX, VSOCK_TX, VSOCK_EVENT, VSOCK_NR_QUEUES };
/* The queues vhost serves: rx and tx. */
#define VSOCK_VHOST_QUEUES 2
/* What the guest may get of vhost's offer (section 5.10.3). */
#define VSOCK_FEATURES \
	(VIRTIO_COMMON_FEATURES | VIRTIO_BIT(VIRTIO_VSOCK_F_SEQPACKET))

struct virtio_vsock {
	struct virtio_device vdev;
	int vhost_fd;
	bool running;
	struct event_loop *loop;
	/* vhost's interrupts for rx and tx (opaque: this device). */
	struct event_handler call[VSOCK_VHOST_QUEUES];
	/* Section 5.10.4: le64 guest_cid. */
	uint8_t config[8];
};

static struct virtio_vsock *to_vsock(struct virtio_device *vdev)
{
	return (struct virtio_vsock *)((char *)vdev -
				       offsetof(struct virtio_vsock, vdev));
}

/* ioctl() as -errno. */
static int vhost_ioctl(int fd, unsigned long req, const void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

/* The shared side of every region of guest RAM, where vhost reads. */
static int set_mem_table(int fd, const struct guest_memory *mem)
{
	_cleanup_free_ struct vhost_memory *table = NULL;
	unsigned int n = 0;

	table = calloc(1, sizeof(*table) +
			  mem->nr_regions * sizeof(table->regions[0]));
	if (!table)
		return -ENOMEM;
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		const struct mem_region *r = &mem->regions[i];

		if (!r->hva)
			continue;
		table->regions[n++] = (struct vhost_memory_region){
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uintptr_t)r->hva,
		};
	}
	table->nregions = n;
	return vhost_ioctl(fd, VHOST_SET_MEM_TABLE, table);
}

/* One of rx and tx, as the driver set it up. */
static int start_vring(int fd, const struct virtqueue *vq)
{
	struct vhost_vring_state num = { .index = vq->index, .num = vq->size };
	struct vhost_vring_state base = { .index = vq->index,
					  .num = vq->last_avail };
	struct vhost_vring_addr addr = {
		.index = vq->index,
		.desc_user_addr = (uintptr_t)vq->desc,
		.avail_user_addr = (uintptr_t)vq->avail,
		.used_user_addr = (uintptr_t)vq->used,
	};
	struct vhost_vring_file kick = { .index = vq->index,
					 .fd = vq->kick.fd };
	int r;

	r = vhost_ioctl(fd, VHOST_SET_VRING_NUM, &num);
	if (r == 0)
		r = vhost_ioctl(fd, VHOST_SET_VRING_BASE, &base);
	if (r == 0)
		r = vhost_ioctl(fd, VHOST_SET_VRING_ADDR, &addr);
	if (r == 0)
		r = vhost_ioctl(fd, VHOST_SET_VRING_KICK, &kick);
	return r;
}

/*
 * DRIVER_OK: the features the driver accepted, without ACCESS_PLATFORM
 * (with it vhost would translate through an IOTLB cvmm does not serve;
 * the memory table is already what the guest's DMA addresses mean, as
 * QEMU does without a vIOMMU), the rings, then running.
 */
static int vsock_start(struct virtio_device *vdev)
{
	struct virtio_vsock *vs = to_vsock(vdev);
	uint64_t features = vdev->driver_features &
			    ~VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM);
	int one = 1;
	int r;

	for (unsigned int i = 0; i < VSOCK_VHOST_QUEUES; i++) {
		if (!vdev->vqs[i].enabled) {
			log_debug("%s: DRIVER_OK with queue %u not enabled",
				  vdev->name, i);
			return -EINVAL;
		}
	}
	r = vhost_ioctl(vs->vhost_fd, VHOST_SET_FEATURES, &features);
	for (unsigned int i = 0; r == 0 && i < VSOCK_VHOST_QUEUES; i++)
		r = start_vring(vs->vhost_fd, &vdev->vqs[i]);
	if (r == 0)
		r = vhost_ioctl(vs->vhost_fd, VHOST_VSOCK_SET_RUNNING, &one);
	if (r < 0) {
		log_warning("%s: starting vhost-vsock: %s", vdev->name,
			    errno_name(r));
		return r;
	}
	vs->running = true;
	return 0;
}

/* Section 2.4: vhost lets go of the rings before the driver reuses them. */
static void vsock_reset(struct virtio_device *vdev)
{
	struct virtio_vsock *vs = to_vsock(vdev);
	int zero = 0;
	int r;

	if (!vs->running)
		return;
	r = vhost_ioctl(vs->vhost_fd, VHOST_VSOCK_SET_RUNNING, &zero);
	if (r < 0)
		log_warning("%s: stopping vhost-vsock: %s", vdev->name,
			    errno_name(r));
	vs->running = false;
}

/* rx and tx are vhost's; the event queue's buffers wait for an event. */
static void vsock_queue_notify(struct virtio_device *vdev,
			       struct virtqueue *vq)
{
	(void)vdev;
	(void)vq;
}

/* vhost used buffers of a queue and wants the guest told. Main thread. */
static void vsock_call(struct event_handler *h, uint32_t revents)
{
	struct virtio_vsock *vs = h->opaque;
	uint16_t index = h == &vs->call[VSOCK_RX] ? VSOCK_RX : VSOCK_TX;
	uint64_t count;

	(void)revents;
	if (read(h->fd, &count, sizeof(count)) < 0)
		return;
	pthread_mutex_lock(&vs->vdev.lock);
	if (vs->running && virtio_device_live_locked(&vs->vdev))
		vs->vdev.signal(vs->vdev.signal_ctx, index);
	pthread_mutex_unlock(&vs->vdev.lock);
}

static void vsock_free(struct virtio_device *vdev)
{
	struct virtio_vsock *vs = to_vsock(vdev);

	for (unsigned int i = 0; i < VSOCK_VHOST_QUEUES; i++) {
		if (vs->call[i].fd < 0)
			continue;
		event_loop_remove(vs->loop, &vs->call[i]);
		close(vs->call[i].fd);
	}
	/* Closing the device stops vhost and forgets the CID. */
	if (vs->vhost_fd >= 0)
		close(vs->vhost_fd);
	virtio_device_fini(vdev);
	free(vs);
}

static const struct virtio_device_ops vsock_ops = {
	.queue_notify = vsock_queue_notify,
	.reset = vsock_reset,
	.start = vsock_start,
	.free = vsock_free,
};

/* An eventfd per vhost queue, on the main loop and given to vhost. */
static int add_calls(struct virtio_vsock *vs)
{
	for (unsigned int i = 0; i < VSOCK_VHOST_QUEUES; i++) {
		struct event_handler *h = &vs->call[i];
		struct vhost_vring_file call = { .index = i };
		int r;

		h->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (h->fd < 0)
			return -errno;
		r = event_loop_add(vs->loop, h, EPOLLIN);
		if (r < 0) {
			close(h->fd);
			h->fd = -1;
			return r;
		}
		call.fd = h->fd;
		r = vhost_ioctl(vs->vhost_fd, VHOST_SET_VRING_CALL, &call);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Owner, features offered, CID, memory table, interrupts. */
static int vsock_setup(struct virtio_vsock *vs, uint64_t cid,
		       struct guest_memory *mem)
{
	uint64_t host_features;
	int r;

	r = vhost_ioctl(vs->vhost_fd, VHOST_SET_OWNER, NULL);
	if (r == 0)
		r = vhost_ioctl(vs->vhost_fd, VHOST_GET_FEATURES,
				&host_features);
	if (r < 0)
		return r;
	/* ACCESS_PLATFORM is for the guest only (vsock_start()). */
	vs->vdev.features = VSOCK_FEATURES &
			    (host_features |
			     VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM));
	r = vhost_ioctl(vs->vhost_fd, VHOST_VSOCK_SET_GUEST_CID, &cid);
	if (r < 0)
		return r;
	r = set_mem_table(vs->vhost_fd, mem);
	if (r < 0)
		return r;
	return add_calls(vs);
}

int virtio_vsock_create(int vhost_fd, uint64_t cid, struct event_loop *loop,
			struct guest_memory *mem,
			struct virtio_device **ret_vdev)
{
	struct virtio_vsock *vs = calloc(1, sizeof(*vs));
	int r;

	if (!vs) {
		close(vhost_fd);
		return -ENOMEM;
	}
	virtio_device_init(&vs->vdev, "virtio-vsock", VIRTIO_ID_VSOCK, 0,
			   VSOCK_NR_QUEUES, &vsock_ops, mem);
	vs->vhost_fd = vhost_fd;
	vs->loop = loop;
	for (unsigned int i = 0; i < VSOCK_VHOST_QUEUES; i++)
		vs->call[i] = (struct event_handler){ .fd = -1,
						      .fn = vsock_call,
						      .opaque = vs };
	put_le64(vs->config, cid);
	vs->vdev.config = vs->config;
	vs->vdev.config_size = sizeof(vs->config);
	r = vsock_setup(vs, cid, mem);
	if (r < 0) {
		vsock_free(&vs->vdev);
		return r;
	}
	*ret_vdev = &vs->vdev;
	return 0;
}
