// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * perftest's result table, extended on the right with rodp's view of the
 * same run, or one JSON document with every counter (json-c, as every
 * tool writes JSON).
 */
#include <config.h>

#include <stdio.h>

#include "../common/json_out.h"
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

/* The JSON document of the run, printed whole by bench_print_footer(). */
static struct json_object *doc, *results;

static const char *policy_str(const struct bench_opts *o)
{
	if (o->alt_policy[0] >= 0)
		return "alternating";
	if (o->policy < 0)
		return "unchanged";
	return rodp_policy_str(o->policy);
}

void bench_print_header(const struct bench_opts *o, const char *devname)
{
	if (o->json) {
		json_object_put(doc);
		doc = json_object_new_object();
		results = json_object_new_array();
		json_object_object_add(doc, "test",
				       json_object_new_string(op_names[o->op]));
		json_object_object_add(doc, "device",
				       json_object_new_string(devname));
		json_object_object_add(doc, "memory",
				       json_object_new_string(mem_names[o->mem]));
		json_object_object_add(doc, "policy",
				       json_object_new_string(policy_str(o)));
		json_object_object_add(doc, "churn", json_object_new_string(
					       bench_churn_name(o->churn)));
		json_object_object_add(doc, "churn_rate_hz", tool_json_double(
					       o->churn && o->churn != CHURN_NUMA ?
				       o->churn_rate : 0, "%g"));
		json_object_object_add(doc, "tx_depth",
				       json_object_new_uint64(o->tx_depth));
		json_object_object_add(doc, "buffer_bytes",
				       json_object_new_uint64(o->buf_size));
		json_object_object_add(doc, "loopback",
				       json_object_new_boolean(o->loopback));
		json_object_object_add(doc, "results", results);
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
	if (o->json) {
		struct json_object *res = json_object_new_object(), *sides;

		json_object_object_add(res, "run", json_object_new_uint64(r->run));
		if (r->cond)
			json_object_object_add(res, "cond",
					       json_object_new_string(r->cond));
		if (r->policy >= 0) {
			char slot[2] = { r->slot, 0 };

			json_object_object_add(res, "policy",
					json_object_new_string(
						rodp_policy_str(r->policy)));
			json_object_object_add(res, "slot",
					       json_object_new_string(slot));
		}
		json_object_object_add(res, "bytes",
				       json_object_new_uint64(r->bytes));
		json_object_object_add(res, "iterations",
				       json_object_new_uint64(r->iters));
		json_object_object_add(res, "bw_peak_mb_sec",
				       tool_json_double(r->bw_peak, "%.2f"));
		json_object_object_add(res, "bw_average_mb_sec",
				       tool_json_double(r->bw_avg, "%.2f"));
		json_object_object_add(res, "msg_rate_mpps",
				       tool_json_double(r->msg_rate, "%.6f"));
		json_object_object_add(res, "seconds",
				       tool_json_double(r->seconds, "%.6f"));
		json_object_object_add(res, "churn_events",
				       json_object_new_uint64(r->churn_events));
		sides = NULL;
		if (r->have_sides) {
			sides = json_object_new_object();
			json_object_object_add(sides, "client",
					json_object_new_uint64(r->fault_client));
			json_object_object_add(sides, "server",
					json_object_new_uint64(r->fault_server));
		}
		json_object_object_add(res, "fault_pages_by_buffer", sides);
		json_object_object_add(res, "rodp", r->have_stats ?
				       tool_json_stats(&r->stats) : NULL);
		json_object_array_add(results, res);
		return;
	}
	if (r->cond && r->policy >= 0)
		printf(" # run %lu: %s, policy %s (%c)\n", r->run, r->cond,
		       rodp_policy_str(r->policy), r->slot);
	else if (r->cond)
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
		/* One line: the performance suite reads a line per run. */
		tool_json_print(stdout, doc, false);
		json_object_put(doc);
		doc = results = NULL;
		return;
	}
	printf(RULE);
	printf(" rodp: #inval invalidations of this process's ODP regions, #delegated passed to\n"
	       " the driver (mappings dropped), #spared downgraded or skipped by the event-aware\n"
	       " policy, #fault-pages pages the device faulted back in.\n");
}
