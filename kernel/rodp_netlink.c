// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: the generic netlink family "rodp" (include/uapi/linux/rodp.h,
 * described by kernel/rodp.yaml).
 *
 * Permissions: anyone may read the global counters and the status. Regions and
 * per-process counters and policies are visible to CAP_NET_ADMIN and to
 * callers with the owner's effective uid. BIND works on the caller's own
 * process only; PREFETCH on the caller's own regions, or any with
 * CAP_NET_ADMIN, and on software devices only (rodp_trust.h); POLICY_SET
 * is admin-only except for the caller's own process; EVENTS_SUBSCRIBE
 * subscribes the sending socket to the caller's own process only. The
 * family lives in the initial network namespace only.
 *
 * No kernel pointer is ever put in a message: regions are named by id,
 * owner pid (in the reader's pid namespace) and user addresses.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "rodp.h"
#include "rodp_trust.h"

/* 6.13 renamed NL_ASSERT_DUMP_CTX_FITS() (6.12, Debian trixie's kernel). */
#ifndef NL_ASSERT_CTX_FITS
#define NL_ASSERT_CTX_FITS(type_name) NL_ASSERT_DUMP_CTX_FITS(type_name)
#endif

static struct genl_family rodp_family;

enum rodp_mcgrp {
	RODP_MCGRP_EVENTS_IDX,
};

static const struct genl_multicast_group rodp_mcgrps[] = {
	[RODP_MCGRP_EVENTS_IDX] = {
		.name = RODP_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/*
 * Per-process listeners (RODP_CMD_EVENTS_SUBSCRIBE): rodp_listeners maps a
 * tgid to the sockets that get every notification of that process's
 * regions, so that registering an MR needs no BIND round trip.
 *
 * @pid: the subscribing process, referenced; a notification goes to
 *	@portid only when its region's owner is this very struct pid, so an
 *	entry left by a process that exited (its socket passed on or
 *	inherited) never reaches a later process with the same tgid, which
 *	replaces the entry when it subscribes; constant
 * @portid: the sockets, 0 for a free slot, each held in rodp_portid.c;
 *	written under rodp_listeners_mutex with WRITE_ONCE(), read under
 *	RCU with READ_ONCE() (a reader that races with a change sends to
 *	the old or the new socket, both the process's own; a closed one
 *	refuses it)
 * @rcu: freed after a grace period, when its last slot is emptied
 *
 * An entry leaves when the last of its sockets is released
 * (NETLINK_URELEASE), and at module exit. Memory is bounded by the number
 * of open netlink sockets: RODP_LISTENERS_MAX slots per tgid.
 */
struct rodp_listeners {
	struct pid *pid;
	u32 portid[RODP_LISTENERS_MAX];
	struct rcu_head rcu;
};

/* Updates under rodp_listeners_mutex, lookups under RCU. */
static DEFINE_XARRAY(rodp_listeners);
static DEFINE_MUTEX(rodp_listeners_mutex);

static void rodp_listeners_free_rcu(struct rcu_head *rcu)
{
	struct rodp_listeners *l = container_of(rcu, struct rodp_listeners,
						rcu);

	put_pid(l->pid);
	kfree(l);
}

/*
 * Adds to @dest (which holds @n portids and has room for
 * RODP_LISTENERS_MAX more) the listeners of @proc not already in it.
 * Returns the new count. Context: any; takes rcu_read_lock().
 */
static unsigned int rodp_listeners_collect(struct rodp_proc *proc, u32 *dest,
					   unsigned int n)
{
	struct rodp_listeners *l;
	unsigned int i, j, first = n;
	u32 portid;

	rcu_read_lock();
	l = xa_load(&rodp_listeners, proc->tgid);
	if (l && l->pid == proc->pid) {
		for (i = 0; i < RODP_LISTENERS_MAX; i++) {
			portid = READ_ONCE(l->portid[i]);
			if (!portid)
				continue;
			for (j = 0; j < n && dest[j] != portid; j++)
				;
			if (j == n && n - first < RODP_LISTENERS_MAX)
				dest[n++] = portid;
		}
	}
	rcu_read_unlock();
	return n;
}

/* Drops @portid from every entry: its socket is gone. */
static void rodp_listeners_forget(u32 portid)
{
	struct rodp_listeners *l;
	unsigned long tgid;
	bool empty;
	int i;

	/* Most sockets never subscribed: no walk for them. */
	if (!rodp_portid_maybe_held(portid))
		return;
	mutex_lock(&rodp_listeners_mutex);
	xa_for_each(&rodp_listeners, tgid, l) {
		empty = true;
		for (i = 0; i < RODP_LISTENERS_MAX; i++) {
			if (l->portid[i] == portid) {
				WRITE_ONCE(l->portid[i], 0);
				rodp_portid_put(portid);
			}
			if (l->portid[i])
				empty = false;
		}
		if (empty) {
			xa_erase(&rodp_listeners, tgid);
			call_rcu(&l->rcu, rodp_listeners_free_rcu);
		}
	}
	mutex_unlock(&rodp_listeners_mutex);
}

/* ---- per-op attribute policies (strict validation) ---- */

static const struct nla_policy rodp_stats_get_nl_policy[RODP_A_PID + 1] = {
	[RODP_A_PID] = { .type = NLA_U32 },
};

static const struct nla_policy
rodp_region_get_do_nl_policy[RODP_A_REGION_ID + 1] = {
	[RODP_A_REGION_ID] = { .type = NLA_U64 },
};

static const struct nla_policy rodp_region_get_dump_nl_policy[RODP_A_PID + 1] = {
	[RODP_A_PID] = { .type = NLA_U32 },
};

static const struct nla_policy rodp_region_bind_nl_policy[RODP_A_LKEY + 1] = {
	[RODP_A_ADDR] = { .type = NLA_U64 },
	[RODP_A_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
	[RODP_A_LKEY] = { .type = NLA_U32 },
};

/* EVENTS_SUBSCRIBE takes no attribute: any one is refused. */
static const struct nla_policy
rodp_events_subscribe_nl_policy[RODP_A_MAX + 1] = {
	[0 ... RODP_A_MAX] = { .type = NLA_REJECT },
};

static const struct nla_policy
rodp_policy_get_nl_policy[RODP_A_POLICY_SCOPE + 1] = {
	[RODP_A_PID] = { .type = NLA_U32 },
	[RODP_A_POLICY_SCOPE] = NLA_POLICY_MAX(NLA_U32,
					       RODP_POLICY_SCOPE_PROCESS),
};

static const struct nla_policy
rodp_policy_set_nl_policy[RODP_A_POLICY_SCOPE + 1] = {
	[RODP_A_PID] = { .type = NLA_U32 },
	[RODP_A_POLICY] = NLA_POLICY_MAX(NLA_U32, RODP_POLICY_MAX),
	[RODP_A_POLICY_SCOPE] = NLA_POLICY_MAX(NLA_U32,
					       RODP_POLICY_SCOPE_PROCESS),
};

static const struct nla_policy
rodp_prefetch_nl_policy[RODP_A_PREFETCH_FLAGS + 1] = {
	[RODP_A_REGION_ID] = { .type = NLA_U64 },
	[RODP_A_ADDR] = { .type = NLA_U64 },
	[RODP_A_LENGTH] = NLA_POLICY_MIN(NLA_U64, 1),
	[RODP_A_PREFETCH_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						  RODP_PREFETCH_WRITE |
						  RODP_PREFETCH_NO_FAULT),
};

/* ---- helpers ---- */

static bool rodp_nl_admin(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_NET_ADMIN);
}

static bool rodp_proc_visible(struct rodp_proc *proc, bool admin)
{
	return admin || uid_eq(proc->uid, current_euid());
}

/*
 * The struct pid of a pid number in the caller's namespace, referenced;
 * the caller's own process when @attr is absent.
 */
static struct pid *rodp_nl_pid(struct nlattr *attr)
{
	if (!attr)
		return get_pid(task_tgid(current));
	return find_get_pid(nla_get_u32(attr));
}

static int rodp_put_ranges(struct sk_buff *skb, struct rodp_region *region)
{
	struct nlattr *ranges, *one;
	struct rodp_range *range;

	lockdep_assert_held(&region->lock);

	ranges = nla_nest_start(skb, RODP_A_REGION_RANGES);
	if (!ranges)
		return -EMSGSIZE;
	list_for_each_entry(range, &region->live.ranges, node) {
		one = nla_nest_start(skb, RODP_A_RANGE);
		if (!one)
			goto out_cancel_ranges;
		if (nla_put_u64_64bit(skb, RODP_RANGE_START, range->start,
				      RODP_RANGE_PAD) ||
		    nla_put_u64_64bit(skb, RODP_RANGE_LENGTH,
				      range->last - range->start + 1,
				      RODP_RANGE_PAD))
			goto out_cancel_ranges;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, ranges);
	return 0;

out_cancel_ranges:
	nla_nest_cancel(skb, ranges);
	return -EMSGSIZE;
}

/*
 * One region message, with RODP_A_TWINS when @twins is not negative.
 * Context: may hold the region's proc->lock; takes region->lock; never
 * sleeps.
 */
static int rodp_region_fill(struct sk_buff *skb, struct rodp_region *region,
			    u32 portid, u32 seq, int flags, u8 cmd,
			    struct netlink_callback *cb, s64 twins)
{
	void *hdr;
	int ret;

	hdr = genlmsg_put(skb, portid, seq, &rodp_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_u64_64bit(skb, RODP_A_REGION_ID, region->id, RODP_A_PAD) ||
	    nla_put_u32(skb, RODP_A_PID, pid_vnr(region->proc->pid)) ||
	    nla_put_u64_64bit(skb, RODP_A_ADDR, region->start, RODP_A_PAD) ||
	    nla_put_u64_64bit(skb, RODP_A_LENGTH, region->length,
			      RODP_A_PAD) ||
	    nla_put_u32(skb, RODP_A_ACCESS, region->access) ||
	    nla_put_string(skb, RODP_A_DEVICE, region->device) ||
	    nla_put_u32(skb, RODP_A_DEVICE_KIND, region->kind) ||
	    nla_put_u8(skb, RODP_A_DEVICE_TRUSTED, region->wp_trusted) ||
	    nla_put_u8(skb, RODP_A_IMPLICIT_CHILD, region->implicit_child) ||
	    (twins >= 0 && nla_put_u32(skb, RODP_A_TWINS, twins)))
		goto out_cancel_msg;

	spin_lock(&region->lock);
	ret = nla_put_u32(skb, RODP_A_REGION_STATE, region->state);
	if (!ret && region->bound)
		ret = nla_put_u32(skb, RODP_A_LKEY, region->lkey);
	if (!ret)
		ret = rodp_put_ranges(skb, region);
	spin_unlock(&region->lock);
	if (ret)
		goto out_cancel_msg;

	if (rodp_stats_put(skb, &region->stats, true, false))
		goto out_cancel_msg;

	genlmsg_end(skb, hdr);
	return 0;

out_cancel_msg:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int rodp_reply_region(struct genl_info *info,
			     struct rodp_region *region)
{
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = rodp_region_fill(msg, region, info->snd_portid, info->snd_seq,
			       0, info->genlhdr->cmd, NULL, -1);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/**
 * rodp_netlink_notify() - send a region notification
 * @region: the region, referenced by the caller
 * @cmd: RODP_CMD_REGION_SHRUNK_NTF or RODP_CMD_REGION_DEAD_NTF
 *
 * Unicast to the socket that bound the region, if any, and to every
 * socket that subscribed to its owner's events (not for the children of
 * implicit MRs, which no MR of the listener can be), each socket once;
 * multicast to the "events" group. Notifications are best effort, like any
 * netlink message: a full receive buffer drops them.
 *
 * Context: process (rodp_wq); sleeps.
 */
void rodp_netlink_notify(struct rodp_region *region, u8 cmd)
{
	u32 dest[1 + RODP_LISTENERS_MAX];
	struct sk_buff *msg, *copy;
	unsigned int i, n = 0;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	if (rodp_region_fill(msg, region, 0, 0, 0, cmd, NULL,
			     rodp_region_twins(region))) {
		nlmsg_free(msg);
		return;
	}

	spin_lock(&region->lock);
	if (region->binder)
		dest[n++] = region->binder;
	spin_unlock(&region->lock);
	if (!region->implicit_child)
		n = rodp_listeners_collect(region->proc, dest, n);
	for (i = 0; i < n; i++) {
		copy = skb_clone(msg, GFP_KERNEL);
		if (copy)
			genlmsg_unicast(&init_net, copy, dest[i]);
	}
	genlmsg_multicast(&rodp_family, msg, 0, RODP_MCGRP_EVENTS_IDX,
			  GFP_KERNEL);
}

/* ---- RODP_CMD_STATS_GET ---- */

static int rodp_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rodp_proc *proc = NULL;
	struct rodp_counters *c = &rodp_global_stats;
	struct sk_buff *msg;
	struct pid *pid;
	void *hdr;
	int ret;

	if (info->attrs[RODP_A_PID]) {
		pid = rodp_nl_pid(info->attrs[RODP_A_PID]);
		if (pid) {
			proc = rodp_proc_get(pid, false, GFP_KERNEL);
			put_pid(pid);
		}
		if (!proc || !rodp_proc_visible(proc, rodp_nl_admin(skb))) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[RODP_A_PID],
					    "no rodp state for this process");
			ret = -ENOENT;
			goto out_put_proc;
		}
		c = &proc->stats;
	}

	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out_put_proc;
	hdr = genlmsg_iput(msg, info);
	if (!hdr)
		goto out_free_msg;
	if (proc && nla_put_u32(msg, RODP_A_PID, pid_vnr(proc->pid)))
		goto out_free_msg;
	if (rodp_stats_put(msg, c, false, !proc))
		goto out_free_msg;
	genlmsg_end(msg, hdr);
	if (proc)
		rodp_proc_put(proc);
	return genlmsg_reply(msg, info);

out_free_msg:
	nlmsg_free(msg);
out_put_proc:
	if (proc)
		rodp_proc_put(proc);
	return ret;
}

/* ---- RODP_CMD_REGION_GET ---- */

static int rodp_nl_region_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rodp_region *region;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, RODP_A_REGION_ID))
		return -EINVAL;
	region = rodp_region_get_id(nla_get_u64(info->attrs[RODP_A_REGION_ID]));
	if (!region)
		goto out_noent;
	if (!rodp_proc_visible(region->proc, rodp_nl_admin(skb))) {
		rodp_region_put(region);
		goto out_noent;
	}
	ret = rodp_reply_region(info, region);
	rodp_region_put(region);
	return ret;

