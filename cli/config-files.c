// SPDX-License-Identifier: GPL-2.0-only
/*
 * The files a config names are checked when it is loaded, so that a typo
 * in a path is reported with the others and not when the VM is half built.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/config-kernel.h"
#include "cli/config-parse.h"

/* The directory part of @path, "." when it has none. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, slash - path);
}

static int check_output(const char *shown, const char *path,
			const char *json_path, struct cfg_diag *d)
{
	_cleanup_free_ char *dir = dir_of(path);
	struct stat st;

	if (!dir)
		return -ENOMEM;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cfg_error(d, json_path, "directory of '%s' does not exist", shown);
		return -EINVAL;
	}
	if (access(dir, W_OK) < 0) {
		cfg_error(d, json_path, "directory of '%s' is not writable", shown);
		return -EINVAL;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		cfg_error(d, json_path, "'%s' is a directory", shown);
		return -EINVAL;
	}
	return 0;
}

static int check_firmware(const struct stat *st, const char *shown,
			  const char *json_path, struct cfg_diag *d)
{
	uint64_t size = st->st_size;

	if (size == 0) {
		cfg_error(d, json_path, "file '%s' is empty", shown);
		return -EINVAL;
	}
	if (!IS_ALIGNED(size, SZ_4K)) {
		cfg_error(d, json_path, "'%s' is %llu bytes, not a multiple of 4K",
			  shown, (unsigned long long)size);
		return -EINVAL;
	}
	if (size > CFG_MAX_FIRMWARE) {
		cfg_error(d, json_path, "'%s' is larger than 16M, the flash window below 4G",
			  shown);
		return -EINVAL;
	}
	return 0;
}

int cfg_check_file(enum cfg_file_kind kind, const char *shown,
		   const char *path, const char *json_path, struct cfg_diag *d)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (kind == CFG_FILE_OUTPUT)
		return check_output(shown, path, json_path, d);

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			cfg_error(d, json_path, "file '%s' does not exist", shown);
		else
			cfg_error(d, json_path, "cannot access '%s': %s", shown,
				  strerror(errno));
		return -EINVAL;
	}
	if (S_ISDIR(st.st_mode)) {
		cfg_error(d, json_path, "'%s' is a directory, not a file", shown);
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode) &&
	    !(kind == CFG_FILE_DISK && S_ISBLK(st.st_mode))) {
		cfg_error(d, json_path, "'%s' is not a regular file", shown);
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cfg_error(d, json_path, "file '%s' is not readable: %s", shown,
			  strerror(errno));
		return -EINVAL;
	}

	switch (kind) {
	case CFG_FILE_KERNEL:
		return cfg_check_kernel(fd, shown, json_path, d);
	case CFG_FILE_FIRMWARE:
		return check_firmware(&st, shown, json_path, d);
	case CFG_FILE_INITRD:
	case CFG_FILE_DISK:
	case CFG_FILE_OUTPUT:
	case CFG_FILE_DATA:
		break;
	}
	return 0;
}

char *cfg_absolute_path(const char *path, enum cfg_file_kind kind)
{
	_cleanup_free_ char *dir = NULL, *real_dir = NULL;
	const char *slash;
	char *p;

	if (kind != CFG_FILE_OUTPUT)
		return realpath(path, NULL);

	/* An output file need not exist yet: resolve its directory. */
	dir = dir_of(path);
	if (!dir)
		return NULL;
	real_dir = realpath(dir, NULL);
	if (!real_dir)
		return NULL;
	slash = strrchr(path, '/');
	if (asprintf(&p, "%s/%s", strcmp(real_dir, "/") ? real_dir : "",
		     slash ? slash + 1 : path) < 0)
		return NULL;
	return p;
}
