// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzing the hypervisor (issue 3, item 10): guests that run a page of
 * random bytes, in ring 1 and in ring 3, with random registers, and guests
 * that make random hypercalls.  Whatever they do, each must end with a
 * reason (a crash with a sentence, a shutdown) or still be running when we
 * stop it (after 2 ms); and the test host's log, which the runner checks,
 * must stay clean.  How many guests each test runs: MV_FUZZ_GUESTS, else
 * 100000 for ring 1 and 10000 for the others, a tenth of that in the runs
 * that set MV_QUICK (no5lvl and pti: the code paths are the same, the
 * switcher's page tables are what differs), shared by one worker process
 * per CPU; the seed: MV_FUZZ_SEED, else the time (worker w uses seed + w).
 * Both are logged, and so is where the time went: one guest costs about a
 * millisecond of a TCG test-host CPU, creation and death included.
 *
 * Every guest has a seed of its own, made from the run's seed, the worker
 * and its number, from which its code and registers follow.  A guest that
 * breaks the host can then be found and run again alone:
 * MV_FUZZ_REPLAY=seed[,seed...] runs just those guests (in the ring
 * MV_FUZZ_RING, 1 by default, 0 for the hypercall fuzzer), each
 * MV_FUZZ_REPEAT times, on CPU MV_FUZZ_CPU (1), and checks after each run
 * that the CPU's local timer still ticks.  The fuzz itself watches for
 * the two ways a CPU was seen to stall (see "The watch" below) and, when
 * one happens, prints the seeds and ends of the last guests.
 */
#define _GNU_SOURCE
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "core_test.h"

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void on_alarm(int sig)
{
}

struct outcome {
	unsigned long done, crash_hv, crash_guest, shutdown, stopped, exits;
	unsigned long by_reason[8];	/* first letters, for the log */
	unsigned long us_create, us_run, us_close;	/* where time went */
};

static unsigned long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000UL + t.tv_nsec / 1000;
}

static const char *const reason_keys[8] = {
	"#GP", "#UD", "#PF", "page fault", "switcher", "syscall", "#", "other",
};

static void count_reason(struct outcome *o, const char *r)
{
	int k;

	for (k = 0; k < 7; k++)
		if (strstr(r, reason_keys[k]))
			break;
	o->by_reason[k]++;
}

/*
 * Run one guest until it ends or 2 ms pass; record how it ended, in @o
 * and in words in @end.  The timer repeats: a first SIGALRM that comes
 * before MV_RUN is entered would otherwise leave a spinning guest running
 * for good.
 */
static int run_one(struct vm *vm, struct outcome *o, char *end, size_t len)
{
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } }, off = { 0 };
	int n, ret = 0;

	setitimer(ITIMER_REAL, &it, NULL);
	for (n = 0; ; n++) {
		if (ioctl(vm->fd, MV_RUN, &vm->run)) {
			if (errno != EINTR)
				ret = -1;
			o->stopped++;
			snprintf(end, len, "stopped after %d exits (%s)", n,
				 strerror(errno));
			break;
		}
		if (vm->run.exit_reason == MV_EXIT_CRASH) {
			if (!vm->run.end.reason[0])
				ret = -2;	/* an end without a reason */
			if (vm->run.end.origin == MV_CRASH_HYPERVISOR) {
				o->crash_hv++;
				count_reason(o, vm->run.end.reason);
			} else {
				o->crash_guest++;
			}
			snprintf(end, len, "%s: %.100s",
				 vm->run.end.origin == MV_CRASH_HYPERVISOR ?
				 "killed" : "crashed", vm->run.end.reason);
			break;
		}
		if (vm->run.exit_reason == MV_EXIT_SHUTDOWN ||
		    vm->run.exit_reason == MV_EXIT_REBOOT) {
			o->shutdown++;
			snprintf(end, len, "shut down");
			break;
		}
		/* hypercalls to us, notifies, MMIO: answer anything */
		o->exits++;
		vm->run.hypercall.ret = rnd();
		if (n > 1000) {
			o->stopped++;
			snprintf(end, len, "stopped after %d exits", n);
			break;
		}
	}
	setitimer(ITIMER_REAL, &off, NULL);
	return ret;
}