out_noent:
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RODP_A_REGION_ID],
			    "no such region");
	return -ENOENT;
}

/* Dump state, in cb->ctx. */
struct rodp_dump_ctx {
	unsigned long tgid;	/* cursor */
	u64 last_id;		/* cursor */
	pid_t filter;		/* global tgid, 0: all, -1: none */
	bool admin;
};

struct rodp_dump_arg {
	struct rodp_dump_ctx *ctx;
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int rodp_nl_region_dump_start(struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct rodp_dump_ctx *ctx = (void *)cb->ctx;
	struct pid *pid;

	NL_ASSERT_CTX_FITS(struct rodp_dump_ctx);
	memset(ctx, 0, sizeof(*ctx));
	ctx->admin = rodp_nl_admin(cb->skb);
	if (info->attrs[RODP_A_PID]) {
		pid = find_get_pid(nla_get_u32(info->attrs[RODP_A_PID]));
		ctx->filter = pid ? pid_nr(pid) : -1;
		put_pid(pid);
		if (ctx->filter > 0)
			ctx->tgid = ctx->filter;
	}
	return 0;
}

static int rodp_nl_region_dump_one(struct rodp_region *region, void *data)
{
	struct rodp_dump_arg *arg = data;
	struct rodp_dump_ctx *ctx = arg->ctx;

	if (ctx->filter && region->proc->tgid != ctx->filter)
		return 0;
	if (!rodp_proc_visible(region->proc, ctx->admin))
		return 0;
	return rodp_region_fill(arg->skb, region,
				NETLINK_CB(arg->cb->skb).portid,
				arg->cb->nlh->nlmsg_seq, NLM_F_MULTI,
				RODP_CMD_REGION_GET, arg->cb, -1);
}

static int rodp_nl_region_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct rodp_dump_ctx *ctx = (void *)cb->ctx;
	struct rodp_dump_arg arg = { .ctx = ctx, .skb = skb, .cb = cb };
	int ret;

