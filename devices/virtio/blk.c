// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk (virtio 1.2 section 5.2) on a raw image, one request queue.
 * Requests are served synchronously on the main thread with preadv and
 * pwritev straight between the image and the guest's buffers; a flush is
 * fdatasync. A request that breaks the rules fails with IOERR when its
 * status byte can be found, else it comes back with nothing written.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "devices/virtio/devices.h"

/* Feature bits (section 5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9

/* Request types and status (section 5.2.6). */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_ID_BYTES 20

#define SECTOR_SIZE 512
/* The header and the status take a descriptor each, at the least. */
#define BLK_SEG_MAX (VIRTQ_MAX_CHAIN - 2)

/* Section 5.2.4, up to num_queues. */
struct virtio_blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
} __packed;

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct virtio_blk {
	struct virtio_device vdev;
	struct virtio_blk_config config;
	int fd;
	bool readonly;
	char name[24];
	char serial[VIRTIO_BLK_ID_BYTES + 1];
	/* Scratch for the data part of a request. */
	struct iovec iov[VIRTQ_MAX_CHAIN];
};

static struct virtio_blk *to_blk(struct virtio_device *vdev)
{
	return (struct virtio_blk *)((char *)vdev -
				     offsetof(struct virtio_blk, vdev));
}

/* All of iov at off, through short transfers; -EIO at end of file. */
static int transfer(int fd, struct iovec *iov, unsigned int n, off_t off,
		    bool is_write)
{
	while (n) {
		ssize_t done = is_write ? pwritev(fd, iov, n, off) :
					  preadv(fd, iov, n, off);

		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return -errno;
		if (done == 0)
			return -EIO;
		off += done;
		iov_advance(&iov, &n, done);
	}
	return 0;
}

/* Whole sectors, all inside the disk. */
static bool in_disk(const struct virtio_blk *blk, uint64_t sector,
		    uint64_t len)
{
	return len % SECTOR_SIZE == 0 && sector <= blk->config.capacity &&
	       len / SECTOR_SIZE <= blk->config.capacity - sector;
}

static uint8_t blk_rw(struct virtio_blk *blk, const struct virtio_chain *c,
		      const struct virtio_blk_req_hdr *hdr, uint32_t *written)
{
	bool is_write = hdr->type == VIRTIO_BLK_T_OUT;
	/* Data after the header (a write), or before the status (a read). */
	uint64_t len = is_write ? c->out_len - sizeof(*hdr) : c->in_len - 1;
	unsigned int n = 0;

	if (is_write && blk->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (!in_disk(blk, hdr->sector, len))
		return VIRTIO_BLK_S_IOERR;
	if (len && is_write)
		n = virtio_chain_out_slice(c, sizeof(*hdr), len, blk->iov,
					   ARRAY_SIZE(blk->iov));
	else if (len)
		n = virtio_chain_in_slice(c, 0, len, blk->iov,
					  ARRAY_SIZE(blk->iov));
	if (len && !n)
		return VIRTIO_BLK_S_IOERR;
	if (transfer(blk->fd, blk->iov, n, hdr->sector * SECTOR_SIZE,
		     is_write) < 0)
		return VIRTIO_BLK_S_IOERR;
	if (!is_write)
		*written = len;
	return VIRTIO_BLK_S_OK;
}

static uint8_t blk_execute(struct virtio_blk *blk,
			   const struct virtio_chain *c,
			   const struct virtio_blk_req_hdr *hdr,
			   uint32_t *written)
{
	switch (hdr->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		return blk_rw(blk, c, hdr, written);
	case VIRTIO_BLK_T_FLUSH:
		return fdatasync(blk->fd) < 0 ? VIRTIO_BLK_S_IOERR :
						VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		/* 20 bytes, NUL-padded, no terminator needed (5.2.6). */
		*written = virtio_chain_write(c, 0, blk->serial,
					      MIN(c->in_len - 1,
						  VIRTIO_BLK_ID_BYTES));
		return VIRTIO_BLK_S_OK;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

static uint32_t blk_request(struct virtio_device *vdev,
			    struct virtio_chain *c)
{
	struct virtio_blk *blk = to_blk(vdev);
	uint8_t *status = virtio_chain_last_in(c);
	struct virtio_blk_req_hdr hdr;
	uint32_t written = 0;
	uint8_t st;

	/* No status byte to tell the driver anything: hand it back empty. */
	if (!status)
		return 0;
	if (c->bad || virtio_chain_read(c, 0, &hdr, sizeof(hdr)) != sizeof(hdr))
		st = VIRTIO_BLK_S_IOERR;
	else
		st = blk_execute(blk, c, &hdr, &written);
	*status = st;
	return written + 1;
}

static void blk_queue_notify(struct virtio_device *vdev, struct virtqueue *vq)
{
	virtio_queue_serve_locked(vdev, vq, blk_request);
}

static void blk_free(struct virtio_device *vdev)
{
	struct virtio_blk *blk = to_blk(vdev);

	close(blk->fd);
	virtio_device_fini(vdev);
	free(blk);
}

static const struct virtio_device_ops blk_ops = {
	.queue_notify = blk_queue_notify,
	.free = blk_free,
};

int virtio_blk_create(int fd, bool readonly, unsigned int index,
		      struct guest_memory *mem,
		      struct virtio_device **ret_vdev)
{
	uint64_t features = VIRTIO_COMMON_FEATURES |
			    VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
			    VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
			    VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);
	_cleanup_close_ int owned = fd;
	struct virtio_blk *blk;
	off_t size = lseek(fd, 0, SEEK_END);

	if (size < 0)
		return -errno;
	if (size % SECTOR_SIZE)
		return -EINVAL;
	blk = calloc(1, sizeof(*blk));
	if (!blk)
		return -ENOMEM;
	if (readonly)
		features |= VIRTIO_BIT(VIRTIO_BLK_F_RO);
	snprintf(blk->name, sizeof(blk->name), "virtio-blk%u", index);
	snprintf(blk->serial, sizeof(blk->serial), "cvmm-disk%u", index);
	blk->config = (struct virtio_blk_config){
		.capacity = size / SECTOR_SIZE,
		.seg_max = BLK_SEG_MAX,
		.blk_size = SECTOR_SIZE,
		.num_queues = 1,
	};
	blk->fd = TAKE_FD(owned);
	blk->readonly = readonly;
	virtio_device_init(&blk->vdev, blk->name, VIRTIO_ID_BLOCK, features, 1,
			   &blk_ops, mem);
	blk->vdev.config = &blk->config;
	blk->vdev.config_size = sizeof(blk->config);
	*ret_vdev = &blk->vdev;
	return 0;
}
