// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command-line flags. Each flag that mirrors a config key names the key's
 * JSON path and goes through the schema's own parser, so "--memory 12Q"
 * and "memory": "12Q" fail the same way; errors name the flag.
 * Order: defaults, then the file, then the flags in the order given.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/config-parse.h"
#include "config/config.h"
#include "vmm/validate.h"

enum flag_kind {
	/* Sets the config key at .path from the argument. */
	FLAG_VALUE,
	/* A boolean key: "--prefault" or "--prefault=off". */
	FLAG_BOOL,
	FLAG_DISK,
	FLAG_NET,
	FLAG_VSOCK,
	FLAG_PLAN,
	FLAG_JSON,
	FLAG_SNP_VCPU_SIG,
	FLAG_SNP_KERNEL_HASHES,
	FLAG_TDX_MRTD_TWO_PASS,
	FLAG_HELP,
};

#define FOR_RUN (1u << CFG_CMD_RUN)
#define FOR_CHECK (1u << CFG_CMD_CONFIG_CHECK)
#define FOR_SHOW (1u << CFG_CMD_CONFIG_SHOW)
#define FOR_MEASURE (1u << CFG_CMD_MEASURE)
#define FOR_ALL (FOR_RUN | FOR_CHECK | FOR_SHOW | FOR_MEASURE)

struct cfg_flag {
	const char *name;
	/* The argument as --help shows it; NULL for none. */
	const char *arg;
	enum flag_kind kind;
	const char *path;
	const char *help;
	/* A heading printed before this flag in --help. */
	const char *group;
	unsigned int cmds;
};