	if (ctx->filter < 0)
		return 0;
	cb->seq = rodp_regions_gen();
	ret = rodp_region_walk(&ctx->tgid, &ctx->last_id,
			       rodp_nl_region_dump_one, &arg);
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret;
}

/* ---- RODP_CMD_REGION_BIND ---- */

static int rodp_nl_region_bind_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rodp_region *region;
	struct rodp_proc *proc;
	u64 addr, length;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, RODP_A_ADDR) ||
	    GENL_REQ_ATTR_CHECK(info, RODP_A_LENGTH) ||
	    GENL_REQ_ATTR_CHECK(info, RODP_A_LKEY))
		return -EINVAL;
	addr = nla_get_u64(info->attrs[RODP_A_ADDR]);
	length = nla_get_u64(info->attrs[RODP_A_LENGTH]);
	if (addr + length < addr) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RODP_A_LENGTH],
				    "range wraps around");
		return -EINVAL;
	}

	proc = rodp_proc_get(task_tgid(current), false, GFP_KERNEL);
	if (!proc)
		goto out_noent;
	region = rodp_region_get_bind(proc, addr, length);
	rodp_proc_put(proc);
	if (!region)
		goto out_noent;

	spin_lock(&region->lock);
	region->bound = true;
	region->lkey = nla_get_u32(info->attrs[RODP_A_LKEY]);
	if (region->binder != info->snd_portid) {
		rodp_portid_put(region->binder);
		rodp_portid_hold(info->snd_portid);
		region->binder = info->snd_portid;
	}
	spin_unlock(&region->lock);

	ret = rodp_reply_region(info, region);
	rodp_region_put(region);
	return ret;

