// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* rodp_reg_mr() and friends: ODP registration on plain libibverbs objects,
 * bound to rodp.ko's region when the module is there. */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rodp_internal.h"

#if !HAVE_DECL_IBV_ACCESS_ON_DEMAND
#define IBV_ACCESS_ON_DEMAND 0
#endif

/* Inline: a call of its own is one more return to look up under TCG. */
static inline __attribute__((always_inline))
struct ibv_mr *rodp_verbs_reg(struct ibv_pd *pd,
			      const struct rodp_reg_mr_attr *attr,
			      unsigned int access)
{
	if (attr->comp_mask & RODP_REG_MR_ATTR_IOVA) {
#if HAVE_DECL_IBV_REG_MR_IOVA2
		return ibv_reg_mr_iova2(pd, attr->addr, attr->length,
					attr->iova, access);
#else
		errno = EOPNOTSUPP;
		return NULL;
#endif
	}
	return ibv_reg_mr(pd, attr->addr, attr->length, (int)access);
}

/*
 * Tracks mr. An ODP MR is bound to its rodp.ko region here only when some
 * context of this process listens for events and rodp.ko refused the
 * process-wide subscription (an older module: the events need the binding
 * from the start); otherwise the bind, a netlink round trip that cost more
 * than the registration itself, is put off until something needs the
 * region: rodp_get_mr_stats(), rodp.ko's prefetch, a refused prefetch, or
 * the first subscription, which binds every MR still unbound.
 */
RODP_HOT
static int rodp_track(struct rodp_thread *t, struct ibv_mr *mr,
		      unsigned int access, uint32_t flags, int fallback_errno)
{
	struct rodp_mr_entry *e = rodp_mr_entry_alloc(t);

	if (!e)
		return ENOMEM;
	/* Every field, one store each: clearing the whole entry first (a
	 * memset() or a compound literal) is a rep stos of 25 rounds, most
	 * of them stored again here. */
	e->next = NULL;
	e->mr = mr;
	e->context = mr->context;
	e->addr = mr->addr;
	e->length = mr->length;
	e->lkey = mr->lkey;
	e->handle = mr->handle;
	e->pid = rodp_getpid();
	e->access = access;
	e->flags = flags;
	e->fallback_errno = fallback_errno;
	e->region_id = 0;
	e->bind_gen = RODP_BIND_NOT_TRIED;
	e->live_known = 0;
	e->nlive = 0;
	e->live = NULL;
	e->prefetch_calls = 0;
	e->prefetch_advise = 0;
	e->prefetch_shim = 0;
	e->prefetch_bytes = 0;
	e->prefetch_dead_bytes = 0;
	/* ibv_get_device_name() is this field; copied whole, as a fixed
	 * size, and cut to the entry's. */
	_Static_assert(sizeof(e->device) == sizeof(mr->context->device->name),
		       "an entry holds a whole device name");
	memcpy(e->device, mr->context->device->name, sizeof(e->device));
	e->device[sizeof(e->device) - 1] = '\0';
	/* Implicit MRs have no single region to bind; a process subscribed
	 * to all its regions' notifications needs no bind for events. */
	if ((flags & RODP_MR_ODP) && mr->length != SIZE_MAX &&
	    rodp_events_wanted() && !rodp_events_subscribed()) {
		struct rodp_range *live;
		uint32_t n;

		if (!rodp_bind_entry(e, &e->region_id, &live, &n)) {
			e->flags |= RODP_MR_BOUND;
			e->live = live;
			e->nlive = (uint32_t)rodp_ranges_normalise(live, n);
			e->live_known = 1;
			RODP_T_INC(t, bind_ok);
		} else {
			RODP_T_INC(t, bind_failed);
		}
		e->bind_gen = rodp_libconn_gen();
	}
	rodp_mr_insert(t, e);
	return 0;
}

struct rodp_bound {
	int err;
	unsigned int gen;
	uint64_t id;
	struct rodp_range *live;
	uint32_t n;
};

static void rodp_record_bind(struct rodp_mr_entry *e, void *arg)
{
	struct rodp_bound *b = arg;
	struct rodp_range *old = e->live;

	e->bind_gen = b->gen;
	if (b->err || (e->flags & RODP_MR_BOUND))
		return;
	e->region_id = b->id;
	e->flags |= RODP_MR_BOUND;
	e->live = b->live;
	e->nlive = b->n;
	e->live_known = 1;
	b->live = old;
}

