// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDX GetQuote relayed to a quote generation service: fabricated
 * KVM_EXIT_TDX exits through vcpu_handle_exit(), a real relay thread, and
 * a fake QGS on a Unix socket that this test runs. It answers as told: a
 * quote, a quote after a delay, a dropped connection, a malformed reply,
 * no reply at all. Each leaves the TD an answer in its shared buffer (a
 * quote or an error code), the notify callback called, and cvmm running.
 */
#include <endian.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "memory/convert.h"
#include "tests/test.h"
#include "vmm/launch.h"
#include "vmm/vm.h"
#include "vmm/x86/cc-exits.h"
#include "vmm/x86/tdx-quote.h"

#define PG 0x1000ull
#define RAM (4ull << 20)
#define RUN_SIZE 4096

enum qgs_mode { QGS_OK, QGS_SLOW, QGS_DROP, QGS_MALFORMED, QGS_HANG };

static struct {
	int listen_fd;
	char path[108];
	pthread_t thread;
	_Atomic int mode;
	_Atomic int connections;
	/* The last request, as received. */
	uint8_t req[8192];
	_Atomic size_t req_len;
} qgs;

static struct vm vm;
static struct vm_config cfg;
static struct vcpu vcpu;
static struct cc_launch launch;
static struct cvmm_tdx_capabilities caps;
static _Atomic int notified;

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool read_n(int fd, uint8_t *buf, size_t n)
{
	while (n) {
		ssize_t r = read(fd, buf, n);

		if (r <= 0)
			return false;
		buf += r;
		n -= r;
	}
	return true;
}

/* The quote for a report: its bytes XOR 0x5a, then 8 bytes "QUOTE..." */
static size_t make_quote(const uint8_t *report, size_t len, uint8_t *out)
{
	for (size_t i = 0; i < len; i++)
		out[i] = report[i] ^ 0x5a;
	memcpy(out + len, "QUOTE!!!", 8);
	return len + 8;
}

static void serve_one(int fd)
{
	uint8_t frame[4], reply[8192 + 64], *m = reply + 4;
	uint32_t len, qlen;
	int mode = qgs.mode;

	if (!read_n(fd, frame, 4))
		return;
	len = (uint32_t)frame[0] << 24 | frame[1] << 16 | frame[2] << 8 | frame[3];
	if (len > sizeof(qgs.req) - 4)
		return;
	memcpy(qgs.req, frame, 4);
	if (!read_n(fd, qgs.req + 4, len))
		return;
	qgs.req_len = len + 4;
	if (mode == QGS_DROP)
		return;
	if (mode == QGS_SLOW)
		sleep_ms(400);
	if (mode == QGS_HANG) {
		sleep_ms(1500);
		return;
	}
	qlen = make_quote(qgs.req + 4 + 24, get32(qgs.req + 4 + 16), m + 24);
	put32(m, 1 | (mode == QGS_MALFORMED ? 7u : 1u) << 16);
	put32(m + 4, 1);		/* GET_QUOTE_RESP */
	put32(m + 8, 24 + qlen);
	put32(m + 12, 0);
	put32(m + 16, 0);
	put32(m + 20, qlen);
	len = 24 + qlen;
	reply[0] = len >> 24;
	reply[1] = len >> 16;
	reply[2] = len >> 8;
	reply[3] = len;
	(void)!write(fd, reply, 4 + len);
}

static void *qgs_main(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(qgs.listen_fd, NULL, NULL);

		if (fd < 0)
			return NULL;
		qgs.connections++;
		serve_one(fd);
		close(fd);
	}
}

