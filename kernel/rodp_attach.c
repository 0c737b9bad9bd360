// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: attaching to ib_umem_odp without patching the kernel.
 *
 * ib_umem_odp_get(), ib_umem_odp_alloc_child()
 *	kretprobe. The entry handler allocates the region, binds a wrapper
 *	slot, takes a module reference and replaces the ops argument with
 *	the slot's ops before the function inserts its notifier. The return
 *	handler learns the umem from the return value and publishes the
 *	region (a kretprobe, rather than finding the umem from the first
 *	callback, because a umem may never be invalidated and must still be
 *	listed, bound and counted from its creation on). On an error return
 *	no notifier was inserted and everything is undone there.
 *
 * ib_umem_odp_release()
 *	An ftrace_ops (rodp_release_ops) redirects the call of a tracked umem
 *	to rodp_release_hook(), which runs in the caller's (sleeping)
 *	context: it stops new rodp prefetches, waits for those in flight (so
 *	a prefetch never touches a freed umem), calls the real function,
 *	then unhashes and detaches the region. It is not a kprobe because a
 *	release rodp does not see leaves a region naming a freed umem, and
 *	kprobes can be switched off as a whole (debugfs kprobes/enabled);
 *	FTRACE_OPS_FL_PERMANENT also keeps the ftrace_enabled sysctl from
 *	turning it off, as livepatch does. A kretprobe on the same function
 *	drops the region's module reference when the redirected call
 *	returns, so that the hook's own code has finished by then. The
 *	return handler itself is rodp code that still runs after its
 *	module_put(): it is safe because it runs with preemption disabled,
 *	and rmmod's rodp_detach() unregisters the kretprobe, whose
 *	synchronize_rcu() waits for every handler still running. If that
 *	kretprobe missed (instance pool empty, kprobes switched off), the
 *	module reference is kept and counted as release-missed: rmmod stays
 *	busy, which is safe.
 *
 * ib_umem_odp_map_dma_and_lock()
 *	kretprobe counting the driver's faults, and the pages of rodp's own
 *	prefetches (told apart by region->prefetcher == current).
 *
 * rodp calls ib_umem_odp_release() and ib_umem_odp_map_dma_and_lock()
 * itself; both are EXPORT_SYMBOL in ib_core (checked in Debian's 7.2.13
 * drivers/infiniband/core/umem_odp.c), so rodp.ko links them like any
 * module: modversions checks their signatures at load, and modprobe loads
 * ib_core first. Only the probes need kprobes.
 *
 * Probe handlers run with preemption disabled: no sleeping, GFP_NOWAIT.
 * All argument access goes through rodp_arch_get_arg()/rodp_arch_set_arg(),
 * the only architecture-specific code.
 */
#include <linux/ftrace.h>
#include <linux/hmm.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <rdma/ib_umem_odp.h>

#include "rodp.h"

#ifndef CONFIG_X86_64
#error "rodp: only x86-64 is supported; port rodp_arch_*() first"
#endif
#ifndef CONFIG_DYNAMIC_FTRACE_WITH_REGS
#error "rodp: the release hook needs CONFIG_DYNAMIC_FTRACE_WITH_REGS"
#endif

/*
 * Protects rodp_is_attached (written under it with WRITE_ONCE, read
 * without it by rodp_prefetch()), the probes' registration and
 * rodp_missed_attach.
 */
static DEFINE_MUTEX(rodp_attach_lock);
static bool rodp_is_attached;

/* What rodp_release_ops filters on while attached: ib_umem_odp_release(). */
static unsigned long rodp_release_site;

/*
 * kretprobe instances. The kernel's default (register_kretprobe() in
 * kernel/kprobes.c: max(10, 2 * num_possible_cpus())) suits functions that
 * do not sleep; these do (allocations, umem_mutex, the release hook's wait
 * for prefetches), so one thread per instance may be in flight on any CPU.
 * A miss leaves a umem untracked, or keeps a module reference for good:
 * size for many concurrent registrations and count what is still missed.
 */
