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

/*
 * RODP_PREFETCH_FALLBACK, read when the library loads and again at every
 * rodp_open() (rodp_prefetch_env_reload()): getenv() per prefetch was a
 * quarter of the library's cost on this path.
 */
static int rodp_prefetch_fallback_env;	/* atomic */

void rodp_prefetch_env_reload(void)
{
	const char *v = getenv("RODP_PREFETCH_FALLBACK");

	__atomic_store_n(&rodp_prefetch_fallback_env,
			 v && *v && strcmp(v, "0") != 0, __ATOMIC_RELAXED);
}

__attribute__((constructor)) static void rodp_prefetch_env_init(void)
{
	rodp_prefetch_env_reload();
}

static int rodp_prefetch_forced(void)
{
	return __atomic_load_n(&rodp_prefetch_fallback_env, __ATOMIC_RELAXED);
}

#if HAVE_DECL_IBV_ADVISE_MR
/* ibv_advise_mr()'s advice and flags for RODP_PREFETCH_F_* flags. */
static enum ibv_advise_mr_advice rodp_advice(unsigned int flags,
					     uint32_t *vflags)
{
	*vflags = flags & RODP_PREFETCH_F_ASYNC ? 0 : IBV_ADVISE_MR_FLAG_FLUSH;
	if (flags & RODP_PREFETCH_F_NO_FAULT)
		return IBV_ADVISE_MR_ADVICE_PREFETCH_NO_FAULT;
	if (flags & RODP_PREFETCH_F_WRITE)
		return IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE;
	return IBV_ADVISE_MR_ADVICE_PREFETCH;
}

