/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU's firmware configuration device (fw_cfg), the way OVMF learns the
 * machine it runs on: numbered items and named files, read through the
 * selector/data ports or by DMA (QEMU docs/specs/fw_cfg.rst, edk2
 * IndustryStandard/QemuFwCfg.h).
 *
 * - port 0x510 (16-bit write): select an item, rewinding its offset;
 * - port 0x511 (8-bit read): the next byte of the item, 0 past its end;
 * - ports 0x514/0x518 (32-bit writes, big-endian halves of one 64-bit
 *   GPA, high half first): writing the low half runs the DMA descriptor
 *   at that GPA; reading 0x514 gives the DMA signature "QEMU CFG".
 *
 * A DMA descriptor is big-endian { u32 control; u32 length; u64 address }.
 * Control bits: ERROR 0, READ 1, SKIP 2, SELECT 3 (selector in 31:16),
 * WRITE 4. Every guest address (the descriptor, the buffer) is checked
 * against guest RAM through mem_ok; anything that is not RAM or not
 * writable here ends the transfer with control = ERROR, nothing else.
 *
 * Items are added before the vCPUs start; fw_cfg_finish() then builds the
 * file directory (item 0x19). After that only the device's lock is taken.
 */
#ifndef CVMM_FW_CFG_H
#define CVMM_FW_CFG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "lib/util.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA 0x514
#define FW_CFG_PORTS_LEN 0xc

/* Item numbers (fw_cfg.rst "Selector Register"). */
enum {
	FW_CFG_SIGNATURE = 0x00,
	FW_CFG_ID = 0x01,
	FW_CFG_NB_CPUS = 0x05,
	FW_CFG_KERNEL_SIZE = 0x08,
	FW_CFG_INITRD_SIZE = 0x0b,
	FW_CFG_MAX_CPUS = 0x0f,
	FW_CFG_KERNEL_DATA = 0x11,
	FW_CFG_INITRD_DATA = 0x12,
	FW_CFG_CMDLINE_SIZE = 0x14,
	FW_CFG_CMDLINE_DATA = 0x15,
	FW_CFG_SETUP_SIZE = 0x17,
	FW_CFG_SETUP_DATA = 0x18,
	FW_CFG_FILE_DIR = 0x19,
	FW_CFG_FILE_FIRST = 0x20,
};

#define FW_CFG_MAX_FILES 32
#define FW_CFG_MAX_ITEMS (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define FW_CFG_NAME_SIZE 56
/* Selector bit 14: the item is to be written (ignored: none is). */
#define FW_CFG_SEL_WRITE 0x4000
#define FW_CFG_SEL_MASK 0x3fff

/* Interface version bits (item 0x01). */
#define FW_CFG_VERSION 0x1
#define FW_CFG_VERSION_DMA 0x2

#define FW_CFG_DMA_ERROR 0x01
#define FW_CFG_DMA_READ 0x02
#define FW_CFG_DMA_SKIP 0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE 0x10
#define FW_CFG_DMA_DESC_SIZE 16
/* "QEMU CFG", read from the DMA port. */
#define FW_CFG_DMA_SIGNATURE 0x51454d5520434647ull

struct fw_cfg_item {
	uint8_t *data;
	uint32_t size;
};

/*
 * The host address of [gpa, gpa + len) of guest RAM, or NULL when the
 * range is not entirely RAM.
 */
typedef void *(*fw_cfg_gpa_fn)(void *ctx, uint64_t gpa, uint64_t len);

struct fw_cfg_stats {
	uint64_t dma_transfers;
	uint64_t dma_errors;
	uint64_t dma_bytes;
	uint64_t port_bytes;
	/* Bit N: the guest read item N to its end (FW_CFG_MAX_ITEMS is 64). */
	uint64_t read_to_end;
};

/* Called, with the device's lock held, when the guest selects an item. */
typedef void (*fw_cfg_select_fn)(void *ctx, uint16_t key);

struct fw_cfg {
	pthread_mutex_t lock;
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	char names[FW_CFG_MAX_FILES][FW_CFG_NAME_SIZE];
	unsigned int nr_files;
	/* Guest state: the selected item, its offset, the DMA address. */
	uint16_t selector;
	uint32_t offset;
	uint32_t dma_high;
	fw_cfg_gpa_fn gpa_to_hva;
	void *gpa_ctx;
	/* Optional: told of every selection (vmm/x86/fw-secure-boot.c). */
	fw_cfg_select_fn on_select;
	void *select_ctx;
	struct fw_cfg_stats stats;
};

/* Signature, interface version and an empty directory. */
int __must_check fw_cfg_init(struct fw_cfg *fc, fw_cfg_gpa_fn gpa_to_hva,
			     void *gpa_ctx);
void fw_cfg_free(struct fw_cfg *fc);

/* Set item key (below FW_CFG_FILE_DIR) to a copy of data. */
int __must_check fw_cfg_add_item(struct fw_cfg *fc, uint16_t key,
				 const void *data, uint32_t size);
int __must_check fw_cfg_add_u16(struct fw_cfg *fc, uint16_t key, uint16_t v);
int __must_check fw_cfg_add_u32(struct fw_cfg *fc, uint16_t key, uint32_t v);

/*
 * Add a named file holding a copy of data; -EEXIST for a name already
 * there, -ENAMETOOLONG, -ENOSPC when FW_CFG_MAX_FILES are taken.
 */
int __must_check fw_cfg_add_file(struct fw_cfg *fc, const char *name,
				 const void *data, uint32_t size);

/* The item number of a file by name, or -ENOENT. */
int fw_cfg_file_key(const struct fw_cfg *fc, const char *name);

/* The item of a file by name, or NULL (for --plan and tests). */
const struct fw_cfg_item *fw_cfg_find_file(const struct fw_cfg *fc,
					   const char *name);

/* Build the file directory; after the last file, before registering. */
int __must_check fw_cfg_finish(struct fw_cfg *fc);

int __must_check fw_cfg_register(struct fw_cfg *fc, struct bus *pio);

/* The bus handler, exported for the tests and the fuzz target. */
int fw_cfg_access(void *opaque, uint64_t offset, uint8_t *data,
		  uint32_t size, bool is_write);

#endif
