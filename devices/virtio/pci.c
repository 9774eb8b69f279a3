// SPDX-License-Identifier: GPL-2.0-only
/*
 * The modern virtio-pci transport (virtio 1.2 section 4.1); the model is
 * in pci.h. Register accesses come from vCPU threads (the BAR handler,
 * the config_write hook), queue interrupts from the main thread; both
 * under vdev->lock.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/virtio/pci.h"
#include "lib/log.h"

/* Section 4.1.2: vendor, and device IDs of modern devices. */
#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040
#define VIRTIO_PCI_REVISION 1
/*
 * Section 4.1.2.1: a non-transitional device's subsystem device ID is
 * 0x40 or higher (below are the legacy device types); OVMF's Virtio10Dxe
 * drives only such devices.
 */
#define VIRTIO_PCI_SUBSYSTEM_ID 0x40

/* Section 4.1.4: vendor capability types. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11

/* Section 4.1.4.5: ISR status bits. */
#define VIRTIO_ISR_QUEUE 0x1
#define VIRTIO_ISR_CONFIG 0x2

/* Section 4.1.5.1.2: "no vector". */
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* MSI-X (PCI 3.0 section 6.8.2): message control and vector control. */
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000
#define MSIX_ENTRY_MASKED 0x1
#define MSIX_ENTRY_SIZE 16

/* The BAR: one 4 KiB region per structure. */
#define VP_BAR 0
#define VP_COMMON_OFF 0x0000
#define VP_ISR_OFF 0x1000
#define VP_DEVICE_OFF 0x2000
#define VP_NOTIFY_OFF 0x3000
#define VP_MSIX_TABLE_OFF 0x4000
#define VP_MSIX_PBA_OFF 0x5000
#define VP_REGION_SIZE 0x1000
#define VP_BAR_SIZE 0x8000
/* Each queue its own notify address (section 4.1.4.4). */
#define VP_NOTIFY_MULT 4

/* Config space: where the capabilities sit. */
#define CAP_MSIX 0x40
#define CAP_COMMON 0x50
#define CAP_NOTIFY 0x60
#define CAP_ISR 0x78
#define CAP_DEVICE 0x88
#define CAP_PCI_CFG 0x98
#define CAP_VIRTIO_LEN 16
#define CAP_NOTIFY_LEN 20
#define CAP_PCI_CFG_LEN 20
/* struct virtio_pci_cfg_cap: bar, offset, length, then the data window. */
#define PCI_CFG_BAR (CAP_PCI_CFG + 4)
#define PCI_CFG_OFFSET (CAP_PCI_CFG + 8)
#define PCI_CFG_LENGTH (CAP_PCI_CFG + 12)
#define PCI_CFG_DATA (CAP_PCI_CFG + 16)

/* Section 4.1.4.3. */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t config_msix_vector;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;
	uint64_t queue_driver;
	uint64_t queue_device;
} __packed;

_Static_assert(sizeof(struct virtio_pci_common_cfg) == 0x38,
	       "common configuration layout");

#define COMMON(field) offsetof(struct virtio_pci_common_cfg, field)

static const uint32_t class_of[] = {
	[VIRTIO_ID_NET] = 0x020000,	/* Ethernet */
	[VIRTIO_ID_BLOCK] = 0x018000,	/* mass storage, other */
	[VIRTIO_ID_CONSOLE] = 0x078000,	/* communication, other */
	[VIRTIO_ID_RNG] = 0x00ff00,	/* unclassified */
};

static uint32_t class_code(uint32_t id)
{
	return id < ARRAY_SIZE(class_of) ? class_of[id] : 0xff0000;
}

static uint32_t intx_gsi(const struct virtio_pci *vp)
{
	return vp->plat->intx_base + vp->slot % 4;
}

/* Bus 0: the requester ID is the devfn, function 0 of the slot. */
static uint32_t requester_id(const struct virtio_pci *vp)
{
	return vp->slot << 3;
}

static void update_intx_locked(struct virtio_pci *vp)
{
	bool level = vp->isr && !vp->msix_enabled && !vp->intx_disabled;
	int r;

	if (level == vp->intx_level)
		return;
	r = vp->plat->irq->set_intx(vp->plat->irq_ctx, intx_gsi(vp), level);
	if (r < 0)
		log_debug("%s: INTx: %s", vp->vdev->name, errno_name(r));
	else
		vp->intx_level = level;
}