#define RODP_MAXACTIVE_MIN	1024
#define RODP_MAXACTIVE_PER_CPU	16

static unsigned int rodp_maxactive_param;
module_param_named(maxactive, rodp_maxactive_param, uint, 0444);
MODULE_PARM_DESC(maxactive,
		 "kretprobe instances per probe (default 0: max(1024, 16 per possible CPU))");

/* Misses of creation probes registered before, folded in at detach. */
static u64 rodp_missed_attach;

/**
 * rodp_arch_get_arg() - read a function argument at function entry
 * @regs: registers at the probe
 * @n: argument number, from 1
 *
 * Return: the argument's value.
 */
static unsigned long rodp_arch_get_arg(struct pt_regs *regs, unsigned int n)
{
	return regs_get_kernel_argument(regs, n - 1);
}

/**
 * rodp_arch_set_arg() - replace a function argument at function entry
 * @regs: registers at the probe
 * @n: argument number, from 1 to 6
 * @val: the new value
 */
static void rodp_arch_set_arg(struct pt_regs *regs, unsigned int n,
			      unsigned long val)
{
	switch (n) {
	case 1:
		regs->di = val;
		break;
	case 2:
		regs->si = val;
		break;
	case 3:
		regs->dx = val;
		break;
	case 4:
		regs->cx = val;
		break;
	case 5:
		regs->r8 = val;
		break;
	case 6:
		regs->r9 = val;
		break;
	default:
		WARN_ON_ONCE(1);
	}
}

/* ---- creation: ib_umem_odp_get(), ib_umem_odp_alloc_child() ---- */

struct rodp_get_data {
	struct rodp_region *region;
};

static int rodp_wrap_entry(struct kretprobe_instance *ri,
			   struct pt_regs *regs, unsigned int ops_arg,
			   struct pid *owner, u32 access, bool implicit_child)
{
	const struct mmu_interval_notifier_ops *orig;
	struct rodp_get_data *d = (void *)ri->data;
	struct rodp_region *region;
	struct rodp_slot *slot;

	orig = (const void *)rodp_arch_get_arg(regs, ops_arg);
	if (!orig || !owner)
		return 1;

	region = rodp_region_alloc(GFP_NOWAIT | __GFP_NOWARN);
	if (!region)
		return 1;
	region->proc = rodp_proc_get(owner, true, GFP_NOWAIT | __GFP_NOWARN);
	if (!region->proc)
		goto out_abort_region;
	slot = rodp_slot_get(orig);
	if (!slot) {
		rodp_stat_global_add(RODP_STAT_WRAP_FULL, 1);
		goto out_abort_region;
	}
	if (!try_module_get(THIS_MODULE))
		goto out_put_slot;

	region->slot = slot;
	region->access = access;
	region->implicit_child = implicit_child;
	rodp_arch_set_arg(regs, ops_arg, (unsigned long)&slot->ops);
	d->region = region;
	return 0;

out_put_slot:
	rodp_slot_put(slot);
out_abort_region:
	rodp_region_put(region);	/* never published: frees it */
	return 1;
}

/* ib_umem_odp_get(device, addr, size, access, ops) */
static int rodp_get_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	u32 access = rodp_arch_get_arg(regs, 4);

	return rodp_wrap_entry(ri, regs, 5, task_tgid(current), access, false);
}

/* ib_umem_odp_alloc_child(root, addr, size, ops): owner is root's. */
static int rodp_child_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct ib_umem_odp *root = (void *)rodp_arch_get_arg(regs, 1);
	u32 access = IB_ACCESS_ON_DEMAND;

	if (root->umem.writable)
		access |= IB_ACCESS_LOCAL_WRITE;
	return rodp_wrap_entry(ri, regs, 4, root->tgid, access, true);
}

