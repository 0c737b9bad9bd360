// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * `rdma stat mr` on rodp's rdma_rxe (kernel/rxe/patches/0008) against
 * `rodp stat mr`, after a workload whose every page the test knows, under
 * both policies. Each tool's figures must be what the workload did:
 *
 *   step                            rdma stat mr (rxe)     rodp stat mr
 *   device WRITE of pages 0-15      page_faults +16        page_faults +16
 *   ibv_advise_mr pages 32-39       page_prefetch +8       page_faults +8 (1)
 *   MADV_DONTNEED pages 0-3         page_invalidations +4  page_invalidations +4
 *   soft-dirty clear (20 mapped)    stock: +20, one more   +64 (2), one more
 *                                   event-aware: nothing   (downgraded)
 *   rodp.ko prefetch of the MR      nothing                page_prefetch +64
 *
 * (1) rodp.ko sees the driver's prefetch as a fault: both go through
 *     ib_umem_odp_map_dma_and_lock() (rodp.7 man page).
 * (2) rodp counts what the kernel notified for the MR (the whole MR for a
 *     soft-dirty clear), rxe what reached it and found pages mapped.
 * Every *_handled count of faults must be the same in both tools (the
 * same calls), and rxe's page_invalidations_handled equals the
 * invalidations rodp.ko passed to the driver (act-delegated, act-shrunk,
 * act-fallback).
 *
 * The tools are the built ones: RODP_CLI (default: this build's
 * tools/rodp) and rdma(8) from iproute2.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../cunit_run.h"
#include "func_util.h"

#define NPAGES 64
#define MAX_OUT (1 << 20)

static struct lb lb;
static struct rodp_ctx *rodp;
static size_t page;

/* The five counters mlx5 and rodp's rdma_rxe give each ODP MR. */
struct odp_counts {
	int64_t faults, faults_handled, inval, inval_handled, prefetch;
};

/* What rodp stat mr adds that the comparison needs. */
struct rodp_counts {
	struct odp_counts odp;
	int64_t delegated, shrunk, fallback, downgraded;
};

/* The JSON document that cmd prints on stdout; NULL with a message. */
static struct json_object *run_json(const char *cmd)
{
	struct json_object *doc;
	char *out = malloc(MAX_OUT);
	size_t len = 0, n;
	FILE *p;
	int st;

	if (!out)
		return NULL;
	p = popen(cmd, "r");
	if (!p) {
		printf("popen %s: %s\n", cmd, strerror(errno));
		free(out);
		return NULL;
	}
	while (len < MAX_OUT - 1 &&
	       (n = fread(out + len, 1, MAX_OUT - 1 - len, p)) > 0)
		len += n;
	out[len] = 0;
	st = pclose(p);
	doc = st == 0 ? json_tokener_parse(out) : NULL;
	if (!doc)
		printf("'%s' (status %d) printed no JSON: %.300s\n", cmd, st,
		       out);
	free(out);
	return doc;
}

/* A number of obj by key; -1 when it has none. */
static int64_t num(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return -1;
	return json_object_get_int64(v);
}

/*
 * The counters might sit in the object itself or in a nested object, as
 * versions of rdma(8) print them; look in both.
 */
static int64_t counter(struct json_object *obj, const char *key)
{
	int64_t v = num(obj, key);

	if (v >= 0)
		return v;
	json_object_object_foreach(obj, k, sub) {
		(void)k;
		if (json_object_is_type(sub, json_type_object) &&
		    (v = num(sub, key)) >= 0)
			return v;
	}
	return -1;
}

static void odp_from(struct json_object *o, struct odp_counts *c)
{
	c->faults = counter(o, "page_faults");
	c->faults_handled = counter(o, "page_faults_handled");
	c->inval = counter(o, "page_invalidations");
	c->inval_handled = counter(o, "page_invalidations_handled");
	c->prefetch = counter(o, "page_prefetch");
}

/*
 * rxe's counters of the MR of this process whose length is mrlen (the
 * only one here), through rdma res show mr (its mrn) and rdma stat show
 * mr: 0, or -1 with a message.
 */
static int rdma_counts(const char *dev, size_t mrlen, struct odp_counts *c)
{
	struct json_object *res, *st;
	int64_t mrn = -1;
	char cmd[256];
	size_t i;
	int ret = -1;

	snprintf(cmd, sizeof(cmd), "rdma -j res show mr dev %s", dev);
	res = run_json(cmd);
	if (!res)
		return -1;
	for (i = 0; i < json_object_array_length(res); i++) {
		struct json_object *o = json_object_array_get_idx(res, i);

		if (num(o, "pid") == getpid() &&
		    num(o, "mrlen") == (int64_t)mrlen)
			mrn = num(o, "mrn");
	}
	json_object_put(res);
	if (mrn < 0) {
		printf("rdma res show mr: no MR of pid %d with mrlen %zu\n",
		       getpid(), mrlen);
		return -1;
	}
	/* rdma(8) takes no dev filter for stat mr: match dev and mrn. */
	st = run_json("rdma -j stat show mr");
	if (!st)
		return -1;
	for (i = 0; i < json_object_array_length(st); i++) {
		struct json_object *o = json_object_array_get_idx(st, i);
		struct json_object *name;

		if (num(o, "mrn") != mrn ||
		    (json_object_object_get_ex(o, "ifname", &name) &&
		     strcmp(json_object_get_string(name), dev)))
			continue;
		odp_from(o, c);
		printf("rdma stat mr: %s\n", json_object_to_json_string(o));
		ret = 0;
	}
	json_object_put(st);
	if (ret)
		printf("rdma stat show mr: no mrn %" PRId64 "\n", mrn);
	return ret;
}