static void msix_fire_locked(struct virtio_pci *vp,
			     struct virtio_msix_vector *v)
{
	const struct virtio_pci_platform *plat = vp->plat;
	uint64_t one = 1;
	int r = 0;

	/* A route we could not update: deliver the message by hand. */
	if (v->dirty)
		r = plat->irq->signal_msi(plat->irq_ctx, requester_id(vp),
					  (uint64_t)v->addr_hi << 32 |
						  v->addr_lo,
					  v->data);
	else if (write(v->irqfd, &one, sizeof(one)) < 0)
		r = -errno;
	if (r < 0)
		log_debug("%s: MSI-X: %s", vp->vdev->name, errno_name(r));
}

static bool msix_masked_locked(const struct virtio_pci *vp,
			       const struct virtio_msix_vector *v)
{
	return vp->msix_masked || (v->ctrl & MSIX_ENTRY_MASKED);
}

/* An unmasked vector: bring its route up to date, deliver what waited. */
static void msix_unmasked_locked(struct virtio_pci *vp,
				 struct virtio_msix_vector *v)
{
	const struct virtio_pci_platform *plat = vp->plat;

	if (v->dirty &&
	    plat->irq->msi_route_update(plat->irq_ctx, v->gsi,
					(uint64_t)v->addr_hi << 32 |
						v->addr_lo,
					v->data) == 0)
		v->dirty = false;
	if (v->pending) {
		v->pending = false;
		msix_fire_locked(vp, v);
	}
}

static void vp_signal(void *ctx, uint16_t what)
{
	struct virtio_pci *vp = ctx;
	struct virtio_msix_vector *v;
	uint16_t vector;

	if (!vp->msix_enabled) {
		vp->isr |= what == VIRTIO_IRQ_CONFIG ? VIRTIO_ISR_CONFIG :
						       VIRTIO_ISR_QUEUE;
		update_intx_locked(vp);
		return;
	}
	vector = what == VIRTIO_IRQ_CONFIG ? vp->config_vector :
					     vp->queue_vector[what];
	if (vector >= vp->nr_vectors)
		return;
	v = &vp->msix[vector];
	if (msix_masked_locked(vp, v))
		v->pending = true;
	else
		msix_fire_locked(vp, v);
}

/* The transport's part of a device reset (section 4.1.4.3.1). */
static void vp_reset_locked(struct virtio_pci *vp)
{
	vp->device_feature_select = vp->driver_feature_select = 0;
	vp->queue_select = 0;
	vp->config_vector = VIRTIO_MSI_NO_VECTOR;
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vp->queue_vector[i] = VIRTIO_MSI_NO_VECTOR;
	for (unsigned int i = 0; i < vp->nr_vectors; i++)
		vp->msix[i].pending = false;
	vp->isr = 0;
	update_intx_locked(vp);
}

static struct virtqueue *selected_vq(struct virtio_pci *vp)
{
	struct virtio_device *vdev = vp->vdev;

	return vp->queue_select < vdev->nr_vqs ?
		       &vdev->vqs[vp->queue_select] : NULL;
}

static void common_image(struct virtio_pci *vp,
			 struct virtio_pci_common_cfg *c)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtqueue *vq = selected_vq(vp);

	*c = (struct virtio_pci_common_cfg){
		.device_feature_select = vp->device_feature_select,
		.driver_feature_select = vp->driver_feature_select,
		.config_msix_vector = vp->config_vector,
		.num_queues = vdev->nr_vqs,
		.device_status = vdev->status,
		.queue_select = vp->queue_select,
		.queue_msix_vector = VIRTIO_MSI_NO_VECTOR,
	};
	if (vp->device_feature_select < 2)
		c->device_feature = vdev->features >>
				    (32 * vp->device_feature_select);
	if (vp->driver_feature_select < 2)
		c->driver_feature = vdev->driver_features >>
				    (32 * vp->driver_feature_select);
	if (!vq)
		return;
	c->queue_size = vq->size;
	c->queue_msix_vector = vp->queue_vector[vq->index];
	c->queue_enable = vq->enabled;
	c->queue_notify_off = vq->index;
	c->queue_desc = vq->desc_gpa;
	c->queue_driver = vq->avail_gpa;
	c->queue_device = vq->used_gpa;
}

