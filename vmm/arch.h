/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The architecture seam: what the generic VM life cycle (vmm/vm.c builds,
 * vmm/vm-run.c runs, vmm/vcpu.c runs a vCPU's thread) asks of x86
 * (vmm/x86/vm.c, vmm/x86/exits.c) or arm64 (vmm/arm64/vm.c, vcpu.c).
 * One architecture is built in; each hook reports its own errors.
 * The exit handler itself is vcpu_handle_exit() (vmm/vm.h).
 */
#ifndef CVMM_ARCH_H
#define CVMM_ARCH_H

#include "vmm/vm.h"

struct cc_image;
struct console;

/*
 * vm_build() calls these in order, with KVM open in vm->kvm_fd:
 * arch_vm_create() checks the host, prepares the launch (from the image
 * validation read, @img, which it takes over; NULL: read it) and sets
 * vm->type and vm->vm_fd; arch_vm_setup() enables the VM's capabilities
 * and creates memory, devices and whatever must exist before the vCPUs,
 * and prepares what each vCPU starts with; arch_vcpu_init() sets up one
 * vCPU just created; arch_vm_finish() completes the machine once every
 * vCPU exists and writes the images. arch_vm_free() undoes what they
 * did, from any point of a failed build.
 */
int __must_check arch_vm_create(struct vm *vm, struct cc_image *img);
int __must_check arch_vm_setup(struct vm *vm);
int __must_check arch_vcpu_init(struct vm *vm, struct vcpu *vcpu);
int __must_check arch_vm_finish(struct vm *vm);
void arch_vm_free(struct vm *vm);

/* The console input vm_run() starts and stops, or NULL. */
struct console *arch_vm_console(struct vm *vm);

/* After every vCPU thread returned and the VM's times are taken. */
void arch_vm_stopped(struct vm *vm);

/* A vCPU failed: log its registers, from its own thread. */
void arch_vcpu_log_registers(struct vcpu *vcpu);

/* SIGQUIT, SIGUSR2: log where the vCPU is, from its own thread. */
void arch_vcpu_log_state(struct vcpu *vcpu);

/* The guest's program counter for messages (~0 if unreadable), its name. */
uint64_t arch_vcpu_pc(struct vcpu *vcpu);
extern const char arch_pc_name[];

/*
 * For the exit handlers (vmm/vcpu-bus.c): what a bus access's result r
 * means for the vCPU, reported; r made 0 for an access nobody claims
 * under VM_IO_PROBE; KVM_EXIT_MMIO.
 */
enum vcpu_action vcpu_bus_result(struct vcpu *vcpu, int r, const char *what,
				 uint64_t addr, uint32_t size, bool is_write,
				 uint64_t value);
int vcpu_probe_unknown(struct vcpu *vcpu, int r, const char *what,
		       uint64_t addr, uint8_t *data, uint32_t size,
		       bool is_write);
enum vcpu_action vcpu_handle_mmio(struct vcpu *vcpu);

#endif