out_noent:
	NL_SET_ERR_MSG(info->extack,
		       "no live ODP region of this process covers the range");
	return -ENOENT;
}

/* ---- RODP_CMD_EVENTS_SUBSCRIBE ---- */

static int rodp_nl_events_subscribe_doit(struct sk_buff *skb,
					 struct genl_info *info)
{
	struct pid *self = task_tgid(current);
	struct rodp_listeners *l, *stale = NULL;
	u32 portid = info->snd_portid;
	int i, slot = -1, ret = 0;
	void *old;

	mutex_lock(&rodp_listeners_mutex);
	l = xa_load(&rodp_listeners, pid_nr(self));
	if (l && l->pid != self) {
		/* Left by an exited process whose tgid is reused. */
		stale = l;
		l = NULL;
	}
	if (l) {
		for (i = 0; i < RODP_LISTENERS_MAX; i++) {
			if (l->portid[i] == portid)
				goto out_unlock;
			if (!l->portid[i] && slot < 0)
				slot = i;
		}
		if (slot < 0) {
			NL_SET_ERR_MSG(info->extack,
				       "too many listening sockets in this process");
			ret = -ENOSPC;
			goto out_unlock;
		}
		WRITE_ONCE(l->portid[slot], portid);
		rodp_portid_hold(portid);
		goto out_unlock;
	}

