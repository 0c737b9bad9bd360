// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The lifecycle test's helper (tests/vm/guest/lifecycle): holds ODP
 * regions, optionally under a storm of prefetches and invalidations, until
 * it is killed; and reads rodp.ko's global counters.
 *
 *   odp_holder stat COUNTER        print a global counter (umems_live,
 *                                  umems_created, umems_released, wrap_full,
 *                                  attach_missed, release_missed)
 *   odp_holder hold [-d DEV] [-n MRS] [-p THREADS] [-w]
 *                                  register MRS ODP MRs of 1 MiB on DEV
 *                                  (default $RODP_DEV or rxe0), print
 *                                  "ready" and wait to be killed; with -p,
 *                                  THREADS threads prefetch (ibv_advise_mr
 *                                  and rodp's PREFETCH) while the main
 *                                  thread discards and rewrites the pages;
 *                                  with -w, once a byte arrives on stdin,
 *                                  write one to stdout and wait there
 *                                  (test_nonblock blocks that write in the
 *                                  pipe's lock, so that a SIGKILL leaves
 *                                  the process dying with its memory)
 *   odp_holder policy MODE         check that this process starts without
 *                                  a policy of its own (exit 3 if it
 *                                  inherited one), set its own policy
 *                                  (stock, event-aware, default), read it
 *                                  back and exit
 *   odp_holder storm [-d DEV] [-t THREADS] [-r ROUNDS]
 *                                  THREADS threads (default 512), released
 *                                  at once, each register and deregister
 *                                  an ODP MR ROUNDS times (default 4)
 *   odp_holder kprobes-off         deregister an ODP MR while kprobes are
 *                                  switched off (debugfs), then check that
 *                                  its region is gone, cannot be prefetched,
 *                                  and a new MR at its address is tracked
 *   odp_holder policy-race [ROUNDS] ROUNDS fresh processes (default 200)
 *                                  each set their own policy while a thread
 *                                  registers their first ODP MR; the region
 *                                  must land in the one indexed proc
 *
 * Exit: 0, 1 on an error (with the reason), 77 no device.
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <linux/genetlink.h>
#include <linux/rodp.h>

#include "nl_raw.h"

#define MR_LEN (1UL << 20)
#define MAX_MRS 64

static struct ibv_pd *pd;
static struct ibv_mr *mrs[MAX_MRS];
static unsigned int nr_mrs;
static int family;

static const struct {
	const char *name;
	uint16_t stat;
} counters[] = {
	{ "umems_live", RODP_STAT_UMEMS_LIVE },
	{ "umems_created", RODP_STAT_UMEMS_CREATED },
	{ "umems_released", RODP_STAT_UMEMS_RELEASED },
	{ "wrap_full", RODP_STAT_WRAP_FULL },
	{ "attach_missed", RODP_STAT_ATTACH_MISSED },
	{ "release_missed", RODP_STAT_RELEASE_MISSED },
	{ "inval_nonblock", RODP_STAT_INVAL_NONBLOCK },
};

static int stat_cmd(const char *name)
{
	struct nl_raw nl;
	uint64_t v;
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (!strcmp(name, counters[i].name))
			break;
	if (i == sizeof(counters) / sizeof(counters[0])) {
		fprintf(stderr, "odp_holder: unknown counter '%s'\n", name);
		return 2;
	}
	ret = nl_raw_open(&nl);
	if (!ret)
		ret = nl_raw_family(&nl, RODP_FAMILY_NAME);
	if (ret >= 0)
		ret = nl_raw_rodp_global_stat(&nl, ret, counters[i].stat, &v);
	nl_raw_close(&nl);
	if (ret < 0) {
		fprintf(stderr, "odp_holder: reading %s: %s\n", name,
			strerror(-ret));
		return 1;
	}
	printf("%" PRIu64 "\n", v);
	return 0;
}

/* One prefetching thread: advise_mr on every MR, and rodp's PREFETCH on
 * its region, for ever. Errors are expected while pages are discarded. */
static void *prefetcher(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	unsigned char req[128];
	struct nlmsghdr *nlh = (void *)req;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	uint64_t ids[MAX_MRS] = { 0 };
	struct nl_raw nl;
	unsigned int i;

	if (nl_raw_open(&nl))
		return NULL;
	for (;;) {
		i = (unsigned int)rand_r(&seed) % nr_mrs;
		struct ibv_sge sge = {
			.addr = (uintptr_t)mrs[i]->addr,
			.length = (uint32_t)MR_LEN,
			.lkey = mrs[i]->lkey,
		};
		size_t off = 0;

		ibv_advise_mr(pd, IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE,
			      IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
		if (!family)
			continue;
		if (!ids[i]) {
			/* The first region of this process is enough. */
			nl_raw_rodp_first_region(&nl, family, (uint32_t)getpid(),
						 &ids[i]);
			if (!ids[i])
				continue;
		}
		memset(req, 0, NLMSG_HDRLEN + GENL_HDRLEN);
		g->cmd = RODP_CMD_PREFETCH;
		g->version = 1;
		nl_raw_put(req + NLMSG_HDRLEN + GENL_HDRLEN, 64, &off,
			   RODP_A_REGION_ID, &ids[i], 8);
		nlh->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + GENL_HDRLEN + off);
		nlh->nlmsg_type = (uint16_t)family;
		nlh->nlmsg_flags = NLM_F_REQUEST;	/* no answer wanted */
		nlh->nlmsg_seq = nl.seq++;
		nl_raw_send(&nl, req, nlh->nlmsg_len);
		/* Drain whatever came back so the socket never fills. */
		while (nl_raw_recv(&nl, req, sizeof(req), 0) > 0)
			;
	}
	return NULL;
}

static int hold_cmd(int argc, char **argv)
{
	const char *dev = getenv("RODP_DEV") ?: "rxe0";
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	unsigned int n = 1, threads = 0, i;
	bool write_stuck = false;
	struct nl_raw nl;
	pthread_t tid;
	char c;
	int opt;

	while ((opt = getopt(argc, argv, "d:n:p:w")) != -1) {
		switch (opt) {
		case 'w':
			write_stuck = true;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'n':
			n = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			threads = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	if (!n || n > MAX_MRS) {
		fprintf(stderr, "odp_holder: -n takes 1..%d\n", MAX_MRS);
		return 2;
	}
	list = ibv_get_device_list(NULL);
	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!ctx) {
		fprintf(stderr, "odp_holder: no RDMA device %s\n", dev);
		return 77;
	}
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		perror("odp_holder: ibv_alloc_pd");
		return 1;
	}
	for (i = 0; i < n; i++) {
		void *buf = mmap(NULL, MR_LEN, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (buf == MAP_FAILED) {
			perror("odp_holder: mmap");
			return 1;
		}
		memset(buf, (int)i, MR_LEN);
		mrs[i] = ibv_reg_mr(pd, buf, MR_LEN, IBV_ACCESS_ON_DEMAND |
				    IBV_ACCESS_LOCAL_WRITE |
				    IBV_ACCESS_REMOTE_WRITE);
		if (!mrs[i]) {
			fprintf(stderr, "odp_holder: ODP MR %u on %s: %s\n", i,
				dev, strerror(errno));
			return 1;
		}
		nr_mrs++;
	}
	if (!nl_raw_open(&nl)) {
		int f = nl_raw_family(&nl, RODP_FAMILY_NAME);

		family = f > 0 ? f : 0;
		nl_raw_close(&nl);
	}
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid, NULL, prefetcher,
				   (void *)(uintptr_t)(i + 1))) {
			fprintf(stderr, "odp_holder: pthread_create failed\n");
			return 1;
		}
	printf("ready\n");
	fflush(stdout);
	if (write_stuck && read(0, &c, 1) == 1)
		for (;;)
			if (write(1, &c, 1) < 0)
				pause();
	for (i = 0; threads; i = (i + 1) % nr_mrs) {
		/* Invalidations under the prefetchers' feet. */
		madvise(mrs[i]->addr, MR_LEN / 2, MADV_DONTNEED);
		memset(mrs[i]->addr, 0x5a, MR_LEN / 4);
	}
	for (;;)
		pause();
}

