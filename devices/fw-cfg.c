// SPDX-License-Identifier: GPL-2.0-only
/*
 * fw_cfg: items, files, the port interface and DMA. The model is in
 * fw-cfg.h. The device never trusts a guest address: each one goes
 * through gpa_to_hva with its length, as a virtqueue's buffers do.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/fw-cfg.h"
#include "lib/log.h"

#define PORT_OFF_SEL 0
#define PORT_OFF_DATA 1
#define PORT_OFF_DMA_HIGH 4
#define PORT_OFF_DMA_LOW 8
#define DIR_ENTRY_SIZE (4 + 2 + 2 + FW_CFG_NAME_SIZE)

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static int set_item(struct fw_cfg *fc, uint16_t key, const void *data,
		    uint32_t size)
{
	uint8_t *copy = NULL;

	if (key >= FW_CFG_MAX_ITEMS)
		return -EINVAL;
	if (size) {
		copy = malloc(size);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, data, size);
	}
	free(fc->items[key].data);
	fc->items[key] = (struct fw_cfg_item){ .data = copy, .size = size };
	return 0;
}

int fw_cfg_init(struct fw_cfg *fc, fw_cfg_gpa_fn gpa_to_hva, void *gpa_ctx)
{
	int r;

	*fc = (struct fw_cfg){
		.gpa_to_hva = gpa_to_hva,
		.gpa_ctx = gpa_ctx,
	};
	pthread_mutex_init(&fc->lock, NULL);
	r = set_item(fc, FW_CFG_SIGNATURE, "QEMU", 4);
	if (r == 0)
		r = fw_cfg_add_u32(fc, FW_CFG_ID,
				   FW_CFG_VERSION | FW_CFG_VERSION_DMA);
	if (r == 0)
		r = fw_cfg_finish(fc);
	return r;
}

void fw_cfg_free(struct fw_cfg *fc)
{
	for (unsigned int i = 0; i < FW_CFG_MAX_ITEMS; i++)
		free(fc->items[i].data);
	memset(fc->items, 0, sizeof(fc->items));
	fc->nr_files = 0;
}

int fw_cfg_add_item(struct fw_cfg *fc, uint16_t key, const void *data,
		    uint32_t size)
{
	if (key >= FW_CFG_FILE_DIR)
		return -EINVAL;
	return set_item(fc, key, data, size);
}

/* Numbers in items are little-endian, as on the guest's side. */
int fw_cfg_add_u16(struct fw_cfg *fc, uint16_t key, uint16_t v)
{
	uint8_t b[2] = { v, v >> 8 };

	return fw_cfg_add_item(fc, key, b, sizeof(b));
}

int fw_cfg_add_u32(struct fw_cfg *fc, uint16_t key, uint32_t v)
{
	uint8_t b[4] = { v, v >> 8, v >> 16, v >> 24 };

	return fw_cfg_add_item(fc, key, b, sizeof(b));
}

int fw_cfg_file_key(const struct fw_cfg *fc, const char *name)
{
	for (unsigned int i = 0; i < fc->nr_files; i++)
		if (!strcmp(fc->names[i], name))
			return FW_CFG_FILE_FIRST + i;
	return -ENOENT;
}

const struct fw_cfg_item *fw_cfg_find_file(const struct fw_cfg *fc,
					   const char *name)
{
	for (unsigned int i = 0; i < fc->nr_files; i++)
		if (!strcmp(fc->names[i], name))
			return &fc->items[FW_CFG_FILE_FIRST + i];
	return NULL;
}

int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data,
		    uint32_t size)
{
	unsigned int i = fc->nr_files;
	int r;

	if (strlen(name) >= FW_CFG_NAME_SIZE)
		return -ENAMETOOLONG;
	if (fw_cfg_find_file(fc, name))
		return -EEXIST;
	if (i == FW_CFG_MAX_FILES)
		return -ENOSPC;
	r = set_item(fc, FW_CFG_FILE_FIRST + i, data, size);
	if (r < 0)
		return r;
	strcpy(fc->names[i], name);
	fc->nr_files++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strncmp((const char *)a + 8, (const char *)b + 8,
		       FW_CFG_NAME_SIZE);
}

/* u32 count, then { u32 size; u16 select; u16 reserved; name }, all BE. */
int fw_cfg_finish(struct fw_cfg *fc)
{
	uint32_t len = 4 + fc->nr_files * DIR_ENTRY_SIZE;
	_cleanup_free_ uint8_t *dir = calloc(1, len);

	if (!dir)
		return -ENOMEM;
	put_be32(dir, fc->nr_files);
	for (unsigned int i = 0; i < fc->nr_files; i++) {
		uint8_t *e = dir + 4 + i * DIR_ENTRY_SIZE;

		put_be32(e, fc->items[FW_CFG_FILE_FIRST + i].size);
		put_be16(e + 4, FW_CFG_FILE_FIRST + i);
		memcpy(e + 8, fc->names[i], FW_CFG_NAME_SIZE);
	}
	qsort(dir + 4, fc->nr_files, DIR_ENTRY_SIZE, by_name);
	return set_item(fc, FW_CFG_FILE_DIR, dir, len);
}

static void select_locked(struct fw_cfg *fc, uint16_t selector)
{
	fc->selector = selector & FW_CFG_SEL_MASK;
	fc->offset = 0;
	if (fc->on_select)
		fc->on_select(fc->select_ctx, fc->selector);
}

