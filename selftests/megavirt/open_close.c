// SPDX-License-Identifier: GPL-2.0
/*
 * Opening and closing /dev/megavirt a thousand times leaves nothing
 * behind: no file descriptor, no module reference.
 */
#include "kselftest_harness.h"
#include "mv_test.h"

#define ROUNDS 1000

TEST(open_close_1000)
{
	long base, held;
	int fd, first, i;

	mv_open_or_skip(first);
	close(first);
	base = mv_module_refcnt();
	ASSERT_LE(0, base);

	for (i = 0; i < ROUNDS; i++) {
		fd = open(MV_DEV, O_RDWR);
		ASSERT_LE(0, fd) TH_LOG("open %d: %s", i, strerror(errno));
		/* Each round asks something, so the file is really used. */
		ASSERT_EQ(MEGAVIRT_ABI_VERSION, ioctl(fd, MV_GET_ABI_VERSION));
		if (i == ROUNDS / 2) {
			held = mv_module_refcnt();
			EXPECT_EQ(base + 1, held) TH_LOG("an open file must pin the module");
		}
		ASSERT_EQ(0, close(fd));
		/* The lowest free slot again: no descriptor leaked. */
		ASSERT_EQ(first, fd);
	}
	EXPECT_EQ(base, mv_module_refcnt());
}

TEST(many_open_at_once)
{
	int fds[256], i, probe;
	long base;

	mv_open_or_skip(probe);
	close(probe);
	base = mv_module_refcnt();
	for (i = 0; i < 256; i++) {
		fds[i] = open(MV_DEV, O_RDWR);
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(base + 256, mv_module_refcnt());
	for (i = 0; i < 256; i++)
		ASSERT_EQ(MEGAVIRT_ABI_VERSION, ioctl(fds[i], MV_GET_ABI_VERSION));
	for (i = 0; i < 256; i++)
		close(fds[i]);
	EXPECT_EQ(base, mv_module_refcnt());
}

TEST_HARNESS_MAIN
