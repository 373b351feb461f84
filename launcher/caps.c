// SPDX-License-Identifier: GPL-2.0
/*
 * Least privilege.  Read after guest.c, which calls this once every
 * device is open and before the guest runs a single instruction.
 *
 * After that point nothing we do needs a capability: KVM ioctls on an
 * open fd, reads and writes on an open tap, preadv on an open image.  So
 * everything goes: the bounding set (while CAP_SETPCAP still allows it),
 * the ambient set, then the permitted, effective and inheritable sets,
 * and no_new_privs keeps an exec from gaining any back.  The vCPU thread
 * is started afterwards and inherits the empty sets.
 */
#include <errno.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "mvlaunch.h"

int caps__drop_all(void)
{
	cap_t caps;
	int ret;
	unsigned long c;

	/* Unprivileged, this fails with EPERM; there is nothing to drop. */
	for (c = 0; c < (unsigned long)cap_max_bits(); c++)
		prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

	caps = cap_init();
	if (!caps)
		return -1;
	ret = cap_set_proc(caps);
	cap_free(caps);
	if (ret)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return 0;
}
