// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dropping privileges once the VM is built: /dev/kvm, guest memory, image
 * files and (later) TAP devices are open, so nothing cvmm does afterwards
 * needs a capability or root's files.
 */
#include <cap-ng.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/log.h"
#include "vmm/privs.h"

/* A decimal id below (uid_t)-1, which means "unchanged" to the kernel. */
static bool parse_id(const char *s, unsigned int *ret)
{
	unsigned long long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v >= (uid_t)-1)
			return false;
	}
	*ret = v;
	return true;
}

static int lookup_user(const char *name, struct privs *p)
{
	const struct passwd *pw;
	unsigned int id;

	if (parse_id(name, &id)) {
		pw = getpwuid(id);
	} else {
		pw = getpwnam(name);
		if (!pw) {
			log_error("user '%s' does not exist", name);
			return -EINVAL;
		}
	}
	p->set_uid = true;
	p->uid = pw ? pw->pw_uid : id;
	/* Its primary group, unless a group is given as well. */
	if (pw) {
		p->set_gid = true;
		p->gid = pw->pw_gid;
	}
	return 0;
}

static int lookup_group(const char *name, struct privs *p)
{
	const struct group *gr;
	unsigned int id;

	if (parse_id(name, &id)) {
		p->gid = id;
	} else {
		gr = getgrnam(name);
		if (!gr) {
			log_error("group '%s' does not exist", name);
			return -EINVAL;
		}
		p->gid = gr->gr_gid;
	}
	p->set_gid = true;
	return 0;
}

int privs_lookup(const struct vm_config *cfg, struct privs *ret)
{
	struct privs p = { 0 };
	int r;

	if (cfg->user) {
		r = lookup_user(cfg->user, &p);
		if (r < 0)
			return r;
	}
	if (cfg->group) {
		r = lookup_group(cfg->group, &p);
		if (r < 0)
			return r;
	}
	if (p.set_uid && !p.set_gid) {
		log_error("user %s has no entry in the user database, so it has no primary group: give a group as well",
			  cfg->user);
		return -EINVAL;
	}
	*ret = p;
	return 0;
}

/* Groups first: once the uid is not 0, setgroups() is no longer allowed. */
static int switch_identity(const struct privs *p)
{
	if (p->set_gid) {
		if (setgroups(0, NULL) < 0)
			return log_error_errno(-errno, "dropping supplementary groups (setgroups)");
		if (setresgid(p->gid, p->gid, p->gid) < 0)
			return log_error_errno(-errno, "switching to group %u (setresgid)",
					       p->gid);
	}
	if (p->set_uid && setresuid(p->uid, p->uid, p->uid) < 0)
		return log_error_errno(-errno, "switching to user %u (setresuid)",
				       p->uid);
	return 0;
}

int privs_drop(const struct privs *p)
{
	int r;

	if (capng_get_caps_process() < 0)
		return log_error_errno(-EIO, "reading this process's capabilities");
	/*
	 * The bounding set can only shrink with CAP_SETPCAP, so it goes
	 * first; without CAP_SETPCAP, no_new_privs below makes it moot.
	 */
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP)) {
		capng_clear(CAPNG_SELECT_BOUNDS);
		if (capng_apply(CAPNG_SELECT_BOUNDS) < 0)
			return log_error_errno(-EPERM, "clearing the capability bounding set");
	}
	r = switch_identity(p);
	if (r < 0)
		return r;
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return log_error_errno(-EPERM, "dropping capabilities (capset)");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return log_error_errno(-errno, "clearing ambient capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return log_error_errno(-errno, "setting no_new_privs");
	/* Trust, but verify: a capability left here would outlive us. */
	if (capng_get_caps_process() < 0 ||
	    capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		return log_error_errno(-EPERM, "capabilities remain after dropping them");
	return 0;
}
