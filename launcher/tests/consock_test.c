// SPDX-License-Identifier: GPL-2.0
/*
 * consock.c: the ring that keeps a guest's recent output, and the console
 * socket itself driven through output.c as a guest process drives it:
 * the replay on connect, live output, typed input, a stale socket left
 * by a killed launcher, one in use, and the cleanup at the end.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "../guest.h"

static char typed[256];
static size_t typed_len;

void guest__set_up(struct guest *g)
{
}

void guest__set_panic(struct guest *g, const char *reason)
{
}

void guest__console_input(struct guest *g, const u8 *buf, size_t len)
{
	memcpy(typed + typed_len, buf, len);
	typed_len += len;
}

/* The ring's replay as one string. */
static void recent(const struct ring *r, char *out)
{
	struct iovec iov[2];
	unsigned int n = ring__recent(r, iov), i;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		strncat(out, iov[i].iov_base, iov[i].iov_len);
}

TEST(ring_keeps_everything_until_it_wraps)
{
	u8 buf[16];
	struct ring r = { .buf = buf, .size = sizeof(buf) };
	char out[32];

	recent(&r, out);
	ASSERT_STREQ("", out);
	ring__put(&r, "abc", 3);
	ring__put(&r, "\ndef", 4);
	recent(&r, out);
	ASSERT_STREQ("abc\ndef", out);
}

TEST(wrapped_ring_replays_from_a_whole_line)
{
	u8 buf[16];
	struct ring r = { .buf = buf, .size = sizeof(buf) };
	char out[32];

	ring__put(&r, "line one\n", 9);
	ring__put(&r, "line two\n", 9);
	ring__put(&r, "three", 5);
	ASSERT_EQ(23, r.written);
	recent(&r, out);
	ASSERT_STREQ("line two\nthree", out);
}

TEST(write_larger_than_the_ring_keeps_its_end)
{
	u8 buf[16];
	struct ring r = { .buf = buf, .size = sizeof(buf) };
	char out[32];

	ring__put(&r, "x", 1);
	ring__put(&r, "0123456789abcdefghijklmnopqrstuv", 32);
	ASSERT_EQ(33, r.written);
	recent(&r, out);
	ASSERT_STREQ("ghijklmnopqrstuv", out);
}

TEST(socket_path_must_fit_sun_path)
{
	char path[4096], dir[200];

	ASSERT_EQ(0, consock__path("/run/mv", 42, path, sizeof(path)));
	ASSERT_STREQ("/run/mv/guest-42.sock", path);
	memset(dir, 'd', sizeof(dir) - 1);
	dir[sizeof(dir) - 1] = '\0';
	ASSERT_EQ(-1, consock__path(dir, 0, path, sizeof(path)));
}

FIXTURE(sock) {
	char dir[256];
	char path[300];
	struct mv_config cfg;
	struct guest g;
};

FIXTURE_SETUP(sock)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(self->dir, sizeof(self->dir), "%s/consock_test.XXXXXX",
		 tmp ? tmp : "/tmp");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	self->cfg.count = 2;
	self->cfg.log_dir = self->dir;
	self->cfg.console_dir = self->dir;
	self->g.cfg = &self->cfg;
	self->g.index = 1;
	snprintf(self->path, sizeof(self->path), "%s/guest-1.sock",
		 self->dir);
	typed_len = 0;
	ASSERT_EQ(0, ioloop__init(&self->g.loop));
}

FIXTURE_TEARDOWN(sock)
{
	char log[300];

	snprintf(log, sizeof(log), "%s/guest-1.log", self->dir);
	unlink(log);
	unlink(self->path);
	rmdir(self->dir);
	ioloop__exit(&self->g.loop);
}

/* One turn of the guest's main loop: run what is ready. */
static void pump(struct guest *g)
{
	struct epoll_event ev[8];
	int n, i;

	n = epoll_wait(g->loop.epfd, ev, 8, 1000);
	for (i = 0; i < n; i++) {
		struct io_handler *h = ev[i].data.ptr;

		h->cb(h->arg, ev[i].events);
	}
}

static int dial(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(a.sun_path, path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void read_str(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
}

TEST_F(sock, replay_live_output_and_typed_input)
{
	struct stat st;
	char buf[256];
	int fd;

	ASSERT_EQ(0, output__init(&self->g.out, &self->g));
	ASSERT_EQ(0, stat(self->path, &st));
	ASSERT_TRUE(S_ISSOCK(st.st_mode));
	ASSERT_EQ(0600, st.st_mode & 0777);
	output__write(&self->g.out, "early line\n", 11);

	fd = dial(self->path);
	ASSERT_LE(0, fd);
	pump(&self->g);
	read_str(fd, buf, sizeof(buf));
	ASSERT_STREQ("early line\n", buf);

	output__write(&self->g.out, "login: ", 7);
	read_str(fd, buf, sizeof(buf));
	ASSERT_STREQ("login: ", buf);

	ASSERT_EQ(5, write(fd, "root\n", 5));
	pump(&self->g);
	ASSERT_EQ(5, typed_len);
	ASSERT_EQ(0, memcmp(typed, "root\n", 5));

	output__exit(&self->g.out);
	ASSERT_NE(0, stat(self->path, &st));
	ASSERT_EQ(0, read(fd, buf, sizeof(buf)));
	close(fd);
}

TEST_F(sock, a_fifth_connection_is_turned_away)
{
	int fd[CONSOCK_CLIENTS + 1], i;
	char buf[256];

	ASSERT_EQ(0, output__init(&self->g.out, &self->g));
	for (i = 0; i <= CONSOCK_CLIENTS; i++) {
		fd[i] = dial(self->path);
		ASSERT_LE(0, fd[i]);
		pump(&self->g);
	}
	read_str(fd[CONSOCK_CLIENTS], buf, sizeof(buf));
	ASSERT_NE(NULL, strstr(buf, "too many connections"));
	output__write(&self->g.out, "to all\n", 7);
	for (i = 0; i < CONSOCK_CLIENTS; i++) {
		read_str(fd[i], buf, sizeof(buf));
		ASSERT_STREQ("to all\n", buf);
	}
	output__exit(&self->g.out);
	for (i = 0; i <= CONSOCK_CLIENTS; i++)
		close(fd[i]);
}

TEST_F(sock, stale_socket_is_replaced_live_one_is_not)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct guest other = { .cfg = &self->cfg, .index = 1 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	/* What a SIGKILLed guest process leaves: a socket nobody serves. */
	strcpy(a.sun_path, self->path);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	close(fd);
	ASSERT_FALSE(consock__in_use(self->path));
	ASSERT_EQ(0, output__init(&self->g.out, &self->g));
	ASSERT_TRUE(consock__in_use(self->path));

	ASSERT_EQ(0, ioloop__init(&other.loop));
	ASSERT_NE(0, output__init(&other.out, &other));
	ASSERT_TRUE(consock__in_use(self->path));
	ioloop__exit(&other.loop);
	output__exit(&self->g.out);
	ASSERT_FALSE(consock__in_use(self->path));
}

TEST_HARNESS_MAIN
