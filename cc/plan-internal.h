/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The planner's working state and the helpers that append steps, shared
 * by the CC planner (plan.c) and the plan of the test guest (plan-boot.c).
 * Private to cc/.
 */
#ifndef CVMM_CC_PLAN_INTERNAL_H
#define CVMM_CC_PLAN_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cc/plan.h"

struct planner {
	struct launch_plan *plan;
	enum launch_stage stage;
	char *reason;
	size_t len;
};

static inline struct launch_step *add(struct planner *p, enum launch_op op)
{
	struct launch_plan *plan = p->plan;
	struct launch_step *s;

	/* LAUNCH_MAX_STEPS bounds every plan; running out is a bug. */
	if (plan->nr_steps == LAUNCH_MAX_STEPS)
		abort();
	s = &plan->steps[plan->nr_steps++];
	*s = (struct launch_step){ .op = op, .stage = p->stage };
	return s;
}

static inline void add_cap(struct planner *p, uint32_t cap, uint64_t arg)
{
	struct launch_step *s = add(p, LAUNCH_ENABLE_CAP);

	s->cap = cap;
	s->arg = arg;
}

static inline struct launch_step *add_range(struct planner *p, enum launch_op op,
				     uint64_t gpa, uint64_t len,
				     enum launch_src src)
{
	struct launch_step *s = add(p, op);

	s->gpa = gpa;
	s->len = len;
	s->src = src;
	return s;
}

static inline int __printf(3, 4) fail(struct planner *p, int r,
					const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->reason, p->len, fmt, ap);
	va_end(ap);
	return r;
}

/* none and sw without kernel or firmware: the embedded test guest. */
int plan_test_guest(struct planner *p, const struct vm_config *cfg);

#endif
