// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpu_handle_exit() fed fabricated exits: the decisions cvmm takes for
 * implicit conversions (memory-fault exits), MAP_GPA_RANGE hypercalls and
 * guest I/O, including malformed kvm_run contents, without KVM. Guest
 * memory is memfds with a fake set_attributes that keeps KVM's view.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memory/convert.h"
#include "guest/bootinfo.h"
#include "tests/test.h"
#include "vmm/vm.h"

#define PG 0x1000ull
#define RAM (8ull << 20)
#define RUN_SIZE 4096

static struct vm vm;
static struct vm_config cfg;
static struct vcpu vcpu;
static bool kvm_private[RAM / PG];
static unsigned int kvm_calls;

static int fake_set_attributes(struct guest_memory *m, uint64_t gpa,
			       uint64_t size, uint64_t attributes)
{
	(void)m;
	kvm_calls++;
	for (uint64_t p = gpa / PG; p < (gpa + size) / PG; p++)
		kvm_private[p] = attributes != 0;
	return 0;
}

static int memfd_of(uint64_t size)
{
	int fd = memfd_create("test", MFD_CLOEXEC);

	EXPECT(fd >= 0 && ftruncate(fd, size) == 0, "memfd should be created");
	return fd;
}

static void on_exit_port(void *ctx, uint32_t status)
{
	vm_request_stop(ctx, status);
}

static void setup(enum implicit_conversion policy)
{
	struct mem_region *r = &vm.mem.regions[0];

	memset(kvm_private, 0, sizeof(kvm_private));
	kvm_calls = 0;
	vm_config_init(&cfg);
	cfg.cc.implicit_conversion = policy;
	vm = (struct vm){ .cfg = &cfg, .kvm_fd = -1, .vm_fd = -1,
			  .run_size = RUN_SIZE };
	pthread_mutex_init(&vm.lock, NULL);
	vm.mem = (struct guest_memory){
		.vm_fd = -1,
		.set_attributes = fake_set_attributes,
		.nr_regions = 1,
		.plan = { .backing = BACKING_MEMFD, .use_gmem = true },
	};
	pthread_mutex_init(&vm.mem.lock, NULL);
	attr_map_init(&vm.mem.attrs);
	*r = (struct mem_region){ .kind = MEM_REGION_RAM, .size = RAM,
				  .gmem_fd = memfd_of(RAM),
				  .shared_fd = memfd_of(RAM) };
	r->hva = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED,
		      r->shared_fd, 0);
	uart_init(&vm.uart, open("/dev/null", O_WRONLY | O_CLOEXEC));
	EXPECT(uart_register(&vm.uart, &vm.pio, UART_COM1_BASE) == 0,
	       "UART should register");
	vm.debug_exit = (struct debug_exit){ .on_exit = on_exit_port, .ctx = &vm };
	EXPECT(debug_exit_register(&vm.debug_exit, &vm.pio) == 0,
	       "debug-exit should register");
	vcpu = (struct vcpu){ .vm = &vm, .fd = -1,
			      .run = calloc(1, RUN_SIZE) };
}

static void teardown(void)
{
	close(vm.uart.out_fd);
	bus_free(&vm.pio);
	mem_destroy(&vm.mem);
	free(vcpu.run);
}

static enum vcpu_action memory_fault(uint64_t gpa, uint64_t size,
				     uint64_t flags)
{
	struct cvmm_exit_memory_fault *mf = kvm_run_memory_fault(vcpu.run);

	vcpu.run->exit_reason = KVM_EXIT_MEMORY_FAULT;
	*mf = (struct cvmm_exit_memory_fault){ flags, gpa, size };
	return vcpu_handle_exit(&vcpu);
}

static enum vcpu_action hypercall(uint64_t nr, uint64_t gpa, uint64_t npages,
				  uint64_t attrs, uint64_t *ret)
{
	struct cvmm_exit_hypercall *hc = kvm_run_hypercall(vcpu.run);
	enum vcpu_action a;

	vcpu.run->exit_reason = KVM_EXIT_HYPERCALL;
	*hc = (struct cvmm_exit_hypercall){ .nr = nr,
					    .args = { gpa, npages, attrs },
					    .ret = 0xdeadbeef };
	a = vcpu_handle_exit(&vcpu);
	*ret = hc->ret;
	return a;
}

