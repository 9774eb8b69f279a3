/* SPDX-License-Identifier: GPL-2.0-only */
/* KVM's binary statistics (KVM_GET_STATS_FD) of a VM or a vCPU. */
#ifndef CVMM_KVM_STATS_H
#define CVMM_KVM_STATS_H

#include <json-c/json.h>

/* A stats fd for the VM or vCPU fd, or -errno. */
int kvm_stats_open(int fd);

/*
 * Add every single-valued statistic of the stats fd to o, by name: summed
 * with what o already holds, or the larger of the two for a peak.
 */
int kvm_stats_merge_json(int stats_fd, struct json_object *o);

#endif
