/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A VM: its KVM fds, memory, devices and vCPUs, built by vm_build() from a
 * validated struct vm_config, run by vm_run() and torn down by vm_free().
 */
#ifndef CVMM_VM_H
#define CVMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "devices/bus.h"
#include "devices/debug-exit.h"
#include "devices/testdev.h"
#include "devices/uart.h"
#include "lib/clock.h"
#include "memory/memory.h"
#include "lib/event-loop.h"
#include "vmm/irq.h"
#include "lib/kvm-abi.h"
#include "vmm/privs.h"

struct arm64_machine;
struct cc_launch;
struct pc;

/* Exit reasons counted one by one; the rest are summed as "other". */
#define VM_EXIT_REASONS 48

/* vm_build() and vm_run() return this when the host lacks a capability. */
#define VM_ERR_NO_CAP (-ENODEV)

/* What a guest access to a port or address no device claims does. */
enum vm_io_policy {
	/* It fails the VM: the test guest touches only what exists. */
	VM_IO_STRICT,
	/* Reads all-ones, writes are dropped: real kernels probe. */
	VM_IO_PROBE,
};

enum vcpu_action {
	VCPU_CONTINUE,
	/* This vCPU is done; the VM goes on (test guest's park port). */
	VCPU_PAUSE,
	/* The VM ends; vm->exit_status says how. */
	VCPU_SHUTDOWN,
	/* Something went wrong; it has been reported. The VM ends with 1. */
	VCPU_FAIL,
};

/*
 * What the vCPU's last exit was about, for a user who interrupts a guest
 * that seems stuck (vmm/last-exit.c). Written by the vCPU thread, read by
 * the main thread without a lock: a snapshot, each field on its own.
 */
struct vcpu_last_exit {
	uint32_t reason;
	uint32_t size;
	uint64_t addr;
	uint64_t value;
	bool write;
};

struct vcpu {
	struct vm *vm;
	uint32_t id;
	int fd;
	/* KVM's counters for --stats (vmm/kvm-stats.h), or -1 */
	int stats_fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	/*
	 * The last exit was a memory fault that needed no conversion, on the
	 * page at fault_page (see handle_memory_fault).
	 */
	bool fault_repeated;
	uint64_t fault_page;
	uint64_t exits[VM_EXIT_REASONS + 1];
	/* CLOCK_MONOTONIC ns inside KVM_RUN, and handling its exits here. */
	uint64_t run_ns;
	uint64_t exit_ns;
	struct vcpu_last_exit last;
	/* SIGUSR2: log the state at the next return from KVM_RUN, go on. */
	bool dump_pending;
};

struct vm_times {
	/* CLOCK_MONOTONIC, ns */
	uint64_t start;
	uint64_t first_run;
	uint64_t end;
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd;
	int vm_fd;
	/* KVM's counters for --stats (vmm/kvm-stats.h), or -1 */
	int stats_fd;
	unsigned long type;
	size_t run_size;
	struct kvm_cpuid2 *cpuid;
	/* SNP and TDX: the launch and what outlives it (vmm/launch.h). */
	struct cc_launch *cc;
	/* Who to run as once built: vm_run() drops privileges first. */
	struct privs privs;

	struct guest_memory mem;
	struct bus pio;
	struct bus mmio;
	struct uart uart;
	struct debug_exit debug_exit;
	struct testdev testdev;
	enum vm_io_policy io_policy;
	/* Kernel boots: irqchip, legacy devices, PCI, console (vmm/x86/pc.h). */
	struct pc *pc;
	/* arm64: the GIC, console input (vmm/arm64/arm64.h). */
	struct arm64_machine *arm64;
	struct vm_irq irq;
	/* The main thread's loop; the thread model is in event-loop.h. */
	struct event_loop loop;

	struct vcpu *vcpus;
	unsigned int nr_vcpus;
	/* vCPU threads not yet returned; the last one stops the loop. */
	unsigned int vcpus_running;

	pthread_mutex_t lock;
	bool stopping;
	/* SIGQUIT: each vCPU logs its state as it stops (vcpu.c). */
	bool dump_on_stop;
	int exit_status;
	/* The VM ended because the guest reset it (vm_request_reset()). */
	bool guest_reset;

	struct vm_times times;
};

struct cc_image;

/*
 * Build the whole VM, ready to run: every fd opened, memory bound, images
 * written, vCPUs in their initial state. @img: NULL, or what vm_validate()
 * read for an SNP or TDX launch (cc/image.h), taken over (left zeroed) so
 * that the firmware and kernel are read once; with NULL or an empty image
 * the launch reads them itself. Errors are reported here; the return value
 * is 0, VM_ERR_NO_CAP or another -errno.
 */
int __must_check vm_build(const struct vm_config *cfg, struct cc_image *img,
			  uint64_t start_ns, struct vm **ret_vm);

/* Run the vCPUs until the VM ends; returns the exit status for cvmm. */
int vm_run(struct vm *vm);

struct vm *vm_free(struct vm *vm);

/* End the VM with status (the first request wins) and kick the vCPUs. */
void vm_request_stop(struct vm *vm, int status);

/* Have every vCPU log its state at once and run on (vcpu.c). */
void vm_request_dump(struct vm *vm);

/*
 * The guest reset the machine: end the VM with 0 and, if this is the
 * request that ends it, set guest_reset (machine.on_reboot says what the
 * caller of vm_run() makes of it).
 */
void vm_request_reset(struct vm *vm);

/* Handle the exit in vcpu->run. Pure apart from devices and memory. */
enum vcpu_action vcpu_handle_exit(struct vcpu *vcpu);

/* Start vcpu's thread; it runs until the VM stops. */
int __must_check vcpu_start(struct vcpu *vcpu);

/* Note vcpu's exit in vcpu->last (vmm/last-exit.c). */
void vcpu_note_exit(struct vcpu *vcpu);

/* Log each vCPU's last exit and exit count: what the guest last did. */
void vm_log_last_exits(struct vm *vm);

/* Write the --stats JSON file. */
int vm_write_stats(struct vm *vm, const char *path);

#endif
