// SPDX-License-Identifier: GPL-2.0
/*
 * One guest's life, inside its own process.  Read after fleet.c (or
 * main.c for a single guest); this is where the other files are called
 * in order:
 *
 *   engine create -> RAM -> devices (dev_init) -> boot layout -> vCPU
 *   state -> drop capabilities -> (wait for release) -> vCPU thread ->
 *   main loop until guest__end() -> report
 *
 * Two threads: the vCPU thread sits in the engine's run loop and handles
 * MMIO and port I/O exits; this main thread serves the eventfds, the
 * terminal and the signals.  Either can end the guest; the first reason
 * wins, and both threads then wind down.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "virtio.h"

static const char *const end_names[] = {
	[GUEST_RUNNING] = "running",
	[GUEST_POWEROFF] = "powered off",
	[GUEST_REBOOT] = "rebooted",
	[GUEST_PANIC] = "panic",
	[GUEST_CRASH] = "crashed",
	[GUEST_STOPPED] = "stopped",
	[GUEST_FAILED] = "failed",
};

const char *guest__end_name(enum guest_end end)
{
	return end < ARRAY_SIZE(end_names) ? end_names[end] : "?";
}

void guest__end(struct guest *g, enum guest_end end, const char *fmt, ...)
{
	u64 one = 1;
	va_list ap;

	pthread_mutex_lock(&g->end_lock);
	if (g->end != GUEST_RUNNING) {
		pthread_mutex_unlock(&g->end_lock);
		return;
	}
	g->end = end;
	va_start(ap, fmt);
	vsnprintf(g->reason, sizeof(g->reason), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&g->end_lock);

	if (g->end_fd >= 0 && write(g->end_fd, &one, sizeof(one)) < 0)
		g->loop.stop = true;
	if (g->engine && g->engine->kick &&
	    !pthread_equal(pthread_self(), g->vcpu_thread))
		g->engine->kick(g);
}

/*
 * An engine's setup call failed with errno set: the guest ends as failed,
 * naming the call.  Returns -1 so that the engine can return it at once.
 */
int guest__fail(struct guest *g, const char *what)
{
	guest__end(g, GUEST_FAILED, "%s: %s", what, strerror(errno));
	return -1;
}

bool guest__ended(struct guest *g)
{
	bool ended;

	pthread_mutex_lock(&g->end_lock);
	ended = g->end != GUEST_RUNNING;
	pthread_mutex_unlock(&g->end_lock);
	return ended;
}

u64 guest__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void guest__set_up(struct guest *g)
{
	if (g->up)
		return;
	g->up = true;
	g->t_up = guest__now() - g->t_start;
	fleet__tell(g->status_fd, g->index, FLEET_UP);
}

void guest__set_panic(struct guest *g, const char *reason)
{
	pthread_mutex_lock(&g->end_lock);
	if (!g->panic[0])
		snprintf(g->panic, sizeof(g->panic), "%s", reason);
	pthread_mutex_unlock(&g->end_lock);
}

/* Unclaimed addresses read as all ones, like an empty bus. */
void guest__mmio(struct guest *g, u64 addr, u8 *data, u32 len, bool write)
{
	if (!bus__access(&g->mmio, addr, data, len, write) && !write)
		memset(data, 0xff, len);
}

void guest__pio(struct guest *g, u16 port, u8 *data, u32 len, bool write)
{
	if (!bus__access(&g->pio, port, data, len, write) && !write)
		memset(data, 0xff, len);
}

int guest__cmdline_add(struct guest *g, const char *fmt, ...)
{
	size_t room = sizeof(g->cmdline) - g->cmdline_len;
	va_list ap;
	int n;

	if (g->cmdline_len && room > 1) {
		g->cmdline[g->cmdline_len++] = ' ';
		room--;
	}
	va_start(ap, fmt);
	n = vsnprintf(g->cmdline + g->cmdline_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		g->cmdline_len = sizeof(g->cmdline);
		return -1;
	}
	g->cmdline_len += n;
	return 0;
}

