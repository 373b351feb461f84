// SPDX-License-Identifier: GPL-2.0
/*
 * Fleets: --count N guests, one process each.  Read after preflight.c;
 * each child goes on in guest.c.
 *
 * One process per guest is the whole isolation story: a guest that
 * crashes, or a launcher bug it triggers, kills one process and the
 * others go on.  The parent does nothing but fork, watch and count.  It
 * hears from its children over one pipe (fixed-size messages, each a
 * single write below PIPE_BUF, so they never interleave): set up, up
 * (the ready marker was seen), ended and why.  Everything else it learns
 * from SIGCHLD and /proc/PID/statm.
 *
 *   --batch B    start B, wait until each of them is up or ended, then
 *                the next B: a boot storm paced by the guests themselves
 *   --paused     children set everything up, then block on a pipe; when
 *                all are ready the parent closes its end and every guest
 *                starts in the same instant (Megatux's release)
 *   --restart    start a guest again when it ends (always) or when it
 *                panics or crashes (on-failure), at most once a second
 *
 * SIGINT or SIGTERM stops the fleet: every child gets SIGTERM and stops
 * its guest; a second signal sends SIGKILL.  Children also die with the
 * parent (PR_SET_PDEATHSIG), so no guest outlives its launcher.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"

#define NSEC		1000000000ULL
#define SAMPLE_NS	NSEC			/* RSS sampling period */
#define PROGRESS_NS	(NSEC / 10)		/* progress line refresh */
#define RESTART_NS	NSEC			/* least time between starts */
#define FAILURES_SHOWN	20

enum member_state { M_WAITING, M_STARTED, M_READY, M_UP, M_ENDED };

struct member {
	pid_t pid;
	enum member_state state;
	enum guest_end end;
	bool got_end;			/* its FLEET_END arrived */
	bool was_up;
	int code;
	unsigned int restarts;
	u64 peak_rss;
	u64 launcher_rss;		/* at its end, without guest RAM */
	u64 launcher_pss;
	u64 pss;			/* at its end, all of it */
	u64 returned;			/* by free page reporting */
	u64 t_start;
	u64 t_up;			/* first time to up, 0: never */
	char reason[200];
};

struct fleet {
	const struct mv_config *cfg;
	const struct boot_image *img;
	struct member *m;
	unsigned int next;		/* first never-started member */
	unsigned int batch_start;
	unsigned int live;
	int status_rd, status_wr;
	int go_rd, go_wr;
	int sig_fd;
	int stop_sig;
	bool tty;			/* the progress line, redrawn in place */
	bool lines;			/* the progress, a line per change */
	char last[96];			/* ... the last one written */
	u64 last_sample, last_progress;
	pid_t parent;
};

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

void fleet__send(int fd, const struct fleet_msg *msg)
{
	if (fd < 0)
		return;
	if (write(fd, msg, sizeof(*msg)) < 0)
		return;		/* the parent is gone; PDEATHSIG follows */
}

void fleet__tell(int fd, unsigned int index, enum fleet_event ev)
{
	struct fleet_msg msg = { .index = index, .event = ev };

	fleet__send(fd, &msg);
}

static void __noreturn child(struct fleet *f, unsigned int i)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != f->parent)
		_exit(MV_EXIT_SIGNAL + SIGTERM);
	close(f->status_rd);
	close(f->sig_fd);
	if (f->go_wr >= 0)
		close(f->go_wr);
	_exit(guest__run(f->cfg, f->img, f->cfg->first_index + i,
			 f->status_wr, f->go_rd));
}

static int spawn(struct fleet *f, unsigned int i)
{
	struct member *m = &f->m[i];
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		mv_err("guest %u: cannot fork: %s", f->cfg->first_index + i,
		       strerror(errno));
		m->state = M_ENDED;
		m->end = GUEST_FAILED;
		m->code = MV_EXIT_HOST;
		snprintf(m->reason, sizeof(m->reason), "fork: %s",
			 strerror(errno));
		return -1;
	}
	if (pid == 0)
		child(f, i);
	m->pid = pid;
	m->state = M_STARTED;
	m->got_end = false;
	m->t_start = now_ns();
	f->live++;
	return 0;
}

/* Settled: the batch that holds it may let the next one go. */
static bool settled(const struct fleet *f, const struct member *m)
{
	bool ready_is_enough = f->cfg->paused || !*f->cfg->ready_marker;

	return m->state == M_ENDED || m->state == M_UP ||
	       (ready_is_enough && m->state == M_READY);
}