static int rodp_wrap_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ib_umem_odp *umem = (void *)regs_return_value(regs);
	struct rodp_get_data *d = (void *)ri->data;
	struct rodp_region *region = d->region;
	int ret;

	if (IS_ERR_OR_NULL(umem)) {
		/* No notifier was inserted: nothing uses the slot. */
		rodp_slot_put(region->slot);
		rodp_region_put(region);	/* never published: frees it */
		module_put(THIS_MODULE);
		return 0;
	}

	ret = rodp_region_publish(region, umem);
	if (ret) {
		/*
		 * The umem stays wrapped (the wrapper delegates when it finds
		 * no region) but can no longer be told apart at release: keep
		 * its slot and module references for good.
		 */
		pr_warn_ratelimited("rodp: cannot track a umem (%d); rmmod will stay busy\n",
				    ret);
		rodp_region_put(region);	/* never published: frees it */
	}
	return 0;
}

static struct kretprobe rodp_get_krp = {
	.kp.symbol_name = "ib_umem_odp_get",
	.entry_handler = rodp_get_entry,
	.handler = rodp_wrap_ret,
	.data_size = sizeof(struct rodp_get_data),
};

static struct kretprobe rodp_child_krp = {
	.kp.symbol_name = "ib_umem_odp_alloc_child",
	.entry_handler = rodp_child_entry,
	.handler = rodp_wrap_ret,
	.data_size = sizeof(struct rodp_get_data),
};

/* ---- release: ib_umem_odp_release(umem_odp) ---- */

/*
 * Reached instead of ib_umem_odp_release() for a tracked umem, with the
 * same argument and return address; runs in the caller's context.
 */
static noinline void rodp_release_hook(struct ib_umem_odp *umem)
{
	struct rodp_region *region = rodp_region_get_umem(umem);
	bool armed;

	if (WARN_ON_ONCE(!region)) {
		ib_umem_odp_release(umem);
		return;
	}

	/*
	 * Notifications queued so far go out now; none after @releasing is
	 * set (rodp_region_ntf_work()); the second flush waits for a work
	 * that read @releasing still clear. So every notification of the
	 * region reaches its receivers before the MR's destruction returns,
	 * never after, when a new MR may have the same range.
	 */
	flush_work(&region->ntf_work);
	spin_lock(&region->lock);
	region->releasing = true;
	spin_unlock(&region->lock);
	flush_work(&region->ntf_work);
	wait_event(region->wq, !atomic_read(&region->inflight));

	/* From here the probes pass this umem through untouched. */
	rodp_region_unhash(region);
	ib_umem_odp_release(umem);

	/* The notifier is gone: nothing calls through the slot for it. */
	rodp_region_detach(region);
	rodp_slot_put(region->slot);
	armed = READ_ONCE(region->release_armed);
	if (!armed) {
		pr_warn_once("rodp: release return probe missed; rmmod will stay busy\n");
		rodp_stat_global_add(RODP_STAT_RELEASE_MISSED, 1);
		rodp_region_put(region);	/* the attachment reference */
	}
	rodp_region_put(region);
}

/*
 * ftrace callback at the entry of ib_umem_odp_release(). The hook's own
 * call of the real function is not redirected again: the hook unhashed
 * the region before making it.
 */
static void notrace rodp_release_ftrace(unsigned long ip,
					unsigned long parent_ip,
					struct ftrace_ops *op,
					struct ftrace_regs *fregs)
{
	struct rodp_region *region;
	int bit;

	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (WARN_ON_ONCE(bit < 0))
		return;
	region = rodp_region_find_umem((void *)ftrace_regs_get_argument(fregs, 0));
	if (region && !READ_ONCE(region->releasing))
		ftrace_regs_set_instruction_pointer(fregs,
						    (unsigned long)rodp_release_hook);
	ftrace_test_recursion_unlock(bit);
}

