/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every megavirt selftest needs: the way to /dev/megavirt, and a SKIP
 * (not a failure) when the module is not there to test.
 */
#ifndef MV_TEST_H
#define MV_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "megavirt.h"

#define MV_DEV "/dev/megavirt"

/* Open the device, or skip the test if the module is not loaded. */
#define mv_open_or_skip(fd) do {					\
	(fd) = open(MV_DEV, O_RDWR | O_CLOEXEC);			\
	if ((fd) < 0 && errno == ENOENT)				\
		SKIP(return, MV_DEV " is absent: module not loaded");	\
	ASSERT_LE(0, (fd)) TH_LOG("open " MV_DEV ": %s", strerror(errno)); \
} while (0)

/* The module's reference count, as the kernel reports it; -1 if absent. */
static inline long mv_module_refcnt(void)
{
	FILE *f = fopen("/sys/module/megavirt/refcnt", "r");
	long n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * How much of a long test to run.  The full count is what the issue asks
 * for and runs in the default configuration; the other test-host runs set
 * MV_QUICK=1 in selftests/tests.list, which scales a count or a duration
 * down by @div, so the same code paths run in every paging mode without
 * paying the full time three times (Documentation/build-and-test.rst).
 */
static inline long mv_scaled(long full, long div)
{
	const char *q = getenv("MV_QUICK");

	if (!q || !strcmp(q, "0"))
		return full;
	return full / div > 0 ? full / div : 1;
}

/* Does /proc/cmdline carry this word? */
static inline int mv_cmdline_has(const char *word)
{
	char buf[4096], *tok, *save;
	FILE *f = fopen("/proc/cmdline", "r");
	size_t len;

	if (!f)
		return 0;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			return 1;
	return 0;
}

#endif