/* The selected item; absent and write-selected items have no bytes. */
static const struct fw_cfg_item *current_locked(const struct fw_cfg *fc)
{
	static const struct fw_cfg_item none;

	if (fc->selector >= FW_CFG_MAX_ITEMS)
		return &none;
	return &fc->items[fc->selector];
}

_Static_assert(FW_CFG_MAX_ITEMS <= 64, "read_to_end has a bit per item");

/*
 * Note an item read to its end: which blobs the firmware fetched in full
 * tells where it stopped (--stats, and the log at debug level).
 */
static void note_progress_locked(struct fw_cfg *fc,
				 const struct fw_cfg_item *it)
{
	uint64_t bit;

	/* Only items below FW_CFG_MAX_ITEMS have bytes. */
	if (!it->size || fc->offset < it->size)
		return;
	bit = 1ull << fc->selector;
	if (fc->stats.read_to_end & bit)
		return;
	fc->stats.read_to_end |= bit;
	log_debug("fw_cfg: the guest read item 0x%02x to its end (%u bytes)",
		  fc->selector, it->size);
}

static uint8_t read_byte_locked(struct fw_cfg *fc)
{
	const struct fw_cfg_item *it = current_locked(fc);
	uint8_t b;

	if (fc->offset >= it->size)
		return 0;
	b = it->data[fc->offset++];
	note_progress_locked(fc, it);
	return b;
}

/*
 * One transfer of len bytes at gpa: reads copy the item (zeros past its
 * end), skips only advance. Returns false for an error.
 */
static bool dma_transfer_locked(struct fw_cfg *fc, uint32_t control,
				uint32_t len, uint64_t gpa)
{
	const struct fw_cfg_item *it = current_locked(fc);
	uint32_t avail = it->size > fc->offset ? it->size - fc->offset : 0;
	uint32_t n = MIN(avail, len);
	uint8_t *dst;

	if (control & FW_CFG_DMA_READ) {
		if (len == 0)
			return true;
		dst = fc->gpa_to_hva(fc->gpa_ctx, gpa, len);
		if (!dst)
			return false;
		if (n)
			memcpy(dst, it->data + fc->offset, n);
		memset(dst + n, 0, len - n);
		fc->stats.dma_bytes += len;
	} else if (control & FW_CFG_DMA_WRITE) {
		/* No item is writable here. */
		return false;
	} else if (!(control & FW_CFG_DMA_SKIP)) {
		return true;
	}
	fc->offset += n;
	note_progress_locked(fc, it);
	return true;
}

static void dma_run_locked(struct fw_cfg *fc, uint64_t desc_gpa)
{
	uint8_t *desc = fc->gpa_to_hva(fc->gpa_ctx, desc_gpa,
				       FW_CFG_DMA_DESC_SIZE);
	uint32_t control, len;
	uint64_t gpa;
	bool ok;

	fc->stats.dma_transfers++;
	if (!desc) {
		/* Nowhere to report it: the guest sees no completion. */
		fc->stats.dma_errors++;
		return;
	}
	control = get_be32(desc);
	len = get_be32(desc + 4);
	gpa = get_be64(desc + 8);
	if (control & FW_CFG_DMA_SELECT)
		select_locked(fc, control >> 16);
	ok = dma_transfer_locked(fc, control, len, gpa);
	if (!ok)
		fc->stats.dma_errors++;
	put_be32(desc, ok ? 0 : FW_CFG_DMA_ERROR);
}

static void read_ports_locked(struct fw_cfg *fc, uint64_t offset,
			      uint8_t *data, uint32_t size)
{
	uint8_t sig[8];

	put_be32(sig, FW_CFG_DMA_SIGNATURE >> 32);
	put_be32(sig + 4, (uint32_t)FW_CFG_DMA_SIGNATURE);
	for (uint32_t i = 0; i < size; i++) {
		uint64_t at = offset + i;

		if (at == PORT_OFF_DATA) {
			data[i] = read_byte_locked(fc);
			fc->stats.port_bytes++;
		} else if (at >= PORT_OFF_DMA_HIGH) {
			data[i] = sig[at - PORT_OFF_DMA_HIGH];
		} else {
			data[i] = 0;
		}
	}
}

/* Writes other than these (the data port is read-only here) are dropped. */
static void write_ports_locked(struct fw_cfg *fc, uint64_t offset,
			       const uint8_t *data, uint32_t size)
{
	if (offset == PORT_OFF_SEL && size == 2) {
		select_locked(fc, data[0] | data[1] << 8);
	} else if (offset == PORT_OFF_DMA_HIGH && size == 4) {
		fc->dma_high = get_be32(data);
	} else if (offset == PORT_OFF_DMA_LOW && size == 4) {
		dma_run_locked(fc, (uint64_t)fc->dma_high << 32 |
					   get_be32(data));
		fc->dma_high = 0;
	}
}

int fw_cfg_access(void *opaque, uint64_t offset, uint8_t *data,
		  uint32_t size, bool is_write)
{
	struct fw_cfg *fc = opaque;

	pthread_mutex_lock(&fc->lock);
	if (is_write)
		write_ports_locked(fc, offset, data, size);
	else
		read_ports_locked(fc, offset, data, size);
	pthread_mutex_unlock(&fc->lock);
	return BUS_DONE;
}

int fw_cfg_register(struct fw_cfg *fc, struct bus *pio)
{
	const struct bus_device dev = {
		.name = "fw-cfg",
		.base = FW_CFG_PORT_SEL,
		.len = FW_CFG_PORTS_LEN,
		.access = fw_cfg_access,
		.opaque = fc,
	};

	return bus_register(pio, &dev);
}
