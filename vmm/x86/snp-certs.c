// SPDX-License-Identifier: GPL-2.0-only
/*
 * The certificate table into the guest's buffer (vmm/snp-certs.h). The
 * buffer is guest memory the guest shared for the purpose: every page
 * written must be guest RAM and shared in cvmm's map, else the guest gets
 * a generic error rather than its private memory overwritten through the
 * shared side.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cc/image.h"
#include "lib/log.h"
#include "memory/convert.h"
#include "vmm/launch.h"
#include "vmm/x86/snp-certs.h"

static bool buffer_is_shared(struct guest_memory *mem, uint64_t gpa,
			     uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		if (mem_gpa_is_private(mem, gpa + off))
			return false;
	return true;
}

void snp_req_certs_answer(struct cvmm_exit_snp_req_certs *e,
			  const struct cc_image *img,
			  struct guest_memory *mem, char *note, size_t len)
{
	uint64_t gpa = e->gpa, need, bytes;
	uint8_t *hva;

	note[0] = '\0';
	e->ret = EIO;
	if (!img || !img->snp_certs) {
		snprintf(note, len, "certificate request without cc.snp.certs: answered EIO");
		return;
	}
	need = ALIGN_UP((uint64_t)img->snp_certs_size, PAGE_SIZE) / PAGE_SIZE;
	/* Too small (0 asks for the size): the pages needed, ENOSPC. */
	if (e->npages < need) {
		snprintf(note, len, "certificate request with %llu page(s) for a %zu-byte table: answered ENOSPC, %llu needed",
			 (unsigned long long)e->npages, img->snp_certs_size,
			 (unsigned long long)need);
		e->npages = need;
		e->ret = ENOSPC;
		return;
	}
	bytes = need * PAGE_SIZE;
	hva = IS_ALIGNED(gpa, PAGE_SIZE) && gpa + bytes > gpa ?
		      mem_gpa_to_hva(mem, gpa, bytes) : NULL;
	if (!hva || !buffer_is_shared(mem, gpa, bytes)) {
		snprintf(note, len, "certificate buffer gpa 0x%llx+0x%llx is not shared guest RAM: answered EIO",
			 (unsigned long long)gpa, (unsigned long long)bytes);
		return;
	}
	memcpy(hva, img->snp_certs, img->snp_certs_size);
	memset(hva + img->snp_certs_size, 0, bytes - img->snp_certs_size);
	e->ret = 0;
}

enum vcpu_action vcpu_handle_snp_req_certs(struct vcpu *vcpu)
{
	struct cc_launch *l = vcpu->vm->cc;
	struct cvmm_exit_snp_req_certs *e = kvm_run_snp_req_certs(vcpu->run);
	char note[256];
	bool first;

	snp_req_certs_answer(e, l ? &l->img : NULL, &vcpu->vm->mem, note,
			     sizeof(note));
	if (!l)
		return VCPU_CONTINUE;
	pthread_mutex_lock(&vcpu->vm->lock);
	if (e->ret == 0) {
		first = false;
		l->certs_served++;
	} else {
		first = !l->certs_refused++;
	}
	pthread_mutex_unlock(&vcpu->vm->lock);
	/* The guest may ask again and again: one line for the first. */
	if (first && note[0])
		log_warning("vcpu%u: %s", vcpu->id, note);
	else if (note[0])
		log_debug("vcpu%u: %s", vcpu->id, note);
	return VCPU_CONTINUE;
}
