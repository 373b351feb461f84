// SPDX-License-Identifier: GPL-2.0
/*
 * The console socket (--console-socket DIR): a way into any guest's
 * console while it runs.  Read after output.c, which hands every console
 * byte to consock__write(), and guest.c, whose main loop serves the
 * socket.
 *
 * A fleet of a thousand guests cannot give each one a terminal, and log
 * files only go one way.  So each guest process listens on its own Unix
 * socket, DIR/guest-I.sock.  Whoever connects (mvconsole, or socat) first
 * gets the guest's recent output from a small ring, then the live output,
 * and whatever it writes is typed into the guest's console, exactly as a
 * lone guest's terminal input is.
 *
 * Why one socket per guest rather than one per fleet: one socket for the
 * fleet would live in the parent, which would then have to pass every
 * connection on to the right guest process and hold a channel to each of
 * them.  A socket per guest keeps the parent doing nothing but fork,
 * watch and count; it costs each guest process one listening socket and
 * the ring, and a guest that dies takes only its own socket with it.
 * Guests are found by name, as their log files are.
 *
 * The ring and the list of connections are guarded by the output's lock:
 * console bytes arrive on the vCPU thread (the UART) and the main thread
 * (virtio-console), connections come and go on the main thread.  Sends
 * never block the guest: a connection that cannot keep up is shut down,
 * and the main loop closes it when it sees the hang-up.  The client can
 * reconnect and find what it missed in the ring.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "guest.h"

#define SEND_FLAGS	(MSG_DONTWAIT | MSG_NOSIGNAL)

/* DIR/guest-I.sock, or -1 if it does not fit a socket address. */
int consock__path(const char *dir, unsigned int index, char *buf,
		  size_t len)
{
	size_t max = sizeof(((struct sockaddr_un *)NULL)->sun_path);
	int n = snprintf(buf, len, "%s/guest-%u.sock", dir, index);

	return n < 0 || (size_t)n >= len || (size_t)n >= max ? -1 : 0;
}

/* Add @len bytes to the ring, keeping only its last @r->size bytes. */
void ring__put(struct ring *r, const void *buf, size_t len)
{
	const u8 *p = buf;
	size_t at, chunk;

	if (len > r->size) {
		r->written += len - r->size;
		p += len - r->size;
		len = r->size;
	}
	while (len) {
		at = r->written % r->size;
		chunk = r->size - at < len ? r->size - at : len;
		memcpy(r->buf + at, p, chunk);
		r->written += chunk;
		p += chunk;
		len -= chunk;
	}
}

/*
 * What the ring holds, oldest first, in one or two pieces.  Once it has
 * wrapped, its oldest line is a tail cut off at the front, so the replay
 * starts after the first newline (unless there is none).
 */
unsigned int ring__recent(const struct ring *r, struct iovec iov[2])
{
	size_t have = r->written < r->size ? r->written : r->size;
	size_t start = (r->written - have) % r->size, i, skip = 0;
	unsigned int n = 0;

	if (r->written > r->size) {
		for (i = 0; i < have; i++) {
			if (r->buf[(start + i) % r->size] == '\n') {
				skip = i + 1;
				break;
			}
		}
		start = (start + skip) % r->size;
		have -= skip;
	}
	if (!have)
		return 0;
	iov[n].iov_base = r->buf + start;
	iov[n++].iov_len = start + have > r->size ? r->size - start : have;
	if (start + have > r->size) {
		iov[n].iov_base = r->buf;
		iov[n++].iov_len = start + have - r->size;
	}
	return n;
}

/* Is a live mvlaunch behind the socket at @path?  A stale one refuses. */
bool consock__in_use(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	live = !connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return live;
}

static void drop(struct consock_client *c)
{
	struct consock *s = c->s;

	pthread_mutex_lock(s->lock);
	ioloop__del(&s->g->loop, &c->h);
	close(c->h.fd);
	c->h.fd = -1;
	pthread_mutex_unlock(s->lock);
}