static void common_read(struct virtio_pci *vp, uint32_t off, uint8_t *data,
			uint32_t size)
{
	struct virtio_pci_common_cfg c;

	if (off + size > sizeof(c))
		return;
	common_image(vp, &c);
	memcpy(data, (uint8_t *)&c + off, size);
}

static uint16_t valid_vector(const struct virtio_pci *vp, uint16_t v)
{
	return v < vp->nr_vectors ? v : VIRTIO_MSI_NO_VECTOR;
}

/* Set bytes [lo, lo + 4) or all 8 of a 64-bit register. */
static void set_addr(uint64_t *reg, uint32_t off, uint32_t size, uint64_t v)
{
	if (size == 8)
		*reg = v;
	else if (off & 4)
		*reg = (*reg & 0xffffffffull) | v << 32;
	else
		*reg = (*reg & ~0xffffffffull) | (uint32_t)v;
}

static void queue_write(struct virtio_pci *vp, uint32_t off, uint32_t size,
			uint64_t v)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtqueue *vq = selected_vq(vp);

	/* Section 4.1.4.3.2: the layout is fixed once the queue is on. */
	if (!vq || (vq->enabled && off != COMMON(queue_msix_vector)))
		return;
	if (off == COMMON(queue_size) && size == 2)
		vq->size = v;
	else if (off == COMMON(queue_msix_vector) && size == 2)
		vp->queue_vector[vq->index] = valid_vector(vp, v);
	else if (off == COMMON(queue_enable) && size == 2 && v == 1)
		virtio_enable_queue_locked(vdev, vq);
	else if (size < 4)
		return;
	else if (off >= COMMON(queue_desc) && off < COMMON(queue_driver))
		set_addr(&vq->desc_gpa, off, size, v);
	else if (off >= COMMON(queue_driver) && off < COMMON(queue_device))
		set_addr(&vq->avail_gpa, off, size, v);
	else if (off >= COMMON(queue_device))
		set_addr(&vq->used_gpa, off, size, v);
}

static void common_write(struct virtio_pci *vp, uint32_t off, uint32_t size,
			 uint64_t v)
{
	struct virtio_device *vdev = vp->vdev;

	/* Registers are written whole, 64-bit ones also as two halves. */
	if (off + size > sizeof(struct virtio_pci_common_cfg) ||
	    (off & (size - 1)) || (size == 8 && off < COMMON(queue_desc)))
		return;
	switch (off) {
	case COMMON(device_feature_select):
		vp->device_feature_select = v;
		break;
	case COMMON(driver_feature_select):
		vp->driver_feature_select = v;
		break;
	case COMMON(driver_feature):
		virtio_set_driver_features_locked(vdev,
						  vp->driver_feature_select, v);
		break;
	case COMMON(config_msix_vector):
		vp->config_vector = valid_vector(vp, v);
		break;
	case COMMON(device_status):
		if (size != 1)
			break;
		virtio_set_status_locked(vdev, v);
		if (!v)
			vp_reset_locked(vp);
		break;
	case COMMON(queue_select):
		vp->queue_select = v;
		break;
	default:
		if (off >= COMMON(queue_size))
			queue_write(vp, off, size, v);
		break;
	}
}

static void isr_read(struct virtio_pci *vp, uint8_t *data, bool peek)
{
	data[0] = vp->isr;
	/* Section 4.1.4.5: reading clears it and the interrupt. */
	if (peek)
		return;
	vp->isr = 0;
	update_intx_locked(vp);
}

static void msix_table_write32(struct virtio_pci *vp, uint32_t off,
			       uint32_t v)
{
	struct virtio_msix_vector *e = &vp->msix[off / MSIX_ENTRY_SIZE];
	bool was_masked = msix_masked_locked(vp, e);

	switch (off % MSIX_ENTRY_SIZE) {
	case 0:
		e->addr_lo = v;
		break;
	case 4:
		e->addr_hi = v;
		break;
	case 8:
		e->data = v;
		break;
	default:
		e->ctrl = v & MSIX_ENTRY_MASKED;
		break;
	}
	if (off % MSIX_ENTRY_SIZE < 12)
		e->dirty = true;
	/* Unmasked, or reprogrammed while unmasked (Linux masks first). */
	if (vp->msix_enabled && !msix_masked_locked(vp, e) &&
	    (was_masked || e->dirty))
		msix_unmasked_locked(vp, e);
}

