/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mvlaunch: the process level.  What the user asked for (options.c), what
 * was checked before anything started (preflight.c), and how one or many
 * guest processes are started and accounted for (main.c, fleet.c).
 *
 * Reading order: main.c -> options.c -> preflight.c -> fleet.c -> guest.c
 * (guest.h) -> engine.c, kvm.c, megavirt.c -> boot.c, elf.c ->
 * virtio_mmio.c (virtio.h).
 */
#ifndef MVLAUNCH_H
#define MVLAUNCH_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define KIB		(1024ULL)
#define MIB		(1024ULL * KIB)
#define GIB		(1024ULL * MIB)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define BIT(n)		(1U << (n))
#define BIT_ULL(n)	(1ULL << (n))

/* The kernel's spellings; userspace has no linux/compiler.h to lend them. */
#define MV_ATTR(x)	__attribute__((x))
#define __printf(a, b)	MV_ATTR(format(printf, a, b))
#define __noreturn	MV_ATTR(noreturn)

/* @x rounded up to a multiple of @a, a power of two. */
static inline u64 align_up(u64 x, u64 a)
{
	return (x + a - 1) & ~(a - 1);
}

/*
 * Exit status.  These are promised in Documentation/mvlaunch.rst; a fleet
 * exits with the worst of its guests' statuses, and 128 + the signal when
 * it was stopped by SIGINT or SIGTERM.
 */
enum mv_exit {
	MV_EXIT_OK	= 0,	/* every guest powered off or rebooted */
	MV_EXIT_GUEST	= 1,	/* a guest panicked, crashed or was killed */
	MV_EXIT_USAGE	= 2,	/* the command line is wrong */
	MV_EXIT_INPUT	= 3,	/* a file given is unusable */
	MV_EXIT_HOST	= 4,	/* this host cannot run what was asked */
	MV_EXIT_INTERNAL = 5,	/* the launcher itself failed while running */
	MV_EXIT_SIGNAL	= 128,	/* + signal number */
};

enum mv_restart {
	RESTART_NO,		/* a guest that ends stays ended */
	RESTART_ON_FAILURE,	/* restart after a panic or crash */
	RESTART_ALWAYS,		/* restart whenever it ends, until stopped */
};

enum mv_console {
	CONSOLE_SERIAL,		/* console=ttyS0: from the first message */
	CONSOLE_VIRTIO,		/* console=hvc0: once virtio_console is up */
};

/* Which ways the virtio-mmio devices are announced to the guest. */
#define ANNOUNCE_ACPI		BIT(0)	/* DSDT devices "LNRO0005" */
#define ANNOUNCE_CMDLINE	BIT(1)	/* virtio_mmio.device= */

/* The limits we promise in the man page. */
#define MV_MEM_MIN		(16 * MIB)
#define MV_MEM_MAX		(3 * GIB)	/* below the MMIO hole */
#define MV_COUNT_MAX		65536U
#define MV_INDEX_MAX		((1U << 24) - 1)	/* fits the MAC */
#define MV_NODE_MAX		65535U

/* Everything the command line says, parsed and range-checked. */
struct mv_config {
	const char *kernel;
	const char *initrd;		/* NULL: none */
	u64 mem;			/* bytes of guest RAM */
	unsigned int count;
	unsigned int batch;		/* 0: all at once */
	bool paused;			/* release every guest together */
	const char *engine;		/* "auto", "kvm" or "megavirt" */
	char *append;			/* extra command line, may be NULL */
	unsigned int node;
	unsigned int first_index;
	const char *disk;		/* read-only block image */
	const char *tap;		/* tap name, may hold one %d */
	const char *bridge;		/* create taps and attach them here */
	const char *log_dir;		/* per-guest console logs */
	const char *console_dir;	/* per-guest console sockets */
	const char *ready_marker;	/* console line that means "up" */
	enum mv_console console;
	unsigned int announce;		/* ANNOUNCE_* */
	enum mv_restart restart;
	bool rng;
	bool balloon;
	bool ksm;
	bool overcommit;
	bool progress;
	bool progress_lines;		/* --progress: also without a tty */
	bool stats;
	bool guest_decompress;		/* the bzImage decompresses itself */
	const char *kernel_cache;	/* decompressed kernels; NULL: none */
	char *kernel_cache_default;	/* what it points to, if allocated */
};

/* main.c: */
extern const char *mv_prog;
void __printf(1, 2) mv_err(const char *fmt, ...);
void __printf(1, 2) mv_info(const char *fmt, ...);

/* options.c: */
int options__parse(struct mv_config *cfg, int argc, char **argv);
int options__parse_size(const char *s, u64 *bytes);
int options__parse_uint(const char *s, unsigned int max, unsigned int *out);
void options__usage(void);
void options__free(struct mv_config *cfg);

/* preflight.c: */
struct boot_image;
int preflight__check(const struct mv_config *cfg, struct boot_image *img);
int preflight__tap_name(const struct mv_config *cfg, unsigned int index,
			char *name, size_t len);

/* fleet.c: */
int fleet__run(const struct mv_config *cfg, const struct boot_image *img);

/* caps.c: */
int caps__drop_all(void);

#endif /* MVLAUNCH_H */