	ret = -ENOMEM;
	l = kzalloc_obj(*l, GFP_KERNEL);
	if (!l)
		goto out_unlock;
	l->pid = get_pid(self);
	l->portid[0] = portid;
	old = xa_store(&rodp_listeners, pid_nr(self), l, GFP_KERNEL);
	if (xa_is_err(old)) {
		ret = xa_err(old);
		put_pid(l->pid);
		kfree(l);
		goto out_unlock;
	}
	rodp_portid_hold(portid);
	ret = 0;
	if (stale) {
		for (i = 0; i < RODP_LISTENERS_MAX; i++)
			rodp_portid_put(stale->portid[i]);
		call_rcu(&stale->rcu, rodp_listeners_free_rcu);
	}
out_unlock:
	mutex_unlock(&rodp_listeners_mutex);
	return ret;
}

/* ---- RODP_CMD_POLICY_GET / RODP_CMD_POLICY_SET ---- */

static int rodp_nl_policy_reply(struct genl_info *info, u32 scope,
				struct pid *pid, u32 policy)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_iput(msg, info);
	if (!hdr)
		goto out_free_msg;
	if (nla_put_u32(msg, RODP_A_POLICY_SCOPE, scope) ||
	    nla_put_u32(msg, RODP_A_POLICY, policy) ||
	    (pid && nla_put_u32(msg, RODP_A_PID, pid_vnr(pid))))
		goto out_free_msg;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free_msg:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static u32 rodp_nl_scope(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[RODP_A_POLICY_SCOPE];

	return attr ? nla_get_u32(attr) : RODP_POLICY_SCOPE_GLOBAL;
}

