// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include <unistd.h>

#include "devices/testdev.h"
#include "memory/convert.h"
#include "guest/bootinfo.h"

/*
 * Sum the words of the host's shared-side view, count the nonzero ones
 * and those equal to needle.
 */
static int host_read(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		     uint64_t needle, uint64_t *out)
{
	struct mem_region *r = mem_find_region(mem, gpa, len);
	uint64_t buf[512];

	if (!r || !IS_ALIGNED(gpa | len, PAGE_SIZE))
		return -EINVAL;
	for (uint64_t off = gpa - r->gpa; off < gpa - r->gpa + len;
	     off += sizeof(buf)) {
		/*
		 * pread of a memfd hole reads zeros without allocating; a
		 * load through the mapping would fault a page in. A
		 * guest_memfd has no read(): RAM that is one is read
		 * through its mapping.
		 */
		if (r->shared_fd >= 0 && r->shared_fd != r->gmem_fd) {
			if (pread(r->shared_fd, buf, sizeof(buf), off) != sizeof(buf))
				return -EIO;
		} else {
			memcpy(buf, r->hva + off, sizeof(buf));
		}
		for (unsigned int i = 0; i < ARRAY_SIZE(buf); i++) {
			out[0] += buf[i];
			out[1] += buf[i] != 0;
			out[2] += buf[i] == needle;
		}
	}
	return 0;
}

static int serve(struct testdev *td, struct bootinfo_req *req)
{
	struct guest_memory *mem = td->mem;
	const struct mem_stats *s = &mem->stats;
	int r;

	memset(req->out, 0, sizeof(req->out));
	switch (req->cmd) {
	case TESTDEV_MEASURE:
		r = mem_convert_flush(mem);
		if (r < 0)
			return r;
		return mem_range_allocated_bytes(mem, req->gpa, req->len,
						 &req->out[0], &req->out[1]);
	case TESTDEV_HOST_READ:
		return host_read(mem, req->gpa, req->len, req->arg, req->out);
	case TESTDEV_STATS:
		pthread_mutex_lock(&mem->lock);
		req->out[0] = s->attr_calls;
		req->out[1] = s->gmem_discards;
		req->out[2] = s->shared_discards;
		req->out[3] = s->gmem_allocs;
		req->out[4] = s->conversions_explicit + s->conversions_implicit;
		req->out[5] = s->runs;
		pthread_mutex_unlock(&mem->lock);
		return 0;
	case TESTDEV_FORBIDDEN_SYSCALL:
		if (!td->debug_hook)
			return -EINVAL;
		return td->debug_hook(td->debug_ctx, req->arg);
	default:
		return -EINVAL;
	}
}

static int testdev_access(void *opaque, uint64_t offset, uint8_t *data,
			  uint32_t size, bool is_write)
{
	struct testdev *td = opaque;
	struct bootinfo_req *req;

	(void)offset;
	if (!is_write) {
		memset(data, 0xff, size);
		return BUS_DONE;
	}
	req = mem_gpa_to_hva(td->mem, td->req_gpa, sizeof(*req));
	if (!req)
		return BUS_DONE;
	memcpy(&req->cmd, data, MIN(size, sizeof(req->cmd)));
	req->status = -serve(td, req);
	return BUS_DONE;
}

int testdev_register(struct testdev *td, struct bus *pio)
{
	const struct bus_device dev = {
		.name = "testdev",
		.base = GUEST_PORT_TEST,
		.len = 4,
		.access = testdev_access,
		.opaque = td,
	};

	return bus_register(pio, &dev);
}
