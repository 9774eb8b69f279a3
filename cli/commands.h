/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cvmm subcommands. Each takes argv with argv[0] = its own name and
 * returns the process exit status.
 */
#ifndef CVMM_COMMANDS_H
#define CVMM_COMMANDS_H

/* Exit statuses, as documented in the README. */
enum cvmm_exit {
	CVMM_EXIT_OK = 0,
	CVMM_EXIT_FAILURE = 1, /* runtime error or guest failure */
	CVMM_EXIT_USAGE = 2,   /* usage or config error */
	CVMM_EXIT_NO_CAP = 3,  /* the host lacks a needed capability */
};

int cmd_run(int argc, char **argv);
int cmd_caps(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_measure(int argc, char **argv);

#endif
