// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-console (virtio 1.2 section 5.3) with a single port and no
 * multiport: the guest's hvc0. Its output goes to an fd (cvmm's stdout,
 * beside the serial console, which stays the main console and owns
 * stdin). Nothing is ever received: buffers posted on the receive queue
 * stay with us until reset.
 */
#include <stddef.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "devices/virtio/devices.h"
#include "lib/log.h"

#define RX_QUEUE 0
#define TX_QUEUE 1

/* Section 5.3.4; meaningful only with features we do not offer. */
struct virtio_console_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
} __packed;

struct virtio_console {
	struct virtio_device vdev;
	struct virtio_console_config config;
	int out_fd;
};

static struct virtio_console *to_console(struct virtio_device *vdev)
{
	return (struct virtio_console *)((char *)vdev -
					 offsetof(struct virtio_console, vdev));
}

/* Write all of it, or give up on an error: output is best effort. */
static void write_all(int fd, struct iovec *iov, unsigned int n)
{
	while (n) {
		ssize_t done = writev(fd, iov, n);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0) {
			log_debug("virtio-console: output: %s",
				  errno_name(done < 0 ? -errno : -EIO));
			return;
		}
		iov_advance(&iov, &n, done);
	}
}

static uint32_t console_tx(struct virtio_device *vdev, struct virtio_chain *c)
{
	if (!c->bad)
		write_all(to_console(vdev)->out_fd, c->iov, c->nr_out);
	return 0;
}

static void console_queue_notify(struct virtio_device *vdev,
				 struct virtqueue *vq)
{
	if (vq->index == TX_QUEUE)
		virtio_queue_serve_locked(vdev, vq, console_tx);
}

static void console_free(struct virtio_device *vdev)
{
	virtio_device_fini(vdev);
	free(to_console(vdev));
}

static const struct virtio_device_ops console_ops = {
	.queue_notify = console_queue_notify,
	.free = console_free,
};

int virtio_console_create(int out_fd, struct guest_memory *mem,
			  struct virtio_device **ret_vdev)
{
	struct virtio_console *con = calloc(1, sizeof(*con));

	if (!con)
		return -ENOMEM;
	con->out_fd = out_fd;
	con->config.max_nr_ports = 1;
	virtio_device_init(&con->vdev, "virtio-console", VIRTIO_ID_CONSOLE,
			   VIRTIO_COMMON_FEATURES, 2, &console_ops, mem);
	con->vdev.config = &con->config;
	con->vdev.config_size = sizeof(con->config);
	*ret_vdev = &con->vdev;
	return 0;
}
