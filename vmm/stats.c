// SPDX-License-Identifier: GPL-2.0-only
/*
 * --stats FILE: start-up times, the VMM's own peak memory, KVM exits by
 * reason and the private-memory counters, as one JSON object.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "devices/fw-cfg.h"
#include "lib/log.h"
#include "memory/convert.h"
#include "lib/kvm.h"
#include "vmm/kvm-stats.h"
#include "vmm/launch.h"
#include "vmm/vm.h"
#include "vmm/x86/boot-firmware.h"

static double ms_between(uint64_t from, uint64_t to)
{
	return from && to > from ? (to - from) / 1e6 : 0.0;
}

/* A "Name:   123 kB" line of /proc/self/status, in bytes. */
static uint64_t proc_status_bytes(const char *name)
{
	FILE *f = fopen("/proc/self/status", "re");
	size_t len = strlen(name);
	unsigned long long kb = 0;
	char line[256];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			sscanf(line + len + 1, "%llu", &kb);
			break;
		}
	fclose(f);
	return kb * 1024;
}

/* Bytes of guest memory resident in this process's mappings now. */
static uint64_t guest_resident_bytes(struct guest_memory *mem)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *r = &mem->regions[i];
		size_t pages = r->size / PAGE_SIZE;
		_cleanup_free_ unsigned char *vec = malloc(pages);

		if (!vec || mincore(r->hva, r->size, vec) < 0)
			continue;
		for (size_t p = 0; p < pages; p++)
			total += (vec[p] & 1) * PAGE_SIZE;
	}
	return total;
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

/*
 * Where the vCPU threads' time went: inside KVM_RUN (the guest, and KVM's
 * own exit handling), and in cvmm handling the exits KVM passed up.
 */
static void add_vcpu_times(struct json_object *root, const struct vm *vm)
{
	uint64_t run = 0, exit = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		run += vm->vcpus[i].run_ns;
		exit += vm->vcpus[i].exit_ns;
	}
	json_object_object_add(root, "time_in_kvm_run_ms",
			       json_object_new_double(run / 1e6));
	json_object_object_add(root, "time_in_exits_ms",
			       json_object_new_double(exit / 1e6));
}

static struct json_object *exits_json(const struct vm *vm)
{
	struct json_object *o = json_object_new_object();
	uint64_t total = 0;

	for (unsigned int reason = 0; reason <= VM_EXIT_REASONS; reason++) {
		uint64_t n = 0;

		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			n += vm->vcpus[i].exits[reason];
		if (!n)
			continue;
		total += n;
		add_u64(o, reason == VM_EXIT_REASONS ? "OTHER" :
			kvm_exit_reason_name(reason), n);
	}
	add_u64(o, "total", total);
	return o;
}

static struct json_object *memory_json(struct vm *vm)
{
	struct guest_memory *mem = &vm->mem;
	const struct mem_stats *s = &mem->stats;
	struct json_object *o = json_object_new_object();
	uint64_t gmem = 0, shared = 0;

	json_object_object_add(o, "backing", json_object_new_string(
		shared_backing_name(mem->plan.backing)));
	json_object_object_add(o, "guest_memfd", json_object_new_boolean(
		mem->plan.use_gmem));
	add_u64(o, "bytes_populated", s->bytes_populated);
	add_u64(o, "bytes_copied", s->bytes_copied);
	add_u64(o, "conversions_explicit", s->conversions_explicit);
	add_u64(o, "conversions_implicit", s->conversions_implicit);
	add_u64(o, "pages_to_private", s->pages_to_private);
	add_u64(o, "pages_to_shared", s->pages_to_shared);
	add_u64(o, "runs", s->runs);
	add_u64(o, "attr_calls", s->attr_calls);
	add_u64(o, "gmem_discards", s->gmem_discards);
	add_u64(o, "shared_discards", s->shared_discards);
	add_u64(o, "gmem_allocs", s->gmem_allocs);
	add_u64(o, "engine_syscalls", s->attr_calls + s->gmem_discards +
		s->shared_discards + s->gmem_allocs);
	add_u64(o, "prefaults", s->prefaults);
	add_u64(o, "discard_failures", s->discard_failures);
	add_u64(o, "gmem_alloc_failures", s->gmem_alloc_failures);
	add_u64(o, "private_bytes", mem->attrs.private_bytes);
	if (mem_allocated_bytes(mem, &gmem, &shared) == 0) {
		add_u64(o, "gmem_allocated_bytes", gmem);
		add_u64(o, "shared_allocated_bytes", shared);
	}
	return o;
}

