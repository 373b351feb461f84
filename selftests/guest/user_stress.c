// SPDX-License-Identifier: GPL-2.0
/*
 * Runs inside a megavirt guest, from the squashfs disk user.sh mounts: what a guest's programs expect of its kernel (issue 5,
 * item 2), each step one line "user: STEP ok" or "user: STEP FAILED: why".
 *
 *   fork	fork and exec a program many times, each exit status kept
 *   threads	threads sharing memory, each adding to its own counter
 *   signals	a signal sent to ourselves reaches its handler
 *   mprotect	a write to a read-only page faults (SIGSEGV with the
 *		address), the handler makes it writable, the write is redone
 *   munmap	a page read after munmap faults
 *
 * The faults go through the hypervisor's shadow page tables and back to
 * the guest kernel, which must turn them into the right signal.  Exit
 * status 0 when every step passed, 1 otherwise.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int failed;

static void result(const char *step, const char *why)
{
	if (why) {
		printf("user: %s FAILED: %s\n", step, why);
		failed = 1;
	} else {
		printf("user: %s ok\n", step);
	}
	fflush(stdout);
}

static const char *fork_exec(void)
{
	int i, status;

	for (i = 0; i < 40; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return "fork failed";
		if (pid == 0) {
			/* busybox sh: exit with our number, mod 256 */
			char code[16];

			snprintf(code, sizeof(code), "exit %d", i);
			execl("/bin/sh", "sh", "-c", code, (char *)NULL);
			_exit(255);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != i)
			return "a child's exit status was lost";
	}
	return NULL;
}

#define NTHREADS	4
#define NADDS		200000

static volatile unsigned long counters[NTHREADS];

static void *adder(void *arg)
{
	unsigned long i, me = (unsigned long)arg;

	for (i = 0; i < NADDS; i++)
		counters[me]++;
	return NULL;
}

static const char *threads(void)
{
	pthread_t t[NTHREADS];
	unsigned long i;

	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, adder, (void *)i))
			return "pthread_create failed";
	for (i = 0; i < NTHREADS; i++)
		if (pthread_join(t[i], NULL))
			return "pthread_join failed";
	for (i = 0; i < NTHREADS; i++)
		if (counters[i] != NADDS)
			return "a thread's count is wrong";
	return NULL;
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static const char *signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	if (sigaction(SIGUSR1, &sa, NULL))
		return "sigaction failed";
	if (kill(getpid(), SIGUSR1))
		return "kill failed";
	if (!got_usr1)
		return "the handler did not run";
	return NULL;
}

static char *page;
static long pagesize;
static void *volatile fault_addr;
static sigjmp_buf jump;
static volatile sig_atomic_t fix_it;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	fault_addr = si->si_addr;
	if (fix_it && !mprotect(page, pagesize, PROT_READ | PROT_WRITE))
		return;		/* the write is redone */
	siglongjmp(jump, 1);
}

static const char *protect(void)
{
	struct sigaction sa;
	volatile char *v;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSEGV, &sa, NULL))
		return "sigaction failed";
	page = mmap(NULL, pagesize, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return "mmap failed";
	v = page;
	v[0] = 1;
	if (mprotect(page, pagesize, PROT_READ))
		return "mprotect failed";
	fix_it = 1;
	fault_addr = NULL;
	v[8] = 2;
	fix_it = 0;
	if (fault_addr != page + 8)
		return "no SIGSEGV at the address written";
	if (v[0] != 1 || v[8] != 2)
		return "the page's contents are wrong";
	return NULL;
}

static const char *unmap(void)
{
	volatile char *p = page;

	if (munmap(page, pagesize))
		return "munmap failed";
	fault_addr = NULL;
	if (!sigsetjmp(jump, 1)) {
		(void)p[0];
		return "a read after munmap did not fault";
	}
	if (fault_addr != page)
		return "the fault's address is wrong";
	return NULL;
}

int main(void)
{
	pagesize = sysconf(_SC_PAGESIZE);
	result("fork", fork_exec());
	result("threads", threads());
	result("signals", signals());
	result("mprotect", protect());
	result("munmap", unmap());
	return failed;
}