static void launch(struct fleet *f)
{
	unsigned int count = f->cfg->count, batch = f->cfg->batch, i;
	u64 t = now_ns();

	if (f->stop_sig)
		return;
	/* Restarts first: members that ended and wait for their second. */
	for (i = 0; i < f->next; i++) {
		struct member *m = &f->m[i];

		if (m->state == M_WAITING && t - m->t_start >= RESTART_NS)
			spawn(f, i);
	}
	if (f->next == count)
		return;
	if (batch) {
		for (i = f->batch_start; i < f->next; i++)
			if (!settled(f, &f->m[i]))
				return;
		f->batch_start = f->next;
	}
	while (f->next < count && (!batch || f->next - f->batch_start < batch))
		spawn(f, f->next++);
}

/* Paused fleets: when every guest is set up, let them all go at once. */
static void release(struct fleet *f)
{
	unsigned int i;

	if (f->go_wr < 0 || f->next < f->cfg->count)
		return;
	for (i = 0; i < f->cfg->count; i++)
		if (f->m[i].state == M_STARTED || f->m[i].state == M_WAITING)
			return;
	close(f->go_wr);
	f->go_wr = -1;
}

static void sample_rss(struct member *m)
{
	char path[64];
	unsigned long long size, rss;
	FILE *s;

	if (m->state == M_ENDED || m->state == M_WAITING || m->pid <= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/statm", m->pid);
	s = fopen(path, "re");
	if (!s)
		return;
	if (fscanf(s, "%llu %llu", &size, &rss) == 2 &&
	    rss * 4096 > m->peak_rss)
		m->peak_rss = rss * 4096;
	fclose(s);
}

static void on_message(struct fleet *f, const struct fleet_msg *msg)
{
	struct member *m;

	if (msg->index < f->cfg->first_index ||
	    msg->index - f->cfg->first_index >= f->cfg->count)
		return;
	m = &f->m[msg->index - f->cfg->first_index];
	switch (msg->event) {
	case FLEET_READY:
		if (m->state == M_STARTED)
			m->state = M_READY;
		break;
	case FLEET_UP:
		m->state = M_UP;
		if (!m->was_up)
			m->t_up = now_ns() - m->t_start;
		m->was_up = true;
		sample_rss(m);
		break;
	case FLEET_END:
		sample_rss(m);
		m->got_end = true;
		m->end = msg->end;
		if (msg->rss > m->peak_rss)
			m->peak_rss = msg->rss;
		m->launcher_rss = msg->rss_launcher;
		m->launcher_pss = msg->pss_launcher;
		m->pss = msg->pss;
		m->returned = msg->returned;
		snprintf(m->reason, sizeof(m->reason), "%.*s",
			 (int)sizeof(msg->text), msg->text);
		break;
	}
}

static bool wants_restart(const struct fleet *f, const struct member *m)
{
	if (f->stop_sig || m->end == GUEST_STOPPED)
		return false;
	if (f->cfg->restart == RESTART_ALWAYS)
		return true;
	return f->cfg->restart == RESTART_ON_FAILURE &&
	       (m->end == GUEST_PANIC || m->end == GUEST_CRASH);
}

/* A killed guest process could not remove its console socket: we do. */
static void forget_socket(struct fleet *f, unsigned int i)
{
	char path[4096];

	if (f->cfg->console_dir &&
	    !consock__path(f->cfg->console_dir, f->cfg->first_index + i, path,
			   sizeof(path)))
		unlink(path);
}

static void reap(struct fleet *f)
{
	unsigned int i;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < f->next && f->m[i].pid != pid; i++)
			;
		if (i == f->next)
			continue;
		struct member *m = &f->m[i];

		f->live--;
		m->pid = 0;
		m->state = M_ENDED;
		if (WIFEXITED(status)) {
			m->code = WEXITSTATUS(status);
		} else {
			m->code = MV_EXIT_GUEST;
			m->end = GUEST_CRASH;
			snprintf(m->reason, sizeof(m->reason),
				 "its launcher process was killed by SIG%s",
				 sigabbrev_np(WTERMSIG(status)));
			forget_socket(f, i);
		}
		if (WIFEXITED(status) && !m->got_end) {
			m->end = GUEST_FAILED;
			snprintf(m->reason, sizeof(m->reason),
				 "launcher exited with status %d", m->code);
		}
		if (wants_restart(f, m)) {
			m->state = M_WAITING;
			m->restarts++;
		}
	}
}