static struct ftrace_ops rodp_release_ops = {
	.func = rodp_release_ftrace,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		 FTRACE_OPS_FL_PERMANENT,
};

struct rodp_release_data {
	struct rodp_region *region;
};

static int rodp_release_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct ib_umem_odp *umem = (void *)rodp_arch_get_arg(regs, 1);
	struct rodp_release_data *d = (void *)ri->data;
	struct rodp_region *region = rodp_region_get_umem(umem);

	if (!region)
		return 1;
	if (READ_ONCE(region->releasing)) {
		rodp_region_put(region);
		return 1;
	}
	WRITE_ONCE(region->release_armed, true);
	d->region = region;
	return 0;
}

static int rodp_release_ret(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct rodp_release_data *d = (void *)ri->data;

	rodp_region_put(d->region);	/* from rodp_release_entry() */
	rodp_region_put(d->region);	/* the attachment reference */
	module_put(THIS_MODULE);
	return 0;
}

static struct kretprobe rodp_release_krp = {
	.kp.symbol_name = "ib_umem_odp_release",
	.entry_handler = rodp_release_entry,
	.handler = rodp_release_ret,
	.data_size = sizeof(struct rodp_release_data),
};

/* ---- faults: ib_umem_odp_map_dma_and_lock(umem, virt, bcnt, mask, fault) */

/*
 * ib_umem_odp_map_dma_and_lock() counts umem pages of 1 << page_shift
 * bytes (2 MiB for an IB_ACCESS_HUGETLB umem); rodp's page counters and
 * rodp_prefetch() count PAGE_SIZE pages, like the invalidation counter.
 */
static long rodp_umem_small_pages(struct ib_umem_odp *umem, int n)
{
	return (long)n << (umem->page_shift - PAGE_SHIFT);
}

struct rodp_map_data {
	struct rodp_region *region;
	unsigned long start;
	unsigned long end;
	long pages_per_umem_page;
	bool prefetch;
	bool fault;
};

static int rodp_map_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct ib_umem_odp *umem = (void *)rodp_arch_get_arg(regs, 1);
	struct rodp_map_data *d = (void *)ri->data;
	struct rodp_region *region = rodp_region_get_umem(umem);
	unsigned long virt = rodp_arch_get_arg(regs, 2);
	unsigned long umem_page;

	if (!region)
		return 1;
	umem_page = 1UL << umem->page_shift;
	d->region = region;
	/* What a successful call mapped: its range in whole umem pages. */
	d->start = ALIGN_DOWN(virt, umem_page);
	d->end = ALIGN(virt + rodp_arch_get_arg(regs, 3), umem_page);
	d->pages_per_umem_page = rodp_umem_small_pages(umem, 1);
	d->prefetch = READ_ONCE(region->prefetcher) == current;
	d->fault = !!(rodp_arch_get_arg(regs, 5) & 0xff);
	return 0;
}

static int rodp_map_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	int ret = (int)regs_return_value(regs);
	struct rodp_map_data *d = (void *)ri->data;
	struct rodp_region *region = d->region;

	/*
	 * A faulting call that succeeded mapped its whole range: it is live
	 * again if an UNMAP had taken it off (a snapshot call maps only what
	 * is present and is not counted). The caller still holds umem_mutex,
	 * so an invalidation of the range cannot have finished in between.
	 */
	if (d->fault && ret >= 0)
		rodp_region_grow(region, d->start, d->end);

	if (d->prefetch) {
		if (ret > 0)
			rodp_stat_add(region, RODP_STAT_PREFETCH_PAGES,
				      ret * d->pages_per_umem_page);
	} else if (d->fault) {
		rodp_stat_add(region, RODP_STAT_FAULT_CALLS, 1);
		if (ret < 0)
			rodp_stat_add(region, RODP_STAT_FAULT_ERRORS, 1);
		else
			rodp_stat_add(region, RODP_STAT_FAULT_PAGES,
				      ret * d->pages_per_umem_page);
	}
	rodp_region_put(region);
	return 0;
}

