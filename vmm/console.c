// SPDX-License-Identifier: GPL-2.0-only
/*
 * stdin -> UART, on the event loop. Input is read only when the UART has
 * room: bytes that did not fit wait in c->buf, stdin is not re-armed, and
 * the UART's rx_space callback (on a vCPU thread) wakes the loop through an
 * eventfd once the guest has drained the FIFO. So a fast pipe never
 * loses bytes, a slow guest never makes us spin, and EOF removes stdin
 * from the loop for good.
 */
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include "lib/log.h"
#include "vmm/console.h"

#define CTRL_A 0x01
#define QUIT_KEY 'x'

/* UART callback, vCPU thread, UART lock held: only wake the loop. */
static void on_rx_space(void *ctx)
{
	struct console *c = ctx;
	uint64_t one = 1;
	ssize_t n = write(c->space.fd, &one, sizeof(one));

	(void)n; /* a full counter is a pending wake-up already */
}

static void end_input(struct console *c)
{
	if (!c->always_ready)
		event_loop_remove(c->loop, &c->in);
	c->in.fd = -1;
}

/* Terminal escapes: Ctrl-A x quits, Ctrl-A Ctrl-A is a Ctrl-A. */
static size_t filter_escapes(struct console *c, uint8_t *p, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		if (c->escape) {
			c->escape = false;
			if (p[i] == QUIT_KEY) {
				c->on_quit(c->ctx);
				return out;
			}
		} else if (p[i] == CTRL_A) {
			c->escape = true;
			continue;
		}
		p[out++] = p[i];
	}
	return out;
}

/* One read() into the empty buffer; false when there is no more input. */
static bool read_input(struct console *c)
{
	ssize_t n = read(c->in.fd, c->buf, sizeof(c->buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		if (n < 0)
			log_debug("console: reading stdin: %s, ignoring the rest",
				  strerror(errno));
		end_input(c);
		return false;
	}
	c->head = 0;
	c->len = c->raw ? filter_escapes(c, c->buf, n) : (size_t)n;
	return true;
}

/*
 * stdin is watched one-shot: after each event it stays quiet (EPOLLHUP
 * included) until re-armed here, once its last bytes are in the UART.
 */
static void rearm_input(struct console *c)
{
	int r;

	if (c->always_ready || c->in.fd < 0)
		return;
	r = event_loop_modify(c->loop, &c->in, EPOLLIN | EPOLLONESHOT);
	if (r < 0)
		log_debug("console: watching stdin again: %s", strerror(-r));
}

/*
 * Hand the guest what fits; the rest waits for on_space(). A pollable
 * stdin is read again when the loop says so; a file is read on here
 * until the FIFO is full or the file ends.
 */
static void pump(struct console *c)
{
	for (;;) {
		size_t n = uart_receive(c->uart, c->buf + c->head, c->len);

		c->head += n;
		c->len -= n;
		if (c->len)
			return;
		if (!c->always_ready || c->in.fd < 0) {
			rearm_input(c);
			return;
		}
		if (!read_input(c))
			return;
	}
}

static void on_input(struct event_handler *h, uint32_t revents)
{
	struct console *c = h->opaque;

	(void)revents;
	if (read_input(c))
		pump(c);
}

static void on_space(struct event_handler *h, uint32_t revents)
{
	struct console *c = h->opaque;
	uint64_t v;
	ssize_t n = read(h->fd, &v, sizeof(v));

	(void)revents;
	(void)n;
	pump(c);
}

int console_init(struct console *c, int in_fd, struct uart *uart,
		 struct event_loop *loop, void (*on_quit)(void *ctx),
		 void *ctx)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	*c = (struct console){
		.in_fd = in_fd,
		.uart = uart,
		.loop = loop,
		.in = { .fd = in_fd, .fn = on_input, .opaque = c },
		.space = { .fd = fd, .fn = on_space, .opaque = c },
		.on_quit = on_quit,
		.ctx = ctx,
	};
	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&uart->lock);
	uart->rx_space = on_rx_space;
	uart->rx_ctx = c;
	pthread_mutex_unlock(&uart->lock);
	return 0;
}

static int enter_raw_mode(struct console *c)
{
	struct termios t;

	if (tcgetattr(c->in_fd, &c->saved) < 0)
		return -errno;
	t = c->saved;
	cfmakeraw(&t);
	/* Output stays cooked: cvmm's own messages share the terminal. */
	t.c_oflag = c->saved.c_oflag;
	if (tcsetattr(c->in_fd, TCSANOW, &t) < 0)
		return -errno;
	c->raw = true;
	log_info("console: Ctrl-A x ends the VM");
	return 0;
}

int console_start(struct console *c)
{
	int r;

	if (isatty(c->in_fd)) {
		r = enter_raw_mode(c);
		if (r < 0)
			return log_error_errno(r, "putting the terminal in raw "
						  "mode");
	}
	r = event_loop_add(c->loop, &c->space, EPOLLIN);
	if (r < 0)
		return log_error_errno(r, "watching the console's eventfd");
	r = event_loop_add(c->loop, &c->in, EPOLLIN | EPOLLONESHOT);
	if (r == -EPERM) {
		/* A regular file or /dev/null: no epoll, reads never wait. */
		c->always_ready = true;
		if (read_input(c))
			pump(c);
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "watching stdin");
	return 0;
}

void console_stop(struct console *c)
{
	if (!c->raw)
		return;
	if (tcsetattr(c->in_fd, TCSANOW, &c->saved) < 0)
		log_warning("console: restoring the terminal: %s, ignoring",
			    strerror(errno));
	c->raw = false;
}

void console_fini(struct console *c)
{
	if (!c->uart)
		return; /* console_init() never ran */
	console_stop(c);
	pthread_mutex_lock(&c->uart->lock);
	c->uart->rx_space = NULL;
	pthread_mutex_unlock(&c->uart->lock);
	if (c->space.fd >= 0)
		close(c->space.fd);
	c->space.fd = -1;
}
