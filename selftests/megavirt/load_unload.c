// SPDX-License-Identifier: GPL-2.0
/*
 * Load and unload the module fifty times.  Each unload must take its
 * device node and its /sys/module entry with it, each load must bring a
 * working device back, and an open file must keep the module in.  The
 * module is left loaded for the tests that follow.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mv_test.h"

#define ROUNDS 50

static int load_with(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

/* With the parameters this host needs (the test host's init sets them). */
static int load(const char *path)
{
	const char *params = getenv("MV_MODULE_PARAMS");

	return load_with(path, params ? params : "");
}

static int unload(void)
{
	return syscall(SYS_delete_module, "megavirt", O_NONBLOCK);
}

static int loaded(void)
{
	struct stat st;

	return stat("/sys/module/megavirt", &st) == 0;
}

/* devtmpfs removes the node from a workqueue; give it a moment. */
static int wait_dev(int present)
{
	struct stat st;
	int i;

	for (i = 0; i < 200; i++) {
		if ((stat(MV_DEV, &st) == 0) == present)
			return 1;
		usleep(10000);
	}
	return 0;
}

FIXTURE(mod) {
	const char *path;
};

FIXTURE_SETUP(mod)
{
	self->path = getenv("MV_MODULE");
	if (!self->path || access(self->path, R_OK))
		SKIP(return, "MV_MODULE does not name a readable megavirt.ko");
	if (!loaded())
		ASSERT_EQ(0, load(self->path)) TH_LOG("load: %s", strerror(errno));
}

FIXTURE_TEARDOWN(mod)
{
	if (self->path && !loaded())
		load(self->path);
}

TEST_F(mod, load_unload_50)
{
	int i, fd;

	for (i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(0, unload()) TH_LOG("round %d unload: %s", i, strerror(errno));
		ASSERT_FALSE(loaded());
		ASSERT_TRUE(wait_dev(0)) TH_LOG("round %d: " MV_DEV " outlived the module", i);

		ASSERT_EQ(0, load(self->path)) TH_LOG("round %d load: %s", i, strerror(errno));
		ASSERT_TRUE(wait_dev(1)) TH_LOG("round %d: no " MV_DEV " after load", i);
		fd = open(MV_DEV, O_RDWR);
		ASSERT_LE(0, fd);
		ASSERT_EQ(MEGAVIRT_ABI_VERSION, ioctl(fd, MV_GET_ABI_VERSION));
		close(fd);
	}
}

TEST_F(mod, open_file_pins_module)
{
	int fd = open(MV_DEV, O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, unload());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(loaded());
	EXPECT_EQ(MEGAVIRT_ABI_VERSION, ioctl(fd, MV_GET_ABI_VERSION));
	close(fd);
	EXPECT_EQ(0, unload());
	EXPECT_FALSE(loaded());
}

TEST_F(mod, loading_twice_is_refused)
{
	EXPECT_EQ(-1, load(self->path));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_TRUE(loaded());
}

/*
 * An emulated CPU without an invariant TSC is refused unless the loader
 * says it knows; the refusal loads nothing.
 */
TEST_F(mod, inconstant_tsc_needs_consent)
{
	char line[8192];
	int constant = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			constant = strstr(line, " constant_tsc") != NULL;
			break;
		}
	fclose(f);
	if (constant)
		SKIP(return, "this host has a constant TSC");

	ASSERT_EQ(0, unload());
	EXPECT_EQ(-1, load_with(self->path, ""));
	EXPECT_EQ(ENODEV, errno);
	EXPECT_FALSE(loaded());
	EXPECT_EQ(0, load_with(self->path, "allow_inconstant_tsc=1"));
	EXPECT_TRUE(loaded());
}

TEST_HARNESS_MAIN