/* Main thread: what the client types goes to the guest's console. */
static void client_input(void *arg, u32 events)
{
	struct consock_client *c = arg;
	u8 buf[256];
	ssize_t n;

	(void)events;
	n = read(c->h.fd, buf, sizeof(buf));
	if (n > 0) {
		guest__console_input(c->s->g, buf, n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	drop(c);
}

static struct consock_client *free_slot(struct consock *s)
{
	unsigned int i;

	for (i = 0; i < CONSOCK_CLIENTS; i++)
		if (s->client[i].h.fd < 0)
			return &s->client[i];
	return NULL;
}

/*
 * A new connection: replay the ring and join the live output under one
 * hold of the lock, so that no byte is lost or sent twice in between.
 */
static void accept_client(void *arg, u32 events)
{
	static const char busy[] = "mvlaunch: this console has too many connections\n";
	struct consock *s = arg;
	struct consock_client *c;
	struct msghdr msg = { 0 };
	struct iovec iov[2];
	int fd;

	(void)events;
	fd = accept4(s->listen.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	pthread_mutex_lock(s->lock);
	c = free_slot(s);
	if (!c) {
		pthread_mutex_unlock(s->lock);
		send(fd, busy, sizeof(busy) - 1, SEND_FLAGS);
		close(fd);
		return;
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = ring__recent(&s->ring, iov);
	if (msg.msg_iovlen)
		sendmsg(fd, &msg, SEND_FLAGS);
	c->h.fd = fd;
	c->h.cb = client_input;
	c->h.arg = c;
	c->dead = false;
	if (ioloop__add(&s->g->loop, &c->h, EPOLLIN)) {
		close(fd);
		c->h.fd = -1;
	}
	pthread_mutex_unlock(s->lock);
}

/* Console bytes, with the output's lock held: to the ring and clients. */
void consock__write(struct consock *s, const void *buf, size_t len)
{
	struct consock_client *c;
	unsigned int i;

	if (s->listen.fd < 0)
		return;
	ring__put(&s->ring, buf, len);
	for (i = 0; i < CONSOCK_CLIENTS; i++) {
		c = &s->client[i];
		if (c->h.fd < 0 || c->dead)
			continue;
		if (send(c->h.fd, buf, len, SEND_FLAGS) != (ssize_t)len) {
			c->dead = true;
			shutdown(c->h.fd, SHUT_RDWR);
		}
	}
}

static int bind_socket(struct consock *s, int fd)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	mode_t mask;
	int ret;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", s->path);
	/* Only our user may type into the guest: mode 0600 from the start. */
	mask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&a, sizeof(a));
	if (ret && errno == EADDRINUSE && !consock__in_use(s->path)) {
		/* Left by a guest process that was killed: ours now. */
		unlink(s->path);
		ret = bind(fd, (struct sockaddr *)&a, sizeof(a));
	}
	umask(mask);
	return ret;
}

/* Listen on DIR/guest-I.sock; with no --console-socket, do nothing. */
int consock__init(struct consock *s, struct guest *g, pthread_mutex_t *lock)
{
	const char *dir = g->cfg->console_dir;
	unsigned int i;
	int fd;

	memset(s, 0, sizeof(*s));
	s->g = g;
	s->lock = lock;
	s->listen.fd = -1;
	for (i = 0; i < CONSOCK_CLIENTS; i++) {
		s->client[i].h.fd = -1;
		s->client[i].s = s;
	}
	if (!dir)
		return 0;
	if (consock__path(dir, g->index, s->path, sizeof(s->path))) {
		mv_err("--console-socket %s: path too long", dir);
		return -1;
	}
	s->ring.size = CONSOCK_RING;
	s->ring.buf = malloc(s->ring.size);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!s->ring.buf || fd < 0 || bind_socket(s, fd) || listen(fd, 8)) {
		mv_err("%s: %s", s->path, errno == EADDRINUSE ?
		       "in use by another running mvlaunch" : strerror(errno));
		if (fd >= 0)
			close(fd);
		free(s->ring.buf);
		s->ring.buf = NULL;
		return -1;
	}
	s->listen.fd = fd;
	s->listen.cb = accept_client;
	s->listen.arg = s;
	return ioloop__add(&g->loop, &s->listen, EPOLLIN);
}

/* The guest is gone: so are its connections and its socket. */
void consock__exit(struct consock *s)
{
	unsigned int i;

	if (s->listen.fd < 0)
		return;
	for (i = 0; i < CONSOCK_CLIENTS; i++)
		if (s->client[i].h.fd >= 0)
			drop(&s->client[i]);
	ioloop__del(&s->g->loop, &s->listen);
	close(s->listen.fd);
	s->listen.fd = -1;
	unlink(s->path);
	free(s->ring.buf);
	s->ring.buf = NULL;
}
