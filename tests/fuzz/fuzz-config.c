// SPDX-License-Identifier: GPL-2.0-only
/*
 * The config loader on arbitrary files: vm_config_load_file(), then the
 * rules between fields and the effective config as JSON, as 'cvmm config
 * show --json' runs them. Nothing may crash or leak, every error must be
 * counted, and a config that loads cleanly must print as JSON that loads
 * back to the same JSON (what docs/config.md promises).
 *
 * The input is written to examples/fuzz.json in a scratch tree that also
 * holds tests/data/config/ with a kernel, initrd, firmware and disk, so
 * that the paths in the seeds (the files of examples/) resolve as in the
 * source tree and the file checks run on real files.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/config-parse.h"
#include "config/config.h"
#include "fuzz.h"
#include "lib/util.h"

static char scratch[] = "/tmp/cvmm-fuzz-config-XXXXXX";
static char input_path[64], shown_path[64];
static FILE *diag_out;

static void put_file(const char *name, const void *data, size_t len)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FUZZ_CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len,
		   "writing %s", path);
	close(fd);
}

static const char *const files[] = {
	"examples/fuzz.json", "examples/shown.json",
	"tests/data/config/bzImage", "tests/data/config/initrd.img",
	"tests/data/config/disk.img", "tests/data/config/firmware.fd",
	"tests/data/config", "tests/data", "tests", "examples", "",
};

static void cleanup(void)
{
	char path[128];

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", scratch, files[i]);
		if (unlink(path) < 0)
			rmdir(path);
	}
}

/* A bzImage has "HdrS" at 0x202; firmware is a multiple of 4K. */
static void setup(void)
{
	static uint8_t page[4096];
	char dir[128];

	FUZZ_CHECK(mkdtemp(scratch), "mkdtemp");
	atexit(cleanup);
	snprintf(dir, sizeof(dir), "%s/examples", scratch);
	FUZZ_CHECK(mkdir(dir, 0755) == 0, "mkdir %s", dir);
	snprintf(dir, sizeof(dir), "%s/tests", scratch);
	FUZZ_CHECK(mkdir(dir, 0755) == 0, "mkdir %s", dir);
	snprintf(dir, sizeof(dir), "%s/tests/data", scratch);
	FUZZ_CHECK(mkdir(dir, 0755) == 0, "mkdir %s", dir);
	snprintf(dir, sizeof(dir), "%s/tests/data/config", scratch);
	FUZZ_CHECK(mkdir(dir, 0755) == 0, "mkdir %s", dir);
	memcpy(page + 0x202, "HdrS", 4);
	put_file("tests/data/config/bzImage", page, 1024);
	put_file("tests/data/config/initrd.img", "initrd", 6);
	put_file("tests/data/config/disk.img", "disk", 4);
	put_file("tests/data/config/firmware.fd", page, sizeof(page));
	snprintf(input_path, sizeof(input_path), "%s/examples/fuzz.json",
		 scratch);
	snprintf(shown_path, sizeof(shown_path), "%s/examples/shown.json",
		 scratch);
	diag_out = fopen("/dev/null", "we");
	FUZZ_CHECK(diag_out, "/dev/null");
}

/* Load @path as 'config show' does; the JSON, or NULL after errors. */
static char *load(const char *path, unsigned int *ret_errors)
{
	struct vm_config cfg;
	struct cfg_diag d;
	char *json = NULL;
	int r;

	vm_config_init(&cfg);
	cfg_diag_init(&d, diag_out);
	r = vm_config_load_file(&cfg, path, &d);
	FUZZ_CHECK((r < 0) == (d.errors > 0), "load gave %d with %u errors",
		   r, d.errors);
	vm_config_finish(&cfg);
	r = vm_config_check(&cfg, &d);
	FUZZ_CHECK(r == 0 || d.errors, "a failed check reported nothing");
	if (!d.errors)
		FUZZ_CHECK(vm_config_to_json(&cfg, &json) == 0, "to JSON");
	vm_config_free(&cfg);
	*ret_errors = d.errors;
	return json;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json, *again;
	unsigned int errors;

	if (!diag_out)
		setup();
	put_file("examples/fuzz.json", data, size);
	json = load(input_path, &errors);
	if (!json)
		return 0;
	put_file("examples/shown.json", json, strlen(json));
	again = load(shown_path, &errors);
	FUZZ_CHECK(again && !strcmp(json, again),
		   "config show --json does not round-trip:\n%s\n%s\n", json,
		   again ? again : "(errors)");
	free(json);
	free(again);
	return 0;
}