/* json_object_to_file() would open the file without O_CLOEXEC. */
static int write_json(const char *path, struct json_object *root)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC |
					    O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (json_object_to_fd(fd, root, JSON_C_TO_STRING_PRETTY) < 0)
		return -EIO;
	return 0;
}

/* KVM's counters: the VM's, and the vCPUs' summed. */
static struct json_object *kvm_json(const struct vm *vm)
{
	struct json_object *o = json_object_new_object();
	struct json_object *vm_o = json_object_new_object();
	struct json_object *vcpus_o = json_object_new_object();
	int r = kvm_stats_merge_json(vm->stats_fd, vm_o);

	for (unsigned int i = 0; i < vm->nr_vcpus && r == 0; i++)
		r = kvm_stats_merge_json(vm->vcpus[i].stats_fd, vcpus_o);
	if (r < 0)
		log_warning_errno(r, "reading KVM's statistics");
	json_object_object_add(o, "vm", vm_o);
	json_object_object_add(o, "vcpus", vcpus_o);
	return o;
}

/* What the firmware read through fw_cfg, and the DMA it was refused. */
static struct json_object *fw_cfg_json(struct fw_cfg *fc)
{
	struct json_object *o = json_object_new_object();
	struct json_object *read = json_object_new_array();
	char key[8];

	pthread_mutex_lock(&fc->lock);
	/* The items the guest read to their end, as "0x11" (kernel). */
	for (unsigned int i = 0; i < FW_CFG_MAX_ITEMS; i++) {
		if (!(fc->stats.read_to_end & (1ull << i)))
			continue;
		snprintf(key, sizeof(key), "0x%02x", i);
		json_object_array_add(read, json_object_new_string(key));
	}
	json_object_object_add(o, "read_to_end", read);
	add_u64(o, "dma_transfers", fc->stats.dma_transfers);
	add_u64(o, "dma_errors", fc->stats.dma_errors);
	add_u64(o, "dma_bytes", fc->stats.dma_bytes);
	add_u64(o, "port_bytes", fc->stats.port_bytes);
	pthread_mutex_unlock(&fc->lock);
	return o;
}

int vm_write_stats(struct vm *vm, const char *path)
{
	struct fw_cfg *fc = boot_firmware_fw_cfg(vm);
	struct json_object *root = json_object_new_object();
	uint64_t hwm = proc_status_bytes("VmHWM");
	uint64_t guest = guest_resident_bytes(&vm->mem);
	int r = 0;

	json_c_set_serialization_double_format("%.3f", JSON_C_OPTION_GLOBAL);
	json_object_object_add(root, "time_to_first_run_ms", json_object_new_double(
		ms_between(vm->times.start, vm->times.first_run)));
	json_object_object_add(root, "time_to_first_output_ms", json_object_new_double(
		ms_between(vm->times.start, vm->uart.first_output_ns)));
	/* CLOCK_MONOTONIC, for a launcher that knows when it exec()ed us. */
	add_u64(root, "first_run_clock_ns", vm->times.first_run);
	json_object_object_add(root, "total_ms", json_object_new_double(
		ms_between(vm->times.start, vm->times.end)));
	/* Peak RSS less the guest RAM still mapped: the VMM's own memory. */
	add_u64(root, "vmm_peak_rss_bytes", hwm > guest ? hwm - guest : hwm);
	add_u64(root, "peak_rss_bytes", hwm);
	add_u64(root, "guest_resident_bytes", guest);
	add_u64(root, "console_bytes", vm->uart.bytes_out);
	add_vcpu_times(root, vm);
	json_object_object_add(root, "exits", exits_json(vm));
	json_object_object_add(root, "memory", memory_json(vm));
	json_object_object_add(root, "kvm", kvm_json(vm));
	if (vm->cc)
		json_object_object_add(root, "launch", launch_stats_json(vm));
	if (fc)
		json_object_object_add(root, "fw_cfg", fw_cfg_json(fc));
	r = write_json(path, root);
	if (r < 0)
		log_error_errno(r, "writing stats to '%s'", path);
	json_object_put(root);
	return r;
}
