// SPDX-License-Identifier: GPL-2.0-only
/*
 * seccomp_install() without KVM: each case forks, installs a role's filter
 * in the child and makes one system call, and the parent looks at how the
 * child ended and what it printed. Allowed calls go through; a forbidden
 * one is reported as "<role> thread made forbidden syscall <name>" and
 * kills with SIGSYS in kill mode, goes through in log mode, and nothing
 * is filtered in off mode. ioctl is allowed by request number only.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test.h"
#include "lib/kvm.h"
#include "vmm/seccomp.h"

enum call {
	CALL_GETPID,
	CALL_SOCKET,
	CALL_KVM_RUN,
	CALL_TIOCGWINSZ,
	CALL_MMAP_EXEC,
	CALL_THREAD_KICK,
	CALL_SET_GSI_ROUTING,
};

/* The irqchip of the config the child installs its filter for. */
static enum irqchip child_irqchip = IRQCHIP_IN_KERNEL;

static void kick_handler(int sig)
{
	(void)sig;
}

/* 0 if the call went through (whatever it returned), 1 if it failed. */
static int make_call(enum call call, pid_t tid)
{
	struct winsize ws;
	void *p;
	int fd;

	switch (call) {
	case CALL_GETPID:
		return getpid() > 0 ? 0 : 1;
	case CALL_SOCKET:
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		return fd >= 0 ? 0 : 1;
	case CALL_KVM_RUN:
		/* Not a vCPU: ENOTTY, but the filter lets it through. */
		return ioctl(STDIN_FILENO, KVM_RUN, 0) < 0 && errno == ENOTTY ?
			       0 : 1;
	case CALL_TIOCGWINSZ:
		(void)ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
		return 0;
	case CALL_MMAP_EXEC:
		p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p != MAP_FAILED ? 0 : 1;
	case CALL_THREAD_KICK:
		/* What vm_request_stop() does to a vCPU thread. */
		return syscall(SYS_tgkill, getpid(), tid, SIGUSR1) == 0 ? 0 : 1;
	case CALL_SET_GSI_ROUTING:
		/* Not a VM: ENOTTY, but the filter lets it through. */
		return ioctl(STDIN_FILENO, KVM_SET_GSI_ROUTING, NULL) < 0 &&
			       errno == ENOTTY ? 0 : 1;
	}
	return 1;
}

/*
 * Fork; the child installs @role's filter in @mode and makes @call. The
 * child's stderr goes to *ret_err (up to size bytes); returns its status.
 */
static int run_child(enum seccomp_role role, enum seccomp_mode mode,
		     enum call call, char *ret_err, size_t size)
{
	struct vm_config cfg;
	int fds[2], status;
	ssize_t n;
	pid_t pid;

	vm_config_init(&cfg);
	cfg.seccomp = mode;
	cfg.machine.irqchip = child_irqchip;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		pid_t tid = gettid();

		dup2(fds[1], STDERR_FILENO);
		signal(SIGUSR1, kick_handler);
		if (seccomp_install(role, &cfg) < 0)
			_exit(100);
		/* A vCPU thread may only end itself, not the process. */
		syscall(SYS_exit, make_call(call, tid));
	}
	close(fds[1]);
	n = read(fds[0], ret_err, size - 1);
	ret_err[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return status;
}

static bool exited(int status, int code)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

static bool killed_by_sigsys(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

static void test_allowed_calls_go_through(void)
{
	static const struct {
		enum seccomp_role role;
		enum call call;
	} cases[] = {
		{ SECCOMP_ROLE_VCPU, CALL_GETPID },
		{ SECCOMP_ROLE_VCPU, CALL_KVM_RUN },
		{ SECCOMP_ROLE_VCPU, CALL_THREAD_KICK },
		{ SECCOMP_ROLE_MAIN, CALL_GETPID },
		/* the GetQuote relay: a Unix socket to the quote service */
		{ SECCOMP_ROLE_QUOTE, CALL_SOCKET },
	};
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int st = run_child(cases[i].role, SECCOMP_MODE_KILL,
				   cases[i].call, err, sizeof(err));

		EXPECT(exited(st, 0) && !err[0],
		       "%s thread: call %d should be allowed (status 0x%x, stderr '%s')",
		       seccomp_role_name(cases[i].role), cases[i].call, st,
		       err);
	}
}

