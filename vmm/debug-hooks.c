// SPDX-License-Identifier: GPL-2.0-only
/*
 * The debug hooks (see debug-hooks.h). The main thread's call comes from
 * an eventfd in its event loop, which the vCPU thread serving the test
 * port writes: the same path a device back-end's work takes.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "build-config.h"
#include "cc/snp-measure.h"
#include "lib/log.h"
#include "vmm/debug-hooks.h"
#include "vmm/vm.h"

#if CONFIG_DEBUG_HOOKS
/* One VM per process; the hook lives as long as the process. */
static struct event_handler main_hook = { .fd = -1 };

static int forbidden_syscall(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static void on_main_hook(struct event_handler *h, uint32_t revents)
{
	uint64_t n;

	(void)revents;
	if (read(h->fd, &n, sizeof(n)) != sizeof(n))
		return;
	log_info("debug hook: the main thread calls socket()");
	(void)forbidden_syscall();
}

/* On the vCPU thread serving the test port. */
static int hook(void *ctx, uint64_t arg)
{
	uint64_t one = 1;

	(void)ctx;
	switch (arg) {
	case 0:
		return forbidden_syscall();
	case 1:
		return write(main_hook.fd, &one, sizeof(one)) == sizeof(one) ?
			       0 : -errno;
	default:
		return -EINVAL;
	}
}

int debug_hooks_init(struct vm *vm)
{
	int r;

	main_hook.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (main_hook.fd < 0)
		return -errno;
	main_hook.fn = on_main_hook;
	r = event_loop_add(&vm->loop, &main_hook, EPOLLIN);
	if (r < 0)
		return r;
	vm->testdev.debug_hook = hook;
	return 0;
}

void debug_corrupt_sev_hash(struct snp_kernel_hashes *h)
{
	const char *which = getenv("CVMM_DEBUG_CORRUPT_SEV_HASH");
	uint8_t *hash = NULL;

	if (!which)
		return;
	if (!strcmp(which, "kernel"))
		hash = h->kernel;
	else if (!strcmp(which, "initrd"))
		hash = h->initrd;
	else if (!strcmp(which, "cmdline"))
		hash = h->cmdline;
	if (!hash) {
		log_warning("debug hook: CVMM_DEBUG_CORRUPT_SEV_HASH='%s' is not kernel, initrd or cmdline",
			    which);
		return;
	}
	hash[0] ^= 1;
	log_info("debug hook: the %s hash of the SEV kernel-hashes table is corrupted",
		 which);
}
#else
int debug_hooks_init(struct vm *vm)
{
	(void)vm;
	return 0;
}

void debug_corrupt_sev_hash(struct snp_kernel_hashes *h)
{
	(void)h;
}
#endif
