/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * KVM_EXIT_SNP_REQ_CERTS: an SNP guest's extended attestation request asks
 * for the certificate table (sev-snp.md section 4). cvmm writes the table
 * of cc.snp.certs into the guest's shared buffer, or answers with the
 * errno values KVM turns into the GHCB's VMM errors: ENOSPC with the pages
 * needed (invalid length), EIO (generic error). A guest's request never
 * ends the VM.
 */
#ifndef CVMM_SNP_CERTS_EXIT_H
#define CVMM_SNP_CERTS_EXIT_H

#include <stddef.h>

#include "lib/kvm-abi.h"
#include "vmm/vm.h"

struct cc_image;

/*
 * Answer one request in place (e->ret, and e->npages for ENOSPC). @img
 * NULL or without a table: EIO. A one-line note for the log goes to
 * @note, empty for a plain success.
 */
void snp_req_certs_answer(struct cvmm_exit_snp_req_certs *e,
			  const struct cc_image *img,
			  struct guest_memory *mem, char *note, size_t len);

/* Exit-table entry for vmm/vcpu.c. */
enum vcpu_action vcpu_handle_snp_req_certs(struct vcpu *vcpu);

#endif