static const struct cfg_flag flags[] = {
	{ "vcpus", "N", FLAG_VALUE, "$.machine.vcpus",
	  "number of vCPUs, 1..64", "Machine", FOR_ALL },
	{ "memory", "SIZE", FLAG_VALUE, "$.machine.memory",
	  "guest RAM in bytes or with K, M, G, T: 512M, 2G", NULL, FOR_ALL },
	{ "backing", "NAME", FLAG_VALUE, "$.machine.shared_backing",
	  "shared memory backing: auto, guest_memfd, anonymous, memfd, memfd-thp, hugetlbfs-2M",
	  NULL, FOR_ALL },
	{ "irqchip", "MODEL", FLAG_VALUE, "$.machine.irqchip",
	  "in-kernel or split (IOAPIC in cvmm, no PIC); tdx needs split",
	  NULL, FOR_ALL },
	{ "on-reboot", "ACTION", FLAG_VALUE, "$.machine.on_reboot",
	  "when the guest reboots: exit (cvmm ends with 0) or restart (the guest boots again in a VM built anew)",
	  NULL, FOR_ALL },
	{ "apic-bus-ns", "NS", FLAG_VALUE, "$.machine.apic_bus_ns",
	  "local APIC timer clock period in ns (0: KVM's 1 ns); not with snp or tdx",
	  NULL, FOR_ALL },

	{ "cc", "MODE", FLAG_VALUE, "$.cc.mode",
	  "confidential mode: none, sw, snp, tdx", "Confidential computing",
	  FOR_ALL },
	{ "implicit-conversion", "POLICY", FLAG_VALUE, "$.cc.implicit_conversion",
	  "on a private/shared mismatch fault: allow (convert) or deny (stop)",
	  NULL, FOR_ALL },
	{ "preallocate", "[=on|off]", FLAG_BOOL, "$.cc.preallocate",
	  "allocate guest_memfd when a range goes private", NULL, FOR_ALL },
	{ "prefault", "[=on|off]", FLAG_BOOL, "$.cc.prefault",
	  "pre-fault ranges that are private and stay private", NULL, FOR_ALL },
	{ "coalesce-discards", "[=on|off]", FLAG_BOOL, "$.cc.coalesce_discards",
	  "batch discards of adjacent conversions (default on)", NULL, FOR_ALL },
	{ "snp-policy", "BITS", FLAG_VALUE, "$.cc.snp.policy",
	  "SNP guest policy, e.g. 0x30000 (bit 17 must be set)", NULL, FOR_ALL },
	{ "snp-debug-swap", "[=on|off]", FLAG_BOOL, "$.cc.snp.debug_swap",
	  "SNP DebugSwap VMSA feature", NULL, FOR_ALL },
	{ "tdx-attributes", "BITS", FLAG_VALUE, "$.cc.tdx.attributes",
	  "TD attributes, e.g. 0x10000000 (SEPT_VE_DISABLE)", NULL, FOR_ALL },
	{ "snp-host-data", "HEX", FLAG_VALUE, "$.cc.snp.host_data",
	  "SNP HOST_DATA for the attestation report: 32 bytes in hex", NULL,
	  FOR_ALL },
	{ "snp-id-block", "FILE|BASE64", FLAG_VALUE, "$.cc.snp.id_block",
	  "SNP ID block (96 bytes) for SNP_LAUNCH_FINISH, needs --snp-id-auth",
	  NULL, FOR_ALL },
	{ "snp-id-auth", "FILE|BASE64", FLAG_VALUE, "$.cc.snp.id_auth",
	  "SNP ID authentication structure (4096 bytes) signing the ID block",
	  NULL, FOR_ALL },
	{ "snp-certs", "FILE", FLAG_VALUE, "$.cc.snp.certs",
	  "SNP certificate table (GHCB format) served to the guest's extended report requests",
	  NULL, FOR_ALL },
	{ "tdx-quote-service", "SOCKET", FLAG_VALUE, "$.cc.tdx.quote_service",
	  "Unix socket of the quote generation service GetQuote is relayed to",
	  NULL, FOR_ALL },
	{ "tdx-mrconfigid", "HEX", FLAG_VALUE, "$.cc.tdx.mrconfigid",
	  "TD MRCONFIGID: 48 bytes in hex", NULL, FOR_ALL },
	{ "tdx-mrowner", "HEX", FLAG_VALUE, "$.cc.tdx.mrowner",
	  "TD MROWNER: 48 bytes in hex", NULL, FOR_ALL },
	{ "tdx-mrownerconfig", "HEX", FLAG_VALUE, "$.cc.tdx.mrownerconfig",
	  "TD MROWNERCONFIG: 48 bytes in hex", NULL, FOR_ALL },

	{ "kernel", "FILE", FLAG_VALUE, "$.boot.kernel",
	  "Linux kernel: a bzImage, or a vmlinux with a PVH entry", "Boot", FOR_ALL },
	{ "initrd", "FILE", FLAG_VALUE, "$.boot.initrd",
	  "initial ramdisk (needs --kernel)", NULL, FOR_ALL },
	{ "cmdline", "TEXT", FLAG_VALUE, "$.boot.cmdline",
	  "kernel command line (needs --kernel)", NULL, FOR_ALL },
	{ "firmware", "FILE", FLAG_VALUE, "$.boot.firmware",
	  "firmware image (OVMF, TDVF), a multiple of 4K", NULL, FOR_ALL },
	{ "shim", "FILE", FLAG_VALUE, "$.boot.shim",
	  "UEFI shim the firmware starts before the kernel (needs --firmware and --kernel)",
	  NULL, FOR_ALL },
	{ "scenario", "NAME", FLAG_VALUE, "$.boot.scenario",
	  "scenario of the embedded test guest (without kernel and firmware)",
	  NULL, FOR_ALL },
	{ "scenario-arg", "N", FLAG_VALUE, "$.boot.scenario_arg",
	  "argument for the scenario", NULL, FOR_ALL },
	{ "seed", "N", FLAG_VALUE, "$.boot.seed",
	  "seed for randomized scenarios", NULL, FOR_ALL },

	{ "serial", "[=on|off]", FLAG_BOOL, "$.devices.serial",
	  "16550 UART on the console (default on)", "Devices", FOR_ALL },
	{ "disk", "FILE[,ro]", FLAG_DISK, "$.devices.disks",
	  "add a virtio-blk disk, read-only with ',ro' (repeatable)", NULL,
	  FOR_ALL },
	{ "net", "tap=NAME[,mac=MAC]", FLAG_NET, "$.devices.nets",
	  "add a virtio-net device on a tap interface (repeatable)", NULL,
	  FOR_ALL },
	{ "rng", "[=on|off]", FLAG_BOOL, "$.devices.rng",
	  "virtio-rng device", NULL, FOR_ALL },
	{ "console", "[=on|off]", FLAG_BOOL, "$.devices.console",
	  "virtio-console device", NULL, FOR_ALL },
	{ "vsock", "cid=N", FLAG_VSOCK, "$.devices.vsock.cid",
	  "virtio-vsock device on vhost-vsock with the guest's CID, 3 or more",
	  NULL, FOR_ALL },

	{ "log-level", "LEVEL", FLAG_VALUE, "$.logging.level",
	  "error, warning, info or debug", "Logging and security", FOR_ALL },
	{ "log-format", "FORMAT", FLAG_VALUE, "$.logging.format",
	  "text, or json: one object per line on stderr", NULL, FOR_ALL },
	{ "stats", "FILE", FLAG_VALUE, "$.stats.path",
	  "write statistics as JSON to FILE at exit", NULL, FOR_ALL },
	{ "seccomp", "MODE", FLAG_VALUE, "$.seccomp",
	  "system call filter: kill, log or off", NULL, FOR_ALL },
	{ "user", "NAME", FLAG_VALUE, "$.user",
	  "run as this user (name or uid) once the VM is built", NULL,
	  FOR_ALL },
	{ "group", "NAME", FLAG_VALUE, "$.group",
	  "run as this group (name or gid; default: the user's)", NULL,
	  FOR_ALL },

	{ "plan", NULL, FLAG_PLAN, NULL,
	  "print the launch plan and exit without starting vCPUs", "Other",
	  FOR_RUN },
	{ "json", NULL, FLAG_JSON, NULL,
	  "print JSON: the effective config (itself a valid config), or the measurement and its inputs",
	  "Other", FOR_SHOW | FOR_MEASURE },
	{ "snp-vcpu-sig", "SIG", FLAG_SNP_VCPU_SIG, NULL,
	  "measure: CPUID(1).EAX of the SNP vCPUs (default 0x800f12, EPYC-v4)",
	  NULL, FOR_MEASURE },
	{ "snp-kernel-hashes", "K,I,C", FLAG_SNP_KERNEL_HASHES, NULL,
	  "measure: SHA-256 (hex) of kernel, initrd and command line with its NUL, instead of hashing boot.kernel and the others",
	  NULL, FOR_MEASURE },
	{ "tdx-mrtd-two-pass", NULL, FLAG_TDX_MRTD_TWO_PASS, NULL,
	  "measure: MRTD as stacks that add all pages of a section before extending any",
	  NULL, FOR_MEASURE },
	{ "help", NULL, FLAG_HELP, NULL, "show this help and exit", NULL,
	  FOR_ALL },
};

