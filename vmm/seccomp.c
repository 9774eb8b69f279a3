// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seccomp allow-lists, one const table per thread role, and the SIGSYS
 * reporter. A thread installs its role's filter itself (seccomp filters
 * are per thread), after privileges are dropped and before it serves the
 * guest; threads it creates later inherit it.
 *
 * Rules name the system call and, where it matters, the argument values
 * allowed: ioctl by request number (the kernel reads the low 32 bits), no
 * PROT_EXEC in mmap and mprotect, signals only to this process. Every
 * entry says who needs it. A rule with .only_if applies only when the
 * config needs it (--stats, the test guest's test port).
 *
 * Adding a role: an enum value in seccomp.h, a table here, a row in
 * roles[], and a call to seccomp_install() at the start of the thread.
 *
 * Kill mode uses SCMP_ACT_TRAP rather than killing outright, so that the
 * reporter can name the role and the call on stderr; it then dies of
 * SIGSYS itself. Everything it does is async-signal-safe: the syscall
 * names are resolved before any filter is loaded.
 */
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/vhost.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

/* Linux 6.5; newer than the uapi headers cvmm builds against. */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

#include <seccomp.h>

#include "build-config.h"
#include "lib/kvm.h"
#include "vmm/seccomp.h"

/* Conditions of .only_if */
#define SC_IF_STATS (1u << 0)
#define SC_IF_TESTDEV (1u << 1)
/* virtio devices (devices/virtio/, on a kernel's PC only) */
#define SC_IF_VIRTIO (1u << 2)
#define SC_IF_DISK (1u << 3)
#define SC_IF_NET (1u << 4)
#define SC_IF_RNG (1u << 5)
#define SC_IF_VCONSOLE (1u << 6)
/* the userspace IOAPIC of --irqchip split, on a kernel's PC */
#define SC_IF_SPLIT_IRQCHIP (1u << 7)
/* virtio-vsock on vhost-vsock */
#define SC_IF_VSOCK (1u << 8)

/* Stands for this process's id in an argument test (see add_rule()). */
#define SC_SELF_PID ((scmp_datum_t)-2)

struct sc_rule {
	int nr;
	/* Argument tests, all of which must hold. */
	unsigned int nr_args;
	struct scmp_arg_cmp args[2];
	/* SC_IF_*: only when the config needs it; 0: always. */
	unsigned int only_if;
};

#define ARG_EQ(i, v) { .arg = (i), .op = SCMP_CMP_EQ, .datum_a = (v) }
#define ARG_MASKED_EQ(i, mask, v)                                          \
	{ .arg = (i), .op = SCMP_CMP_MASKED_EQ, .datum_a = (mask),        \
	  .datum_b = (v) }
#define ARG_SELF(i) ARG_EQ(i, SC_SELF_PID)

#define ALLOW(name) { .nr = SCMP_SYS(name) }
#define ALLOW_ARG(name, a) { .nr = SCMP_SYS(name), .nr_args = 1, .args = { a } }
#define ALLOW_ARGS(name, a, b)                                             \
	{ .nr = SCMP_SYS(name), .nr_args = 2, .args = { a, b } }
#define ALLOW_IF(name, cond) { .nr = SCMP_SYS(name), .only_if = (cond) }
#define IOCTL(req) ALLOW_ARG(ioctl, ARG_MASKED_EQ(1, 0xffffffffu, (req)))
#define IOCTL_IF(req, cond)                                                \
	{ .nr = SCMP_SYS(ioctl), .nr_args = 1,                             \
	  .args = { ARG_MASKED_EQ(1, 0xffffffffu, (req)) }, .only_if = (cond) }

#define PUNCH_HOLE (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)

/* Every role: the C library, locks, signals between our own threads. */
static const struct sc_rule common_rules[] = {
	/* mutexes, condition variables, pthread_join() */
	ALLOW(futex),
	/* the guest console (stdout), cvmm's log (stderr), eventfds */
	ALLOW(write),
	/* malloc() and free(); nothing may become executable */
	ALLOW_ARG(mmap, ARG_MASKED_EQ(2, PROT_EXEC, 0)),
	ALLOW_ARG(mprotect, ARG_MASKED_EQ(2, PROT_EXEC, 0)),
	ALLOW(munmap),
	ALLOW(mremap),
	ALLOW(brk),
	/*
	 * free() and thread exit give memory back; the engine discards the
	 * dead side of anonymous guest RAM (memory/convert.c)
	 */
	ALLOW_ARG(madvise, ARG_EQ(2, MADV_DONTNEED)),
	/* the vDSO falls back to the syscall on some clock sources */
	ALLOW(clock_gettime),
	/* vm_request_stop() kicks vCPUs out of KVM_RUN */
	ALLOW_ARGS(tgkill, ARG_SELF(0), ARG_EQ(2, SIGUSR1)),
	/* abort(): glibc's own fatal errors still die of SIGABRT */
	ALLOW_ARGS(tgkill, ARG_SELF(0), ARG_EQ(2, SIGABRT)),
	/* pthread_kill() and abort() ask for the process id */
	ALLOW(getpid),
	/* pthread_kill() blocks signals around the kill */
	ALLOW(rt_sigprocmask),
	/* return from the vCPU kick and the SIGSYS reporter */
	ALLOW(rt_sigreturn),
	/* the kernel resumes interrupted sleeps through it */
	ALLOW(restart_syscall),
	/* the reporter's own death */
	ALLOW_ARGS(kill, ARG_SELF(0), ARG_EQ(1, SIGSYS)),
	/* thread exit */
	ALLOW(exit),
};

/*
 * The main thread: the event loop (lib/event-loop.c), device back-ends
 * and interrupts raised from them, then teardown and --stats.
 */
static const struct sc_rule main_rules[] = {
	/* vmm/irq.c: interrupts raised by back-ends */
	IOCTL(KVM_IRQ_LINE),
	IOCTL(KVM_SIGNAL_MSI),
	/*
	 * vmm/console.c: restore the terminal it made raw; glibc's
	 * tcsetattr() reads the settings back to check them
	 */
	ALLOW_ARGS(ioctl, ARG_EQ(0, STDIN_FILENO),
		   ARG_MASKED_EQ(1, 0xffffffffu, TCSETS)),
	ALLOW_ARGS(ioctl, ARG_EQ(0, STDIN_FILENO),
		   ARG_MASKED_EQ(1, 0xffffffffu, TCGETS)),
	/* lib/event-loop.c: its epoll set, stdin, eventfds, signalfd */
	ALLOW(epoll_wait),
	ALLOW(epoll_pwait),
	ALLOW(epoll_ctl),
	ALLOW(read),
	/* mem_convert_flush() at exit: the last deferred discard */
	ALLOW_ARG(fallocate, ARG_EQ(1, PUNCH_HOLE)),
	/* vm_free() */
	ALLOW(close),
	ALLOW(exit_group),
	/* --stats: writes its file, reads /proc/self/status */
	ALLOW_IF(openat, SC_IF_STATS),
	ALLOW_IF(newfstatat, SC_IF_STATS),
	ALLOW_IF(read, SC_IF_STATS),
	/* --stats: json-c seeds its hash tables */
	ALLOW_IF(getrandom, SC_IF_STATS),
	/* --stats: guest memory resident and allocated (memory/measure.c) */
	ALLOW_IF(mincore, SC_IF_STATS),
	ALLOW_IF(cachestat, SC_IF_STATS),
	ALLOW_IF(lseek, SC_IF_STATS),
	/* --stats: KVM's counters (vmm/kvm-stats.c) */
	ALLOW_IF(pread64, SC_IF_STATS),
	/* devices/virtio/blk.c: requests on the disk images, flushes */
	ALLOW_IF(preadv, SC_IF_DISK),
	ALLOW_IF(pwritev, SC_IF_DISK),
	ALLOW_IF(fdatasync, SC_IF_DISK),
	/* devices/virtio/net.c: packets from and to the TAP devices */
	ALLOW_IF(readv, SC_IF_NET),
	ALLOW_IF(writev, SC_IF_NET),
	/* devices/virtio/console.c: the guest's hvc0 output on stdout */
	ALLOW_IF(writev, SC_IF_VCONSOLE),
	/* devices/virtio/rng.c: the guest's entropy */
	ALLOW_IF(getrandom, SC_IF_RNG),
};

/*
 * A vCPU thread: KVM_RUN, and what its exit handlers do inline: device
 * emulation, conversions (memory/convert.c), error reports.
 */
static const struct sc_rule vcpu_rules[] = {
	/* enter the guest */
	IOCTL(KVM_RUN),
	/* rip and registers in error reports (x86_dump_registers()) */
	IOCTL(KVM_GET_REGS),
	IOCTL(KVM_GET_SREGS),
	/* the state dump after SIGQUIT or SIGUSR2 (vcpu.c) */
	IOCTL(KVM_GET_MP_STATE),
#ifdef __x86_64__
	IOCTL(KVM_GET_LAPIC),
	IOCTL(KVM_GET_VCPU_EVENTS),
#else
	/* arm64's pc in error reports (vmm/arm64/vcpu.c) */
	IOCTL(KVM_GET_ONE_REG),
#endif
	/* conversions: MAP_GPA_RANGE and memory faults, on the VM fd */
	IOCTL(KVM_SET_MEMORY_ATTRIBUTES),
	/* cc.prefault: private ranges right after MAP_GPA_RANGE */
	IOCTL(KVM_PRE_FAULT_MEMORY),
	/* vmm/irq.c: interrupts raised by devices emulated inline */
	IOCTL(KVM_IRQ_LINE),
	IOCTL(KVM_SIGNAL_MSI),
	/* conversions: discard a dead side (PUNCH_HOLE), cc.preallocate */
	ALLOW_ARG(fallocate, ARG_EQ(1, PUNCH_HOLE)),
	ALLOW_ARG(fallocate, ARG_EQ(1, FALLOC_FL_KEEP_SIZE)),
	/* devices/testdev.c: what the host sees of guest memory */
	ALLOW_IF(pread64, SC_IF_TESTDEV),
	ALLOW_IF(cachestat, SC_IF_TESTDEV),
	ALLOW_IF(lseek, SC_IF_TESTDEV),
	ALLOW_IF(mincore, SC_IF_TESTDEV),
	/*
	 * devices/virtio/pci.c: an MSI-X vector's GSI route follows the
	 * address and data the guest gave it, when it unmasks the vector
	 */
	IOCTL_IF(KVM_SET_GSI_ROUTING, SC_IF_VIRTIO),
	/*
	 * devices/virtio/pci.c: the queues' ioeventfds follow the BAR when
	 * the guest moves it or turns memory decoding on or off
	 */
	IOCTL_IF(KVM_IOEVENTFD, SC_IF_VIRTIO),
	/*
	 * devices/x86/ioapic.c: the GSI route of an IOAPIC pin follows its
	 * redirection entry, when the guest reprograms it
	 */
	IOCTL_IF(KVM_SET_GSI_ROUTING, SC_IF_SPLIT_IRQCHIP),
	/*
	 * devices/virtio/vsock.c: the driver's DRIVER_OK starts vhost-vsock
	 * and its reset stops it, from the status register's write (owner,
	 * CID, memory table and call eventfds were set before any filter).
	 * The features the driver accepted, less ACCESS_PLATFORM:
	 */
	IOCTL_IF(VHOST_SET_FEATURES, SC_IF_VSOCK),
	/* each of rx and tx: its size, where it starts, its rings */
	IOCTL_IF(VHOST_SET_VRING_NUM, SC_IF_VSOCK),
	IOCTL_IF(VHOST_SET_VRING_BASE, SC_IF_VSOCK),
	IOCTL_IF(VHOST_SET_VRING_ADDR, SC_IF_VSOCK),
	/* the queue's ioeventfd, which wakes vhost instead of cvmm */
	IOCTL_IF(VHOST_SET_VRING_KICK, SC_IF_VSOCK),
	/* running at DRIVER_OK, stopped at reset */
	IOCTL_IF(VHOST_VSOCK_SET_RUNNING, SC_IF_VSOCK),
};

#if CONFIG_SANITIZERS
/*
 * ASan, UBSan and LeakSanitizer (meson -Db_sanitize builds only, found by
 * running them in kill mode): reports from any thread, and the leak check
 * at exit, which stops every thread from a ptrace helper process.
 */
static const struct sc_rule sanitizer_rules[] = {
	/* reports: colours, the binary and its maps for symbols */
	IOCTL(TCGETS),
	ALLOW(readlink),
	ALLOW(open),
	ALLOW(openat),
	ALLOW(read),
	ALLOW(lseek),
	ALLOW(fcntl),
	ALLOW(newfstatat),
	ALLOW(close),
	ALLOW(gettid),
	/* halt_on_error from any thread */
	ALLOW(exit_group),
	/* per-thread alternate signal stacks, shadow memory advice */
	ALLOW(sigaltstack),
	ALLOW(madvise),
	/* the leak check: a tracer process attaches to every thread */
	ALLOW(clone),
	ALLOW(ptrace),
	ALLOW(wait4),
	ALLOW(getdents),
	ALLOW(prctl),
	ALLOW(getppid),
	ALLOW(rt_sigaction),
	ALLOW(sched_yield),
};
#endif

/*
 * The GetQuote relay (vmm/tdx-quote.c): one Unix-socket connection to the
 * quote generation service per request, and the notify interrupt.
 */
static const struct sc_rule quote_rules[] = {
	/* connect to the quote service's Unix socket */
	ALLOW_ARG(socket, ARG_EQ(0, AF_UNIX)),
	ALLOW(connect),
	/* the request and the reply, each bounded by poll()'s timeout */
	ALLOW(poll),
	ALLOW(ppoll),
	ALLOW(sendto),
	ALLOW(recvfrom),
	/* tdx_quote_stop() cuts a transaction short; then the socket goes */
	ALLOW(shutdown),
	ALLOW(close),
	/* SetupEventNotifyInterrupt's vector, once the quote is there */
	IOCTL(KVM_SIGNAL_MSI),
};

static const struct sc_role {
	const char *name;
	const struct sc_rule *rules;
	size_t nr_rules;
} roles[] = {
	[SECCOMP_ROLE_MAIN] = { "main", main_rules, ARRAY_SIZE(main_rules) },
	[SECCOMP_ROLE_VCPU] = { "vcpu", vcpu_rules, ARRAY_SIZE(vcpu_rules) },
	[SECCOMP_ROLE_QUOTE] = { "quote", quote_rules, ARRAY_SIZE(quote_rules) },
};

_Static_assert(ARRAY_SIZE(roles) == SECCOMP_NR_ROLES, "a table per role");

const char *seccomp_role_name(enum seccomp_role role)
{
	return role < ARRAY_SIZE(roles) ? roles[role].name : "?";
}

/* What the reporter needs, computed before the first filter is loaded. */
#define SC_MAX_NR 512
static struct {
	pid_t pid;
	uint32_t arch;
	char *names[SC_MAX_NR];
	int err;
} reporter;
static pthread_once_t reporter_once = PTHREAD_ONCE_INIT;
static __thread const char *thread_role;

/* Append @s to buf[*n], within @size. */
static void put(char *buf, size_t *n, size_t size, const char *s)
{
	while (*s && *n < size)
		buf[(*n)++] = *s++;
}

static void put_uint(char *buf, size_t *n, size_t size, unsigned long v)
{
	char digits[24];
	size_t i = 0;

	do {
		digits[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i && *n < size)
		buf[(*n)++] = digits[--i];
}

static void sigsys_reporter(int sig, siginfo_t *info, void *ucontext)
{
	const char *name = NULL;
	int nr = info->si_syscall;
	char buf[192];
	size_t n = 0;

	(void)sig;
	(void)ucontext;
	if (info->si_arch == reporter.arch && nr >= 0 && nr < SC_MAX_NR)
		name = reporter.names[nr];
	put(buf, &n, sizeof(buf), "cvmm: error: seccomp: ");
	put(buf, &n, sizeof(buf), thread_role ? thread_role : "unfiltered");
	put(buf, &n, sizeof(buf), " thread made forbidden syscall ");
	put(buf, &n, sizeof(buf), name ? name : "unknown");
	put(buf, &n, sizeof(buf), " (nr ");
	put_uint(buf, &n, sizeof(buf), (unsigned int)nr);
	put(buf, &n, sizeof(buf), ")\n");
	while (write(STDERR_FILENO, buf, n) < 0 && errno == EINTR)
		;
	/* SA_RESETHAND made SIGSYS fatal again, SA_NODEFER lets it in. */
	kill(reporter.pid, SIGSYS);
}

static void reporter_init(void)
{
	struct sigaction sa = {
		.sa_sigaction = sigsys_reporter,
		.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER,
	};

	reporter.pid = getpid();
	reporter.arch = seccomp_arch_native();
	for (int nr = 0; nr < SC_MAX_NR; nr++)
		reporter.names[nr] =
			seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		reporter.err = -errno;
}

static unsigned int conditions_of(const struct vm_config *cfg)
{
	const typeof(cfg->devices) *dev = &cfg->devices;
	unsigned int virtio = (dev->nr_disks ? SC_IF_DISK : 0) |
			      (dev->nr_nets ? SC_IF_NET : 0) |
			      (dev->rng ? SC_IF_RNG : 0) |
			      (dev->console ? SC_IF_VCONSOLE : 0) |
			      (dev->vsock.given ? SC_IF_VSOCK : 0);

	if (virtio)
		virtio |= SC_IF_VIRTIO;
	return (cfg->stats.path ? SC_IF_STATS : 0) |
	       (cfg->boot.scenario ? SC_IF_TESTDEV : 0) |
	       (cfg->machine.irqchip == IRQCHIP_SPLIT ? SC_IF_SPLIT_IRQCHIP :
							 0) |
	       virtio;
}

static int add_rule(scmp_filter_ctx ctx, const struct sc_rule *rule)
{
	struct scmp_arg_cmp args[ARRAY_SIZE(rule->args)];

	for (unsigned int i = 0; i < rule->nr_args; i++) {
		args[i] = rule->args[i];
		if (args[i].datum_a == SC_SELF_PID)
			args[i].datum_a = reporter.pid;
	}
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, rule->nr,
				      rule->nr_args, args);
}

static int add_rules(scmp_filter_ctx ctx, const struct sc_rule *rules,
		     size_t n, unsigned int conditions)
{
	for (size_t i = 0; i < n; i++) {
		int r;

		if (rules[i].only_if && !(rules[i].only_if & conditions))
			continue;
		r = add_rule(ctx, &rules[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int build_and_load(scmp_filter_ctx ctx, enum seccomp_role role,
			  unsigned int conditions)
{
	const struct sc_role *desc = &roles[role];
	int r;

	/* Another ABI (x32, int 0x80) would bypass every rule here. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		return r;
	r = add_rules(ctx, common_rules, ARRAY_SIZE(common_rules), conditions);
	if (r < 0)
		return r;
	r = add_rules(ctx, desc->rules, desc->nr_rules, conditions);
	if (r < 0)
		return r;
#if CONFIG_SANITIZERS
	r = add_rules(ctx, sanitizer_rules, ARRAY_SIZE(sanitizer_rules), 0);
	if (r < 0)
		return r;
#endif
	/* KVM_RUN and the exit handlers' calls: test ioctl first. */
	r = seccomp_syscall_priority(ctx, SCMP_SYS(ioctl), 255);
	if (r < 0)
		return r;
	thread_role = desc->name;
	return seccomp_load(ctx);
}

int seccomp_install(enum seccomp_role role, const struct vm_config *cfg)
{
	scmp_filter_ctx ctx;
	int r;

	if (cfg->seccomp == SECCOMP_MODE_OFF)
		return 0;
	if (role >= SECCOMP_NR_ROLES)
		return -EINVAL;
	/* SECCOMP_RET_LOG: Linux 4.14, libseccomp API level 3. */
	if (cfg->seccomp == SECCOMP_MODE_LOG && seccomp_api_get() < 3)
		return -EOPNOTSUPP;
	pthread_once(&reporter_once, reporter_init);
	if (reporter.err < 0)
		return reporter.err;
	ctx = seccomp_init(cfg->seccomp == SECCOMP_MODE_LOG ? SCMP_ACT_LOG :
							      SCMP_ACT_TRAP);
	if (!ctx)
		return -ENOMEM;
	r = build_and_load(ctx, role, conditions_of(cfg));
	seccomp_release(ctx);
	return r;
}
