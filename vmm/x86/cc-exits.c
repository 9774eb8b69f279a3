// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_EXIT_TDX and the CC termination events. A guest cannot end cvmm
 * through these: a malformed request gets an error status, and a
 * termination request ends the VM with status 1 and a line saying why.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "vmm/x86/cc-exits.h"
#include "vmm/launch.h"

/* The GHCB MSR protocol's termination request (GHCB spec, unverified). */
#define GHCB_MSR_INFO_MASK 0xfffull
#define GHCB_MSR_TERM_REQ 0x100ull

/* TDX_FATAL: data[i] holds guest register i (tdx.md section 6). */
enum {
	TDR_RCX = 1, TDR_RDX = 2, TDR_RBX = 3, TDR_RSI = 6, TDR_RDI = 7,
	TDR_R8 = 8, TDR_R9 = 9, TDR_R12 = 12, TDR_R13 = 13, TDR_R14 = 14,
	TDR_R15 = 15, TDR_COUNT = 16,
};
/* R12 bit 63: R13 holds a GPA. */
#define TDX_FATAL_GPA_VALID (1ull << 63)

static void tdvmcall_info(struct cvmm_exit_tdx *e,
			  const struct cc_exit_state *st)
{
	/*
	 * Leaf 1 lists the TDVMCALLs the host serves. Of those KVM forwards
	 * as optional, cvmm serves SetupEventNotifyInterrupt when a quote
	 * service stands behind GetQuote (the notification is for quotes),
	 * as QEMU does; without one, only KVM's own are advertised.
	 */
	const uint64_t served_r11 =
		st->relay ? TDVMCALL_INFO_R11_SETUP_EVENT_NOTIFY : 0;
	const uint64_t served_r12 = 0;

	if (e->get_tdvmcall_info.leaf != 1) {
		e->get_tdvmcall_info.ret = TDVMCALL_STATUS_INVALID_OPERAND;
		return;
	}
	e->get_tdvmcall_info.r11 = st->kernel_r11 | (st->user_r11 & served_r11);
	e->get_tdvmcall_info.r12 = st->kernel_r12 | (st->user_r12 & served_r12);
	e->get_tdvmcall_info.r13 = 0;
	e->get_tdvmcall_info.r14 = 0;
	e->get_tdvmcall_info.ret = TDVMCALL_STATUS_SUCCESS;
}

/* No quote service: a clear failure, without touching guest memory. */
static void get_quote(struct cvmm_exit_tdx *e, struct cc_exit_state *st,
		      char *note, size_t len)
{
	if (!IS_ALIGNED(e->get_quote.gpa, PAGE_SIZE) ||
	    !IS_ALIGNED(e->get_quote.size, PAGE_SIZE) || !e->get_quote.size) {
		e->get_quote.ret = TDVMCALL_STATUS_ALIGN_ERROR;
		return;
	}
	if (st->relay) {
		tdx_quote_request(st->relay, e, note, len);
		return;
	}
	e->get_quote.ret = TDVMCALL_STATUS_INVALID_OPERAND;
	if (!st->quotes_refused++)
		snprintf(note, len,
			 "the TD asked for a quote (GetQuote, buffer 0x%llx+0x%llx), but no quote service is configured: answered INVALID_OPERAND",
			 (unsigned long long)e->get_quote.gpa,
			 (unsigned long long)e->get_quote.size);
}

static void setup_event_notify(struct cvmm_exit_tdx *e,
			       struct cc_exit_state *st)
{
	uint64_t vector = e->setup_event_notify.vector;

	if (vector < 32 || vector > 255) {
		e->setup_event_notify.ret = TDVMCALL_STATUS_INVALID_OPERAND;
		return;
	}
	st->notify_vector = vector;
	e->setup_event_notify.ret = TDVMCALL_STATUS_SUCCESS;
}

int tdx_exit_answer(struct cvmm_exit_tdx *e, struct cc_exit_state *st,
		    char *note, size_t len)
{
	note[0] = '\0';
	if (e->flags) {
		snprintf(note, len, "KVM_EXIT_TDX with unknown flags 0x%llx (leaf 0x%llx)",
			 (unsigned long long)e->flags,
			 (unsigned long long)e->nr);
		return -EINVAL;
	}
	switch (e->nr) {
	case TDVMCALL_GET_TD_VM_CALL_INFO:
		tdvmcall_info(e, st);
		break;
	case TDVMCALL_GET_QUOTE:
		get_quote(e, st, note, len);
		break;
	case TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT:
		setup_event_notify(e, st);
		break;
	default:
		/* KVM preset ret to "subfunction unsupported": a fine answer. */
		break;
	}
	return 0;
}