/*
 * What every guest is told: where its console is (hvc0 when the engine
 * leaves it no port I/O: in ring 1 the 8250 driver would fault on the
 * UART's first register), to reset through the keyboard controller
 * (which power.c sees) and to reset at once on a panic, no PCI to probe,
 * and who it is in the fleet.  "quiet" because every byte on the UART
 * costs a VM exit, two with the 8250 driver's status poll: a stock
 * kernel's full boot log is 100000 exits, seconds of boot time, minutes
 * under nested KVM.  --append loglevel=7 undoes it.
 */
static void base_cmdline(struct guest *g)
{
	const struct mv_config *cfg = g->cfg;
	bool serial = cfg->console == CONSOLE_SERIAL && !g->engine->no_pio;

	guest__cmdline_add(g, "console=%s quiet reboot=k panic=-1 pci=off",
			   serial ? "ttyS0" : "hvc0");
	guest__cmdline_add(g, "mv.index=%u mv.count=%u mv.node=%u",
			   g->index, cfg->count, cfg->node);
}

static void on_end(void *arg, u32 events)
{
	struct guest *g = arg;
	u64 v;

	(void)events;
	if (read(g->end_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	g->loop.stop = true;
}

static struct io_handler sig_handler, stdin_handler;
static int stop_signal;

static void on_signal(void *arg, u32 events)
{
	struct guest *g = arg;
	struct signalfd_siginfo si;

	(void)events;
	if (read(sig_handler.fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (!stop_signal)
		stop_signal = si.ssi_signo;
	guest__end(g, GUEST_STOPPED, "by SIG%s", sigabbrev_np(si.ssi_signo));
}

/*
 * Typed input, from our stdin or a console socket: to the UART with
 * console=ttyS0, else (console=hvc0, or an engine without port I/O) to
 * virtio-console's receive queue.
 */
void guest__console_input(struct guest *g, const u8 *buf, size_t len)
{
	if (!g->engine)
		return;
	if (g->cfg->console == CONSOLE_SERIAL && !g->engine->no_pio)
		serial__input(g, buf, len);
	else
		virtio_console__input(g, buf, len);
}

static void on_stdin(void *arg, u32 events)
{
	struct guest *g = arg;
	u8 buf[256];
	ssize_t n;

	(void)events;
	n = read(STDIN_FILENO, buf, sizeof(buf));
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		ioloop__del(&g->loop, &stdin_handler);
		return;
	}
	guest__console_input(g, buf, n);
}

/* A guest alone on a terminal or pipe takes its input from our stdin. */
static void watch_stdin(struct guest *g)
{
	struct stat st;

	if (g->cfg->count > 1 || g->cfg->log_dir || fstat(STDIN_FILENO, &st))
		return;
	/* epoll takes terminals, pipes and sockets; /dev/null it refuses. */
	if (!S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode) &&
	    !S_ISSOCK(st.st_mode))
		return;
	stdin_handler.fd = STDIN_FILENO;
	stdin_handler.cb = on_stdin;
	stdin_handler.arg = g;
	ioloop__add(&g->loop, &stdin_handler, EPOLLIN);
}

static void sigusr1(int sig)
{
	(void)sig;
}

/*
 * SIGINT and SIGTERM reach us through a signalfd in the main loop; the
 * vCPU thread only ever sees SIGUSR1, the engine's kick.
 */
static int setup_signals(struct guest *g)
{
	struct sigaction sa = { .sa_handler = sigusr1 };
	sigset_t set;

	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGUSR1);
	sig_handler.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	sig_handler.cb = on_signal;
	sig_handler.arg = g;
	if (sig_handler.fd < 0)
		return -1;
	return ioloop__add(&g->loop, &sig_handler, EPOLLIN);
}

static void *vcpu_thread(void *arg)
{
	struct guest *g = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	g->engine->run(g);
	guest__end(g, GUEST_FAILED, "the vCPU stopped");
	return NULL;
}

/*
 * Stop the vCPU thread and wait for it.  A kick can land in the instant
 * before the thread enters the engine's run call and be lost there (KVM
 * has immediate_exit for that, megavirt nothing), so it is repeated
 * until the thread is gone.
 */
static void join_vcpu(struct guest *g)
{
	struct timespec ts;

	for (;;) {
		g->engine->kick(g);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 20 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(g->vcpu_thread, NULL, &ts) != ETIMEDOUT)
			return;
	}
}