static void stop(struct fleet *f, int sig)
{
	unsigned int i;
	int how = f->stop_sig ? SIGKILL : SIGTERM;

	if (!f->stop_sig)
		f->stop_sig = sig;
	for (i = 0; i < f->next; i++) {
		if (f->m[i].pid > 0)
			kill(f->m[i].pid, how);
		if (f->m[i].state == M_WAITING)
			f->m[i].state = M_ENDED;
	}
}

static void counts(const struct fleet *f, unsigned int *n)
{
	unsigned int i;

	memset(n, 0, sizeof(unsigned int) * (GUEST_FAILED + 2));
	for (i = 0; i < f->cfg->count; i++) {
		const struct member *m = &f->m[i];

		if (m->state == M_UP)
			n[GUEST_RUNNING]++;
		else if (m->state == M_ENDED)
			n[m->end]++;
		if (m->was_up)
			n[GUEST_FAILED + 1]++;
	}
}

/*
 * "312/1024 up, 2 failed, 5 ended": on a terminal redrawn in place ten
 * times a second; with --progress and no terminal (a log), written as a
 * line of its own each time it changes.
 */
static void progress(struct fleet *f, bool force)
{
	unsigned int n[GUEST_FAILED + 2];
	u64 t = now_ns();
	char now[sizeof(f->last)];

	if ((!f->tty && !f->lines) ||
	    (!force && t - f->last_progress < PROGRESS_NS))
		return;
	f->last_progress = t;
	counts(f, n);
	snprintf(now, sizeof(now), "%u/%u up, %u failed, %u ended%s",
		 n[GUEST_RUNNING], f->cfg->count,
		 n[GUEST_PANIC] + n[GUEST_CRASH] + n[GUEST_FAILED],
		 n[GUEST_POWEROFF] + n[GUEST_REBOOT] + n[GUEST_STOPPED],
		 f->stop_sig ? " (stopping)" : "");
	if (f->tty) {
		fprintf(stderr, "\r\033[K%s", now);
	} else if (strcmp(now, f->last)) {
		fprintf(stderr, "%s: %s\n", mv_prog, now);
		memcpy(f->last, now, sizeof(now));
	}
}

static void stats(const char *what, const u64 *v, unsigned int n,
		  double unit, const char *uname)
{
	u64 lo = ~0ULL, hi = 0, sum = 0;
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		if (!v[i])
			continue;
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
		sum += v[i];
		k++;
	}
	if (k)
		mv_info("%s: min %.2f %s, avg %.2f %s, max %.2f %s (%u guests)",
			what, lo / unit, uname, (double)sum / k / unit, uname,
			hi / unit, uname, k);
}

/* The figures a fleet's summary gives, each from one u64 of a member. */
static const struct {
	size_t off;
	const char *what;
	double unit;
	const char *uname;
} summary_stats[] = {
	{ offsetof(struct member, t_up), "time to up", NSEC, "s" },
	{ offsetof(struct member, peak_rss),
	  "peak resident memory per guest", MIB, "MiB" },
	{ offsetof(struct member, pss),
	  "... at its end as PSS (shared pages divided)", MIB, "MiB" },
	{ offsetof(struct member, launcher_rss),
	  "launcher's own resident memory (without guest RAM)", MIB, "MiB" },
	{ offsetof(struct member, launcher_pss), "... as PSS", MIB, "MiB" },
	{ offsetof(struct member, returned),
	  "memory given back by free page reporting", MIB, "MiB" },
};