static void qgs_start(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(qgs.path, sizeof(qgs.path), "/tmp/cvmm-test-qgs-%d", getpid());
	unlink(qgs.path);
	strcpy(sa.sun_path, qgs.path);
	qgs.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (qgs.listen_fd < 0 ||
	    bind(qgs.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(qgs.listen_fd, 32) < 0 ||
	    pthread_create(&qgs.thread, NULL, qgs_main, NULL)) {
		perror("fake QGS");
		exit(1);
	}
}

static void qgs_stop(void)
{
	shutdown(qgs.listen_fd, SHUT_RDWR);
	close(qgs.listen_fd);
	pthread_join(qgs.thread, NULL);
	unlink(qgs.path);
}

/* ---- the VM side ---- */

static int fake_set_attributes(struct guest_memory *m, uint64_t gpa,
			       uint64_t size, uint64_t attributes)
{
	(void)m, (void)gpa, (void)size, (void)attributes;
	return 0;
}

static void on_notify(void *opaque)
{
	(void)opaque;
	notified++;
}

static void setup(const char *service, unsigned int timeout_ms)
{
	struct mem_region *r = &vm.mem.regions[0];
	int gfd = memfd_create("g", MFD_CLOEXEC), sfd = memfd_create("s", MFD_CLOEXEC);

	EXPECT(gfd >= 0 && sfd >= 0 && !ftruncate(gfd, RAM) &&
	       !ftruncate(sfd, RAM), "memfds");
	vm_config_init(&cfg);
	cfg.cc.mode = CC_MODE_TDX;
	vm = (struct vm){ .cfg = &cfg, .kvm_fd = -1, .vm_fd = -1,
			  .run_size = RUN_SIZE, .cc = &launch };
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
				  .gmem_fd = gfd, .shared_fd = sfd };
	r->hva = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
	caps = (struct cvmm_tdx_capabilities){ .user_tdvmcallinfo_1_r11 = 0x2,
					       .kernel_tdvmcallinfo_1_r11 = 0x10 };
	launch = (struct cc_launch){ .sev_fd = -1, .tdx_caps = &caps };
	launch.quote.timeout_ms = timeout_ms;
	notified = 0;
	/*
	 * The relay thread runs under its own seccomp filter, in kill mode:
	 * a call outside the quote role's list ends this test with SIGSYS.
	 */
	cfg.seccomp = SECCOMP_MODE_KILL;
	if (service)
		EXPECT_EQ(tdx_quote_start(&launch.quote, service, &vm.mem,
					  on_notify, NULL, &cfg), 0,
			  "the relay should start");
	vcpu = (struct vcpu){ .vm = &vm, .fd = -1, .run = calloc(1, RUN_SIZE) };
}

static void teardown(void)
{
	tdx_quote_stop(&launch.quote);
	mem_destroy(&vm.mem);
	free(vcpu.run);
}

static uint8_t *ram(uint64_t gpa)
{
	return (uint8_t *)vm.mem.regions[0].hva + gpa;
}

static struct cvmm_exit_tdx *tdx_exit(uint64_t nr)
{
	struct cvmm_exit_tdx *e = kvm_run_tdx(vcpu.run);

	vcpu.run->exit_reason = KVM_EXIT_TDX;
	memset(e, 0, sizeof(*e));
	e->nr = nr;
	e->unknown.ret = 0xdead;
	return e;
}

/* A GetQuote of a @in_len-byte report at @gpa; the TDVMCALL status. */
static uint64_t get_quote(uint64_t gpa, uint64_t size, uint32_t in_len,
			  uint64_t version)
{
	struct cvmm_exit_tdx *e;
	uint8_t *b = ram(gpa);

	/* A buffer that runs past RAM gets only its first page written. */
	memset(b, 0, MIN(size, RAM - gpa));
	put64(b, version);
	put32(b + 16, in_len);
	for (uint32_t i = 0; i < in_len && 24 + i < RAM - gpa; i++)
		b[24 + i] = (uint8_t)(i * 7 + gpa / PG);
	e = tdx_exit(TDVMCALL_GET_QUOTE);
	e->get_quote.gpa = gpa;
	e->get_quote.size = size;
	EXPECT_EQ(vcpu_handle_exit(&vcpu), VCPU_CONTINUE,
		  "GetQuote should never stop the VM");
	return e->get_quote.ret;
}

/* Wait until @n transactions have completed, at most 5 s. */
static bool wait_completed(uint64_t n)
{
	for (int i = 0; i < 500; i++) {
		uint64_t done;

		pthread_mutex_lock(&launch.quote.lock);
		done = launch.quote.completed;
		pthread_mutex_unlock(&launch.quote.lock);
		if (done >= n)
			return true;
		sleep_ms(10);
	}
	return false;
}

