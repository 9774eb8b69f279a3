// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a finished launch tells: the measurement the hardware should now
 * report, computed offline from the same inputs as `cvmm measure`, and
 * the launch's figures for --stats.
 */
#include <json-c/json.h>
#include <string.h>

#include "lib/hex.h"
#include "lib/log.h"
#include "vmm/launch-internal.h"

static void log_expected(const struct cc_launch *l, enum cc_mode mode)
{
	char hex[2 * SHA384_DIGEST_SIZE + 1];

	hex_encode(l->expected, sizeof(l->expected), hex);
	if (mode == CC_MODE_SNP)
		log_info("SNP guest launched; expected MEASUREMENT %s (vCPU signature 0x%x: 'cvmm measure --snp-vcpu-sig 0x%x' gives the same)",
			 hex, l->vcpu_sig, l->vcpu_sig);
	else
		log_info("TD launched; expected MRTD %s", hex);
}

/* The measurement the hardware should now report, computed offline. */
void launch_expect_measurement(struct vm *vm)
{
	struct cc_launch *l = vm->cc;
	struct snp_measure_input in = {
		.fw = l->img.fw,
		.fw_size = l->img.fw_size,
		.nr_vcpus = vm->nr_vcpus,
		.vcpu_sig = l->vcpu_sig,
		.sev_features = l->plan->sev_features,
		.kernel_hashes = l->img.has_kernel_hashes ? &l->img.hashes :
							    NULL,
	};

	if (vm->cfg->cc.mode == CC_MODE_TDX) {
		l->has_expected = l->plan->has_mrtd;
		memcpy(l->expected, l->plan->mrtd, sizeof(l->expected));
	} else {
		l->has_expected = snp_launch_digest(&in, l->expected) == 0;
	}
	if (l->has_expected)
		log_expected(l, vm->cfg->cc.mode);
}

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

struct json_object *launch_stats_json(const struct vm *vm)
{
	const struct cc_launch *l = vm->cc;
	char hex[2 * SHA384_DIGEST_SIZE + 1];
	struct json_object *o;

	if (!l)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "cc_mode", json_object_new_string(
		cc_mode_name(vm->cfg->cc.mode)));
	/* Where the launch commands copied from (see the top of this file). */
	json_object_object_add(o, "launch_source",
			       json_object_new_string("shared-mapping"));
	add_u64(o, "plan_steps", l->plan->nr_steps);
	add_u64(o, "encrypt_ops", l->encrypt_ops);
	add_u64(o, "retries", l->retries);
	add_u64(o, "bytes_launched", l->bytes_launched);
	json_object_object_add(o, "launch_ms",
			       json_object_new_double(l->launch_ns / 1e6));
	if (l->has_expected) {
		hex_encode(l->expected, sizeof(l->expected), hex);
		json_object_object_add(o, "expected_measurement",
				       json_object_new_string(hex));
	}
	if (vm->cfg->cc.mode == CC_MODE_SNP) {
		add_u64(o, "vcpu_signature", l->vcpu_sig);
		add_u64(o, "certs_served", l->certs_served);
		add_u64(o, "certs_refused", l->certs_refused);
	}
	if (vm->cfg->cc.mode == CC_MODE_TDX) {
		add_u64(o, "tdx_exits", l->tdx_exits);
		add_u64(o, "quotes_refused", l->quotes_refused);
		add_u64(o, "notify_vector", l->notify_vector);
		if (l->quote.started) {
			add_u64(o, "quotes_served", __atomic_load_n(
				&l->quote.served, __ATOMIC_RELAXED));
			add_u64(o, "quotes_failed", __atomic_load_n(
				&l->quote.failed, __ATOMIC_RELAXED));
		}
	}
	return o;
}
