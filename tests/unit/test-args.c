// SPDX-License-Identifier: GPL-2.0-only
/*
 * Errors the argument parser cannot report as a config error: an
 * allocation that fails while a flag's value is stored must end the
 * command, not let it go on without the value. strdup() fails on demand
 * (the test links with --wrap=strdup).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "config/config.h"
#include "tests/test.h"

/* strdup() of exactly this string fails with ENOMEM. */
static const char *fail_strdup_of;

char *__real_strdup(const char *s);
char *__wrap_strdup(const char *s);

char *__wrap_strdup(const char *s)
{
	if (fail_strdup_of && !strcmp(s, fail_strdup_of)) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

static int parse(const char *const *args, struct vm_config *cfg,
		 char **ret_out)
{
	struct run_options opts;
	struct cfg_diag d;
	char *argv[16];
	size_t len = 0;
	int argc = 0, r;
	FILE *f;

	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	f = open_memstream(ret_out, &len);
	cfg_diag_init(&d, f);
	r = cfg_parse_args(CFG_CMD_RUN, argc, argv, cfg, &opts, &d);
	fclose(f);
	return r;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_flag_out_of_memory_ends_the_command(void)
{
	struct vm_config cfg;
	char *out = NULL;
	int r;

	fail_strdup_of = "mem-hostile";
	r = parse(ARGS("run", "--scenario", "mem-hostile"), &cfg, &out);
	fail_strdup_of = NULL;
	EXPECT(r == -ENOMEM,
	       "a --scenario value that cannot be stored should fail the parse with -ENOMEM, got %d (scenario '%s')",
	       r, cfg.boot.scenario ? cfg.boot.scenario : "(none)");
	EXPECT(out && strstr(out, "cvmm: error: reading the config: Cannot allocate memory"),
	       "the lost value should be reported, got '%s'", out ? out : "");
	vm_config_free(&cfg);
	free(out);
}

static void test_out_of_memory_wins_over_config_errors(void)
{
	struct vm_config cfg;
	char *out = NULL;
	int r;

	fail_strdup_of = "mem-hostile";
	r = parse(ARGS("run", "--vcpus", "0", "--scenario", "mem-hostile"),
		  &cfg, &out);
	fail_strdup_of = NULL;
	EXPECT(r == -ENOMEM,
	       "-ENOMEM after a reported error should still end the parse, got %d",
	       r);
	vm_config_free(&cfg);
	free(out);
}

static void test_flags_stored(void)
{
	struct vm_config cfg;
	char *out = NULL;

	EXPECT(parse(ARGS("run", "--scenario", "mem-hostile"), &cfg, &out) == 0,
	       "the same flags should parse when memory is there: %s", out);
	EXPECT(cfg.boot.scenario && !strcmp(cfg.boot.scenario, "mem-hostile"),
	       "--scenario should be stored");
	vm_config_free(&cfg);
	free(out);
}

int main(void)
{
	static const struct test_case tests[] = {
		TEST_CASE(test_flag_out_of_memory_ends_the_command),
		TEST_CASE(test_out_of_memory_wins_over_config_errors),
		TEST_CASE(test_flags_stored),
	};

	return test_run(tests, ARRAY_SIZE(tests));
}