/* rodp stat mr of the region at addr: 0, or -1 with a message. */
static int rodp_counts(const void *addr, struct rodp_counts *c)
{
	const char *cli = getenv("RODP_CLI");
	struct json_object *doc, *o;
	char cmd[512];

	if (!cli)
		cli = RODP_BUILD_CLI;
	snprintf(cmd, sizeof(cmd), "%s -j stat mr pid %d addr %#lx", cli,
		 getpid(), (unsigned long)addr);
	doc = run_json(cmd);
	if (!doc)
		return -1;
	if (json_object_array_length(doc) != 1) {
		printf("%s: %zu regions, want 1\n", cmd,
		       json_object_array_length(doc));
		json_object_put(doc);
		return -1;
	}
	o = json_object_array_get_idx(doc, 0);
	odp_from(o, &c->odp);
	c->delegated = num(o, "act-delegated");
	c->shrunk = num(o, "act-shrunk");
	c->fallback = num(o, "act-fallback");
	c->downgraded = num(o, "act-downgraded");
	printf("rodp stat mr: %s\n", json_object_to_json_string(o));
	json_object_put(doc);
	return 0;
}

/* Both tools now; CUnit-fatal when either cannot say. */
static void snapshot(const char *step, size_t mrlen, const void *addr,
		     struct odp_counts *rxe, struct rodp_counts *rd)
{
	printf("-- %s\n", step);
	CU_ASSERT_FATAL(rdma_counts(func_dev_name(), mrlen, rxe) == 0);
	CU_ASSERT_FATAL(rodp_counts(addr, rd) == 0);
	CU_ASSERT_FATAL(rxe->faults >= 0 && rxe->faults_handled >= 0 &&
			rxe->inval >= 0 && rxe->inval_handled >= 0 &&
			rxe->prefetch >= 0);
	CU_ASSERT_FATAL(rd->odp.faults >= 0 && rd->odp.prefetch >= 0 &&
			rd->delegated >= 0 && rd->downgraded >= 0);
}

/* The counters both tools must agree on, whatever the step. */
static void agree(const struct odp_counts *rxe, const struct rodp_counts *rd,
		  int64_t rodp_only_fault_calls)
{
	CU_ASSERT_EQUAL(rd->odp.faults, rxe->faults + rxe->prefetch);
	CU_ASSERT_EQUAL(rd->odp.faults_handled,
			rxe->faults_handled + rodp_only_fault_calls);
	CU_ASSERT_EQUAL(rxe->inval_handled,
			rd->delegated + rd->shrunk + rd->fallback);
}

