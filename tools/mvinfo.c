// SPDX-License-Identifier: GPL-2.0
/*
 * mvinfo: is megavirt here, and what did it find on this host?  The first
 * thing to run on a new node, and what a bug report should start with.
 * See Documentation/man/mvinfo.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "megavirt.h"

enum { EXIT_OK, EXIT_USAGE = 2, EXIT_NODEV, EXIT_ABI };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mvinfo [--device PATH] [--quiet]\n"
		"\n"
		"Show whether megavirt.ko is loaded, its ABI version and what it\n"
		"found on this host (paging depth, KPTI, SMAP, SMEP, UMIP, TSC).\n"
		"\n"
		"  -d, --device PATH  the device to ask (default /dev/megavirt)\n"
		"  -q, --quiet        print nothing; the exit status tells\n"
		"  -h, --help         this text\n"
		"\n"
		"Exit status: 0 usable, 2 usage error, 3 no device (module not\n"
		"loaded or no permission), 4 ABI version this mvinfo does not know.\n");
}

static const char *on(__u32 flags, __u32 bit)
{
	return (flags & bit) ? "on" : "off";
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = "/dev/megavirt";
	struct mv_host_info info = { .size = sizeof(info) };
	int quiet = 0, fd, version, c;

	while ((c = getopt_long(argc, argv, "d:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dev = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (!quiet)
			fprintf(stderr, "mvinfo: %s: %s%s\n", dev, strerror(errno),
				errno == ENOENT ? " (is megavirt.ko loaded?)" : "");
		return EXIT_NODEV;
	}
	version = ioctl(fd, MV_GET_ABI_VERSION);
	if (version != MEGAVIRT_ABI_VERSION) {
		if (!quiet)
			fprintf(stderr, "mvinfo: %s speaks ABI version %d, this mvinfo knows %d\n",
				dev, version, MEGAVIRT_ABI_VERSION);
		return EXIT_ABI;
	}
	if (ioctl(fd, MV_GET_HOST_INFO, &info)) {
		if (!quiet)
			fprintf(stderr, "mvinfo: host info: %s\n", strerror(errno));
		return EXIT_ABI;
	}
	close(fd);
	if (quiet)
		return EXIT_OK;

	printf("device:        %s\n", dev);
	printf("abi version:   %u\n", info.abi_version);
	printf("paging:        %u-level\n", info.paging_levels);
	printf("kpti:          %s\n", on(info.flags, MV_HOST_KPTI));
	printf("smap:          %s\n", on(info.flags, MV_HOST_SMAP));
	printf("smep:          %s\n", on(info.flags, MV_HOST_SMEP));
	printf("umip:          %s\n", on(info.flags, MV_HOST_UMIP));
	printf("tsc:           %llu kHz\n", (unsigned long long)info.tsc_khz);
	return EXIT_OK;
}
