// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * perftest's result table, extended on the right with rodp's view of the
 * same run, or one JSON document with every counter.
 */
#include <config.h>

#include <stdio.h>

#include "../common/stat_fields.h"
#include "bench.h"

#define RULE "---------------------------------------------------------------------------------------\n"

static const char *const op_names[] = {
	[OP_WRITE] = "write", [OP_READ] = "read", [OP_SEND] = "send",
};
static const char *const op_titles[] = {
	[OP_WRITE] = "RDMA_Write", [OP_READ] = "RDMA_Read", [OP_SEND] = "Send",
};
static const char *const mem_names[] = {
	[MEM_PINNED] = "pinned", [MEM_ODP] = "odp",
	[MEM_ODP_PREFETCH] = "odp+prefetch",
};

const char *bench_op_name(enum bench_op op)
{
	return op_names[op];
}

const char *bench_mem_name(enum bench_mem mem)
{
	return mem_names[mem];
}

static unsigned long nresults;

static const char *policy_str(const struct bench_opts *o)
{
	if (o->policy < 0)
		return "unchanged";
	return rodp_policy_str(o->policy);
}

void bench_print_header(const struct bench_opts *o, const char *devname)
{
	nresults = 0;
	if (o->json) {
		printf("{\"test\": \"%s\", \"device\": \"%s\", \"memory\": \"%s\", "
		       "\"policy\": \"%s\", \"churn\": \"%s\", \"churn_rate_hz\": %g, "
		       "\"tx_depth\": %u, \"buffer_bytes\": %zu, \"loopback\": %s, "
		       "\"results\": [",
		       op_names[o->op], devname, mem_names[o->mem], policy_str(o),
		       bench_churn_name(o->churn),
		       o->churn && o->churn != CHURN_NUMA ? o->churn_rate : 0,
		       o->tx_depth, o->buf_size, o->loopback ? "true" : "false");
		return;
	}
	printf(RULE);
	printf("                    %s BW Test (rodp-bench)\n", op_titles[o->op]);
	printf(" Device         : %-16s Transport      : RC over rdma_cm\n",
	       devname);
	printf(" Memory         : %-16s Policy         : %s\n",
	       mem_names[o->mem], policy_str(o));
	if (o->churn == CHURN_NUMA)
		printf(" Churn          : numa (the kernel's NUMA balancer)\n");
	else if (o->churn)
		printf(" Churn          : %s at %g Hz\n",
		       bench_churn_name(o->churn), o->churn_rate);
	else
		printf(" Churn          : none\n");
	printf(" TX depth       : %-16u Buffer         : %zu bytes\n",
	       o->tx_depth, o->buf_size);
	printf(" Peers          : %s\n", o->loopback ?
	       "loopback, both QPs in this process" : "client and server");
	printf(RULE);
	printf(" #bytes     #iterations    BW peak[MB/sec]    BW average[MB/sec]   MsgRate[Mpps]"
	       "   #churn  #inval  #delegated  #spared  #fault-pages\n");
}

static uint64_t inval_total(const struct rodp_stats *s)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < RODP_INVAL_COUNT; i++)
		sum += s->inval[i];
	return sum;
}

void bench_print_result(const struct bench_opts *o,
			const struct bench_result *r)
{
	size_t i;

	if (o->json) {
		printf("%s{\"run\": %lu, ", nresults++ ? ", " : "", r->run);
		if (r->cond)
			printf("\"cond\": \"%s\", ", r->cond);
		printf("\"bytes\": %zu, \"iterations\": %lu, "
		       "\"bw_peak_mb_sec\": %.2f, \"bw_average_mb_sec\": %.2f, "
		       "\"msg_rate_mpps\": %.6f, \"seconds\": %.6f, "
		       "\"churn_events\": %lu, \"fault_pages_by_buffer\": ",
		       r->bytes, r->iters, r->bw_peak,
		       r->bw_avg, r->msg_rate, r->seconds, r->churn_events);
		if (r->have_sides)
			printf("{\"client\": %llu, \"server\": %llu}, \"rodp\": ",
			       (unsigned long long)r->fault_client,
			       (unsigned long long)r->fault_server);
		else
			printf("null, \"rodp\": ");
		if (!r->have_stats) {
			printf("null}");
			return;
		}
		for (i = 0; i < rodp_stat_nfields; i++)
			printf("%s\"%s\": %llu", i ? ", " : "{",
			       rodp_stat_fields[i].name, (unsigned long long)
			       rodp_stat_value(&r->stats, &rodp_stat_fields[i]));
		printf("}}");
		return;
	}
	if (r->cond)
		printf(" # run %lu: %s\n", r->run, r->cond);
	printf(" %-7zu    %-7lu          %-7.2f            %-7.2f\t\t   %-7.6f",
	       r->bytes, r->iters, r->bw_peak, r->bw_avg, r->msg_rate);
	printf("   %-6lu", r->churn_events);
	if (r->have_stats)
		printf("  %-6llu  %-10llu  %-7llu  %llu\n",
		       (unsigned long long)inval_total(&r->stats),
		       (unsigned long long)r->stats.delegated,
		       (unsigned long long)(r->stats.downgraded + r->stats.skipped),
		       (unsigned long long)r->stats.fault_pages);
	else
		printf("  -       -           -        -\n");
	fflush(stdout);
}

void bench_print_footer(const struct bench_opts *o)
{
	if (o->json) {
		printf("]}\n");
		return;
	}
	printf(RULE);
	printf(" rodp: #inval invalidations of this process's ODP regions, #delegated passed to\n"
	       " the driver (mappings dropped), #spared downgraded or skipped by the event-aware\n"
	       " policy, #fault-pages pages the device faulted back in.\n");
}
