// SPDX-License-Identifier: GPL-2.0
/*
 * options.c: sizes, numbers and whole command lines, good and bad.  Each
 * bad one must come back as MV_EXIT_USAGE (2), the status the man page
 * promises for a wrong command line.
 */
#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "../mvlaunch.h"

TEST(sizes)
{
	u64 v;

	ASSERT_EQ(0, options__parse_size("30M", &v));
	ASSERT_EQ(30 * MIB, v);
	ASSERT_EQ(0, options__parse_size("30m", &v));
	ASSERT_EQ(30 * MIB, v);
	ASSERT_EQ(0, options__parse_size("128", &v));
	ASSERT_EQ(128 * MIB, v);
	ASSERT_EQ(0, options__parse_size("512K", &v));
	ASSERT_EQ(512 * KIB, v);
	ASSERT_EQ(0, options__parse_size("2G", &v));
	ASSERT_EQ(2 * GIB, v);
	ASSERT_EQ(0, options__parse_size("30MiB", &v));
	ASSERT_EQ(30 * MIB, v);
	ASSERT_EQ(0, options__parse_size("1GB", &v));
	ASSERT_EQ(GIB, v);
}

TEST(bad_sizes)
{
	u64 v;

	ASSERT_EQ(-EINVAL, options__parse_size("", &v));
	ASSERT_EQ(-EINVAL, options__parse_size("M", &v));
	ASSERT_EQ(-EINVAL, options__parse_size("30X", &v));
	ASSERT_EQ(-EINVAL, options__parse_size("1.5G", &v));
	ASSERT_EQ(-EINVAL, options__parse_size("30MM", &v));
	ASSERT_EQ(-EINVAL, options__parse_size("30Mi", &v));
	ASSERT_EQ(-EINVAL, options__parse_size(" 30M", &v));
	ASSERT_EQ(-ERANGE, options__parse_size("-5M", &v));
	ASSERT_EQ(-ERANGE, options__parse_size("99999999999999999999", &v));
	ASSERT_EQ(-ERANGE, options__parse_size("18014398509481984K", &v));
}