static int rodp_nl_policy_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	u32 policy = RODP_POLICY_DEFAULT;
	struct rodp_proc *proc;
	struct pid *pid;
	int ret;

	if (rodp_nl_scope(info) == RODP_POLICY_SCOPE_GLOBAL)
		return rodp_nl_policy_reply(info, RODP_POLICY_SCOPE_GLOBAL,
					    NULL, rodp_global_policy());

	pid = rodp_nl_pid(info->attrs[RODP_A_PID]);
	if (!pid) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RODP_A_PID],
				    "no such process");
		return -ESRCH;
	}
	proc = rodp_proc_get(pid, false, GFP_KERNEL);
	if (proc) {
		if (!rodp_proc_visible(proc, rodp_nl_admin(skb))) {
			rodp_proc_put(proc);
			put_pid(pid);
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[RODP_A_PID],
					    "no rodp state for this process");
			return -ENOENT;
		}
		policy = rodp_proc_policy(proc);
		rodp_proc_put(proc);
	}
	ret = rodp_nl_policy_reply(info, RODP_POLICY_SCOPE_PROCESS, pid,
				   policy);
	put_pid(pid);
	return ret;
}

static int rodp_nl_policy_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rodp_proc *proc;
	struct pid *pid;
	u32 policy;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, RODP_A_POLICY))
		return -EINVAL;
	policy = nla_get_u32(info->attrs[RODP_A_POLICY]);

	if (rodp_nl_scope(info) == RODP_POLICY_SCOPE_GLOBAL) {
		if (!rodp_nl_admin(skb))
			return -EPERM;
		if (policy == RODP_POLICY_DEFAULT) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[RODP_A_POLICY],
					    "the global policy cannot be 'default'");
			return -EINVAL;
		}
		rodp_set_global_policy(policy);
		return 0;
	}

	pid = rodp_nl_pid(info->attrs[RODP_A_PID]);
	if (!pid) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RODP_A_PID],
				    "no such process");
		return -ESRCH;
	}
	if (pid != task_tgid(current) && !rodp_nl_admin(skb)) {
		ret = -EPERM;
		goto out_put_pid;
	}
	ret = -ENOMEM;
	proc = rodp_proc_get(pid, true, GFP_KERNEL);
	if (!proc)
		goto out_put_pid;
	ret = rodp_proc_set_policy(proc, policy);
	rodp_proc_put(proc);
out_put_pid:
	put_pid(pid);
	return ret;
}

/* ---- RODP_CMD_PREFETCH ---- */

