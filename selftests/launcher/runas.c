// SPDX-License-Identifier: GPL-2.0
/*
 * Run a command as another user, with no supplementary groups and no
 * capabilities left (busybox's setpriv cannot change the uid, and the
 * test host has no passwd file for su).  unprivileged.sh uses it.
 *
 * usage: runas UID COMMAND [ARGS...]
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	uid_t id;

	if (argc < 3) {
		fprintf(stderr, "usage: runas UID COMMAND [ARGS...]\n");
		return 2;
	}
	id = strtoul(argv[1], NULL, 10);
	if (setgroups(0, NULL) || setgid(id) || setuid(id)) {
		perror("runas");
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
