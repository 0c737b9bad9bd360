// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * librodp loaded with dlopen(), as Python's ctypes or an MPI component
 * loads it: the load must succeed in a process that did not link it, and
 * the library must not ask for static TLS (DF_STATIC_TLS, set by any
 * initial-exec TLS access): its TLS block would then have to fit the
 * small surplus glibc keeps for such loads, and dlopen() fails with
 * "cannot allocate memory in static TLS block" once it does not. The
 * per-thread state is then used from two threads through the loaded copy.
 */
#define _GNU_SOURCE
#include <config.h>

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>

#include "../cunit_run.h"
#include <rodp/rodp.h>

typedef int (*lib_stats_fn)(struct rodp_lib_stats *, size_t);
typedef int (*dereg_fn)(struct ibv_mr *);

static void *lib;

static int load(void)
{
	lib = dlopen(RODP_SO, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		fprintf(stderr, "dlopen(%s): %s\n", RODP_SO, dlerror());
	return 0;
}

static void test_loads(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(lib);
}

static void test_no_static_tls(void)
{
	struct link_map *map = NULL;
	const ElfW(Dyn) *d;
	int seen = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(lib);
	CU_ASSERT_EQUAL_FATAL(dlinfo(lib, RTLD_DI_LINKMAP, &map), 0);
	for (d = map->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag != DT_FLAGS)
			continue;
		seen = 1;
		if (d->d_un.d_val & DF_STATIC_TLS)
			fprintf(stderr, "%s has DF_STATIC_TLS: an initial-exec "
				"TLS access crept in\n", RODP_SO);
		CU_ASSERT_FALSE(d->d_un.d_val & DF_STATIC_TLS);
	}
	(void)seen;	/* no DT_FLAGS at all is fine too */
}

/* An error message and a count from a thread of its own, through the
 * loaded copy: its per-thread state works without static TLS. */
static void *use_from_thread(void *arg)
{
	dereg_fn dereg = (dereg_fn)dlsym(lib, "rodp_dereg_mr");
	const char *(*msg)(void) =
		(const char *(*)(void))dlsym(lib, "rodp_last_error_msg");

	(void)arg;
	if (!dereg || !msg || dereg(NULL) != EINVAL || !msg()[0])
		return (void *)1;
	return NULL;
}

static void test_threads_use_it(void)
{
	lib_stats_fn stats;
	struct rodp_lib_stats s;
	pthread_t t[2];
	void *ret;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(lib);
	stats = (lib_stats_fn)dlsym(lib, "rodp_get_lib_stats");
	CU_ASSERT_PTR_NOT_NULL_FATAL(stats);
	for (i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL,
						     use_from_thread, NULL), 0);
	for (i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(pthread_join(t[i], &ret), 0);
		CU_ASSERT_PTR_NULL(ret);
	}
	CU_ASSERT_EQUAL_FATAL(stats(&s, sizeof(s)), 0);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_loads),
		RODP_TEST(test_no_static_tls),
		RODP_TEST(test_threads_use_it),
	};

	return rodp_cunit_run("dlopen", load, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
