// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building and tearing down a VM (running it is vm-run.c). vm_build()
 * reads top to bottom in the order KVM requires; what differs between
 * architectures is behind the hooks of vmm/arch.h, whose comments say
 * what each one must do. The config has passed vm_validate().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/arch.h"
#include "vmm/kvm-stats.h"
#include "vmm/vm.h"

/* --stats reads KVM's counters at exit, when no ioctl() is allowed. */
static int open_stats(struct vm *vm, int fd, int *ret_stats_fd)
{
	int r;

	if (!vm->cfg->stats.path)
		return 0;
	r = kvm_stats_open(fd);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_STATS_FD for --stats");
	*ret_stats_fd = r;
	return 0;
}

static int create_vcpu(struct vm *vm, struct vcpu *vcpu, uint32_t id)
{
	void *run;
	int r;

	*vcpu = (struct vcpu){ .vm = vm, .id = id, .fd = -1, .stats_fd = -1 };
	vcpu->fd = kvm_ioctl_val(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return log_error_errno(vcpu->fd, "KVM_CREATE_VCPU(%u)", id);
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu->fd, 0);
	if (run == MAP_FAILED)
		return log_error_errno(-errno, "mapping vCPU %u's kvm_run", id);
	vcpu->run = run;
	r = open_stats(vm, vcpu->fd, &vcpu->stats_fd);
	if (r < 0)
		return r;
	return arch_vcpu_init(vm, vcpu);
}

static int create_vcpus(struct vm *vm)
{
	int r;

	r = kvm_ioctl_val(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = r;
	vm->vcpus = calloc(vm->cfg->machine.vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return log_error_errno(-ENOMEM, "allocating vCPUs");
	vm->nr_vcpus = vm->cfg->machine.vcpus;
	/* vm_free() closes the fds of vCPUs a failure left uncreated. */
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = vm->vcpus[i].stats_fd = -1;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		r = create_vcpu(vm, &vm->vcpus[i], i);
		if (r < 0)
			return r;
	}
	return 0;
}

int vm_build(const struct vm_config *cfg, struct cc_image *img,
	     uint64_t start_ns, struct vm **ret_vm)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	char why[320];
	int r;

	if (!vm)
		return log_error_errno(-ENOMEM, "allocating the VM");
	vm->cfg = cfg;
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	vm->stats_fd = -1;
	vm->times.start = start_ns;
	pthread_mutex_init(&vm->lock, NULL);
	/* First: vm_free() needs its fds, even those it could not open. */
	r = event_loop_init(&vm->loop);
	if (r < 0) {
		(void)log_error_errno(r, "creating the event loop");
		goto err_free;
	}
	/* Names need the user database: before KVM is opened. */
	r = privs_lookup(cfg, &vm->privs);
	if (r < 0)
		goto err_free;

	vm->kvm_fd = kvm_open_explained(why, sizeof(why));
	if (vm->kvm_fd < 0) {
		log_error("no KVM: %s", why);
		r = VM_ERR_NO_CAP;
		goto err_free;
	}
	r = arch_vm_create(vm, img);
	if (r < 0)
		goto err_free;
	r = open_stats(vm, vm->vm_fd, &vm->stats_fd);
	if (r < 0)
		goto err_free;
	/* Capabilities, memory, devices, and on x86 the irqchip. */
	r = arch_vm_setup(vm);
	if (r < 0)
		goto err_free;
	r = create_vcpus(vm);
	if (r < 0)
		goto err_free;
	/* The arm64 GIC, which covers every vCPU; the images, last. */
	r = arch_vm_finish(vm);
	if (r < 0)
		goto err_free;
	*ret_vm = vm;
	return 0;

err_free:
	vm_free(vm);
	return r;
}

struct vm *vm_free(struct vm *vm)
{
	if (!vm)
		return NULL;
	for (unsigned int i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
		if (v->stats_fd >= 0)
			close(v->stats_fd);
	}
	free(vm->vcpus);
	arch_vm_free(vm);
	event_loop_fini(&vm->loop);
	bus_free(&vm->pio);
	bus_free(&vm->mmio);
	mem_destroy(&vm->mem);
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm);
	return NULL;
}
