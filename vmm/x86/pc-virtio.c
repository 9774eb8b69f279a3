// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-pci devices of a PC, from cfg->devices: the disks, the nets,
 * the rng, the console and vsock, in that order, each on its own PCI slot. Their
 * files and TAP devices are opened here, in vm_build(), before vm_run()
 * drops the privileges that opening them may need.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "devices/virtio/devices.h"
#include "devices/virtio/pci.h"
#include "lib/log.h"
#include "vmm/x86/pc.h"
#include "vmm/vm.h"

/* The _PRT in the DSDT sends INTA# of slot S to GSI 16 + S % 4. */
#define PCI_INTX_BASE_GSI 16

#define PC_VIRTIO_MAX (CFG_MAX_DISKS + CFG_MAX_NETS + 3)

struct pc_virtio {
	struct virtio_pci_platform plat;
	struct virtio_pci *devs[PC_VIRTIO_MAX];
	unsigned int nr_devs;
};

/* The transport's interrupt services, over vmm/irq.h. */
static int msi_route_add(void *ctx, uint32_t *ret_gsi)
{
	return irq_msi_route_add(ctx, 0, 0, ret_gsi);
}

static int msi_route_update(void *ctx, uint32_t gsi, uint64_t addr,
			    uint32_t data)
{
	return irq_msi_route_update(ctx, gsi, addr, data);
}

static int irqfd_assign(void *ctx, int fd, uint32_t gsi)
{
	return irq_irqfd_assign(ctx, fd, gsi);
}

static int ioeventfd_assign(void *ctx, int fd, uint64_t gpa)
{
	return irq_ioeventfd_assign(ctx, fd, gpa, 2, false, NULL);
}

static int ioeventfd_deassign(void *ctx, int fd, uint64_t gpa)
{
	return irq_ioeventfd_deassign(ctx, fd, gpa, 2, false, NULL);
}

static int signal_msi(void *ctx, uint64_t addr, uint32_t data)
{
	return irq_signal_msi(ctx, addr, data);
}

static int set_intx(void *ctx, uint32_t gsi, bool level)
{
	return irq_set_level(ctx, gsi, level);
}

static const struct virtio_pci_irq_ops irq_ops = {
	.msi_route_add = msi_route_add,
	.msi_route_update = msi_route_update,
	.irqfd_assign = irqfd_assign,
	.ioeventfd_assign = ioeventfd_assign,
	.ioeventfd_deassign = ioeventfd_deassign,
	.signal_msi = signal_msi,
	.set_intx = set_intx,
};

/* Put vdev (now owned by the transport) on the bus. */
static int plug(struct pc_virtio *pv, struct virtio_device *vdev)
{
	struct virtio_pci *vp = virtio_pci_alloc(vdev);
	int r;

	if (!vp) {
		vdev->ops->free(vdev);
		return log_error_errno(-ENOMEM, "allocating %s", vdev->name);
	}
	pv->devs[pv->nr_devs++] = vp;
	r = virtio_pci_plug(vp, &pv->plat);
	if (r < 0)
		return log_error_errno(r, "putting %s on the PCI bus",
				       vdev->name);
	return 0;
}

/*
 * A disk, locked like QEMU does (shared for read-only, exclusive
 * otherwise) so that two VMs cannot write one image.
 */