/*
 * A paused guest is ready but waits for the fleet's release: the parent
 * closes the pipe's write end, every child sees EOF at once.
 */
static int wait_release(struct guest *g, int go_fd)
{
	struct pollfd p[2] = {
		{ .fd = go_fd, .events = POLLIN },
		{ .fd = sig_handler.fd, .events = POLLIN },
	};
	char c;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[1].revents) {
			on_signal(g, 0);
			return -1;
		}
		if (p[0].revents && read(go_fd, &c, 1) <= 0)
			return 0;
	}
}

/* Everything up to the first instruction; false if the guest failed. */
static int prepare(struct guest *g)
{
	char why[200];
	int code;

	g->engine = engine__select(g->cfg->engine, g->img, why, sizeof(why),
				   &code);
	if (!g->engine) {
		guest__end(g, GUEST_FAILED, "%s", why);
		return -1;
	}
	if (g->engine->create(g))
		return -1;
	if (mem__init(&g->mem, g->cfg->mem, g->cfg->ksm)) {
		guest__end(g, GUEST_FAILED, "cannot map %llu MiB of RAM",
			   (unsigned long long)(g->cfg->mem / MIB));
		return -1;
	}
	if (g->engine->add_memory(g))
		return -1;
	base_cmdline(g);
	if (dev_init__all(g)) {
		guest__end(g, GUEST_FAILED, "a device could not be set up");
		return -1;
	}
	if (g->cfg->append)
		guest__cmdline_add(g, "%s", g->cfg->append);
	if (g->cmdline_len >= sizeof(g->cmdline)) {
		guest__end(g, GUEST_FAILED, "command line too long");
		return -1;
	}
	if (boot__setup(g) || g->engine->set_boot_state(g))
		return -1;
	if (caps__drop_all()) {
		guest__end(g, GUEST_FAILED, "cannot drop capabilities: %s",
			   strerror(errno));
		return -1;
	}
	return 0;
}

/* The exit status for how the guest ended; see mvlaunch.h. */
static int exit_code(struct guest *g, bool started)
{
	switch (g->end) {
	case GUEST_POWEROFF:
	case GUEST_REBOOT:
		return MV_EXIT_OK;
	case GUEST_PANIC:
	case GUEST_CRASH:
		return MV_EXIT_GUEST;
	case GUEST_STOPPED:
		return MV_EXIT_SIGNAL + (stop_signal ? stop_signal : SIGTERM);
	default:
		return started ? MV_EXIT_INTERNAL : MV_EXIT_HOST;
	}
}

/*
 * After the vCPU stopped: a reset or triple fault that followed the
 * kernel's panic line is a panic, and its reason is that line.
 */
static void settle_end(struct guest *g)
{
	output__flush(&g->out);
	pthread_mutex_lock(&g->end_lock);
	if (g->panic[0] &&
	    (g->end == GUEST_REBOOT || g->end == GUEST_CRASH)) {
		g->end = GUEST_PANIC;
		snprintf(g->reason, sizeof(g->reason), "%s", g->panic);
	}
	pthread_mutex_unlock(&g->end_lock);
}

/*
 * Resident memory, from /proc/self/smaps: all of it, and the launcher's
 * own share - every mapping but guest RAM - as RSS (what ps shows; it
 * counts our static binary's text in full, though every guest process of
 * the node shares those pages) and as PSS (shared pages divided among
 * their users: what one more guest really costs).
 */
