// SPDX-License-Identifier: GPL-2.0-only
/*
 * cvmm measure: the launch measurement of a CC guest, computed offline from
 * the same config `cvmm run` takes. For snp the SNP launch digest (the
 * report's MEASUREMENT): firmware pages, the ASEV ranges and one VMSA per
 * vCPU of a QEMU-style reset (sev-snp.md section 6). For tdx the MRTD of
 * the TDVF sections (tdx.md section 7), single pass as upstream KVM adds
 * pages unless --tdx-mrtd-two-pass. Prints the hex digest, or with --json
 * the digest and every input it depends on.
 */
#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc/image.h"
#include "cc/plan.h"
#include "cc/snp-measure.h"
#include "cc/tdx-measure.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "lib/hex.h"

/* QEMU's EPYC-v4 model: family 0x17, model 0x1, stepping 2. */
#define SNP_DEFAULT_VCPU_SIG 0x800F12u

struct measure {
	const struct vm_config *cfg;
	struct cc_image img;
	uint32_t vcpu_sig;
	uint64_t sev_features;
	enum tdx_mrtd_mode mrtd_mode;
	uint8_t digest[SHA384_DIGEST_SIZE];
};

static int unhex(const char *s, uint8_t *ret, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
	for (size_t i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &ret[i]);
	return 0;
}

static int parse_sig(const char *s, uint32_t *ret)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "K,I,C": three SHA-256 values in hex, kernel, initrd, command line. */
static int parse_hashes(const char *s, struct snp_kernel_hashes *ret)
{
	uint8_t *const out[] = { ret->kernel, ret->initrd, ret->cmdline };
	const size_t hexlen = 2 * SHA256_DIGEST_SIZE;

	for (size_t i = 0; i < ARRAY_SIZE(out); i++) {
		if (strlen(s) < hexlen || unhex(s, out[i], SHA256_DIGEST_SIZE))
			return -EINVAL;
		s += hexlen;
		if (*s != (i + 1 < ARRAY_SIZE(out) ? ',' : '\0'))
			return -EINVAL;
		s++;
	}
	return 0;
}

/* The measure-only flags, checked against the mode. */
static int apply_options(struct measure *m, const struct run_options *o)
{
	enum cc_mode mode = m->cfg->cc.mode;

	m->vcpu_sig = SNP_DEFAULT_VCPU_SIG;
	if (o->snp_vcpu_sig && mode != CC_MODE_SNP) {
		fprintf(stderr, "cvmm: error: --snp-vcpu-sig: only for cc.mode 'snp'\n");
		return -EINVAL;
	}
	if (o->snp_vcpu_sig && parse_sig(o->snp_vcpu_sig, &m->vcpu_sig) < 0) {
		fprintf(stderr, "cvmm: error: --snp-vcpu-sig: '%s' is not a 32-bit number\n",
			o->snp_vcpu_sig);
		return -EINVAL;
	}
	if (o->tdx_mrtd_two_pass && mode != CC_MODE_TDX) {
		fprintf(stderr, "cvmm: error: --tdx-mrtd-two-pass: only for cc.mode 'tdx'\n");
		return -EINVAL;
	}
	m->mrtd_mode = o->tdx_mrtd_two_pass ? TDX_MRTD_TWO_PASS :
					      TDX_MRTD_SINGLE_PASS;
	if (!o->snp_kernel_hashes)
		return 0;
	if (mode != CC_MODE_SNP || m->cfg->boot.kernel) {
		fprintf(stderr, "cvmm: error: --snp-kernel-hashes: only for cc.mode 'snp', and instead of boot.kernel\n");
		return -EINVAL;
	}
	if (parse_hashes(o->snp_kernel_hashes, &m->img.hashes) < 0) {
		fprintf(stderr, "cvmm: error: --snp-kernel-hashes: '%s' is not three SHA-256 values in hex, separated by commas\n",
			o->snp_kernel_hashes);
		return -EINVAL;
	}
	m->img.has_kernel_hashes = true;
	return 0;
}

static int measure_snp(struct measure *m)
{
	const char *fw = m->cfg->boot.firmware;
	struct snp_measure_input in = {
		.fw = m->img.fw,
		.fw_size = m->img.fw_size,
		.nr_vcpus = m->cfg->machine.vcpus,
		.vcpu_sig = m->vcpu_sig,
		.sev_features = m->sev_features,
		.kernel_hashes = m->img.has_kernel_hashes ? &m->img.hashes :
							    NULL,
	};
	int r;

	r = snp_launch_digest(&in, m->digest);
	if (r == -ENOENT && m->img.has_kernel_hashes)
		fprintf(stderr, "cvmm: error: %s: no kernel-hashes table or descriptor, so a kernel cannot be measured\n",
			fw);
	else if (r == -ENOENT)
		fprintf(stderr, "cvmm: error: %s: no SEV-ES reset block, so %u vCPUs cannot start\n",
			fw, m->cfg->machine.vcpus);
	else if (r < 0)
		fprintf(stderr, "cvmm: error: %s: its SEV metadata cannot be measured (kernel-hashes table outside one page of its descriptor?)\n",
			fw);
	return r < 0 ? -EINVAL : 0;
}