static unsigned long env_or(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v ? strtoul(v, NULL, 0) : def;
}

/*
 * QEMU 7.2's TCG, which runs our test host, aborts on a few encodings that
 * real CPUs answer with #UD, killing the whole test host: a far call or
 * jump through a register, FF /3 or FF /5 with mod 3 ("tcg fatal error",
 * the bug unicorn-engine/unicorn#1716 tracks), and VEX-encoded pinsr with
 * VEX.L set (gen_pinsr: "vec_len == 16" assertion).  So the random code
 * has no VEX prefix (C4, C5) at all, and FF never meets such a ModRM,
 * wherever decoding may start.
 *
 * Nor does it load SS (8E /2, LSS): TCG gives a null SS, which ring 1 may
 * load, DPL 0 and takes the CPL from it, so the guest runs on in ring 0
 * until its next exit, where in/out, wrmsr, cli and hlt all work.  The
 * module contains what reaches it (the null_ss cases below); what a guest
 * does meanwhile to QEMU's devices and CPU state, no module can: one
 * in/out to a random port is all it takes to crash or reset the test host.
 * A real CPU keeps the guest in ring 1.  MV_FUZZ_SS=1 lets them through,
 * for a run that tries the switcher against such guests.
 */
static bool allow_ss;

static void random_code(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t r = rnd();

		memcpy(p + i, &r, 8);
	}
	for (i = 0; i < len; i++)
		if (p[i] == 0xc4 || p[i] == 0xc5)
			p[i] = 0x90;
	for (i = 1; i < len; i++) {
		if (p[i - 1] == 0xff && ((p[i] & 0xf8) == 0xd8 || (p[i] & 0xf8) == 0xe8))
			p[i] ^= 0x40;
		/* mov to SS becomes mov to DS; LSS becomes LFS */
		if (allow_ss)
			continue;
		if (p[i - 1] == 0x8e && (p[i] & 0x38) == 0x10)
			p[i] ^= 0x08;
		if (p[i - 1] == 0x0f && p[i] == 0xb2)
			p[i] = 0xb4;
	}
}

/*
 * A guest's memory and the clean copy refresh_memory() restores it from,
 * both laid out; false if either cannot be had.
 */
