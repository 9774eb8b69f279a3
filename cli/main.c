// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "build-config.h"
#include "cli/config.h"

int main(void)
{
	printf("cvmm %s\n", CVMM_VERSION);
	return 0;
}