int rodp_mr_late_bind(struct ibv_mr *mr, struct rodp_mr_entry *e)
{
	struct rodp_bound b = { 0 };
	struct rodp_ctx *conn;

	(void)mr;	/* e identifies it: mr may be freed by now */
	/* Only when the library's connection is newer than the last try:
	 * a bind that failed on this connection fails again, and the
	 * round trip would be paid on every prefetch. */
	if (!(e->flags & RODP_MR_ODP) || (e->flags & RODP_MR_BOUND) ||
	    e->length == SIZE_MAX || rodp_libconn_quiet(&conn) ||
	    rodp_libconn_gen() == e->bind_gen)
		return ENOENT;
	b.err = rodp_bind_entry(e, &b.id, &b.live, &b.n);
	b.gen = rodp_libconn_gen();
	if (!b.err) {
		b.n = (uint32_t)rodp_ranges_normalise(b.live, b.n);
		RODP_LIB_INC(bind_ok);
	} else {
		RODP_LIB_INC(bind_failed);
	}
	rodp_mr_update_copy(e, rodp_record_bind, &b);
	free(b.live);
	e->bind_gen = b.gen;
	if (b.err)
		return b.err;
	e->region_id = b.id;
	e->flags |= RODP_MR_BOUND;
	return 0;
}

void rodp_bind_pending(void)
{
	struct rodp_mr_entry batch[64];
	struct rodp_ctx *conn;
	size_t i, n;

	if (rodp_libconn_quiet(&conn))
		return;
	/* Each round marks what it tried with the current generation, so
	 * rodp_mr_unbound() does not offer it again: this ends. */
	do {
		n = rodp_mr_unbound(batch, sizeof(batch) / sizeof(batch[0]));
		for (i = 0; i < n; i++)
			rodp_mr_late_bind(batch[i].mr, &batch[i]);
	} while (n == sizeof(batch) / sizeof(batch[0]));
}

/*
 * The checks that need no device, before pd is used: an address range
 * that wraps or starts at NULL is a caller's bug (a failed allocation
 * passed on), refused here with EINVAL as ib_umem_get() would, rather than
 * left to the kernel (whose ODP path answers EOVERFLOW instead). An
 * unaligned addr or length is fine, as for ibv_reg_mr(). Flags are checked
 * again, with the device, by rodp_reg_check().
 */
RODP_HOT
static int rodp_reg_args(const struct rodp_reg_mr_attr *attr)
{
	const unsigned int known = RODP_REG_ODP_PREFERRED |
				   RODP_REG_ODP_IMPLICIT;
	uintptr_t start = (uintptr_t)attr->addr;

	if (attr->flags & ~known)
		return rodp_fail(EINVAL, "unknown rodp_reg_mr() flags 0x%x",
				 attr->flags & ~known);
	if ((attr->flags & known) == known)
		return rodp_fail(EINVAL, "RODP_REG_ODP_PREFERRED and "
				 "RODP_REG_ODP_IMPLICIT exclude each other");
	/* The verbs rule (ib_check_mr_access()), said in words. */
	if ((attr->access & (IBV_ACCESS_REMOTE_WRITE |
			     IBV_ACCESS_REMOTE_ATOMIC)) &&
	    !(attr->access & IBV_ACCESS_LOCAL_WRITE))
		return rodp_fail(EINVAL, "rodp_reg_mr: IBV_ACCESS_REMOTE_WRITE "
				 "and IBV_ACCESS_REMOTE_ATOMIC need "
				 "IBV_ACCESS_LOCAL_WRITE");
	if (attr->flags & RODP_REG_ODP_IMPLICIT) {
		if (attr->addr || attr->length != SIZE_MAX)
			return rodp_fail(EINVAL, "implicit ODP takes addr NULL "
					 "and length SIZE_MAX");
		return 0;
	}
	if (!attr->length)
		return rodp_fail(EINVAL, "rodp_reg_mr: length is 0");
	if (!attr->addr)
		return rodp_fail(EINVAL, "rodp_reg_mr: addr is NULL (implicit "
				 "ODP over the whole address space is "
				 "RODP_REG_ODP_IMPLICIT)");
	if (start + attr->length < start)
		return rodp_fail(EINVAL, "rodp_reg_mr: addr %p + length %zu "
				 "wraps around the address space", attr->addr,
				 attr->length);
	return 0;
}