static bool quote_is_right(uint64_t gpa, uint32_t in_len)
{
	uint8_t want[8192], report[4096];

	for (uint32_t i = 0; i < in_len; i++)
		report[i] = (uint8_t)(i * 7 + gpa / PG);
	make_quote(report, in_len, want);
	return get64(ram(gpa) + 8) == TDX_QUOTE_SUCCESS &&
	       get32(ram(gpa) + 20) == in_len + 8 &&
	       !memcmp(ram(gpa) + 24, want, in_len + 8);
}

static void test_quote_success(void)
{
	const uint8_t *r;
	struct cvmm_exit_tdx *e;

	setup(qgs.path, 2000);
	qgs.mode = QGS_OK;
	e = tdx_exit(TDVMCALL_GET_TD_VM_CALL_INFO);
	e->get_tdvmcall_info.leaf = 1;
	vcpu_handle_exit(&vcpu);
	EXPECT_EQ(e->get_tdvmcall_info.r11, 0x12,
		  "with a quote service SetupEventNotifyInterrupt is advertised");
	e = tdx_exit(TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT);
	e->setup_event_notify.vector = 0x40;
	vcpu.id = 1;
	vcpu_handle_exit(&vcpu);
	EXPECT(launch.notify_vector == 0x40 && launch.notify_apic_id == 1,
	       "the notify vector and its vCPU should be kept");
	EXPECT_EQ(get_quote(0x100000, 2 * PG, 1024, 1), TDVMCALL_STATUS_SUCCESS,
		  "a good GetQuote should be accepted at once");
	EXPECT(wait_completed(1), "the quote should come back");
	EXPECT(quote_is_right(0x100000, 1024),
	       "the quote should be in the buffer, out_len set, error_code 0");
	EXPECT_EQ(notified, 1, "the notify vector should be injected once");
	/* What the service got: QEMU's framing. */
	r = qgs.req;
	EXPECT(qgs.req_len == 4 + 24 + 1024 && r[0] == 0 && r[1] == 0 &&
	       r[2] == 0x04 && r[3] == 0x18,
	       "the frame length should be the message's, big endian");
	EXPECT(get32(r + 4) == (1 | 1 << 16) && get32(r + 8) == 0 &&
	       get32(r + 12) == 24 + 1024 && get32(r + 16) == 0 &&
	       get32(r + 20) == 1024 && get32(r + 24) == 0,
	       "a GET_QUOTE_REQ 1.1 with the report's size and no id list");
	EXPECT(r[28] == 0 && r[28 + 5] == 35 % 256,
	       "the TD report should follow the header");
	teardown();
}

static void test_quote_slow_reply(void)
{
	struct timespec t0, t1;
	double ms;

	setup(qgs.path, 2000);
	qgs.mode = QGS_SLOW;
	EXPECT_EQ(get_quote(0x100000, PG, 512, 1), TDVMCALL_STATUS_SUCCESS,
		  "the first request should be accepted");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(get_quote(0x200000, PG, 256, 1), TDVMCALL_STATUS_SUCCESS,
		  "a second request during a slow reply should be queued");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	EXPECT(ms < 100, "the vCPU should not wait for the service (%.1f ms)", ms);
	EXPECT_EQ(get64(ram(0x200000) + 8), TDX_QUOTE_IN_FLIGHT,
		  "the queued buffer should say in flight");
	EXPECT(wait_completed(2), "both quotes should come back");
	EXPECT(quote_is_right(0x100000, 512) && quote_is_right(0x200000, 256),
	       "both buffers should hold their own quotes");
	EXPECT_EQ(notified, 2, "one notification each");
	teardown();
}

