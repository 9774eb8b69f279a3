// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/conversions: cvmm's conversion engine against a naive one (one
 * attributes call and one discard per 4K page) and the floor (one
 * attributes call and one discard per request), on a real
 * KVM_X86_SW_PROTECTED_VM, side by side in one run. Prints syscalls and
 * time per workload and engine, and the ratios.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "memory/convert.h"
#include "memory/memory.h"
#include "lib/kvm.h"
#include "vmm/vm.h"

#define BASE SZ_2M
#define REPS 3

enum engine {
	ENGINE_CVMM,
	ENGINE_NAIVE,
	ENGINE_FLOOR,
	NR_ENGINES,
};

static const char *const engine_names[] = { "cvmm", "naive", "floor" };

struct request {
	uint64_t gpa;
	uint64_t len;
};

struct workload {
	const char *name;
	struct request *reqs;
	size_t nr;
	/* Touch the shared pages first, so discards free real memory. */
	bool touch;
};

struct result {
	uint64_t syscalls;
	double ms;
};

static uint64_t engine_syscalls(const struct guest_memory *mem)
{
	const struct mem_stats *s = &mem->stats;

	return s->attr_calls + s->gmem_discards + s->shared_discards +
	       s->gmem_allocs;
}

static int convert(struct guest_memory *mem, enum engine e,
		   const struct request *rq, bool to_private)
{
	switch (e) {
	case ENGINE_NAIVE:
		return mem_convert_naive(mem, rq->gpa, rq->len, to_private);
	case ENGINE_FLOOR:
		return mem_convert_floor(mem, rq->gpa, rq->len, to_private);
	default:
		return mem_convert(mem, rq->gpa, rq->len, to_private,
				   CONV_ORIGIN_EXPLICIT, NULL);
	}
}

static void touch(struct guest_memory *mem, const struct workload *w)
{
	for (size_t i = 0; i < w->nr; i++)
		for (uint64_t off = 0; off < w->reqs[i].len; off += PAGE_SIZE)
			*(volatile uint8_t *)mem_gpa_to_hva(mem, w->reqs[i].gpa + off,
							    1) = 1;
}

/* Every request to private, then every request back to shared. */
static int run_one(struct guest_memory *mem, const struct workload *w,
		   enum engine e, struct result *res)
{
	uint64_t before, t0;
	int r;

	if (w->touch)
		touch(mem, w);
	before = engine_syscalls(mem);
	t0 = monotonic_ns();
	for (int dir = 1; dir >= 0; dir--) {
		for (size_t i = 0; i < w->nr; i++) {
			r = convert(mem, e, &w->reqs[i], dir);
			if (r < 0)
				return r;
		}
	}
	r = mem_convert_flush(mem);
	if (r < 0)
		return r;
	res->ms = (monotonic_ns() - t0) / 1e6;
	res->syscalls = engine_syscalls(mem) - before;
	return 0;
}

static struct workload contiguous(uint64_t size)
{
	struct workload w = { "1G contiguous", calloc(1, sizeof(*w.reqs)), 1 };

	w.reqs[0] = (struct request){ BASE, size };
	return w;
}

/* 64 page-state changes of 252 contiguous 4K pages, one per 2M chunk. */
static struct workload psc_batches(void)
{
	struct workload w = { "252x4K batches", calloc(64, sizeof(*w.reqs)), 64,
			      true };

	for (size_t i = 0; i < w.nr; i++)
		w.reqs[i] = (struct request){ BASE + i * SZ_2M + 4 * PAGE_SIZE,
					      252 * PAGE_SIZE };
	return w;
}

/* 4096 single pages, every other page: nothing to coalesce. */
static struct workload scattered(void)
{
	struct workload w = { "scattered 4K", calloc(4096, sizeof(*w.reqs)),
			      4096, true };

	for (size_t i = 0; i < w.nr; i++)
		w.reqs[i] = (struct request){ BASE + 2 * i * PAGE_SIZE, PAGE_SIZE };
	return w;
}