/* 0, EOPNOTSUPP when the provider has no advise_mr, or its errno. */
static int rodp_advise(struct rodp_thread *t, struct ibv_mr *mr,
		       const struct rodp_range *seg, size_t n,
		       unsigned int flags)
{
	struct ibv_sge sge[RODP_SGE_PER_CALL];
	enum ibv_advise_mr_advice advice;
	uint32_t vflags;
	size_t i, j;
	int err;

	advice = rodp_advice(flags, &vflags);

	for (i = 0; i < n; i += j) {
		for (j = 0; j < RODP_SGE_PER_CALL && i + j < n; j++) {
			sge[j].addr = seg[i + j].start;
			sge[j].length = (uint32_t)seg[i + j].length;
			sge[j].lkey = mr->lkey;
		}
		err = ibv_advise_mr(mr->pd, advice, vflags, sge, (uint32_t)j);
		if (err)
			return err == ENOSYS ? EOPNOTSUPP : err;
		RODP_T_ADD(t, prefetch_sges, j);
	}
	return 0;
}
#else
static int rodp_advise(struct rodp_thread *t, struct ibv_mr *mr,
		       const struct rodp_range *seg, size_t n,
		       unsigned int flags)
{
	(void)t; (void)mr; (void)seg; (void)n; (void)flags;
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

static void rodp_prefetch_count(struct rodp_mr_entry *e,
				const struct rodp_prefetch_account *a)
{
	e->prefetch_calls++;
	e->prefetch_advise += a->path == 1;
	e->prefetch_shim += a->path == 2;
	e->prefetch_bytes += a->bytes;
	e->prefetch_dead_bytes += a->dead;
}

struct rodp_prefetch_recount {
	const struct rodp_prefetch_account *was, *is;
};

/* Replaces what was counted (the plan visit's guess) by what happened;
 * the call itself stays counted once. */
static void rodp_prefetch_recount_fn(struct rodp_mr_entry *e, void *arg)
{
	const struct rodp_prefetch_recount *r = arg;

	e->prefetch_advise = e->prefetch_advise - (r->was->path == 1) +
			     (r->is->path == 1);
	e->prefetch_shim = e->prefetch_shim - (r->was->path == 2) +
			   (r->is->path == 2);
	e->prefetch_bytes = e->prefetch_bytes - r->was->bytes + r->is->bytes;
	e->prefetch_dead_bytes = e->prefetch_dead_bytes - r->was->dead +
				 r->is->dead;
}

/* A second visit of the table only when the outcome is not the one the
 * plan visit counted. */
static void rodp_prefetch_recount(struct ibv_mr *mr,
				  const struct rodp_prefetch_account *was,
				  const struct rodp_prefetch_account *is)
{
	struct rodp_prefetch_recount r = { .was = was, .is = is };

	if (was->path != is->path || was->bytes != is->bytes ||
	    was->dead != is->dead)
		rodp_mr_update(mr, rodp_prefetch_recount_fn, &r);
}

/* What a plan needs of the MR's entry (a whole copy is only made for the
 * rare late bind). */
struct rodp_plan_mr {
	uint32_t flags;
	unsigned int access;
	uint64_t region_id;
};

/*
 * A request's plan: its segments (in the inline array when they fit, the
 * usual case) and what it needs of the entry, made under the table lock
 * in one visit, with no allocation and no sort on the common path. Only
 * the fields before inline_seg are initialised per call.
 */
struct rodp_plan {
	const struct rodp_range *req;	/* the caller's ranges */
	size_t nreq;
	unsigned int flags;		/* RODP_PREFETCH_F_* */
	int first;			/* count the call in this visit */
	struct rodp_prefetch_account counted;	/* what was counted */
	struct rodp_plan_mr e;
	struct rodp_range inline_seg[RODP_SGE_PER_CALL];
	struct rodp_range *seg;		/* inline_seg or malloc()ed */
	size_t nseg;
	uint64_t dead, bytes;
	int err;			/* ENOMEM, EINVAL (too many SGEs) */
};

static size_t rodp_plan_pass(struct rodp_plan *p, const struct rodp_mr_entry *e,
			     struct rodp_range *out, size_t out_max)
{
	const struct rodp_range *live = e->live_known ? e->live : NULL;
	/* A dead region (no live range) still plans against an empty set,
	 * not against "everything". */
	static const struct rodp_range none;
	size_t i, n = 0;

	if (e->live_known && !e->live)
		live = &none;
	p->dead = p->bytes = 0;
	for (i = 0; i < p->nreq; i++) {
		uint64_t dead;
		size_t k;

		k = rodp_prefetch_plan(p->req[i].start, p->req[i].length, live,
				       e->live_known ? e->nlive : 0,
				       RODP_SGE_MAX_LEN,
				       out && n < out_max ? out + n : NULL,
				       out && n < out_max ? out_max - n : 0,
				       &dead);
		if (k > RODP_PREFETCH_MAX_SGES || n + k > RODP_PREFETCH_MAX_SGES)
			return SIZE_MAX;
		n += k;
		p->dead += dead;
		p->bytes += p->req[i].length - dead;
	}
	return n;
}

/* Whether [base, base + size) holds [start, start + len), computed
 * without forming either end (either may be the top of the space). */
static int rodp_range_holds(uint64_t base, uint64_t size, uint64_t start,
			    uint64_t len)
{
	return start >= base && start - base <= size &&
	       len <= size - (start - base);
}

/*
 * Whether [start, start + len) is short enough for one SGE and live as a
 * whole in e (the MR's live set unknown, which plans as all live, or one
 * live range holding it): then the range is its own plan.
 */
static int rodp_live_whole(const struct rodp_mr_entry *e, uint64_t start,
			   uint64_t len)
{
	const struct rodp_range *l = e->live;

	if (len > RODP_SGE_MAX_LEN)
		return 0;
	if (!e->live_known)
		return 1;
	return e->nlive == 1 && l &&
	       rodp_range_holds(l->start, l->length, start, len);
}

/*
 * The usual request: one range, live as a whole. Its plan is the range
 * itself: the general planner's search and cutting were a quarter of the
 * library's instructions per prefetch.
 */
static int rodp_plan_whole(const struct rodp_plan *p,
			   const struct rodp_mr_entry *e)
{
	return p->nreq == 1 &&
	       rodp_live_whole(e, p->req[0].start, p->req[0].length);
}

/* Whether the device is asked to prefetch e at all: an ODP MR, and for a
 * write prefetch one with IBV_ACCESS_LOCAL_WRITE. */
static int rodp_may_advise(const struct rodp_mr_entry *e, unsigned int flags)
{
	return (e->flags & RODP_MR_ODP) &&
	       (!(flags & RODP_PREFETCH_F_WRITE) ||
		(e->access & IBV_ACCESS_LOCAL_WRITE));
}

static void rodp_plan_fn(struct rodp_mr_entry *e, void *arg)
{
	struct rodp_plan *p = arg;
	size_t n;

	p->e.flags = e->flags;
	p->e.access = e->access;
	p->e.region_id = e->region_id;
	p->seg = p->inline_seg;
	if (rodp_plan_whole(p, e)) {
		p->seg[0] = p->req[0];
		p->dead = 0;
		p->bytes = p->req[0].length;
		n = 1;
	} else {
		n = rodp_plan_pass(p, e, p->seg, RODP_SGE_PER_CALL);
	}
	if (n == SIZE_MAX) {
		p->err = EINVAL;
		return;
	}
	if (n > RODP_SGE_PER_CALL) {
		/* Many holes or a huge range: rare, bounded by the cap. */
		p->seg = calloc(n, sizeof(*p->seg));
		if (!p->seg) {
			p->seg = p->inline_seg;
			p->err = ENOMEM;
			return;
		}
		rodp_plan_pass(p, e, p->seg, n);
	}
	p->nseg = n;
	/*
	 * The call is counted in the MR's statistics in this same visit,
	 * as its common outcome (ibv_advise_mr() of the plan) would count
	 * it; any other outcome is put right by rodp_prefetch_recount().
	 * A pinned MR, or a write prefetch of a read-only one, counts the
	 * call only.
	 */
	if (p->first) {
		struct rodp_prefetch_account *c = &p->counted;

		p->first = 0;
		c->path = 0;
		c->bytes = c->dead = 0;
		if (rodp_may_advise(e, p->flags)) {
			c->path = n ? 1 : 0;
			c->bytes = p->bytes;
			c->dead = p->dead;
		}
		rodp_prefetch_count(e, c);
	}
}

/* The plan for an MR librodp does not know (registered with
 * ibv_reg_mr()): everything live. Not inlined: the compiler would clear
 * the scratch entry on every call of its caller. */
static __attribute__((noinline)) int rodp_plan_unknown(struct rodp_plan *p)
{
	struct rodp_mr_entry none = { 0 };

	rodp_plan_fn(&none, p);
	return p->err;
}

static void rodp_plan_release(struct rodp_plan *p)
{
	if (p->seg != p->inline_seg)
		free(p->seg);
	p->seg = p->inline_seg;
}

/* Binds an MR whose bind was put off, for rodp.ko's paths: updates pm. */
static void rodp_plan_bind(struct ibv_mr *mr, struct rodp_plan_mr *pm)
{
	struct rodp_mr_entry e;

	if (rodp_mr_lookup(mr, &e) || rodp_mr_late_bind(mr, &e))
		return;
	pm->flags = e.flags;
	pm->region_id = e.region_id;
}

/* A range of mr, overflow-safe: the MR's own end may be the top of the
 * address space (an implicit MR: addr 0, length SIZE_MAX). */
static int rodp_in_mr(const struct ibv_mr *mr, uint64_t start, uint64_t len)
{
	return len && start + len >= start &&
	       rodp_range_holds((uintptr_t)mr->addr, mr->length, start, len);
}

/*
 * The common body of rodp_prefetch_mr() and rodp_prefetch_mr_sg(): n
 * ranges of mr, already checked to lie in it. The live ranges come from
 * what the library already knows (the bind reply, region events read off
 * its socket without blocking, the last REGION_GET); the kernel is asked
 * again only when the device refused a range as unmapped, which is how a
 * munmap that raced with this call shows.
 */
static int rodp_prefetch_ranges(struct rodp_thread *t, struct ibv_mr *mr,
				const struct rodp_range *req, size_t n,
				unsigned int flags)
{
	struct rodp_prefetch_account acct = { 0 };
	struct rodp_ctx *conn = NULL;
	int err, forced, known, refreshed = 0, counted = 0;
	struct rodp_mr_entry *e;
	struct rodp_plan p;

	/* Not "= { ... }": that would clear the inline segments too. */
	p.req = req;
	p.nreq = n;
	p.flags = flags;
	p.first = 1;
	p.seg = p.inline_seg;

	/* Pending region events first, so a munmap already reported is
	 * skipped; a syscall that does not block, only with a connection. */
	rodp_libconn_poll();
replan:
	p.err = 0;
	p.nseg = 0;
	/* The table held for the plan only: no callback, no copy. */
	e = rodp_mr_hold(mr, &err);
	if (e) {
		rodp_plan_fn(e, &p);
		rodp_mr_unhold();
	}
	if (err == EBADF)
		return rodp_fail(EBADF, "this MR belongs to the parent process");
	if (!counted++)
		RODP_T_INC(t, prefetch_calls);
	known = !err;
	if (!known)
		err = rodp_plan_unknown(&p);
	else
		err = p.err;
	if (err) {
		rodp_plan_release(&p);
		RODP_T_INC(t, prefetch_errors);
		return rodp_fail(err, err == ENOMEM ? "rodp_prefetch_mr: out "
				 "of memory" : "rodp_prefetch_mr: more than %d "
				 "SGEs of %llu bytes at once",
				 RODP_PREFETCH_MAX_SGES,
				 (unsigned long long)RODP_SGE_MAX_LEN);
	}
	if (known && !(p.e.flags & RODP_MR_ODP)) {
		/* Pinned (ODP_PREFERRED fell back): already resident. */
		rodp_plan_release(&p);
		rodp_prefetch_recount(mr, &p.counted, &acct);
		return 0;
	}
	if (known && (flags & RODP_PREFETCH_F_WRITE) &&
	    !(p.e.access & IBV_ACCESS_LOCAL_WRITE)) {
		rodp_plan_release(&p);
		rodp_set_error("write prefetch of an MR without "
			       "IBV_ACCESS_LOCAL_WRITE");
		RODP_T_INC(t, prefetch_errors);
		rodp_prefetch_recount(mr, &p.counted, &acct);
		return EPERM;
	}
	/* An unbound MR (its bind put off, or rodp.ko absent when it was
	 * registered) plans as all live: what the device would be asked
	 * anyway. It is bound below only if rodp.ko must be asked. */
	acct.dead = p.dead;
	acct.bytes = p.bytes;
	if (!p.nseg) {
		rodp_plan_release(&p);
		RODP_T_ADD(t, prefetch_dead_bytes, acct.dead);
		RODP_T_INC(t, prefetch_errors);
		if (known)
			rodp_prefetch_recount(mr, &p.counted, &acct);
		return rodp_fail(EFAULT, "no byte of the range is mapped any "
				 "more (rodp.ko saw it unmapped)");
	}

	forced = rodp_prefetch_forced();
	err = EOPNOTSUPP;
	if (!forced) {
		err = rodp_advise(t, mr, p.seg, p.nseg, flags);
		if (!err) {
			acct.path = 1;
			RODP_T_INC(t, prefetch_advise);
		}
		/* rxe's advise_mr looks the MR up as if for a local write and
		 * answers EINVAL for an MR without IBV_ACCESS_LOCAL_WRITE even
		 * for a read prefetch; the arguments were checked above, so
		 * rodp.ko's path serves such MRs. */
		if (err == EINVAL && known &&
		    !(p.e.access & IBV_ACCESS_LOCAL_WRITE))
			err = EOPNOTSUPP;
	}
	if (err == EOPNOTSUPP) {
		int noconn = rodp_libconn(&conn);

		if (forced)
			RODP_T_INC(t, prefetch_forced);
		else
			RODP_T_INC(t, prefetch_fallback);
		if (!noconn && known && !(p.e.flags & RODP_MR_BOUND))
			rodp_plan_bind(mr, &p.e);
		if (noconn || !known || !(p.e.flags & RODP_MR_BOUND)) {
			rodp_set_error("%s and rodp.ko %s: nothing can prefetch "
				       "this MR",
				       forced ? "RODP_PREFETCH_FALLBACK is set" :
				       "the provider has no advise_mr",
				       noconn ? "is not loaded" :
				       "has no region bound to it");
			err = EOPNOTSUPP;
		} else {
			err = rodp_shim_prefetch(conn, p.e.region_id, p.seg,
						 p.nseg, flags);
			if (!err) {
				acct.path = 2;
				RODP_T_INC(t, prefetch_shim);
			}
		}
	}
	rodp_plan_release(&p);
	/* The device found a page unmapped that the library thought live:
	 * a munmap whose event has not arrived yet. Ask rodp.ko for the
	 * region's ranges (a round trip, on this failure only) and plan
	 * again, once. */
	if (err == EFAULT && known && !refreshed && !rodp_libconn(&conn)) {
		struct rodp_region_info info;
		struct rodp_range *live;

		refreshed = 1;
		if (!(p.e.flags & RODP_MR_BOUND))
			rodp_plan_bind(mr, &p.e);
		if ((p.e.flags & RODP_MR_BOUND) &&
		    !rodp_region_get(conn, p.e.region_id, &info, &live)) {
			rodp_mr_set_live(mr, live, info.nr_ranges);
			goto replan;
		}
	}
	/* Counted once, for the plan that was carried out. */
	if (acct.dead)
		RODP_T_ADD(t, prefetch_dead_bytes, acct.dead);
	if (err)
		RODP_T_INC(t, prefetch_errors);
	if (known)
		rodp_prefetch_recount(mr, &p.counted, &acct);
	return err;
}

#if HAVE_DECL_IBV_ADVISE_MR
/* Takes back what rodp_prefetch_fast() counted in the MR's entry. */
static void rodp_prefetch_uncount_fn(struct rodp_mr_entry *e, void *arg)
{
	uint64_t len = *(const uint64_t *)arg;

	e->prefetch_calls--;
	e->prefetch_advise--;
	e->prefetch_bytes -= len;
}

/*
 * The usual call: one range of an ODP MR librodp knows, no longer than an
 * SGE, live as a whole, and ibv_advise_mr() serves it. That is decided
 * and counted in one short hold of the MR table and done with one SGE,
 * without the general path's plan. Returns 1 when it served the call
 * (*err is 0); 0 when the general path must, with nothing left done or
 * counted (a refusal from the device is taken back and the general path
 * asks again, so that every outcome is reported and counted in one
 * place).
 */
RODP_HOT
static int rodp_prefetch_fast(struct rodp_thread *t, struct ibv_mr *mr,
			      uint64_t start, uint64_t len,
			      unsigned int flags, int *err)
{
	enum ibv_advise_mr_advice advice;
	struct rodp_mr_entry *e;
	struct ibv_sge sge;
	uint32_t vflags;
	int herr;

	if (len > RODP_SGE_MAX_LEN || rodp_prefetch_forced())
		return 0;
	rodp_libconn_poll();
	e = rodp_mr_hold(mr, &herr);
	if (!e)
		return 0;
	if (!rodp_may_advise(e, flags) || !rodp_live_whole(e, start, len)) {
		rodp_mr_unhold();
		return 0;
	}
	e->prefetch_calls++;
	e->prefetch_advise++;
	e->prefetch_bytes += len;
	rodp_mr_unhold();

	advice = rodp_advice(flags, &vflags);
	sge.addr = start;
	sge.length = (uint32_t)len;
	sge.lkey = mr->lkey;
	*err = ibv_advise_mr(mr->pd, advice, vflags, &sge, 1);
	if (*err) {
		rodp_mr_update(mr, rodp_prefetch_uncount_fn, &len);
		return 0;
	}
	RODP_T_INC(t, prefetch_calls);
	RODP_T_INC(t, prefetch_advise);
	RODP_T_INC(t, prefetch_sges);
	return 1;
}
#else
static int rodp_prefetch_fast(struct rodp_thread *t, struct ibv_mr *mr,
			      uint64_t start, uint64_t len,
			      unsigned int flags, int *err)
{
	(void)t; (void)mr; (void)start; (void)len; (void)flags; (void)err;
	return 0;
}
#endif

static int rodp_prefetch_flags_check(unsigned int flags)
{
	if (flags & ~(unsigned int)(RODP_PREFETCH_F_WRITE |
				    RODP_PREFETCH_F_NO_FAULT |
				    RODP_PREFETCH_F_ASYNC))
		return rodp_fail(EINVAL, "unknown prefetch flags 0x%x", flags);
	if ((flags & RODP_PREFETCH_F_WRITE) && (flags & RODP_PREFETCH_F_NO_FAULT))
		return rodp_fail(EINVAL, "RODP_PREFETCH_F_NO_FAULT cannot be "
				 "combined with RODP_PREFETCH_F_WRITE");
	return 0;
}

RODP_HOT
RODP_EXPORT int rodp_prefetch_mr(struct ibv_mr *mr, void *addr, size_t length,
				 unsigned int flags)
{
	struct rodp_range r = { .start = (uintptr_t)addr, .length = length };
	struct rodp_thread *t = rodp_thread();
	int err;

	t->errmsg[0] = '\0';
	if (!mr || !length)
		return rodp_fail(EINVAL, "rodp_prefetch_mr: %s",
				 mr ? "length is 0" : "mr is NULL");
	err = rodp_prefetch_flags_check(flags);
	if (err)
		return err;
	if (!rodp_in_mr(mr, r.start, r.length))
		return rodp_fail(EINVAL, "prefetch range is outside the MR");
	if (rodp_prefetch_fast(t, mr, r.start, r.length, flags, &err))
		return err;
	return rodp_prefetch_ranges(t, mr, &r, 1, flags);
}

RODP_EXPORT int rodp_prefetch_mr_sg(struct ibv_mr *mr,
				    const struct ibv_sge *sg_list,
				    uint32_t num_sge, unsigned int flags)
{
	struct rodp_range inline_r[RODP_SGE_PER_CALL], *r = inline_r;
	uint32_t i;
	int err;

	rodp_clear_error();
	if (!mr || !sg_list || !num_sge)
		return rodp_fail(EINVAL, "rodp_prefetch_mr_sg: %s",
				 !mr ? "mr is NULL" : !sg_list ?
				 "sg_list is NULL" : "num_sge is 0");
	if (num_sge > RODP_PREFETCH_MAX_SGES)
		return rodp_fail(EINVAL, "rodp_prefetch_mr_sg: more than %d "
				 "SGEs", RODP_PREFETCH_MAX_SGES);
	err = rodp_prefetch_flags_check(flags);
	if (err)
		return err;
	for (i = 0; i < num_sge; i++) {
		if (sg_list[i].lkey != mr->lkey)
			return rodp_fail(EINVAL, "rodp_prefetch_mr_sg: SGE %u's "
					 "lkey 0x%x is not the MR's (0x%x)", i,
					 sg_list[i].lkey, mr->lkey);
		if (!rodp_in_mr(mr, sg_list[i].addr, sg_list[i].length))
			return rodp_fail(EINVAL, "rodp_prefetch_mr_sg: SGE %u "
					 "is empty or outside the MR", i);
	}
	if (num_sge > RODP_SGE_PER_CALL) {
		r = calloc(num_sge, sizeof(*r));
		if (!r)
			return rodp_fail(ENOMEM, "rodp_prefetch_mr_sg: out of "
					 "memory");
	}
	/* num_sge >= 1 (above); a do-while says so to the compiler too,
	 * which once this is split from the checks above takes inline_r as
	 * maybe never written (GCC 16 with LTO). */
	i = 0;
	do {
		r[i].start = sg_list[i].addr;
		r[i].length = sg_list[i].length;
	} while (++i < num_sge);
	err = rodp_prefetch_ranges(rodp_thread(), mr, r, num_sge, flags);
	if (r != inline_r)
		free(r);
	return err;
}
