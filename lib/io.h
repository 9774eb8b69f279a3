/* SPDX-License-Identifier: GPL-2.0-only */
/* Whole reads from files. */
#ifndef CVMM_IO_H
#define CVMM_IO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * pread() all of [off, off + len) of fd into buf, through short reads and
 * EINTR. 0, -errno, or -EIO if the file ends first (it shrank under us).
 */
int pread_full(int fd, void *buf, size_t len, off_t off);

#endif