static struct kretprobe rodp_map_krp = {
	.kp.symbol_name = "ib_umem_odp_map_dma_and_lock",
	.entry_handler = rodp_map_entry,
	.handler = rodp_map_ret,
	.data_size = sizeof(struct rodp_map_data),
};

/**
 * rodp_prefetch() - fault in part of a region through the ODP core
 * @region: the region, referenced by the caller
 * @addr: first byte, inside the region
 * @length: bytes
 * @flags: RODP_PREFETCH_*
 *
 * Calls ib_umem_odp_map_dma_and_lock() like a driver's own prefetch, so
 * the pages land in the umem's pfn list. The release hook waits for it.
 * A dead region (nothing of its range mapped when rodp last looked) is
 * prefetched too: the range may have been mapped again since.
 *
 * Context: process; sleeps.
 * Return: PAGE_SIZE pages mapped (>= 0); -ENODEV when rodp is not attached;
 * -ENOENT when the region is being released; -EPERM for a
 * write prefetch of a read-only region; -EFAULT when the range is outside
 * the umem; or the error of ib_umem_odp_map_dma_and_lock() (-EINVAL when
 * the owner exited, -EBUSY, -ENOMEM, -EFAULT from hmm_range_fault()).
 */
long rodp_prefetch(struct rodp_region *region, u64 addr, u64 length,
		   u32 flags)
{
	bool fault = !(flags & RODP_PREFETCH_NO_FAULT);
	long pages = 0;
	u64 mask = 0;
	int ret;

	if (!READ_ONCE(rodp_is_attached))
		return -ENODEV;
	if (flags & RODP_PREFETCH_WRITE) {
		if (!ib_access_writable(region->access))
			return -EPERM;
		mask = HMM_PFN_WRITE;
	}

	spin_lock(&region->lock);
	if (region->releasing) {
		spin_unlock(&region->lock);
		return -ENOENT;
	}
	atomic_inc(&region->inflight);
	spin_unlock(&region->lock);

	/* The umem is pinned by @inflight: the release hook waits for it. */
	mutex_lock(&region->prefetch_lock);
	WRITE_ONCE(region->prefetcher, current);
	rodp_stat_add(region, RODP_STAT_PREFETCH_CALLS, 1);
	ret = ib_umem_odp_map_dma_and_lock(region->umem, addr, length, mask,
					   fault);
	if (ret >= 0) {
		mutex_unlock(&region->umem->umem_mutex);
		pages = rodp_umem_small_pages(region->umem, ret);
	}
	WRITE_ONCE(region->prefetcher, NULL);
	mutex_unlock(&region->prefetch_lock);

	/* The umem may go once @inflight drops: do not touch it after. */
	if (atomic_dec_and_test(&region->inflight))
		wake_up(&region->wq);
	return ret < 0 ? ret : pages;
}

/* ---- is kprobes' global switch on? ---- */

/*
 * kprobes can be switched off as a whole (debugfs kprobes/enabled), which
 * no kprobe flag shows. A kprobe on a function of rodp's own tells: it
 * fires only while kprobes are on.
 */
static atomic_t rodp_heartbeats = ATOMIC_INIT(0);

static noinline void rodp_heartbeat(void)
{
	/* Not a pure function: the call cannot be optimised away. */
	asm volatile ("" ::: "memory");
}

static int rodp_heartbeat_pre(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_inc(&rodp_heartbeats);
	return 0;
}

static struct kprobe rodp_heartbeat_kp = {
	.symbol_name = "rodp_heartbeat",
	.pre_handler = rodp_heartbeat_pre,
};

/* ---- attach / detach ---- */

static void rodp_kprobe_reset(struct kprobe *kp)
{
	kp->addr = NULL;
	kp->flags = 0;
	kp->nmissed = 0;
}

