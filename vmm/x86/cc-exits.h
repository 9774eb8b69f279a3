/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exits only CC guests cause: KVM_EXIT_TDX requests (tdx.md section 6) and
 * the guest's own termination (KVM_SYSTEM_EVENT_SEV_TERM, _TDX_FATAL). The
 * answers are pure functions of the exit and struct cc_exit_state, so that
 * tests can feed fabricated exits; the vcpu_* wrappers are what
 * vmm/vcpu.c's exit table calls.
 */
#ifndef CVMM_CC_EXITS_H
#define CVMM_CC_EXITS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/kvm-abi.h"
#include "vmm/x86/tdx-quote.h"
#include "vmm/vm.h"

/* TDG.VP.VMCALL leaves KVM forwards (tdx.md section 6). */
#define TDVMCALL_GET_TD_VM_CALL_INFO 0x10000
#define TDVMCALL_GET_QUOTE 0x10002
#define TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT 0x10004
/* GetTdVmCallInfo leaf 1, R11: SetupEventNotifyInterrupt is served. */
#define TDVMCALL_INFO_R11_SETUP_EVENT_NOTIFY (1ull << 1)

/* Status codes in R10 */
#define TDVMCALL_STATUS_SUCCESS 0x0ull
#define TDVMCALL_STATUS_RETRY 0x1ull
#define TDVMCALL_STATUS_INVALID_OPERAND 0x8000000000000000ull
#define TDVMCALL_STATUS_ALIGN_ERROR 0x8000000000000002ull

/* What the answers depend on and what they change. */
struct cc_exit_state {
	/* KVM_TDX_CAPABILITIES' TDVMCALL info, leaf 1. */
	uint64_t kernel_r11, user_r11;
	uint64_t kernel_r12, user_r12;
	/* SetupEventNotifyInterrupt's vector, 0 for none. */
	uint64_t notify_vector;
	uint64_t quotes_refused;
	/* cc.tdx.quote_service's relay, NULL for none. */
	struct tdx_quote_relay *relay;
};

/*
 * Answer one KVM_EXIT_TDX in place (ret and outputs). Returns 0, or
 * -EINVAL for flags KVM set that cvmm does not know (the VM must stop:
 * the request's meaning is unknown). A one-line note for the log goes to
 * @note, empty when there is nothing to say.
 */
int tdx_exit_answer(struct cvmm_exit_tdx *e, struct cc_exit_state *st,
		    char *note, size_t len);

/*
 * Describe a guest's termination request in one line: the GHCB MSR value
 * of SEV_TERM (reason set and code), or TDX_FATAL's error code, message
 * and GPA. Returns 0, or -EINVAL for other event types.
 */
int cc_describe_system_event(uint32_t type, uint32_t ndata,
			     const uint64_t *data, char *buf, size_t len);

/* Exit-table entries for vmm/vcpu.c. */
enum vcpu_action vcpu_handle_tdx(struct vcpu *vcpu);
enum vcpu_action vcpu_handle_cc_termination(struct vcpu *vcpu);

#endif