static void workload(enum rodp_policy_mode policy)
{
	size_t len = NPAGES * page, wlen = 16 * page;
	struct odp_counts rxe, rxe0;
	struct rodp_counts rd, rd0;
	struct func_region region;
	struct ibv_mr *mr, *loc_mr;
	uint8_t *buf, *loc;
	bool stock = policy == RODP_POLICY_MODE_STOCK;
	int64_t advised = 8;
	struct ibv_sge sge;
	int err;

	CU_ASSERT_FATAL(rodp_set_policy(rodp, policy) == 0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(buf != MAP_FAILED);
	/* No huge page: khugepaged would invalidate behind the test. */
	CU_ASSERT_FATAL(madvise(buf, len, MADV_NOHUGEPAGE) == 0);
	loc = aligned_alloc(page, wlen);
	CU_ASSERT_FATAL(loc != NULL);
	func_fill(loc, wlen, 7);
	loc_mr = ibv_reg_mr(lb.pd, loc, wlen, IBV_ACCESS_LOCAL_WRITE);
	CU_ASSERT_FATAL(loc_mr != NULL);
	mr = lb_reg_odp(&lb, buf, len);
	CU_ASSERT_FATAL(mr != NULL);

	snapshot("registered, nothing touched", len, buf, &rxe0, &rd0);
	CU_ASSERT_EQUAL(rxe0.faults, 0);
	CU_ASSERT_EQUAL(rxe0.prefetch, 0);
	CU_ASSERT_EQUAL(rxe0.inval, 0);
	CU_ASSERT_EQUAL(rd0.odp.faults, 0);

	/* The device writes pages 0-15: each faults in once. */
	CU_ASSERT_FATAL(lb_rdma(&lb, IBV_WR_RDMA_WRITE, loc, loc_mr->lkey, wlen,
				(uintptr_t)buf, mr->rkey) == IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check(buf, wlen, 7), 0);
	snapshot("device WRITE of pages 0-15", len, buf, &rxe, &rd);
	CU_ASSERT_EQUAL(rxe.faults, 16);
	CU_ASSERT(rxe.faults_handled >= 1 && rxe.faults_handled <= 16);
	CU_ASSERT_EQUAL(rxe.prefetch, 0);
	CU_ASSERT_EQUAL(rd.odp.faults, 16);
	agree(&rxe, &rd, 0);

	/* The driver's own prefetch (synchronous) of pages 32-39. */
	sge = (struct ibv_sge){ .addr = (uintptr_t)buf + 32 * page,
				.length = 8 * page, .lkey = mr->lkey };
	err = ibv_advise_mr(lb.pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
			    IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
	if (err == EOPNOTSUPP) {
		/* rdma-core < 65 does not pass advise_mr to rxe. */
		printf("ibv_advise_mr: EOPNOTSUPP from this rdma-core: pages 32-39 stay unmapped\n");
		advised = 0;
	} else {
		CU_ASSERT_FATAL(err == 0);
	}
	snapshot("ibv_advise_mr of pages 32-39", len, buf, &rxe, &rd);
	CU_ASSERT_EQUAL(rxe.faults, 16);
	CU_ASSERT_EQUAL(rxe.prefetch, advised);
	CU_ASSERT_EQUAL(rd.odp.faults, 16 + advised);
	CU_ASSERT_EQUAL(rd.odp.prefetch, 0);
	agree(&rxe, &rd, advised ? 1 : 0);

	/* Pages 0-3 zapped: one invalidation of 4 mapped pages. */
	CU_ASSERT_FATAL(madvise(buf, 4 * page, MADV_DONTNEED) == 0);
	snapshot("MADV_DONTNEED of pages 0-3", len, buf, &rxe, &rd);
	CU_ASSERT_EQUAL(rxe.inval, 4);
	CU_ASSERT_EQUAL(rxe.inval_handled, 1);
	CU_ASSERT_EQUAL(rd.odp.inval, 4);
	CU_ASSERT_EQUAL(rd.odp.inval_handled, 1);
	agree(&rxe, &rd, advised ? 1 : 0);

	/*
	 * Soft-dirty clear: one SOFT_DIRTY notification over the whole MR,
	 * 12 + advised pages mapped (4-15, 32-39). Stock passes it to rxe,
	 * which unmaps them; event-aware downgrades them and rxe sees
	 * nothing.
	 */
	CU_ASSERT_FATAL(func_clear_soft_dirty() == 0);
	snapshot("soft-dirty clear", len, buf, &rxe, &rd);
	CU_ASSERT_EQUAL(rxe.inval, stock ? 4 + 12 + advised : 4);
	CU_ASSERT_EQUAL(rxe.inval_handled, stock ? 2 : 1);
	CU_ASSERT_EQUAL(rd.odp.inval, 4 + NPAGES);
	CU_ASSERT_EQUAL(rd.odp.inval_handled, 2);
	CU_ASSERT_EQUAL(rd.downgraded - rd0.downgraded, stock ? 0 : 1);
	agree(&rxe, &rd, advised ? 1 : 0);

	/* rodp.ko's own prefetch: the driver does not see it. */
	CU_ASSERT_FATAL(func_region_at(rodp, buf, &region) == 0);
	CU_ASSERT_FATAL(func_prefetch(rodp, region.id,
				      RODP_PREFETCH_WRITE) == 0);
	snapshot("rodp.ko prefetch of the MR", len, buf, &rxe, &rd);
	CU_ASSERT_EQUAL(rd.odp.prefetch, NPAGES);
	CU_ASSERT_EQUAL(rxe.prefetch, advised);
	CU_ASSERT_EQUAL(rxe.faults, 16);
	agree(&rxe, &rd, advised ? 1 : 0);

	/* The device still reads what it wrote (pages 4-15). */
	memset(loc, 0, wlen);
	CU_ASSERT_EQUAL(lb_rdma(&lb, IBV_WR_RDMA_READ, loc + 4 * page,
				loc_mr->lkey, 12 * page,
				(uintptr_t)buf + 4 * page, mr->rkey),
			IBV_WC_SUCCESS);
	CU_ASSERT_EQUAL(func_check_from(loc, 4 * page, 12 * page, 7), 0);

	CU_ASSERT(ibv_dereg_mr(mr) == 0);
	CU_ASSERT(ibv_dereg_mr(loc_mr) == 0);
	munmap(buf, len);
	free(loc);
}

static void test_stock(void)
{
	workload(RODP_POLICY_MODE_STOCK);
}

static void test_event_aware(void)
{
	workload(RODP_POLICY_MODE_EVENT_AWARE);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_stock),
		RODP_TEST(test_event_aware),
	};
	int ret;

	page = (size_t)sysconf(_SC_PAGESIZE);
	if (lb_open(&lb, func_dev_name())) {
		printf("SKIP: no usable RDMA device %s\n", func_dev_name());
		return RODP_TEST_SKIP;
	}
	rodp = func_rodp_open();
	ret = rodp_cunit_run("stat-mr", NULL, NULL, tests,
			     sizeof(tests) / sizeof(tests[0]));
	rodp_close(rodp);
	lb_close(&lb);
	return ret;
}
