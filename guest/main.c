// SPDX-License-Identifier: GPL-2.0-only
/*
 * The test guest's entry: check the boot info, find the scenario cvmm
 * asked for and run it. Scenarios live in scn-*.c, one table per file.
 */
#include "guest.h"

struct bootinfo *bi;

static const struct scenario *const scenario_tables[] = {
#if defined(__aarch64__)
	arm64_scenarios,
#else
	basic_scenarios,
	mem_scenarios,
	security_scenarios,
#endif
};

static const struct scenario *find_scenario(const char *name)
{
	for (unsigned int t = 0; t < sizeof(scenario_tables) / sizeof(scenario_tables[0]); t++)
		for (const struct scenario *s = scenario_tables[t]; s->name; s++)
			if (!strcmp(s->name, name))
				return s;
	return NULL;
}

void guest_main(uint32_t cpu, struct bootinfo *info);

void guest_main(uint32_t cpu, struct bootinfo *info)
{
	const struct scenario *s;

	bi = info;
	if (bi->magic != BOOTINFO_MAGIC) {
		putstr("FAIL: boot info magic is wrong\n");
		guest_exit(1);
	}
	__atomic_fetch_add(&bi->vcpus_up, 1, __ATOMIC_SEQ_CST);

	s = find_scenario(bi->scenario);
	if (cpu != 0) {
		if (s && s->ap_main)
			s->ap_main(cpu);
		guest_park();
	}
	if (!s)
		fail("unknown scenario '%s'", bi->scenario);
	guest_exit(s->run());
}