RODP_HOT
RODP_EXPORT struct ibv_mr *rodp_reg_mr_ex(struct ibv_pd *pd,
					  const struct rodp_reg_mr_attr *attr)
{
	struct rodp_thread *t = rodp_thread();
	char why[200];
	struct ibv_mr *mr;
	unsigned int access;
	int err, qerr;

	RODP_T_INC(t, reg_calls);
	t->errmsg[0] = '\0';
	if (!pd || !attr) {
		err = EINVAL;
		rodp_set_error("rodp_reg_mr: %s is NULL", pd ? "attr" : "pd");
		goto out_fail;
	}
	if (attr->comp_mask & ~(uint32_t)RODP_REG_MR_ATTR_IOVA) {
		err = EOPNOTSUPP;
		rodp_set_error("rodp_reg_mr_ex: unknown comp_mask bits 0x%x",
			       attr->comp_mask & ~(uint32_t)RODP_REG_MR_ATTR_IOVA);
		goto out_fail;
	}
	err = rodp_reg_args(attr);
	if (err)
		goto out_fail;

	err = rodp_caps_reg_check(t, pd->context, attr->access, attr->flags, why,
				  sizeof(why), &qerr);
	if (qerr) {
		rodp_set_error("%s: ibv_query_device_ex failed",
			       ibv_get_device_name(pd->context->device));
		goto out_fail;
	}
	if (err == EINVAL) {
		rodp_set_error("%s", why);
		goto out_fail;
	}

	access = attr->access | IBV_ACCESS_ON_DEMAND;
	if (!err) {
		mr = rodp_verbs_reg(pd, attr, access);
		if (mr) {
			if (rodp_track(t, mr, access, RODP_MR_ODP, 0))
				goto out_dereg;
			RODP_T_INC(t, reg_odp);
			return mr;
		}
		err = errno;
		if (err == EOPNOTSUPP || err == EINVAL || err == EPROTONOSUPPORT)
			snprintf(why, sizeof(why), "%s: the kernel refused an "
				 "ODP registration (errno %d): a kernel without "
				 "CONFIG_INFINIBAND_ON_DEMAND_PAGING, or access "
				 "flags the device cannot combine with ODP",
				 ibv_get_device_name(pd->context->device), err);
		else
			snprintf(why, sizeof(why), "%s: ibv_reg_mr with "
				 "IBV_ACCESS_ON_DEMAND failed (errno %d)",
				 ibv_get_device_name(pd->context->device), err);
	}

	if (!(attr->flags & RODP_REG_ODP_PREFERRED)) {
		rodp_set_error("%s", why);
		goto out_fail;
	}
	/* ODP preferred: a pinned MR, and its statistics say why. */
	mr = rodp_verbs_reg(pd, attr, attr->access & ~IBV_ACCESS_ON_DEMAND);
	if (!mr) {
		err = errno;
		rodp_set_error("%s; the pinned fallback failed too", why);
		goto out_fail;
	}
	if (rodp_track(t, mr, attr->access, RODP_MR_PINNED_FALLBACK, err))
		goto out_dereg;
	RODP_T_INC(t, reg_pinned_fallback);
	/* Success, but keep the reason readable for the curious. */
	rodp_set_error("ODP refused, pinned instead: %s", why);
	return mr;

out_dereg:
	ibv_dereg_mr(mr);
	err = ENOMEM;
out_fail:
	RODP_T_INC(t, reg_failed);
	errno = err;
	return NULL;
}

RODP_HOT
RODP_EXPORT struct ibv_mr *rodp_reg_mr(struct ibv_pd *pd, void *addr,
				       size_t length, unsigned int access,
				       unsigned int flags)
{
	struct rodp_reg_mr_attr attr = {
		.flags = flags,
		.addr = addr,
		.length = length,
		.access = access,
	};

	return rodp_reg_mr_ex(pd, &attr);
}

RODP_HOT
RODP_EXPORT int rodp_dereg_mr(struct ibv_mr *mr)
{
	struct rodp_thread *t = rodp_thread();
	struct rodp_mr_entry *e;
	int err, tomb;

	t->errmsg[0] = '\0';
	if (!mr)
		return rodp_fail(EINVAL, "rodp_dereg_mr: mr is NULL");
	RODP_T_INC(t, dereg_calls);
	/* Out of the table first: once ibv_dereg_mr() returns, another
	 * thread may get the same pointer from a new registration. */
	e = rodp_mr_remove_buried(t, mr, &err, &tomb);
	if (!e && err == EBADF)
		return rodp_fail(EBADF, "this MR belongs to the parent process");
	err = ibv_dereg_mr(mr);
	rodp_mr_unbury(tomb, !err);
	if (err) {
		/* Still registered: it keeps its state, stays usable and
		 * can be deregistered again. */
		if (e)
			rodp_mr_insert(t, e);
		return rodp_fail(err, "ibv_dereg_mr failed (errno %d): the MR "
				 "is still registered (memory windows bound "
				 "to it?)", err);
	}
	rodp_mr_entry_free(t, e);
	return 0;
}

RODP_EXPORT int rodp_mr_is_odp(struct ibv_mr *mr)
{
	struct rodp_mr_entry e;

	if (!mr || rodp_mr_lookup(mr, &e))
		return 0;
	return !!(e.flags & RODP_MR_ODP);
}
