// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_open_explained() on what no real host here can show: a /dev/kvm that
 * answers an API version other than 12, and a node without a driver. open()
 * and ioctl() go to a stand-in through --wrap: "/dev/kvm" opens /dev/null
 * (a real fd, so that closing it can be checked) or fails with the errno
 * asked for, and KVM_GET_API_VERSION on it answers the version asked for.
 * No device, EACCES and a node that is not KVM are tested for real by
 * tests/nokvm/test-no-kvm.sh.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "tests/test.h"
#include "lib/kvm.h"

static struct {
	int open_err;	/* errno for open("/dev/kvm"), 0: it opens */
	int version;	/* KVM_GET_API_VERSION's answer */
	int fd;		/* the fd handed out for /dev/kvm */
} fake = { .fd = -1 };

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_open64(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	unsigned long arg;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (fd == fake.fd && req == KVM_GET_API_VERSION)
		return fake.version;
	return __real_ioctl(fd, req, arg);
}

static int fake_open(const char *path, int flags)
{
	if (strcmp(path, KVM_DEVICE_PATH))
		return -2;
	if (fake.open_err) {
		errno = fake.open_err;
		return -1;
	}
	fake.fd = __real_open("/dev/null", flags);
	return fake.fd;
}

int __wrap_open(const char *path, int flags, ...)
{
	int fd = fake_open(path, flags);
	va_list ap;
	int mode;

	if (fd != -2)
		return fd;
	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	return __real_open(path, flags, mode);
}

int __wrap_open64(const char *path, int flags, ...)
{
	int fd = fake_open(path, flags);
	va_list ap;
	int mode;

	if (fd != -2)
		return fd;
	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	return __real_open64(path, flags, mode);
}

static char why[320];

static int open_with(int open_err, int version)
{
	fake.open_err = open_err;
	fake.version = version;
	fake.fd = -1;
	memset(why, 0, sizeof(why));
	return kvm_open_explained(why, sizeof(why));
}

static void test_api_version_12_opens(void)
{
	int fd = open_with(0, 12);

	EXPECT(fd >= 0 && fd == fake.fd, "version 12 should give the fd (%d)", fd);
	EXPECT(why[0] == '\0', "no reason should be written (%s)", why);
	if (fd >= 0)
		close(fd);
}

static void test_other_api_version_refused(void)
{
	int fd = open_with(0, 11);

	EXPECT_EQ(fd, -EPROTO, "version 11 should give -EPROTO");
	EXPECT(!strcmp(why, "/dev/kvm speaks KVM API version 11, cvmm needs 12: "
		       "run a kernel whose KVM has API version 12"),
	       "the reason should name both versions (%s)", why);
	EXPECT(fcntl(fake.fd, F_GETFD) < 0 && errno == EBADF,
	       "the refused fd should be closed");
}

static void test_node_without_driver(void)
{
	EXPECT_EQ(open_with(ENXIO, 12), -ENXIO, "open's errno should come back");
	EXPECT(!strncmp(why, "/dev/kvm has no driver behind it (ENXIO): load the "
			"kvm_intel or kvm_amd module", 71),
	       "the reason should say there is no driver (%s)", why);
}

static void test_other_errno(void)
{
	EXPECT_EQ(open_with(EMFILE, 12), -EMFILE, "open's errno should come back");
	EXPECT(strstr(why, "cannot open /dev/kvm: ") == why &&
	       strstr(why, "(EMFILE)"), "the reason should name the errno (%s)",
	       why);
}

static void test_no_reason_wanted(void)
{
	fake.open_err = ENOENT;
	EXPECT_EQ(kvm_open(), -ENOENT, "kvm_open() should give -ENOENT");
}

TEST_MAIN(TEST_CASE(test_api_version_12_opens),
	  TEST_CASE(test_other_api_version_refused),
	  TEST_CASE(test_node_without_driver),
	  TEST_CASE(test_other_errno),
	  TEST_CASE(test_no_reason_wanted))
