// SPDX-License-Identifier: GPL-2.0
/*
 * Messages to the operator, on stderr, each prefixed with our name so
 * they stand out from the guests' consoles on the same terminal.
 */
#include <stdarg.h>
#include <stdio.h>

#include "mvlaunch.h"

const char *mv_prog = "mvlaunch";

static void say(const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", mv_prog, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void mv_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("error: ", fmt, ap);
	va_end(ap);
}

void mv_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say("", fmt, ap);
	va_end(ap);
}
