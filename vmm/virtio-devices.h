/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-pci devices of a VM's config, on any architecture: the
 * platform (vmm/x86/pc-virtio.c, vmm/arm64/pci.c) says where the host
 * bridge is and how interrupts and notifications reach KVM.
 */
#ifndef CVMM_VM_VIRTIO_H
#define CVMM_VM_VIRTIO_H

#include "devices/virtio/pci.h"

struct vm;
struct vm_virtio;

/*
 * Create and plug every virtio device of vm->cfg->devices on plat (copied).
 * *ret is set even on failure: free it with vm_virtio_free() once no
 * vCPU runs.
 */
int __must_check vm_virtio_create(struct vm *vm,
				  const struct virtio_pci_platform *plat,
				  struct vm_virtio **ret);

/* Accepts NULL; returns NULL. */
struct vm_virtio *vm_virtio_free(struct vm_virtio *vv);

#endif