static int rodp_nl_prefetch_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rodp_region *region;
	u64 addr, length;
	u32 flags = 0;
	long ret;

	if (GENL_REQ_ATTR_CHECK(info, RODP_A_REGION_ID))
		return -EINVAL;
	region = rodp_region_get_id(nla_get_u64(info->attrs[RODP_A_REGION_ID]));
	if (!region ||
	    (region->proc->pid != task_tgid(current) && !rodp_nl_admin(skb))) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[RODP_A_REGION_ID],
				    "no such region of this process");
		ret = -ENOENT;
		goto out_put_region;
	}

	if (!rodp_prefetch_offered(region->kind)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[RODP_A_REGION_ID],
				    "rodp prefetches on software devices only; use ibv_advise_mr()");
		ret = -EOPNOTSUPP;
		goto out_put_region;
	}

	addr = region->start;
	length = region->length;
	if (info->attrs[RODP_A_ADDR])
		addr = nla_get_u64(info->attrs[RODP_A_ADDR]);
	if (info->attrs[RODP_A_LENGTH])
		length = nla_get_u64(info->attrs[RODP_A_LENGTH]);
	if (info->attrs[RODP_A_PREFETCH_FLAGS])
		flags = nla_get_u32(info->attrs[RODP_A_PREFETCH_FLAGS]);
	if (addr < region->start || addr + length < addr ||
	    addr + length > region->start + region->length) {
		NL_SET_ERR_MSG(info->extack, "range outside the region");
		ret = -ERANGE;
		goto out_put_region;
	}

	ret = rodp_prefetch(region, addr, length, flags);
	if (ret < 0) {
		NL_SET_ERR_MSG(info->extack, "prefetch failed");
		goto out_put_region;
	}
	ret = rodp_reply_region(info, region);

out_put_region:
	if (region)
		rodp_region_put(region);
	return ret;
}

/* ---- RODP_CMD_STATUS_GET ---- */

static int rodp_put_probe(struct sk_buff *skb,
			  const struct rodp_probe_state *p)
{
	struct nlattr *nest = nla_nest_start(skb, RODP_A_PROBE);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, RODP_PROBE_SYMBOL, p->symbol) ||
	    nla_put_string(skb, RODP_PROBE_TYPE, p->type) ||
	    nla_put_u8(skb, RODP_PROBE_ARMED, p->armed) ||
	    nla_put_u64_64bit(skb, RODP_PROBE_MISSED, p->missed,
			      RODP_PROBE_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int rodp_nl_status_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct rodp_attach_state *st;
	char version[32];
	struct sk_buff *msg;
	unsigned int i;
	bool trusted;
	void *hdr;
	int ret = -ENOMEM;

	st = kmalloc_obj(*st, GFP_KERNEL);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!st || !msg)
		goto out_free;
	rodp_attach_state(st);

	ret = -EMSGSIZE;
	hdr = genlmsg_iput(msg, info);
	if (!hdr)
		goto out_free;
	if (nla_put_u8(msg, RODP_A_ATTACHED, st->attached) ||
	    nla_put_u8(msg, RODP_A_KPROBES_LIVE, st->kprobes_live))
		goto out_free;
	for (i = 0; i < st->nr; i++)
		if (rodp_put_probe(msg, &st->probe[i]))
			goto out_free;
	if (rodp_trust_rxe(version, sizeof(version), &trusted) &&
	    (nla_put_string(msg, RODP_A_RXE_VERSION, version) ||
	     nla_put_u8(msg, RODP_A_DEVICE_TRUSTED, trusted)))
		goto out_free;
	if (rodp_stats_put(msg, &rodp_global_stats, false, true))
		goto out_free;
	genlmsg_end(msg, hdr);
	kfree(st);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	kfree(st);
	return ret;
}