static void msix_table_access(struct virtio_pci *vp, uint32_t off,
			      uint8_t *data, uint32_t size, bool is_write)
{
	uint32_t image[4];
	uint32_t v[2];

	if (off + size > vp->nr_vectors * MSIX_ENTRY_SIZE)
		goto unclaimed;
	if (!is_write) {
		const struct virtio_msix_vector *e =
			&vp->msix[off / MSIX_ENTRY_SIZE];

		/* Within one entry: the layout is 16-byte aligned. */
		if (off % MSIX_ENTRY_SIZE + size > MSIX_ENTRY_SIZE)
			goto unclaimed;
		image[0] = e->addr_lo;
		image[1] = e->addr_hi;
		image[2] = e->data;
		image[3] = e->ctrl;
		memcpy(data, (uint8_t *)image + off % MSIX_ENTRY_SIZE, size);
		return;
	}
	/* PCI 3.0 section 6.8.2: DWORD or aligned QWORD accesses. */
	if ((size != 4 && size != 8) || (off & (size - 1)))
		return;
	memcpy(v, data, size);
	msix_table_write32(vp, off, v[0]);
	if (size == 8)
		msix_table_write32(vp, off + 4, v[1]);
	return;

unclaimed:
	if (!is_write)
		memset(data, 0, size);
}

static void msix_pba_read(struct virtio_pci *vp, uint32_t off, uint8_t *data,
			  uint32_t size)
{
	uint64_t bits = 0;

	for (unsigned int i = 0; i < vp->nr_vectors; i++)
		bits |= (uint64_t)vp->msix[i].pending << i;
	memset(data, 0, size);
	if (off < sizeof(bits))
		memcpy(data, (uint8_t *)&bits + off,
		       MIN(size, sizeof(bits) - off));
}

static void notify_write(struct virtio_pci *vp, uint32_t off)
{
	struct virtio_device *vdev = vp->vdev;
	uint64_t one = 1;
	uint32_t q = off / VP_NOTIFY_MULT;

	/* A width the ioeventfd did not match: kick the queue ourselves. */
	if (q < vdev->nr_vqs && write(vdev->vqs[q].kick.fd, &one,
				      sizeof(one)) < 0)
		log_debug("%s: kick of queue %u: %s", vdev->name, q,
			  errno_name(-errno));
}

/*
 * One access to the BAR at off. peek: a read without side effects, for
 * the PCI configuration access capability's data window.
 */
static void bar_access_locked(struct virtio_pci *vp, uint32_t off,
			      uint8_t *data, uint32_t size, bool is_write,
			      bool peek)
{
	struct virtio_device *vdev = vp->vdev;
	uint32_t region = off & ~(VP_REGION_SIZE - 1);
	uint32_t roff = off - region;
	uint64_t v = 0;

	if (!is_write)
		memset(data, 0, size);
	if (roff + size > VP_REGION_SIZE)
		return;
	memcpy(&v, data, size);
	switch (region) {
	case VP_COMMON_OFF:
		if (is_write)
			common_write(vp, roff, size, v);
		else
			common_read(vp, roff, data, size);
		break;
	case VP_ISR_OFF:
		if (!is_write && roff == 0)
			isr_read(vp, data, peek);
		break;
	case VP_DEVICE_OFF:
		/* Our devices' configuration is read-only. */
		if (!is_write && roff + size <= vdev->config_size)
			memcpy(data, (const uint8_t *)vdev->config + roff,
			       size);
		break;
	case VP_NOTIFY_OFF:
		if (is_write)
			notify_write(vp, roff);
		break;
	case VP_MSIX_TABLE_OFF:
		msix_table_access(vp, roff, data, size, is_write);
		break;
	case VP_MSIX_PBA_OFF:
		if (!is_write)
			msix_pba_read(vp, roff, data, size);
		break;
	}
}

/* The host found the BAR at the access's address, decoding. */
static int bar_access(struct pci_device *dev, unsigned int bar,
		      uint64_t offset, uint8_t *data, uint32_t size,
		      bool is_write)
{
	struct virtio_pci *vp = dev->opaque;

	(void)bar;
	pthread_mutex_lock(&vp->vdev->lock);
	bar_access_locked(vp, offset, data, size, is_write, false);
	pthread_mutex_unlock(&vp->vdev->lock);
	return BUS_DONE;
}

