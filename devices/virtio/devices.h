/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio devices, one file each. A device is created from what the
 * VMM opened for it (before privileges are dropped) and handed to a
 * transport (virtio_pci_alloc()), which frees it. Errors are -errno, for
 * the caller to report.
 */
#ifndef CVMM_VIRTIO_DEVICES_H
#define CVMM_VIRTIO_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtio/virtio.h"
#include "lib/util.h"
#include "lib/event-loop.h"

struct guest_memory;

/*
 * virtio-blk on the raw image (or block device) fd, which it takes over;
 * index names it (serial "cvmm-disk<index>"). -EINVAL if its size is not
 * a whole number of 512-byte sectors.
 */
int __must_check virtio_blk_create(int fd, bool readonly, unsigned int index,
				   struct guest_memory *mem,
				   struct virtio_device **ret_vdev);

/*
 * Attach to the existing TAP interface name (never create one):
 * IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, nonblocking. -ENODEV if there is
 * no such interface, -EINVAL if it is not a TAP.
 */
int __must_check virtio_net_open_tap(const char *name, int *ret_fd);

/*
 * virtio-net on tap_fd (which it takes over), with this MAC address;
 * receiving is driven by the TAP's readiness on loop.
 */
int __must_check virtio_net_create(int tap_fd, const uint8_t mac[6],
				   unsigned int index, struct event_loop *loop,
				   struct guest_memory *mem,
				   struct virtio_device **ret_vdev);

/* virtio-rng, from getrandom(2). */
int __must_check virtio_rng_create(struct guest_memory *mem,
				   struct virtio_device **ret_vdev);

/* virtio-console with one port whose output goes to out_fd (not owned). */
int __must_check virtio_console_create(int out_fd, struct guest_memory *mem,
				       struct virtio_device **ret_vdev);

/*
 * virtio-vsock on vhost_fd (/dev/vhost-vsock, which it takes over) for the
 * guest CID cid. -EADDRINUSE: another VM has that CID. Needs guest memory
 * set up already: its shared side is vhost's memory table.
 */
int __must_check virtio_vsock_create(int vhost_fd, uint64_t cid,
				     struct event_loop *loop,
				     struct guest_memory *mem,
				     struct virtio_device **ret_vdev);

#endif