static enum vcpu_action io(uint16_t port, uint8_t size, uint32_t count,
			   uint64_t data_offset, bool out)
{
	vcpu.run->exit_reason = KVM_EXIT_IO;
	vcpu.run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	vcpu.run->io.size = size;
	vcpu.run->io.port = port;
	vcpu.run->io.count = count;
	vcpu.run->io.data_offset = data_offset;
	return vcpu_handle_exit(&vcpu);
}

static void test_implicit_allow_converts_both_ways(void)
{
	setup(IMPLICIT_ALLOW);
	EXPECT_EQ(memory_fault(0x10000, PG, KVM_MEMORY_EXIT_FLAG_PRIVATE),
		  VCPU_CONTINUE, "private fault on shared memory should continue");
	EXPECT(mem_gpa_is_private(&vm.mem, 0x10000) && kvm_private[0x10],
	       "the page should now be private in the map and in KVM");
	EXPECT_EQ(memory_fault(0x10000, PG, 0), VCPU_CONTINUE,
		  "shared fault on private memory should continue");
	EXPECT(!mem_gpa_is_private(&vm.mem, 0x10000) && !kvm_private[0x10],
	       "the page should be shared again");
	EXPECT_EQ(vm.mem.stats.conversions_implicit, 2,
		  "both conversions should count as implicit");
	/* KVM may report a size that is not page aligned: align out. */
	EXPECT_EQ(memory_fault(0x20010, 0x100, KVM_MEMORY_EXIT_FLAG_PRIVATE),
		  VCPU_CONTINUE, "unaligned fault should be aligned out");
	EXPECT(kvm_private[0x20], "the page around the fault should be private");
	teardown();
}

static void test_implicit_deny_ends_vm(void)
{
	setup(IMPLICIT_DENY);
	EXPECT_EQ(memory_fault(0x10000, PG, KVM_MEMORY_EXIT_FLAG_PRIVATE),
		  VCPU_FAIL, "deny policy should end the VM");
	EXPECT(!kvm_private[0x10] && kvm_calls == 0,
	       "deny policy should not convert anything");
	teardown();
}

static void test_fault_with_unknown_flags_fails(void)
{
	setup(IMPLICIT_ALLOW);
	for (int bit = 0; bit < 64; bit++) {
		if (1ull << bit == KVM_MEMORY_EXIT_FLAG_PRIVATE)
			continue;
		EXPECT_EQ(memory_fault(0x10000, PG, 1ull << bit), VCPU_FAIL,
			  "unknown memory-fault flag bit %d should fail", bit);
	}
	EXPECT_EQ(kvm_calls, 0, "no conversion for unknown flags");
	teardown();
}

static void test_fault_outside_ram_fails(void)
{
	setup(IMPLICIT_ALLOW);
	EXPECT_EQ(memory_fault(RAM, PG, KVM_MEMORY_EXIT_FLAG_PRIVATE), VCPU_FAIL,
		  "fault beyond RAM should fail");
	EXPECT_EQ(memory_fault(~0ull & ~(PG - 1), 2 * PG, 0), VCPU_FAIL,
		  "wrapping fault should fail");
	teardown();
}

/* A fault already satisfied is tolerated once (another vCPU won). */
static void test_repeated_fault_without_progress_fails(void)
{
	setup(IMPLICIT_ALLOW);
	EXPECT_EQ(memory_fault(0x30000, PG, 0), VCPU_CONTINUE,
		  "first fault already in the wanted state should re-enter");
	EXPECT_EQ(memory_fault(0x30000, PG, 0), VCPU_FAIL,
		  "the same fault again should end the VM");
	teardown();
}

/*
 * Issue 17, case 4: two vCPUs race on different pages, and each time the
 * other converted first. Faults already satisfied on page after page are
 * progress, not a loop: only the same page twice in a row ends the VM.
 */
