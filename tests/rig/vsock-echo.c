// SPDX-License-Identifier: GPL-2.0-only
/*
 * A small AF_VSOCK client and echo server for tests/rig/test-vsock.py,
 * linked statically so that it runs both in the rig and in the busybox
 * initramfs of the Linux guest cvmm boots there.
 *
 *   vsock-echo [-t SECONDS] [-s] COMMAND ...
 *
 *   listen PORT [CID]             accept one connection on CID (default
 *                                 any), read a line, write it back, print
 *                                 it
 *   connect CID PORT TEXT         connect, send TEXT and a newline, print
 *                                 what comes back
 *   hold CID                      take CID for a VM of its own in
 *                                 vhost-vsock, as another VMM would, and
 *                                 keep it until killed
 *
 * -s uses SOCK_SEQPACKET (one message each way) instead of SOCK_STREAM.
 * Each prints one "vsock-echo: ..." line; errors name the call and errno.
 * A timeout (alarm, -t, default 60 s) bounds every run: a listener that
 * waits for a guest still booting needs one longer than that boot, or it
 * is gone (SIGALRM) when the guest connects, which the guest sees as a
 * reset. A connect waits as long for the peer's answer (AF_VSOCK's own
 * default is 2 s, short for a nested guest on a loaded machine).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <linux/vm_sockets.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_S 60

struct opts {
	unsigned int timeout_s;
	/* SOCK_STREAM or SOCK_SEQPACKET */
	int type;
};

static int fail(const char *what)
{
	printf("vsock-echo: error: %s: %s\n", what, strerror(errno));
	return 1;
}

/* One message, its newline dropped (a shorter read loses the rest). */
static ssize_t read_message(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	if (n < 0)
		return -1;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

/* Read up to a newline (not kept) or EOF into buf. */
static ssize_t read_line(int fd, int type, char *buf, size_t size)
{
	size_t n = 0;

	if (type == SOCK_SEQPACKET)
		return read_message(fd, buf, size);
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0)
			return -1;
		if (r == 0 || buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return n;
}

/* TEXT and a newline in one write: one message on SOCK_SEQPACKET. */
static int write_line(int fd, const char *text)
{
	char buf[512];
	int len = snprintf(buf, sizeof(buf), "%s\n", text);

	if (len < 0 || (size_t)len >= sizeof(buf)) {
		errno = EMSGSIZE;
		return -1;
	}
	return write(fd, buf, len) == len ? 0 : -1;
}

static int serve(const struct opts *o, unsigned int port, unsigned int cid)
{
	struct sockaddr_vm addr = { .svm_family = AF_VSOCK, .svm_cid = cid,
				    .svm_port = port };
	struct sockaddr_vm peer;
	socklen_t len = sizeof(peer);
	char line[256];
	int s, c;

	s = socket(AF_VSOCK, o->type, 0);
	if (s < 0)
		return fail("socket");
	if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return fail("bind");
	if (listen(s, 1) < 0)
		return fail("listen");
	printf("vsock-echo: listening port=%u\n", port);
	fflush(stdout);
	c = accept(s, (struct sockaddr *)&peer, &len);
	if (c < 0)
		return fail("accept");
	if (read_line(c, o->type, line, sizeof(line)) < 0)
		return fail("read");
	if (write_line(c, line) < 0)
		return fail("write");
	printf("vsock-echo: served peer-cid=%u text=%s\n", peer.svm_cid, line);
	close(c);
	close(s);
	return 0;
}

static int ask(const struct opts *o, unsigned int cid, unsigned int port,
	       const char *text)
{
	struct timeval wait = { .tv_sec = o->timeout_s };
	struct sockaddr_vm addr = { .svm_family = AF_VSOCK, .svm_cid = cid,
				    .svm_port = port };
	char line[256];
	int s;

	s = socket(AF_VSOCK, o->type, 0);
	if (s < 0)
		return fail("socket");
	if (setsockopt(s, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &wait,
		       sizeof(wait)) < 0)
		return fail("SO_VM_SOCKETS_CONNECT_TIMEOUT");
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return fail("connect");
	if (write_line(s, text) < 0)
		return fail("write");
	if (read_line(s, o->type, line, sizeof(line)) < 0)
		return fail("read");
	printf("vsock-echo: reply=%s\n", line);
	close(s);
	return 0;
}

static int hold(uint64_t cid)
{
	int fd = open("/dev/vhost-vsock", O_RDWR);

	if (fd < 0)
		return fail("open /dev/vhost-vsock");
	if (ioctl(fd, VHOST_SET_OWNER, NULL) < 0)
		return fail("VHOST_SET_OWNER");
	if (ioctl(fd, VHOST_VSOCK_SET_GUEST_CID, &cid) < 0)
		return fail("VHOST_VSOCK_SET_GUEST_CID");
	printf("vsock-echo: holding cid=%llu\n", (unsigned long long)cid);
	pause();
	return 0;
}

/* Leading -t SECONDS and -s; returns how many arguments they took. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	int i = 1;

	while (i < argc) {
		if (!strcmp(argv[i], "-s")) {
			o->type = SOCK_SEQPACKET;
			i++;
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			o->timeout_s = strtoul(argv[i + 1], NULL, 0);
			i += 2;
		} else {
			break;
		}
	}
	return i - 1;
}

int main(int argc, char **argv)
{
	struct opts o = { .timeout_s = DEFAULT_TIMEOUT_S, .type = SOCK_STREAM };
	int used;

	setvbuf(stdout, NULL, _IOLBF, 0);
	used = parse_opts(argc, argv, &o);
	argc -= used;
	argv += used;
	alarm(o.timeout_s);
	if ((argc == 3 || argc == 4) && !strcmp(argv[1], "listen"))
		return serve(&o, strtoul(argv[2], NULL, 0),
			     argc == 4 ? strtoul(argv[3], NULL, 0) :
					 VMADDR_CID_ANY);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(strtoull(argv[2], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "connect"))
		return ask(&o, strtoul(argv[2], NULL, 0),
			   strtoul(argv[3], NULL, 0), argv[4]);
	fprintf(stderr, "usage: vsock-echo [-t SECONDS] [-s] listen PORT [CID] | connect CID PORT TEXT | hold CID\n");
	return 2;
}
