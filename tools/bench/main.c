// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp-bench: perftest's bandwidth tests over librdmacm, for ODP memory
 * under churn, with rodp.ko's counters for every run.
 *
 *   rodp-bench [OPTIONS] write|read|send                server
 *   rodp-bench [OPTIONS] write|read|send SERVER         client
 *   rodp-bench [OPTIONS] --loopback write|read|send ADDR    both, one process
 *
 * See rodp-bench(1).
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/json_out.h"
#include "../common/module_state.h"
#include "../common/num_parse.h"
#include "../common/policy_name.h"
#include "../common/stat_fields.h"
#include "bench.h"

#define EXIT_USAGE	2
#define DEFAULT_BUF	(8UL << 20)

static void usage(FILE *f)
{
	fprintf(f,
"Usage: rodp-bench [OPTIONS] write|read|send             (server)\n"
"       rodp-bench [OPTIONS] write|read|send SERVER      (client)\n"
"       rodp-bench [OPTIONS] --loopback write|read|send ADDRESS\n"
"Options (perftest's names where perftest has them):\n"
"  -d, --ib-dev=DEV       use DEV only (the address decides otherwise)\n"
"  -s, --size=BYTES       message size (default 65536)\n"
"  -a, --all              every size from 2 to 8 MiB, doubling\n"
"  -n, --iters=N          messages per size (default 5000)\n"
"      --runs=N           measure each size N times on the same buffers\n"
"      --against-pinned   loopback: alternate the runs between the ODP MRs\n"
"                         and pinned MRs of the same size, A B B A\n"
"      --churn-alternate  alternate the runs between quiet and churned\n"
"      --policy-alternate=A,B  with --churn-alternate: alternate this\n"
"                         process's policy too (stock or event-aware each;\n"
"                         A,A is the noise control), blocks of 4 runs\n"
"      --odp-source-only  loopback: pin the buffer the device writes\n"
"  -t, --tx-depth=N       operations outstanding (default 128)\n"
"  -p, --port=PORT        rdma_cm port (default 18515)\n"
"  -F                     accepted for perftest compatibility; no effect\n"
"      --odp              register the buffer with IBV_ACCESS_ON_DEMAND\n"
"      --prefetch         --odp and ibv_advise_mr(PREFETCH_WRITE) first\n"
"      --buffer=BYTES     measured buffer per side (default 8 MiB)\n"
"      --churn=KIND       softdirty, fork, mprotect, dontneed or remap,\n"
"                         applied to this process's buffer during traffic;\n"
"                         numa: the kernel's NUMA balancer (must be on;\n"
"                         with --churn-alternate quiet runs switch it off)\n"
"      --churn-rate=HZ    churn events per second (default 10)\n"
"      --policy=POLICY    rodp policy of this process: stock or event-aware\n"
"      --bind=ADDR        server: listen on ADDR only\n"
"  -L, --loopback         server and client in this process, over ADDRESS\n"
"      --json             one JSON document instead of the table\n"
"  -q, --quiet            no progress lines on long runs\n"
"  -h, --help             this text\n");
}