/* An ID block must carry the digest just computed (cc/snp-idblock.h). */
static int check_id_block(const struct measure *m)
{
	char reason[CC_REASON_MAX];
	int r;

	r = snp_id_block_check_digest(&m->img.snp_finish, m->digest,
				      m->vcpu_sig, reason, sizeof(reason));
	if (r < 0)
		fprintf(stderr, "cvmm: error: %s\n", reason);
	return r;
}

static int measure_tdx(struct measure *m)
{
	const struct ovmf_info *info = &m->img.info;
	int r;

	r = tdx_mrtd(m->img.fw, m->img.fw_size, info->tdvf, info->nr_tdvf,
		     m->mrtd_mode, m->digest);
	if (r < 0)
		fprintf(stderr, "cvmm: error: %s: its TDVF sections cannot be measured (a measured TD_HOB is the VMM's, not the image's)\n",
			m->cfg->boot.firmware);
	return r < 0 ? -EINVAL : 0;
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static void add_hex(struct json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	add_str(o, key, buf);
}

static void add_digest(struct json_object *o, const char *key,
		       const uint8_t *d, size_t n)
{
	char buf[2 * SHA384_DIGEST_SIZE + 1];

	hex_encode(d, n, buf);
	add_str(o, key, buf);
}

static struct json_object *firmware_json(const struct measure *m)
{
	struct json_object *o = json_object_new_object();
	uint8_t sum[SHA256_DIGEST_SIZE];

	sha256(m->img.fw, m->img.fw_size, sum);
	add_str(o, "path", m->cfg->boot.firmware);
	json_object_object_add(o, "size", json_object_new_uint64(m->img.fw_size));
	add_hex(o, "gpa", m->img.info.gpa);
	add_digest(o, "sha256", sum, sizeof(sum));
	return o;
}

static struct json_object *snp_ranges_json(const struct measure *m)
{
	struct snp_launch_range r[SNP_MAX_LAUNCH_RANGES];
	struct json_object *a = json_object_new_array();
	unsigned int nr = 0;

	/* snp_launch_digest() got past the same call. */
	if (snp_launch_ranges(&m->img.info, m->img.has_kernel_hashes, r,
			      &nr) < 0)
		nr = 0;
	for (unsigned int i = 0; i <= nr; i++) {
		struct json_object *o = json_object_new_object();

		/* The VMSAs close the list, one page per vCPU. */
		add_hex(o, "gpa", i < nr ? r[i].gpa : SNP_VMSA_GPA);
		add_hex(o, "len", i < nr ? r[i].len : PAGE_SIZE);
		add_str(o, "type", snp_page_type_name(i < nr ? r[i].type :
							   SNP_PAGE_TYPE_VMSA));
		if (i == nr)
			json_object_object_add(o, "count", json_object_new_uint64(
				m->cfg->machine.vcpus));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *snp_inputs_json(const struct measure *m)
{
	struct json_object *o = json_object_new_object();
	struct json_object *h = NULL;

	json_object_object_add(o, "firmware", firmware_json(m));
	json_object_object_add(o, "vcpus", json_object_new_uint64(
		m->cfg->machine.vcpus));
	add_hex(o, "vcpu_signature", m->vcpu_sig);
	add_hex(o, "sev_features", m->sev_features);
	add_str(o, "vmsa", "qemu-reset");
	if (m->img.info.has_sev_es_reset)
		add_hex(o, "ap_reset_eip", m->img.info.sev_es_reset_eip);
	if (m->img.has_kernel_hashes) {
		h = json_object_new_object();
		add_digest(h, "kernel", m->img.hashes.kernel, SHA256_DIGEST_SIZE);
		add_digest(h, "initrd", m->img.hashes.initrd, SHA256_DIGEST_SIZE);
		add_digest(h, "cmdline", m->img.hashes.cmdline,
			   SHA256_DIGEST_SIZE);
		add_hex(h, "table_gpa", m->img.info.sev_hashes_gpa);
	}
	json_object_object_add(o, "kernel_hashes", h);
	json_object_object_add(o, "launch_ranges", snp_ranges_json(m));
	return o;
}

static struct json_object *tdx_inputs_json(const struct measure *m)
{
	const struct ovmf_info *info = &m->img.info;
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();

	json_object_object_add(o, "firmware", firmware_json(m));
	add_str(o, "mrtd_mode", m->mrtd_mode == TDX_MRTD_TWO_PASS ?
					"two-pass" : "single-pass");
	for (unsigned int i = 0; i < info->nr_tdvf; i++) {
		const struct tdvf_section *s = &info->tdvf[i];
		struct json_object *e = json_object_new_object();

		add_str(e, "type", tdvf_section_type_name(s->type));
		add_hex(e, "gpa", s->gpa);
		add_hex(e, "size", s->size);
		add_hex(e, "file_offset", s->data_offset);
		add_hex(e, "raw_size", s->raw_data_size);
		add_hex(e, "attributes", s->attributes);
		json_object_object_add(e, "added", json_object_new_boolean(
			!(s->attributes & TDVF_ATTR_PAGE_AUG)));
		json_object_object_add(e, "extended", json_object_new_boolean(
			s->attributes & TDVF_ATTR_MR_EXTEND));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "sections", a);
	return o;
}

/* The ID block decoded, and HOST_DATA: what the report shows of them. */
static void add_snp_finish(struct json_object *o,
			   const struct snp_finish_inputs *in)
{
	struct json_object *b = NULL;
	struct snp_id_block_view v;

	add_digest(o, "host_data", in->host_data, sizeof(in->host_data));
	if (in->has_id_block) {
		snp_id_block_view(in, &v);
		b = json_object_new_object();
		add_digest(b, "ld", v.ld, SHA384_DIGEST_SIZE);
		add_digest(b, "family_id", v.family_id, 16);
		add_digest(b, "image_id", v.image_id, 16);
		json_object_object_add(b, "version",
				       json_object_new_uint64(v.version));
		json_object_object_add(b, "guest_svn",
				       json_object_new_uint64(v.guest_svn));
		add_hex(b, "policy", v.policy);
		json_object_object_add(b, "author_key",
				       json_object_new_boolean(in->auth_key_en));
	}
	json_object_object_add(o, "id_block", b);
}

/* KVM_TDX_INIT_VM's owner values, zero when not given (as in the report). */
static void add_tdx_owner(struct json_object *o, const struct vm_config *cfg)
{
	add_digest(o, "mrconfigid", cfg->cc.tdx.mrconfigid, CFG_TDX_MR_SIZE);
	add_digest(o, "mrowner", cfg->cc.tdx.mrowner, CFG_TDX_MR_SIZE);
	add_digest(o, "mrownerconfig", cfg->cc.tdx.mrownerconfig,
		   CFG_TDX_MR_SIZE);
}

static void print_json(const struct measure *m)
{
	struct json_object *o = json_object_new_object();
	bool snp = m->cfg->cc.mode == CC_MODE_SNP;

	add_str(o, "cc_mode", cc_mode_name(m->cfg->cc.mode));
	add_str(o, "register", snp ? "MEASUREMENT" : "MRTD");
	add_str(o, "algorithm", "SHA-384");
	add_digest(o, "measurement", m->digest, sizeof(m->digest));
	json_object_object_add(o, "inputs", snp ? snp_inputs_json(m) :
						  tdx_inputs_json(m));
	/* In the report beside the measurement, but not measured. */
	if (snp) {
		add_hex(o, "policy", m->cfg->cc.snp_policy);
		add_snp_finish(o, &m->img.snp_finish);
	} else {
		add_hex(o, "attributes", m->cfg->cc.tdx_attributes);
		add_tdx_owner(o, m->cfg);
	}
	printf("%s\n", json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* @img: the firmware and kernel vm_validate() read, taken over here. */
static int run_measure(const struct vm_config *cfg, struct cc_image *img,
		       const struct run_options *opts)
{
	struct measure m = { .cfg = cfg, .img = *img };
	char text[2 * SHA384_DIGEST_SIZE + 1];
	int r;

	*img = (struct cc_image){ 0 };
	if (cfg->cc.mode != CC_MODE_SNP && cfg->cc.mode != CC_MODE_TDX) {
		fprintf(stderr, "cvmm: error: cc.mode '%s' has no launch measurement; use --cc snp or --cc tdx\n",
			cc_mode_name(cfg->cc.mode));
		return CVMM_EXIT_USAGE;
	}
	r = apply_options(&m, opts);
	if (r == 0 && cfg->cc.mode == CC_MODE_SNP) {
		m.sev_features = SNP_SEV_FEAT_SNP_ACTIVE |
				 (cfg->cc.snp_debug_swap ?
					  SNP_SEV_FEAT_DEBUG_SWAP : 0);
		r = measure_snp(&m);
		if (r == 0)
			r = check_id_block(&m);
	} else if (r == 0) {
		r = measure_tdx(&m);
	}
	if (r == 0 && opts->json) {
		print_json(&m);
	} else if (r == 0) {
		hex_encode(m.digest, sizeof(m.digest), text);
		printf("%s\n", text);
	}
	cc_image_free(&m.img);
	return r < 0 ? CVMM_EXIT_USAGE : CVMM_EXIT_OK;
}

int cmd_measure(int argc, char **argv)
{
	struct run_options opts;
	struct cc_image img = { 0 };
	struct vm_config cfg;
	struct cfg_diag d;
	int status, r;

	cfg_diag_init(&d, stderr);
	r = cfg_parse_args(CFG_CMD_MEASURE, argc, argv, &cfg, &opts, &d);
	if (r == 0 && opts.help) {
		vm_config_free(&cfg);
		return CVMM_EXIT_OK;
	}
	r = cfg_validate(&cfg, r, VM_USE_MEASURE, &d, &img);
	if (r < 0)
		status = r == -ENOMEM ? CVMM_EXIT_FAILURE : CVMM_EXIT_USAGE;
	else
		status = run_measure(&cfg, &img, &opts);
	cc_image_free(&img);
	vm_config_free(&cfg);
	return status;
}