static bool map_guest(uint8_t **mem, uint8_t **clean)
{
	*mem = mmap(NULL, G_MEM_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*clean = mmap(NULL, G_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*mem == MAP_FAILED || *clean == MAP_FAILED)
		return false;
	vm_init_memory(*clean);
	vm_init_memory(*mem);
	return true;
}

/*
 * Lay @mem out as vm_init_memory() does, copying from @clean (laid out
 * once) only the pages that differ: the last guest's random code rarely
 * wrote to them, and under TCG rewriting pages that held executed code is
 * what costs (measured: 2.6 ms for the image and tables, most of a fresh
 * guest's price).
 */
static void refresh_memory(uint8_t *mem, const uint8_t *clean)
{
	size_t len = _binary_guest_bin_end - _binary_guest_bin_start;
	const unsigned long range[3][2] = {
		{ G_PML4, G_PD + 4096 },
		{ G_LOAD, G_LOAD + len },
		{ G_USER_LOAD, G_USER_LOAD + len },
	};
	unsigned long p;
	int r;

	for (r = 0; r < 3; r++)
		for (p = range[r][0]; p < range[r][1]; p += 4096)
			if (memcmp(mem + p, clean + p, 4096))
				memcpy(mem + p, clean + p, 4096);
}

/*
 * A guest on @vm->mem with random registers, entering guest_main(mode,
 * ...).  Entering the random code directly, with every register random,
 * would save two page faults, but made QEMU 7.2 itself hang or segfault
 * twice in three runs of 30000 guests.
 */
static int start_guest(struct vm *vm, uint64_t mode, uint64_t arg)
{
	struct mv_guest_config cfg = {
		.mem_base = (uintptr_t)vm->mem,
		.mem_size = G_MEM_SIZE,
	};
	struct mv_regs r = {
		.rip = G_LOAD, .rsp = G_STACK_TOP, .cr3 = G_PML4, .rflags = 2,
		.rdi = mode,
		.rsi = mode == GM_HCFUZZ ? rnd() : arg,
		.rdx = mode == GM_HCFUZZ ? 200 : 0,
	};

	r.rbx = rnd(); r.rbp = rnd(); r.r8 = rnd(); r.r9 = rnd();
	r.r10 = rnd(); r.r11 = rnd(); r.r12 = rnd(); r.r13 = rnd();
	r.r14 = rnd(); r.r15 = rnd(); r.rax = rnd(); r.rcx = rnd();
	vm->fd = open(MV_DEV, O_RDWR | O_CLOEXEC);
	if (vm->fd < 0)
		return -1;
	return ioctl(vm->fd, MV_CREATE_GUEST, &cfg) ||
	       ioctl(vm->fd, MV_SET_REGS, &r);
}

/*
 * The seed of guest @i of worker @w, from which its code, its registers
 * and our answers to its hypercalls follow (splitmix64 of the three).
 */
static uint64_t guest_seed(uint64_t seed, int w, unsigned long i)
{
	uint64_t z = seed + ((uint64_t)w << 40) + i + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) | 1;
}

/* What became of one guest. */
struct trace {
	uint64_t seed;
	char end[112];
};

/*
 * One guest from @t->seed on @vm->mem, laid out afresh from @clean:
 * create, run, close.  Its code page is random, or @code (@len bytes, the
 * rest int3).  Returns 0, or -1 if the module failed it.
 */
static int one_guest(struct vm *vm, const uint8_t *clean, uint64_t mode,
		     uint64_t arg, struct trace *t, struct outcome *o,
		     const uint8_t *code, size_t len)
{
	uint8_t *page = vm->mem + (arg == 3 ? FUZZ_USER_CODE : FUZZ_CODE);
	unsigned long t0 = now_us(), t1, t2;

	rng = t->seed;
	snprintf(t->end, sizeof(t->end), "(running)");
	refresh_memory(vm->mem, clean);
	if (code) {
		memset(page, 0xcc, 4096);
		memcpy(page, code, len);
	} else {
		random_code(page, 4096);
	}
	if (start_guest(vm, mode, arg))
		return -1;
	t1 = now_us();
	if (run_one(vm, o, t->end, sizeof(t->end)))
		return -1;
	t2 = now_us();
	close(vm->fd);
	o->us_create += t1 - t0;
	o->us_run += t2 - t1;
	o->us_close += now_us() - t2;
	return 0;
}

/*
 * The watch.  The stalls this test has found were silent as far as the
 * module knew: a guest took a CPU's local timer with it (the CPU went on
 * switching guests, but no tick came again), or held its CPU with the
 * host's interrupts blocked until an NMI.  So each worker runs on a CPU of
 * its own, makes sure every WATCH_EVERY guests that the CPU's LOC count in
 * /proc/interrupts still moves, and keeps the seeds and ends of its last
 * RING guests in memory the other workers see.  A worker whose timer
 * stopped prints its ring and gives up; one whose guest has run for
 * WATCH_HUNG_US (a guest is stopped after 2 ms) has its ring printed by
 * another.  The guest to blame is among the last few: replay them.
 */
#define RING		128
#define WATCH_EVERY	32
#define WATCH_HUNG_US	3000000UL

struct watch {
	volatile unsigned long started_us;	/* the running guest's; 0: none */
	volatile unsigned long n;		/* guests started */
	volatile int finished, reported;
	int cpu;
	struct trace ring[RING];
};

