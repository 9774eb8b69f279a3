/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small AML encoder (ACPI 6.5 section 20) for the DSDT: scopes, devices,
 * named integers, strings, packages and resource-template buffers. That
 * is all a platform without methods needs; it grows with the devices.
 *
 * Calls append to a buffer; an allocation failure is remembered and
 * reported once by aml_finish(). Objects with a PkgLength are opened
 * with aml_scope()/aml_device()/aml_package() and closed with aml_end().
 */
#ifndef CVMM_AML_H
#define CVMM_AML_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define AML_MAX_DEPTH 8

struct aml {
	uint8_t *buf;
	size_t len, cap;
	int err;
	/* Where each open object's contents start. */
	size_t open[AML_MAX_DEPTH];
	unsigned int depth;
};

void aml_init(struct aml *a);
/* The encoded bytes (a->buf, a->len) or -ENOMEM / -EINVAL. */
int __must_check aml_finish(struct aml *a);
void aml_free(struct aml *a);

/* "\\_SB_.PCI0", "COM1", "_S5": segments are padded with '_'. */
void aml_namestring(struct aml *a, const char *path);
/* Name(name, ...): the value follows as the next object. */
void aml_name(struct aml *a, const char *name);
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* EISAID("PNP0A08") as the compressed 32-bit integer. */
void aml_eisaid(struct aml *a, const char *id);
/* Buffer of raw bytes, e.g. a resource template from struct aml_res. */
void aml_buffer(struct aml *a, const void *data, size_t len);

void aml_scope(struct aml *a, const char *path);
void aml_device(struct aml *a, const char *name);
void aml_package(struct aml *a, uint8_t nr_elements);
void aml_end(struct aml *a);

/*
 * Resource template (ACPI 6.5 section 6.4) for _CRS: descriptors appended
 * to a fixed buffer, closed with the end tag by aml_res_buffer().
 */
#define AML_RES_MAX 256

struct aml_res {
	uint8_t buf[AML_RES_MAX];
	size_t len;
	int err;
};

void aml_res_io(struct aml_res *r, uint16_t base, uint8_t len);
void aml_res_irq(struct aml_res *r, uint8_t irq);
void aml_res_mem32_fixed(struct aml_res *r, uint32_t base, uint32_t len);
void aml_res_bus_range(struct aml_res *r, uint8_t first, uint8_t last);
void aml_res_io_window(struct aml_res *r, uint16_t base, uint32_t len);
void aml_res_mem_window(struct aml_res *r, uint64_t base, uint64_t len);
/* Name-less: emits Buffer(){...} with the end tag. */
void aml_res_buffer(struct aml *a, struct aml_res *r);

#endif
