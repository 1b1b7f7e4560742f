/*
 * cmd_version.c - `talon version`: print "talon <version>".
 *
 * TL_VERSION is set by the Makefile: the VERSION file, plus `git describe`
 * when the source is a git checkout ("0.1.0+1a2b3c4-dirty").
 */
#include "cli/cli.h"

#include <stdio.h>

#ifndef TL_VERSION
#define TL_VERSION "unknown"
#endif

int tl_cli_version(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "talon version: takes no arguments\n");
		return TL_CLI_USAGE;
	}
	(void)argv;
	printf("talon %s\n", TL_VERSION);
	return TL_CLI_OK;
}
