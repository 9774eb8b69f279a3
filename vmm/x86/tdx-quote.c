// SPDX-License-Identifier: GPL-2.0-only
/*
 * The GetQuote relay (vmm/tdx-quote.h). The vCPU thread only validates
 * the request, copies the TD report and queues it; the relay thread does
 * every blocking step, one transaction at a time, each bounded by
 * timeout_ms. Guest memory is touched only through the shared mapping, and
 * only while cvmm's map says the buffer is shared: a TD that converts its
 * buffer while the quote is in flight gets nothing written.
 */
#include <endian.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "memory/convert.h"
#include "vmm/seccomp.h"
#include "vmm/x86/cc-exits.h"
#include "vmm/x86/tdx-quote.h"

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

/* The buffer's shared mapping, if it is guest RAM and shared throughout. */
static uint8_t *shared_buffer(struct guest_memory *mem, uint64_t gpa,
			      uint64_t size)
{
	uint8_t *hva;

	if (!size || gpa + size < gpa)
		return NULL;
	hva = mem_gpa_to_hva(mem, gpa, size);
	if (!hva)
		return NULL;
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		if (mem_gpa_is_private(mem, gpa + off))
			return NULL;
	return hva;
}

void tdx_quote_request(struct tdx_quote_relay *relay,
		       struct cvmm_exit_tdx *e, char *note, size_t len)
{
	uint64_t gpa = e->get_quote.gpa, size = e->get_quote.size;
	struct tdx_quote_job *job;
	uint8_t *hva, *report;
	uint32_t in_len;

	note[0] = '\0';
	e->get_quote.ret = TDVMCALL_STATUS_INVALID_OPERAND;
	hva = size <= TDX_QUOTE_MAX_BUF ? shared_buffer(relay->mem, gpa, size) :
					  NULL;
	in_len = hva ? get32(hva + 16) : 0;
	if (!hva || get64(hva) != TDX_QUOTE_VERSION || !in_len ||
	    in_len > size - TDX_QUOTE_HDR_SIZE) {
		/* A TD can repeat this forever: the first one is logged. */
		if (!__atomic_fetch_add(&relay->invalid, 1, __ATOMIC_RELAXED))
			snprintf(note, len, "GetQuote buffer 0x%llx+0x%llx: %s: INVALID_OPERAND",
				 (unsigned long long)gpa,
				 (unsigned long long)size,
				 !hva ? "not shared guest RAM of at most 128K" :
					"header not version 1 with an in_len that fits");
		return;
	}
	report = malloc(in_len);
	if (!report)
		return;
	memcpy(report, hva + TDX_QUOTE_HDR_SIZE, in_len);
	pthread_mutex_lock(&relay->lock);
	if (relay->nr_jobs == TDX_QUOTE_MAX_JOBS || relay->stop) {
		pthread_mutex_unlock(&relay->lock);
		free(report);
		e->get_quote.ret = TDVMCALL_STATUS_RETRY;
		return;
	}
	job = &relay->jobs[(relay->head + relay->nr_jobs++) %
			   TDX_QUOTE_MAX_JOBS];
	*job = (struct tdx_quote_job){ .gpa = gpa, .size = size,
				       .in_len = in_len, .report = report };
	/* In flight before the TDVMCALL returns, as the GHCI asks. */
	put64(hva + 8, TDX_QUOTE_IN_FLIGHT);
	pthread_cond_signal(&relay->cond);
	pthread_mutex_unlock(&relay->lock);
	e->get_quote.ret = TDVMCALL_STATUS_SUCCESS;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @events until @deadline: 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left = deadline - now_ms();
	int r;

	if (left <= 0)
		return -ETIMEDOUT;
	r = poll(&p, 1, left);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
}

