// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/megavirt: the door a launcher knocks on.  Read after main.c.
 *
 * One open file will be one guest.  For now the door only answers the two
 * questions every launcher asks first (which ABI, which host) and turns away
 * everything else with the error a caller can act on: -ENOTTY for an ioctl
 * it does not know, -EFAULT for a pointer it cannot follow and -EINVAL for
 * a structure whose declared size makes no sense.  None of these is worth a
 * line in the host's log: a launcher cannot make this module warn.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "mv.h"

/*
 * The caller tells us how much of struct mv_host_info it knows.  Anything
 * shorter than version 1 is a broken caller; a longer one is a newer caller,
 * who gets what we have and zeroes for the rest of its own size.
 */
static long get_host_info(struct mv_host_info __user *uinfo)
{
	struct mv_host_info info;
	u32 size;

	if (get_user(size, &uinfo->size))
		return -EFAULT;
	if (size < sizeof(info))
		return -EINVAL;

	mv_fill_host_info(&info);
	if (copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	if (size > sizeof(info) &&
	    clear_user((u8 __user *)uinfo + sizeof(info), size - sizeof(info)))
		return -EFAULT;
	return 0;
}

static long mv_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case MV_GET_ABI_VERSION:
		return MEGAVIRT_ABI_VERSION;
	case MV_GET_HOST_INFO:
		return get_host_info((struct mv_host_info __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations mv_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= mv_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice mv_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "megavirt",
	.fops	= &mv_fops,
	.mode	= 0660,
};

int mv_device_register(void)
{
	int err = misc_register(&mv_misc);

	if (err)
		pr_err("cannot register /dev/megavirt: error %d\n", err);
	return err;
}

void mv_device_unregister(void)
{
	misc_deregister(&mv_misc);
}
