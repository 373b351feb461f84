// SPDX-License-Identifier: GPL-2.0
/*
 * The node's kernel cache (--kernel-cache): one decompressed vmlinux per
 * bzImage payload, shared by every fleet of the node.  Read after
 * vmlinux.c, which asks here before decompressing anything itself.
 *
 * vmlinux.c maps the decompressed kernel copy-on-write into every guest,
 * so the pages no guest writes stay one copy.  In a sealed memfd that
 * copy belongs to one mvlaunch: two fleets on a node would decompress
 * twice and share nothing.  A file does better: every fleet that boots
 * the same payload maps the same file, so the same page-cache pages, and
 * only the first one pays for the decompression.
 *
 * A file is not sealed, so what keeps it as it was written is who may
 * write it: the cache directory must be ours and writable by nobody else
 * (we make it 0700), and a finished file is 0444 and ours.  Anything
 * else is not used, and the kernel goes to a private memfd as before.
 *
 * The name is the payload's length and CRC-64 (liblzma's): the same
 * compressed bytes, the same vmlinux.  Writers never collide: each
 * decompresses into a temporary file and link()s it into place, which
 * fails if another got there first; then the other's file is used.  A
 * file that does not parse is removed and made again (vmlinux.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"

/* Ours, a directory, and nobody else can write into it. */
static bool safe_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return false;
	return !stat(dir, &st) && S_ISDIR(st.st_mode) &&
	       st.st_uid == geteuid() && !(st.st_mode & 022);
}

/* Ours, a regular file, and read-only for everyone. */
static bool safe_file(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode) &&
	       st.st_uid == geteuid() && !(st.st_mode & 0222);
}

int kcache__name(const char *dir, const u8 *payload, size_t len, char *buf,
		 size_t buflen)
{
	int n = snprintf(buf, buflen, "%s/vmlinux-%zu-%016llx", dir, len,
			 (unsigned long long)lzma_crc64(payload, len, 0));

	return n < 0 || (size_t)n >= buflen ? -1 : 0;
}

/* Decompress into a temporary file and put it in place as @path. */
static int fill(const char *dir, const char *path, const u8 *payload,
		size_t len, int (*unpack)(const u8 *, size_t, int))
{
	char tmp[4096];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s/.vmlinux-XXXXXX", dir) >=
	    (int)sizeof(tmp))
		return -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (unpack(payload, len, fd) || fchmod(fd, 0444) ||
	    (link(tmp, path) && errno != EEXIST)) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	unlink(tmp);
	return 0;
}

/*
 * The cached vmlinux for @payload in @dir, made with @unpack if it is not
 * there yet: a read-only fd, with *@hit telling whether it was there.
 * -1 if the cache cannot be used (then decompress privately).
 */
int kcache__open(const char *dir, const u8 *payload, size_t len,
		 int (*unpack)(const u8 *, size_t, int), bool *hit)
{
	char path[4096];
	int fd;

	*hit = false;
	if (!dir || !safe_dir(dir) ||
	    kcache__name(dir, payload, len, path, sizeof(path)))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		*hit = true;
	else if (errno == ENOENT && !fill(dir, path, payload, len, unpack))
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0 && !safe_file(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A cached file that did not parse: remove it, so it is made anew. */
void kcache__forget(const char *dir, const u8 *payload, size_t len)
{
	char path[4096];

	if (dir && !kcache__name(dir, payload, len, path, sizeof(path)))
		unlink(path);
}
