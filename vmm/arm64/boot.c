// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux on arm64: the Image at its 2 MiB aligned place, the initrd and
 * the device tree written into guest RAM before the first KVM_RUN, and
 * the boot vCPU pointed at the kernel with x0 = the device tree.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/io.h"
#include "lib/log.h"
#include "vmm/arm64/arm64.h"
#include "vmm/arm64/fdt.h"
#include "vmm/arm64/image.h"
#include "vmm/arm64/layout.h"

/* Open a regular file; its size in *ret_size. Logs its errors. */
static int open_image(const char *what, const char *path, uint64_t *ret_size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return log_error_errno(-errno, "%s '%s' cannot be opened", what,
				       path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("%s '%s' is not a regular file", what, path);
		close(fd);
		return -EINVAL;
	}
	*ret_size = st.st_size;
	return fd;
}

/* Read len bytes of fd straight into guest RAM at gpa. */
static int read_into(struct vm *vm, int fd, uint64_t gpa, uint64_t len)
{
	void *dst = mem_gpa_to_hva(&vm->mem, gpa, len);
	int r;

	if (!dst)
		return -EFAULT;
	r = pread_full(fd, dst, len, 0);
	if (r < 0)
		return r;
	vm->mem.stats.bytes_populated += len;
	return 0;
}

static int parse_kernel(const char *path, int fd, uint64_t size,
			struct arm64_image *ret)
{
	uint8_t hdr[ARM64_IMAGE_HEADER_SIZE] = { 0 };
	char why[256];
	int r;

	if (size >= sizeof(hdr)) {
		r = pread_full(fd, hdr, sizeof(hdr), 0);
		if (r < 0)
			return log_error_errno(r, "kernel '%s' cannot be read", path);
	}
	r = arm64_image_parse(hdr, sizeof(hdr), size, ret, why, sizeof(why));
	if (r < 0)
		log_error("kernel '%s' is not a bootable arm64 Image: %s", path,
			  why);
	return r;
}

static int write_fdt(struct vm *vm, const struct arm64_boot_layout *l,
		     uint64_t initrd_size)
{
	const struct vm_config *cfg = vm->cfg;
	struct arm64_fdt_desc desc = {
		.ram_gpa = ARM64_RAM_GPA,
		.ram_size = cfg->machine.memory_size,
		.nr_vcpus = vm->nr_vcpus,
		.its = vm->arm64->its_fd >= 0,
		.pmu = vm->arm64->pmu,
		.bootargs = cfg->boot.cmdline,
		.initrd_gpa = l->initrd_gpa,
		.initrd_size = initrd_size,
	};
	void *dst = mem_gpa_to_hva(&vm->mem, l->dtb_gpa, ARM64_FDT_MAX_SIZE);
	int r;

	if (!dst)
		return log_error_errno(-EFAULT, "device tree at 0x%llx",
				       (unsigned long long)l->dtb_gpa);
	r = arm64_fdt_build(&desc, dst, ARM64_FDT_MAX_SIZE);
	if (r < 0)
		return log_error_errno(r, "building the device tree");
	vm->mem.stats.bytes_populated += ARM64_FDT_MAX_SIZE;
	return 0;
}

int arm64_boot_load(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	_cleanup_close_ int kfd = -1, ifd = -1;
	uint64_t ksize, isize = 0;
	struct arm64_boot_layout l;
	struct arm64_image img;
	char why[256];
	int r;

	kfd = open_image("kernel", cfg->boot.kernel, &ksize);
	if (kfd < 0)
		return kfd;
	r = parse_kernel(cfg->boot.kernel, kfd, ksize, &img);
	if (r < 0)
		return r;
	if (cfg->boot.initrd) {
		ifd = open_image("initrd", cfg->boot.initrd, &isize);
		if (ifd < 0)
			return ifd;
	}
	r = arm64_boot_layout(&img, ARM64_RAM_GPA, cfg->machine.memory_size,
			      isize, ARM64_FDT_MAX_SIZE, &l, why, sizeof(why));
	if (r < 0) {
		log_error("kernel '%s': %s", cfg->boot.kernel, why);
		return r;
	}
	r = read_into(vm, kfd, l.kernel_gpa, ksize);
	if (r < 0)
		return log_error_errno(r, "kernel '%s' cannot be read", cfg->boot.kernel);
	if (isize) {
		r = read_into(vm, ifd, l.initrd_gpa, isize);
		if (r < 0)
			return log_error_errno(r, "initrd '%s' cannot be read",
					       cfg->boot.initrd);
	}
	r = write_fdt(vm, &l, isize);
	if (r < 0)
		return r;
	vm->arm64->entry_gpa = l.kernel_gpa;
	vm->arm64->dtb_gpa = l.dtb_gpa;
	r = arm64_vcpu_set_entry(&vm->vcpus[0], l.kernel_gpa, l.dtb_gpa);
	return r < 0 ? log_error_errno(r, "setting the boot vCPU's pc and x0") : 0;
}
