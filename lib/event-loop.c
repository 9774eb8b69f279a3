// SPDX-License-Identifier: GPL-2.0-only
/*
 * epoll event loop of the main thread; the thread model is described in
 * event-loop.h.
 */
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "lib/event-loop.h"

#define EVENT_LOOP_BATCH 16

/* The stop request stays pending: the loop is over for good. */
static void on_stop(struct event_handler *h, uint32_t revents)
{
	struct event_loop *el = h->opaque;

	(void)revents;
	el->stopping = true;
}

static void on_signals(struct event_handler *h, uint32_t revents)
{
	struct event_loop *el = (struct event_loop *)((char *)h -
			offsetof(struct event_loop, signals));
	struct signalfd_siginfo si;

	(void)revents;
	while (read(h->fd, &si, sizeof(si)) == sizeof(si))
		el->on_signal(h->opaque, si.ssi_signo);
}

int event_loop_init(struct event_loop *el)
{
	*el = (struct event_loop){ .epfd = -1, .stop_fd = -1,
				   .signals = { .fd = -1 } };
	el->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (el->epfd < 0)
		return -errno;
	el->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (el->stop_fd < 0)
		return -errno;
	el->stop = (struct event_handler){
		.fd = el->stop_fd,
		.fn = on_stop,
		.opaque = el,
	};
	return event_loop_add(el, &el->stop, EPOLLIN);
}

void event_loop_fini(struct event_loop *el)
{
	if (el->signals_blocked)
		pthread_sigmask(SIG_SETMASK, &el->old_mask, NULL);
	el->signals_blocked = false;
	if (el->signals.fd >= 0)
		close(el->signals.fd);
	if (el->stop_fd >= 0)
		close(el->stop_fd);
	if (el->epfd >= 0)
		close(el->epfd);
	el->signals.fd = el->stop_fd = el->epfd = -1;
}

static int ctl(struct event_loop *el, int op, struct event_handler *h,
	       uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	return epoll_ctl(el->epfd, op, h->fd, &ev) < 0 ? -errno : 0;
}

int event_loop_add(struct event_loop *el, struct event_handler *h,
		   uint32_t events)
{
	return ctl(el, EPOLL_CTL_ADD, h, events);
}

int event_loop_modify(struct event_loop *el, struct event_handler *h,
		      uint32_t events)
{
	return ctl(el, EPOLL_CTL_MOD, h, events);
}

void event_loop_remove(struct event_loop *el, struct event_handler *h)
{
	(void)ctl(el, EPOLL_CTL_DEL, h, 0);
}

int event_loop_watch_signals(struct event_loop *el, const sigset_t *set,
			     void (*on_signal)(void *opaque, int signo),
			     void *opaque)
{
	int fd, r;

	r = pthread_sigmask(SIG_BLOCK, set, &el->old_mask);
	if (r)
		return -r;
	el->signals_blocked = true;
	fd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	el->on_signal = on_signal;
	el->signals = (struct event_handler){
		.fd = fd,
		.fn = on_signals,
		.opaque = opaque,
	};
	return event_loop_add(el, &el->signals, EPOLLIN);
}

int event_loop_run(struct event_loop *el)
{
	struct epoll_event events[EVENT_LOOP_BATCH];

	while (!el->stopping) {
		int n = epoll_wait(el->epfd, events, EVENT_LOOP_BATCH, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct event_handler *h = events[i].data.ptr;

			h->fn(h, events[i].events);
		}
	}
	return 0;
}

void event_loop_stop(struct event_loop *el)
{
	uint64_t one = 1;
	ssize_t n;

	/* EAGAIN: the counter is full, so a stop is pending anyway. */
	n = write(el->stop_fd, &one, sizeof(one));
	(void)n;
}
