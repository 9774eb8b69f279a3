// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-pci devices of cfg->devices: the disks, the nets, the rng,
 * the console and vsock, in that order, each on its own PCI slot of the
 * host bridge the platform names (vmm/x86/pc-virtio.c on the PC,
 * vmm/arm64/pci.c on arm64). Their files, TAP devices and vhost-vsock are
 * opened here, in vm_build(), before vm_run() drops the privileges that
 * opening them may need.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "devices/virtio/devices.h"
#include "lib/log.h"
#include "vmm/virtio-devices.h"
#include "vmm/vm.h"

#define VM_VIRTIO_MAX (CFG_MAX_DISKS + CFG_MAX_NETS + 3)

struct vm_virtio {
	/* The transports point at it: it lives as long as they do. */
	struct virtio_pci_platform plat;
	struct virtio_pci *devs[VM_VIRTIO_MAX];
	unsigned int nr_devs;
};

/* Put vdev (now owned by the transport) on the bus. */
static int plug(struct vm_virtio *vv, struct virtio_device *vdev)
{
	struct virtio_pci *vp = virtio_pci_alloc(vdev);
	int r;

	if (!vp) {
		vdev->ops->free(vdev);
		return log_error_errno(-ENOMEM, "allocating %s", vdev->name);
	}
	vv->devs[vv->nr_devs++] = vp;
	r = virtio_pci_plug(vp, &vv->plat);
	if (r < 0)
		return log_error_errno(r, "putting %s on the PCI bus",
				       vdev->name);
	return 0;
}

/*
 * A disk, locked like QEMU does (shared for read-only, exclusive
 * otherwise) so that two VMs cannot write one image.
 */
static int add_disk(struct vm *vm, struct vm_virtio *vv, unsigned int i)
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
	return plug(vv, vdev);
}

/* A random locally administered unicast address. */
static int random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		return -EIO;
	mac[0] = (mac[0] & 0xfe) | 0x02;
	return 0;
}

static int add_net(struct vm *vm, struct vm_virtio *vv, unsigned int i)
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
	return plug(vv, vdev);
}

/* vhost-vsock; a CID another VM holds is the config's fault: -EINVAL. */
static int add_vsock(struct vm *vm, struct vm_virtio *vv)
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
	return plug(vv, vdev);
}

static int add_devices(struct vm *vm, struct vm_virtio *vv)
{
	const struct vm_config *cfg = vm->cfg;
	struct virtio_device *vdev;
	int r;

	for (unsigned int i = 0; i < cfg->devices.nr_disks; i++) {
		r = add_disk(vm, vv, i);
		if (r < 0)
			return r;
	}
	for (unsigned int i = 0; i < cfg->devices.nr_nets; i++) {
		r = add_net(vm, vv, i);
		if (r < 0)
			return r;
	}
	if (cfg->devices.rng) {
		r = virtio_rng_create(&vm->mem, &vdev);
		if (r < 0)
			return log_error_errno(r, "creating virtio-rng");
		r = plug(vv, vdev);
		if (r < 0)
			return r;
	}
	if (cfg->devices.console) {
		r = virtio_console_create(STDOUT_FILENO, &vm->mem, &vdev);
		if (r < 0)
			return log_error_errno(r, "creating virtio-console");
		r = plug(vv, vdev);
		if (r < 0)
			return r;
	}
	if (cfg->devices.vsock.given)
		return add_vsock(vm, vv);
	return 0;
}

int vm_virtio_create(struct vm *vm, const struct virtio_pci_platform *plat,
		     struct vm_virtio **ret)
{
	struct vm_virtio *vv = calloc(1, sizeof(*vv));

	if (!vv)
		return log_error_errno(-ENOMEM, "allocating virtio devices");
	vv->plat = *plat;
	*ret = vv;
	return add_devices(vm, vv);
}

struct vm_virtio *vm_virtio_free(struct vm_virtio *vv)
{
	if (!vv)
		return NULL;
	for (unsigned int i = 0; i < vv->nr_devs; i++)
		vv->devs[i] = virtio_pci_free(vv->devs[i]);
	free(vv);
	return NULL;
}