static struct watch *watches;	/* one per worker, shared */

/* @cpu's local timer interrupts so far, or -1 if we cannot tell. */
static long loc_count(int cpu)
{
	char line[4096], *p;
	long v = -1;
	FILE *f = fopen("/proc/interrupts", "r");
	int c;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = line + strspn(line, " ");
		if (strncmp(p, "LOC:", 4))
			continue;
		p += 4;
		for (c = 0; c <= cpu; c++)
			v = strtol(p, &p, 10);
		break;
	}
	fclose(f);
	return v;
}

/*
 * Does @cpu's local timer still tick?  We spin on that CPU, so the tick
 * (HZ 250 on Debian) comes every 4 ms; half a second without one, on a
 * CPU that is busy, is a dead timer even in a test host starved by its
 * build machine.
 */
static bool timer_ticks(int cpu, long *last)
{
	unsigned long t0 = now_us(), waited;
	long v;

	do {
		/* the time first: a count read after it is never stale */
		waited = now_us() - t0;
		v = loc_count(cpu);
		if (v < 0 || v != *last) {
			*last = v;
			return true;
		}
	} while (waited < 500000);
	return false;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void dump_ring(int w, const char *why)
{
	struct watch *wt = &watches[w];
	unsigned long n = wt->n, k;

	fprintf(stderr, "# fuzz: worker %d (CPU %d) %s; its last %lu guests:\n",
		w, wt->cpu, why, n < RING ? n : RING);
	for (k = n > RING ? n - RING : 0; k < n; k++)
		fprintf(stderr, "#   guest %lu seed %#llx: %s\n", k,
			(unsigned long long)wt->ring[k % RING].seed,
			wt->ring[k % RING].end);
}

/* Report, once, any other worker whose guest has run for too long. */
static void watch_others(int me, int workers)
{
	int w;

	for (w = 0; w < workers; w++) {
		unsigned long s = watches[w].started_us;

		if (w == me || !s || watches[w].reported ||
		    now_us() - s < WATCH_HUNG_US)
			continue;
		watches[w].reported = 1;
		dump_ring(w, "has run one guest for over 3 s");
	}
}

/*
 * One worker: @guests guests, one after the other, on the same launcher
 * memory, laid out afresh for each.  Returns 0, or which guest went wrong.
 */
static long worker(int w, int workers, uint64_t seed, unsigned long guests,
		   uint64_t mode, uint64_t arg, time_t deadline, struct outcome *o)
{
	struct watch *me = &watches[w];
	struct vm vm = { 0 };
	uint8_t *clean;
	unsigned long i;
	long loc, bad = 0;

	me->cpu = w;
	pin_to(w);
	loc = loc_count(w);
	if (!map_guest(&vm.mem, &clean))
		return -1;
	for (i = 0; i < guests && time(NULL) < deadline; i++, o->done++) {
		struct trace *t = &me->ring[i % RING];

		t->seed = guest_seed(seed, w, i);
		me->started_us = now_us();
		me->n = i + 1;
		if (one_guest(&vm, clean, mode, arg, t, o, NULL, 0)) {
			bad = i + 1;
			break;
		}
		me->started_us = 0;
		watch_others(w, workers);
		if (i % WATCH_EVERY == WATCH_EVERY - 1 && !timer_ticks(w, &loc)) {
			dump_ring(w, "lost its local timer");
			bad = i + 1;
			break;
		}
	}
	me->started_us = 0;
	me->finished = 1;
	/* keep watching the others: a guest that holds its CPU is the case */
	for (;;) {
		for (i = 0; i < (unsigned long)workers; i++)
			if (!watches[i].finished)
				break;
		if (i == (unsigned long)workers || time(NULL) >= deadline)
			break;
		watch_others(w, workers);
		usleep(100000);
	}
	munmap(vm.mem, G_MEM_SIZE);
	munmap(clean, G_MEM_SIZE);
	return bad;
}

#define WORKERS	2	/* one per test-host CPU */
/*
 * Stop early rather than let the test host's own limit (1200 s for the
 * whole run) end everybody's tests: 100000 ring-1 guests take about 400 s
 * on our loaded 2-core machine.  Stopping early is a failure all the same.
 */
#define TIME_LIMIT	540

/* @mode GM_FUZZ (@arg the ring) or GM_HCFUZZ, in WORKERS processes. */
static void fuzz(struct __test_metadata *_metadata, uint64_t mode, uint64_t arg)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned long guests = env_or("MV_FUZZ_GUESTS",
				      mv_scaled(mode == GM_FUZZ && arg == 1 ?
						100000 : 10000, 10));
	uint64_t seed = env_or("MV_FUZZ_SEED", time(NULL));
	struct outcome o = { 0 }, ow;
	time_t t0 = time(NULL);
	unsigned long us0 = now_us();
	pid_t pids[WORKERS];
	int fd, k, w, p[2], status;

	mv_open_or_skip(fd);
	close(fd);
	sigaction(SIGALRM, &sa, NULL);
	allow_ss = env_or("MV_FUZZ_SS", 0);
	/* first, so that a run that takes the test host down can be replayed */
	TH_LOG("seed %#llx, %lu guests, %d workers%s", (unsigned long long)seed,
	       guests, WORKERS, allow_ss ? ", SS loads kept" : "");
	ASSERT_EQ(0, pipe(p));
	watches = mmap(NULL, WORKERS * sizeof(*watches), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, watches);
	for (w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		ASSERT_LE(0, pids[w]);
		if (!pids[w]) {
			long bad;

			memset(&ow, 0, sizeof(ow));
			bad = worker(w, WORKERS, seed, guests / WORKERS, mode,
				     arg, t0 + TIME_LIMIT, &ow);
			if (write(p[1], &ow, sizeof(ow)) != sizeof(ow))
				_exit(100);
			_exit(bad ? 1 : 0);
		}
	}
	for (w = 0; w < WORKERS; w++) {
		unsigned long *sum = (unsigned long *)&o, *add = (unsigned long *)&ow;

		ASSERT_EQ(sizeof(ow), read(p[0], &ow, sizeof(ow)));
		for (k = 0; k < (int)(sizeof(o) / sizeof(*sum)); k++)
			sum[k] += add[k];
	}
	for (w = 0; w < WORKERS; w++) {
		ASSERT_EQ(pids[w], waitpid(pids[w], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("worker %d (seed %#llx) failed: status %#x", w,
			       (unsigned long long)seed + w, status);
	}
	guests = guests / WORKERS * WORKERS;
	TH_LOG("seed %#llx, %lu guests in %ld s: %lu killed by the module, %lu crashed by their own word, %lu shut down, %lu still running when stopped; %lu other exits",
	       (unsigned long long)seed, o.done, (long)(time(NULL) - t0),
	       o.crash_hv, o.crash_guest, o.shutdown, o.stopped, o.exits);
	TH_LOG("  %.0f guests/s; per guest and worker: %lu us creating, %lu us running, %lu us closing",
	       o.done * 1e6 / (now_us() - us0), o.us_create / (o.done ? o.done : 1),
	       o.us_run / (o.done ? o.done : 1), o.us_close / (o.done ? o.done : 1));
	for (k = 0; k < 8; k++)
		TH_LOG("  killed, reason with \"%s\": %lu", reason_keys[k],
		       o.by_reason[k]);
	EXPECT_EQ(guests, o.done) TH_LOG("not all guests ran within %d s", TIME_LIMIT);
	EXPECT_EQ(o.done, o.crash_hv + o.crash_guest + o.shutdown + o.stopped);
	munmap(watches, WORKERS * sizeof(*watches));
}

/*
 * MV_FUZZ_REPLAY: run the guests of the listed seeds again, alone, each
 * MV_FUZZ_REPEAT times, and check the CPU's timer after every run.
 */
static void replay(struct __test_metadata *_metadata, const char *list)
{
	unsigned long ring = env_or("MV_FUZZ_RING", 1);
	unsigned long repeat = env_or("MV_FUZZ_REPEAT", 1), r;
	struct sigaction sa = { .sa_handler = on_alarm };
	int cpu = env_or("MV_FUZZ_CPU", 1);
	uint64_t mode = ring ? GM_FUZZ : GM_HCFUZZ;
	struct outcome o = { 0 };
	struct trace t;
	struct vm vm = { 0 };
	uint8_t *clean;
	const char *p = list;
	char *next;
	long loc;
	int fd;

	mv_open_or_skip(fd);
	close(fd);
	allow_ss = env_or("MV_FUZZ_SS", 0);
	sigaction(SIGALRM, &sa, NULL);
	pin_to(cpu);
	ASSERT_TRUE(map_guest(&vm.mem, &clean));
	loc = loc_count(cpu);
	for (; *p; p = *next ? next + 1 : next) {
		uint64_t seed = strtoull(p, &next, 0);

		ASSERT_TRUE(next != p && (*next == ',' || !*next))
			TH_LOG("MV_FUZZ_REPLAY: bad seed at \"%s\"", p);
		/* before it runs: a guest that never comes back is this one */
		TH_LOG("seed %#llx, ring %lu, on CPU %d:", (unsigned long long)seed,
		       ring, cpu);
		for (r = 0; r < repeat; r++) {
			t.seed = seed;
			ASSERT_EQ(0, one_guest(&vm, clean, mode, ring, &t, &o, NULL, 0))
				TH_LOG("seed %#llx: the module failed the guest: %s",
				       (unsigned long long)seed, strerror(errno));
			if (!r)
				TH_LOG("  %s", t.end);
			ASSERT_TRUE(timer_ticks(cpu, &loc))
				TH_LOG("CPU %d lost its local timer after seed %#llx, run %lu: %s",
				       cpu, (unsigned long long)seed, r, t.end);
		}
	}
	TH_LOG("%lu guests run, CPU %d's timer still ticking",
	       o.crash_hv + o.crash_guest + o.shutdown + o.stopped, cpu);
}

/*
 * Named cases: code that broke the host once, run on purpose, 20 guests
 * on each CPU.  Each guest must end with a reason or still be running
 * when stopped, and the CPU's local timer must tick afterwards.  The
 * guests run in a child on that CPU, watched from another: a CPU whose
 * timer died cannot stop its guest (the alarm is a timer of that CPU),
 * but it still takes the IPI that a SIGKILL sends.
 */
static int named_case_on(int cpu, const char *name, const uint8_t *code,
			 size_t len)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct outcome o = { 0 };
	struct vm vm = { 0 };
	struct trace t;
	uint8_t *clean;
	long loc;
	int i;

	sigaction(SIGALRM, &sa, NULL);
	pin_to(cpu);
	if (!map_guest(&vm.mem, &clean))
		return 1;
	loc = loc_count(cpu);
	for (i = 0; i < 20; i++) {
		t.seed = i + 1;
		if (one_guest(&vm, clean, GM_FUZZ, 1, &t, &o, code, len)) {
			fprintf(stderr, "# %s: the module failed the guest: %s\n",
				name, strerror(errno));
			return 1;
		}
		if (!i)
			fprintf(stderr, "# %s on CPU %d: %s\n", name, cpu, t.end);
		if (!timer_ticks(cpu, &loc)) {
			fprintf(stderr, "# %s: CPU %d lost its local timer (guest %d: %s)\n",
				name, cpu, i, t.end);
			return 1;
		}
	}
	return 0;
}

static void named_case(struct __test_metadata *_metadata, const char *name,
		       const uint8_t *code, size_t len)
{
	int cpu, ncpus = sysconf(_SC_NPROCESSORS_ONLN), status, fd;

	mv_open_or_skip(fd);
	close(fd);
	for (cpu = 0; cpu < ncpus; cpu++) {
		unsigned long t0 = now_us();
		pid_t pid, w;

		pin_to((cpu + 1) % ncpus);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			_exit(named_case_on(cpu, name, code, len));
		while (!(w = waitpid(pid, &status, WNOHANG)) &&
		       now_us() - t0 < 20000000)
			usleep(10000);
		if (!w) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		ASSERT_NE(0, w)
			TH_LOG("%s: CPU %d never came back from its guest in 20 s: its timer is gone",
			       name, cpu);
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
			TH_LOG("%s: CPU %d: status %#x", name, cpu, status);
	}
}

/*
 * A null selector into SS, which ring 1 may load in 64-bit mode, then a
 * spin with interrupts on.  QEMU's TCG (7.2; upstream's reads the same)
 * takes the CPL from SS's descriptor and gives a null one DPL 0: the guest
 * runs on in ring 0 as far as the emulator knows, and an interrupt then
 * keeps the current stack instead of switching to TSS.RSP0.  The
 * switcher once missed such an exit's frame, read a stale vector and
 * never gave the host its timer interrupt: no EOI, and the CPU's local
 * timer was gone for good (the fuzz test's RCU stalls).  RPL 0 is refused
 * by a real CPU (#GP), RPL 1 is taken; both are tried.
 */
TEST(null_ss_rpl0)
{
	/* xor %eax,%eax; mov %eax,%ss; jmp . */
	static const uint8_t code[] = { 0x31, 0xc0, 0x8e, 0xd0, 0xeb, 0xfe };

	named_case(_metadata, "null SS, RPL 0", code, sizeof(code));
}

TEST(null_ss_rpl1)
{
	/* mov $1,%eax; mov %eax,%ss; jmp . */
	static const uint8_t code[] = { 0xb8, 0x01, 0x00, 0x00, 0x00,
					0x8e, 0xd0, 0xeb, 0xfe };

	named_case(_metadata, "null SS, RPL 1", code, sizeof(code));
}

/*
 * The same null SS, then "int $0xf8", the host's reboot vector: a real CPU
 * refuses it to ring 1 (#GP), TCG's "ring 0" takes it through the gate.
 * It must not reach the host's handler, which would stop the CPU: the
 * guest dies instead (run.c, host_interrupt()).
 */
TEST(null_ss_int_reboot_vector)
{
	/* mov $1,%eax; mov %eax,%ss; int $0xf8; jmp . */
	static const uint8_t code[] = { 0xb8, 0x01, 0x00, 0x00, 0x00,
					0x8e, 0xd0, 0xcd, 0xf8, 0xeb, 0xfe };

	named_case(_metadata, "null SS, int $0xf8", code, sizeof(code));
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, random_code_ring1, 3600)
{
	if (getenv("MV_FUZZ_REPLAY"))
		SKIP(return, "MV_FUZZ_REPLAY: only the replay");
	fuzz(_metadata, GM_FUZZ, 1);
}

TEST_F_TIMEOUT(slow, random_code_ring3, 3600)
{
	if (getenv("MV_FUZZ_REPLAY"))
		SKIP(return, "MV_FUZZ_REPLAY: only the replay");
	fuzz(_metadata, GM_FUZZ, 3);
}

TEST_F_TIMEOUT(slow, random_hypercalls, 3600)
{
	if (getenv("MV_FUZZ_REPLAY"))
		SKIP(return, "MV_FUZZ_REPLAY: only the replay");
	fuzz(_metadata, GM_HCFUZZ, 0);
}

TEST_F_TIMEOUT(slow, replay, 3600)
{
	const char *list = getenv("MV_FUZZ_REPLAY");

	if (!list)
		SKIP(return, "set MV_FUZZ_REPLAY=seed[,seed...] to replay guests");
	replay(_metadata, list);
}

TEST_HARNESS_MAIN
