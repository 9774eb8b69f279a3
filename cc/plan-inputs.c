// SPDX-License-Identifier: GPL-2.0-only
/*
 * The inputs a launch passes beside its measurement, which the attestation
 * report carries: for SNP the ID block (its launch digest, and whether an
 * author key signs it) and HOST_DATA in SNP_LAUNCH_FINISH; for TDX
 * MRCONFIGID, MROWNER and MROWNERCONFIG in KVM_TDX_INIT_VM. The plan holds
 * them so that --plan shows what the launch will pass.
 */
#include <stdio.h>
#include <string.h>

#include "cc/plan.h"
#include "lib/encoding.h"
#include "lib/hex.h"

void launch_plan_inputs(struct launch_plan *plan, const struct vm_config *cfg,
			const struct cc_image *img)
{
	const struct snp_finish_inputs *in = img ? &img->snp_finish : NULL;

	if (cfg->cc.mode == CC_MODE_SNP && in) {
		plan->snp_id_block_en = in->has_id_block;
		plan->snp_auth_key_en = in->auth_key_en;
		memcpy(plan->snp_id_ld, in->id_block + SNP_ID_OFF_LD,
		       sizeof(plan->snp_id_ld));
		plan->snp_host_data_set = cfg->cc.snp.host_data_set;
		memcpy(plan->snp_host_data, in->host_data,
		       sizeof(plan->snp_host_data));
	}
	if (cfg->cc.mode != CC_MODE_TDX)
		return;
	plan->tdx_mr_set[0] = cfg->cc.tdx.mrconfigid_set;
	plan->tdx_mr_set[1] = cfg->cc.tdx.mrowner_set;
	plan->tdx_mr_set[2] = cfg->cc.tdx.mrownerconfig_set;
	memcpy(plan->tdx_mr[0], cfg->cc.tdx.mrconfigid, CFG_TDX_MR_SIZE);
	memcpy(plan->tdx_mr[1], cfg->cc.tdx.mrowner, CFG_TDX_MR_SIZE);
	memcpy(plan->tdx_mr[2], cfg->cc.tdx.mrownerconfig, CFG_TDX_MR_SIZE);
}

static void append(char *buf, size_t len, const char *label,
		   const uint8_t *d, size_t n)
{
	char hex[2 * 64 + 1];
	size_t used = strlen(buf);

	hex_encode(d, n, hex);
	if (used < len)
		snprintf(buf + used, len - used, "%s%s", label, hex);
}

static void describe_snp(const struct launch_plan *plan, char *buf,
			 size_t len)
{
	size_t used = strlen(buf);

	if (plan->snp_id_block_en)
		append(buf, len, "; ID block with LD ", plan->snp_id_ld,
		       sizeof(plan->snp_id_ld));
	else if (used < len)
		snprintf(buf + used, len - used, "; no ID block");
	used = strlen(buf);
	if (plan->snp_id_block_en && used < len)
		snprintf(buf + used, len - used, ", ID auth %s author key",
			 plan->snp_auth_key_en ? "with" : "without");
	if (plan->snp_host_data_set)
		append(buf, len, "; HOST_DATA ", plan->snp_host_data,
		       sizeof(plan->snp_host_data));
}

void launch_inputs_describe(const struct launch_plan *plan,
			    enum launch_op op, char *buf, size_t len)
{
	static const char *const mr_names[] = {
		"; MRCONFIGID ", "; MROWNER ", "; MROWNERCONFIG ",
	};

	if (op == LAUNCH_SNP_LAUNCH_FINISH) {
		describe_snp(plan, buf, len);
		return;
	}
	if (op != LAUNCH_TDX_INIT_VM)
		return;
	for (unsigned int i = 0; i < ARRAY_SIZE(mr_names); i++)
		if (plan->tdx_mr_set[i])
			append(buf, len, mr_names[i], plan->tdx_mr[i],
			       CFG_TDX_MR_SIZE);
}