static uint64_t notify_gpa(uint64_t bar, unsigned int queue)
{
	return bar + VP_NOTIFY_OFF + queue * VP_NOTIFY_MULT;
}

static void ioeventfds_off_locked(struct virtio_pci *vp, unsigned int nr)
{
	const struct virtio_pci_platform *plat = vp->plat;
	int r;

	for (unsigned int i = 0; i < nr; i++) {
		r = plat->irq->ioeventfd_deassign(plat->irq_ctx,
						  vp->vdev->vqs[i].kick.fd,
						  notify_gpa(vp->ioeventfd_bar,
							     i));
		if (r < 0)
			log_debug("%s: ioeventfd of queue %u at 0x%llx: %s",
				  vp->vdev->name, i,
				  (unsigned long long)notify_gpa(vp->ioeventfd_bar, i),
				  errno_name(r));
	}
	vp->ioeventfd_bar = VP_NO_IOEVENTFDS;
}

/*
 * The ioeventfds follow the BAR: off at the old place, on at the new
 * one. Where KVM refuses one (another device's ioeventfd at that address,
 * while a guest reshuffles BARs), the device has none: its notify writes
 * then exit to notify_write(), which kicks the same eventfds.
 */
static void follow_bar_locked(struct virtio_pci *vp)
{
	const struct virtio_pci_platform *plat = vp->plat;
	struct virtio_device *vdev = vp->vdev;
	uint64_t bar;
	int r;

	if (!pci_mem_bar_addr(&vp->pci, VP_BAR, &bar))
		bar = VP_NO_IOEVENTFDS;
	if (bar == vp->ioeventfd_bar)
		return;
	if (vp->ioeventfd_bar != VP_NO_IOEVENTFDS)
		ioeventfds_off_locked(vp, vdev->nr_vqs);
	if (bar == VP_NO_IOEVENTFDS)
		return;
	vp->ioeventfd_bar = bar;
	for (unsigned int i = 0; i < vdev->nr_vqs; i++) {
		r = plat->irq->ioeventfd_assign(plat->irq_ctx, vdev->vqs[i].kick.fd,
						notify_gpa(bar, i));
		if (r == 0)
			continue;
		log_debug("%s: no ioeventfd at 0x%llx: %s", vdev->name,
			  (unsigned long long)notify_gpa(bar, i), errno_name(r));
		ioeventfds_off_locked(vp, i);
		return;
	}
	log_debug("%s: BAR at 0x%llx", vdev->name, (unsigned long long)bar);
}

/*
 * The PCI configuration access capability: the window at PCI_CFG_DATA
 * reads and writes length bytes of the BAR at offset. Writes go through
 * when the window is written; reads are answered by refreshing the window
 * whenever bar, offset or length change (the host bridge has no read
 * hook), so a read through it does not clear the ISR.
 */
static void pci_cfg_window(struct virtio_pci *vp, uint32_t reg,
			   uint32_t size)
{
	uint8_t *cfg = vp->pci.cfg;
	uint32_t off = pci_cfg_read32(cfg, PCI_CFG_OFFSET);
	uint32_t len = pci_cfg_read32(cfg, PCI_CFG_LENGTH);
	bool is_write;

	if (!ranges_overlap(reg, size, PCI_CFG_BAR, PCI_CFG_DATA + 4 -
						    PCI_CFG_BAR))
		return;
	is_write = ranges_overlap(reg, size, PCI_CFG_DATA, 4);
	if (cfg[PCI_CFG_BAR] != VP_BAR || (len != 1 && len != 2 && len != 4) ||
	    off % len || off >= VP_BAR_SIZE)
		return;
	bar_access_locked(vp, off, cfg + PCI_CFG_DATA, len, is_write,
			  !is_write);
}

