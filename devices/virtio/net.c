// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-net (virtio 1.2 section 5.1) on an existing TAP interface: one
 * receive and one transmit queue, no offloads, no merged receive buffers,
 * no control queue. The TAP speaks the same 12-byte header (IFF_VNET_HDR
 * with TUNSETVNETHDRSZ), so packets move with one readv or writev
 * straight between the TAP and the guest's buffers.
 *
 * Receiving is driven by the TAP's readiness on the main loop; when the
 * guest has no receive buffers posted, the TAP is paused until it kicks
 * the receive queue. Only the main thread changes what the loop watches.
 */
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "devices/virtio/devices.h"
#include "lib/log.h"
#include "memory/memory.h"

/* Feature bits (section 5.1.3). */
#define VIRTIO_NET_F_MAC 5

#define RX_QUEUE 0
#define TX_QUEUE 1
/* Packets received per wake-up, so that other handlers get their turn. */
#define RX_BUDGET 64

/* Section 5.1.4; only mac matters without the other features. */
struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
} __packed;

/* Section 5.1.6: struct virtio_net_hdr with num_buffers (VERSION_1). */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

struct virtio_net {
	struct virtio_device vdev;
	struct virtio_net_config config;
	struct event_loop *loop;
	/* The TAP fd on the loop. */
	struct event_handler tap;
	bool tap_paused;
	char name[24];
};

static struct virtio_net *to_net(struct virtio_device *vdev)
{
	return (struct virtio_net *)((char *)vdev -
				     offsetof(struct virtio_net, vdev));
}

int virtio_net_open_tap(const char *name, int *ret_fd)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr_size = sizeof(struct virtio_net_hdr);
	_cleanup_close_ int fd = -1;

	if (strlen(name) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	/* TUNSETIFF would create a missing one; we attach, never create. */
	if (!if_nametoindex(name))
		return -ENODEV;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return -errno;
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0)
		return -errno;
	/* No offloads: the host hands over whole, checksummed packets. */
	if (ioctl(fd, TUNSETOFFLOAD, 0) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static void tap_pause(struct virtio_net *net, bool pause)
{
	int r;

	if (net->tap_paused == pause)
		return;
	r = event_loop_modify(net->loop, &net->tap, pause ? 0 : EPOLLIN);
	if (r < 0)
		log_debug("%s: watching the TAP: %s", net->name, errno_name(r));
	else
		net->tap_paused = pause;
}

/*
 * One packet into chain: returns the bytes written, or -EAGAIN when the
 * TAP has nothing (or failed), and the chain goes back.
 */
static int receive_one(struct virtio_net *net, struct virtio_chain *c)
{
	const uint16_t one = 1;
	ssize_t n;

	/* Too small even for the header, or unusable: returned empty. */
	if (c->bad || c->in_len < sizeof(struct virtio_net_hdr))
		return 0;
	n = readv(net->tap.fd, c->iov + c->nr_out, c->nr_in);
	if (n < 0) {
		if (errno != EAGAIN)
			log_debug("%s: reading the TAP: %s", net->name,
				  errno_name(-errno));
		return -EAGAIN;
	}
	/* Section 5.1.6.4: one buffer per packet without MRG_RXBUF. */
	virtio_chain_write(c, offsetof(struct virtio_net_hdr, num_buffers),
			   &one, sizeof(one));
	return MIN((size_t)n, c->in_len);
}

static void net_rx_locked(struct virtio_net *net)
{
	struct virtio_device *vdev = &net->vdev;
	struct virtqueue *vq = &vdev->vqs[RX_QUEUE];
	struct virtio_chain chain;

	/* What virtqueue_pop() found shared stays so until the push. */
	mem_shared_hold(vdev->mem);
	for (unsigned int budget = RX_BUDGET; budget; budget--) {
		int r = virtqueue_pop(vq, vdev->mem, &chain);

		if (r < 0) {
			virtio_set_needs_reset_locked(vdev);
			tap_pause(net, true);
			break;
		}
		if (r == 0) {
			if (virtqueue_arm(vq))
				continue;
			/* The guest's next receive buffer kicks us. */
			tap_pause(net, true);
			break;
		}
		r = receive_one(net, &chain);
		if (r == -EAGAIN) {
			virtqueue_unpop(vq);
			break;
		}
		virtqueue_push(vq, chain.head, r);
	}
	mem_shared_release(vdev->mem);
	virtio_queue_signal_locked(vdev, vq);
}

static void on_tap(struct event_handler *h, uint32_t revents)
{
	struct virtio_net *net = h->opaque;
	struct virtio_device *vdev = &net->vdev;

	(void)revents;
	pthread_mutex_lock(&vdev->lock);
	if (virtio_device_live_locked(vdev) && vdev->vqs[RX_QUEUE].enabled)
		net_rx_locked(net);
	else
		tap_pause(net, true);
	pthread_mutex_unlock(&vdev->lock);
}

/* A packet to send; dropped if malformed, as a NIC would. */
static uint32_t net_tx(struct virtio_device *vdev, struct virtio_chain *c)
{
	struct virtio_net *net = to_net(vdev);

	if (c->bad || c->out_len < sizeof(struct virtio_net_hdr))
		return 0;
	if (writev(net->tap.fd, c->iov, c->nr_out) < 0)
		log_debug("%s: writing to the TAP: %s", net->name,
			  errno_name(-errno));
	return 0;
}

static void net_queue_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	struct virtio_net *net = to_net(vdev);

	if (vq->index == TX_QUEUE) {
		virtio_queue_serve_locked(vdev, vq, net_tx);
		return;
	}
	/* New receive buffers: take packets again. */
	tap_pause(net, false);
	net_rx_locked(net);
}

static void net_free(struct virtio_device *vdev)
{
	struct virtio_net *net = to_net(vdev);

	if (net->tap.fd >= 0) {
		event_loop_remove(net->loop, &net->tap);
		close(net->tap.fd);
	}
	virtio_device_fini(vdev);
	free(net);
}

static const struct virtio_device_ops net_ops = {
	.queue_notify = net_queue_notify,
	.free = net_free,
};

int virtio_net_create(int tap_fd, const uint8_t mac[6], unsigned int index,
		      struct event_loop *loop, struct guest_memory *mem,
		      struct virtio_device **ret_vdev)
{
	_cleanup_close_ int owned = tap_fd;
	struct virtio_net *net = calloc(1, sizeof(*net));
	int r;

	if (!net)
		return -ENOMEM;
	snprintf(net->name, sizeof(net->name), "virtio-net%u", index);
	memcpy(net->config.mac, mac, sizeof(net->config.mac));
	net->config.max_virtqueue_pairs = 1;
	net->loop = loop;
	net->tap = (struct event_handler){
		.fd = tap_fd,
		.fn = on_tap,
		.opaque = net,
	};
	r = event_loop_add(loop, &net->tap, EPOLLIN);
	if (r < 0) {
		free(net);
		return r;
	}
	(void)TAKE_FD(owned);
	virtio_device_init(&net->vdev, net->name, VIRTIO_ID_NET,
			   VIRTIO_COMMON_FEATURES |
				   VIRTIO_BIT(VIRTIO_NET_F_MAC),
			   2, &net_ops, mem);
	net->vdev.config = &net->config;
	net->vdev.config_size = sizeof(net->config);
	*ret_vdev = &net->vdev;
	return 0;
}
