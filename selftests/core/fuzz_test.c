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
 * Run one guest until it ends or 2 ms pass; record how it ended.  The
 * timer repeats: a first SIGALRM that comes before MV_RUN is entered
 * would otherwise leave a spinning guest running for good.
 */
static int run_one(struct vm *vm, struct outcome *o)
{
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } }, off = { 0 };
	int n, ret = 0;

	setitimer(ITIMER_REAL, &it, NULL);
	for (n = 0; ; n++) {
		if (ioctl(vm->fd, MV_RUN, &vm->run)) {
			if (errno != EINTR)
				ret = -1;
			o->stopped++;
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
			break;
		}
		if (vm->run.exit_reason == MV_EXIT_SHUTDOWN ||
		    vm->run.exit_reason == MV_EXIT_REBOOT) {
			o->shutdown++;
			break;
		}
		/* hypercalls to us, notifies, MMIO: answer anything */
		o->exits++;
		vm->run.hypercall.ret = rnd();
		if (n > 1000) {
			o->stopped++;
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
 */
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
	for (i = 1; i < len; i++)
		if (p[i - 1] == 0xff && ((p[i] & 0xf8) == 0xd8 || (p[i] & 0xf8) == 0xe8))
			p[i] ^= 0x40;
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
 * One worker: @guests guests, one after the other, on the same launcher
 * memory, laid out afresh for each.  Returns 0, or which guest went wrong.
 */
static long worker(unsigned long guests, uint64_t mode, uint64_t arg,
		   time_t deadline, struct outcome *o)
{
	struct vm vm = { 0 };
	uint8_t *clean;
	unsigned long i;

	vm.mem = mmap(NULL, G_MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	clean = mmap(NULL, G_MEM_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm.mem == MAP_FAILED || clean == MAP_FAILED)
		return -1;
	vm_init_memory(clean);
	vm_init_memory(vm.mem);
	for (i = 0; i < guests && time(NULL) < deadline; i++, o->done++) {
		unsigned long t0 = now_us(), t1, t2;

		refresh_memory(vm.mem, clean);
		random_code(vm.mem + (arg == 3 ? FUZZ_USER_CODE : FUZZ_CODE), 4096);
		if (start_guest(&vm, mode, arg))
			return i + 1;
		t1 = now_us();
		if (run_one(&vm, o))
			return i + 1;
		t2 = now_us();
		close(vm.fd);
		o->us_create += t1 - t0;
		o->us_run += t2 - t1;
		o->us_close += now_us() - t2;
	}
	munmap(vm.mem, G_MEM_SIZE);
	munmap(clean, G_MEM_SIZE);
	return 0;
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
	/* first, so that a run that takes the test host down can be replayed */
	TH_LOG("seed %#llx, %lu guests, %d workers", (unsigned long long)seed,
	       guests, WORKERS);
	ASSERT_EQ(0, pipe(p));
	for (w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		ASSERT_LE(0, pids[w]);
		if (!pids[w]) {
			long bad;

			rng = (seed + w) | 1;
			memset(&ow, 0, sizeof(ow));
			bad = worker(guests / WORKERS, mode, arg, t0 + TIME_LIMIT, &ow);
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
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, random_code_ring1, 3600)
{
	fuzz(_metadata, GM_FUZZ, 1);
}

TEST_F_TIMEOUT(slow, random_code_ring3, 3600)
{
	fuzz(_metadata, GM_FUZZ, 3);
}

TEST_F_TIMEOUT(slow, random_hypercalls, 3600)
{
	fuzz(_metadata, GM_HCFUZZ, 0);
}

TEST_HARNESS_MAIN