TEST(numbers)
{
	unsigned int v;

	ASSERT_EQ(0, options__parse_uint("0", 10, &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(0, options__parse_uint("65536", 65536, &v));
	ASSERT_EQ(65536, v);
	ASSERT_EQ(-ERANGE, options__parse_uint("65537", 65536, &v));
	ASSERT_EQ(-ERANGE, options__parse_uint("-1", 10, &v));
	ASSERT_EQ(-EINVAL, options__parse_uint("1x", 10, &v));
	ASSERT_EQ(-EINVAL, options__parse_uint("", 10, &v));
	ASSERT_EQ(-EINVAL, options__parse_uint("+1", 10, &v));
	ASSERT_EQ(-ERANGE, options__parse_uint("99999999999999999999", 10, &v));
}

/* Parse a command line given as one string of space-separated words. */
static int parse(struct mv_config *cfg, const char *line)
{
	static char buf[512];
	char *argv[32], *save = NULL, *w;
	int argc = 0;

	snprintf(buf, sizeof(buf), "mvlaunch %s", line);
	for (w = strtok_r(buf, " ", &save); w && argc < 31;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	return options__parse(cfg, argc, argv);
}

TEST(defaults)
{
	struct mv_config cfg;

	ASSERT_EQ(0, parse(&cfg, "bzImage"));
	EXPECT_STREQ("bzImage", cfg.kernel);
	EXPECT_EQ(NULL, cfg.initrd);
	EXPECT_EQ(1, cfg.count);
	EXPECT_EQ(128 * MIB, cfg.mem);
	EXPECT_STREQ("auto", cfg.engine);
	EXPECT_TRUE(cfg.rng);
	EXPECT_TRUE(cfg.ksm);
	EXPECT_EQ(ANNOUNCE_ACPI | ANNOUNCE_CMDLINE, cfg.announce);
}

#define FULL_LINE "--count 4 -m 30M --batch 2 --paused --node 7 --first-index 10 --tap mv%d --restart on-failure --console virtio --virtio-announce acpi --no-rng -a quiet --append loglevel=3 bz initrd"

TEST(a_full_command_line)
{
	struct mv_config cfg;

	ASSERT_EQ(0, parse(&cfg, FULL_LINE));
	EXPECT_EQ(4, cfg.count);
	EXPECT_EQ(30 * MIB, cfg.mem);
	EXPECT_EQ(2, cfg.batch);
	EXPECT_TRUE(cfg.paused);
	EXPECT_EQ(7, cfg.node);
	EXPECT_EQ(10, cfg.first_index);
	EXPECT_STREQ("mv%d", cfg.tap);
	EXPECT_EQ(RESTART_ON_FAILURE, cfg.restart);
	EXPECT_EQ(CONSOLE_VIRTIO, cfg.console);
	EXPECT_EQ(ANNOUNCE_ACPI, cfg.announce);
	EXPECT_FALSE(cfg.rng);
	EXPECT_STREQ("quiet loglevel=3", cfg.append);
	EXPECT_STREQ("initrd", cfg.initrd);
	options__free(&cfg);
}

TEST(options_after_the_files)
{
	struct mv_config cfg;

	ASSERT_EQ(0, parse(&cfg, "bz initrd --mem 256M"));
	EXPECT_EQ(256 * MIB, cfg.mem);
}

/* The console socket, the kernel cache and the progress lines. */
TEST(consoles_cache_and_progress)
{
	struct mv_config cfg;

	setenv("HOME", "/home/op", 1);
	unsetenv("XDG_CACHE_HOME");
	ASSERT_EQ(0, parse(&cfg, "bz"));
	EXPECT_EQ(NULL, cfg.console_dir);
	EXPECT_STREQ("/home/op/.cache/mvlaunch", cfg.kernel_cache);
	EXPECT_TRUE(cfg.progress);
	EXPECT_FALSE(cfg.progress_lines);
	options__free(&cfg);

	setenv("XDG_CACHE_HOME", "/var/cache/op", 1);
	ASSERT_EQ(0, parse(&cfg, "--console-socket /run/mv --progress bz"));
	EXPECT_STREQ("/run/mv", cfg.console_dir);
	EXPECT_STREQ("/var/cache/op/mvlaunch", cfg.kernel_cache);
	EXPECT_TRUE(cfg.progress_lines);
	options__free(&cfg);

	ASSERT_EQ(0, parse(&cfg, "--kernel-cache none --no-progress bz"));
	EXPECT_EQ(NULL, cfg.kernel_cache);
	EXPECT_FALSE(cfg.progress);
	EXPECT_FALSE(cfg.progress_lines);
	options__free(&cfg);

	unsetenv("XDG_CACHE_HOME");
	unsetenv("HOME");
	ASSERT_EQ(0, parse(&cfg, "--kernel-cache /k bz"));
	EXPECT_STREQ("/k", cfg.kernel_cache);
	options__free(&cfg);
	ASSERT_EQ(0, parse(&cfg, "bz"));
	EXPECT_EQ(NULL, cfg.kernel_cache);	/* no $HOME: no cache */
	options__free(&cfg);
}

TEST(batch_is_capped_at_count)
{
	struct mv_config cfg;

	ASSERT_EQ(0, parse(&cfg, "--count 3 --batch 10 bz"));
	EXPECT_EQ(3, cfg.batch);
}

TEST(bad_command_lines)
{
	static const char *const bad[] = {
		"",				/* no kernel */
		"a b c",			/* one file too many */
		"--count 0 bz",
		"--count -4 bz",
		"--count 65537 bz",
		"--count many bz",
		"--mem 30X bz",
		"--mem 4G bz",
		"--mem 8M bz",
		"--mem -30M bz",
		"--mem 30001K bz",		/* not a multiple of 4K */
		"--engine bz",			/* --engine eats bz: no kernel */
		"--restart sometimes bz",
		"--console vga bz",
		"--virtio-announce pci bz",
		"--node 65536 bz",
		"--first-index 16777215 --count 2 bz",
		"--count 2 --tap tap0 bz",	/* one tap for two guests */
		"--count 2 --tap t%d%d bz",
		"--count 2 --tap t%s bz",
		"--log-dir= bz",
		"--console-socket= bz",
		"--kernel-cache= bz",
		"--frobnicate bz",
	};
	struct mv_config cfg;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		TH_LOG("mvlaunch %s", bad[i]);
		EXPECT_EQ(MV_EXIT_USAGE, parse(&cfg, bad[i]));
	}
}

TEST(help_and_version_are_answers)
{
	struct mv_config cfg;

	ASSERT_EQ(-1, parse(&cfg, "--help"));
	ASSERT_EQ(-1, parse(&cfg, "-V"));
}

TEST_HARNESS_MAIN
