/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TDG.VP.VMCALL<GetQuote> relayed to a quote generation service (QGS) on a
 * Unix socket (cc.tdx.quote_service), as QEMU's quote-generation-socket
 * does. The TD's shared buffer (tdx.md section 6) starts with a 24-byte
 * header { u64 version = 1; u64 error_code; u32 in_len; u32 out_len } and
 * holds the TD report after it. cvmm copies the report, marks the buffer
 * in flight (error_code all ones) and answers the TDVMCALL at once; one
 * relay thread then talks to the QGS, writes the quote after the header,
 * sets out_len and error_code, and injects the vector the TD gave with
 * SetupEventNotifyInterrupt. A QGS that is slow, drops the connection or
 * replies nonsense costs the TD an error code, never cvmm.
 *
 * QGS framing (QEMU target/i386/kvm/tdx-quote-generator.c): every message
 * is preceded by its length as a 4-byte big-endian number; the message is
 * a 16-byte header { u16 major = 1; u16 minor = 1; u32 type; u32 size
 * (whole message); u32 error_code } and, for GET_QUOTE_REQ (0), u32
 * report_size, u32 id_list_size (0), the report; GET_QUOTE_RESP (1) has
 * u32 selected_id_size (0), u32 quote_size, the quote.
 */
#ifndef CVMM_TDX_QUOTE_H
#define CVMM_TDX_QUOTE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/kvm-abi.h"
#include "memory/memory.h"

#define TDX_QUOTE_HDR_SIZE 24
#define TDX_QUOTE_VERSION 1
/* QEMU's bounds: the buffer, and requests in flight. */
#define TDX_QUOTE_MAX_BUF (128u << 10)
#define TDX_QUOTE_MAX_JOBS 16
/* QEMU gives a transaction 30 s. */
#define TDX_QUOTE_TIMEOUT_MS 30000

/* The header's error_code (GHCI): */
#define TDX_QUOTE_SUCCESS 0x0ull
#define TDX_QUOTE_IN_FLIGHT 0xffffffffffffffffull
#define TDX_QUOTE_ERROR 0x8000000000000000ull
#define TDX_QUOTE_QGS_UNAVAILABLE 0x8000000000000001ull

#define QGS_MSG_MAJOR 1
#define QGS_MSG_MINOR 1
#define QGS_GET_QUOTE_REQ 0
#define QGS_GET_QUOTE_RESP 1
#define QGS_FRAME_LEN 4
#define QGS_HDR_SIZE 16
#define QGS_QUOTE_MSG_SIZE (QGS_HDR_SIZE + 8)

struct tdx_quote_job {
	uint64_t gpa;
	uint64_t size;
	uint32_t in_len;
	uint8_t *report;
};

struct tdx_quote_relay {
	char *socket_path;
	struct guest_memory *mem;
	/* Inject the notify vector, if the TD set one; from the relay thread. */
	void (*notify)(void *opaque);
	void *notify_opaque;
	unsigned int timeout_ms;
	/* The thread's seccomp filter follows this config; NULL: none. */
	const struct vm_config *seccomp_cfg;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	/* The socket of the transaction under way, -1 for none. */
	int active_fd;
	unsigned int head, nr_jobs;
	struct tdx_quote_job jobs[TDX_QUOTE_MAX_JOBS];

	/* For tests, under lock; served and failed atomic, for --stats. */
	uint64_t served, failed, completed;
	/* Requests refused as malformed, atomic. */
	uint64_t invalid;
};

/*
 * Start the relay thread for @socket_path. Returns 0 or -errno; *relay is
 * usable for tdx_quote_request() only after success.
 */
int __must_check tdx_quote_start(struct tdx_quote_relay *relay,
				 const char *socket_path,
				 struct guest_memory *mem,
				 void (*notify)(void *opaque), void *opaque,
				 const struct vm_config *seccomp_cfg);

/* Stop it: the transaction under way is cut short. Accepts a zeroed one. */
void tdx_quote_stop(struct tdx_quote_relay *relay);

/*
 * A GetQuote exit (alignment already checked): the TDVMCALL's status in
 * e->get_quote.ret. SUCCESS with the request queued (the header says in
 * flight), RETRY when TDX_QUOTE_MAX_JOBS are in flight, INVALID_OPERAND for
 * a header or buffer cvmm cannot use. @note gets a line for the log.
 */
void tdx_quote_request(struct tdx_quote_relay *relay,
		       struct cvmm_exit_tdx *e, char *note, size_t len);

#endif