static const char *const command_names[] = {
	[CFG_CMD_RUN] = "run",
	[CFG_CMD_CONFIG_CHECK] = "config check",
	[CFG_CMD_CONFIG_SHOW] = "config show",
	[CFG_CMD_MEASURE] = "measure",
};

/* A flag as given, kept until the file has been read. */
struct given_flag {
	const struct cfg_flag *flag;
	const char *arg;
	/* "--memory": what errors name. */
	char name[32];
};

/* Print @text from column @col, wrapped before column 80. */
static void print_wrapped(FILE *f, const char *text, int col)
{
	int pos = col;

	while (*text) {
		int word = strcspn(text, " ");

		if (pos > col && pos + 1 + word > 79) {
			fprintf(f, "\n%*s", col, "");
			pos = col;
		} else if (pos > col) {
			fputc(' ', f);
			pos++;
		}
		fprintf(f, "%.*s", word, text);
		pos += word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

void cfg_print_flags(enum cfg_command cmd, FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		const struct cfg_flag *fl = &flags[i];
		char left[64], text[256];
		bool optional;
		int len;

		if (!(fl->cmds & (1u << cmd)))
			continue;
		if (fl->group)
			fprintf(f, "\n%s:\n", fl->group);
		optional = fl->arg && fl->arg[0] == '[';
		snprintf(left, sizeof(left), "%s--%s%s%s",
			 fl->kind == FLAG_HELP ? "-h, " : "", fl->name,
			 fl->arg && !optional ? " " : "", fl->arg ? fl->arg : "");
		snprintf(text, sizeof(text), "%s%s%s%s", fl->help,
			 fl->path ? " [" : "", fl->path ? fl->path + 2 : "",
			 fl->path ? "]" : "");
		len = fprintf(f, "  %-26s", left);
		if (len > 28)
			fprintf(f, "\n%28s", "");
		print_wrapped(f, text, 28);
	}
}

static void print_help(enum cfg_command cmd)
{
	switch (cmd) {
	case CFG_CMD_RUN:
		printf("Usage: cvmm run [CONFIG] [OPTIONS]\n\n"
		       "Boot the VM that the JSON file CONFIG (see docs/config.md) and the\n"
		       "options describe; options override the file. Without a kernel or\n"
		       "firmware, the embedded test guest runs the chosen scenario.\n");
		break;
	case CFG_CMD_CONFIG_CHECK:
		printf("Usage: cvmm config check FILE [OPTIONS]\n\n"
		       "Check a config file and every file it names; print each error.\n");
		break;
	case CFG_CMD_CONFIG_SHOW:
		printf("Usage: cvmm config show [FILE] [OPTIONS] [--json]\n\n"
		       "Print the effective config: defaults, then FILE, then the options.\n");
		break;
	case CFG_CMD_MEASURE:
		printf("Usage: cvmm measure [CONFIG] [OPTIONS] [--json]\n\n"
		       "Print the launch measurement of the CC guest CONFIG describes,\n"
		       "computed offline: the SNP launch digest or the TDX MRTD (SHA-384).\n");
		break;
	}
	cfg_print_flags(cmd, stdout);
	printf("\nBoolean options take no value (on) or =on/=off. Options that\n"
	       "add disks or nets add to those in the file.\n"
	       "Exit status: 0 success, 1 runtime error or guest failure,\n"
	       "2 usage or config error, 3 the host lacks a needed capability.\n");
}

static const struct cfg_field *elem_field(const struct cfg_field *arr,
					  const char *key)
{
	for (const struct cfg_field *f = arr->fields; f->key; f++)
		if (!strcmp(f->key, key))
			return f;
	return NULL;
}

/* --disk FILE[,ro] */
static int apply_disk(struct vm_config *cfg, const struct given_flag *g,
		      struct cfg_diag *d)
{
	const struct cfg_field *arr = cfg_schema_find(g->flag->path, NULL);
	unsigned int i = cfg->devices.nr_disks;
	struct disk_config *disk = &cfg->devices.disks[i];
	_cleanup_free_ char *path = strdup(g->arg);
	struct cfg_ctx c = { .diag = d };
	char *opt, json_path[48];
	bool readonly = false;
	int r;

	if (!path)
		return -ENOMEM;
	opt = strchr(path, ',');
	if (opt) {
		*opt++ = '\0';
		if (strcmp(opt, "ro") && strcmp(opt, "readonly")) {
			cfg_flag_error(d, g->name, "'%s' is not an option of a disk, only 'ro' is",
				       opt);
			return -EINVAL;
		}
		readonly = true;
	}
	if (i == CFG_MAX_DISKS) {
		cfg_flag_error(d, g->name, "more than the %u disks supported",
			       CFG_MAX_DISKS);
		return -EINVAL;
	}
	snprintf(json_path, sizeof(json_path), "$.devices.disks[%u]", i);
	cfg_diag_origin(d, json_path, g->name);
	strcat(json_path, ".path");
	r = cfg_value_from_string(elem_field(arr, "path"), disk, path, json_path, &c);
	if (r < 0)
		return r;
	disk->readonly = readonly;
	cfg->devices.nr_disks++;
	return 0;
}

/* --net tap=NAME[,mac=MAC] */
static int apply_net(struct vm_config *cfg, const struct given_flag *g,
		     struct cfg_diag *d)
{
	const struct cfg_field *arr = cfg_schema_find(g->flag->path, NULL);
	unsigned int i = cfg->devices.nr_nets;
	struct net_config *net = &cfg->devices.nets[i];
	_cleanup_free_ char *copy = strdup(g->arg);
	struct cfg_ctx c = { .diag = d };
	char *save = NULL, json_path[48];
	int r = 0;

	if (!copy)
		return -ENOMEM;
	if (i == CFG_MAX_NETS) {
		cfg_flag_error(d, g->name, "more than the %u nets supported",
			       CFG_MAX_NETS);
		return -EINVAL;
	}
	snprintf(json_path, sizeof(json_path), "$.devices.nets[%u]", i);
	cfg_diag_origin(d, json_path, g->name);
	for (char *tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const struct cfg_field *f;
		char sub[64];

		if (eq)
			*eq = '\0';
		f = eq ? elem_field(arr, tok) : NULL;
		if (!f) {
			cfg_error(d, json_path, "'%s' is not tap=NAME or mac=MAC", tok);
			r = -EINVAL;
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.%s", json_path, f->key);
		if (cfg_value_from_string(f, net, eq + 1, sub, &c) < 0)
			r = -EINVAL;
	}
	if (r == 0 && !net->tap) {
		cfg_error(d, json_path, "needs tap=NAME");
		r = -EINVAL;
	}
	/* Count it even when broken, so that vm_config_free() sees it. */
	cfg->devices.nr_nets++;
	return r;
}

/* --vsock cid=N */
static int apply_vsock(struct vm_config *cfg, const struct given_flag *g,
		       struct cfg_diag *d)
{
	const char *path = g->flag->path;
	/* Marks devices.vsock as given, like the key in a file. */
	const struct cfg_field *f = cfg_schema_find(path, cfg);
	struct cfg_ctx c = { .diag = d };

	cfg_diag_origin(d, path, g->name);
	if (strncmp(g->arg, "cid=", 4)) {
		cfg_error(d, path, "'%s' is not cid=N", g->arg);
		return -EINVAL;
	}
	return cfg_value_from_string(f, cfg, g->arg + 4, path, &c);
}

static int apply_flag(struct vm_config *cfg, const struct given_flag *g,
		      struct cfg_diag *d)
{
	struct cfg_ctx c = { .diag = d };
	const struct cfg_field *f;

	switch (g->flag->kind) {
	case FLAG_DISK:
		return apply_disk(cfg, g, d);
	case FLAG_NET:
		return apply_net(cfg, g, d);
	case FLAG_VSOCK:
		return apply_vsock(cfg, g, d);
	case FLAG_VALUE:
	case FLAG_BOOL:
		break;
	case FLAG_PLAN:
	case FLAG_JSON:
	case FLAG_SNP_VCPU_SIG:
	case FLAG_SNP_KERNEL_HASHES:
	case FLAG_TDX_MRTD_TWO_PASS:
	case FLAG_HELP:
		return 0;
	}
	/* Marks cc.snp or cc.tdx as given, like the key in a file. */
	f = cfg_schema_find(g->flag->path, cfg);
	cfg_diag_origin(d, g->flag->path, g->name);
	return cfg_value_from_string(f, cfg, g->arg ? g->arg : "on",
				     g->flag->path, &c);
}

static struct option *long_options(void)
{
	struct option *o = calloc(ARRAY_SIZE(flags) + 1, sizeof(*o));

	if (!o)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
		int has_arg = required_argument;

		if (!flags[i].arg)
			has_arg = no_argument;
		else if (flags[i].kind == FLAG_BOOL)
			has_arg = optional_argument;
		o[i] = (struct option){
			.name = flags[i].name,
			.has_arg = has_arg,
			.val = 256 + (int)i,
		};
	}
	return o;
}

/*
 * Read the flags into @given and the config file's name into *ret_file
 * (NULL for none). Errors are counted in @d.
 */
static int collect(enum cfg_command cmd, int argc, char **argv,
		   struct given_flag *given, unsigned int *ret_n,
		   const char **ret_file, struct run_options *opts,
		   struct cfg_diag *d)
{
	_cleanup_free_ struct option *longopts = long_options();
	unsigned int n = 0;
	int c;

	if (!longopts)
		return -ENOMEM;
	*ret_file = NULL;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		const struct cfg_flag *fl;
		const char *bad = argv[optind - 1];

		if (c == '?' || c == ':') {
			if (c == ':')
				cfg_flag_error(d, bad, "needs a value");
			else if (optopt)
				cfg_flag_error(d, bad, "unknown option (see 'cvmm %s --help')",
					       command_names[cmd]);
			else
				cfg_flag_error(d, bad, "unknown option (see 'cvmm %s --help')",
					       command_names[cmd]);
			continue;
		}
		fl = c == 'h' ? &flags[ARRAY_SIZE(flags) - 1] : &flags[c - 256];
		if (!(fl->cmds & (1u << cmd))) {
			cfg_flag_error(d, bad, "not an option of 'cvmm %s'",
				       command_names[cmd]);
			continue;
		}
		if (fl->kind == FLAG_HELP) {
			opts->help = true;
			return 0;
		}
		opts->plan |= fl->kind == FLAG_PLAN;
		opts->json |= fl->kind == FLAG_JSON;
		opts->tdx_mrtd_two_pass |= fl->kind == FLAG_TDX_MRTD_TWO_PASS;
		if (fl->kind == FLAG_SNP_VCPU_SIG)
			opts->snp_vcpu_sig = optarg;
		if (fl->kind == FLAG_SNP_KERNEL_HASHES)
			opts->snp_kernel_hashes = optarg;
		given[n] = (struct given_flag){ .flag = fl, .arg = optarg };
		snprintf(given[n].name, sizeof(given[n].name), "--%s", fl->name);
		n++;
	}
	for (int i = optind; i < argc; i++) {
		if (*ret_file)
			cfg_flag_error(d, NULL, "'%s': only one config file may be given",
				       argv[i]);
		else
			*ret_file = argv[i];
	}
	*ret_n = n;
	return 0;
}

