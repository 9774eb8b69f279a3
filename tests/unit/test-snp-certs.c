// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNP certificates: the GHCB table format checked at start, and
 * KVM_EXIT_SNP_REQ_CERTS exits, fabricated, through vcpu_handle_exit():
 * the table lands in the guest's shared buffer; a buffer too small gets
 * ENOSPC with the pages needed; a buffer outside RAM, misaligned or
 * private, and a request without a table, get EIO. None ends the VM.
 */
#include <endian.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cc/image.h"
#include "cc/snp-certs.h"
#include "memory/convert.h"
#include "tests/test.h"
#include "vmm/launch.h"
#include "vmm/vm.h"

#define PG 0x1000ull
#define RAM (4ull << 20)
#define RUN_SIZE 4096

static const uint8_t vcek[16] = { 0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
				  0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
static const uint8_t ask[16] = { 0x79, 0xb3, 0xb7, 0x4a, 0xac, 0xbb, 0xe4, 0x4f,
				 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 };

/* A table of @n entries (VCEK, ASK, ...) with blobs of @blob bytes. */
static size_t make_table(uint8_t *buf, size_t size, unsigned int n,
			 uint32_t blob)
{
	size_t off = (n + 1) * SNP_CERT_ENTRY_SIZE;

	memset(buf, 0, size);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = buf + i * SNP_CERT_ENTRY_SIZE;
		uint32_t o = htole32(off), l = htole32(blob);

		memcpy(e, i ? ask : vcek, 16);
		e[15] ^= i > 1 ? i : 0;	/* distinct GUIDs past the second */
		memcpy(e + 16, &o, 4);
		memcpy(e + 20, &l, 4);
		memset(buf + off, 0x30 + i, blob);
		off += blob;
	}
	return off;
}

static void test_table_format(void)
{
	static uint8_t t[SNP_CERTS_MAX_SIZE + 1];
	struct snp_certs_info info;
	char why[256] = "";
	size_t n;
	uint32_t v;

	n = make_table(t, sizeof(t), 2, 1000);
	EXPECT(snp_certs_check(t, n, &info, why, sizeof(why)) == 0 &&
	       info.nr_entries == 2 && !strcmp(info.names[0], "VCEK") &&
	       !strcmp(info.names[1], "ASK"),
	       "a VCEK and ASK table should pass: %s", why);

	EXPECT(snp_certs_check(t, 2 * SNP_CERT_ENTRY_SIZE, &info, why,
			       sizeof(why)) == -EINVAL &&
	       strstr(why, "no terminating all-zero entry"),
	       "a cut table should be refused: %s", why);
	EXPECT(snp_certs_check(t, n - 1, &info, why, sizeof(why)) == -EINVAL &&
	       strstr(why, "entry 1 (ASK): offset 0x430, length 0x3e8 is not inside the file after the table (0x48..0x817)"),
	       "a blob past the end should be refused: %s", why);
	v = htole32(0x10);
	memcpy(t + 16, &v, 4);
	EXPECT(snp_certs_check(t, n, &info, why, sizeof(why)) == -EINVAL &&
	       strstr(why, "entry 0 (VCEK): offset 0x10"),
	       "a blob inside the table should be refused: %s", why);
	n = make_table(t, sizeof(t), 2, 1000);
	memcpy(t + SNP_CERT_ENTRY_SIZE, vcek, 16);
	EXPECT(snp_certs_check(t, n, &info, why, sizeof(why)) == -EINVAL &&
	       strstr(why, "entries 0 and 1 have the same GUID (VCEK)"),
	       "a GUID twice should be refused: %s", why);
	n = make_table(t, sizeof(t), 0, 0);
	EXPECT(snp_certs_check(t, n, &info, why, sizeof(why)) == -EINVAL &&
	       strstr(why, "empty"), "an empty table should be refused: %s", why);
	EXPECT(snp_certs_check(t, sizeof(t), &info, why, sizeof(why)) == -EINVAL &&
	       strstr(why, "more than the 1048576"),
	       "an oversized file should be refused: %s", why);
	n = make_table(t, sizeof(t), 2, 1000);
	memset(t + 20, 0, 4);
	EXPECT(snp_certs_check(t, n, &info, why, sizeof(why)) == -EINVAL &&
	       strstr(why, "length 0x0"), "an empty blob should be refused: %s",
	       why);
}

/* ---- exits through the dispatcher ---- */

static struct vm vm;
static struct vm_config cfg;
static struct vcpu vcpu;
static struct cc_launch launch;
static uint8_t table[8192];
static size_t table_size;

static int fake_set_attributes(struct guest_memory *m, uint64_t gpa,
			       uint64_t size, uint64_t attributes)
{
	(void)m, (void)gpa, (void)size, (void)attributes;
	return 0;
}

