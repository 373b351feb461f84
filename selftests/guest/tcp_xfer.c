// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_xfer: one TCP transfer of a known byte stream between two guests,
 * for tcp.sh.  Runs inside the guests (from the tests' squashfs disk) and
 * once in the test host, which computes the checksum the two ends must
 * both arrive at.
 *
 *   tcp_xfer sum MIB               the pattern's checksum, computed here
 *   tcp_xfer recv PORT             accept one connection, read to EOF,
 *                                  send the checksum back, report
 *   tcp_xfer send ADDR PORT MIB    connect (retrying while the peer
 *                                  boots), send, wait for the checksum
 *
 * The stream is a counter run through a mixing function, so every 8-byte
 * word depends on its position: a lost, doubled or reordered segment
 * changes the checksum, and so does a zeroed one.  The checksum is
 * order-dependent too.  Both work on whole words of a stream that is
 * read in full chunks, so where TCP happens to split the segments does
 * not matter.  Exit status: 0 done (the caller compares the checksums),
 * 1 an error, 2 bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		(64 * 1024)
#define CONNECT_TRIES	300		/* every 0.2 s: a minute */

static uint64_t word_at(uint64_t k)	/* splitmix64 of the position */
{
	uint64_t z = k * 0x9e3779b97f4a7c15ULL + 0x6d65676176697274ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x100000001b3ULL;
	return (h << 29) | (h >> 35);
}

/* Fill buf with the words from position pos on; n is a multiple of 8. */
static void fill(uint64_t *buf, size_t n, uint64_t pos)
{
	size_t i;

	for (i = 0; i < n / 8; i++)
		buf[i] = word_at(pos + i);
}

static uint64_t sum_words(uint64_t h, const uint64_t *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n / 8; i++)
		h = mix(h, buf[i]);
	return h;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int die(const char *what)
{
	fprintf(stderr, "tcp: %s: %s\n", what, strerror(errno));
	return 1;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t r;

	while (n) {
		r = write(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= r;
	}
	return 0;
}

/* Read until buf holds n bytes or the stream ends; the count read. */
static ssize_t read_full(int fd, void *p, size_t n)
{
	char *c = p;
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, c + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

static int do_sum(uint64_t bytes)
{
	static uint64_t buf[CHUNK / 8];
	uint64_t pos, h = 0;

	for (pos = 0; pos < bytes; pos += CHUNK) {
		fill(buf, CHUNK, pos / 8);
		h = sum_words(h, buf, CHUNK);
	}
	printf("tcp: pattern %llu bytes sum %016llx\n",
	       (unsigned long long)bytes, (unsigned long long)h);
	return 0;
}

static int do_recv(int port)
{
	static uint64_t buf[CHUNK / 8];
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint64_t h = 0, bytes = 0;
	int one = 1, ls, fd;
	double t0, t;
	ssize_t r;

	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0)
		return die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons(port);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1))
		return die("bind/listen");
	printf("tcp: listening on port %d\n", port);
	fflush(stdout);
	fd = accept(ls, NULL, NULL);
	if (fd < 0)
		return die("accept");
	t0 = now();
	/*
	 * Every chunk but the last is full, so words never straddle two
	 * reads; a tail that is not a whole word is summed zero-padded.
	 */
	do {
		r = read_full(fd, buf, CHUNK);
		if (r < 0)
			return die("read");
		if (r % 8)
			memset((char *)buf + r, 0, 8 - r % 8);
		h = sum_words(h, buf, r + 7);
		bytes += r;
	} while (r == CHUNK);
	t = now() - t0;
	if (write_all(fd, &h, sizeof(h)))
		return die("sending the checksum back");
	close(fd);
	printf("tcp: received %llu bytes sum %016llx in %.2f s: %.2f MiB/s\n",
	       (unsigned long long)bytes, (unsigned long long)h, t,
	       t > 0 ? bytes / t / (1 << 20) : 0);
	return 0;
}

static int connect_retrying(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, i;

	a.sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "tcp: bad address %s\n", addr);
		return -1;
	}
	for (i = 0; i < CONNECT_TRIES; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		close(fd);
		usleep(200000);
	}
	fprintf(stderr, "tcp: no connection to %s:%d: %s\n", addr, port,
		strerror(errno));
	return -1;
}

/*
 * The sender half-closes and then waits for the receiver's checksum: a
 * guest that powered off right after its last write() could drop data
 * still queued in its socket.
 */
static int do_send(const char *addr, int port, uint64_t bytes)
{
	static uint64_t buf[CHUNK / 8];
	uint64_t pos, h = 0, theirs = 0;
	size_t n;
	double t0, t;
	int fd;

	fd = connect_retrying(addr, port);
	if (fd < 0)
		return 1;
	t0 = now();
	for (pos = 0; pos < bytes; pos += n) {
		n = bytes - pos < CHUNK ? bytes - pos : CHUNK;
		fill(buf, CHUNK, pos / 8);
		h = sum_words(h, buf, n);
		if (write_all(fd, buf, n))
			return die("write");
	}
	shutdown(fd, SHUT_WR);
	if (read_full(fd, &theirs, sizeof(theirs)) != sizeof(theirs))
		return die("no checksum back from the receiver");
	t = now() - t0;
	printf("tcp: sent %llu bytes sum %016llx in %.2f s; receiver's sum %016llx\n",
	       (unsigned long long)bytes, (unsigned long long)h, t,
	       (unsigned long long)theirs);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t mib;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "sum"))
		return do_sum(strtoull(argv[2], NULL, 0) << 20);
	if (argc == 3 && !strcmp(argv[1], "recv"))
		return do_recv(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "send")) {
		mib = strtoull(argv[4], NULL, 0);
		return do_send(argv[2], atoi(argv[3]), mib << 20);
	}
	fprintf(stderr, "usage: tcp_xfer sum MIB | recv PORT | send ADDR PORT MIB\n");
	return 2;
}