/* TDX_FATAL's message: up to 64 bytes in the registers RCX selects. */
static void fatal_message(const uint64_t *data, char *msg, size_t len)
{
	static const int order[] = { TDR_R14, TDR_R15, TDR_RBX, TDR_RDI,
				     TDR_RSI, TDR_R8, TDR_R9, TDR_RDX };
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		if (!(data[TDR_RCX] & (1ull << order[i])))
			continue;
		for (int b = 0; b < 8 && n + 1 < len; b++) {
			char c = (char)(data[order[i]] >> (8 * b));

			if (!c)
				goto out;
			/* Guest bytes: keep the log line one printable line. */
			msg[n++] = isprint((unsigned char)c) ? c : '?';
		}
	}
out:
	msg[n] = '\0';
}

int cc_describe_system_event(uint32_t type, uint32_t ndata,
			     const uint64_t *data, char *buf, size_t len)
{
	char msg[65];
	uint64_t code;

	switch (type) {
	case KVM_SYSTEM_EVENT_SEV_TERM:
		if (ndata < 1 ||
		    (data[0] & GHCB_MSR_INFO_MASK) != GHCB_MSR_TERM_REQ) {
			snprintf(buf, len, "the SNP guest asked to terminate (KVM_SYSTEM_EVENT_SEV_TERM, data 0x%llx)",
				 ndata ? (unsigned long long)data[0] : 0ull);
			return 0;
		}
		snprintf(buf, len, "the SNP guest asked to terminate (KVM_SYSTEM_EVENT_SEV_TERM): GHCB MSR 0x%llx, reason set %u, code 0x%x",
			 (unsigned long long)data[0],
			 (unsigned int)(data[0] >> 12) & 0xf,
			 (unsigned int)(data[0] >> 16) & 0xff);
		return 0;
	case KVM_SYSTEM_EVENT_TDX_FATAL:
		if (ndata < TDR_COUNT) {
			snprintf(buf, len, "the TD reported a fatal error (KVM_SYSTEM_EVENT_TDX_FATAL, %u registers)",
				 ndata);
			return 0;
		}
		code = data[TDR_R12];
		fatal_message(data, msg, sizeof(msg));
		snprintf(buf, len, "the TD reported a fatal error (KVM_SYSTEM_EVENT_TDX_FATAL): error code 0x%llx%s, message \"%s\"",
			 (unsigned long long)code,
			 code & 0xffff ? " (malformed: bits 15:0 set)" : "",
			 msg);
		if (code & TDX_FATAL_GPA_VALID)
			snprintf(buf + strlen(buf), len - strlen(buf),
				 ", GPA 0x%llx",
				 (unsigned long long)data[TDR_R13]);
		return 0;
	default:
		return -EINVAL;
	}
}

enum vcpu_action vcpu_handle_tdx(struct vcpu *vcpu)
{
	struct cc_launch *l = vcpu->vm->cc;
	struct cvmm_exit_tdx *e = kvm_run_tdx(vcpu->run);
	struct cc_exit_state st;
	char note[256];
	int r;

	if (!l || !l->tdx_caps) {
		log_error("vcpu%u: KVM_EXIT_TDX from a VM that is not a TD",
			  vcpu->id);
		return VCPU_FAIL;
	}
	pthread_mutex_lock(&vcpu->vm->lock);
	st = (struct cc_exit_state){
		.kernel_r11 = l->tdx_caps->kernel_tdvmcallinfo_1_r11,
		.user_r11 = l->tdx_caps->user_tdvmcallinfo_1_r11,
		.kernel_r12 = l->tdx_caps->kernel_tdvmcallinfo_1_r12,
		.user_r12 = l->tdx_caps->user_tdvmcallinfo_1_r12,
		.notify_vector = l->notify_vector,
		.quotes_refused = l->quotes_refused,
		.relay = l->quote.started ? &l->quote : NULL,
	};
	r = tdx_exit_answer(e, &st, note, sizeof(note));
	/* The vCPU that asked receives the notification (as QEMU). */
	if (e->nr == TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT &&
	    e->setup_event_notify.ret == TDVMCALL_STATUS_SUCCESS)
		l->notify_apic_id = vcpu->id;
	l->notify_vector = st.notify_vector;
	l->quotes_refused = st.quotes_refused;
	l->tdx_exits++;
	pthread_mutex_unlock(&vcpu->vm->lock);
	if (r < 0) {
		log_error("vcpu%u: %s", vcpu->id, note);
		return VCPU_FAIL;
	}
	if (note[0])
		log_info("vcpu%u: %s", vcpu->id, note);
	return VCPU_CONTINUE;
}

enum vcpu_action vcpu_handle_cc_termination(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char text[512];

	if (cc_describe_system_event(run->system_event.type,
				     MIN(run->system_event.ndata, 16u),
				     (const uint64_t *)run->system_event.data,
				     text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "system event %u",
			 run->system_event.type);
	log_error("vcpu%u: %s", vcpu->id, text);
	return VCPU_FAIL;
}