/* storm: threads that register and deregister ODP MRs all at once. */
static pthread_barrier_t storm_start;
static unsigned int storm_rounds;
static int storm_failed;

static void *storm_thread(void *arg)
{
	void *buf = arg;
	struct ibv_mr *mr;
	unsigned int r;

	pthread_barrier_wait(&storm_start);
	for (r = 0; r < storm_rounds; r++) {
		mr = ibv_reg_mr(pd, buf, MR_LEN, IBV_ACCESS_ON_DEMAND |
				IBV_ACCESS_LOCAL_WRITE);
		if (!mr || ibv_dereg_mr(mr)) {
			__atomic_store_n(&storm_failed, errno ? errno : EIO,
					 __ATOMIC_RELAXED);
			break;
		}
	}
	return NULL;
}

static int storm_cmd(int argc, char **argv)
{
	const char *dev = getenv("RODP_DEV") ?: "rxe0";
	unsigned int threads = 512, i;
	struct ibv_context *ctx = NULL;
	struct ibv_device **list;
	pthread_attr_t attr;
	pthread_t *tids;
	int opt;

	storm_rounds = 4;
	while ((opt = getopt(argc, argv, "d:t:r:")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 't':
			threads = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			storm_rounds = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	list = ibv_get_device_list(NULL);
	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!ctx) {
		fprintf(stderr, "odp_holder: no RDMA device %s\n", dev);
		return 77;
	}
	pd = ibv_alloc_pd(ctx);
	tids = calloc(threads, sizeof(*tids));
	if (!pd || !tids || !threads) {
		fprintf(stderr, "odp_holder: storm set-up failed\n");
		return 1;
	}
	pthread_barrier_init(&storm_start, NULL, threads);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < threads; i++) {
		void *buf = mmap(NULL, MR_LEN, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (buf == MAP_FAILED ||
		    pthread_create(&tids[i], &attr, storm_thread, buf)) {
			fprintf(stderr, "odp_holder: storm thread %u failed\n",
				i);
			return 1;
		}
	}
	for (i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	if (storm_failed) {
		fprintf(stderr, "odp_holder: storm: %s\n",
			strerror(storm_failed));
		return 1;
	}
	printf("storm: %u threads x %u registrations done\n", threads,
	       storm_rounds);
	return 0;
}

/* kprobes-off: a deregistration while kprobes are switched off. */
static int kprobes_enable(const char *v)
{
	FILE *f = fopen("/sys/kernel/debug/kprobes/enabled", "w");
	int ok;

	if (!f) {
		perror("odp_holder: /sys/kernel/debug/kprobes/enabled");
		return -1;
	}
	ok = fputs(v, f) >= 0;
	ok = !fclose(f) && ok;
	return ok ? 0 : -1;
}

static struct ibv_mr *reg_at(void *buf)
{
	return ibv_reg_mr(pd, buf, MR_LEN, IBV_ACCESS_ON_DEMAND |
			  IBV_ACCESS_LOCAL_WRITE);
}

static int kprobes_off_cmd(void)
{
	const char *dev = getenv("RODP_DEV") ?: "rxe0";
	struct ibv_context *ctx = NULL;
	struct ibv_device **list;
	uint64_t old_id = 0, new_id = 0;
	struct ibv_mr *mr;
	struct nl_raw nl;
	int fam, ret, i;
	void *buf;

	list = ibv_get_device_list(NULL);
	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!ctx)
		return 77;
	pd = ibv_alloc_pd(ctx);
	buf = mmap(NULL, MR_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!pd || buf == MAP_FAILED || nl_raw_open(&nl))
		return 1;
	fam = nl_raw_family(&nl, RODP_FAMILY_NAME);
	memset(buf, 1, MR_LEN);
	mr = reg_at(buf);
	if (fam <= 0 || !mr ||
	    nl_raw_rodp_first_region(&nl, fam, (uint32_t)getpid(), &old_id) ||
	    !old_id) {
		fprintf(stderr, "odp_holder: no region for the first MR\n");
		return 1;
	}

	/* What a missed release probe would see. */
	if (kprobes_enable("0"))
		return 1;
	ret = ibv_dereg_mr(mr);
	if (kprobes_enable("1") || ret) {
		fprintf(stderr, "odp_holder: dereg with kprobes off: %d\n", ret);
		return 1;
	}

	ret = nl_raw_rodp_region_cmd(&nl, fam, RODP_CMD_REGION_GET, old_id);
	printf("region %" PRIu64 " after its deregistration: %s\n", old_id,
	       ret ? strerror(-ret) : "still listed");
	if (ret != -ENOENT)
		return 1;
	ret = nl_raw_rodp_region_cmd(&nl, fam, RODP_CMD_PREFETCH, old_id);
	printf("PREFETCH of region %" PRIu64 ": %s\n", old_id,
	       ret ? strerror(-ret) : "succeeded");
	if (ret != -ENOENT)
		return 1;

	/* A new umem at the same address is tracked as a new region. */
	mr = reg_at(buf);
	if (!mr ||
	    nl_raw_rodp_first_region(&nl, fam, (uint32_t)getpid(), &new_id) ||
	    new_id <= old_id) {
		fprintf(stderr, "odp_holder: new MR at the same address: region %" PRIu64 "\n",
			new_id);
		return 1;
	}
	ret = nl_raw_rodp_region_cmd(&nl, fam, RODP_CMD_PREFETCH, new_id);
	printf("new region %" PRIu64 " at the same address, PREFETCH: %s\n",
	       new_id, ret ? strerror(-ret) : "ok");
	if (ret || ibv_dereg_mr(mr))
		return 1;
	nl_raw_close(&nl);
	return 0;
}

/*
 * policy-race: a fresh process sets its own policy while one of its
 * threads registers its first ODP MR, so POLICY_SET's allocation races the
 * creation probe for the same tgid. Whoever wins, there must be one proc
 * for the process: the policy and the region's counters in the same one.
 */
static struct ibv_mr *race_mr;
static void *race_buf;

static void *race_reg(void *arg)
{
	pthread_barrier_t *go = arg;

	pthread_barrier_wait(go);
	race_mr = ibv_reg_mr(pd, race_buf, MR_LEN, IBV_ACCESS_ON_DEMAND |
			     IBV_ACCESS_LOCAL_WRITE);
	return NULL;
}

static int race_child(struct ibv_device *ibdev)
{
	uint64_t created = 0;
	pthread_barrier_t go;
	struct ibv_context *ctx;
	struct nl_raw nl;
	pthread_t tid;
	int fam, ret;

	ctx = ibv_open_device(ibdev);
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	race_buf = mmap(NULL, MR_LEN, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!pd || race_buf == MAP_FAILED || nl_raw_open(&nl))
		return 10;
	fam = nl_raw_family(&nl, RODP_FAMILY_NAME);
	if (fam <= 0)
		return 11;
	pthread_barrier_init(&go, NULL, 2);
	if (pthread_create(&tid, NULL, race_reg, &go))
		return 12;
	pthread_barrier_wait(&go);
	ret = nl_raw_rodp_set_policy(&nl, fam, RODP_POLICY_SCOPE_PROCESS,
				     RODP_POLICY_STOCK);
	pthread_join(tid, NULL);
	if (ret || !race_mr)
		return 13;
	/* The indexed proc must be the region's: it counted the umem. */
	ret = nl_raw_rodp_proc_stat(&nl, fam, (uint32_t)getpid(),
				    RODP_STAT_UMEMS_CREATED, &created);
	if (ret || created != 1)
		return 1;
	return 0;
}

static int policy_race_cmd(int argc, char **argv)
{
	const char *dev = getenv("RODP_DEV") ?: "rxe0";
	unsigned int rounds = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 200;
	unsigned int r, lost = 0, errors = 0;
	struct ibv_device *ibdev = NULL;
	struct ibv_device **list;
	FILE *last_pid;
	int i, status;
	long next;
	pid_t pid;

	list = ibv_get_device_list(NULL);
	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), dev))
			ibdev = list[i];
	if (!ibdev)
		return 77;
	/*
	 * Each child gets a tgid at the start of a 64-slot range of its own
	 * (ns_last_pid, as root), where rodp_procs has no node yet: storing
	 * there needs an allocation, the only moment POLICY_SET's store
	 * drops the xarray lock, i.e. the window of the race.
	 */
	next = ((long)getpid() + 1024) & ~63L;
	last_pid = fopen("/proc/sys/kernel/ns_last_pid", "w");
	if (!last_pid)
		printf("policy-race: ns_last_pid not writable (%s): tgids as they come\n",
		       strerror(errno));
	for (r = 0; r < rounds; r++) {
		if (last_pid) {
			fprintf(last_pid, "%ld\n", next - 1);
			fflush(last_pid);
			rewind(last_pid);
			next += 64;
		}
		pid = fork();
		if (pid == 0)
			_exit(race_child(ibdev));
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status)) {
			errors++;
			continue;
		}
		if (WEXITSTATUS(status) == 1)
			lost++;
		else if (WEXITSTATUS(status))
			errors++;
	}
	if (last_pid)
		fclose(last_pid);
	printf("policy-race: %u rounds, %u with the region outside its process's policy entry, %u errors\n",
	       rounds, lost, errors);
	return lost || errors ? 1 : 0;
}