static int send_all(int fd, const uint8_t *buf, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n;
		int r = wait_fd(fd, POLLOUT, deadline);

		if (r < 0)
			return r;
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/* -EPIPE when the service closes the connection first. */
static int recv_all(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n;
		int r = wait_fd(fd, POLLIN, deadline);

		if (r < 0)
			return r;
		n = recv(fd, buf, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		buf += n;
		len -= n;
	}
	return 0;
}

static int connect_service(struct tdx_quote_relay *relay)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(relay->socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, relay->socket_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* The request: frame length, GET_QUOTE_REQ header, the TD report. */
static uint8_t *build_request(const struct tdx_quote_job *job, size_t *ret_len)
{
	uint32_t msg = QGS_QUOTE_MSG_SIZE + job->in_len;
	uint8_t *buf = calloc(1, QGS_FRAME_LEN + msg);
	uint32_t be = htobe32(msg);

	if (!buf)
		return NULL;
	memcpy(buf, &be, sizeof(be));
	put32(buf + 4, QGS_MSG_MAJOR | QGS_MSG_MINOR << 16);
	put32(buf + 8, QGS_GET_QUOTE_REQ);
	put32(buf + 12, msg);
	put32(buf + 16, 0);
	put32(buf + 20, job->in_len);
	put32(buf + 24, 0);
	memcpy(buf + QGS_FRAME_LEN + QGS_QUOTE_MSG_SIZE, job->report,
	       job->in_len);
	*ret_len = QGS_FRAME_LEN + msg;
	return buf;
}

/* A GET_QUOTE_RESP of @len bytes that cvmm can hand on, or why not. */
static const char *check_response(const uint8_t *m, uint32_t len)
{
	if ((get32(m) & 0xffff) != QGS_MSG_MAJOR ||
	    get32(m) >> 16 != QGS_MSG_MINOR)
		return "not QGS message version 1.1";
	if (get32(m + 4) != QGS_GET_QUOTE_RESP)
		return "not a GET_QUOTE_RESP";
	if (get32(m + 8) != len)
		return "its size field is not the frame's length";
	if (get32(m + 12))
		return "the service reports an error";
	if (get32(m + 16))
		return "a selected id cvmm did not ask for";
	if (get32(m + 20) != len - QGS_QUOTE_MSG_SIZE)
		return "its quote size is not what follows";
	return NULL;
}

/*
 * One transaction. Returns the header's error_code; on success the quote
 * is in *ret_quote (malloc()ed, *ret_len bytes).
 */
static uint64_t transact(struct tdx_quote_relay *relay,
			 const struct tdx_quote_job *job, uint8_t **ret_quote,
			 uint32_t *ret_len, const char **ret_why)
{
	int64_t deadline = now_ms() + relay->timeout_ms;
	_cleanup_free_ uint8_t *req = NULL, *msg = NULL;
	uint8_t frame[QGS_FRAME_LEN];
	uint32_t len = 0;
	size_t req_len;
	int fd, r;

	fd = connect_service(relay);
	if (fd < 0) {
		*ret_why = "cannot connect to the quote service";
		return TDX_QUOTE_QGS_UNAVAILABLE;
	}
	pthread_mutex_lock(&relay->lock);
	relay->active_fd = relay->stop ? -1 : fd;
	pthread_mutex_unlock(&relay->lock);
	if (relay->active_fd < 0) {
		close(fd);
		*ret_why = "cvmm is stopping";
		return TDX_QUOTE_ERROR;
	}
	req = build_request(job, &req_len);
	r = req ? send_all(fd, req, req_len, deadline) : -ENOMEM;
	if (r == 0)
		r = recv_all(fd, frame, sizeof(frame), deadline);
	*ret_why = r == -ETIMEDOUT ? "no reply in time" :
		   r == -EPIPE ? "the service closed the connection" :
		   "the connection failed";
	if (r == 0) {
		memcpy(&len, frame, sizeof(len));
		len = be32toh(len);
		/* The quote must fit the TD's buffer after the header. */
		if (len < QGS_QUOTE_MSG_SIZE ||
		    len - QGS_QUOTE_MSG_SIZE > job->size - TDX_QUOTE_HDR_SIZE) {
			*ret_why = "a reply length that does not fit the buffer";
			r = -EBADMSG;
		}
	}
	if (r == 0) {
		msg = malloc(len);
		r = msg ? recv_all(fd, msg, len, deadline) : -ENOMEM;
	}
	if (r == 0) {
		*ret_why = check_response(msg, len);
		r = *ret_why ? -EBADMSG : 0;
	}
	pthread_mutex_lock(&relay->lock);
	relay->active_fd = -1;
	pthread_mutex_unlock(&relay->lock);
	close(fd);
	if (r < 0)
		return TDX_QUOTE_ERROR;
	*ret_len = len - QGS_QUOTE_MSG_SIZE;
	memmove(msg, msg + QGS_QUOTE_MSG_SIZE, *ret_len);
	*ret_quote = TAKE_PTR(msg);
	return TDX_QUOTE_SUCCESS;
}

/* The answer into the TD's buffer, if it is still shared. */
static void complete(struct tdx_quote_relay *relay,
		     const struct tdx_quote_job *job, uint64_t status,
		     const uint8_t *quote, uint32_t len)
{
	uint8_t *hva = shared_buffer(relay->mem, job->gpa, job->size);

	if (!hva) {
		log_warning("GetQuote buffer 0x%llx is no longer shared: the answer is dropped",
			    (unsigned long long)job->gpa);
		return;
	}
	if (status == TDX_QUOTE_SUCCESS) {
		memcpy(hva + TDX_QUOTE_HDR_SIZE, quote, len);
		put32(hva + 20, len);
	}
	/* The quote before the status that says it is there. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	put64(hva + 8, status);
}

static void *relay_main(void *arg)
{
	struct tdx_quote_relay *relay = arg;

	if (relay->seccomp_cfg &&
	    seccomp_install(SECCOMP_ROLE_QUOTE, relay->seccomp_cfg) < 0)
		abort();	/* a thread without its filter must not run */
	for (;;) {
		struct tdx_quote_job job;
		uint8_t *quote = NULL;
		const char *why = NULL;
		uint32_t len = 0;
		uint64_t status;

		pthread_mutex_lock(&relay->lock);
		while (!relay->nr_jobs && !relay->stop)
			pthread_cond_wait(&relay->cond, &relay->lock);
		if (relay->stop) {
			pthread_mutex_unlock(&relay->lock);
			break;
		}
		job = relay->jobs[relay->head];
		pthread_mutex_unlock(&relay->lock);

		status = transact(relay, &job, &quote, &len, &why);
		if (status != TDX_QUOTE_SUCCESS)
			log_warning("GetQuote (buffer 0x%llx): %s: the TD gets error 0x%llx",
				    (unsigned long long)job.gpa, why,
				    (unsigned long long)status);
		complete(relay, &job, status, quote, len);
		free(quote);
		free(job.report);
		pthread_mutex_lock(&relay->lock);
		relay->head = (relay->head + 1) % TDX_QUOTE_MAX_JOBS;
		relay->nr_jobs--;
		relay->completed++;
		/* Atomic too: --stats reads them without the lock. */
		__atomic_add_fetch(status == TDX_QUOTE_SUCCESS ?
					   &relay->served : &relay->failed,
				   1, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&relay->cond);
		pthread_mutex_unlock(&relay->lock);
		if (relay->notify)
			relay->notify(relay->notify_opaque);
	}
	return NULL;
}

int tdx_quote_start(struct tdx_quote_relay *relay, const char *socket_path,
		    struct guest_memory *mem, void (*notify)(void *opaque),
		    void *opaque, const struct vm_config *seccomp_cfg)
{
	int r;

	*relay = (struct tdx_quote_relay){
		.mem = mem,
		.notify = notify,
		.notify_opaque = opaque,
		.timeout_ms = relay->timeout_ms ? relay->timeout_ms :
						  TDX_QUOTE_TIMEOUT_MS,
		.seccomp_cfg = seccomp_cfg,
		.active_fd = -1,
	};
	relay->socket_path = strdup(socket_path);
	if (!relay->socket_path)
		return -ENOMEM;
	pthread_mutex_init(&relay->lock, NULL);
	pthread_cond_init(&relay->cond, NULL);
	r = -pthread_create(&relay->thread, NULL, relay_main, relay);
	if (r < 0) {
		free(relay->socket_path);
		relay->socket_path = NULL;
		return r;
	}
	relay->started = true;
	return 0;
}

void tdx_quote_stop(struct tdx_quote_relay *relay)
{
	if (!relay->started)
		return;
	pthread_mutex_lock(&relay->lock);
	relay->stop = true;
	if (relay->active_fd >= 0)
		(void)shutdown(relay->active_fd, SHUT_RDWR);
	pthread_cond_broadcast(&relay->cond);
	pthread_mutex_unlock(&relay->lock);
	pthread_join(relay->thread, NULL);
	for (unsigned int i = 0; i < relay->nr_jobs; i++)
		free(relay->jobs[(relay->head + i) % TDX_QUOTE_MAX_JOBS].report);
	free(relay->socket_path);
	pthread_mutex_destroy(&relay->lock);
	pthread_cond_destroy(&relay->cond);
	relay->started = false;
}
