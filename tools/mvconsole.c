// SPDX-License-Identifier: GPL-2.0
/*
 * mvconsole: attach to a running guest's console through the socket that
 * mvlaunch --console-socket DIR gives each guest (DIR/guest-I.sock; see
 * launcher/consock.c).  On connecting, the guest's recent output arrives
 * first, then its live output; what is typed goes to the guest.
 *
 * Three ways to use it: on a terminal, interactively (Ctrl-] detaches,
 * as in telnet); with standard input from a pipe, which is typed into the
 * guest; and from scripts, with --send and --expect, which is how the
 * tests type a command and wait for its answer.
 * See Documentation/mvconsole.rst.
 */
#define _GNU_SOURCE		/* memmem */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_OK, EXIT_NOT_SEEN, EXIT_USAGE, EXIT_CONNECT };

#define DETACH		0x1d		/* Ctrl-] */
#define QUIET_MS	1000		/* after stdin ends: output stops */
#define EXPECT_MAX	1024

struct session {
	int fd;
	const char *expect;
	size_t expect_len;
	char tail[2 * EXPECT_MAX];	/* output not yet ruled out */
	size_t tail_len;
	int quiet;
	int interactive;
	int stdin_open;
	long timeout_ms;		/* -1: none */
};

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: mvconsole [OPTIONS] SOCKET\n"
		"       mvconsole [OPTIONS] DIR INDEX\n"
		"\n"
		"Attach to a guest's console through the socket mvlaunch\n"
		"--console-socket DIR made for it, DIR/guest-INDEX.sock.  The\n"
		"guest's recent output comes first, then its live output; what\n"
		"you type goes to the guest.  On a terminal, Ctrl-] detaches.\n"
		"\n"
		"  -s, --send TEXT     type TEXT and a newline (may be repeated);\n"
		"                      standard input is then not read\n"
		"  -e, --expect TEXT   exit 0 as soon as the output holds TEXT\n"
		"  -t, --timeout SEC   give up after SEC seconds (default: none;\n"
		"                      30 with --expect)\n"
		"  -q, --quiet         do not copy the guest's output to stdout\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: 0 detached, input ended, the guest went away, or\n"
		"the expected text came; 1 the expected text did not come in time;\n"
		"2 usage error; 3 cannot connect (no such guest, or not running).\n"
		"See mvconsole(1).\n");
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "mvconsole: %s: name too long for a socket\n",
			path);
		return -1;
	}
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "mvconsole: %s: %s%s\n", path, strerror(errno),
			errno == ECONNREFUSED ? " (its guest is not running)" :
			"");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Is the expected text in the output so far?  Only the last
 * expect_len - 1 bytes can begin a match that later bytes complete, so
 * that is all that is kept between reads.
 */
static int seen(struct session *s, const char *buf, size_t n)
{
	size_t keep = s->expect_len - 1, chunk;

	while (n) {
		chunk = sizeof(s->tail) - s->tail_len;
		chunk = chunk < n ? chunk : n;
		memcpy(s->tail + s->tail_len, buf, chunk);
		s->tail_len += chunk;
		buf += chunk;
		n -= chunk;
		if (memmem(s->tail, s->tail_len, s->expect, s->expect_len))
			return 1;
		if (s->tail_len > keep) {
			memmove(s->tail, s->tail + s->tail_len - keep, keep);
			s->tail_len = keep;
		}
	}
	return 0;
}

/* The guest's output.  1: done (expected text seen), -1: connection gone. */
static int from_guest(struct session *s)
{
	char buf[4096];
	ssize_t n = read(s->fd, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -1;
	if (!s->quiet)
		write_all(STDOUT_FILENO, buf, n);
	return s->expect && seen(s, buf, n);
}

/* Our input.  1: detach (Ctrl-] on a terminal), -1: the guest is gone. */
static int to_guest(struct session *s)
{
	char buf[256], *esc;
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		s->stdin_open = 0;
		return 0;
	}
	esc = s->interactive ? memchr(buf, DETACH, n) : NULL;
	if (esc)
		n = esc - buf;
	if (write_all(s->fd, buf, n))
		return -1;
	return esc ? 1 : 0;
}

