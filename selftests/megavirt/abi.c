// SPDX-License-Identifier: GPL-2.0
/*
 * The first questions a launcher asks /dev/megavirt, and every way of
 * asking them wrong.  A wrong question gets an error the caller can act
 * on (-ENOTTY, -EINVAL, -EFAULT) and never a line in the kernel log; the
 * test host runner checks the log for that part.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "mv_test.h"

/*
 * Each test opens its own file: the harness runs every test in a child of
 * its own, which closes it on the way out.
 */
TEST(abi_version)
{
	int fd;

	mv_open_or_skip(fd);
	ASSERT_EQ(MEGAVIRT_ABI_VERSION, ioctl(fd, MV_GET_ABI_VERSION));
}

/* The host facts must agree with what the kernel tells everyone else. */
TEST(host_info_matches_host)
{
	int fd;
	struct mv_host_info info = { .size = sizeof(info) };
	char line[8192];
	int pti = 0;
	FILE *f;

	mv_open_or_skip(fd);
	memset(info.reserved, 0xa5, sizeof(info.reserved));
	ASSERT_EQ(0, ioctl(fd, MV_GET_HOST_INFO, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(MEGAVIRT_ABI_VERSION, info.abi_version);
	EXPECT_NE(0, info.tsc_khz);
	for (unsigned int i = 0; i < 4; i++)
		EXPECT_EQ(0, info.reserved[i]);

	/* This test host boots 5-level unless told no5lvl. */
	EXPECT_EQ(mv_cmdline_has("no5lvl") ? 4 : 5, info.paging_levels);
	EXPECT_EQ(info.paging_levels == 5, !!(info.flags & MV_HOST_LA57));

	/* The kernel shows X86_FEATURE_PTI as "pti" among the CPU flags. */
	f = fopen("/proc/cpuinfo", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			pti = strstr(line, " pti") != NULL;
			break;
		}
	fclose(f);
	EXPECT_EQ(pti, !!(info.flags & MV_HOST_KPTI));
	if (mv_cmdline_has("pti=on"))
		EXPECT_TRUE(info.flags & MV_HOST_KPTI);
}

/* A newer caller's longer structure: ours filled, the rest zeroed. */
TEST(host_info_longer_caller)
{
	int fd;
	unsigned char buf[sizeof(struct mv_host_info) + 32];
	struct mv_host_info *info = (void *)buf;

	mv_open_or_skip(fd);
	memset(buf, 0xff, sizeof(buf));
	info->size = sizeof(buf);
	ASSERT_EQ(0, ioctl(fd, MV_GET_HOST_INFO, buf));
	EXPECT_EQ(sizeof(struct mv_host_info), info->size);
	for (size_t i = sizeof(*info); i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]);
}

TEST(host_info_too_short)
{
	int fd;
	struct mv_host_info info = { .size = sizeof(info) - 1 };

	mv_open_or_skip(fd);
	EXPECT_EQ(-1, ioctl(fd, MV_GET_HOST_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.size = 0;
	EXPECT_EQ(-1, ioctl(fd, MV_GET_HOST_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

static const char *read_into(void *p)
{
	int zero = open("/dev/zero", O_RDONLY);
	ssize_t n = read(zero, p, 8);

	close(zero);
	return n < 0 ? strerror(errno) : "went through";
}

TEST(host_info_bad_pointers)
{
	int fd;
	struct mv_host_info *ro;

	mv_open_or_skip(fd);
	EXPECT_EQ(-1, ioctl(fd, MV_GET_HOST_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, MV_GET_HOST_INFO, (void *)1));
	EXPECT_EQ(EFAULT, errno);
	/* A kernel address is as foreign to the caller as an unmapped one. */
	EXPECT_EQ(-1, ioctl(fd, MV_GET_HOST_INFO, (void *)0xffffffff81000000ul));
	EXPECT_EQ(EFAULT, errno);

	/* Readable, so the size is read; not writable, so the answer fails. */
	ro = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	/* A guard page, so nothing else can be mapped right after it. */
	ASSERT_EQ(0, mprotect((char *)ro + 4096, 4096, PROT_NONE));
	ro->size = sizeof(*ro);
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ));
	/* The kernel's own writes fail there too, or this test proves nothing. */
	ASSERT_STREQ("Bad address", read_into(ro));
	EXPECT_EQ(-1, ioctl(fd, MV_GET_HOST_INFO, ro));
	EXPECT_EQ(EFAULT, errno);

	/* A structure that runs off the end of the mapping. */
	ASSERT_EQ(0, mprotect(ro, 4096, PROT_READ | PROT_WRITE));
	ro = (void *)((char *)ro + 4096 - 8);
	ro->size = sizeof(*ro);
	EXPECT_EQ(-1, ioctl(fd, MV_GET_HOST_INFO, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap((char *)ro - (4096 - 8), 8192);
}

/* Every number we do not know, in every direction and size: -ENOTTY. */
TEST(unknown_ioctls)
{
	int fd;
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE,
					     _IOC_READ | _IOC_WRITE };
	static const unsigned int sizes[] = { 0, 1, 8, sizeof(struct mv_host_info),
					      4095, 16383 };
	unsigned char buf[16384] = { 0 };
	unsigned int d, s, nr, cmd, tried = 0;

	mv_open_or_skip(fd);
	for (d = 0; d < 4; d++)
		for (s = 0; s < 6; s++)
			for (nr = 0; nr < 256; nr++) {
				cmd = _IOC(dirs[d], MEGAVIRT_IOCTL_BASE, nr, sizes[s]);
				if (cmd == MV_GET_ABI_VERSION || cmd == MV_GET_HOST_INFO)
					continue;
				tried++;
				ASSERT_EQ(-1, ioctl(fd, cmd, buf))
					TH_LOG("ioctl 0x%x was accepted", cmd);
				ASSERT_EQ(ENOTTY, errno) TH_LOG("ioctl 0x%x", cmd);
			}
	EXPECT_EQ(4 * 6 * 256 - 2, tried);

	/* Other types, including KVM's own numbers, are not ours either. */
	EXPECT_EQ(-1, ioctl(fd, _IO('T', 1), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, 0, buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, 0xffffffff, buf));
	EXPECT_EQ(ENOTTY, errno);
}

/* The right number with the wrong size encoded in it is another number. */
TEST(host_info_wrong_encoded_size)
{
	int fd;
	struct mv_host_info info = { .size = sizeof(info) };

	mv_open_or_skip(fd);
	EXPECT_EQ(-1, ioctl(fd, _IOWR(MEGAVIRT_IOCTL_BASE, 0xe1, __u64), &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOR(MEGAVIRT_IOCTL_BASE, 0xe1, struct mv_host_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOW(MEGAVIRT_IOCTL_BASE, 0xe0, int), &info));
	EXPECT_EQ(ENOTTY, errno);
}

/* The device is an ioctl door: read, write and mmap are refused cleanly. */
TEST(no_read_write_mmap)
{
	int fd;
	char c = 0;

	mv_open_or_skip(fd);
	EXPECT_EQ(-1, read(fd, &c, 1));
	EXPECT_EQ(-1, write(fd, &c, 1));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0));
}

TEST_HARNESS_MAIN
