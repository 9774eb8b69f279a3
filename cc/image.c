// SPDX-License-Identifier: GPL-2.0-only
/*
 * The files of a CC launch: the firmware, read whole (at most 16M, checked
 * by the config loader too), and the kernel and initrd, read whole once
 * (at most 1G each), hashed from that copy and kept for the firmware.
 * Every failure names the file and says why in plain words.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cc/image.h"
#include "lib/io.h"

static int fail(char *reason, size_t len, int r, const char *fmt, ...)
	__printf(4, 5);

static int fail(char *reason, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
	return r;
}

static int read_whole(const char *path, size_t max, uint8_t **ret,
		      size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ uint8_t *buf = NULL;
	struct stat st;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		return -ENOMEM;
	r = pread_full(fd, buf, st.st_size, 0);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	*ret_size = st.st_size;
	return 0;
}

/*
 * The kernel and initrd, read once: the hashes of the launch and the bytes
 * the firmware is handed (fw_cfg) come from the same copy, so a file
 * changed on disk in between cannot make them differ.
 */
static int load_boot_file(const char *path, const char *what, uint8_t **ret,
			  size_t *ret_size, char *reason, size_t len)
{
	int r = read_whole(path, CC_MAX_BOOT_FILE, ret, ret_size);

	if (r < 0)
		return fail(reason, len, r, "%s: cannot read the %s: %s", path,
			    what, r == -EFBIG ? "larger than 1G" : strerror(-r));
	return 0;
}

int cc_boot_files_load(const struct vm_config *cfg, struct cc_image *img,
		       char *reason, size_t len)
{
	int r;

	r = load_boot_file(cfg->boot.kernel, "kernel", &img->kernel,
			   &img->kernel_size, reason, len);
	if (r == 0 && cfg->boot.initrd)
		r = load_boot_file(cfg->boot.initrd, "initrd", &img->initrd,
				   &img->initrd_size, reason, len);
	if (r < 0)
		return r;
	/* The command line is hashed with its NUL (sev-snp.md section 5). */
	snp_kernel_hashes_compute(img->kernel, img->kernel_size, img->initrd,
				  img->initrd_size, cfg->boot.cmdline,
				  &img->hashes);
	return 0;
}

/* The ELF magic: a vmlinux, not a bzImage or an EFI application. */
static bool is_vmlinux(const uint8_t *kernel, size_t size)
{
	return size >= 4 && !memcmp(kernel, "\x7f" "ELF", 4);
}

static const char *parse_error(int r)
{
	switch (r) {
	case -ENOEXEC:
		return "not an OVMF image: no footer table (GUID 96b582de-1fb2-45f7-baea-a366c55a082d) before the reset vector";
	case -E2BIG:
		return "its OVMF metadata lists more sections than cvmm handles";
	default:
		return "malformed OVMF footer table or metadata";
	}
}

static int check_snp(const struct vm_config *cfg, const struct cc_image *img,
		     char *reason, size_t len)
{
	const char *fw = cfg->boot.firmware;

	if (!img->info.has_sev_meta)
		return fail(reason, len, -EINVAL,
			    "%s: no SEV metadata (\"ASEV\", GUID dc886566-984a-4798-a75e-5585a7bf67cc): not an OVMF built for SEV-SNP",
			    fw);
	if (cfg->machine.vcpus > 1 && !img->info.has_sev_es_reset)
		return fail(reason, len, -EINVAL,
			    "%s: no SEV-ES reset block, so application processors cannot start (machine.vcpus %u)",
			    fw, cfg->machine.vcpus);
	if (cfg->boot.kernel && !img->info.has_sev_hashes)
		return fail(reason, len, -EINVAL,
			    "%s: no kernel-hashes table (GUID 7255371f-3a3b-4b04-927b-1da6efa8d454), so boot.kernel cannot be measured",
			    fw);
	return 0;
}

