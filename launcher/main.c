// SPDX-License-Identifier: GPL-2.0
/*
 * mvlaunch: the tiny launcher that replaces QEMU for megavirt's guests.
 * This is where to start reading.
 *
 *   main.c        parse, check, run (this file)
 *   options.c     the command line
 *   preflight.c   every check that can be made before a guest starts
 *   fleet.c       --count: one process per guest, progress, summary
 *   guest.c       one guest's life, in its own process
 *   engine.c      the engine table; kvm.c and megavirt.c, the engines
 *   memory.c      guest RAM;  boot.c, acpi.c  what the kernel reads;
 *                 vmlinux.c, kcache.c  the kernel decompressed once per
 *                 node;  elf.c  ELF test images, for the megavirt engine
 *   bus.c         address -> device;  serial.c, power.c  port I/O
 *   virtio_mmio.c, virtqueue.c   the transport and the rings
 *   console.c, rng.c, balloon.c, blk.c, net.c   the virtio devices
 *   output.c, ioloop.c, caps.c       console output, main loop, privileges
 *   consock.c     the console socket: recent output and input, per guest
 *   log.c         our own messages
 *
 * The man page is Documentation/mvlaunch.rst.
 */
#include "guest.h"

int main(int argc, char **argv)
{
	struct boot_image img;
	struct mv_config cfg;
	int ret;

	ret = options__parse(&cfg, argc, argv);
	if (ret)
		return ret < 0 ? MV_EXIT_OK : ret;
	ret = preflight__check(&cfg, &img);
	if (!ret)
		ret = fleet__run(&cfg, &img);
	options__free(&cfg);
	return ret;
}
