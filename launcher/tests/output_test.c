// SPDX-License-Identifier: GPL-2.0
/*
 * output.c's line scanner: which console lines make a guest "up" and
 * which are the kernel's panic, with the reason we report.
 */
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../guest.h"

#define MARKER	"megavirt-guest: ready"
#define PANIC_LINE "[    2.204518] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)"
#define PANIC_END_LINE "[    3.1] ---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100 ]---"
#define ECHOED_LINE "[    0.000000] Command line: console=ttyS0 mv.run='echo megavirt-guest: ready'"
#define ORDINARY_LINE "[    0.5] virtio_blk virtio1: [vda] 2048 512-byte logical blocks"

static int ups;
static char panic[200];

void guest__set_up(struct guest *g)
{
	ups++;
}

void guest__set_panic(struct guest *g, const char *reason)
{
	snprintf(panic, sizeof(panic), "%s", reason);
}

void guest__console_input(struct guest *g, const u8 *buf, size_t len)
{
}

struct scan {
	bool panic;
	bool up;
	char reason[200];
};

static struct scan scan(const char *line)
{
	struct scan s = { 0 };

	s.panic = output__scan(line, MARKER, s.reason, sizeof(s.reason),
			       &s.up);
	return s;
}

TEST(panic_line_gives_its_reason)
{
	struct scan s = scan(PANIC_LINE);

	ASSERT_TRUE(s.panic);
	ASSERT_FALSE(s.up);
	ASSERT_STREQ("VFS: Unable to mount root fs on unknown-block(0,0)",
		     s.reason);
}

TEST(end_of_panic_line_loses_its_frame)
{
	struct scan s = scan(PANIC_END_LINE);

	ASSERT_TRUE(s.panic);
	ASSERT_STREQ("Attempted to kill init! exitcode=0x00000100", s.reason);
}

TEST(marker_makes_the_guest_up)
{
	ASSERT_TRUE(scan(MARKER).up);
	ASSERT_TRUE(scan("init: " MARKER " (pid 1)").up);
	ASSERT_FALSE(scan(MARKER).panic);
}

TEST(marker_on_the_echoed_command_line_does_not)
{
	ASSERT_FALSE(scan(ECHOED_LINE).up);
	ASSERT_FALSE(scan("[    0.01] Kernel command line: x " MARKER).up);
}

TEST(ordinary_lines)
{
	struct scan s = scan(ORDINARY_LINE);

	ASSERT_FALSE(s.panic);
	ASSERT_FALSE(s.up);
	ASSERT_FALSE(scan("").up);
}

TEST(no_marker_means_never_up)
{
	bool up = false;
	char r[16];

	output__scan(MARKER, "", r, sizeof(r), &up);
	ASSERT_FALSE(up);
	output__scan(MARKER, NULL, r, sizeof(r), &up);
	ASSERT_FALSE(up);
}

#define CHUNK2 "lo\r\nmegavirt-guest: ready\nKernel panic - not sync"
#define CHUNK3 "ing: oops\nlast"
#define EXPECTED "guest 3: hello\nguest 3: megavirt-guest: ready\nguest 3: Kernel panic - not syncing: oops\nguest 3: last\n"

/* Many guests on one stdout: whole lines, prefixed, however they come. */
TEST(lines_are_assembled_and_prefixed)
{
	struct mv_config cfg = { .count = 4, .ready_marker = MARKER };
	struct guest g = { .cfg = &cfg, .index = 3 };
	char buf[256] = "";
	int p[2], saved = dup(STDOUT_FILENO);

	ASSERT_EQ(0, pipe(p));
	dup2(p[1], STDOUT_FILENO);
	ASSERT_EQ(0, output__init(&g.out, &g));
	dup2(saved, STDOUT_FILENO);
	g.out.fd = p[1];
	output__write(&g.out, "hel", 3);
	output__write(&g.out, CHUNK2, strlen(CHUNK2));
	output__write(&g.out, CHUNK3, strlen(CHUNK3));
	output__flush(&g.out);
	close(p[1]);
	ASSERT_LT(0, read(p[0], buf, sizeof(buf) - 1));
	ASSERT_STREQ(EXPECTED, buf);
	ASSERT_EQ(1, ups);
	ASSERT_STREQ("oops", panic);
}

TEST_HARNESS_MAIN
