// SPDX-License-Identifier: GPL-2.0-only
/*
 * The config schema, the loader's error lines, the flags and the examples.
 * Runs in a scratch directory holding the files configs name; takes the
 * source root and the cvmm executable as arguments.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/config-parse.h"
#include "config/config.h"
#include "tests/test.h"

static const char *srcdir;
static const char *cvmm_exe;
static char scratch[PATH_MAX];

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

/* Config text in tests uses ' for " to stay readable. */
static char *dequote(const char *s)
{
	char *t = strdup(s);

	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

/* Files the configs below name, relative to the scratch directory. */
static void make_fixtures(void)
{
	char kernel[0x210] = { 0 }, fw[8192] = { 0 };

	memcpy(kernel + 0x202, "HdrS", 4);
	write_file("vmlinuz", kernel, sizeof(kernel));
	write_file("notkernel", fw, 0x300);
	write_file("fw.fd", fw, 4096);
	write_file("fw-odd.fd", fw, 5000);
	write_file("fw-empty.fd", fw, 0);
	write_text("initrd.img", "initrd\n");
	write_text("shim.efi", "MZ shim\n");
	write_text("a.img", "disk a\n");
	write_text("b.img", "disk b\n");
	if (mkdir("adir", 0755) || mkdir("conf", 0755)) {
		perror("mkdir");
		exit(1);
	}
}

/* Load config text from vm.json; the error lines, "" if none. */
static char *load_errors(const char *text, bool raw, struct vm_config *cfg)
{
	char *out = NULL, *json = raw ? strdup(text) : dequote(text);
	size_t len = 0;
	struct cfg_diag d;
	FILE *f;

	write_text("vm.json", json);
	free(json);
	f = open_memstream(&out, &len);
	cfg_diag_init(&d, f);
	vm_config_init(cfg);
	/* As cfg_parse_args() does: the rules run even after errors. */
	if (vm_config_load_file(cfg, "vm.json", &d) < 0)
		EXPECT(d.errors, "a failed load should say why");
	vm_config_finish(cfg);
	if (vm_config_check(cfg, &d) < 0)
		EXPECT(d.errors, "a failed check should say why");
	fclose(f);
	return out;
}

struct bad_config {
	const char *name;
	const char *json;
	/* The exact lines, in order. */
	const char *errors;
	/* Keep ' as it is (the config is about quotes). */
	bool raw;
};

#define E "cvmm: error: vm.json: "

static const struct bad_config bad_configs[] = {
	/* Syntax */
	{ "trailing comma", "{'machine': {'vcpus': 2,}}",
	  E "line 1, column 25: invalid JSON: unexpected character\n" },
	{ "unclosed object", "{'machine': {'vcpus': 2}\n",
	  E "line 2, column 1: invalid JSON: unexpected end of data\n" },
	{ "empty file", "",
	  E "line 1, column 1: invalid JSON: unexpected end of data\n" },
	{ "trailing garbage", "{}\n{}\n",
	  E "line 2, column 1: invalid JSON: unexpected character\n" },
	{ "single quotes", "{'machine': {}}",
	  E "line 1, column 2: invalid JSON: strings need double quotes\n", true },
	{ "comment", "{/* vcpus */ 'machine': {}}",
	  E "line 1, column 2: invalid JSON: quoted object property name expected\n" },
	{ "NUL in a string", "{'boot': {'cmdline': 'a\\u0000b'}}",
	  E "$.boot.cmdline: a string holds \\u0000\n" },
	{ "escaped backslash before u0000", "{'boot': {'cmdline': 'a\\\\u0000b'}}",
	  E "$.boot.cmdline: a command line needs boot.kernel\n" },
	{ "control character in a value", "{'cc': {'mode': 'sw\\n'}}",
	  E "$.cc.mode: 'sw?' is not one of none, sw, snp, tdx, pkvm\n" },
	{ "not an object", "['machine']",
	  E "$: expected an object, got an array\n" },
	{ "duplicate key", "{'machine': {'vcpus': 2, 'vcpus': 4}}",
	  E "$.machine.vcpus: key 'vcpus' is given twice\n" },

	/* Unknown keys at every level */
	{ "unknown top-level key", "{'machine': {}, 'extra': 1}",
	  E "$.extra: unknown key 'extra'\n" },
	{ "unknown machine key", "{'machine': {'vcpu': 2}}",
	  E "$.machine.vcpu: unknown key 'vcpu', did you mean 'vcpus'?\n" },
	{ "unknown cc key", "{'cc': {'modes': 'sw'}}",
	  E "$.cc.modes: unknown key 'modes', did you mean 'mode'?\n" },
	{ "unknown cc.snp key", "{'cc': {'mode': 'snp', 'snp': {'polcy': 1}}}",
	  E "$.cc.snp.polcy: unknown key 'polcy', did you mean 'policy'?\n" },
	{ "unknown cc.tdx key", "{'cc': {'mode': 'tdx', 'tdx': {'td_attributes': 0}}}",
	  E "$.cc.tdx.td_attributes: unknown key 'td_attributes'\n" },
	{ "unknown boot key", "{'boot': {'kernal': 'vmlinuz'}}",
	  E "$.boot.kernal: unknown key 'kernal', did you mean 'kernel'?\n" },
	{ "unknown devices key", "{'devices': {'disk': []}}",
	  E "$.devices.disk: unknown key 'disk', did you mean 'disks'?\n" },
	{ "unknown disk key", "{'devices': {'disks': [{'path': 'a.img', 'ro': true}]}}",
	  E "$.devices.disks[0].ro: unknown key 'ro'\n" },
	{ "unknown net key", "{'devices': {'nets': [{'tap': 'tap0', 'name': 'x'}]}}",
	  E "$.devices.nets[0].name: unknown key 'name'\n" },
	{ "unknown logging key", "{'logging': {'colour': true}}",
	  E "$.logging.colour: unknown key 'colour'\n" },
	{ "unknown stats key", "{'stats': {'file': 's.json'}}",
	  E "$.stats.file: unknown key 'file'\n" },

	/* Wrong types */
	{ "vcpus as a string", "{'machine': {'vcpus': 'four'}}",
	  E "$.machine.vcpus: expected an integer, got \"four\"\n" },
	{ "vcpus as a fraction", "{'machine': {'vcpus': 1.5}}",
	  E "$.machine.vcpus: expected an integer, got 1.5\n" },
	{ "memory as a boolean", "{'machine': {'memory': true}}",
	  E "$.machine.memory: expected a size (bytes, or a string like \"512M\"), got true\n" },
	{ "machine as an array", "{'machine': []}",
	  E "$.machine: expected an object, got an array\n" },
	{ "cc mode as a number", "{'cc': {'mode': 3}}",
	  E "$.cc.mode: expected a string, got 3\n" },
	{ "boolean as a string", "{'cc': {'preallocate': 'yes'}}",
	  E "$.cc.preallocate: expected true or false, got \"yes\"\n" },
	{ "disks as an object", "{'devices': {'disks': {'path': 'a.img'}}}",
	  E "$.devices.disks: expected an array, got an object\n" },
	{ "disk as a string", "{'devices': {'disks': ['a.img']}}",
	  E "$.devices.disks[0]: expected an object, got a string\n" },
	{ "seccomp as a boolean", "{'seccomp': false}",
	  E "$.seccomp: expected a string, got false\n" },
	{ "user as a number", "{'user': 65534}",
	  E "$.user: expected a string, got 65534\n" },
	{ "group with a space", "{'group': 'no group'}",
	  E "$.group: 'no group' may only contain letters, digits, '-', '_' and '.'\n" },
	{ "policy as an array", "{'cc': {'mode': 'snp', 'snp': {'policy': []}}}",
	  E "$.cc.snp.policy: expected an integer or a \"0x...\" string, got an array\n" },
	{ "kernel as null", "{'boot': {'kernel': null}}",
	  E "$.boot.kernel: expected a string, got null\n" },

	/* Values out of range or not in the set */
	{ "no vcpus", "{'machine': {'vcpus': 0}}",
	  E "$.machine.vcpus: 0 is out of range 1..64\n" },
	{ "too many vcpus", "{'machine': {'vcpus': 65}}",
	  E "$.machine.vcpus: 65 is out of range 1..64\n" },
	{ "negative vcpus", "{'machine': {'vcpus': -1}}",
	  E "$.machine.vcpus: -1 is out of range 1..64\n" },
	{ "size with a bad unit", "{'machine': {'memory': '12Q'}}",
	  E "$.machine.memory: '12Q' is not a size\n" },
	{ "memory below the minimum", "{'machine': {'memory': '1M'}}",
	  E "$.machine.memory: '1M' is less than the minimum 4M\n" },
	{ "memory above the maximum", "{'machine': {'memory': '2T'}}",
	  E "$.machine.memory: '2T' is more than the maximum 1T\n" },
	{ "memory not in pages", "{'machine': {'memory': 268435457}}",
	  E "$.machine.memory: '268435457' is not a multiple of 4K\n" },
	{ "negative memory", "{'machine': {'memory': -5}}",
	  E "$.machine.memory: -5 is negative\n" },
	{ "size overflows", "{'machine': {'memory': '99999999999T'}}",
	  E "$.machine.memory: '99999999999T' is too large\n" },
	{ "integer beyond 64 bits", "{'boot': {'seed': 18446744073709551616}}",
	  E "$.boot.seed: 18446744073709551616 does not fit in 64 bits\n" },
	/* This test runs on x86: pKVM protected VMs are arm64's. */
	{ "pkvm on x86", "{'cc': {'mode': 'pkvm'}}",
	  E "$.cc.mode: 'pkvm' runs on arm64 hosts only\n" },
	{ "unknown cc mode", "{'cc': {'mode': 'sev'}}",
	  E "$.cc.mode: 'sev' is not one of none, sw, snp, tdx, pkvm\n" },
	{ "unknown backing", "{'machine': {'shared_backing': 'hugetlbfs'}}",
	  E "$.machine.shared_backing: 'hugetlbfs' is not one of auto, guest_memfd, anonymous, memfd, memfd-thp, hugetlbfs-2M\n" },
	{ "unknown reboot action", "{'machine': {'on_reboot': 'reset'}}",
	  E "$.machine.on_reboot: 'reset' is not one of exit, restart\n" },
	{ "irqchip auto is not a value", "{'machine': {'irqchip': 'auto'}}",
	  E "$.machine.irqchip: 'auto' is not one of in-kernel, split\n" },
	{ "unknown log format", "{'logging': {'format': 'xml'}}",
	  E "$.logging.format: 'xml' is not one of text, json\n" },
	{ "snp policy without bit 17", "{'cc': {'mode': 'snp', 'snp': {'policy': '0x10000'}}}",
	  E "$.cc.snp.policy: '0x10000': bit 17 is reserved and must be 1 (SNP firmware ABI)\n" },
	{ "snp policy with undefined bits", "{'cc': {'mode': 'snp', 'snp': {'policy': '0x4030000'}}}",
	  E "$.cc.snp.policy: '0x4030000' sets bits 0x4000000 that are not defined\n" },
	{ "policy not a number", "{'cc': {'mode': 'snp', 'snp': {'policy': '0xzz'}}}",
	  E "$.cc.snp.policy: '0xzz' is not a number\n" },
	{ "tdx attributes undefined", "{'cc': {'mode': 'tdx', 'tdx': {'attributes': 5}}}",
	  E "$.cc.tdx.attributes: '0x5' sets bits 0x4 that are not defined\n" },
	{ "scenario with a space", "{'boot': {'scenario': 'Bad Name'}}",
	  E "$.boot.scenario: 'Bad Name' may only contain a-z, 0-9, '-' and '_'\n" },
	{ "scenario too long", "{'boot': {'scenario': 'a-scenario-name-of-more-than-31-chars'}}",
	  E "$.boot.scenario: 'a-scenario-name-of-more-than-31-chars' is longer than 31 characters\n" },
	{ "empty scenario", "{'boot': {'scenario': ''}}",
	  E "$.boot.scenario: must not be empty\n" },
	{ "tap name too long", "{'devices': {'nets': [{'tap': 'tap-name-too-long'}]}}",
	  E "$.devices.nets[0].tap: 'tap-name-too-long' is longer than 15 characters\n" },
	{ "bad mac", "{'devices': {'nets': [{'tap': 't0', 'mac': '52:54:00:12:34'}]}}",
	  E "$.devices.nets[0].mac: '52:54:00:12:34' is not a MAC address like 52:54:00:12:34:56\n" },
	{ "mac with a sign", "{'devices': {'nets': [{'tap': 't0', 'mac': '+2:54:00:12:34:56'}]}}",
	  E "$.devices.nets[0].mac: '+2:54:00:12:34:56' is not a MAC address like 52:54:00:12:34:56\n" },
	{ "multicast mac", "{'devices': {'nets': [{'tap': 't0', 'mac': '01:00:5e:00:00:01'}]}}",
	  E "$.devices.nets[0].mac: '01:00:5e:00:00:01' is a multicast address\n" },
	{ "too many disks",
	  "{'devices': {'disks': [{'path': 'a.img'}, {'path': 'a.img'}, {'path': 'a.img'},"
	  " {'path': 'a.img'}, {'path': 'a.img'}, {'path': 'a.img'}, {'path': 'a.img'},"
	  " {'path': 'a.img'}, {'path': 'a.img'}]}}",
	  E "$.devices.disks: 9 disks, more than the 8 supported\n" },
	{ "disk without a path", "{'devices': {'disks': [{'readonly': true}]}}",
	  E "$.devices.disks[0]: missing key 'path'\n" },
	{ "net without a tap", "{'devices': {'nets': [{'mac': '52:54:00:12:34:56'}]}}",
	  E "$.devices.nets[0]: missing key 'tap'\n" },

	/* Files */
	{ "missing kernel", "{'boot': {'kernel': 'bzImage'}}",
	  E "$.boot.kernel: file 'bzImage' does not exist\n" },
	{ "kernel is not a bzImage", "{'boot': {'kernel': 'notkernel'}}",
	  E "$.boot.kernel: 'notkernel' is not a bzImage (no \"HdrS\" at offset 0x202)\n" },
	{ "firmware of an odd size", "{'boot': {'firmware': 'fw-odd.fd'}}",
	  E "$.boot.firmware: 'fw-odd.fd' is 5000 bytes, not a multiple of 4K\n" },
	{ "empty firmware", "{'boot': {'firmware': 'fw-empty.fd'}}",
	  E "$.boot.firmware: file 'fw-empty.fd' is empty\n" },
	{ "initrd is a directory", "{'boot': {'kernel': 'vmlinuz', 'initrd': 'adir'}}",
	  E "$.boot.initrd: 'adir' is a directory, not a file\n" },
	{ "second disk missing",
	  "{'devices': {'disks': [{'path': 'a.img'}, {'path': 'x.img'}]}}",
	  E "$.devices.disks[1].path: file 'x.img' does not exist\n" },
	{ "stats in a missing directory", "{'stats': {'path': 'out/stats.json'}}",
	  E "$.stats.path: directory of 'out/stats.json' does not exist\n" },
	{ "empty path", "{'boot': {'kernel': ''}}",
	  E "$.boot.kernel: must not be empty\n" },

	/* Contradictions */
	{ "2M backing with an odd size",
	  "{'machine': {'memory': '5M', 'shared_backing': 'hugetlbfs-2M'}}",
	  E "$.machine.memory: '5M' is not a multiple of 2M, which machine.shared_backing 'hugetlbfs-2M' needs; round it to 2M or pick another backing\n" },
	{ "guest_memfd RAM with sw",
	  "{'machine': {'shared_backing': 'guest_memfd'}, 'cc': {'mode': 'sw'}}",
	  E "$.machine.shared_backing: 'guest_memfd' is guest RAM without private memory; with cc.mode 'sw' guest_memfd is the private side and the shared side needs its own backing: use \"memfd\", \"memfd-thp\" or \"anonymous\"\n" },
	{ "hugetlbfs with sw",
	  "{'machine': {'shared_backing': 'hugetlbfs-2M'}, 'cc': {'mode': 'sw'}}",
	  E "$.machine.shared_backing: 'hugetlbfs-2M' cannot back a guest that converts single 4K pages (cc.mode 'sw'): a 4K discard inside a 2M hugetlbfs page is impossible; use \"memfd-thp\" or \"memfd\"\n" },
	{ "hugetlbfs with snp and an odd size",
	  "{'machine': {'memory': 5246976, 'shared_backing': 'hugetlbfs-2M'}, 'cc': {'mode': 'snp'}}",
	  E "$.machine.shared_backing: 'hugetlbfs-2M' cannot back a guest that converts single 4K pages (cc.mode 'snp'): a 4K discard inside a 2M hugetlbfs page is impossible; use \"memfd-thp\" or \"memfd\"\n"
	  E "$.machine.memory: '5124K' is not a multiple of 2M, which machine.shared_backing 'hugetlbfs-2M' needs; round it to 2M or pick another backing\n" },
	{ "snp settings without snp", "{'cc': {'snp': {'debug_swap': true}}}",
	  E "$.cc.snp: SNP settings with cc.mode 'none'; remove them or set cc.mode to \"snp\"\n" },
	{ "tdx settings with snp", "{'cc': {'mode': 'snp', 'tdx': {}}}",
	  E "$.cc.tdx: TDX settings with cc.mode 'snp'; remove them or set cc.mode to \"tdx\"\n" },
	{ "initrd without a kernel", "{'boot': {'initrd': 'initrd.img'}}",
	  E "$.boot.initrd: an initrd needs boot.kernel\n" },
	{ "cmdline without a kernel", "{'boot': {'cmdline': 'quiet'}}",
	  E "$.boot.cmdline: a command line needs boot.kernel\n" },
	{ "scenario with a kernel", "{'boot': {'kernel': 'vmlinuz', 'scenario': 'default'}}",
	  E "$.boot.scenario: 'default' is a scenario of the embedded test guest, which does not run when boot.kernel is given\n" },
	{ "scenario argument with firmware", "{'cc': {'mode': 'snp'}, 'boot': {'firmware': 'fw.fd', 'scenario_arg': 3}}",
	  E "$.boot.scenario_arg: 3 is an argument for a test-guest scenario, but boot.scenario is not set\n" },
	{ "shim without firmware",
	  "{'boot': {'kernel': 'vmlinuz', 'shim': 'shim.efi'}}",
	  E "$.boot.shim: a shim needs boot.firmware and boot.kernel: the firmware's kernel loader starts the shim, which starts the kernel\n" },
	{ "APIC bus period with snp",
	  "{'cc': {'mode': 'snp'}, 'machine': {'apic_bus_ns': 20}, 'boot': {'firmware': 'fw.fd'}}",
	  E "$.machine.apic_bus_ns: 20 ns with cc.mode 'snp': an SNP or TDX launch sets the APIC bus itself; leave it out\n" },
	{ "APIC bus period too long",
	  "{'machine': {'apic_bus_ns': 1001}}",
	  E "$.machine.apic_bus_ns: 1001 is out of range 0..1000\n" },
	{ "the same disk twice",
	  "{'devices': {'disks': [{'path': 'a.img'}, {'path': 'b.img'}, {'path': './a.img'}]}}",
	  "" /* filled in by test_bad_configs: names the absolute path */ },
	{ "the same tap twice",
	  "{'devices': {'nets': [{'tap': 'tap0'}, {'tap': 'tap0'}]}}",
	  E "$.devices.nets[1].tap: 'tap0' is also nets[0]\n" },
	{ "the same mac twice",
	  "{'devices': {'nets': [{'tap': 'tap0', 'mac': '52:54:00:00:00:01'},"
	  " {'tap': 'tap1', 'mac': '52:54:00:00:00:01'}]}}",
	  E "$.devices.nets[1].mac: the address is also nets[0]'s\n" },
	{ "vsock cid of the host",
	  "{'devices': {'vsock': {'cid': 2}}}",
	  E "$.devices.vsock.cid: 2 is reserved (0: the hypervisor, 1: local, 2: the host); a guest's CID is 3 or more\n" },
	{ "vsock without a cid",
	  "{'devices': {'vsock': {}}}",
	  E "$.devices.vsock.cid: 0 is reserved (0: the hypervisor, 1: local, 2: the host); a guest's CID is 3 or more\n" },
	{ "vsock cid VMADDR_CID_ANY",
	  "{'devices': {'vsock': {'cid': 4294967295}}}",
	  E "$.devices.vsock.cid: 4294967295 is out of range 0..4294967294\n" },
	{ "vsock cid not a number",
	  "{'devices': {'vsock': {'cid': 'three'}}}",
	  E "$.devices.vsock.cid: expected an integer, got \"three\"\n" },

	/* Rules run beside value errors, but never on a value in error */
	{ "unknown key and a rule",
	  "{'machine': {'vcpu': 2, 'shared_backing': 'hugetlbfs-2M'}, 'cc': {'mode': 'sw'}}",
	  E "$.machine.vcpu: unknown key 'vcpu', did you mean 'vcpus'?\n"
	  E "$.machine.shared_backing: 'hugetlbfs-2M' cannot back a guest that converts single 4K pages (cc.mode 'sw'): a 4K discard inside a 2M hugetlbfs page is impossible; use \"memfd-thp\" or \"memfd\"\n" },
	{ "no rule on a bad mode",
	  "{'cc': {'mode': 'sev', 'tdx': {}}, 'machine': {'shared_backing': 'hugetlbfs-2M'}}",
	  E "$.cc.mode: 'sev' is not one of none, sw, snp, tdx, pkvm\n" },
	{ "no rule on a missing kernel",
	  "{'boot': {'kernel': 'nope', 'initrd': 'initrd.img', 'scenario': 'default'}}",
	  E "$.boot.kernel: file 'nope' does not exist\n" },
	{ "no duplicate check over a broken disk",
	  "{'devices': {'disks': [{'readonly': true}, {'path': 'a.img'}, {'path': 'a.img'}]}}",
	  E "$.devices.disks[0]: missing key 'path'\n" },
	{ "rules after a bad section",
	  "{'machine': 4, 'cc': {'mode': 'none', 'snp': {}}}",
	  E "$.machine: expected an object, got a number\n"
	  E "$.cc.snp: SNP settings with cc.mode 'none'; remove them or set cc.mode to \"snp\"\n" },

	/* Every error in a file, in order */
	{ "many errors at once",
	  "{\n 'machine': {'vcpus': 'four', 'memory': '12Q', 'vcpu': 2},\n"
	  " 'cc': {'mode': 'sev'},\n"
	  " 'devices': {'disks': [{'path': 'a.img'}, {'path': 'x.img'}]},\n"
	  " 'logging': {'level': 'loud'},\n 'seccomp': 'strict'\n}\n",
	  E "$.machine.vcpus: expected an integer, got \"four\"\n"
	  E "$.machine.memory: '12Q' is not a size\n"
	  E "$.machine.vcpu: unknown key 'vcpu', did you mean 'vcpus'?\n"
	  E "$.cc.mode: 'sev' is not one of none, sw, snp, tdx, pkvm\n"
	  E "$.devices.disks[1].path: file 'x.img' does not exist\n"
	  E "$.logging.level: 'loud' is not one of error, warning, info, debug\n"
	  E "$.seccomp: 'strict' is not one of kill, log, off\n" },
};

static void test_bad_configs(void)
{
	char dup[PATH_MAX + 128];

	snprintf(dup, sizeof(dup),
		 E "$.devices.disks[2].path: '%s/a.img' is also disks[0]\n", scratch);
	for (size_t i = 0; i < ARRAY_SIZE(bad_configs); i++) {
		const struct bad_config *t = &bad_configs[i];
		const char *want = *t->errors ? t->errors : dup;
		struct vm_config cfg;
		char *got = load_errors(t->json, t->raw, &cfg);

		EXPECT(!strcmp(got, want),
		       "bad config '%s' should give\n%sbut gave\n%s", t->name,
		       want, got);
		free(got);
		vm_config_free(&cfg);
	}
	EXPECT(ARRAY_SIZE(bad_configs) >= 40, "at least 40 bad configs");
}

/*
 * A TD's irqchip and firmware are the CC launch's rules (cc/rules.c,
 * test-plan and test-validate.sh), never also the config's: one owner, so
 * one line for the user.
 */
static void test_tdx_rules_not_config(void)
{
	struct vm_config cfg;
	char *got = load_errors("{'machine': {'irqchip': 'in-kernel'}, 'cc': {'mode': 'tdx'},"
				" 'boot': {'kernel': 'vmlinuz'}}", false, &cfg);

	EXPECT(got && !*got, "the config's rules should leave TDX's to cc/, gave\n%s",
	       got ? got : "");
	free(got);
	vm_config_free(&cfg);
}

static void test_error_naming_a_nul_byte(void)
{
	struct vm_config cfg;
	char *got = NULL;
	size_t len = 0;
	struct cfg_diag d;
	FILE *f;

	write_file("vm.json", "{}\0{}", 5);
	f = open_memstream(&got, &len);
	cfg_diag_init(&d, f);
	vm_config_init(&cfg);
	EXPECT(vm_config_load_file(&cfg, "vm.json", &d) == -EINVAL,
	       "a NUL byte should make the file invalid");
	fclose(f);
	EXPECT(!strcmp(got, E "invalid JSON: the file holds a NUL byte\n"),
	       "a NUL byte should be named, got %s", got);
	free(got);
	vm_config_free(&cfg);
}

static void test_missing_file(void)
{
	struct vm_config cfg;
	char *got = NULL;
	size_t len = 0;
	struct cfg_diag d;
	FILE *f = open_memstream(&got, &len);

	cfg_diag_init(&d, f);
	vm_config_init(&cfg);
	EXPECT(vm_config_load_file(&cfg, "nope.json", &d) == -EINVAL,
	       "a missing config should fail");
	fclose(f);
	EXPECT(!strcmp(got, "cvmm: error: nope.json: cannot read: No such file or directory\n"),
	       "a missing config should be named, got %s", got);
	free(got);
	vm_config_free(&cfg);
}

static void test_good_config_values(void)
{
	struct vm_config cfg;
	char path[PATH_MAX + 16];
	char *got;

	got = load_errors("{'machine': {'vcpus': 4, 'memory': '2G', 'shared_backing': 'memfd-thp'},"
			  " 'cc': {'mode': 'snp', 'implicit_conversion': 'deny', 'prefault': true,"
			  "  'snp': {'policy': 196608, 'debug_swap': true}},"
			  " 'boot': {'firmware': 'fw.fd', 'kernel': 'vmlinuz', 'cmdline': 'console=ttyS0'},"
			  " 'devices': {'serial': false, 'rng': true,"
			  "  'disks': [{'path': 'a.img', 'readonly': true}, {'path': 'b.img'}],"
			  "  'nets': [{'tap': 'tap0', 'mac': '52:54:00:AB:cd:01'}]},"
			  " 'logging': {'level': 'debug', 'format': 'json'},"
			  " 'stats': {'path': 'stats.json'}, 'seccomp': 'log'}",
			  false, &cfg);
	EXPECT(!strcmp(got, ""), "a good config should load, got %s", got);
	free(got);
	EXPECT_EQ(cfg.machine.vcpus, 4, "vcpus should be read");
	EXPECT_EQ(cfg.machine.memory_size, 2ull << 30, "\"2G\" should be 2 GiB");
	EXPECT_EQ(cfg.machine.backing, BACKING_MEMFD_THP, "backing should be read");
	EXPECT_EQ(cfg.machine.irqchip, IRQCHIP_IN_KERNEL, "snp defaults to in-kernel");
	EXPECT_EQ(cfg.cc.mode, CC_MODE_SNP, "mode should be read");
	EXPECT_EQ(cfg.cc.implicit_conversion, IMPLICIT_DENY, "policy should be read");
	EXPECT(cfg.cc.prefault && !cfg.cc.preallocate &&
		       cfg.cc.coalesce_discards,
	       "booleans should be read and defaulted");
	EXPECT_EQ(cfg.cc.snp_policy, 0x30000, "policy should be read as an integer");
	EXPECT(cfg.cc.snp_debug_swap && cfg.cc.snp_given, "snp block should be read");
	snprintf(path, sizeof(path), "%s/vmlinuz", scratch);
	EXPECT(cfg.boot.kernel && !strcmp(cfg.boot.kernel, path),
	       "kernel path should be absolute");
	EXPECT(!cfg.boot.scenario, "no scenario with a kernel");
	EXPECT(!cfg.devices.serial && cfg.devices.rng, "device switches should be read");
	EXPECT_EQ(cfg.devices.nr_disks, 2, "two disks");
	EXPECT(cfg.devices.disks[0].readonly && !cfg.devices.disks[1].readonly,
	       "readonly should be per disk");
	EXPECT_EQ(cfg.devices.nr_nets, 1, "one net");
	EXPECT(cfg.devices.nets[0].mac_set &&
		       cfg.devices.nets[0].mac[3] == 0xab &&
		       cfg.devices.nets[0].mac[5] == 0x01,
	       "mac should be read in either case");
	EXPECT_EQ(cfg.logging.level, LOG_LEVEL_DEBUG, "log level should be read");
	EXPECT_EQ(cfg.logging.format, LOG_FORMAT_JSON, "log format should be read");
	snprintf(path, sizeof(path), "%s/stats.json", scratch);
	EXPECT(cfg.stats.path && !strcmp(cfg.stats.path, path),
	       "stats path should be absolute though the file does not exist");
	EXPECT_EQ(cfg.seccomp, SECCOMP_MODE_LOG, "seccomp should be read");
	vm_config_free(&cfg);
}

static void test_defaults(void)
{
	struct vm_config cfg;
	char *got = load_errors("{}", false, &cfg);

	EXPECT(!strcmp(got, ""), "an empty object should be a valid config, got %s", got);
	free(got);
	EXPECT_EQ(cfg.machine.vcpus, 1, "one vCPU by default");
	EXPECT_EQ(cfg.machine.memory_size, 256ull << 20, "256M by default");
	EXPECT_EQ(cfg.machine.backing, BACKING_AUTO, "auto backing by default");
	EXPECT_EQ(cfg.machine.irqchip, IRQCHIP_IN_KERNEL, "in-kernel irqchip by default");
	EXPECT_EQ(cfg.cc.mode, CC_MODE_NONE, "no CC by default");
	EXPECT(cfg.boot.scenario && !strcmp(cfg.boot.scenario, "default"),
	       "the default scenario without kernel or firmware");
	EXPECT(cfg.devices.serial, "serial by default");
	EXPECT_EQ(cfg.seccomp, SECCOMP_MODE_KILL, "seccomp kill by default");
	vm_config_free(&cfg);

	got = load_errors("{'cc': {'mode': 'tdx'}}", false, &cfg);
	EXPECT(!strcmp(got, ""), "tdx alone should be valid, got %s", got);
	EXPECT_EQ(cfg.machine.irqchip, IRQCHIP_SPLIT, "tdx should default to split");
	free(got);
	vm_config_free(&cfg);
}

static void test_paths_relative_to_config(void)
{
	struct vm_config cfg;
	char path[PATH_MAX + 16], *out = NULL;
	size_t len = 0;
	struct cfg_diag d;
	FILE *f;

	write_text("conf/vm.json", "{\"boot\": {\"kernel\": \"../vmlinuz\"},"
				   " \"devices\": {\"disks\": [{\"path\": \"a.img\"}]}}");
	f = open_memstream(&out, &len);
	cfg_diag_init(&d, f);
	vm_config_init(&cfg);
	EXPECT(vm_config_load_file(&cfg, "conf/vm.json", &d) == -EINVAL,
	       "a.img is not beside conf/vm.json");
	fclose(f);
	EXPECT(!strcmp(out, "cvmm: error: conf/vm.json: $.devices.disks[0].path: file 'a.img' does not exist\n"),
	       "paths should be taken relative to the config's directory, got %s", out);
	snprintf(path, sizeof(path), "%s/vmlinuz", scratch);
	EXPECT(cfg.boot.kernel && !strcmp(cfg.boot.kernel, path),
	       "../vmlinuz from conf/ should be the scratch vmlinuz");
	free(out);
	vm_config_free(&cfg);
}

/* Parse a command line; returns the error lines, "" for none. */
static char *parse(enum cfg_command cmd, const char *const *args,
		   struct vm_config *cfg, struct run_options *opts, int *ret)
{
	char *argv[32], *out = NULL;
	int argc = 0;
	size_t len = 0;
	struct cfg_diag d;
	FILE *f;

	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	f = open_memstream(&out, &len);
	cfg_diag_init(&d, f);
	*ret = cfg_parse_args(cmd, argc, argv, cfg, opts, &d);
	/* The config's own rules, which vm_validate() runs first. */
	if (!opts->help && *ret != -ENOMEM && vm_config_check(cfg, &d) < 0)
		*ret = -EINVAL;
	fclose(f);
	return out;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_flags_override_file(void)
{
	struct run_options opts;
	struct vm_config cfg;
	char *out;
	int r;

	write_text("vm.json", "{\"machine\": {\"vcpus\": 2, \"memory\": \"1G\"},"
			      " \"cc\": {\"mode\": \"sw\", \"coalesce_discards\": true},"
			      " \"devices\": {\"disks\": [{\"path\": \"a.img\"}]},"
			      " \"boot\": {\"scenario\": \"default\"}}");
	out = parse(CFG_CMD_RUN,
		    ARGS("run", "--memory", "512M", "vm.json", "--cc=none",
			 "--coalesce-discards=off", "--prefault", "--disk", "b.img,ro",
			 "--scenario", "exit-status", "--scenario-arg", "0x2a",
			 "--seed", "010", "--log-format", "json", "--plan"),
		    &cfg, &opts, &r);
	EXPECT(r == 0 && !strcmp(out, ""), "flags over a file should parse, got %s", out);
	EXPECT_EQ(cfg.machine.vcpus, 2, "vcpus should come from the file");
	EXPECT_EQ(cfg.machine.memory_size, 512ull << 20, "--memory should override the file");
	EXPECT_EQ(cfg.cc.mode, CC_MODE_NONE, "--cc=none should override the file");
	EXPECT(!cfg.cc.coalesce_discards, "--coalesce-discards=off should override");
	EXPECT(cfg.cc.prefault, "--prefault alone should mean on");
	EXPECT_EQ(cfg.devices.nr_disks, 2, "--disk should add to the file's disks");
	EXPECT(!cfg.devices.disks[0].readonly && cfg.devices.disks[1].readonly,
	       "',ro' should make the added disk read-only");
	EXPECT(!strcmp(cfg.boot.scenario, "exit-status"), "--scenario should override");
	EXPECT_EQ(cfg.boot.scenario_arg, 42, "--scenario-arg should take hex");
	EXPECT_EQ(cfg.boot.seed, 10, "--seed should be decimal, not octal");
	EXPECT_EQ(cfg.logging.format, LOG_FORMAT_JSON, "--log-format should be read");
	EXPECT(opts.plan && !opts.help && !opts.json, "--plan should be seen");
	free(out);
	vm_config_free(&cfg);

	out = parse(CFG_CMD_RUN,
		    ARGS("run", "--cc", "tdx", "--vcpus", "8", "--net", "tap=tap0,mac=52:54:00:00:00:02",
			 "--tdx-attributes", "0x10000001", "--stats", "out.json", "--seccomp", "off"),
		    &cfg, &opts, &r);
	EXPECT(r == 0 && !strcmp(out, ""), "flags alone should parse, got %s", out);
	EXPECT_EQ(cfg.machine.irqchip, IRQCHIP_SPLIT, "--cc tdx should default to split");
	EXPECT_EQ(cfg.machine.vcpus, 8, "--vcpus should be read");
	EXPECT(cfg.devices.nr_nets == 1 && !strcmp(cfg.devices.nets[0].tap, "tap0") &&
		       cfg.devices.nets[0].mac_set &&
		       cfg.devices.nets[0].mac[5] == 2,
	       "--net should add a tap with its mac");
	EXPECT_EQ(cfg.cc.tdx_attributes, 0x10000001, "--tdx-attributes should be read");
	EXPECT(cfg.cc.tdx_given, "--tdx-attributes should mark the tdx block given");
	EXPECT(cfg.stats.path && cfg.stats.path[0] == '/', "--stats should be absolute");
	EXPECT_EQ(cfg.seccomp, SECCOMP_MODE_OFF, "--seccomp should be read");
	free(out);
	vm_config_free(&cfg);
}

struct bad_flags {
	const char *name;
	const char *const *args;
	const char *errors;
};

static const struct bad_flags bad_flags[] = {
	{ "not a size", ARGS("run", "--memory", "12Q"),
	  "cvmm: error: --memory: '12Q' is not a size\n" },
	{ "vcpus out of range", ARGS("run", "--vcpus", "100"),
	  "cvmm: error: --vcpus: 100 is out of range 1..64\n" },
	{ "vcpus not a number", ARGS("run", "--vcpus", "two"),
	  "cvmm: error: --vcpus: 'two' is not an integer\n" },
	{ "vcpus negative", ARGS("run", "--vcpus", "-2"),
	  "cvmm: error: --vcpus: '-2' is not an integer\n" },
	{ "seed too large", ARGS("run", "--seed", "0x10000000000000000"),
	  "cvmm: error: --seed: '0x10000000000000000' is too large\n" },
	{ "policy not hex", ARGS("run", "--cc", "snp", "--snp-policy", "0x"),
	  "cvmm: error: --snp-policy: '0x' is not a number\n" },
	{ "unknown mode", ARGS("run", "--cc", "sev"),
	  "cvmm: error: --cc: 'sev' is not one of none, sw, snp, tdx, pkvm\n" },
	{ "boolean value", ARGS("run", "--prefault=maybe"),
	  "cvmm: error: --prefault: 'maybe' is not on or off\n" },
	{ "missing disk", ARGS("run", "--disk", "x.img"),
	  "cvmm: error: --disk: file 'x.img' does not exist\n" },
	{ "disk option", ARGS("run", "--disk", "a.img,rw"),
	  "cvmm: error: --disk: 'rw' is not an option of a disk, only 'ro' is\n" },
	{ "net without tap", ARGS("run", "--net", "mac=52:54:00:00:00:01"),
	  "cvmm: error: --net: needs tap=NAME\n" },
	{ "net junk", ARGS("run", "--net", "tap0"),
	  "cvmm: error: --net: 'tap0' is not tap=NAME or mac=MAC\n" },
	{ "net with a bad tap and no check after", ARGS("run", "--net", "tap=a/b", "--net", "tap=a/b"),
	  "cvmm: error: --net: 'a/b' may only contain letters, digits, '-', '_' and '.'\n"
	  "cvmm: error: --net: 'a/b' may only contain letters, digits, '-', '_' and '.'\n" },
	{ "same tap twice by flags", ARGS("run", "--net", "tap=t0", "--net", "tap=t0"),
	  "cvmm: error: --net: 't0' is also nets[0]\n" },
	{ "unknown short option", ARGS("run", "-x"),
	  "cvmm: error: -x: unknown option (see 'cvmm run --help')\n" },
	{ "flag error and a rule", ARGS("run", "--vcpus", "0", "--cc", "sw", "--backing", "hugetlbfs-2M"),
	  "cvmm: error: --vcpus: 0 is out of range 1..64\n"
	  "cvmm: error: --backing: 'hugetlbfs-2M' cannot back a guest that converts single 4K pages (cc.mode 'sw'): a 4K discard inside a 2M hugetlbfs page is impossible; use \"memfd-thp\" or \"memfd\"\n" },
	{ "kernel not a bzImage", ARGS("run", "--kernel", "notkernel"),
	  "cvmm: error: --kernel: 'notkernel' is not a bzImage (no \"HdrS\" at offset 0x202)\n" },
	{ "unknown flag", ARGS("run", "--bogus"),
	  "cvmm: error: --bogus: unknown option (see 'cvmm run --help')\n" },
	{ "missing value", ARGS("run", "--memory"),
	  "cvmm: error: --memory: needs a value\n" },
	{ "two files", ARGS("run", "a.json", "b.json"),
	  "cvmm: error: 'b.json': only one config file may be given\n"
	  "cvmm: error: a.json: cannot read: No such file or directory\n" },
	{ "json is for show", ARGS("run", "--json"),
	  "cvmm: error: --json: not an option of 'cvmm run'\n" },
	{ "plan is for run", ARGS("show", "--plan"),
	  "cvmm: error: --plan: not an option of 'cvmm config show'\n" },
	{ "all flag errors at once", ARGS("run", "--memory", "1", "--vcpus", "0", "--log-level", "loud"),
	  "cvmm: error: --memory: '1' is not a multiple of 4K\n"
	  "cvmm: error: --vcpus: 0 is out of range 1..64\n"
	  "cvmm: error: --log-level: 'loud' is not one of error, warning, info, debug\n" },
	{ "snp policy without snp", ARGS("run", "--snp-policy", "0x30000"),
	  "cvmm: error: --snp-policy: SNP settings with cc.mode 'none'; remove them or set cc.mode to \"snp\"\n" },
	{ "hugetlbfs by flag with sw from a file", ARGS("run", "sw.json", "--backing", "hugetlbfs-2M"),
	  "cvmm: error: --backing: 'hugetlbfs-2M' cannot back a guest that converts single 4K pages (cc.mode 'sw'): a 4K discard inside a 2M hugetlbfs page is impossible; use \"memfd-thp\" or \"memfd\"\n" },
	{ "file errors, then flag errors", ARGS("run", "bad.json", "--vcpus", "0"),
	  "cvmm: error: bad.json: $.machine.memory: '12Q' is not a size\n"
	  "cvmm: error: --vcpus: 0 is out of range 1..64\n" },
};

static void test_bad_flags(void)
{
	write_text("sw.json", "{\"cc\": {\"mode\": \"sw\"}}");
	write_text("bad.json", "{\"machine\": {\"memory\": \"12Q\"}}");
	for (size_t i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		const struct bad_flags *t = &bad_flags[i];
		enum cfg_command cmd = CFG_CMD_RUN;
		struct run_options opts;
		struct vm_config cfg;
		char *out;
		int r;

		if (!strcmp(t->args[0], "show"))
			cmd = CFG_CMD_CONFIG_SHOW;
		out = parse(cmd, t->args, &cfg, &opts, &r);

		EXPECT(r == -EINVAL, "'%s' should fail", t->name);
		EXPECT(!strcmp(out, t->errors), "'%s' should give\n%sbut gave\n%s",
		       t->name, t->errors, out);
		free(out);
		vm_config_free(&cfg);
	}
}

/*
 * The SNP and TDX launch inputs: hex values of a fixed size, and ID blocks
 * as files or base64 text, each wrong form with its exact line.
 */
static void test_launch_inputs(void)
{
	static const char hex32[] =
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char b64_96[129], b64_95[129], json[8192], want[512], *got, *text;
	char block[96] = { 0 }, auth[4096] = { 0 };
	static const struct {
		const char *name, *snp, *errors;
	} bad[] = {
		{ "host_data not hex", "'host_data': 'zz'",
		  E "$.cc.snp.host_data: 'zz' is not 32 bytes in hex (64 hex digits)\n" },
		{ "host_data of 31 bytes",
		  "'host_data': '00112233445566778899aabbccddeeff00112233445566778899aabbccddee'",
		  E "$.cc.snp.host_data: '00112233445566778899aabbccddeeff00112233...' is not 32 bytes in hex (64 hex digits)\n" },
		{ "host_data as a number", "'host_data': 5",
		  E "$.cc.snp.host_data: expected a string, got 5\n" },
		{ "id_block of 95 bytes", "'id_block': 'id95.bin', 'id_auth': 'auth.bin'",
		  E "$.cc.snp.id_block: 'id95.bin' is 95 bytes; an ID block is 96 bytes (SNP firmware ABI)\n" },
		{ "id_auth of 96 bytes", "'id_block': 'id96.bin', 'id_auth': 'id96.bin'",
		  E "$.cc.snp.id_auth: 'id96.bin' is 96 bytes; an ID authentication structure is 4096 bytes (SNP firmware ABI)\n" },
		{ "id_block missing", "'id_block': 'nope.bin', 'id_auth': 'auth.bin'",
		  E "$.cc.snp.id_block: file 'nope.bin' does not exist\n" },
		{ "id_block without id_auth", "'id_block': 'id96.bin'",
		  E "$.cc.snp.id_block: an ID block and its ID authentication go together: SNP_LAUNCH_FINISH passes both or neither; add cc.snp.id_auth\n" },
		{ "id_auth without id_block", "'id_auth': 'auth.bin'",
		  E "$.cc.snp.id_auth: an ID block and its ID authentication go together: SNP_LAUNCH_FINISH passes both or neither; add cc.snp.id_block\n" },
		{ "id_block empty", "'id_block': '', 'id_auth': 'auth.bin'",
		  E "$.cc.snp.id_block: must not be empty\n" },
	};

	memset(b64_96, 'A', 128);
	b64_96[128] = '\0';
	memcpy(b64_95, b64_96, sizeof(b64_95));
	b64_95[127] = '=';
	write_file("id96.bin", block, sizeof(block));
	write_file("id95.bin", block, 95);
	write_file("auth.bin", auth, sizeof(auth));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vm_config cfg;

		snprintf(json, sizeof(json), "{'cc': {'mode': 'snp', 'snp': {%s}}}",
			 bad[i].snp);
		got = load_errors(json, false, &cfg);
		EXPECT(!strcmp(got, bad[i].errors),
		       "'%s' should give\n%sbut gave\n%s", bad[i].name,
		       bad[i].errors, got);
		free(got);
		vm_config_free(&cfg);
	}

	{
		struct vm_config cfg;

		snprintf(json, sizeof(json),
			 "{'cc': {'mode': 'snp', 'snp': {'id_block': '%s', 'id_auth': 'auth.bin'}}}",
			 b64_95);
		got = load_errors(json, false, &cfg);
		snprintf(want, sizeof(want),
			 E "$.cc.snp.id_block: '%.40s...' is base64 of 95 bytes; an ID block is 96 bytes (SNP firmware ABI)\n",
			 b64_95);
		EXPECT(!strcmp(got, want), "base64 of 95 bytes should give\n%sbut gave\n%s",
		       want, got);
		free(got);
		vm_config_free(&cfg);
	}

	{
		struct vm_config cfg;
		char path[PATH_MAX + 16];

		snprintf(json, sizeof(json),
			 "{'cc': {'mode': 'snp', 'snp': {'host_data': '%s', 'id_block': '%s', 'id_auth': 'auth.bin'}}}",
			 hex32, b64_96);
		got = load_errors(json, false, &cfg);
		EXPECT(!strcmp(got, ""), "good SNP inputs should load, got %s", got);
		free(got);
		EXPECT(cfg.cc.snp.host_data_set && cfg.cc.snp.host_data[0] == 0x00 &&
		       cfg.cc.snp.host_data[1] == 0x11 &&
		       cfg.cc.snp.host_data[31] == 0xff,
		       "host_data should be read byte by byte, in order");
		EXPECT(cfg.cc.snp.id_block && !strcmp(cfg.cc.snp.id_block, b64_96),
		       "an ID block in base64 should be kept as the text");
		snprintf(path, sizeof(path), "%s/auth.bin", scratch);
		EXPECT(cfg.cc.snp.id_auth && !strcmp(cfg.cc.snp.id_auth, path),
		       "an ID auth file should be an absolute path");
		EXPECT_EQ(vm_config_to_json(&cfg, &text), 0, "to_json");
		EXPECT(strstr(text, hex32) && strstr(text, b64_96) &&
		       strstr(text, path),
		       "config show should print the inputs as given: %s", text);
		free(text);
		vm_config_free(&cfg);
	}

	{
		struct vm_config cfg;

		got = load_errors("{'cc': {'mode': 'tdx', 'tdx': {'mrowner': '00', 'mrconfigid': 5,"
				  " 'mrownerconfig': '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'}}}",
				  false, &cfg);
		EXPECT(!strcmp(got, E "$.cc.tdx.mrowner: '00' is not 48 bytes in hex (96 hex digits)\n"
				    E "$.cc.tdx.mrconfigid: expected a string, got 5\n"),
		       "bad TDX inputs should be named, got\n%s", got);
		EXPECT(cfg.cc.tdx.mrownerconfig_set && !cfg.cc.tdx.mrowner_set,
		       "the good MROWNERCONFIG should be read");
		free(got);
		vm_config_free(&cfg);
	}
}

static void test_launch_input_flags(void)
{
	struct run_options opts;
	struct vm_config cfg;
	char *out;
	int r;

	out = parse(CFG_CMD_RUN, ARGS("run", "--cc", "tdx", "--firmware", "fw.fd",
				      "--tdx-mrconfigid", "0102", "--snp-host-data", "00"),
		    &cfg, &opts, &r);
	EXPECT(r == -EINVAL &&
	       !strcmp(out, "cvmm: error: --tdx-mrconfigid: '0102' is not 48 bytes in hex (96 hex digits)\n"
			    "cvmm: error: --snp-host-data: '00' is not 32 bytes in hex (64 hex digits)\n"),
	       "bad input flags should be named, got\n%s", out);
	free(out);
	vm_config_free(&cfg);
	out = parse(CFG_CMD_RUN, ARGS("run", "--cc", "tdx", "--firmware", "fw.fd",
				      "--tdx-mrowner",
				      "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"),
		    &cfg, &opts, &r);
	EXPECT(r == 0 && !strcmp(out, ""), "a good --tdx-mrowner should parse, got %s", out);
	EXPECT(cfg.cc.tdx.mrowner_set && cfg.cc.tdx.mrowner[0] == 0xff &&
	       cfg.cc.tdx.mrowner[47] == 0x00 && !cfg.cc.tdx.mrconfigid_set,
	       "--tdx-mrowner should set MROWNER alone");
	free(out);
	vm_config_free(&cfg);
}

static void test_check_needs_file(void)
{
	struct run_options opts;
	struct vm_config cfg;
	int r;
	char *out = parse(CFG_CMD_CONFIG_CHECK, ARGS("check"), &cfg, &opts, &r);

	EXPECT(r == -EINVAL && !strcmp(out, "cvmm: error: 'cvmm config check' needs a FILE\n"),
	       "config check without a file should fail, got %s", out);
	free(out);
	vm_config_free(&cfg);
}

static void test_sizes(void)
{
	static const struct {
		const char *s;
		uint64_t v;
		int r;
	} cases[] = {
		{ "0", 0, 0 },
		{ "4096", 4096, 0 },
		{ "4K", 4096, 0 },
		{ "512M", 512ull << 20, 0 },
		{ "2G", 2ull << 30, 0 },
		{ "1T", 1ull << 40, 0 },
		{ "16383P", 0, -EINVAL },
		{ "16777215T", 16777215ull << 40, 0 },
		{ "16777216T", 0, -ERANGE },
		{ "18446744073709551616", 0, -ERANGE },
		{ "", 0, -EINVAL },
		{ "M", 0, -EINVAL },
		{ "-1", 0, -EINVAL },
		{ " 1", 0, -EINVAL },
		{ "1 M", 0, -EINVAL },
		{ "1MB", 0, -EINVAL },
		{ "0x10", 0, -EINVAL },
		{ "1m", 0, -EINVAL },
	};
	static const struct {
		uint64_t v;
		const char *s;
	} formats[] = {
		{ 0, "0" }, { 4097, "4097" }, { 4096, "4K" }, { 3ull << 20, "3M" },
		{ 5124ull << 10, "5124K" }, { 1ull << 40, "1T" }, { 3ull << 40, "3T" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t v = 0;
		int r = cfg_parse_size(cases[i].s, &v);

		EXPECT(r == cases[i].r, "size '%s' should return %d, got %d",
		       cases[i].s, cases[i].r, r);
		if (r == 0)
			EXPECT_EQ(v, cases[i].v, "size '%s'", cases[i].s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		char buf[CFG_SIZE_STR_MAX];

		cfg_format_size(formats[i].v, buf);
		EXPECT(!strcmp(buf, formats[i].s), "%llu should print as %s, not %s",
		       (unsigned long long)formats[i].v, formats[i].s, buf);
	}
}

static void test_check_catches_code_built_configs(void)
{
	struct vm_config cfg;
	char *out = NULL;
	size_t len = 0;
	struct cfg_diag d;
	FILE *f = open_memstream(&out, &len);

	cfg_diag_init(&d, f);
	vm_config_init(&cfg);
	cfg.machine.vcpus = 0;
	cfg.machine.memory_size = 1ull << 41;
	cfg.devices.nr_disks = CFG_MAX_DISKS + 1;
	EXPECT(vm_config_check(&cfg, &d) == -EINVAL,
	       "vm_config_check() should refuse values no parser made");
	fclose(f);
	EXPECT(!strcmp(out, "cvmm: error: $.machine.vcpus: 0 is out of range 1..64\n"
			    "cvmm: error: $.machine.memory: '2T' is more than the maximum 1T\n"
			    "cvmm: error: $.devices.disks: 9 disks, more than the 8 supported\n"),
	       "range errors of a built config, got %s", out);
	cfg.devices.nr_disks = 0;
	free(out);
	vm_config_free(&cfg);
}

/* to_json(load(text)) == text for text = to_json(load(file)). */
static void expect_round_trip(const char *file)
{
	char *first = NULL, *second = NULL;
	struct vm_config cfg;
	struct cfg_diag d;

	cfg_diag_init(&d, NULL);
	vm_config_init(&cfg);
	EXPECT(vm_config_load_file(&cfg, file, &d) == 0, "%s should load", file);
	vm_config_finish(&cfg);
	EXPECT(vm_config_check(&cfg, &d) == 0, "%s should pass the checks", file);
	EXPECT(vm_config_to_json(&cfg, &first) == 0, "%s should print", file);
	vm_config_free(&cfg);
	if (!first)
		return;
	write_text("shown.json", first);
	vm_config_init(&cfg);
	EXPECT(vm_config_load_file(&cfg, "shown.json", &d) == 0,
	       "the JSON shown for %s should load", file);
	vm_config_finish(&cfg);
	EXPECT(vm_config_check(&cfg, &d) == 0, "the JSON shown for %s should pass", file);
	EXPECT(vm_config_to_json(&cfg, &second) == 0, "%s should print again", file);
	EXPECT(second && !strcmp(first, second),
	       "the JSON shown for %s should round-trip:\n%s---\n%s", file, first,
	       second ? second : "");
	vm_config_free(&cfg);
	free(first);
	free(second);
}

static int examples(char ***ret)
{
	char dir[PATH_MAX + 16], **names = NULL;
	struct dirent *e;
	int n = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/examples", srcdir);
	dp = opendir(dir);
	if (!dp)
		return 0;
	while ((e = readdir(dp))) {
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0)
			exit(1);
		n++;
	}
	closedir(dp);
	*ret = names;
	return n;
}

static void test_examples_round_trip(void)
{
	char **names = NULL;
	int n = examples(&names);

	EXPECT(n >= 5, "examples/ should hold at least 5 configs, found %d", n);
	for (int i = 0; i < n; i++) {
		expect_round_trip(names[i]);
		free(names[i]);
	}
	free(names);
}

static void test_effective_config_round_trips(void)
{
	struct run_options opts;
	struct vm_config cfg;
	char *out, *json = NULL;
	int r;

	out = parse(CFG_CMD_CONFIG_SHOW,
		    ARGS("show", "--cc", "snp", "--memory", "4100K", "--kernel", "vmlinuz",
			 "--firmware", "fw.fd", "--cmdline", "a \"quoted\" \\ /line",
			 "--disk", "a.img", "--net", "tap=t1", "--json"),
		    &cfg, &opts, &r);
	EXPECT(r == 0 && !strcmp(out, ""), "show flags should parse, got %s", out);
	EXPECT(opts.json, "--json should be seen");
	EXPECT(vm_config_to_json(&cfg, &json) == 0, "the config should print");
	if (json) {
		write_text("effective.json", json);
		expect_round_trip("effective.json");
		EXPECT(strstr(json, "\"memory\": \"4100K\""), "sizes print in units: %s", json);
		EXPECT(strstr(json, "\"policy\": \"0x30000\""), "snp block shown for snp: %s", json);
		EXPECT(!strstr(json, "\"tdx\""), "no tdx block for snp: %s", json);
	}
	free(json);
	free(out);
	vm_config_free(&cfg);
}

/* Every ```json block of docs/config.md is a good config. */
static void test_docs_examples(void)
{
	char path[PATH_MAX + 32], kernel[0x210] = { 0 }, *doc = NULL, *p;
	size_t len = 0;
	int n = 0;
	FILE *f;

	memcpy(kernel + 0x202, "HdrS", 4);
	write_file("bzImage", kernel, sizeof(kernel));
	write_text("root.img", "root\n");
	write_text("data.img", "data\n");
	snprintf(path, sizeof(path), "%s/docs/config.md", srcdir);
	f = fopen(path, "r");
	EXPECT(f, "docs/config.md should exist");
	if (!f)
		return;
	(void)getdelim(&doc, &len, '\0', f);
	fclose(f);
	for (p = doc; p && (p = strstr(p, "```json\n")); n++) {
		char *end = strstr(p + 8, "```");
		char name[32];

		if (!end)
			break;
		*end = '\0';
		snprintf(name, sizeof(name), "doc-%d.json", n);
		write_text(name, p + 8);
		expect_round_trip(name);
		p = end + 3;
	}
	EXPECT(n >= 7, "docs/config.md should have an example per section, found %d", n);
	free(doc);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Run cvmm with @args; its stdout in *ret_out, exit status returned. */
static int run_cvmm(const char *const *args, char **ret_out)
{
	char *argv[16], buf[4096], *out = NULL;
	size_t len = 0;
	int fds[2], status, argc = 0;
	ssize_t n;
	FILE *f;
	pid_t pid;

	argv[argc++] = (char *)cvmm_exe;
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], 1);
		dup2(null, 2);
		close(fds[0]);
		execv(cvmm_exe, argv);
		_exit(127);
	}
	close(fds[1]);
	f = open_memstream(&out, &len);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, f);
	fclose(f);
	close(fds[0]);
	waitpid(pid, &status, 0);
	*ret_out = out;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_cvmm_config_commands(void)
{
	static const char *const run_flags[] = {
		"--vcpus", "--memory", "--backing", "--irqchip", "--cc",
		"--implicit-conversion", "--preallocate", "--prefault",
		"--coalesce-discards", "--snp-policy", "--snp-debug-swap",
		"--tdx-attributes", "--kernel", "--initrd", "--cmdline",
		"--firmware", "--scenario", "--scenario-arg", "--seed", "--serial",
		"--disk", "--net", "--rng", "--console", "--log-level",
		"--log-format", "--stats", "--seccomp", "--plan", "--help",
	};
	char **names = NULL, *out = NULL, *again = NULL;
	int n;

	if (!cvmm_exe) {
		printf("skipped: no cvmm executable given\n");
		return;
	}
	n = examples(&names);
	for (int i = 0; i < n; i++) {
		EXPECT(run_cvmm(ARGS("config", "check", names[i]), &out) == 0,
		       "cvmm config check %s should pass", names[i]);
		free(out);
		EXPECT(run_cvmm(ARGS("config", "show", names[i], "--json"), &out) == 0,
		       "cvmm config show %s --json should work", names[i]);
		write_text("shown.json", out);
		EXPECT(run_cvmm(ARGS("config", "show", "shown.json", "--json"), &again) == 0 &&
			       !strcmp(out, again),
		       "cvmm config show --json of %s should round-trip", names[i]);
		free(out);
		free(again);
		free(names[i]);
	}
	free(names);

	EXPECT(run_cvmm(ARGS("run", "--help"), &out) == 0, "run --help should exit 0");
	EXPECT(!strncmp(out, "Usage: cvmm run", 15) &&
		       ends_with(out, "the host lacks a needed capability.\n"),
	       "run --help should print the help and nothing else (cmd_run must stop when opts.help is set), got:\n%s",
	       out);
	for (size_t i = 0; i < ARRAY_SIZE(run_flags); i++) {
		char *at = strstr(out, run_flags[i]);

		EXPECT(at && strchr(" [\n", at[strlen(run_flags[i])]),
		       "run --help should list %s", run_flags[i]);
	}
	free(out);
	EXPECT(run_cvmm(ARGS("config", "--help"), &out) == 0 && strstr(out, "check"),
	       "config --help should exit 0 and describe check");
	free(out);
	EXPECT(run_cvmm(ARGS("config", "show", "--help"), &out) == 0 && strstr(out, "--json"),
	       "config show --help should list --json");
	free(out);
	EXPECT(run_cvmm(ARGS("config", "check", "nope.json"), &out) == 2,
	       "a missing config should exit 2");
	free(out);
	/* The CC launch rules too: SNP boots from its firmware. */
	write_text("snp-no-firmware.json", "{\"cc\": {\"mode\": \"snp\"}}");
	EXPECT(run_cvmm(ARGS("config", "check", "snp-no-firmware.json"), &out) == 2,
	       "an SNP config without firmware should fail config check");
	free(out);
	EXPECT(run_cvmm(ARGS("run", "--memory", "12Q"), &out) == 2,
	       "a bad flag should exit 2");
	free(out);
}

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (chdir("/") == 0 && scratch[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", scratch);
	}
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_sizes),
		TEST_CASE(test_defaults),
		TEST_CASE(test_bad_configs),
		TEST_CASE(test_tdx_rules_not_config),
		TEST_CASE(test_error_naming_a_nul_byte),
		TEST_CASE(test_missing_file),
		TEST_CASE(test_good_config_values),
		TEST_CASE(test_paths_relative_to_config),
		TEST_CASE(test_flags_override_file),
		TEST_CASE(test_bad_flags),
		TEST_CASE(test_check_needs_file),
		TEST_CASE(test_check_catches_code_built_configs),
		TEST_CASE(test_examples_round_trip),
		TEST_CASE(test_effective_config_round_trips),
		TEST_CASE(test_docs_examples),
		TEST_CASE(test_launch_inputs),
		TEST_CASE(test_launch_input_flags),
		TEST_CASE(test_cvmm_config_commands),
	};
	const char *tmp = getenv("TMPDIR");
	char src[PATH_MAX], exe[PATH_MAX];
	int r;

	if (argc < 2 || !realpath(argv[1], src)) {
		fprintf(stderr, "usage: test-config SOURCE_ROOT [CVMM]\n");
		return 1;
	}
	srcdir = src;
	if (argc > 2 && realpath(argv[2], exe))
		cvmm_exe = exe;
	snprintf(scratch, sizeof(scratch), "%s/cvmm-test-config-XXXXXX",
		 tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch) || chdir(scratch)) {
		perror("scratch directory");
		return 1;
	}
	/* Paths print resolved: make the scratch name resolved too. */
	if (!realpath(".", scratch))
		return 1;
	make_fixtures();
	r = test_run(cases, ARRAY_SIZE(cases));
	cleanup();
	return r;
}