static int memfd_of(uint64_t size)
{
	int fd = memfd_create("test", MFD_CLOEXEC);

	EXPECT(fd >= 0 && ftruncate(fd, size) == 0, "memfd should be created");
	return fd;
}

static void setup(bool with_table)
{
	struct mem_region *r = &vm.mem.regions[0];

	vm_config_init(&cfg);
	cfg.cc.mode = CC_MODE_SNP;
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
				  .gmem_fd = memfd_of(RAM),
				  .shared_fd = memfd_of(RAM) };
	r->hva = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED,
		      r->shared_fd, 0);
	memset(r->hva, 0xee, RAM);
	table_size = make_table(table, sizeof(table), 2, 2500);
	launch = (struct cc_launch){ .sev_fd = -1 };
	if (with_table) {
		launch.img.snp_certs = table;
		launch.img.snp_certs_size = table_size;
	}
	vcpu = (struct vcpu){ .vm = &vm, .fd = -1,
			      .run = calloc(1, RUN_SIZE) };
}

static void teardown(void)
{
	mem_destroy(&vm.mem);
	free(vcpu.run);
}

static uint64_t request(uint64_t gpa, uint64_t npages, uint64_t *ret_npages)
{
	struct cvmm_exit_snp_req_certs *e = kvm_run_snp_req_certs(vcpu.run);
	enum vcpu_action a;

	vcpu.run->exit_reason = KVM_EXIT_SNP_REQ_CERTS;
	*e = (struct cvmm_exit_snp_req_certs){ .gpa = gpa, .npages = npages,
					       .ret = 0xdead };
	a = vcpu_handle_exit(&vcpu);
	EXPECT_EQ(a, VCPU_CONTINUE, "a certificate request should never stop the VM");
	if (ret_npages)
		*ret_npages = e->npages;
	return e->ret;
}

static void test_exit_serves_table(void)
{
	uint8_t *ram;
	uint64_t np;

	setup(true);
	ram = vm.mem.regions[0].hva;
	EXPECT(table_size == 72 + 5000, "two 2500-byte blobs after 3 entries");
	EXPECT_EQ(request(0x200000, 2, &np), 0, "a 2-page buffer should be served");
	EXPECT(!memcmp(ram + 0x200000, table, table_size),
	       "the table should be in the guest's buffer");
	EXPECT(ram[0x200000 + table_size] == 0 && ram[0x200000 + 0x1fff] == 0,
	       "the rest of the last page should be zero");
	EXPECT(ram[0x202000] == 0xee, "nothing past the table's pages should change");
	EXPECT_EQ(np, 2, "npages should stay as the guest gave it");
	EXPECT_EQ(launch.certs_served, 1, "one request served");
	teardown();
}

static void test_exit_errors(void)
{
	uint8_t *ram;
	uint64_t np;

	setup(true);
	ram = vm.mem.regions[0].hva;
	EXPECT_EQ(request(0x200000, 1, &np), ENOSPC,
		  "a 1-page buffer for a 2-page table should get ENOSPC");
	EXPECT_EQ(np, 2, "ENOSPC should say 2 pages are needed");
	EXPECT_EQ(request(0x200000, 0, &np), ENOSPC,
		  "npages 0 (a size query) should get ENOSPC");
	EXPECT_EQ(np, 2, "the size query should learn 2 pages");
	EXPECT(ram[0x200000] == 0xee, "a refused request should write nothing");
	EXPECT_EQ(request(RAM - PG, 2, NULL), EIO,
		  "a buffer running past guest RAM should get EIO");
	EXPECT_EQ(request(0x200800, 2, NULL), EIO,
		  "a misaligned buffer should get EIO");
	EXPECT_EQ(request(~0ull & ~(PG - 1), 2, NULL), EIO,
		  "a buffer that wraps should get EIO");
	EXPECT_EQ(request(1ull << 40, 1ull << 40, NULL), EIO,
		  "a huge buffer outside RAM should get EIO");
	EXPECT_EQ(mem_convert_keep_shared(&vm.mem, 0x201000, PG), 0,
		  "page 0x201000 should become private");
	EXPECT_EQ(request(0x200000, 2, NULL), EIO,
		  "a buffer with a private page should get EIO");
	EXPECT(ram[0x200000] == 0xee && ram[0x201000] == 0xee,
	       "its pages should stay untouched");
	EXPECT_EQ(launch.certs_refused, 7, "every refusal is counted");
	teardown();

	setup(false);
	EXPECT_EQ(request(0x200000, 4, NULL), EIO,
		  "a request without cc.snp.certs should get EIO");
	teardown();
}

TEST_MAIN(TEST_CASE(test_table_format), TEST_CASE(test_exit_serves_table),
	  TEST_CASE(test_exit_errors))
