// SPDX-License-Identifier: GPL-2.0
/*
 * The megavirt engine: a guest on /dev/megavirt.  Read after engine.c and
 * kvm.c; the contract is kernel/uapi/megavirt.h (Documentation/abi.rst).
 *
 * Where KVM gives us a whole PC, megavirt gives us a CPU that runs the
 * guest kernel in ring 1 and stops for three things only: a hypercall
 * that is ours, an access to device space, and the guest's end.  There is
 * no port I/O and no interrupt controller: a device's interrupt is a
 * vector of the guest's IDT, and the rule that turns one into the other
 * is ours (MV_IRQ_VECTOR below, documented in Documentation/mvlaunch.rst).
 * Everything else - virtio-mmio, the console, the fleet - is the device
 * model the kvm engine uses, unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/elf.h>

#include "../kernel/uapi/megavirt.h"
#include "guest.h"

#define MEGAVIRT_DEV		"/dev/megavirt"

/*
 * A device's interrupt line @gsi is raised as vector 0x30 + @gsi: where
 * Linux itself puts the legacy ISA interrupts (ISA_IRQ_VECTOR), clear of
 * the exceptions and of the clock event's MV_TIMER_VECTOR (0x20).
 */
#define MV_IRQ_VECTOR(gsi)	(0x30 + (gsi))

/* The whole device window, every virtio-mmio slot. */
#define MV_MMIO_SIZE		(GUEST_MAX_VDEVS * VIRTIO_MMIO_STRIDE)

struct mv_vm {
	int fd;
	struct mv_run run;
};

/*
 * Say why @version is not ours, or return 0.  Separate from the ioctl so
 * that the unit tests can show every message without a module.
 */
int megavirt__check_abi(const char *dev, int version, int err, char *why,
			size_t len)
{
	if (version == MEGAVIRT_ABI_VERSION)
		return 0;
	if (version < 0 && (err == ENOTTY || err == EINVAL))
		snprintf(why, len,
			 "%s does not answer MV_GET_ABI_VERSION: not a megavirt device",
			 dev);
	else if (version < 0)
		snprintf(why, len, "%s: MV_GET_ABI_VERSION: %s", dev,
			 strerror(err));
	else
		snprintf(why, len,
			 "%s speaks megavirt ABI version %d, this mvlaunch speaks version %d: load the megavirt.ko built with this mvlaunch",
			 dev, version, MEGAVIRT_ABI_VERSION);
	return MV_EXIT_HOST;
}

