// SPDX-License-Identifier: GPL-2.0-only
/*
 * fw_cfg as a hostile guest drives it: selector writes, data-port reads,
 * DMA descriptors the guest wrote anywhere (inside guest RAM, across its
 * end, outside it) with any control word, length and buffer address, and
 * stray accesses of every size at every port of the device.
 *
 * Properties, checked against a model of the selected item and offset:
 * - nothing crashes, and nothing outside guest RAM is touched (the RAM is
 *   a buffer with guard bytes on both sides that must stay intact);
 * - a descriptor inside RAM always completes: control reads 0 or ERROR;
 * - a READ that completes fills the buffer with the item's bytes from the
 *   model's offset, zeros past the item's end; a SKIP moves the offset;
 *   anything that fails leaves the offset where it was;
 * - data-port reads give the same bytes as the model.
 */
#include "devices/fw-cfg.h"
#include "fuzz.h"

#define RAM_GPA 0x100000ull
#define RAM_SIZE 0x2000ull
#define GUARD 64
#define GUARD_BYTE 0x5a

static uint8_t mem[GUARD + RAM_SIZE + GUARD];
static uint8_t *const ram = mem + GUARD;

static void *ram_hva(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < RAM_GPA || len > RAM_SIZE || gpa - RAM_GPA > RAM_SIZE - len)
		return NULL;
	return ram + (gpa - RAM_GPA);
}

struct model {
	uint16_t sel;
	uint32_t off;
};

static const struct fw_cfg_item *item(const struct fw_cfg *fc, uint16_t sel)
{
	static const struct fw_cfg_item none;

	sel &= FW_CFG_SEL_MASK;
	return sel < FW_CFG_MAX_ITEMS ? &fc->items[sel] : &none;
}

