// SPDX-License-Identifier: GPL-2.0
/*
 * Where a guest's console goes.  Read after serial.c and console.c, the
 * two writers.
 *
 * One guest alone writes straight to our stdout, byte for byte, so a
 * prompt without a newline still shows.  Many guests sharing stdout write
 * whole lines with a "guest N: " prefix, one write() each, so lines from
 * different processes never mix.  With --log-dir each guest has its own
 * file.  With --console-socket every byte also goes to the guest's
 * console socket (consock.c), as it comes.  Whatever the destination,
 * every line is also scanned: the ready
 * marker makes the guest "up" for the fleet's progress line, and the
 * kernel's "Kernel panic - not syncing:" line becomes the reason we
 * report when the guest then resets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "guest.h"

#define PANIC_TAG	"Kernel panic - not syncing: "

static void write_all(int fd, const void *buf, size_t len)
{
	const u8 *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* a closed terminal loses output */
		p += n;
		len -= n;
	}
}

/*
 * Look at one console line.  Returns true and fills @panic if it is the
 * kernel's panic line; sets *@up if it carries @marker.  The kernel
 * echoes its command line at boot, so a marker there does not count.
 */
bool output__scan(const char *line, const char *marker, char *panic,
		  size_t panic_len, bool *up)
{
	const char *p;

	if (marker && *marker && strstr(line, marker) &&
	    !strcasestr(line, "command line"))
		*up = true;
	p = strstr(line, PANIC_TAG);
	if (!p)
		return false;
	snprintf(panic, panic_len, "%s", p + strlen(PANIC_TAG));
	/* The "---[ end Kernel panic ... ]---" form carries a tail. */
	p = strstr(panic, " ]---");
	if (p)
		panic[p - panic] = '\0';
	return true;
}

static void end_line(struct output *o)
{
	char panic[sizeof(o->g->panic)];
	bool up = false;

	o->line[o->len] = '\0';
	if (o->per_line && o->fd >= 0) {
		char buf[sizeof(o->prefix) + sizeof(o->line) + 1];
		size_t n = snprintf(buf, sizeof(buf), "%s%s\n", o->prefix,
				    o->line);

		write_all(o->fd, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
	}
	if (output__scan(o->line, o->g->cfg->ready_marker, panic,
			 sizeof(panic), &up))
		guest__set_panic(o->g, panic);
	if (up)
		guest__set_up(o->g);
	o->len = 0;
}

void output__write(struct output *o, const void *buf, size_t len)
{
	const char *p = buf;
	size_t i;

	pthread_mutex_lock(&o->lock);
	if (!o->per_line && o->fd >= 0)
		write_all(o->fd, buf, len);
	consock__write(&o->sock, buf, len);
	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			end_line(o);
			continue;
		}
		if (p[i] == '\r')
			continue;
		o->line[o->len++] = p[i];
		if (o->len == sizeof(o->line) - 1)
			end_line(o);
	}
	pthread_mutex_unlock(&o->lock);
}

/* A last line without its newline still goes out, and is scanned. */
void output__flush(struct output *o)
{
	pthread_mutex_lock(&o->lock);
	if (o->len)
		end_line(o);
	pthread_mutex_unlock(&o->lock);
}

/* Where the console goes: a log file or stdout, and the socket if any. */
static int open_dest(struct output *o, const struct mv_config *cfg)
{
	char path[4096];

	if (cfg->log_dir) {
		snprintf(path, sizeof(path), "%s/guest-%u.log", cfg->log_dir,
			 o->g->index);
		o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0644);
		if (o->fd < 0) {
			mv_err("%s: %s", path, strerror(errno));
			return -1;
		}
		o->per_line = true;
		return 0;
	}
	o->fd = STDOUT_FILENO;
	if (cfg->count > 1) {
		o->per_line = true;
		snprintf(o->prefix, sizeof(o->prefix), "guest %u: ",
			 o->g->index);
	}
	return 0;
}

int output__init(struct output *o, struct guest *g)
{
	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->lock, NULL);
	o->g = g;
	o->fd = -1;
	o->sock.listen.fd = -1;
	if (open_dest(o, g->cfg))
		return -1;
	if (consock__init(&o->sock, g, &o->lock)) {
		output__exit(o);
		return -1;
	}
	return 0;
}

void output__exit(struct output *o)
{
	output__flush(o);
	consock__exit(&o->sock);
	if (o->fd > STDERR_FILENO)
		close(o->fd);
	o->fd = -1;
}