static void measure(struct guest *g, struct fleet_msg *msg)
{
	unsigned long long lo, hi, kb;
	u64 ram_lo = (unsigned long)g->mem.hva, ram_hi = ram_lo + g->mem.size;
	bool guest_ram = false;
	char line[256];
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's first line; "Anonymous:" parses one number. */
		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2) {
			guest_ram = lo < ram_hi && ram_lo < hi;
			continue;
		}
		if (sscanf(line, "Rss: %llu kB", &kb) == 1) {
			msg->rss += kb * KIB;
			if (!guest_ram)
				msg->rss_launcher += kb * KIB;
		} else if (sscanf(line, "Pss: %llu kB", &kb) == 1) {
			msg->pss += kb * KIB;
			if (!guest_ram)
				msg->pss_launcher += kb * KIB;
		}
	}
	fclose(f);
}

/* --stats, or a fleet's summary: how the guest's life went in numbers. */
static void report(struct guest *g, const struct fleet_msg *msg)
{
	char up[32] = "never up", exits[160] = "";

	if (g->engine && g->engine->stats)
		g->engine->stats(g, exits, sizeof(exits));
	if (g->up)
		snprintf(up, sizeof(up), "up after %.2f s",
			 (double)g->t_up / 1e9);
	mv_info("guest %u: %s, ran %.2f s; resident %.1f MiB (PSS %.1f MiB), launcher's own %.2f MiB (PSS %.2f MiB); %.1f MiB given back%s",
		g->index, up, (double)(guest__now() - g->t_start) / 1e9,
		(double)msg->rss / MIB, (double)msg->pss / MIB,
		(double)msg->rss_launcher / MIB,
		(double)msg->pss_launcher / MIB, (double)msg->returned / MIB,
		exits);
}

static struct guest the_guest;

int guest__run(const struct mv_config *cfg, const struct boot_image *img,
	       unsigned int index, int status_fd, int go_fd)
{
	struct guest *g = &the_guest;
	struct fleet_msg msg = { .index = index, .event = FLEET_END };
	bool started = false;
	int code;

	g->cfg = cfg;
	g->img = img;
	g->index = index;
	g->status_fd = status_fd;
	g->end_fd = -1;
	g->vcpu_thread = pthread_self();
	g->t_start = guest__now();
	pthread_mutex_init(&g->end_lock, NULL);
	if (ioloop__init(&g->loop) || setup_signals(g) ||
	    output__init(&g->out, g)) {
		mv_err("guest %u: cannot set up: %s", index, strerror(errno));
		return MV_EXIT_INTERNAL;
	}
	g->end_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g->end_handler.fd = g->end_fd;
	g->end_handler.cb = on_end;
	g->end_handler.arg = g;
	if (g->end_fd < 0 || ioloop__add(&g->loop, &g->end_handler, EPOLLIN))
		return MV_EXIT_INTERNAL;

	if (!prepare(g)) {
		fleet__tell(status_fd, index, FLEET_READY);
		if (go_fd < 0 || !wait_release(g, go_fd)) {
			watch_stdin(g);
			if (pthread_create(&g->vcpu_thread, NULL, vcpu_thread,
					   g)) {
				guest__end(g, GUEST_FAILED,
					   "cannot start the vCPU thread");
			} else {
				g->vcpu_started = true;
				started = true;
				ioloop__run(&g->loop);
				join_vcpu(g);
			}
		}
	}
	settle_end(g);
	code = exit_code(g, started);
	/* A crash, or MVLAUNCH_DEBUG set: say where the vCPU was. */
	if (started && g->engine->dump &&
	    (g->end == GUEST_CRASH || getenv("MVLAUNCH_DEBUG")))
		g->engine->dump(g);
	measure(g, &msg);
	msg.returned = virtio_balloon__returned();
	msg.end = g->end;
	snprintf(msg.text, sizeof(msg.text), "%.*s", (int)sizeof(msg.text) - 1,
		 g->reason);
	fleet__send(status_fd, &msg);
	if (status_fd < 0 && g->end != GUEST_POWEROFF)
		mv_info("guest %u: %s%s%s", index, guest__end_name(g->end),
			g->reason[0] ? ": " : "", g->reason);
	if (g->cfg->stats && started)
		report(g, &msg);
	output__exit(&g->out);
	if (g->engine)
		g->engine->destroy(g);
	mem__exit(&g->mem);
	return code;
}
