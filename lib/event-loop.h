/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The main thread's event loop: one epoll set for everything that is not
 * a vCPU exit (console input, signals, later ioeventfds and device
 * back-ends).
 *
 * Thread model of a running VM:
 * - The main thread builds the VM, then runs event_loop_run() until the VM
 *   stops, then joins the vCPU threads and tears everything down. Every
 *   handler runs on this thread, one at a time; handlers are added and
 *   removed only on it (before the run or from a handler).
 * - One thread per vCPU runs KVM_RUN and handles its exits: PIO and MMIO
 *   devices are emulated inline on the vCPU thread that trapped.
 * - Devices lock their own state, since a vCPU thread and the main thread
 *   may touch the same device (a UART written by the guest and fed from
 *   stdin). Interrupts are raised from either kind of thread through
 *   vmm/irq.h; the KVM ioctls behind it are safe to call concurrently.
 * The seccomp filters follow this split: the main thread needs epoll,
 * read/write on its fds and the VM-fd ioctls of vmm/irq.h; a vCPU thread
 * needs KVM_RUN and the ioctls of its exit handlers.
 */
#ifndef CVMM_EVENT_LOOP_H
#define CVMM_EVENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>
/* For sigset_t: <signal.h> would bring REG_* names into every user. */
#include <sys/select.h>

#include "lib/util.h"

struct event_handler;

/* revents: the EPOLL* bits that fired. */
typedef void (*event_fn)(struct event_handler *h, uint32_t revents);

/*
 * Owned by the caller (usually embedded in a device) and kept alive while
 * registered; the loop stores only a pointer to it.
 */
struct event_handler {
	int fd;
	event_fn fn;
	void *opaque;
};

struct event_loop {
	int epfd;
	/* An eventfd written by event_loop_stop(), from any thread. */
	int stop_fd;
	bool stopping;
	struct event_handler stop;
	/* Signals routed to the loop by event_loop_watch_signals(). */
	struct event_handler signals;
	void (*on_signal)(void *opaque, int signo);
	sigset_t old_mask;
	bool signals_blocked;
};

int __must_check event_loop_init(struct event_loop *el);
/* Accepts a zeroed or half-initialised loop. */
void event_loop_fini(struct event_loop *el);

/*
 * Watch h->fd for events (EPOLLIN, EPOLLOUT...). -EPERM means the fd
 * cannot be polled (a regular file or /dev/null): it is always ready.
 */
int __must_check event_loop_add(struct event_loop *el,
				struct event_handler *h, uint32_t events);
/* Change the events watched; 0 pauses the handler without removing it. */
int __must_check event_loop_modify(struct event_loop *el,
				   struct event_handler *h, uint32_t events);
void event_loop_remove(struct event_loop *el, struct event_handler *h);

/*
 * Block the signals in set on this thread (threads created afterwards
 * inherit the mask, so only the loop sees them) and call on_signal for
 * each one that arrives. Undone by event_loop_fini().
 */
int __must_check event_loop_watch_signals(struct event_loop *el,
					  const sigset_t *set,
					  void (*on_signal)(void *opaque,
							    int signo),
					  void *opaque);

/* Dispatch events until event_loop_stop(); returns 0 or -errno. */
int event_loop_run(struct event_loop *el);

/* Make event_loop_run() return; safe from any thread and repeatedly. */
void event_loop_stop(struct event_loop *el);

#endif
