// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDX beside the launch proper: the GetQuote relay's start and its notify
 * interrupt (vmm/tdx-quote.h), and the TD's owner inputs in KVM_TDX_INIT_VM (tdx.md section 2): MRCONFIGID,
 * MROWNER and MROWNERCONFIG, 48 bytes each, go into the TD report as
 * given. KVM hands the three u64[6] arrays to the TDX module as bytes, so
 * the config's bytes are copied in order (QEMU copies its decoded base64
 * the same way). Unset values stay zero, as in QEMU.
 */
#include <string.h>

#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/launch-internal.h"

void tdx_init_vm_inputs(const struct vm *vm, struct cvmm_tdx_init_vm *init)
{
	const struct launch_plan *plan = vm->cc->plan;

	_Static_assert(sizeof(init->mrconfigid) == CFG_TDX_MR_SIZE &&
			       sizeof(init->mrowner) == CFG_TDX_MR_SIZE &&
			       sizeof(init->mrownerconfig) == CFG_TDX_MR_SIZE,
		       "KVM_TDX_INIT_VM's MR fields are 48 bytes");
	memcpy(init->mrconfigid, plan->tdx_mr[0], CFG_TDX_MR_SIZE);
	memcpy(init->mrowner, plan->tdx_mr[1], CFG_TDX_MR_SIZE);
	memcpy(init->mrownerconfig, plan->tdx_mr[2], CFG_TDX_MR_SIZE);
}

/*
 * A quote is ready: the vector SetupEventNotifyInterrupt gave, as a fixed
 * MSI to the vCPU that set it (QEMU's choice), if there is one.
 */
static void quote_notify(void *opaque)
{
	struct vm *vm = opaque;
	struct kvm_msi msi = {};
	uint64_t vector;
	int r;

	pthread_mutex_lock(&vm->lock);
	vector = vm->cc->notify_vector;
	msi.address_lo = 0xfee00000u | vm->cc->notify_apic_id << 12;
	pthread_mutex_unlock(&vm->lock);
	if (!vector)
		return;
	msi.data = vector;
	r = kvm_ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi);
	if (r < 0)
		log_warning("GetQuote: KVM_SIGNAL_MSI of vector %llu failed (%s); the TD must poll its buffer",
			    (unsigned long long)vector, errno_name(r));
}

int launch_tdx_quote_start(struct vm *vm)
{
	int r;

	r = tdx_quote_start(&vm->cc->quote, vm->cfg->cc.tdx.quote_service,
			    &vm->mem, quote_notify, vm, vm->cfg);
	if (r < 0)
		return log_error_errno(r, "starting the GetQuote relay to %s",
				       vm->cfg->cc.tdx.quote_service);
	log_info("GetQuote requests go to the quote service at %s",
		 vm->cfg->cc.tdx.quote_service);
	return 0;
}
