// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/megavirt: the door a launcher knocks on.  Read after main.c.
 *
 * One open file is one guest, made by MV_CREATE_GUEST and gone when the
 * file is.  Before that the door answers the two questions every launcher
 * asks first (which ABI, which host).  Whatever a caller gets wrong earns
 * the error it can act on: -ENOTTY for an ioctl we do not know, -EFAULT for
 * a pointer we cannot follow, -EINVAL for a structure that makes no sense,
 * -EIO for a guest used from another process than the one whose memory it
 * lives in.  None of these is worth a line in the host's log: a launcher
 * cannot make this module warn.
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

static long create_guest(struct file *file, void __user *arg)
{
	struct mv_guest_config cfg;
	struct mv_guest *g;

	if (copy_from_user(&cfg, arg, sizeof(cfg)))
		return -EFAULT;
	if (READ_ONCE(file->private_data))
		return -EEXIST;
	if (!current->mm)
		return -EINVAL;
	g = mv_guest_create(&cfg);
	if (IS_ERR(g))
		return PTR_ERR(g);
	if (cmpxchg(&file->private_data, NULL, g)) {
		mv_guest_destroy(g);
		return -EEXIST;
	}
	return 0;
}

static long guest_ioctl(struct mv_guest *g, unsigned int cmd, void __user *arg)
{
	struct mv_regs regs;
	long err;

	/* The switcher and guest memory live in the creator's mm only. */
	if (current->mm != g->mm)
		return -EIO;
	if (mutex_lock_killable(&g->lock))
		return -EINTR;
	switch (cmd) {
	case MV_GET_REGS:
		err = mv_get_regs(g, &regs);
		if (!err && copy_to_user(arg, &regs, sizeof(regs)))
			err = -EFAULT;
		break;
	case MV_SET_REGS:
		err = -EFAULT;
		if (!copy_from_user(&regs, arg, sizeof(regs)))
			err = mv_set_regs(g, &regs);
		break;
	case MV_RUN:
		err = mv_run(g, arg);
		break;
	case MV_GET_STATS:
		err = mv_get_stats(g, arg);
		break;
	default:
		err = -ENOTTY;
	}
	mutex_unlock(&g->lock);
	return err;
}

/* MV_IRQFD, MV_IOEVENTFD: no lock either, device threads call them. */
static long bind_eventfd(struct mv_guest *g, unsigned int cmd, void __user *arg)
{
	struct mv_eventfd e;

	if (copy_from_user(&e, arg, sizeof(e)))
		return -EFAULT;
	return cmd == MV_IRQFD ? mv_irqfd(g, &e) : mv_ioeventfd(g, &e);
}

static long mv_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mv_guest *g = READ_ONCE(file->private_data);

	switch (cmd) {
	case MV_GET_ABI_VERSION:
		return MEGAVIRT_ABI_VERSION;
	case MV_GET_HOST_INFO:
		return get_host_info((struct mv_host_info __user *)arg);
	case MV_CREATE_GUEST:
		return create_guest(file, (void __user *)arg);
	case MV_GET_REGS:
	case MV_SET_REGS:
	case MV_RUN:
	case MV_GET_STATS:
		if (!g)
			return -EINVAL;
		return guest_ioctl(g, cmd, (void __user *)arg);
	case MV_INTERRUPT:
		/* no lock: the vCPU may be running, or halted, right now */
		if (!g)
			return -EINVAL;
		if (current->mm != g->mm)
			return -EIO;
		return mv_interrupt(g, (u32 __user *)arg);
	case MV_IRQFD:
	case MV_IOEVENTFD:
		if (!g)
			return -EINVAL;
		if (current->mm != g->mm)
			return -EIO;
		return bind_eventfd(g, cmd, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

/*
 * misc_open() leaves the miscdevice in private_data; we keep the guest
 * there instead, and there is none yet.
 */
static int mv_open(struct inode *inode, struct file *file)
{
	file->private_data = NULL;
	return 0;
}

static int mv_release(struct inode *inode, struct file *file)
{
	struct mv_guest *g = file->private_data;

	if (g)
		mv_guest_destroy(g);
	return 0;
}

static const struct file_operations mv_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= mv_ioctl,
	.open		= mv_open,
	.release	= mv_release,
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