static void summary(struct fleet *f)
{
	unsigned int n[GUEST_FAILED + 2], i, shown = 0, restarts = 0, k;
	u64 *v = calloc(f->cfg->count, sizeof(*v));

	if (f->tty)
		fputc('\n', stderr);
	counts(f, n);
	for (i = 0; i < f->cfg->count; i++)
		restarts += f->m[i].restarts;
	mv_info("%u guest%s: %u came up; %u powered off, %u rebooted, %u panicked, %u crashed, %u stopped, %u failed to run; %u restarts",
		f->cfg->count, f->cfg->count == 1 ? "" : "s",
		n[GUEST_FAILED + 1], n[GUEST_POWEROFF],
		n[GUEST_REBOOT], n[GUEST_PANIC], n[GUEST_CRASH],
		n[GUEST_STOPPED], n[GUEST_FAILED], restarts);
	for (k = 0; v && k < ARRAY_SIZE(summary_stats); k++) {
		for (i = 0; i < f->cfg->count; i++)
			memcpy(&v[i], (u8 *)&f->m[i] + summary_stats[k].off,
			       sizeof(v[i]));
		stats(summary_stats[k].what, v, f->cfg->count,
		      summary_stats[k].unit, summary_stats[k].uname);
	}
	free(v);
	for (i = 0; i < f->cfg->count; i++) {
		const struct member *m = &f->m[i];

		if (m->end != GUEST_PANIC && m->end != GUEST_CRASH &&
		    m->end != GUEST_FAILED)
			continue;
		if (shown++ < FAILURES_SHOWN)
			mv_info("guest %u: %s: %s", f->cfg->first_index + i,
				guest__end_name(m->end), m->reason);
	}
	if (shown > FAILURES_SHOWN)
		mv_info("... and %u more", shown - FAILURES_SHOWN);
}

static int exit_status(const struct fleet *f)
{
	unsigned int i;
	int worst = MV_EXIT_OK, c;

	if (f->stop_sig)
		return MV_EXIT_SIGNAL + f->stop_sig;
	for (i = 0; i < f->cfg->count; i++) {
		c = f->m[i].code;
		if (f->m[i].end == GUEST_PANIC || f->m[i].end == GUEST_CRASH)
			c = MV_EXIT_GUEST;
		if (c > worst && c < MV_EXIT_SIGNAL)
			worst = c;
	}
	return worst;
}

static bool done(const struct fleet *f)
{
	unsigned int i;

	if (f->live)
		return false;
	if (f->stop_sig)
		return true;
	if (f->next < f->cfg->count)
		return false;
	for (i = 0; i < f->next; i++)
		if (f->m[i].state == M_WAITING)
			return false;
	return true;
}

static void drain_messages(struct fleet *f)
{
	struct fleet_msg msg;

	while (read(f->status_rd, &msg, sizeof(msg)) == sizeof(msg))
		on_message(f, &msg);
}

static void handle_signals(struct fleet *f)
{
	struct signalfd_siginfo si;

	while (read(f->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			drain_messages(f);
			reap(f);
		} else {
			stop(f, si.ssi_signo);
		}
	}
}

static void loop(struct fleet *f)
{
	struct pollfd p[2] = {
		{ .fd = f->status_rd, .events = POLLIN },
		{ .fd = f->sig_fd, .events = POLLIN },
	};
	unsigned int i;
	u64 t;

	while (!done(f)) {
		launch(f);
		release(f);
		progress(f, false);
		if (poll(p, 2, f->tty || f->lines ? 100 : 1000) < 0 &&
		    errno != EINTR)
			break;
		drain_messages(f);
		handle_signals(f);
		t = now_ns();
		if (t - f->last_sample >= SAMPLE_NS) {
			f->last_sample = t;
			for (i = 0; i < f->next; i++)
				sample_rss(&f->m[i]);
		}
	}
	progress(f, true);
}

static int setup(struct fleet *f)
{
	int p[2];
	sigset_t set;

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return -1;
	f->status_rd = p[0];
	f->status_wr = p[1];
	f->go_rd = -1;
	f->go_wr = -1;
	if (f->cfg->paused) {
		if (pipe2(p, O_CLOEXEC))
			return -1;
		f->go_rd = p[0];
		f->go_wr = p[1];
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	f->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return f->sig_fd < 0 ? -1 : 0;
}

int fleet__run(const struct mv_config *cfg, const struct boot_image *img)
{
	struct fleet f = {
		.cfg = cfg,
		.img = img,
		.tty = cfg->progress && isatty(STDERR_FILENO),
		.lines = cfg->progress_lines && !isatty(STDERR_FILENO),
		.parent = getpid(),
	};
	int code;

	/* One guest, nothing to pace or restart: run it right here. */
	if (cfg->count == 1 && !cfg->paused && cfg->restart == RESTART_NO)
		return guest__run(cfg, img, cfg->first_index, -1, -1);

	f.m = calloc(cfg->count, sizeof(*f.m));
	if (!f.m || setup(&f)) {
		mv_err("cannot set up the fleet: %s", strerror(errno));
		return MV_EXIT_INTERNAL;
	}
	loop(&f);
	summary(&f);
	code = exit_status(&f);
	free(f.m);
	return code;
}