/* The certificate table, read whole and checked before it is served. */
static int load_certs(const char *path, struct cc_image *img, char *reason,
		      size_t len)
{
	char why[CC_REASON_MAX];
	int r;

	r = read_whole(path, SNP_CERTS_MAX_SIZE, &img->snp_certs,
		       &img->snp_certs_size);
	if (r < 0)
		return fail(reason, len, r == -EFBIG ? -EINVAL : r,
			    "cc.snp.certs: %s: %s", path,
			    r == -EFBIG ? "larger than 1M" : strerror(-r));
	r = snp_certs_check(img->snp_certs, img->snp_certs_size,
			    &img->snp_certs_info, why, sizeof(why));
	if (r < 0)
		return fail(reason, len, r, "cc.snp.certs: %s: %s", path, why);
	return 0;
}

int cc_image_load(const struct vm_config *cfg, struct cc_image *ret,
		  char *reason, size_t len)
{
	const char *fw = cfg->boot.firmware;
	struct cc_image img = {};
	unsigned int what;
	int r;

	if (cfg->cc.mode != CC_MODE_SNP && cfg->cc.mode != CC_MODE_TDX)
		return fail(reason, len, -EINVAL,
			    "cc.mode '%s' has no measured launch; use \"snp\" or \"tdx\"",
			    cc_mode_name(cfg->cc.mode));
	if (!fw)
		return fail(reason, len, -EINVAL,
			    "cc.mode '%s' needs boot.firmware: %s",
			    cc_mode_name(cfg->cc.mode),
			    cfg->cc.mode == CC_MODE_SNP ?
				    "an OVMF built for SEV-SNP (OVMF.amdsev.fd)" :
				    "TDVF, an OVMF built for TDX (OVMF.inteltdx.fd)");
	r = read_whole(fw, CFG_MAX_FIRMWARE, &img.fw, &img.fw_size);
	if (r < 0)
		return fail(reason, len, r, "%s: cannot read the firmware: %s",
			    fw, r == -EFBIG ? "larger than 16M" : strerror(-r));

	what = cfg->cc.mode == CC_MODE_SNP ? OVMF_PARSE_SEV : OVMF_PARSE_TDX;
	r = ovmf_parse(img.fw, img.fw_size, what, &img.info);
	if (r < 0) {
		r = fail(reason, len, -EINVAL, "%s: %s", fw, parse_error(r));
		goto err_free;
	}
	if (cfg->cc.mode == CC_MODE_TDX && !img.info.has_tdvf) {
		r = fail(reason, len, -EINVAL,
			 "%s: no TDVF metadata (GUID e47a6535-984a-4798-865e-4685a7bf8ec2): not a firmware built for TDX",
			 fw);
		goto err_free;
	}
	if (cfg->cc.mode == CC_MODE_SNP) {
		r = check_snp(cfg, &img, reason, len);
		if (r == 0)
			r = snp_finish_inputs_load(cfg, &img.snp_finish, reason,
						   len);
		if (r == 0 && cfg->cc.snp.certs)
			r = load_certs(cfg->cc.snp.certs, &img, reason, len);
		if (r < 0)
			goto err_free;
	}
	/* SNP measures the hashes; TDVF measures what fw_cfg hands it. */
	if (cfg->boot.kernel) {
		r = cc_boot_files_load(cfg, &img, reason, len);
		if (r == 0 && is_vmlinux(img.kernel, img.kernel_size))
			r = fail(reason, len, -EINVAL,
				 "%s: a vmlinux (ELF) cannot be measured: cc.mode '%s' boots a bzImage through the firmware; give the bzImage",
				 cfg->boot.kernel, cc_mode_name(cfg->cc.mode));
		if (r < 0)
			goto err_free;
		img.has_kernel_hashes = cfg->cc.mode == CC_MODE_SNP;
	}
	*ret = img;
	return 0;

err_free:
	cc_image_free(&img);
	return r;
}

void cc_image_free(struct cc_image *img)
{
	free(img->fw);
	free(img->snp_certs);
	free(img->kernel);
	free(img->initrd);
	*img = (struct cc_image){};
}
