/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * rodp-bench: a perftest-style bandwidth benchmark over librdmacm that
 * measures ODP memory under churn, with rodp.ko's counters per run.
 */
#ifndef RODP_BENCH_H
#define RODP_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include <rodp/rodp.h>

enum bench_op { OP_WRITE, OP_READ, OP_SEND };
enum bench_mem { MEM_PINNED, MEM_ODP, MEM_ODP_PREFETCH };
enum bench_churn {
	CHURN_NONE,
	CHURN_SOFTDIRTY,	/* "4" > /proc/self/clear_refs */
	CHURN_FORK,		/* fork(), the child exits at once */
	CHURN_MPROTECT,		/* PROT_EXEC on and off: no access lost */
	CHURN_DONTNEED,		/* madvise(MADV_DONTNEED) */
	CHURN_REMAP,		/* a fresh mapping at the same address */
	CHURN_NUMA,		/* the kernel's own NUMA balancer; no thread */
};

struct bench_opts {
	enum bench_op op;
	enum bench_mem mem;
	enum bench_churn churn;
	double churn_rate;		/* Hz */
	int policy;			/* enum rodp_policy_mode, -1: leave alone */
	const char *dev;		/* -d, or NULL: whatever the address uses */
	const char *server;		/* client: server address */
	const char *bind;		/* server / loopback: listen address */
	unsigned int port;
	size_t size;			/* -s */
	size_t buf_size;		/* --buffer */
	bool all_sizes;			/* -a */
	unsigned long iters;		/* -n */
	unsigned long runs;		/* --runs: each size this often */
	unsigned int tx_depth;		/* -t */
	bool loopback;			/* both sides in this process */
	bool against_pinned;		/* loopback: alternate with pinned MRs */
	bool churn_alternate;		/* runs alternate quiet and churned */
	/*
	 * --policy-alternate=A,B: this process's policy alternates too,
	 * blocks of four runs (see run_cond() in main.c); -1: not used.
	 */
	int alt_policy[2];
	bool odp_source_only;		/* loopback: the written buffer pinned */
	bool json;
	bool quiet;			/* no progress lines */
};

/* What each side tells the other in the rdma_cm private data. */
struct bench_wire {
	uint32_t magic;
	uint8_t version;
	uint8_t op;
	uint8_t mem;
	uint8_t pad;
	uint64_t addr;
	uint64_t buf_size;
	uint64_t max_msg;		/* largest message of the test */
	uint32_t rkey;
	uint32_t tx_depth;
} __attribute__((packed));

#define BENCH_MAGIC	0x726f6462	/* "rodb" */
#define BENCH_VERSION	1

/* One side of a connection: its QP and its measured buffer. */
struct bench_ep {
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	void *buf;
	size_t buf_size;
	size_t max_msg;
	unsigned int depth;
	uint64_t peer_addr;
	uint32_t peer_rkey;
	/* --against-pinned: a pinned buffer of the same size, swapped in. */
	void *alt_buf;
	struct ibv_mr *alt_mr;
};

/* conn.c */
int bench_ep_setup(struct bench_ep *ep, const struct bench_opts *o);
void bench_ep_destroy(struct bench_ep *ep);
int bench_connect(struct bench_ep *ep, struct rdma_event_channel **ec,
		  const struct bench_opts *o);
int bench_listen(struct rdma_cm_id **listen_id,
		 struct rdma_event_channel **ec, const struct bench_opts *o);
int bench_accept(struct rdma_cm_id *listen_id, struct rdma_event_channel *ec,
		 struct bench_ep *ep, struct bench_opts *o);
int bench_serve(struct bench_ep *ep, struct rdma_event_channel *ec,
		const struct bench_opts *o);
int bench_mr_register(struct bench_ep *ep, const struct bench_opts *o);
int bench_prefetch(struct bench_ep *ep);

/* traffic.c */
struct bench_result {
	unsigned long run;		/* 1..runs for this size */
	const char *cond;		/* alternating runs: this run's side */
	int policy;			/* --policy-alternate: this run's, or -1 */
	char slot;			/* --policy-alternate: 'A' or 'B' */
	size_t bytes;
	unsigned long iters;
	double bw_peak;			/* MiB/s */
	double bw_avg;			/* MiB/s */
	double msg_rate;		/* Mpps */
	double seconds;
	unsigned long churn_events;
	bool have_stats;
	struct rodp_stats stats;	/* delta over the run */
	bool have_sides;		/* loopback: per-buffer fault pages */
	uint64_t fault_client;		/* delta, the client's buffer */
	uint64_t fault_server;		/* delta, the server's buffer */
};

/* --against-pinned: exchange the measured buffer and MR with the pinned. */
void bench_ep_swap(struct bench_ep *ep);

int bench_run_client(struct bench_ep *ep, const struct bench_opts *o,
		     size_t size, struct bench_result *r);

/* churn.c: a thread that disturbs the registered buffers at a rate. */
struct bench_churn_ctl {
	pthread_t thread;
	enum bench_churn kind;
	double rate;
	struct bench_ep *eps[2];
	int neps;
	volatile bool stop;
	volatile unsigned long events;
	int error;			/* errno of the first failed event */
	unsigned long numa_ptes;	/* CHURN_NUMA: numa_pte_updates at start */
};

int bench_churn_start(struct bench_churn_ctl *c);
void bench_churn_stop(struct bench_churn_ctl *c);
const char *bench_churn_name(enum bench_churn kind);
/*
 * --churn=numa --churn-alternate: switch automatic NUMA balancing off for
 * a quiet run and back to the mode found for a churned one (0 or a
 * positive errno; ENOTSUP when it was off to begin with), and restore the
 * mode found at the end.
 */
int bench_numa_balancing(bool on);
void bench_numa_balancing_restore(void);
int bench_churn_parse(const char *name, enum bench_churn *kind);

/* report.c */
void bench_print_header(const struct bench_opts *o, const char *devname);
void bench_print_result(const struct bench_opts *o,
			const struct bench_result *r);
void bench_print_footer(const struct bench_opts *o);
const char *bench_op_name(enum bench_op op);
const char *bench_mem_name(enum bench_mem mem);

double bench_now(void);

#endif
