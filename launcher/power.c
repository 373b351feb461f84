// SPDX-License-Identifier: GPL-2.0
/*
 * How a guest asks to stop.  Read after acpi.c, whose FADT points here.
 *
 *   poweroff   ACPI S5: SLP_TYP=5 with SLP_EN written to the sleep
 *              control register (port 0x600).
 *   reboot     the ACPI reset register (port 0x602), or, with reboot=k
 *              on the command line, command 0xfe to the keyboard
 *              controller (port 0x64) - what `reboot` and a panic with
 *              panic=-1 use.  We never reboot in place: the guest ends,
 *              and guest__end() turns a reboot that followed a "Kernel
 *              panic" line on the console into a reported panic.
 */
#include <string.h>

#include "guest.h"

#define PORT_SLEEP_CONTROL	0x600
#define PORT_SLEEP_STATUS	0x601
#define PORT_RESET		0x602
#define PORT_KBD_DATA		0x60
#define PORT_KBD_STATUS		0x64

#define SLP_EN			0x20
#define SLP_TYP(v)		(((v) >> 2) & 7)
#define S5			5
#define KBD_RESET		0xfe

/*
 * Both devices read as zeros: the sleep status says never awake again
 * (the kernel stops there), the 8042's status says its input buffer is
 * empty.  True for a read, which is then done.
 */
static bool read_zero(u8 *data, u32 len, bool write)
{
	if (!write)
		memset(data, 0, len);
	return !write;
}

static void acpi_access(struct bus_dev *d, u64 off, u8 *data, u32 len,
			bool write)
{
	struct guest *g = d->priv;

	if (read_zero(data, len, write))
		return;
	if (off == PORT_SLEEP_CONTROL - PORT_SLEEP_CONTROL &&
	    (data[0] & SLP_EN) && SLP_TYP(data[0]) == S5)
		guest__end(g, GUEST_POWEROFF, "powered off");
	else if (off == PORT_RESET - PORT_SLEEP_CONTROL && data[0] == 1)
		guest__end(g, GUEST_REBOOT, "rebooted (ACPI reset)");
}

/*
 * Just enough of an 8042 for the reset command: the status port reads
 * "input buffer empty" so the kernel's kb_wait() returns at once.
 */
static void kbd_access(struct bus_dev *d, u64 off, u8 *data, u32 len,
		       bool write)
{
	struct guest *g = d->priv;

	if (read_zero(data, len, write))
		return;
	if (off == PORT_KBD_STATUS - PORT_KBD_DATA && data[0] == KBD_RESET)
		guest__end(g, GUEST_REBOOT, "rebooted (keyboard controller)");
}

static struct bus_dev acpi_dev = {
	.base = PORT_SLEEP_CONTROL,
	.len = 3,
	.access = acpi_access,
};

static struct bus_dev kbd_dev = {
	.base = PORT_KBD_DATA,
	.len = 5,
	.access = kbd_access,
};

static int power__init(struct guest *g)
{
	acpi_dev.priv = g;
	kbd_dev.priv = g;
	if (bus__register(&g->pio, &acpi_dev) ||
	    bus__register(&g->pio, &kbd_dev))
		return -1;
	return 0;
}

dev_init(power__init, DEV_ORDER_PLATFORM);