/**
 * rodp_attach() - attach to the ODP core
 *
 * Idempotent. Called at load and whenever ib_core or ib_uverbs goes live.
 *
 * Context: process; takes rodp_attach_lock.
 * Return: 0 if attached, or the error of ftrace or register_kretprobe()
 * (-EINVAL when ib_umem_odp_release() has no ftrace call site, -EBUSY when
 * another ftrace user modifies its IP).
 */
int rodp_attach(void)
{
	unsigned long release_site;
	unsigned int maxactive;
	int ret = 0;

	mutex_lock(&rodp_attach_lock);
	if (rodp_is_attached)
		goto out_unlock;

	/* ftrace finds the function's call site from its address. */
	release_site = (unsigned long)ib_umem_odp_release;
	rodp_release_site = release_site;

	/* A probe can be registered again only with its results cleared. */
	rodp_kprobe_reset(&rodp_release_krp.kp);
	rodp_kprobe_reset(&rodp_map_krp.kp);
	rodp_kprobe_reset(&rodp_child_krp.kp);
	rodp_kprobe_reset(&rodp_get_krp.kp);
	rodp_kprobe_reset(&rodp_heartbeat_kp);

	maxactive = rodp_maxactive_param;
	if (!maxactive)
		maxactive = max_t(unsigned int, RODP_MAXACTIVE_MIN,
				  RODP_MAXACTIVE_PER_CPU * num_possible_cpus());
	rodp_release_krp.maxactive = maxactive;
	rodp_map_krp.maxactive = maxactive;
	rodp_child_krp.maxactive = maxactive;
	rodp_get_krp.maxactive = maxactive;

	/* Release first: nothing may be wrapped that cannot be released. */
	ret = ftrace_set_filter_ip(&rodp_release_ops, release_site, 0, 0);
	if (ret)
		goto out_warn;
	ret = register_ftrace_function(&rodp_release_ops);
	if (ret)
		goto out_clear_filter;
	ret = register_kretprobe(&rodp_release_krp);
	if (ret)
		goto out_unregister_release_ops;
	ret = register_kretprobe(&rodp_map_krp);
	if (ret)
		goto out_unregister_release_krp;
	ret = register_kretprobe(&rodp_child_krp);
	if (ret)
		goto out_unregister_map_krp;
	ret = register_kretprobe(&rodp_get_krp);
	if (ret)
		goto out_unregister_child_krp;
	/* Only for the status: attaching does not depend on it. */
	if (register_kprobe(&rodp_heartbeat_kp))
		rodp_heartbeat_kp.addr = NULL;

	WRITE_ONCE(rodp_is_attached, true);
	pr_info("rodp: attached to the ODP core\n");
	goto out_unlock;

out_unregister_child_krp:
	unregister_kretprobe(&rodp_child_krp);
out_unregister_map_krp:
	unregister_kretprobe(&rodp_map_krp);
out_unregister_release_krp:
	unregister_kretprobe(&rodp_release_krp);
out_unregister_release_ops:
	unregister_ftrace_function(&rodp_release_ops);
out_clear_filter:
	ftrace_set_filter_ip(&rodp_release_ops, release_site, 1, 0);
out_warn:
	pr_warn("rodp: cannot attach to the ODP core: %d\n", ret);
out_unlock:
	mutex_unlock(&rodp_attach_lock);
	return ret;
}

/* Calls a kretprobe did not see: pool empty, or a kprobe recursion. */
static u64 rodp_missed(struct kretprobe *krp)
{
	return READ_ONCE(krp->nmissed) + READ_ONCE(krp->kp.nmissed);
}

/**
 * rodp_probes_missed() - calls the creation probes did not see
 * @stat: RODP_STAT_ATTACH_MISSED
 *
 * Since the module was loaded, over every attachment. Releases rodp did
 * not see are counted where they are found, in rodp_release_hook().
 *
 * Context: process; takes rodp_attach_lock.
 * Return: the count for @stat, 0 for any other counter.
 */