static int policy_cmd(const char *mode)
{
	uint32_t policy, inherited, now;
	struct nl_raw nl;
	int family, ret;

	if (!strcmp(mode, "stock"))
		policy = RODP_POLICY_STOCK;
	else if (!strcmp(mode, "event-aware"))
		policy = RODP_POLICY_EVENT_AWARE;
	else if (!strcmp(mode, "default"))
		policy = RODP_POLICY_DEFAULT;
	else {
		fprintf(stderr, "odp_holder: unknown policy '%s'\n", mode);
		return 2;
	}
	ret = nl_raw_open(&nl);
	if (!ret)
		ret = nl_raw_family(&nl, RODP_FAMILY_NAME);
	if (ret < 0)
		goto out;
	family = ret;
	/*
	 * A new process has no policy of its own: one it finds already set
	 * was inherited from an earlier process with the same tgid.
	 */
	ret = nl_raw_rodp_get_policy(&nl, family, RODP_POLICY_SCOPE_PROCESS, 0,
				     &inherited);
	if (ret < 0)
		goto out;
	if (inherited != RODP_POLICY_DEFAULT) {
		fprintf(stderr, "odp_holder: pid %d starts with policy %u, not default (%u): inherited from an earlier process\n",
			(int)getpid(), inherited, RODP_POLICY_DEFAULT);
		nl_raw_close(&nl);
		return 3;
	}
	ret = nl_raw_rodp_set_policy(&nl, family, RODP_POLICY_SCOPE_PROCESS,
				     policy);
	if (!ret)
		ret = nl_raw_rodp_get_policy(&nl, family,
					     RODP_POLICY_SCOPE_PROCESS, 0,
					     &now);
	if (!ret && now != policy) {
		fprintf(stderr, "odp_holder: policy %u set, %u read back\n",
			policy, now);
		nl_raw_close(&nl);
		return 1;
	}
out:
	nl_raw_close(&nl);
	if (ret < 0) {
		fprintf(stderr, "odp_holder: reading or setting the policy: %s\n",
			strerror(-ret));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "policy"))
		return policy_cmd(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "stat"))
		return stat_cmd(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "storm"))
		return storm_cmd(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "kprobes-off"))
		return kprobes_off_cmd();
	if (argc >= 2 && !strcmp(argv[1], "policy-race"))
		return policy_race_cmd(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "hold"))
		return hold_cmd(argc - 1, argv + 1);
	fprintf(stderr, "usage: odp_holder stat COUNTER | hold [-d DEV] [-n MRS] [-p THREADS] | policy MODE | storm [-d DEV] [-t THREADS] [-r ROUNDS] | kprobes-off | policy-race [ROUNDS]\n");
	return 2;
}