static void test_satisfied_faults_on_different_pages_continue(void)
{
	setup(IMPLICIT_ALLOW);
	EXPECT_EQ(memory_fault(0x30000, PG, 0), VCPU_CONTINUE,
		  "page A already shared: re-enter");
	EXPECT_EQ(memory_fault(0x31000, PG, 0), VCPU_CONTINUE,
		  "then page B already shared: re-enter too");
	EXPECT_EQ(memory_fault(0x30800, 8, 0), VCPU_CONTINUE,
		  "then page A again: re-enter");
	EXPECT_EQ(memory_fault(0x30010, 8, 0), VCPU_FAIL,
		  "page A twice in a row ends the VM");
	teardown();
}

static void test_hypercall_sets_ret_on_every_path(void)
{
	uint64_t ret;

	setup(IMPLICIT_ALLOW);
	EXPECT_EQ(hypercall(KVM_HC_MAP_GPA_RANGE, 0x40000, 4,
			    KVM_MAP_GPA_RANGE_ENCRYPTED, &ret),
		  VCPU_CONTINUE, "valid request should continue");
	EXPECT_EQ(ret, 0, "valid request should return 0");
	EXPECT(kvm_private[0x40] && kvm_private[0x43] && !kvm_private[0x44],
	       "exactly the four pages should be private");
	EXPECT_EQ(hypercall(KVM_HC_MAP_GPA_RANGE, 0x40000, 1,
			    KVM_MAP_GPA_RANGE_ENCRYPTED | (1ull << 7), &ret),
		  VCPU_CONTINUE, "bad request should still continue");
	EXPECT(ret != 0 && ret != 0xdeadbeef,
	       "bad request should get an error code");
	EXPECT_EQ(hypercall(KVM_HC_MAP_GPA_RANGE, RAM, 1,
			    KVM_MAP_GPA_RANGE_ENCRYPTED, &ret),
		  VCPU_CONTINUE, "request outside RAM should continue");
	EXPECT(ret != 0 && ret != 0xdeadbeef, "outside RAM should fail");
	EXPECT_EQ(hypercall(KVM_HC_MAP_GPA_RANGE, 0xfec00000, 1, 0, &ret),
		  VCPU_CONTINUE, "sharing MMIO should continue");
	EXPECT_EQ(ret, 0, "sharing MMIO should succeed as a no-op");
	EXPECT_EQ(hypercall(9, 0, 0, 0, &ret), VCPU_CONTINUE,
		  "unknown hypercall should continue");
	EXPECT_EQ(ret, (uint64_t)-KVM_ENOSYS, "unknown hypercall gets -ENOSYS");
	teardown();
}

static void test_io_to_devices_and_unknown_ports(void)
{
	uint8_t *data = (uint8_t *)vcpu.run;

	setup(IMPLICIT_ALLOW);
	data = (uint8_t *)vcpu.run;
	data[1024] = 'x';
	EXPECT_EQ(io(UART_COM1_BASE, 1, 1, 1024, true), VCPU_CONTINUE,
		  "UART write should continue");
	EXPECT_EQ(io(UART_COM1_BASE + 5, 1, 1, 1024, false), VCPU_CONTINUE,
		  "UART LSR read should continue");
	EXPECT(data[1024] & 0x20, "LSR should say the transmitter is empty");
	EXPECT_EQ(io(0x7f, 1, 1, 1024, true), VCPU_FAIL,
		  "write to an unknown port should fail");
	EXPECT_EQ(io(UART_COM1_BASE, 3, 1, 1024, true), VCPU_FAIL,
		  "I/O of size 3 should fail");
	EXPECT_EQ(io(UART_COM1_BASE, 1, 1, RUN_SIZE, true), VCPU_FAIL,
		  "data offset past kvm_run should fail, not crash");
	EXPECT_EQ(io(UART_COM1_BASE, 4, 0x40000000, 1024, true), VCPU_FAIL,
		  "a huge repeat count should fail, not crash");
	teardown();
}