static const struct genl_split_ops rodp_ops[] = {
	{
		.cmd = RODP_CMD_STATS_GET,
		.doit = rodp_nl_stats_get_doit,
		.policy = rodp_stats_get_nl_policy,
		.maxattr = RODP_A_PID,
		.flags = GENL_CMD_CAP_DO,
	},
	{
		.cmd = RODP_CMD_REGION_GET,
		.doit = rodp_nl_region_get_doit,
		.policy = rodp_region_get_do_nl_policy,
		.maxattr = RODP_A_REGION_ID,
		.flags = GENL_CMD_CAP_DO,
	},
	{
		.cmd = RODP_CMD_REGION_GET,
		.start = rodp_nl_region_dump_start,
		.dumpit = rodp_nl_region_dumpit,
		.policy = rodp_region_get_dump_nl_policy,
		.maxattr = RODP_A_PID,
		.flags = GENL_CMD_CAP_DUMP,
	},
	{
		.cmd = RODP_CMD_REGION_BIND,
		.doit = rodp_nl_region_bind_doit,
		.policy = rodp_region_bind_nl_policy,
		.maxattr = RODP_A_LKEY,
		.flags = GENL_CMD_CAP_DO,
	},
	{
		.cmd = RODP_CMD_POLICY_GET,
		.doit = rodp_nl_policy_get_doit,
		.policy = rodp_policy_get_nl_policy,
		.maxattr = RODP_A_POLICY_SCOPE,
		.flags = GENL_CMD_CAP_DO,
	},
	{
		.cmd = RODP_CMD_POLICY_SET,
		.doit = rodp_nl_policy_set_doit,
		.policy = rodp_policy_set_nl_policy,
		.maxattr = RODP_A_POLICY_SCOPE,
		.flags = GENL_CMD_CAP_DO,
	},
	{
		.cmd = RODP_CMD_PREFETCH,
		.doit = rodp_nl_prefetch_doit,
		.policy = rodp_prefetch_nl_policy,
		.maxattr = RODP_A_PREFETCH_FLAGS,
		.flags = GENL_CMD_CAP_DO,
	},
	/* Sorted by command: genl_validate_ops() refuses anything else. */
	{
		.cmd = RODP_CMD_STATUS_GET,
		.doit = rodp_nl_status_get_doit,
		.flags = GENL_CMD_CAP_DO,
	},
	{
		.cmd = RODP_CMD_EVENTS_SUBSCRIBE,
		.doit = rodp_nl_events_subscribe_doit,
		.policy = rodp_events_subscribe_nl_policy,
		.maxattr = RODP_A_MAX,
		.flags = GENL_CMD_CAP_DO,
	},
};

static struct genl_family rodp_family __ro_after_init = {
	.name = RODP_FAMILY_NAME,
	.version = RODP_FAMILY_VERSION,
	.module = THIS_MODULE,
	.split_ops = rodp_ops,
	.n_split_ops = ARRAY_SIZE(rodp_ops),
	.mcgrps = rodp_mcgrps,
	.n_mcgrps = ARRAY_SIZE(rodp_mcgrps),
	.parallel_ops = true,
};

static int rodp_netlink_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    net_eq(n->net, &init_net)) {
		rodp_region_unbind_portid(n->portid);
		rodp_listeners_forget(n->portid);
	}
	return NOTIFY_DONE;
}

static struct notifier_block rodp_netlink_nb = {
	.notifier_call = rodp_netlink_event,
};

/**
 * rodp_netlink_init() - register the family
 *
 * Return: 0, or the error of genl_register_family() or
 * netlink_register_notifier().
 */
int rodp_netlink_init(void)
{
	int ret;

	ret = netlink_register_notifier(&rodp_netlink_nb);
	if (ret)
		return ret;
	ret = genl_register_family(&rodp_family);
	if (ret)
		goto out_unregister_notifier;
	return 0;

out_unregister_notifier:
	netlink_unregister_notifier(&rodp_netlink_nb);
	return ret;
}

/**
 * rodp_netlink_exit() - unregister the family
 *
 * Waits for requests in progress, then frees the listeners (no
 * notification is sent any more: rodp_wq is gone).
 */
void rodp_netlink_exit(void)
{
	struct rodp_listeners *l;
	unsigned long tgid;
	int i;

	genl_unregister_family(&rodp_family);
	netlink_unregister_notifier(&rodp_netlink_nb);
	xa_for_each(&rodp_listeners, tgid, l) {
		xa_erase(&rodp_listeners, tgid);
		for (i = 0; i < RODP_LISTENERS_MAX; i++)
			rodp_portid_put(l->portid[i]);
		put_pid(l->pid);
		kfree(l);
	}
	/* rodp_listeners_free_rcu() is this module's code. */
	rcu_barrier();
}
