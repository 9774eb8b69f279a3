// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exit dispatcher fed fabricated struct kvm_run contents: whatever the
 * guest steers (ports, MMIO addresses and data, hypercall arguments,
 * memory faults, TDX requests, system events) and what it cannot (exit
 * reasons, data offsets, counts), on a vCPU whose fd is -1, so every
 * ioctl fails, in a VM with the UART, the debug ports, the test port and
 * fake guest memory (fake-mem.h). vcpu_handle_exit() must return an
 * action for everything, touch nothing outside kvm_run, and leave the
 * conversion engine as consistent as fuzz-map-gpa-range demands.
 *
 * Input: one byte of setup (a TD or not, policy, pre-fault, backing),
 * then exits: a reason selector and bytes for kvm_run.
 */
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>

#include "fake-mem.h"
#include "guest/bootinfo.h"
#include "vmm/launch.h"
#include "vmm/vm.h"

/* kvm_run, the PIO data page and the coalesced-MMIO ring, as on x86. */
#define RUN_SIZE (3 * 4096)
#define PIO_OFFSET 4096

static struct vm vm;
static struct vm_config cfg;
static struct vcpu vcpu;
static struct cc_launch launch;
static struct cvmm_tdx_capabilities tdx_caps;
static uint8_t certs[5000] = { 0x8d, 0x75, 0xda, 0x63 };

static void on_exit_port(void *ctx, uint32_t status)
{
	vm_request_stop(ctx, status > 255 ? 255 : (int)status);
}

static void setup(void)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	vm_config_init(&cfg);
	vm.cfg = &cfg;
	vm.kvm_fd = -1;
	vm.vm_fd = -1;
	vm.run_size = RUN_SIZE;
	vm.vcpus = &vcpu;
	vm.nr_vcpus = 1;
	/* vm_request_stop() writes to the loop's eventfd: there is none. */
	vm.loop.epfd = -1;
	vm.loop.stop_fd = -1;
	pthread_mutex_init(&vm.lock, NULL);
	fm.mem = &vm.mem;
	fake_mem_reset(BACKING_MEMFD, true, false);
	FUZZ_CHECK(null >= 0, "/dev/null");
	uart_init(&vm.uart, null);
	vm.debug_exit = (struct debug_exit){ .on_exit = on_exit_port,
					     .ctx = &vm };
	vm.testdev = (struct testdev){
		.mem = &vm.mem,
		.req_gpa = GUEST_BOOTINFO_GPA + offsetof(struct bootinfo, req),
	};
	FUZZ_CHECK(uart_register(&vm.uart, &vm.pio, UART_COM1_BASE) == 0 &&
			   debug_exit_register(&vm.debug_exit, &vm.pio) == 0 &&
			   testdev_register(&vm.testdev, &vm.pio) == 0,
		   "devices should register");
	vcpu = (struct vcpu){ .vm = &vm, .fd = -1,
			      .run = calloc(1, RUN_SIZE) };
	FUZZ_CHECK(vcpu.run, "kvm_run");
	launch.tdx_caps = &tdx_caps;
	/* A certificate table for KVM_EXIT_SNP_REQ_CERTS to write. */
	launch.img.snp_certs = certs;
	launch.img.snp_certs_size = sizeof(certs);
}

static const uint32_t reasons[] = {
	KVM_EXIT_IO, KVM_EXIT_MMIO, KVM_EXIT_HYPERCALL, KVM_EXIT_MEMORY_FAULT,
	KVM_EXIT_SYSTEM_EVENT, KVM_EXIT_TDX, KVM_EXIT_HLT, KVM_EXIT_SHUTDOWN,
	KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTR,
	KVM_EXIT_UNKNOWN, KVM_EXIT_EXCEPTION, KVM_EXIT_DEBUG,
	KVM_EXIT_X86_RDMSR, KVM_EXIT_X86_WRMSR, KVM_EXIT_SNP_REQ_CERTS,
};