static void test_kill_mode_reports_and_dies(void)
{
	static const struct {
		enum seccomp_role role;
		enum call call;
		const char *line;
	} cases[] = {
		{ SECCOMP_ROLE_VCPU, CALL_SOCKET,
		  "cvmm: error: seccomp: vcpu thread made forbidden syscall socket (nr 41)\n" },
		{ SECCOMP_ROLE_MAIN, CALL_SOCKET,
		  "cvmm: error: seccomp: main thread made forbidden syscall socket (nr 41)\n" },
		/* The relay may signal an MSI, not run a vCPU. */
		{ SECCOMP_ROLE_QUOTE, CALL_KVM_RUN,
		  "cvmm: error: seccomp: quote thread made forbidden syscall ioctl (nr 16)\n" },
		/* ioctl is allowed for KVM_RUN, not for any request. */
		{ SECCOMP_ROLE_VCPU, CALL_TIOCGWINSZ,
		  "cvmm: error: seccomp: vcpu thread made forbidden syscall ioctl (nr 16)\n" },
		/* mmap is allowed, not with PROT_EXEC. */
		{ SECCOMP_ROLE_VCPU, CALL_MMAP_EXEC,
		  "cvmm: error: seccomp: vcpu thread made forbidden syscall mmap (nr 9)\n" },
	};
	char err[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int st = run_child(cases[i].role, SECCOMP_MODE_KILL,
				   cases[i].call, err, sizeof(err));

		EXPECT(killed_by_sigsys(st),
		       "%s: should die of SIGSYS (status 0x%x)", cases[i].line,
		       st);
		EXPECT(!strcmp(err, cases[i].line),
		       "the reporter should print '%s', printed '%s'",
		       cases[i].line, err);
	}
}

static void test_log_mode_continues(void)
{
	char err[256];
	int st = run_child(SECCOMP_ROLE_VCPU, SECCOMP_MODE_LOG, CALL_SOCKET,
			   err, sizeof(err));

	EXPECT(exited(st, 0) && !err[0],
	       "log mode should let socket() through (status 0x%x, '%s')", st,
	       err);
}

static void test_off_mode_filters_nothing(void)
{
	char err[256];
	int st = run_child(SECCOMP_ROLE_VCPU, SECCOMP_MODE_OFF,
			   CALL_MMAP_EXEC, err, sizeof(err));

	EXPECT(exited(st, 0), "off mode should filter nothing (status 0x%x)",
	       st);
}

/* The guest reprograms the userspace IOAPIC from a vCPU thread. */
static void test_gsi_routing_only_with_split_irqchip(void)
{
	char err[256];
	int st;

	st = run_child(SECCOMP_ROLE_VCPU, SECCOMP_MODE_KILL,
		       CALL_SET_GSI_ROUTING, err, sizeof(err));
	EXPECT(killed_by_sigsys(st),
	       "in-kernel irqchip, no virtio: a vCPU may not set GSI routes (status 0x%x)",
	       st);
	child_irqchip = IRQCHIP_SPLIT;
	st = run_child(SECCOMP_ROLE_VCPU, SECCOMP_MODE_KILL,
		       CALL_SET_GSI_ROUTING, err, sizeof(err));
	child_irqchip = IRQCHIP_IN_KERNEL;
	EXPECT(exited(st, 0) && !err[0],
	       "split irqchip: a vCPU should set GSI routes (status 0x%x, '%s')",
	       st, err);
}

static void test_role_names(void)
{
	EXPECT(!strcmp(seccomp_role_name(SECCOMP_ROLE_MAIN), "main") &&
		       !strcmp(seccomp_role_name(SECCOMP_ROLE_VCPU), "vcpu") &&
		       !strcmp(seccomp_role_name(SECCOMP_NR_ROLES), "?"),
	       "roles should be named main and vcpu");
}

TEST_MAIN(TEST_CASE(test_allowed_calls_go_through),
	  TEST_CASE(test_kill_mode_reports_and_dies),
	  TEST_CASE(test_log_mode_continues),
	  TEST_CASE(test_off_mode_filters_nothing),
	  TEST_CASE(test_gsi_routing_only_with_split_irqchip),
	  TEST_CASE(test_role_names))