static int run(struct session *s)
{
	long deadline = s->timeout_ms < 0 ? -1 : now_ms() + s->timeout_ms;
	struct pollfd p[2] = {
		{ .fd = s->fd, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	int wait, ret, was_open, quiet;

	for (;;) {
		was_open = s->stdin_open;
		wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && wait <= 0)
			break;
		/* Input over: show what it caused until the guest is quiet. */
		quiet = !was_open && !s->expect;
		if (quiet && (wait < 0 || wait > QUIET_MS))
			wait = QUIET_MS;
		ret = poll(p, was_open ? 2 : 1, wait);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return EXIT_CONNECT;
		if (ret == 0 && quiet)
			return EXIT_OK;
		if (p[0].revents) {
			ret = from_guest(s);
			if (ret > 0)
				return EXIT_OK;
			if (ret < 0 && !s->expect)
				return EXIT_OK;
			if (ret < 0) {
				fprintf(stderr, "\nmvconsole: the guest went away before \"%s\"\n",
					s->expect);
				return EXIT_NOT_SEEN;
			}
		}
		if (was_open && p[1].revents && to_guest(s))
			return EXIT_OK;
	}
	if (s->expect)
		fprintf(stderr, "\nmvconsole: \"%s\" did not come in %.1f s\n",
			s->expect, s->timeout_ms / 1000.0);
	return s->expect ? EXIT_NOT_SEEN : EXIT_OK;
}

/* On a terminal: keys go to the guest as they are typed, unechoed. */
static int raw_terminal(struct termios *saved)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, saved))
		return -1;
	t = *saved;
	cfmakeraw(&t);
	return tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

static int send_lines(int fd, char **lines, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (write_all(fd, lines[i], strlen(lines[i])) ||
		    write_all(fd, "\n", 1))
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "send", required_argument, NULL, 's' },
		{ "expect", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct session s = { .fd = -1, .timeout_ms = -1, .stdin_open = 1 };
	char path[4096], *end, **sends;
	struct termios saved;
	int nsend = 0, c, ret, raw = 0;
	double secs;

	sends = calloc(argc, sizeof(*sends));
	if (!sends)
		return EXIT_USAGE;
	while ((c = getopt_long(argc, argv, "s:e:t:qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sends[nsend++] = optarg;
			break;
		case 'e':
			s.expect = optarg;
			s.expect_len = strlen(optarg);
			if (!s.expect_len || s.expect_len > EXPECT_MAX) {
				fprintf(stderr, "mvconsole: --expect: 1 to %d characters\n",
					EXPECT_MAX);
				return EXIT_USAGE;
			}
			break;
		case 't':
			secs = strtod(optarg, &end);
			if (*end || end == optarg || secs <= 0 || secs > 1e6) {
				fprintf(stderr, "mvconsole: --timeout '%s': %s\n",
					optarg, "not a number of seconds");
				return EXIT_USAGE;
			}
			s.timeout_ms = secs * 1000;
			break;
		case 'q':
			s.quiet = 1;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind == 1) {
		snprintf(path, sizeof(path), "%s", argv[optind]);
	} else if (argc - optind == 2 &&
		   strspn(argv[optind + 1], "0123456789") ==
		   strlen(argv[optind + 1]) && argv[optind + 1][0]) {
		snprintf(path, sizeof(path), "%s/guest-%s.sock", argv[optind],
			 argv[optind + 1]);
	} else {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (s.expect && s.timeout_ms < 0)
		s.timeout_ms = 30000;
	if (nsend || s.expect)
		s.stdin_open = 0;
	s.interactive = s.stdin_open && isatty(STDIN_FILENO);

	s.fd = connect_to(path);
	if (s.fd < 0)
		return EXIT_CONNECT;
	if (send_lines(s.fd, sends, nsend)) {
		fprintf(stderr, "mvconsole: %s: %s\n", path, strerror(errno));
		return EXIT_CONNECT;
	}
	if (s.interactive) {
		fprintf(stderr, "mvconsole: attached to %s; Ctrl-] detaches\r\n",
			path);
		raw = !raw_terminal(&saved);
	}
	ret = run(&s);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (s.interactive)
		fprintf(stderr, "\nmvconsole: detached from %s\n", path);
	close(s.fd);
	free(sends);
	return ret;
}
