// SPDX-License-Identifier: GPL-2.0
/*
 * Eight threads opening, asking and closing at once: every call succeeds,
 * every answer is right, and the module's references come back to where
 * they were.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "mv_test.h"

#define THREADS	8
#define ROUNDS	500

struct worker {
	pthread_t thread;
	int errors;
	int done;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct mv_host_info info;
	int i, fd;

	for (i = 0; i < ROUNDS; i++) {
		fd = open(MV_DEV, O_RDWR);
		if (fd < 0) {
			w->errors++;
			continue;
		}
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (ioctl(fd, MV_GET_ABI_VERSION) != MEGAVIRT_ABI_VERSION ||
		    ioctl(fd, MV_GET_HOST_INFO, &info) ||
		    info.abi_version != MEGAVIRT_ABI_VERSION)
			w->errors++;
		if (close(fd))
			w->errors++;
		w->done++;
	}
	return NULL;
}

TEST(eight_threads)
{
	struct worker workers[THREADS] = { 0 };
	long base;
	int fd, i;

	mv_open_or_skip(fd);
	close(fd);
	base = mv_module_refcnt();

	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&workers[i].thread, NULL, work, &workers[i]));
	for (i = 0; i < THREADS; i++) {
		ASSERT_EQ(0, pthread_join(workers[i].thread, NULL));
		EXPECT_EQ(0, workers[i].errors) TH_LOG("thread %d", i);
		EXPECT_EQ(ROUNDS, workers[i].done);
	}
	EXPECT_EQ(base, mv_module_refcnt());
}

TEST_HARNESS_MAIN
