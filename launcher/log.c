// SPDX-License-Identifier: GPL-2.0
/*
 * Messages to the operator, on stderr, each prefixed with our name so
 * they stand out from the guests' consoles on the same terminal.
 */
#include <stdarg.h>
#include <stdio.h>

#include "mvlaunch.h"

const char *mv_prog = "mvlaunch";

void mv_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: error: ", mv_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void mv_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", mv_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
