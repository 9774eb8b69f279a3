// SPDX-License-Identifier: GPL-2.0-only
/* The GHCB certificate table format (cc/snp-certs.h). */
#include <endian.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cc/snp-certs.h"
#include "lib/util.h"

/* GUIDs of the GHCB specification (sev-snp.md section 4), EFI order. */
static const struct {
	const char *name;
	uint8_t guid[16];
} known[] = {
	/* 63da758d-e664-4564-adc5-f4b93be8accd */
	{ "VCEK", { 0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
		    0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd } },
	/* a8074bc2-a25a-483e-aae6-39c045a0b8a1 */
	{ "VLEK", { 0xc2, 0x4b, 0x07, 0xa8, 0x5a, 0xa2, 0x3e, 0x48,
		    0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1 } },
	/* 4ab7b379-bbac-4fe4-a02f-05aef327c782 */
	{ "ASK", { 0x79, 0xb3, 0xb7, 0x4a, 0xac, 0xbb, 0xe4, 0x4f,
		   0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 } },
	/* c0b406a4-a803-4952-9743-3fb6014cd0ae */
	{ "ARK", { 0xa4, 0x06, 0xb4, 0xc0, 0x03, 0xa8, 0x52, 0x49,
		   0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae } },
};

static int fail(char *reason, size_t len, const char *fmt, ...)
	__printf(3, 4);

static int fail(char *reason, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint32_t le32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static const char *guid_name(const uint8_t *guid)
{
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (!memcmp(known[i].guid, guid, 16))
			return known[i].name;
	return "other";
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Entries before the terminator, or -EINVAL when there is none. */
static int count_entries(const uint8_t *table, size_t size, char *reason,
			 size_t len)
{
	for (size_t i = 0; (i + 1) * SNP_CERT_ENTRY_SIZE <= size; i++) {
		if (is_zero(table + i * SNP_CERT_ENTRY_SIZE,
			    SNP_CERT_ENTRY_SIZE))
			return i;
		if (i == SNP_CERTS_MAX_ENTRIES)
			return fail(reason, len,
				    "more than %u entries in the certificate table",
				    SNP_CERTS_MAX_ENTRIES);
	}
	return fail(reason, len,
		    "the certificate table has no terminating all-zero entry");
}

int snp_certs_check(const uint8_t *table, size_t size,
		    struct snp_certs_info *ret, char *reason, size_t len)
{
	struct snp_certs_info info = {};
	size_t table_end;
	int n;

	if (size > SNP_CERTS_MAX_SIZE)
		return fail(reason, len, "%zu bytes, more than the %u a certificate table may have",
			    size, SNP_CERTS_MAX_SIZE);
	n = count_entries(table, size, reason, len);
	if (n < 0)
		return n;
	if (n == 0)
		return fail(reason, len, "the certificate table is empty");
	table_end = (size_t)(n + 1) * SNP_CERT_ENTRY_SIZE;
	for (int i = 0; i < n; i++) {
		const uint8_t *e = table + i * SNP_CERT_ENTRY_SIZE;
		uint64_t off = le32_at(e + 16), blob = le32_at(e + 20);

		if (is_zero(e, 16))
			return fail(reason, len, "entry %d has a zero GUID", i);
		if (!blob || off < table_end || off + blob > size)
			return fail(reason, len,
				    "entry %d (%s): offset 0x%llx, length 0x%llx is not inside the file after the table (0x%zx..0x%zx)",
				    i, guid_name(e), (unsigned long long)off,
				    (unsigned long long)blob, table_end, size);
		for (int j = 0; j < i; j++)
			if (!memcmp(table + j * SNP_CERT_ENTRY_SIZE, e, 16))
				return fail(reason, len,
					    "entries %d and %d have the same GUID (%s)",
					    j, i, guid_name(e));
		info.names[i] = guid_name(e);
	}
	info.nr_entries = n;
	*ret = info;
	return 0;
}
