/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The one contract between megavirt.ko, mvlaunch, the guest and the tests.
 *
 * Everything that crosses /dev/megavirt is described here, in fixed-width
 * types only, so that a 64-bit launcher, the module and the selftests agree
 * byte for byte.  Documentation/abi.rst tells the same story with each
 * ioctl's capability, parameters, returns and errors.  A number, once
 * published, is never reused: a retired ioctl keeps its slot reserved.
 */
#ifndef _UAPI_LINUX_MEGAVIRT_H
#define _UAPI_LINUX_MEGAVIRT_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * The ABI version moves only when an existing ioctl changes meaning.  New
 * ioctls are discovered by asking for them (an unknown one answers -ENOTTY),
 * the way KVM's capabilities are.
 */
#define MEGAVIRT_ABI_VERSION	1

#define MEGAVIRT_IOCTL_BASE	0xAE	/* shared with KVM's range, numbers differ */

/*
 * MV_GET_ABI_VERSION: the first call a launcher makes.  It carries no
 * argument and returns MEGAVIRT_ABI_VERSION; a launcher built for another
 * version must refuse to go on.
 */
#define MV_GET_ABI_VERSION	_IO(MEGAVIRT_IOCTL_BASE, 0xe0)

/*
 * MV_GET_HOST_INFO: what the module found on this host at load time, for
 * the launcher's diagnostics and the tests.  The caller sets @size to the
 * size of the structure it knows; the module fills at most that much and
 * answers -EINVAL to a size smaller than the version-1 layout, so a future
 * longer structure stays compatible both ways.
 */
struct mv_host_info {
	__u32 size;		/* in: sizeof(struct mv_host_info) */
	__u32 abi_version;	/* out: MEGAVIRT_ABI_VERSION */
	__u32 flags;		/* out: MV_HOST_* below */
	__u32 paging_levels;	/* out: 4 or 5 */
	__u64 tsc_khz;		/* out: host TSC frequency */
	__u64 reserved[4];	/* out: zero */
};

#define MV_HOST_KPTI		(1U << 0)	/* page table isolation is on */
#define MV_HOST_SMAP		(1U << 1)
#define MV_HOST_SMEP		(1U << 2)
#define MV_HOST_UMIP		(1U << 3)
#define MV_HOST_LA57		(1U << 4)	/* 5-level paging is in use */

#define MV_GET_HOST_INFO	_IOWR(MEGAVIRT_IOCTL_BASE, 0xe1, struct mv_host_info)

#endif /* _UAPI_LINUX_MEGAVIRT_H */