/*
 * Of two results, the one to return: an error nobody reported (-ENOMEM)
 * over one that was (-EINVAL), which the error count says anyway.
 */
static int worse(int r, int next)
{
	if (r < 0 && r != -EINVAL)
		return r;
	return next < 0 ? next : r;
}

int cfg_parse_args(enum cfg_command cmd, int argc, char **argv,
		   struct vm_config *cfg, struct run_options *opts,
		   struct cfg_diag *d)
{
	_cleanup_free_ struct given_flag *given = NULL;
	const char *file;
	unsigned int n = 0;
	int r;

	*opts = (struct run_options){};
	vm_config_init(cfg);
	given = calloc(argc + 1, sizeof(*given));
	if (!given)
		return -ENOMEM;
	r = collect(cmd, argc, argv, given, &n, &file, opts, d);
	if (r < 0)
		return r;
	if (opts->help) {
		print_help(cmd);
		return 0;
	}
	if (!file && cmd == CFG_CMD_CONFIG_CHECK)
		cfg_flag_error(d, NULL, "'cvmm config check' needs a FILE");
	/*
	 * Every error counts in @d: go on after one, to report those of the
	 * file, of the flags and (vm_validate()) of the rules in one run. One
	 * that was not reported (-ENOMEM) is kept, and ends the command.
	 */
	if (file)
		r = vm_config_load_file(cfg, file, d);
	for (unsigned int i = 0; i < n; i++)
		r = worse(r, apply_flag(cfg, &given[i], d));
	vm_config_finish(cfg);
	if (r < 0 && r != -EINVAL) {
		cfg_error_line(d, "reading the config: %s", strerror(-r));
		return r;
	}
	return d->errors ? -EINVAL : 0;
}

int cfg_validate(const struct vm_config *cfg, int parsed, enum vm_use use,
		 struct cfg_diag *d, struct cc_image *ret_img)
{
	if (parsed < 0 && parsed != -EINVAL)
		return parsed;
	return worse(parsed, vm_validate(cfg, use, d, ret_img));
}
