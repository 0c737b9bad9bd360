// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp_prefetch_mr(): the live part of the range goes to ibv_advise_mr()
 * in batches of SGEs; when the provider cannot (EOPNOTSUPP: rdma-core
 * before rxe's advise_mr, or a kernel without it) or
 * RODP_PREFETCH_FALLBACK=1 asks for it, rodp.ko's RODP_CMD_PREFETCH does
 * the same through ib_umem_odp_map_dma_and_lock().
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rodp_internal.h"

static int rodp_prefetch_forced(void)
{
	const char *v = getenv("RODP_PREFETCH_FALLBACK");

	return v && *v && strcmp(v, "0") != 0;
}

#if HAVE_DECL_IBV_ADVISE_MR
/* 0, EOPNOTSUPP when the provider has no advise_mr, or its errno. */
static int rodp_advise(struct ibv_mr *mr, const struct rodp_range *seg,
		       size_t n, unsigned int flags)
{
	enum ibv_advise_mr_advice advice = IBV_ADVISE_MR_ADVICE_PREFETCH;
	struct ibv_sge sge[RODP_SGE_PER_CALL];
	uint32_t vflags = 0;
	size_t i, j;
	int err;

	if (flags & RODP_PREFETCH_F_WRITE)
		advice = IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE;
	if (flags & RODP_PREFETCH_F_NO_FAULT)
		advice = IBV_ADVISE_MR_ADVICE_PREFETCH_NO_FAULT;
	if (!(flags & RODP_PREFETCH_F_ASYNC))
		vflags = IBV_ADVISE_MR_FLAG_FLUSH;

	for (i = 0; i < n; i += j) {
		for (j = 0; j < RODP_SGE_PER_CALL && i + j < n; j++) {
			sge[j].addr = seg[i + j].start;
			sge[j].length = (uint32_t)seg[i + j].length;
			sge[j].lkey = mr->lkey;
		}
		err = ibv_advise_mr(mr->pd, advice, vflags, sge, (uint32_t)j);
		if (err)
			return err == ENOSYS ? EOPNOTSUPP : err;
		RODP_LIB_ADD(prefetch_sges, j);
	}
	return 0;
}
#else
static int rodp_advise(struct ibv_mr *mr, const struct rodp_range *seg,
		       size_t n, unsigned int flags)
{
	(void)mr; (void)seg; (void)n; (void)flags;
	return EOPNOTSUPP;	/* this libibverbs has no ibv_advise_mr() */
}
#endif

struct rodp_shim_req {
	uint64_t region_id;
	uint64_t addr;
	uint64_t length;
	uint32_t flags;
};

static int rodp_shim_put(struct nl_msg *msg, void *arg)
{
	struct rodp_shim_req *req = arg;

	if (nla_put_u64(msg, RODP_A_REGION_ID, req->region_id) < 0 ||
	    nla_put_u64(msg, RODP_A_ADDR, req->addr) < 0 ||
	    nla_put_u64(msg, RODP_A_LENGTH, req->length) < 0 ||
	    nla_put_u32(msg, RODP_A_PREFETCH_FLAGS, req->flags) < 0)
		return EMSGSIZE;
	return 0;
}

/* The shim path: one request per live segment (it is synchronous). */
static int rodp_shim_prefetch(struct rodp_ctx *conn, uint64_t region_id,
			      const struct rodp_range *seg, size_t n,
			      unsigned int flags)
{
	struct rodp_shim_req req = { .region_id = region_id };
	size_t i;
	int err;

	if (flags & RODP_PREFETCH_F_WRITE)
		req.flags |= RODP_PREFETCH_WRITE;
	if (flags & RODP_PREFETCH_F_NO_FAULT)
		req.flags |= RODP_PREFETCH_NO_FAULT;
	for (i = 0; i < n; i++) {
		req.addr = seg[i].start;
		req.length = seg[i].length;
		err = rodp_nl_request(conn, RODP_CMD_PREFETCH, 0, rodp_shim_put,
				      NULL, &req);
		if (err)
			return err == ENOENT ? EFAULT : err;
	}
	return 0;
}

struct rodp_prefetch_account {
	int path;		/* 1 advise, 2 shim, 0 none */
	uint64_t bytes;
	uint64_t dead;
};

static void rodp_prefetch_count(struct rodp_mr_entry *e, void *arg)
{
	struct rodp_prefetch_account *a = arg;

	e->prefetch_calls++;
	e->prefetch_advise += a->path == 1;
	e->prefetch_shim += a->path == 2;
	e->prefetch_bytes += a->bytes;
	e->prefetch_dead_bytes += a->dead;
}

/* Tries to bind an MR registered while rodp.ko was absent. */
static void rodp_late_bind(struct ibv_mr *mr, struct rodp_mr_entry *e);

RODP_EXPORT int rodp_prefetch_mr(struct ibv_mr *mr, void *addr, size_t length,
				 unsigned int flags)
{
	struct rodp_prefetch_account acct = { 0 };
	struct rodp_range *live = NULL, *seg = NULL;
	struct rodp_region_info info;
	struct rodp_ctx *conn = NULL;
	struct rodp_mr_entry e;
	uint64_t start = (uintptr_t)addr, dead = 0;
	size_t nseg;
	int err, forced, known;

	rodp_clear_error();
	if (!mr || !length)
		return EINVAL;
	if (flags & ~(unsigned int)(RODP_PREFETCH_F_WRITE |
				    RODP_PREFETCH_F_NO_FAULT |
				    RODP_PREFETCH_F_ASYNC)) {
		rodp_set_error("unknown prefetch flags 0x%x", flags);
		return EINVAL;
	}
	if ((flags & RODP_PREFETCH_F_WRITE) && (flags & RODP_PREFETCH_F_NO_FAULT)) {
		rodp_set_error("RODP_PREFETCH_F_NO_FAULT cannot be combined "
			       "with RODP_PREFETCH_F_WRITE");
		return EINVAL;
	}
	if (start < (uintptr_t)mr->addr || start + length < start ||
	    start + length > (uintptr_t)mr->addr + mr->length) {
		rodp_set_error("prefetch range is outside the MR");
		return EINVAL;
	}
	err = rodp_mr_lookup(mr, &e);
	if (err == EBADF) {
		rodp_set_error("this MR belongs to the parent process");
		return EBADF;
	}
	known = !err;
	RODP_LIB_INC(prefetch_calls);
	if (!err && !(e.flags & RODP_MR_ODP)) {
		/* Pinned (ODP_PREFERRED fell back): already resident. */
		rodp_mr_update(mr, rodp_prefetch_count, &acct);
		return 0;
	}
	if (!err && (flags & RODP_PREFETCH_F_WRITE) &&
	    !(e.access & IBV_ACCESS_LOCAL_WRITE)) {
		rodp_set_error("write prefetch of an MR without "
			       "IBV_ACCESS_LOCAL_WRITE");
		RODP_LIB_INC(prefetch_errors);
		rodp_mr_update(mr, rodp_prefetch_count, &acct);
		return EPERM;
	}
	if (!err && !(e.flags & RODP_MR_BOUND))
		rodp_late_bind(mr, &e);

	/* The live ranges, when rodp.ko knows this MR. */
	if (!err && (e.flags & RODP_MR_BOUND) && !rodp_libconn(&conn) &&
	    !rodp_region_get(conn, e.region_id, &info, &live)) {
		if (info.state == RODP_STATE_DEAD) {
			free(live);
			live = calloc(1, sizeof(*live));	/* none live */
			info.nr_ranges = 0;
		}
	}
	nseg = rodp_prefetch_plan(start, length, live,
				  live ? info.nr_ranges : 0, RODP_SGE_MAX_LEN,
				  NULL, 0, &dead);
	if (!nseg) {
		free(live);
		acct.dead = dead;
		RODP_LIB_ADD(prefetch_dead_bytes, dead);
		RODP_LIB_INC(prefetch_errors);
		if (!err)
			rodp_mr_update(mr, rodp_prefetch_count, &acct);
		rodp_set_error("no byte of the range is mapped any more "
			       "(rodp.ko saw it unmapped)");
		return EFAULT;
	}
	seg = calloc(nseg, sizeof(*seg));
	if (!seg) {
		free(live);
		return ENOMEM;
	}
	rodp_prefetch_plan(start, length, live, live ? info.nr_ranges : 0,
			   RODP_SGE_MAX_LEN, seg, nseg, &dead);
	free(live);
	acct.dead = dead;
	acct.bytes = length - dead;
	RODP_LIB_ADD(prefetch_dead_bytes, dead);

	forced = rodp_prefetch_forced();
	err = EOPNOTSUPP;
	if (!forced) {
		err = rodp_advise(mr, seg, nseg, flags);
		if (!err) {
			acct.path = 1;
			RODP_LIB_INC(prefetch_advise);
		}
		/* rxe's advise_mr looks the MR up as if for a local write and
		 * answers EINVAL for an MR without IBV_ACCESS_LOCAL_WRITE even
		 * for a read prefetch; the arguments were checked above, so
		 * rodp.ko's path serves such MRs. */
		if (err == EINVAL && known && !(e.access & IBV_ACCESS_LOCAL_WRITE))
			err = EOPNOTSUPP;
	}
	if (err == EOPNOTSUPP) {
		if (forced)
			RODP_LIB_INC(prefetch_forced);
		else
			RODP_LIB_INC(prefetch_fallback);
		int noconn = rodp_libconn(&conn);

		if (noconn || rodp_mr_lookup(mr, &e) ||
		    !(e.flags & RODP_MR_BOUND)) {
			rodp_set_error("%s and rodp.ko %s: nothing can prefetch "
				       "this MR",
				       forced ? "RODP_PREFETCH_FALLBACK is set" :
				       "the provider has no advise_mr",
				       noconn ? "is not loaded" :
				       "has no region bound to it");
			err = EOPNOTSUPP;
		} else {
			err = rodp_shim_prefetch(conn, e.region_id, seg, nseg,
						 flags);
			if (!err) {
				acct.path = 2;
				RODP_LIB_INC(prefetch_shim);
			}
		}
	}
	free(seg);
	if (err)
		RODP_LIB_INC(prefetch_errors);
	rodp_mr_update(mr, rodp_prefetch_count, &acct);
	return err;
}

static void rodp_set_bound(struct rodp_mr_entry *e, void *arg)
{
	e->region_id = *(uint64_t *)arg;
	e->flags |= RODP_MR_BOUND;
}

static void rodp_late_bind(struct ibv_mr *mr, struct rodp_mr_entry *e)
{
	uint64_t id;

	if (mr->length == SIZE_MAX || rodp_bind_mr(mr, &id))
		return;
	RODP_LIB_INC(bind_ok);
	rodp_mr_update(mr, rodp_set_bound, &id);
	e->region_id = id;
	e->flags |= RODP_MR_BOUND;
}