/* "A,B", each stock or event-aware, into pol[0] and pol[1]. */
static int parse_policy_pair(const char *arg, int pol[2])
{
	const char *comma = strchr(arg, ',');
	enum rodp_policy_mode p;
	char first[32];
	size_t n;

	if (!comma)
		return -1;
	n = (size_t)(comma - arg);
	if (n >= sizeof(first))
		return -1;
	memcpy(first, arg, n);
	first[n] = 0;
	if (tool_policy_parse(first, &p) || p == RODP_POLICY_MODE_DEFAULT)
		return -1;
	pol[0] = p;
	if (tool_policy_parse(comma + 1, &p) || p == RODP_POLICY_MODE_DEFAULT)
		return -1;
	pol[1] = p;
	return 0;
}

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	enum { O_ODP = 256, O_PREFETCH, O_CHURN, O_CHURN_RATE, O_POLICY,
	       O_JSON, O_BUFFER, O_BIND, O_RUNS, O_AGAINST_PINNED,
	       O_CHURN_ALTERNATE, O_ODP_SOURCE_ONLY, O_POLICY_ALTERNATE };
	static const struct option longopts[] = {
		{ "ib-dev", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "iters", required_argument, NULL, 'n' },
		{ "tx-depth", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'p' },
		{ "odp", no_argument, NULL, O_ODP },
		{ "prefetch", no_argument, NULL, O_PREFETCH },
		{ "buffer", required_argument, NULL, O_BUFFER },
		{ "churn", required_argument, NULL, O_CHURN },
		{ "churn-rate", required_argument, NULL, O_CHURN_RATE },
		{ "policy", required_argument, NULL, O_POLICY },
		{ "bind", required_argument, NULL, O_BIND },
		{ "runs", required_argument, NULL, O_RUNS },
		{ "against-pinned", no_argument, NULL, O_AGAINST_PINNED },
		{ "churn-alternate", no_argument, NULL, O_CHURN_ALTERNATE },
		{ "policy-alternate", required_argument, NULL,
		  O_POLICY_ALTERNATE },
		{ "odp-source-only", no_argument, NULL, O_ODP_SOURCE_ONLY },
		{ "loopback", no_argument, NULL, 'L' },
		{ "json", no_argument, NULL, O_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	enum rodp_policy_mode pol;
	unsigned long num;
	char *end;
	int c;

	*o = (struct bench_opts){
		.policy = -1, .port = 18515, .size = 65536, .iters = 5000,
		.tx_depth = 128, .churn_rate = 10, .runs = 1,
		.alt_policy = { -1, -1 },
	};
	while ((c = getopt_long(argc, argv, "d:s:an:t:p:FLqh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'd': o->dev = optarg; break;
		case 's':
			if (tool_parse_size(optarg, &o->size) ||
			    o->size > (1UL << 31)) {
				fprintf(stderr, "rodp-bench: bad size '%s'\n", optarg);
				return -1;
			}
			break;
		case 'a': o->all_sizes = true; break;
		case 'n':
			if (tool_parse_count(optarg, 1, ULONG_MAX, &o->iters)) {
				fprintf(stderr, "rodp-bench: bad iteration count '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 't':
			if (tool_parse_count(optarg, 1, 4096, &num)) {
				fprintf(stderr, "rodp-bench: bad tx depth '%s' (1-4096)\n",
					optarg);
				return -1;
			}
			o->tx_depth = (unsigned int)num;
			break;
		case 'p':
			if (tool_parse_count(optarg, 1, 65535, &num)) {
				fprintf(stderr, "rodp-bench: bad port '%s'\n", optarg);
				return -1;
			}
			o->port = (unsigned int)num;
			break;
		case 'F': break;
		case O_ODP:
			if (o->mem == MEM_PINNED)
				o->mem = MEM_ODP;
			break;
		case O_PREFETCH: o->mem = MEM_ODP_PREFETCH; break;
		case O_BUFFER:
			if (tool_parse_size(optarg, &o->buf_size)) {
				fprintf(stderr, "rodp-bench: bad buffer size '%s'\n",
					optarg);
				return -1;
			}
			break;
		case O_CHURN:
			if (bench_churn_parse(optarg, &o->churn)) {
				fprintf(stderr, "rodp-bench: unknown churn '%s' (softdirty, "
					"fork, mprotect, dontneed, remap, numa)\n", optarg);
				return -1;
			}
			break;
		case O_CHURN_RATE:
			o->churn_rate = strtod(optarg, &end);
			if (*end || !(o->churn_rate > 0 && o->churn_rate <= 100000)) {
				fprintf(stderr, "rodp-bench: bad churn rate '%s' Hz\n",
					optarg);
				return -1;
			}
			break;
		case O_POLICY:
			if (tool_policy_parse(optarg, &pol) ||
			    pol == RODP_POLICY_MODE_DEFAULT) {
				fprintf(stderr, "rodp-bench: unknown policy '%s' "
					"(stock, event-aware)\n", optarg);
				return -1;
			}
			o->policy = pol;
			break;
		case O_BIND: o->bind = optarg; break;
		case O_RUNS:
			if (tool_parse_count(optarg, 1, 1000, &o->runs)) {
				fprintf(stderr, "rodp-bench: bad run count '%s' (1-1000)\n",
					optarg);
				return -1;
			}
			break;
		case O_AGAINST_PINNED: o->against_pinned = true; break;
		case O_CHURN_ALTERNATE: o->churn_alternate = true; break;
		case O_POLICY_ALTERNATE:
			if (parse_policy_pair(optarg, o->alt_policy)) {
				fprintf(stderr, "rodp-bench: --policy-alternate takes "
					"two policies, A,B (stock, event-aware)\n");
				return -1;
			}
			break;
		case O_ODP_SOURCE_ONLY: o->odp_source_only = true; break;
		case 'L': o->loopback = true; break;
		case O_JSON: o->json = true; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); exit(0);
		default:
			fprintf(stderr, "rodp-bench: see rodp-bench --help\n");
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "rodp-bench: which test? write, read or send "
			"(see rodp-bench --help)\n");
		return -1;
	}
	if (!strcmp(argv[optind], "write"))
		o->op = OP_WRITE;
	else if (!strcmp(argv[optind], "read"))
		o->op = OP_READ;
	else if (!strcmp(argv[optind], "send"))
		o->op = OP_SEND;
	else {
		fprintf(stderr, "rodp-bench: unknown test '%s' (write, read, send)\n",
			argv[optind]);
		return -1;
	}
	if (++optind < argc)
		o->server = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "rodp-bench: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->loopback && !o->server) {
		fprintf(stderr, "rodp-bench: --loopback needs the address to use "
			"(e.g. 192.0.2.1)\n");
		return -1;
	}
	if (o->against_pinned &&
	    (!o->loopback || o->mem == MEM_PINNED || o->op == OP_SEND ||
	     o->churn != CHURN_NONE)) {
		fprintf(stderr, "rodp-bench: --against-pinned needs --loopback, "
			"--odp or --prefetch, write or read, and no --churn\n");
		return -1;
	}
	if (o->churn_alternate && (o->churn == CHURN_NONE || o->against_pinned)) {
		fprintf(stderr, "rodp-bench: --churn-alternate needs --churn, "
			"and not --against-pinned\n");
		return -1;
	}
	if (o->alt_policy[0] >= 0 &&
	    (!o->churn_alternate || o->policy >= 0 || o->mem == MEM_PINNED ||
	     o->runs % 4)) {
		fprintf(stderr, "rodp-bench: --policy-alternate needs "
			"--churn-alternate, --odp or --prefetch, --runs a "
			"multiple of 4, and not --policy\n");
		return -1;
	}
	if (o->odp_source_only &&
	    (!o->loopback || o->mem == MEM_PINNED || o->op == OP_SEND ||
	     o->against_pinned)) {
		fprintf(stderr, "rodp-bench: --odp-source-only needs --loopback, "
			"--odp or --prefetch, write or read, and not --against-pinned\n");
		return -1;
	}
	if (o->loopback)
		o->bind = o->server;
	if (!o->buf_size)
		o->buf_size = DEFAULT_BUF;
	if (o->buf_size < (o->all_sizes ? 1UL << 23 : o->size))
		o->buf_size = o->all_sizes ? 1UL << 23 : o->size;
	return 0;
}

/* Before any registration, so every region of the run has it. */
static int set_policy(const struct bench_opts *o, struct rodp_ctx *rodp)
{
	int err;

	if (o->policy < 0)
		return 0;
	if (!rodp) {
		fprintf(stderr, "rodp-bench: --policy needs rodp.ko: %s\n",
			tool_no_module_reason());
		return -1;
	}
	err = rodp_set_policy(rodp, o->policy);
	if (!err)
		return 0;
	fprintf(stderr, "rodp-bench: setting policy %s: %s%s%s\n",
		rodp_policy_str(o->policy), strerror(err),
		*rodp_last_error_msg() ? ": " : "", rodp_last_error_msg());
	return -1;
}

/* This process's counters; a process with no ODP region has none. */
static bool read_stats(struct rodp_ctx *rodp, struct rodp_stats *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	if (!rodp)
		return false;
	err = rodp_get_stats(rodp, getpid(), s, sizeof(*s));
	/*
	 * rodp_get_stats(3) documents ESRCH; rodp.ko answers -ENOENT, which
	 * librodp passes on as ENOENT today. Both mean: no region yet.
	 */
	if (err == ESRCH || err == ENOENT)
		return true;
	if (err) {
		fprintf(stderr, "rodp-bench: rodp_get_stats: %s\n", strerror(err));
		return false;
	}
	return true;
}

struct server_arg {
	struct bench_opts o;
	struct rdma_cm_id *listen_id;
	struct rdma_event_channel *ec;
	struct bench_ep ep;
	int ret;
};

struct region_faults_arg {
	uintptr_t addr;
	uint64_t fault_pages;
	bool found;
};

static int region_faults_cb(const struct rodp_region_info *info, void *p)
{
	struct region_faults_arg *a = p;

	if (info->addr != a->addr)
		return 0;
	a->fault_pages = info->stats.fault_pages;
	a->found = true;
	return 1;
}

/*
 * Data-path fault pages of the ODP region registered at buf (rodp.ko's
 * region-level counter), so a loopback run can tell the client's buffer
 * from the server's: for RDMA READ the first is written by the device,
 * the second only read. False when there is no such region.
 */
static bool region_faults(struct rodp_ctx *rodp, const void *buf,
			  uint64_t *fault_pages)
{
	struct region_faults_arg a = { .addr = (uintptr_t)buf };

	if (!rodp || !buf || rodp_get_regions(rodp, getpid(), region_faults_cb, &a))
		return false;
	*fault_pages = a.fault_pages;
	return a.found;
}

static void *server_thread(void *p)
{
	struct server_arg *s = p;

	s->ret = bench_accept(s->listen_id, s->ec, &s->ep, &s->o);
	if (!s->ret)
		s->ret = bench_serve(&s->ep, s->ec, &s->o);
	return NULL;
}

static int run_server(struct bench_opts *o, struct rodp_ctx *rodp)
{
	struct bench_churn_ctl churn = { .kind = o->churn, .rate = o->churn_rate };
	struct rodp_stats before, after, delta;
	struct server_arg s = { .o = *o };
	bool have;
	size_t i;
	int ret;

	if (bench_listen(&s.listen_id, &s.ec, o))
		return 1;
	if (!o->json)
		printf("rodp-bench: waiting for a client on %s port %u\n",
		       o->bind ? o->bind : "*", o->port);
	fflush(stdout);
	have = read_stats(rodp, &before);
	ret = bench_accept(s.listen_id, s.ec, &s.ep, &s.o);
	if (!ret) {
		churn.eps[0] = &s.ep;
		churn.neps = 1;
		if (bench_churn_start(&churn))
			ret = -1;
	}
	if (!ret) {
		ret = bench_serve(&s.ep, s.ec, &s.o);
		bench_churn_stop(&churn);
		if (churn.error)
			fprintf(stderr, "rodp-bench: churn %s: %s\n",
				bench_churn_name(churn.kind), strerror(churn.error));
	}
	have = have && read_stats(rodp, &after);
	if (!ret && have) {
		rodp_stats_delta(&before, &after, &delta);
		if (o->json) {
			struct json_object *doc = json_object_new_object();

			json_object_object_add(doc, "test", json_object_new_string(
						       bench_op_name(s.o.op)));
			json_object_object_add(doc, "role",
					       json_object_new_string("server"));
			json_object_object_add(doc, "churn_events",
					       json_object_new_uint64(churn.events));
			json_object_object_add(doc, "rodp", tool_json_stats(&delta));
			tool_json_print(stdout, doc, false);
			json_object_put(doc);
		} else {
			printf("rodp-bench: %s test served, %lu churn events; "
			       "rodp counters of this process:\n",
			       bench_op_name(s.o.op), churn.events);
			for (i = 0; i < rodp_stat_nfields; i++)
				printf(" %s %llu\n", rodp_stat_fields[i].name,
				       (unsigned long long)rodp_stat_value(
						&delta, &rodp_stat_fields[i]));
		}
	}
	bench_ep_destroy(&s.ep);
	rdma_destroy_id(s.listen_id);
	rdma_destroy_event_channel(s.ec);
	return ret || churn.error ? 1 : 0;
}

/*
 * --against-pinned and --churn-alternate: runs 1 2 | 3 4 | 5 6 ... are
 * pairs of condition A (ODP, quiet) and B (pinned, churned), A B in even
 * pairs and B A in odd ones, so a drift of the machine's speed hits both
 * conditions alike. True when the run is condition B.
 */
static bool run_is_b(unsigned long run)
{
	return ((run - 1) % 2) ^ (((run - 1) / 2) % 2);
}

/*
 * --policy-alternate=A,B: runs 1-4 | 5-8 | ... are blocks, each a quiet
 * and a churned run under one policy, then a churned and a quiet run
 * under the other: quiet(A) churn(A) churn(B) quiet(B) in even blocks,
 * quiet(B) churn(B) churn(A) quiet(A) in odd ones. So within a block both
 * policies' losses (1 - churn / quiet) are measured in the same process,
 * on the same MRs and connection, a few seconds apart, and drift hits
 * them alike. Returns the slot (0: A, 1: B); *churned says whether the
 * run is churned.
 */
static int run_cond(unsigned long run, bool *churned)
{
	unsigned long pos = (run - 1) % 4, block = (run - 1) / 4;
	int first = (int)(block % 2);

	*churned = pos == 1 || pos == 2;
	return pos < 2 ? first : 1 - first;
}

static int run_client(struct bench_opts *o, struct rodp_ctx *rodp)
{
	struct bench_churn_ctl churn = { .kind = o->churn, .rate = o->churn_rate };
	struct rdma_event_channel *ec = NULL;
	struct server_arg srv = { .o = *o };
	struct bench_opts co = *o;	/* the client side's own options */
	struct rodp_stats before, after;
	struct bench_ep ep = {
		.buf_size = o->buf_size, .depth = o->tx_depth,
		.max_msg = o->all_sizes ? 1UL << 23 : o->size,
	};
	pthread_t thread;
	bool server_running = false, pinned = false;
	size_t size, first, last;
	unsigned long run;
	int ret = 1;

	/*
	 * --odp-source-only: the buffer the device writes is pinned (READ:
	 * the client's, WRITE: the server's), as when only the peer whose
	 * memory is read or served is an ODP process.
	 */
	if (o->odp_source_only)
		(o->op == OP_READ ? &co : &srv.o)->mem = MEM_PINNED;
	if (o->loopback) {
		if (bench_listen(&srv.listen_id, &srv.ec, o))
			return 1;
		if (pthread_create(&thread, NULL, server_thread, &srv)) {
			fprintf(stderr, "rodp-bench: cannot start the server thread\n");
			return 1;
		}
		server_running = true;
	}
	if (bench_connect(&ep, &ec, &co))
		goto out;

	churn.eps[churn.neps++] = &ep;
	if (o->loopback)
		churn.eps[churn.neps++] = &srv.ep;
	bench_print_header(o, ibv_get_device_name(ep.id->verbs->device));

	first = o->all_sizes ? 2 : o->size;
	last = o->all_sizes ? 1UL << 23 : o->size;
	/*
	 * --runs repeats a size on the same buffers and MRs: the first run
	 * of an ODP buffer pays its faults, the later ones show it warm.
	 */
	for (size = first, run = 1; size <= last;
	     run < o->runs ? run++ : (run = 1, size *= 2)) {
		struct bench_result r = { .run = run };
		bool have;

		if (o->against_pinned) {
			if (run_is_b(run) != pinned) {
				bench_ep_swap(&ep);
				bench_ep_swap(&srv.ep);
				ep.peer_addr = (uintptr_t)srv.ep.buf;
				ep.peer_rkey = srv.ep.mr->rkey;
				pinned = !pinned;
			}
			r.cond = pinned ? "pinned" : "odp";
		}
		r.policy = -1;
		if (o->churn_alternate && o->alt_policy[0] >= 0) {
			bool churned;
			int slot = run_cond(run, &churned), err;

			churn.kind = churned ? o->churn : CHURN_NONE;
			r.cond = churned ? "churn" : "quiet";
			r.policy = o->alt_policy[slot];
			r.slot = slot ? 'B' : 'A';
			err = rodp ? rodp_set_policy(rodp, r.policy) : ENODEV;
			if (err) {
				fprintf(stderr, "rodp-bench: setting policy %s: %s\n",
					rodp_policy_str(r.policy), strerror(err));
				ret = -1;
				goto out;
			}
		} else if (o->churn_alternate) {
			/* The same A B, B A order: quiet churn, churn quiet. */
			churn.kind = run_is_b(run) ? o->churn : CHURN_NONE;
			r.cond = churn.kind == CHURN_NONE ? "quiet" : "churn";
		}
		/* numa's quiet runs: the balancer off, not merely unwatched. */
		if (o->churn == CHURN_NUMA && o->churn_alternate) {
			int err = bench_numa_balancing(churn.kind == CHURN_NUMA);

			if (err) {
				fprintf(stderr, "rodp-bench: switching kernel.numa_balancing %s: %s\n",
					churn.kind == CHURN_NUMA ? "on" : "off", strerror(err));
				ret = -1;
				goto out;
			}
		}
		have = read_stats(rodp, &before);
		r.have_sides = o->loopback &&
			region_faults(rodp, ep.buf, &r.fault_client) &&
			region_faults(rodp, srv.ep.buf, &r.fault_server);
		if (bench_churn_start(&churn)) {
			fprintf(stderr, "rodp-bench: cannot start the churn thread\n");
			goto out;
		}
		ret = bench_run_client(&ep, o, size, &r);
		bench_churn_stop(&churn);
		if (churn.error) {
			fprintf(stderr, "rodp-bench: churn %s: %s\n",
				bench_churn_name(churn.kind), strerror(churn.error));
			ret = -1;
		}
		if (ret)
			goto out;
		r.churn_events = churn.events;
		r.have_stats = have && read_stats(rodp, &after);
		if (r.have_stats)
			rodp_stats_delta(&before, &after, &r.stats);
		if (r.have_sides) {
			uint64_t c = 0, sv = 0;

			r.have_sides = region_faults(rodp, ep.buf, &c) &&
				       region_faults(rodp, srv.ep.buf, &sv);
			r.fault_client = c - r.fault_client;
			r.fault_server = sv - r.fault_server;
		}
		bench_print_result(o, &r);
	}
	bench_print_footer(o);
	ret = 0;
out:
	if (o->churn == CHURN_NUMA && o->churn_alternate)
		bench_numa_balancing_restore();
	if (ep.id)
		rdma_disconnect(ep.id);
	if (server_running) {
		if (ret) /* the server may still wait for a client that failed */
			pthread_cancel(thread);
		pthread_join(thread, NULL);
		if (!ret && srv.ret)
			ret = 1;
		bench_ep_destroy(&srv.ep);
		rdma_destroy_id(srv.listen_id);
		rdma_destroy_event_channel(srv.ec);
	}
	bench_ep_destroy(&ep);
	if (ec)
		rdma_destroy_event_channel(ec);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct rodp_ctx *rodp;
	struct bench_opts o;
	int ret;

	if (parse_opts(argc, argv, &o))
		return EXIT_USAGE;
	rodp = rodp_open();
	if (!rodp && !o.json && o.policy < 0)
		fprintf(stderr, "rodp-bench: no rodp counters: %s\n",
			errno == ENODEV ? tool_no_module_reason() : strerror(errno));
	if (set_policy(&o, rodp)) {
		if (rodp)
			rodp_close(rodp);
		return 1;
	}
	ret = o.server && !o.loopback ? run_client(&o, rodp) :
	      o.loopback ? run_client(&o, rodp) : run_server(&o, rodp);
	if (rodp)
		rodp_close(rodp);
	return ret;
}
