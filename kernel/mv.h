/* SPDX-License-Identifier: GPL-2.0 */
/*
 * megavirt.ko's private header, and its table of contents: each block below
 * names a file and the functions it offers the others.  Read the files in
 * this order: main.c (is this host fit?), device.c (/dev/megavirt).
 */
#ifndef _MV_H
#define _MV_H

#include <linux/types.h>
#include <linux/printk.h>

#include "uapi/megavirt.h"

#undef pr_fmt
#define pr_fmt(fmt) "megavirt: " fmt

/* main.c: what the host looked like when the module was loaded. */
void mv_fill_host_info(struct mv_host_info *info);

/* device.c: /dev/megavirt. */
int mv_device_register(void);
void mv_device_unregister(void);

#endif /* _MV_H */
