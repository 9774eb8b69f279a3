/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Privileges: the identity to switch to (config "user" and "group"),
 * looked up before anything is opened, and the drop itself, made once
 * everything privileged is open and before any thread is created, since
 * capabilities are per thread and new threads inherit them.
 */
#ifndef CVMM_PRIVS_H
#define CVMM_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

#include "config/config.h"
#include "lib/util.h"

struct privs {
	bool set_uid;
	bool set_gid;
	uid_t uid;
	gid_t gid;
};

/*
 * Resolve cfg->user and cfg->group (names or numbers) into @ret. Without
 * a group, a user's group is its primary group. Returns 0, or -EINVAL
 * after reporting an unknown name.
 */
int __must_check privs_lookup(const struct vm_config *cfg, struct privs *ret);

/*
 * Switch to the identity in @p, drop every capability (effective,
 * permitted, inheritable, ambient) and, when we may, the bounding set, and
 * forbid gaining privileges again (no_new_privs). Errors are reported.
 */
int __must_check privs_drop(const struct privs *p);

#endif