static void test_quote_failures(void)
{
	static const struct {
		enum qgs_mode mode;
		const char *what;
	} cases[] = {
		{ QGS_DROP, "a dropped connection" },
		{ QGS_MALFORMED, "a reply of QGS version 1.7" },
		{ QGS_HANG, "no reply within the timeout" },
	};

	setup(qgs.path, 300);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		qgs.mode = cases[i].mode;
		EXPECT_EQ(get_quote(0x100000, PG, 128, 1), TDVMCALL_STATUS_SUCCESS,
			  "the request should be accepted");
		EXPECT(wait_completed(i + 1), "%s should complete", cases[i].what);
		EXPECT_EQ(get64(ram(0x100000) + 8), TDX_QUOTE_ERROR,
			  "%s should leave the TD error code 0x8000000000000000",
			  cases[i].what);
		EXPECT_EQ(get32(ram(0x100000) + 20), 0,
			  "%s should leave out_len 0", cases[i].what);
	}
	EXPECT_EQ(notified, 3, "every completion notifies");
	/* The relay survives all of it. */
	sleep_ms(1300);		/* the hung service lets go */
	qgs.mode = QGS_OK;
	EXPECT_EQ(get_quote(0x300000, PG, 64, 1), TDVMCALL_STATUS_SUCCESS,
		  "a request after the failures should be accepted");
	EXPECT(wait_completed(4) && quote_is_right(0x300000, 64),
	       "and served");
	teardown();
}

static void test_quote_bad_requests(void)
{
	setup(qgs.path, 100);
	qgs.mode = QGS_HANG;
	EXPECT_EQ(get_quote(0x100000, PG, 64, 2), TDVMCALL_STATUS_INVALID_OPERAND,
		  "header version 2 should be INVALID_OPERAND");
	EXPECT_EQ(get_quote(0x100000, PG, PG - 23, 1),
		  TDVMCALL_STATUS_INVALID_OPERAND,
		  "in_len past the buffer should be INVALID_OPERAND");
	EXPECT_EQ(get_quote(0x100000, PG, 0, 1), TDVMCALL_STATUS_INVALID_OPERAND,
		  "in_len 0 should be INVALID_OPERAND");
	EXPECT_EQ(get_quote(RAM - PG, 2 * PG, 64, 1),
		  TDVMCALL_STATUS_INVALID_OPERAND,
		  "a buffer past guest RAM should be INVALID_OPERAND");
	EXPECT_EQ(get_quote(0x100800, PG, 64, 1), TDVMCALL_STATUS_ALIGN_ERROR,
		  "a misaligned buffer should be ALIGN_ERROR");
	EXPECT_EQ(mem_convert_keep_shared(&vm.mem, 0x101000, PG), 0, "private page");
	EXPECT_EQ(get_quote(0x100000, 2 * PG, 64, 1),
		  TDVMCALL_STATUS_INVALID_OPERAND,
		  "a buffer with a private page should be INVALID_OPERAND");
	EXPECT_EQ(launch.quote.invalid, 5,
		  "five malformed requests counted (one line logged)");
	EXPECT_EQ(launch.quote.nr_jobs, 0, "and none queued");
	for (unsigned int i = 0; i < TDX_QUOTE_MAX_JOBS; i++)
		EXPECT_EQ(get_quote(0x200000 + i * PG, PG, 32, 1),
			  TDVMCALL_STATUS_SUCCESS, "request %u should queue", i);
	EXPECT_EQ(get_quote(0x300000, PG, 32, 1), TDVMCALL_STATUS_RETRY,
		  "a 17th request in flight should get RETRY");
	teardown();	/* stopping cuts the hung transaction short */
}

static void test_quote_service_down(void)
{
	setup("/tmp/cvmm-test-no-such-qgs", 300);
	EXPECT_EQ(get_quote(0x100000, PG, 64, 1), TDVMCALL_STATUS_SUCCESS,
		  "the request should be accepted");
	EXPECT(wait_completed(1), "it should complete");
	EXPECT_EQ(get64(ram(0x100000) + 8), TDX_QUOTE_QGS_UNAVAILABLE,
		  "a service that cannot be reached is QGS_UNAVAILABLE");
	teardown();

	setup(NULL, 0);
	EXPECT_EQ(get_quote(0x100000, PG, 64, 1), TDVMCALL_STATUS_INVALID_OPERAND,
		  "without a quote service GetQuote stays INVALID_OPERAND");
	EXPECT_EQ(get64(ram(0x100000) + 8), 0,
		  "and the buffer is not touched");
	teardown();
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_quote_success),
		TEST_CASE(test_quote_slow_reply),
		TEST_CASE(test_quote_failures),
		TEST_CASE(test_quote_bad_requests),
		TEST_CASE(test_quote_service_down),
	};
	int r;

	qgs_start();
	r = test_run(cases, ARRAY_SIZE(cases));
	qgs_stop();
	return r;
}
