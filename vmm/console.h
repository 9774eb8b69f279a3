/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The serial console's input side: stdin fed to the UART from the event
 * loop, as fast as the guest drains the UART's receive FIFO. (Output goes
 * from the UART to stdout directly, on the vCPU thread.)
 *
 * From a terminal, the terminal is put in raw mode while the VM runs, so
 * that keys (Ctrl-C included) reach the guest; Ctrl-A x ends the VM and
 * Ctrl-A Ctrl-A sends a Ctrl-A. From a pipe or file, input is passed
 * through as it is, and EOF simply ends the input.
 */
#ifndef CVMM_CONSOLE_H
#define CVMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "devices/uart.h"
#include "lib/util.h"
#include "lib/event-loop.h"

#define CONSOLE_BUF 256

struct console {
	int in_fd;
	struct uart *uart;
	struct event_loop *loop;
	/* stdin; fd -1 once it reached EOF. */
	struct event_handler in;
	/* An eventfd the UART signals when its receive FIFO has drained. */
	struct event_handler space;
	/* stdin could not be polled (a file): it is read when there is room. */
	bool always_ready;
	/* Terminal settings to restore; valid while raw is set. */
	bool raw;
	struct termios saved;
	/* A Ctrl-A was typed and waits for its second key. */
	bool escape;
	uint8_t buf[CONSOLE_BUF];
	size_t head, len;
	void (*on_quit)(void *ctx);
	void *ctx;
};

/*
 * Prepare to feed in_fd to uart through loop; on_quit is called for
 * Ctrl-A x. Nothing is read and the terminal is untouched until
 * console_start().
 */
int __must_check console_init(struct console *c, int in_fd,
			      struct uart *uart, struct event_loop *loop,
			      void (*on_quit)(void *ctx), void *ctx);
/* Raw mode (for a terminal) and input on. */
int __must_check console_start(struct console *c);
/* Restore the terminal; idempotent, and safe on a console never started. */
void console_stop(struct console *c);
void console_fini(struct console *c);

#endif