/* Open the device and check its ABI version; -1 with @why on failure. */
static int mv_open(char *why, size_t len)
{
	int fd = open(MEGAVIRT_DEV, O_RDWR | O_CLOEXEC);
	int version;

	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(why, len,
				 "%s does not exist: load the megavirt module (insmod megavirt.ko) or use --engine kvm",
				 MEGAVIRT_DEV);
		else if (errno == EACCES || errno == EPERM)
			snprintf(why, len,
				 "no permission to open %s (give the user access to it)",
				 MEGAVIRT_DEV);
		else
			snprintf(why, len, "cannot open %s: %s", MEGAVIRT_DEV,
				 strerror(errno));
		return -1;
	}
	version = ioctl(fd, MV_GET_ABI_VERSION, 0);
	if (megavirt__check_abi(MEGAVIRT_DEV, version, errno, why, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int mv_probe(char *why, size_t len)
{
	int fd = mv_open(why, len);

	if (fd < 0)
		return MV_EXIT_HOST;
	close(fd);
	return 0;
}

static int mv_create(struct guest *g)
{
	struct mv_vm *vm = calloc(1, sizeof(*vm));
	char why[200];

	if (!vm)
		return guest__fail(g, "out of memory");
	g->engine_data = vm;
	vm->fd = mv_open(why, sizeof(why));
	if (vm->fd < 0) {
		guest__end(g, GUEST_FAILED, "%s", why);
		return -1;
	}
	return 0;
}

/* The guest is created with its memory: guest-physical 0 is our RAM's. */
static int mv_add_memory(struct guest *g)
{
	struct mv_vm *vm = g->engine_data;
	struct mv_guest_config c = {
		.mem_base = (u64)(unsigned long)g->mem.hva,
		.mem_size = g->mem.size,
		.mmio_base = VIRTIO_MMIO_BASE,
		.mmio_size = MV_MMIO_SIZE,
	};

	if (ioctl(vm->fd, MV_CREATE_GUEST, &c) < 0)
		return guest__fail(g, "MV_CREATE_GUEST");
	return 0;
}

/*
 * A Linux guest built for megavirt (CONFIG_MEGAVIRT_GUEST) names its
 * paravirtual entry in an ELF note: owner "megavirt", type 1, the entry's
 * virtual address.  The decompressor and startup_64 would fault in ring 1,
 * so that is where it must start.  Returns 0 when vmlinux has no note.
 */
#define MV_NOTE_ENTRY	1

static u64 note_entry(const u8 *f, size_t size)
{
	const struct elf64_hdr *eh = (const void *)f;
	const struct elf64_phdr *ph = (const void *)(f + eh->e_phoff);
	const struct elf64_note *n;
	u64 off, end, step;
	unsigned int i;

	for (i = 0; i < eh->e_phnum; i++, ph++) {
		if (ph->p_type != PT_NOTE || ph->p_offset > size ||
		    ph->p_filesz > size - ph->p_offset)
			continue;
		off = ph->p_offset;
		end = off + ph->p_filesz;
		while (end - off >= sizeof(*n)) {
			n = (const void *)(f + off);
			step = sizeof(*n) + align_up(n->n_namesz, 4) +
			       align_up(n->n_descsz, 4);
			if (step > end - off)
				break;
			if (n->n_namesz == sizeof("megavirt") &&
			    n->n_type == MV_NOTE_ENTRY && n->n_descsz == 8 &&
			    !memcmp(n + 1, "megavirt", sizeof("megavirt"))) {
				u64 entry;

				memcpy(&entry, (const u8 *)(n + 1) +
				       align_up(n->n_namesz, 4), 8);
				return entry;
			}
			off += step;
		}
	}
	return 0;
}

/* The entry of a bzImage's vmlinux (vmlinux.c checked its headers). */
static u64 pv_entry(const struct boot_image *img)
{
	void *map;
	u64 entry;

	if (img->vmlinux_fd < 0)
		return 0;
	map = mmap(NULL, img->vmlinux_size, PROT_READ, MAP_SHARED,
		   img->vmlinux_fd, 0);
	if (map == MAP_FAILED)
		return 0;
	entry = note_entry(map, img->vmlinux_size);
	munmap(map, img->vmlinux_size);
	return entry;
}

/*
 * The ABI's boot state: ring 1, long mode, our page tables at cr3 (the
 * ones boot.c built serve: the identity map and the kernel's own
 * mapping), %rsi = boot_params.  The module picks the segments and RFLAGS
 * itself.  A Linux kernel starts at its paravirtual entry; a test image
 * at its own.
 */
static int mv_set_boot_state(struct guest *g)
{
	struct mv_vm *vm = g->engine_data;
	u64 rip = g->img->elf ? g->boot.rip : pv_entry(g->img);
	struct mv_regs r = {
		.rip = rip,
		.rsi = g->boot.rsi,
		.rsp = g->boot.rsp,
		.cr3 = g->boot.cr3,
		.rflags = 0x202,
	};

	if (!rip) {
		if (g->img->vmlinux_fd < 0)
			guest__end(g, GUEST_FAILED,
				   "megavirt needs a kernel mvlaunch unpacks itself (an xz-compressed bzImage built with CONFIG_MEGAVIRT_GUEST)");
		else
			guest__end(g, GUEST_FAILED,
				   "this kernel has no megavirt entry point: build it with CONFIG_MEGAVIRT_GUEST (guest/config)");
		return -1;
	}
	if (ioctl(vm->fd, MV_SET_REGS, &r) < 0)
		return guest__fail(g, "MV_SET_REGS");
	return 0;
}

static int mv_irqfd(struct guest *g, u32 gsi, int fd)
{
	struct mv_vm *vm = g->engine_data;
	struct mv_eventfd e = { .fd = fd, .value = MV_IRQ_VECTOR(gsi) };

	return ioctl(vm->fd, MV_IRQFD, &e) < 0 ? -1 : 0;
}

/*
 * megavirt's MMIO ioeventfd fires on any write to the address, whatever
 * its value: there is no data match.  The device model knows
 * (kick_any_value) and gives us one eventfd per device, not per queue.
 *
 * The same eventfd also answers MV_HC_NOTIFY with the register's address
 * as its value: the paravirtual kick, which spares the guest the decoded
 * MMIO write (a page fault and the decoder) and the launcher nothing.
 */
static int mv_ioeventfd(struct guest *g, u64 addr, u32 len, u64 match,
			int fd)
{
	struct mv_vm *vm = g->engine_data;
	struct mv_eventfd e = {
		.fd = fd, .flags = MV_IOEVENTFD_MMIO, .value = addr,
	};

	(void)len;
	(void)match;
	if (ioctl(vm->fd, MV_IOEVENTFD, &e) < 0)
		return -1;
	e.flags = 0;
	return ioctl(vm->fd, MV_IOEVENTFD, &e) < 0 ? -1 : 0;
}

/* A rising line is one interrupt; nothing to do when it falls. */
static int mv_irq_line(struct guest *g, u32 gsi, int level)
{
	struct mv_vm *vm = g->engine_data;
	u32 vector = MV_IRQ_VECTOR(gsi);

	if (!level)
		return 0;
	return ioctl(vm->fd, MV_INTERRUPT, &vector) < 0 ? -1 : 0;
}

/* MV_HC_CONSOLE_WRITE: the guest's early console, text in its memory. */
static u64 console_write(struct guest *g, u64 gpa, u64 len)
{
	const void *p;

	if (len > 4096)
		len = 4096;
	p = mem__ptr(&g->mem, gpa, len);
	if (!p)
		return (u64)-22;	/* -EINVAL: not in guest memory */
	output__write(&g->out, p, len);
	return len;
}

static void hypercall(struct guest *g, struct mv_run *run)
{
	if (run->hypercall.nr == MV_HC_CONSOLE_WRITE)
		run->hypercall.ret = console_write(g, run->hypercall.args[0],
						   run->hypercall.args[1]);
	else
		run->hypercall.ret = (u64)-MV_ENOSYS;
}

/* The guest's end, in the launcher's words; the exit codes follow. */
static void guest_end(struct guest *g, struct mv_run *run)
{
	const char *why = run->end.reason;

	switch (run->exit_reason) {
	case MV_EXIT_SHUTDOWN:
		guest__end(g, GUEST_POWEROFF, "powered off");
		break;
	case MV_EXIT_REBOOT:
		guest__end(g, GUEST_REBOOT, "rebooted");
		break;
	default:
		if (run->end.origin == MV_CRASH_GUEST)
			guest__end(g, GUEST_PANIC, "%s",
				   why[0] ? why : "the guest reported a crash");
		else
			guest__end(g, GUEST_CRASH,
				   "killed by megavirt: %s (trap %u at rip %#llx)",
				   why, run->end.trap,
				   (unsigned long long)run->end.rip);
	}
}

/* One exit; false when the vCPU must not run again. */
static bool handle_exit(struct guest *g, struct mv_run *run)
{
	switch (run->exit_reason) {
	case MV_EXIT_HYPERCALL:
		hypercall(g, run);
		return true;
	case MV_EXIT_MMIO:
		if (!run->mmio.is_write)
			run->mmio.data = 0;
		guest__mmio(g, run->mmio.addr, (u8 *)&run->mmio.data,
			    run->mmio.size, run->mmio.is_write);
		return true;
	case MV_EXIT_NOTIFY:
		/* A value no device registered: nothing to wake. */
		return true;
	case MV_EXIT_SHUTDOWN:
	case MV_EXIT_REBOOT:
	case MV_EXIT_CRASH:
		guest_end(g, run);
		return false;
	default:
		guest__end(g, GUEST_CRASH, "unexpected megavirt exit %u",
			   run->exit_reason);
		return false;
	}
}

/*
 * The vCPU thread's whole life.  The answer to a hypercall or an MMIO
 * read travels back in the same struct mv_run, so it is reused as is.
 */
static int mv_run(struct guest *g)
{
	struct mv_vm *vm = g->engine_data;

	while (!guest__ended(g)) {
		vm->run.flags = 0;
		if (ioctl(vm->fd, MV_RUN, &vm->run) < 0) {
			if (errno == EINTR)
				continue;
			return guest__fail(g, "MV_RUN");
		}
		if (!handle_exit(g, &vm->run))
			break;
	}
	return 0;
}

/*
 * From another thread: MV_RUN returns EINTR on a signal, also from a
 * halted guest.  A kick that lands just before the vCPU thread enters
 * MV_RUN is lost; guest.c repeats it until the thread is gone.
 */
static void mv_kick(struct guest *g)
{
	if (g->engine_data && g->vcpu_started)
		pthread_kill(g->vcpu_thread, SIGUSR1);
}

static void mv_dump(struct guest *g)
{
	struct mv_vm *vm = g->engine_data;
	struct mv_regs r;

	if (!vm || vm->fd < 0 || ioctl(vm->fd, MV_GET_REGS, &r))
		return;
	mv_info("guest %u: vCPU at rip %#llx rsp %#llx rflags %#llx cr3 %#llx cs %#x",
		g->index, (unsigned long long)r.rip,
		(unsigned long long)r.rsp, (unsigned long long)r.rflags,
		(unsigned long long)r.cr3, r.cs);
}

static void mv_destroy(struct guest *g)
{
	struct mv_vm *vm = g->engine_data;

	if (!vm)
		return;
	if (vm->fd >= 0)
		close(vm->fd);
	free(vm);
	g->engine_data = NULL;
}

/*
 * For --stats: how often the guest came back to the host, and why.  The
 * fast path's work never shows here: that is the point of it.
 */
static void mv_stats(struct guest *g, char *buf, size_t len)
{
	struct mv_vm *vm = g->engine_data;
	struct mv_stats st = { .size = sizeof(st) };

	if (!vm || vm->fd < 0 || ioctl(vm->fd, MV_GET_STATS, &st))
		return;
	snprintf(buf, len, "; %llu exits: %llu page faults, %llu hypercalls, %llu interrupts",
		 (unsigned long long)st.exits,
		 (unsigned long long)st.page_faults,
		 (unsigned long long)st.hypercalls,
		 (unsigned long long)st.interrupts);
}

const struct engine_ops megavirt_engine = {
	.name = "megavirt",
	.dev_path = MEGAVIRT_DEV,
	.kick_any_value = true,
	.no_pio = true,
	.probe = mv_probe,
	.create = mv_create,
	.add_memory = mv_add_memory,
	.set_boot_state = mv_set_boot_state,
	.irqfd = mv_irqfd,
	.ioeventfd = mv_ioeventfd,
	.irq_line = mv_irq_line,
	.run = mv_run,
	.kick = mv_kick,
	.dump = mv_dump,
	.stats = mv_stats,
	.destroy = mv_destroy,
};