/* What the guest steers, where a random byte would rarely reach. */
static void aim(struct kvm_run *run, struct fuzz_input *in)
{
	struct cvmm_exit_hypercall *hc = kvm_run_hypercall(run);
	struct cvmm_exit_memory_fault *mf = kvm_run_memory_fault(run);
	static const uint16_t ports[] = {
		UART_COM1_BASE, GUEST_PORT_EXIT, GUEST_PORT_PARK,
		GUEST_PORT_TEST, 0x80,
	};
	uint8_t how = fuzz_u8(in);

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		run->io.port = ports[how % ARRAY_SIZE(ports)] + (how >> 5);
		/* KVM puts the data in the second page, count <= its size. */
		if (how & 0x10) {
			run->io.data_offset = PIO_OFFSET;
			run->io.count %= 4096 / MAX(run->io.size, 1);
		}
		break;
	case KVM_EXIT_HYPERCALL:
		if (how & 1)
			hc->nr = KVM_HC_MAP_GPA_RANGE;
		hc->args[0] = fake_mem_pick_gpa(in);
		if (how & 2)
			hc->args[1] %= 1024;
		if (how & 4)
			hc->args[2] &= 0x13;
		break;
	case KVM_EXIT_MEMORY_FAULT:
		mf->gpa = fake_mem_pick_gpa(in);
		if (how & 1)
			mf->size = 1 + mf->size % 8192;
		if (how & 2)
			mf->flags &= KVM_MEMORY_EXIT_FLAG_PRIVATE;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (how & 1)
			run->system_event.type = how >> 1 & 7;
		break;
	case KVM_EXIT_SNP_REQ_CERTS:
		/* Buffers in RAM, of a few pages, shared or private. */
		kvm_run_snp_req_certs(run)->gpa = fake_mem_pick_gpa(in);
		if (how & 1)
			kvm_run_snp_req_certs(run)->npages %= 4;
		break;
	default:
		break;
	}
}

static void one_exit(struct fuzz_input *in)
{
	struct kvm_run *run = vcpu.run;
	uint8_t sel = fuzz_u8(in);
	size_t n = MIN(in->size, (size_t)256);
	enum vcpu_action action;

	/* The header and the exit union, then the start of the PIO page. */
	memset(run, 0, RUN_SIZE);
	memcpy(run, in->data, n);
	in->data += n;
	in->size -= n;
	for (unsigned int i = 0; i < 16; i++)
		((uint8_t *)run)[PIO_OFFSET + i] = fuzz_u8(in);
	run->exit_reason = sel < 240 ? reasons[sel % ARRAY_SIZE(reasons)] :
				       fuzz_u32(in);
	aim(run, in);

	fake_mem_op_start();
	action = vcpu_handle_exit(&vcpu);
	fake_mem_op_end();
	FUZZ_CHECK(action == VCPU_CONTINUE || action == VCPU_PAUSE ||
			   action == VCPU_SHUTDOWN || action == VCPU_FAIL,
		   "exit %u gave action %d", run->exit_reason, action);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	uint8_t setup_byte = fuzz_u8(&in);

	if (!vm.cfg)
		setup();
	uart_init(&vm.uart, vm.uart.out_fd);
	fake_mem_reset(setup_byte & 8 ? BACKING_ANONYMOUS : BACKING_MEMFD,
		       true, false);
	vm.cc = setup_byte & 1 ? &launch : NULL;
	vm.type = setup_byte & 1 ? KVM_X86_TDX_VM : KVM_X86_SW_PROTECTED_VM;
	cfg.cc.implicit_conversion = setup_byte & 2 ? IMPLICIT_DENY :
						      IMPLICIT_ALLOW;
	cfg.cc.prefault = setup_byte & 4;
	vm.stopping = false;
	vcpu.fault_repeated = false;
	for (unsigned int exits = 0; in.size && exits < 32; exits++)
		one_exit(&in);
	fake_mem_check_all();
	return 0;
}