static uint8_t model_byte(const struct fw_cfg *fc, struct model *m)
{
	const struct fw_cfg_item *it = item(fc, m->sel);

	return m->off < it->size ? it->data[m->off++] : 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint64_t pick_gpa(struct fuzz_input *in)
{
	switch (fuzz_u8(in) % 4) {
	case 0:
		return RAM_GPA + fuzz_u16(in) % RAM_SIZE;
	case 1:
		return RAM_GPA + RAM_SIZE - fuzz_u8(in) % 32;
	case 2:
		return RAM_GPA - fuzz_u8(in) % 32;
	default:
		return fuzz_u64(in);
	}
}

static void check_read(const struct fw_cfg *fc, struct model *m,
		       const uint8_t *buf, uint32_t len)
{
	const struct fw_cfg_item *it = item(fc, m->sel);

	for (uint32_t i = 0; i < len; i++) {
		uint64_t at = (uint64_t)m->off + i;
		uint8_t want = at < it->size ? it->data[at] : 0;

		FUZZ_CHECK(buf[i] == want, "DMA byte %u of item 0x%x", i, m->sel);
	}
}

static void do_dma(struct fw_cfg *fc, struct model *m, struct fuzz_input *in)
{
	uint64_t desc_gpa = pick_gpa(in), addr = pick_gpa(in);
	uint32_t control = fuzz_u32(in), len = fuzz_u16(in) % 0x3000;
	uint8_t *desc = ram_hva(NULL, desc_gpa, FW_CFG_DMA_DESC_SIZE);
	uint8_t hi[4], lo[4];
	struct model before;
	const uint8_t *buf;
	uint32_t done;

	if (fuzz_u8(in) & 1)
		len = fuzz_u32(in);
	if (desc) {
		put_be32(desc, control);
		put_be32(desc + 4, len);
		put_be32(desc + 8, addr >> 32);
		put_be32(desc + 12, (uint32_t)addr);
	}
	put_be32(hi, desc_gpa >> 32);
	put_be32(lo, (uint32_t)desc_gpa);
	fw_cfg_access(fc, FW_CFG_PORT_DMA - FW_CFG_PORT_SEL, hi, 4, true);
	fw_cfg_access(fc, FW_CFG_PORT_DMA + 4 - FW_CFG_PORT_SEL, lo, 4, true);
	if (!desc)
		return;
	/* The buffer may overlap the descriptor: check what it says first. */
	done = (uint32_t)desc[0] << 24 | desc[1] << 16 | desc[2] << 8 | desc[3];
	FUZZ_CHECK(done == 0 || done == FW_CFG_DMA_ERROR,
		   "control 0x%x after a DMA", done);
	if (control & FW_CFG_DMA_SELECT)
		*m = (struct model){ .sel = (control >> 16) & FW_CFG_SEL_MASK };
	before = *m;
	if (done)
		return;
	buf = ram_hva(NULL, addr, len);
	if ((control & FW_CFG_DMA_READ) && len) {
		FUZZ_CHECK(buf, "a READ outside RAM completed");
		if (!ranges_overlap(addr, len, desc_gpa, FW_CFG_DMA_DESC_SIZE))
			check_read(fc, m, buf, len);
	}
	if (control & (FW_CFG_DMA_READ | FW_CFG_DMA_SKIP)) {
		uint32_t size = item(fc, before.sel)->size;
		uint32_t avail = size > before.off ? size - before.off : 0;

		m->off = before.off + MIN(avail, len);
	}
}

static void setup(struct fw_cfg *fc)
{
	static const char big[300] = "fuzz";

	FUZZ_CHECK(fw_cfg_init(fc, ram_hva, NULL) == 0, "init");
	FUZZ_CHECK(fw_cfg_add_u16(fc, FW_CFG_NB_CPUS, 2) == 0, "cpus");
	FUZZ_CHECK(fw_cfg_add_item(fc, FW_CFG_KERNEL_DATA, big,
				   sizeof(big)) == 0, "kernel");
	FUZZ_CHECK(fw_cfg_add_file(fc, "etc/e820", big, 40) == 0, "e820");
	FUZZ_CHECK(fw_cfg_add_file(fc, "bootorder", "", 0) == 0, "empty");
	FUZZ_CHECK(fw_cfg_finish(fc) == 0, "directory");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct model m = { 0 };
	struct fw_cfg fc;

	memset(mem, GUARD_BYTE, sizeof(mem));
	setup(&fc);
	for (unsigned int steps = 0; in.size && steps < 256; steps++) {
		uint8_t op = fuzz_u8(&in) % 4;
		uint8_t b[8] = { 0 };

		if (op == 0) {
			uint16_t sel = fuzz_u16(&in);

			b[0] = sel;
			b[1] = sel >> 8;
			fw_cfg_access(&fc, 0, b, 2, true);
			m = (struct model){ .sel = sel & FW_CFG_SEL_MASK };
		} else if (op == 1) {
			uint8_t want = model_byte(&fc, &m);

			fw_cfg_access(&fc, 1, b, 1, false);
			FUZZ_CHECK(b[0] == want, "data port byte");
		} else if (op == 2) {
			do_dma(&fc, &m, &in);
		} else {
			uint32_t sizes[] = { 1, 2, 4, 8 };
			uint32_t n = sizes[fuzz_u8(&in) % 4];
			uint64_t off = fuzz_u8(&in) % FW_CFG_PORTS_LEN;
			bool write = fuzz_u8(&in) & 1;

			/* Not the ports the model follows (selector, data, DMA). */
			if (write && (off == 0 || off == 4 || off == 8))
				continue;
			if (!write && off <= 1 && off + n > 1)
				continue;
			for (uint32_t i = 0; i < n; i++)
				b[i] = fuzz_u8(&in);
			if (off + n <= FW_CFG_PORTS_LEN)
				fw_cfg_access(&fc, off, b, n, write);
		}
	}
	for (size_t i = 0; i < GUARD; i++)
		FUZZ_CHECK(mem[i] == GUARD_BYTE &&
				   mem[GUARD + RAM_SIZE + i] == GUARD_BYTE,
			   "a byte outside guest RAM changed");
	fw_cfg_free(&fc);
	return 0;
}