static int add_disk(struct vm *vm, struct pc_virtio *pv, unsigned int i)
{
	const struct disk_config *disk = &vm->cfg->devices.disks[i];
	struct virtio_device *vdev;
	int fd, r;

	fd = open(disk->path, (disk->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(-errno, "disk %s: cannot open it%s",
				       disk->path,
				       disk->readonly ? "" : " read-write");
	if (flock(fd, (disk->readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		r = -errno;
		close(fd);
		return log_error_errno(r, "disk %s: in use by another process",
				       disk->path);
	}
	r = virtio_blk_create(fd, disk->readonly, i, &vm->mem, &vdev);
	if (r == -EINVAL)
		return log_error_errno(r, "disk %s: its size is not a multiple of 512 bytes",
				       disk->path);
	if (r < 0)
		return log_error_errno(r, "disk %s", disk->path);
	return plug(pv, vdev);
}

/* A random locally administered unicast address. */
static int random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		return -EIO;
	mac[0] = (mac[0] & 0xfe) | 0x02;
	return 0;
}

static int add_net(struct vm *vm, struct pc_virtio *pv, unsigned int i)
{
	const struct net_config *net = &vm->cfg->devices.nets[i];
	struct virtio_device *vdev;
	uint8_t mac[6];
	int fd, r;

	/* A missing or wrong interface is the config's fault: -EINVAL. */
	r = virtio_net_open_tap(net->tap, &fd);
	if (r == -ENODEV) {
		log_error("net %s: no such network interface (cvmm attaches to an existing TAP device)",
			  net->tap);
		return -EINVAL;
	}
	if (r == -EINVAL)
		return log_error_errno(r, "net %s: not a TAP device (TUNSETIFF)",
				       net->tap);
	if (r == -ENOENT)
		return log_error_errno(r, "net %s: no /dev/net/tun (is the tun module loaded?)",
				       net->tap);
	if (r < 0)
		return log_error_errno(r, "net %s: attaching to the TAP device",
				       net->tap);
	if (net->mac_set)
		memcpy(mac, net->mac, sizeof(mac));
	else
		r = random_mac(mac);
	if (r < 0) {
		close(fd);
		return log_error_errno(r, "net %s: generating a MAC address",
				       net->tap);
	}
	r = virtio_net_create(fd, mac, i, &vm->loop, &vm->mem, &vdev);
	if (r < 0)
		return log_error_errno(r, "net %s", net->tap);
	return plug(pv, vdev);
}

/* vhost-vsock; a CID another VM holds is the config's fault: -EINVAL. */
static int add_vsock(struct vm *vm, struct pc_virtio *pv)
{
	unsigned long long cid = vm->cfg->devices.vsock.cid;
	struct virtio_device *vdev;
	int fd, r;

	fd = open("/dev/vhost-vsock", O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return log_error_errno(-ENOENT, "vsock: no /dev/vhost-vsock (is the vhost_vsock module loaded?)");
	if (fd < 0)
		return log_error_errno(-errno, "vsock: opening /dev/vhost-vsock");
	r = virtio_vsock_create(fd, cid, &vm->loop, &vm->mem, &vdev);
	if (r == -EADDRINUSE) {
		log_error("devices.vsock.cid: CID %llu is in use by another VM on this host (VHOST_VSOCK_SET_GUEST_CID: EADDRINUSE); pick another",
			  cid);
		return -EINVAL;
	}
	if (r < 0)
		return log_error_errno(r, "vsock: setting up vhost-vsock for CID %llu",
				       cid);
	return plug(pv, vdev);
}

static int add_devices(struct vm *vm, struct pc_virtio *pv)
{
	const struct vm_config *cfg = vm->cfg;
	struct virtio_device *vdev;
	int r;

	for (unsigned int i = 0; i < cfg->devices.nr_disks; i++) {
		r = add_disk(vm, pv, i);
		if (r < 0)
			return r;
	}
	for (unsigned int i = 0; i < cfg->devices.nr_nets; i++) {
		r = add_net(vm, pv, i);
		if (r < 0)
			return r;
	}
	if (cfg->devices.rng) {
		r = virtio_rng_create(&vm->mem, &vdev);
		if (r < 0)
			return log_error_errno(r, "creating virtio-rng");
		r = plug(pv, vdev);
		if (r < 0)
			return r;
	}
	if (cfg->devices.console) {
		r = virtio_console_create(STDOUT_FILENO, &vm->mem, &vdev);
		if (r < 0)
			return log_error_errno(r, "creating virtio-console");
		r = plug(pv, vdev);
		if (r < 0)
			return r;
	}
	if (cfg->devices.vsock.given)
		return add_vsock(vm, pv);
	return 0;
}

int pc_virtio_create(struct vm *vm)
{
	struct pc_virtio *pv = calloc(1, sizeof(*pv));

	if (!pv)
		return log_error_errno(-ENOMEM, "allocating virtio devices");
	vm->pc->virtio = pv;
	pv->plat = (struct virtio_pci_platform){
		.pci = &vm->pc->pci,
		.loop = &vm->loop,
		.irq = &irq_ops,
		.irq_ctx = &vm->irq,
		.intx_base = PCI_INTX_BASE_GSI,
	};
	return add_devices(vm, pv);
}

void pc_virtio_destroy(struct vm *vm)
{
	struct pc_virtio *pv = vm->pc->virtio;

	if (!pv)
		return;
	for (unsigned int i = 0; i < pv->nr_devs; i++)
		pv->devs[i] = virtio_pci_free(pv->devs[i]);
	free(pv);
	vm->pc->virtio = NULL;
}