/* 256 2M-aligned runs of 2M. */
static struct workload aligned_2m(void)
{
	struct workload w = { "2M-aligned runs", calloc(256, sizeof(*w.reqs)),
			      256 };

	for (size_t i = 0; i < w.nr; i++)
		w.reqs[i] = (struct request){ BASE + 2 * i * SZ_2M, SZ_2M };
	return w;
}

static double median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

static int setup(struct guest_memory *mem, uint64_t ram)
{
	struct vm_config cfg;
	struct mem_plan plan;
	int kvm, vm, r;

	kvm = kvm_open();
	if (kvm < 0) {
		fprintf(stderr, "cannot open /dev/kvm: %s\n", strerror(-kvm));
		return kvm;
	}
	vm = kvm_create_vm(kvm, KVM_X86_SW_PROTECTED_VM);
	if (vm < 0) {
		fprintf(stderr, "no KVM_X86_SW_PROTECTED_VM here: %s\n",
			strerror(-vm));
		return vm;
	}
	vm_config_init(&cfg);
	cfg.machine.memory_size = ram;
	r = mem_plan_build(&cfg, 0, 0, true, &plan);
	if (r < 0)
		return r;
	r = mem_create(mem, vm, &plan);
	if (r < 0)
		return r;
	mem->coalesce_discards = true;
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t size = argc > 1 ? strtoull(argv[1], NULL, 0) << 20 : SZ_1G;
	struct workload loads[] = { contiguous(size), psc_batches(), scattered(),
				    aligned_2m() };
	struct result res[ARRAY_SIZE(loads)][NR_ENGINES];
	struct guest_memory mem;
	int r;

	r = setup(&mem, size + 2 * BASE);
	if (r < 0)
		return 1;
	/* Warm up: one round trip of the whole range. */
	(void)mem_convert_floor(&mem, BASE, size, true);
	(void)mem_convert_floor(&mem, BASE, size, false);

	/*
	 * REPS rounds with the engines in a rotating order, so that no
	 * engine always runs first on cold memory; times are medians.
	 */
	for (size_t l = 0; l < ARRAY_SIZE(loads); l++) {
		double ms[NR_ENGINES][REPS];

		for (int rep = 0; rep < REPS; rep++) {
			for (int i = 0; i < NR_ENGINES; i++) {
				int e = (i + rep) % NR_ENGINES;

				r = run_one(&mem, &loads[l], e, &res[l][e]);
				if (r < 0) {
					fprintf(stderr, "%s/%s: %s\n", loads[l].name,
						engine_names[e], strerror(-r));
					return 1;
				}
				ms[e][rep] = res[l][e].ms;
			}
		}
		for (int e = 0; e < NR_ENGINES; e++)
			res[l][e].ms = median(ms[e], REPS);
	}

	printf("KVM_X86_SW_PROTECTED_VM, memfd shared backing; each workload makes\n"
	       "every range private, then shared again; time: median of %d\n\n",
	       REPS);
	printf("%-16s %-6s %10s %10s   %s\n", "workload", "engine", "syscalls",
	       "time ms", "vs floor (syscalls, time)");
	for (size_t l = 0; l < ARRAY_SIZE(loads); l++) {
		const struct result *f = &res[l][ENGINE_FLOOR];

		for (int e = 0; e < NR_ENGINES; e++) {
			const struct result *x = &res[l][e];

			printf("%-16s %-6s %10llu %10.2f   %.2fx, %.2fx\n",
			       e ? "" : loads[l].name, engine_names[e],
			       (unsigned long long)x->syscalls, x->ms,
			       (double)x->syscalls / f->syscalls, x->ms / f->ms);
		}
	}
	printf("\nnaive/cvmm:\n");
	for (size_t l = 0; l < ARRAY_SIZE(loads); l++)
		printf("  %-16s %8.1fx fewer syscalls, %6.1fx less time\n",
		       loads[l].name,
		       (double)res[l][ENGINE_NAIVE].syscalls /
			       res[l][ENGINE_CVMM].syscalls,
		       res[l][ENGINE_NAIVE].ms / res[l][ENGINE_CVMM].ms);
	mem_destroy(&mem);
	return 0;
}