static void config_write(struct pci_device *dev, uint32_t reg, uint32_t size)
{
	struct virtio_pci *vp = dev->opaque;
	uint16_t cmd = dev->cfg[PCI_COMMAND] | dev->cfg[PCI_COMMAND + 1] << 8;
	uint16_t ctrl = dev->cfg[CAP_MSIX + 2] | dev->cfg[CAP_MSIX + 3] << 8;
	bool msix_was_on;

	pthread_mutex_lock(&vp->vdev->lock);
	follow_bar_locked(vp);
	vp->intx_disabled = cmd & PCI_COMMAND_INTX_DISABLE;
	msix_was_on = vp->msix_enabled && !vp->msix_masked;
	vp->msix_enabled = ctrl & MSIX_CTRL_ENABLE;
	vp->msix_masked = ctrl & MSIX_CTRL_MASKALL;
	if (vp->msix_enabled && !vp->msix_masked && !msix_was_on)
		for (unsigned int i = 0; i < vp->nr_vectors; i++)
			if (!(vp->msix[i].ctrl & MSIX_ENTRY_MASKED))
				msix_unmasked_locked(vp, &vp->msix[i]);
	update_intx_locked(vp);
	pci_cfg_window(vp, reg, size);
	pthread_mutex_unlock(&vp->vdev->lock);
}

static void put_cap(uint8_t *cfg, uint8_t at, uint8_t next, uint8_t len,
		    uint8_t type, uint32_t offset, uint32_t length)
{
	cfg[at] = PCI_CAP_ID_VNDR;
	cfg[at + 1] = next;
	cfg[at + 2] = len;
	cfg[at + 3] = type;
	cfg[at + 4] = VP_BAR;
	pci_cfg_write32(cfg, at + 8, offset);
	pci_cfg_write32(cfg, at + 12, length);
}

static void build_config(struct virtio_pci *vp)
{
	struct virtio_device *vdev = vp->vdev;
	uint8_t *cfg = vp->pci.cfg, *wmask = vp->pci.wmask;
	uint8_t after_isr = vdev->config_size ? CAP_DEVICE : CAP_PCI_CFG;
	uint16_t device = VIRTIO_PCI_DEVICE_BASE + vdev->id;

	pci_cfg_write32(cfg, PCI_VENDOR_ID, VIRTIO_PCI_VENDOR | device << 16);
	cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	pci_cfg_write32(cfg, PCI_REVISION_ID,
			VIRTIO_PCI_REVISION | class_code(vdev->id) << 8);
	pci_cfg_write32(cfg, PCI_SUBSYSTEM_VENDOR_ID,
			VIRTIO_PCI_VENDOR | VIRTIO_PCI_SUBSYSTEM_ID << 16);
	cfg[PCI_CAPABILITY_LIST] = CAP_MSIX;
	cfg[PCI_INTERRUPT_PIN] = 1;
	wmask[PCI_COMMAND] = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	wmask[PCI_COMMAND + 1] = PCI_COMMAND_INTX_DISABLE >> 8;
	wmask[PCI_INTERRUPT_LINE] = 0xff;
	pci_set_mem_bar(&vp->pci, VP_BAR, vp->bar_gpa, VP_BAR_SIZE, false);

	cfg[CAP_MSIX] = PCI_CAP_ID_MSIX;
	cfg[CAP_MSIX + 1] = CAP_COMMON;
	cfg[CAP_MSIX + 2] = vp->nr_vectors - 1;
	wmask[CAP_MSIX + 3] = (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL) >> 8;
	pci_cfg_write32(cfg, CAP_MSIX + 4, VP_MSIX_TABLE_OFF | VP_BAR);
	pci_cfg_write32(cfg, CAP_MSIX + 8, VP_MSIX_PBA_OFF | VP_BAR);

	put_cap(cfg, CAP_COMMON, CAP_NOTIFY, CAP_VIRTIO_LEN,
		VIRTIO_PCI_CAP_COMMON_CFG, VP_COMMON_OFF,
		sizeof(struct virtio_pci_common_cfg));
	put_cap(cfg, CAP_NOTIFY, CAP_ISR, CAP_NOTIFY_LEN,
		VIRTIO_PCI_CAP_NOTIFY_CFG, VP_NOTIFY_OFF,
		vdev->nr_vqs * VP_NOTIFY_MULT);
	pci_cfg_write32(cfg, CAP_NOTIFY + 16, VP_NOTIFY_MULT);
	put_cap(cfg, CAP_ISR, after_isr, CAP_VIRTIO_LEN,
		VIRTIO_PCI_CAP_ISR_CFG, VP_ISR_OFF, 1);
	if (vdev->config_size)
		put_cap(cfg, CAP_DEVICE, CAP_PCI_CFG, CAP_VIRTIO_LEN,
			VIRTIO_PCI_CAP_DEVICE_CFG, VP_DEVICE_OFF,
			vdev->config_size);
	put_cap(cfg, CAP_PCI_CFG, 0, CAP_PCI_CFG_LEN, VIRTIO_PCI_CAP_PCI_CFG,
		0, 0);
	memset(wmask + PCI_CFG_BAR, 0xff, 1);
	memset(wmask + PCI_CFG_OFFSET, 0xff, PCI_CFG_DATA + 4 - PCI_CFG_OFFSET);
}