u64 rodp_probes_missed(unsigned int stat)
{
	u64 n;

	if (stat != RODP_STAT_ATTACH_MISSED)
		return 0;
	mutex_lock(&rodp_attach_lock);
	n = rodp_missed_attach;
	if (rodp_is_attached)
		n += rodp_missed(&rodp_get_krp) + rodp_missed(&rodp_child_krp);
	mutex_unlock(&rodp_attach_lock);
	return n;
}

static void rodp_state_add(struct rodp_attach_state *st, const char *symbol,
			   const char *type, bool armed, u64 missed)
{
	struct rodp_probe_state *p;

	if (WARN_ON_ONCE(st->nr >= ARRAY_SIZE(st->probe)))
		return;
	p = &st->probe[st->nr++];
	p->symbol = symbol;
	p->type = type;
	p->armed = armed;
	p->missed = missed;
}

static bool rodp_kretprobe_armed(struct kretprobe *krp)
{
	return rodp_is_attached && !kprobe_disabled(&krp->kp) &&
	       !kprobe_gone(&krp->kp);
}

/**
 * rodp_attach_state() - what is attached, for RODP_CMD_STATUS_GET
 * @st: filled in
 *
 * Context: process; takes rodp_attach_lock.
 */
void rodp_attach_state(struct rodp_attach_state *st)
{
	struct kretprobe *krps[] = {
		&rodp_get_krp, &rodp_child_krp, &rodp_release_krp,
		&rodp_map_krp,
	};
	unsigned int i;
	int before;

	memset(st, 0, sizeof(*st));
	mutex_lock(&rodp_attach_lock);
	st->attached = rodp_is_attached;
	if (rodp_is_attached && rodp_heartbeat_kp.addr) {
		before = atomic_read(&rodp_heartbeats);
		rodp_heartbeat();
		st->kprobes_live = atomic_read(&rodp_heartbeats) != before;
	}
	for (i = 0; i < ARRAY_SIZE(krps); i++)
		rodp_state_add(st, krps[i]->kp.symbol_name, "kretprobe",
			       rodp_kretprobe_armed(krps[i]) &&
			       st->kprobes_live,
			       rodp_is_attached ? rodp_missed(krps[i]) : 0);
	rodp_state_add(st, "ib_umem_odp_release", "ftrace",
		       rodp_is_attached &&
		       (rodp_release_ops.flags & FTRACE_OPS_FL_ENABLED), 0);
	/* Linked: resolved by the module loader, so always there. */
	rodp_state_add(st, "ib_umem_odp_release", "call", true, 0);
	rodp_state_add(st, "ib_umem_odp_map_dma_and_lock", "call", true, 0);
	mutex_unlock(&rodp_attach_lock);
}

/**
 * rodp_detach() - remove every probe
 *
 * Context: process; module exit, when no umem is wrapped (each holds a
 * module reference), or when ib_core goes away (then none exists either).
 */
void rodp_detach(void)
{
	mutex_lock(&rodp_attach_lock);
	if (rodp_is_attached) {
		if (rodp_heartbeat_kp.addr)
			unregister_kprobe(&rodp_heartbeat_kp);
		unregister_kretprobe(&rodp_get_krp);
		unregister_kretprobe(&rodp_child_krp);
		unregister_kretprobe(&rodp_map_krp);
		unregister_kretprobe(&rodp_release_krp);
		/* Waits for callbacks in progress, like the kprobes above. */
		unregister_ftrace_function(&rodp_release_ops);
		ftrace_set_filter_ip(&rodp_release_ops, rodp_release_site, 1,
				     0);
		rodp_missed_attach += rodp_missed(&rodp_get_krp) +
				      rodp_missed(&rodp_child_krp);
		WRITE_ONCE(rodp_is_attached, false);
		pr_info("rodp: detached from the ODP core\n");
	}
	mutex_unlock(&rodp_attach_lock);
}