static void test_exit_port_ends_vm_with_status(void)
{
	uint32_t status = 7;

	setup(IMPLICIT_ALLOW);
	memcpy((uint8_t *)vcpu.run + 512, &status, 4);
	EXPECT_EQ(io(GUEST_PORT_EXIT, 4, 1, 512, true), VCPU_SHUTDOWN,
		  "exit port should end the VM");
	EXPECT(vm.stopping && vm.exit_status == 7, "exit status should be 7");
	teardown();
}

static void test_mmio_and_unknown_exits_fail(void)
{
	setup(IMPLICIT_ALLOW);
	vcpu.run->exit_reason = KVM_EXIT_MMIO;
	vcpu.run->mmio.phys_addr = 0xfee00000;
	vcpu.run->mmio.len = 4;
	vcpu.run->mmio.is_write = 1;
	EXPECT_EQ(vcpu_handle_exit(&vcpu), VCPU_FAIL,
		  "MMIO to no device should fail");
	vcpu.run->mmio.len = 9;
	EXPECT_EQ(vcpu_handle_exit(&vcpu), VCPU_FAIL,
		  "MMIO longer than 8 bytes should fail");
	vcpu.run->exit_reason = 1000;
	EXPECT_EQ(vcpu_handle_exit(&vcpu), VCPU_FAIL,
		  "an unknown exit reason should fail");
	EXPECT_EQ(vcpu.exits[VM_EXIT_REASONS], 1,
		  "unknown reasons should be counted as other");
	vcpu.run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	vcpu.run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	EXPECT_EQ(vcpu_handle_exit(&vcpu), VCPU_SHUTDOWN,
		  "a shutdown event should end the VM");
	EXPECT(vm.stopping && vm.exit_status == 0, "shutdown is a clean end");
	teardown();
}

static unsigned int msis_sent;

static int count_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	(void)addr;
	(void)data;
	msis_sent++;
	return 0;
}

static int ignore_route(void *ctx, uint32_t pin, uint64_t addr,
			uint32_t data)
{
	(void)ctx;
	(void)pin;
	(void)addr;
	(void)data;
	return 0;
}

static void test_ioapic_eoi_needs_split_irqchip(void)
{
	static const struct ioapic_ops ops = {
		.signal_msi = count_msi,
		.route_update = ignore_route,
	};

	setup(IMPLICIT_ALLOW);
	vcpu.run->exit_reason = KVM_EXIT_IOAPIC_EOI;
	vcpu.run->eoi.vector = 0x40;
	EXPECT_EQ(vcpu_handle_exit(&vcpu), VCPU_FAIL,
		  "an IOAPIC EOI exit without a userspace IOAPIC should fail");
	vm.irq.mode = IRQCHIP_SPLIT;
	ioapic_init(&vm.irq.ioapic, &ops, NULL);
	/* Pin 9: level-triggered vector 0x40, unmasked, line held high. */
	vm.irq.ioapic.redtbl[9] = 1u << 15 | 0x40;
	msis_sent = 0;
	EXPECT(ioapic_set_level(&vm.irq.ioapic, 9, true) == 0 &&
		       msis_sent == 1, "the level pin should deliver");
	EXPECT_EQ(vcpu_handle_exit(&vcpu), VCPU_CONTINUE,
		  "an IOAPIC EOI exit should go to the IOAPIC");
	EXPECT_EQ(msis_sent, 2, "the EOI should re-deliver the pin");
	ioapic_fini(&vm.irq.ioapic);
	teardown();
}

TEST_MAIN(TEST_CASE(test_implicit_allow_converts_both_ways),
	  TEST_CASE(test_implicit_deny_ends_vm),
	  TEST_CASE(test_fault_with_unknown_flags_fails),
	  TEST_CASE(test_fault_outside_ram_fails),
	  TEST_CASE(test_repeated_fault_without_progress_fails),
	  TEST_CASE(test_satisfied_faults_on_different_pages_continue),
	  TEST_CASE(test_hypercall_sets_ret_on_every_path),
	  TEST_CASE(test_io_to_devices_and_unknown_ports),
	  TEST_CASE(test_exit_port_ends_vm_with_status),
	  TEST_CASE(test_mmio_and_unknown_exits_fail),
	  TEST_CASE(test_ioapic_eoi_needs_split_irqchip))
