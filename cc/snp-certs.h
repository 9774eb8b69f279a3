/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The certificate table an SNP guest gets with an extended attestation
 * report (KVM_EXIT_SNP_REQ_CERTS, sev-snp.md section 4). Format (GHCB
 * specification): entries of 24 bytes, { GUID (EFI byte order); u32
 * offset; u32 length }, ended by an all-zero entry, the certificates after
 * it at their offsets from the start of the table. cvmm serves the file as
 * it is, so it checks the format at start: a guest must never receive a
 * table it cannot walk.
 */
#ifndef CVMM_CC_SNP_CERTS_H
#define CVMM_CC_SNP_CERTS_H

#include <stddef.h>
#include <stdint.h>

#define SNP_CERT_ENTRY_SIZE 24
/* Far more than VCEK, ASK and ARK need; a bound on what is served. */
#define SNP_CERTS_MAX_SIZE (1u << 20)
#define SNP_CERTS_MAX_ENTRIES 64

/* What the table holds, for --plan and the log. */
struct snp_certs_info {
	unsigned int nr_entries;
	/* Each entry's GUID in text form, "vcek" etc. when known. */
	const char *names[SNP_CERTS_MAX_ENTRIES];
};

/*
 * Check @table (@size bytes) as a GHCB certificate table: terminated,
 * every blob non-empty, after the table and inside the file, no GUID
 * twice. Returns 0 with *ret filled, or -EINVAL with why in @reason.
 */
int snp_certs_check(const uint8_t *table, size_t size,
		    struct snp_certs_info *ret, char *reason, size_t len);

#endif
