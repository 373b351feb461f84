// SPDX-License-Identifier: GPL-2.0
/*
 * What root does once per node before a normal user may run guests with
 * networking: make a persistent tap owned by that user (busybox's tunctl
 * cannot set an owner).  unprivileged.sh uses it.
 *
 * usage: mktap NAME UID    make it
 *        mktap -d NAME     remove it
 */
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int del = argc == 3 && !strcmp(argv[1], "-d");
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: mktap NAME UID | mktap -d NAME\n");
		return 2;
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[del ? 2 : 1]);
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror("mktap: /dev/net/tun");
		return 1;
	}
	if (!del && ioctl(fd, TUNSETOWNER, strtoul(argv[2], NULL, 10)) < 0) {
		perror("mktap: TUNSETOWNER");
		return 1;
	}
	if (ioctl(fd, TUNSETPERSIST, del ? 0 : 1) < 0) {
		perror("mktap: TUNSETPERSIST");
		return 1;
	}
	return 0;
}
