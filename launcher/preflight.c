// SPDX-License-Identifier: GPL-2.0
/*
 * Everything that can be checked before a guest starts, is.  Read after
 * options.c.  A fleet of a thousand guests that fails on guest 1 because
 * of a typo would leave 999 processes, taps and logs to clean up; here
 * nothing has been created yet, so a refusal leaves nothing behind.
 *
 * In order: the kernel and initramfs (boot.c parses the bzImage header),
 * --mem against what that kernel needs, the disk image and log
 * directory, the engine's device, the taps and bridge, and finally
 * whether the host can hold --count guests at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "guest.h"

static double mib(u64 bytes)
{
	return (double)bytes / MIB;
}

static int check_mem(const struct mv_config *cfg, const struct boot_image *img)
{
	u64 initrd = align_up(img->initrd_size, 4096);
	u64 need = img->mem_min + align_up(initrd, MIB);

	if (initrd >= cfg->mem) {
		mv_err("%s (%.1f MiB) is larger than --mem %llu MiB",
		       cfg->initrd, mib(img->initrd_size),
		       (unsigned long long)(cfg->mem / MIB));
		return MV_EXIT_USAGE;
	}
	if (cfg->mem < need) {
		char extra[64] = "";

		if (initrd)
			snprintf(extra, sizeof(extra),
				 ", and the initramfs %.2f MiB", mib(initrd));
		mv_err("--mem %lluM is too small for %s: it loads at %.0f MiB and needs %.1f MiB from there to start (init_size)%s; use at least --mem %lluM",
		       (unsigned long long)(cfg->mem / MIB), cfg->kernel,
		       mib(img->load_addr), mib(img->init_size), extra,
		       (unsigned long long)(need / MIB));
		return MV_EXIT_USAGE;
	}
	return 0;
}

/* A directory we can create files in, for --log-dir and --console-socket. */
static int check_dir(const char *opt, const char *dir)
{
	struct stat st;

	if (stat(dir, &st)) {
		mv_err("--%s %s: %s", opt, dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		mv_err("--%s %s: not a directory", opt, dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK)) {
		mv_err("--%s %s: %s", opt, dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Every guest's console socket must fit a socket address, and none may
 * belong to a running mvlaunch: two fleets would fight over the names.
 * A socket left by a killed launcher is stale and will be replaced.
 */
static int check_sockets(const struct mv_config *cfg)
{
	char path[4096];
	unsigned int i;
	struct stat st;

	if (!cfg->console_dir)
		return 0;
	for (i = cfg->first_index; i - cfg->first_index < cfg->count; i++) {
		if (consock__path(cfg->console_dir, i, path, sizeof(path))) {
			mv_err("--console-socket %s: %s/guest-%u.sock is too long for a socket address (%zu bytes at most)",
			       cfg->console_dir, cfg->console_dir, i,
			       sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
			return MV_EXIT_INPUT;
		}
		if (!lstat(path, &st) && !S_ISSOCK(st.st_mode)) {
			mv_err("--console-socket: %s exists and is not a socket",
			       path);
			return MV_EXIT_INPUT;
		}
		if (!lstat(path, &st) && consock__in_use(path)) {
			mv_err("--console-socket: %s is in use by a running mvlaunch",
			       path);
			return MV_EXIT_INPUT;
		}
	}
	return 0;
}

static int check_files(const struct mv_config *cfg)
{
	struct stat st;
	int fd;

	if (cfg->disk) {
		fd = open(cfg->disk, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			mv_err("--disk %s: %s", cfg->disk, strerror(errno));
			if (fd >= 0)
				close(fd);
			return MV_EXIT_INPUT;
		}
		close(fd);
		if (!S_ISREG(st.st_mode) || st.st_size < 512) {
			mv_err("--disk %s: %s", cfg->disk,
			       S_ISREG(st.st_mode) ?
			       "smaller than one 512-byte sector" :
			       "not a regular file");
			return MV_EXIT_INPUT;
		}
	}
	if (cfg->log_dir && check_dir("log-dir", cfg->log_dir))
		return MV_EXIT_INPUT;
	if (cfg->console_dir && check_dir("console-socket", cfg->console_dir))
		return MV_EXIT_INPUT;
	return check_sockets(cfg);
}

/* The tap of guest @index: --tap with %d filled in, or "mvt<index>". */
int preflight__tap_name(const struct mv_config *cfg, unsigned int index,
			char *name, size_t len)
{
	const char *pct = cfg->tap ? strchr(cfg->tap, '%') : NULL;
	int n;

	if (!cfg->tap)
		n = snprintf(name, len, "mvt%u", index);
	else if (pct)
		n = snprintf(name, len, "%.*s%u%s", (int)(pct - cfg->tap),
			     cfg->tap, index, pct + 2);
	else
		n = snprintf(name, len, "%s", cfg->tap);
	if (n < 0 || (size_t)n >= len || n >= IFNAMSIZ) {
		mv_err("tap name for guest %u is longer than %u characters",
		       index, IFNAMSIZ - 1);
		return -1;
	}
	return 0;
}

static int check_net(const struct mv_config *cfg)
{
	char name[64], path[128];
	unsigned int i, idx;
	struct stat st;

	if (!cfg->tap && !cfg->bridge)
		return 0;
	if (access("/dev/net/tun", R_OK | W_OK)) {
		mv_err("/dev/net/tun: %s (%s)", strerror(errno),
		       errno == ENOENT ? "load the tun module?" :
		       "a normal user needs it mode 0666, as udev makes it");
		return MV_EXIT_HOST;
	}
	if (cfg->bridge) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/bridge",
			 cfg->bridge);
		if (strchr(cfg->bridge, '/') || stat(path, &st)) {
			mv_err("--bridge %s: no such bridge", cfg->bridge);
			return MV_EXIT_HOST;
		}
	}
	for (i = 0; i < cfg->count; i++) {
		idx = cfg->first_index + i;
		if (preflight__tap_name(cfg, idx, name, sizeof(name)))
			return MV_EXIT_USAGE;
		if (!cfg->bridge && !if_nametoindex(name)) {
			mv_err("tap %s does not exist (create it with 'ip tuntap add %s mode tap user USER', or give --bridge)",
			       name, name);
			return MV_EXIT_HOST;
		}
		if (cfg->bridge && if_nametoindex(name)) {
			mv_err("tap %s already exists; with --bridge mvlaunch creates its own taps",
			       name);
			return MV_EXIT_HOST;
		}
	}
	return 0;
}

static u64 read_meminfo(const char *key)
{
	char line[128];
	unsigned long long kb = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			kb = strtoull(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb * KIB;
}

/*
 * Can this host hold --count guests?  Each may touch all of its --mem,
 * so without --overcommit we refuse a fleet bigger than RAM plus swap
 * (KSM and small guests make real use lower: that is what --overcommit
 * is for).  And each guest is a process with two threads.
 */
static int check_host(const struct mv_config *cfg)
{
	u64 total = (u64)cfg->count * cfg->mem;
	u64 ram = read_meminfo("MemTotal");
	u64 swap = read_meminfo("SwapTotal");
	struct rlimit rl;

	if (!cfg->overcommit && ram && total > ram + swap) {
		mv_err("--count %u x --mem %lluM = %.1f GiB, more than this host's %.1f GiB of RAM and swap; lower them or pass --overcommit",
		       cfg->count, (unsigned long long)(cfg->mem / MIB),
		       (double)total / GIB, (double)(ram + swap) / GIB);
		return MV_EXIT_HOST;
	}
	if (!getrlimit(RLIMIT_NPROC, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    2ULL * cfg->count + 1 > rl.rlim_cur) {
		mv_err("--count %u needs %u processes and threads, the limit is %llu (ulimit -u)",
		       cfg->count, 2 * cfg->count + 1,
		       (unsigned long long)rl.rlim_cur);
		return MV_EXIT_HOST;
	}
	return 0;
}

int preflight__check(const struct mv_config *cfg, struct boot_image *img)
{
	const struct engine_ops *e;
	char why[256];
	int ret;

	if (boot__open(cfg->kernel, cfg->initrd, img))
		return MV_EXIT_INPUT;
	ret = check_mem(cfg, img);
	if (!ret)
		ret = check_files(cfg);
	if (!ret) {
		e = engine__select(cfg->engine, img, why, sizeof(why), &ret);
		if (!e)
			mv_err("%s", why);
	}
	if (!ret)
		ret = check_net(cfg);
	if (!ret)
		ret = check_host(cfg);
	if (ret || cfg->guest_decompress || img->elf)
		return ret;
	/* Last, as it takes a moment: decompress vmlinux for every guest. */
	if (vmlinux__prepare(img, cfg->kernel_cache) < 0) {
		mv_err("%s: its compressed kernel is corrupt", cfg->kernel);
		return MV_EXIT_INPUT;
	}
	return check_mem(cfg, img);
}
