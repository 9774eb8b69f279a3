// SPDX-License-Identifier: GPL-2.0-only
/*
 * exec-clock COMMAND [ARGS...]: prints "exec-clock: NS", CLOCK_MONOTONIC
 * just before COMMAND is forked and executed, then waits for it and exits
 * with its status. bench/startup subtracts NS from the first KVM_RUN's
 * CLOCK_MONOTONIC time that cvmm --stats reports, which gives exec (and
 * the dynamic loader, and main()'s set-up) to the first KVM_RUN; the rig
 * has no shell clock finer than 10 ms.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec ts;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: exec-clock COMMAND [ARGS...]\n");
		return 2;
	}
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	pid = fork();
	if (pid < 0) {
		perror("exec-clock: fork");
		return 1;
	}
	if (pid == 0) {
		execv(argv[1], argv + 1);
		perror("exec-clock: exec");
		_exit(127);
	}
	printf("exec-clock: %lld\n",
	       (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec);
	if (waitpid(pid, &status, 0) < 0) {
		perror("exec-clock: waitpid");
		return 1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}