struct virtio_pci *virtio_pci_alloc(struct virtio_device *vdev)
{
	struct virtio_pci *vp = calloc(1, sizeof(*vp));

	if (!vp)
		return NULL;
	vp->vdev = vdev;
	vp->pci.name = vdev->name;
	vp->pci.config_write = config_write;
	vp->pci.bar_access = bar_access;
	vp->pci.opaque = vp;
	vp->ioeventfd_bar = VP_NO_IOEVENTFDS;
	vp->nr_vectors = vdev->nr_vqs + 1;
	for (unsigned int i = 0; i < VIRTIO_PCI_MAX_VECTORS; i++)
		vp->msix[i] = (struct virtio_msix_vector){
			.ctrl = MSIX_ENTRY_MASKED,
			.irqfd = -1,
		};
	vdev->signal = vp_signal;
	vdev->signal_ctx = vp;
	vp_reset_locked(vp);
	return vp;
}

/* A kick eventfd per queue, ioeventfd at its notify address later. */
static int plug_queues(struct virtio_pci *vp)
{
	const struct virtio_pci_platform *plat = vp->plat;
	struct virtio_device *vdev = vp->vdev;
	int r;

	for (unsigned int i = 0; i < vdev->nr_vqs; i++) {
		struct event_handler *kick = &vdev->vqs[i].kick;

		kick->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (kick->fd < 0)
			return -errno;
		r = event_loop_add(plat->loop, kick, EPOLLIN);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A route (not delivering yet) and an irqfd per MSI-X vector. */
static int plug_vectors(struct virtio_pci *vp)
{
	const struct virtio_pci_platform *plat = vp->plat;
	int r;

	for (unsigned int i = 0; i < vp->nr_vectors; i++) {
		struct virtio_msix_vector *v = &vp->msix[i];

		v->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->irqfd < 0)
			return -errno;
		r = plat->irq->msi_route_add(plat->irq_ctx, requester_id(vp),
					     &v->gsi);
		if (r < 0)
			return r;
		r = plat->irq->irqfd_assign(plat->irq_ctx, v->irqfd, v->gsi);
		if (r < 0)
			return r;
	}
	return 0;
}

int virtio_pci_plug(struct virtio_pci *vp,
		    const struct virtio_pci_platform *plat)
{
	int r;

	vp->plat = plat;
	r = pci_alloc_mmio(plat->pci, VP_BAR_SIZE, false, &vp->bar_gpa);
	if (r < 0)
		return r;
	build_config(vp);
	/*
	 * The slot first: the MSI routes carry the requester ID. No vCPU
	 * runs yet, so the guest cannot reach the half-plugged device.
	 */
	r = pci_add_device(plat->pci, &vp->pci, &vp->slot);
	if (r < 0)
		return r;
	vp->pci.cfg[PCI_INTERRUPT_LINE] = intx_gsi(vp);
	r = plug_queues(vp);
	if (r < 0)
		return r;
	r = plug_vectors(vp);
	if (r < 0)
		return r;
	return 0;
}

struct virtio_pci *virtio_pci_free(struct virtio_pci *vp)
{
	struct virtio_device *vdev;

	if (!vp)
		return NULL;
	vdev = vp->vdev;
	for (unsigned int i = 0; i < vdev->nr_vqs; i++) {
		struct event_handler *kick = &vdev->vqs[i].kick;

		if (kick->fd < 0)
			continue;
		/* KVM's ioeventfd keeps the file, and so its epoll entry. */
		if (vp->plat)
			event_loop_remove(vp->plat->loop, kick);
		close(kick->fd);
	}
	for (unsigned int i = 0; i < vp->nr_vectors; i++)
		if (vp->msix[i].irqfd >= 0)
			close(vp->msix[i].irqfd);
	vdev->ops->free(vdev);
	free(vp);
	return NULL;
}
