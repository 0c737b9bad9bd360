// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Data stays correct under the kernel's automatic NUMA balancing, on a
 * guest with two NUMA nodes (tests/vm/run --numa), under both policies.
 *
 * The balancer marks slices of the process PROT_NONE (PROTECTION_VMA,
 * VMA unchanged: nothing revoked, so event-aware skips it) and, when the
 * CPU then touches a page from the other node, migrates it (an
 * invalidation of its own, delegated). A page the balancer moved must be
 * refaulted by the device, never read or written stale. So the test
 * moves itself from one node's CPU to the other's every round; each
 * round the CPU writes a new pattern into the whole ODP region, the
 * device reads it back (byte-checked), the device writes the next
 * pattern and the CPU checks it.
 *
 * It fails when the balancer did not scan at all (numa_pte_updates of
 * /proc/vmstat did not move), since then it proved nothing. Run it with
 * tests/vm/run --numa -- tests/func/test_numa; elsewhere it exits 77
 * with the reason. RODP_NUMA_SECONDS sets each policy's time (default 20).
 */
#include <config.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "func_util.h"

#define NPAGES 256

static struct lb lb;
static struct rodp_ctx *rodp;
static double seconds = 20;

#define D(field) (after.field - before.field)
#define DI(cause) (after.inval[cause] - before.inval[cause])

static void run_on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	CU_ASSERT_EQUAL_FATAL(sched_setaffinity(0, sizeof(set), &set), 0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void balance_case(uint32_t policy)
{
	unsigned long ptes0 = func_vmstat("numa_pte_updates");
	unsigned long moved0 = func_vmstat("numa_pages_migrated");
	struct rodp_stats before, after;
	unsigned long rounds = 0, bad = 0;
	struct func_fix f;
	double end;
	uint8_t seed = 10;

	func_fix_init(&f, &lb, rodp, policy, NPAGES);
	func_proc_stats(rodp, &before);
	end = now() + seconds;
	while (now() < end) {
		run_on_cpu(rounds & 1);
		func_fill(f.buf, f.len, seed);
		if (func_dev_read(&f, 0, NPAGES) != IBV_WC_SUCCESS ||
		    func_check(f.loc, f.len, seed))
			bad++;
		seed++;
		if (func_dev_write(&f, 0, NPAGES, seed) != IBV_WC_SUCCESS ||
		    func_check(f.buf, f.len, seed))
			bad++;
		seed++;
		rounds++;
	}
	func_proc_stats(rodp, &after);
	run_on_cpu(0);
	printf("\n    %-11s %lu rounds, %lu wrong; balancer: %lu PTEs marked, %lu pages migrated; region: protection-vma %llu clear %llu migrate %llu, delegated %llu skip-protection %llu, fault-pages %llu",
	       policy == RODP_POLICY_STOCK ? "stock" : "event-aware", rounds,
	       bad, func_vmstat("numa_pte_updates") - ptes0,
	       func_vmstat("numa_pages_migrated") - moved0,
	       (unsigned long long)DI(RODP_INVAL_PROTECTION_VMA),
	       (unsigned long long)DI(RODP_INVAL_CLEAR),
	       (unsigned long long)DI(RODP_INVAL_MIGRATE),
	       (unsigned long long)D(delegated),
	       (unsigned long long)D(skip_protection),
	       (unsigned long long)D(fault_pages));
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(rounds >= 2);
	/* No balancer scan, no proof. */
	CU_ASSERT(func_vmstat("numa_pte_updates") > ptes0);
	/* Nothing but the balancer changes this region's protection. */
	CU_ASSERT_EQUAL(policy == RODP_POLICY_STOCK ?
			D(skipped) + D(downgraded) :
			DI(RODP_INVAL_PROTECTION_VMA) - D(skip_protection), 0);
	func_fix_fini(&f);
}

static void test_data_under_balancing(void)
{
	balance_case(RODP_POLICY_EVENT_AWARE);
	balance_case(RODP_POLICY_STOCK);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_data_under_balancing),
	};
	const char *why = func_numa_missing();
	const char *s = getenv("RODP_NUMA_SECONDS");
	int ret;

	if (why) {
		printf("SKIP: %s\n", why);
		return RODP_TEST_SKIP;
	}
	if (s && atof(s) > 0)
		seconds = atof(s);
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	ret = rodp_cunit_run("numa", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
