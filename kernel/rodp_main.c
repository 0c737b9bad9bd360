// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: event-aware RDMA On-Demand Paging shim - module init and exit.
 *
 * rodp attaches to the ODP core (ib_umem_odp_*() in ib_core) with probes
 * at load; it links two of ib_core's exports, so ib_core is loaded first
 * and stays while rodp is. A module notifier attaches again when ib_core
 * or ib_uverbs goes live, should the first attach have failed. Each
 * wrapped umem holds a module reference, so rmmod is refused while any
 * exists, and unloading leaves nothing behind.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "rodp.h"

/* Notifications and other deferred work; drained at exit. */
struct workqueue_struct *rodp_wq;

/* The global enum rodp_policy, never RODP_POLICY_DEFAULT; READ_ONCE. */
static unsigned int rodp_policy = RODP_POLICY_EVENT_AWARE;

static const char * const rodp_policy_names[] = {
	[RODP_POLICY_DEFAULT] = "default",
	[RODP_POLICY_EVENT_AWARE] = "event-aware",
	[RODP_POLICY_STOCK] = "stock",
};

/**
 * rodp_global_policy() - the global policy
 *
 * Return: RODP_POLICY_EVENT_AWARE or RODP_POLICY_STOCK.
 */
unsigned int rodp_global_policy(void)
{
	return READ_ONCE(rodp_policy);
}

/**
 * rodp_set_global_policy() - change the global policy
 * @policy: RODP_POLICY_EVENT_AWARE or RODP_POLICY_STOCK
 *
 * Takes effect at the next invalidation.
 */
void rodp_set_global_policy(unsigned int policy)
{
	if (policy == RODP_POLICY_EVENT_AWARE || policy == RODP_POLICY_STOCK)
		WRITE_ONCE(rodp_policy, policy);
}

static int rodp_policy_param_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(rodp_policy_names, val);

	if (i != RODP_POLICY_EVENT_AWARE && i != RODP_POLICY_STOCK)
		return -EINVAL;
	rodp_set_global_policy(i);
	return 0;
}

static int rodp_policy_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", rodp_policy_names[rodp_global_policy()]);
}

static const struct kernel_param_ops rodp_policy_param_ops = {
	.set = rodp_policy_param_set,
	.get = rodp_policy_param_get,
};

module_param_cb(policy, &rodp_policy_param_ops, NULL, 0644);
MODULE_PARM_DESC(policy,
		 "global invalidation policy: event-aware (default) or stock");

static bool rodp_is_odp_module(const struct module *mod)
{
	return !strcmp(mod->name, "ib_core") || !strcmp(mod->name, "ib_uverbs");
}

static int rodp_module_event(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct module *mod = data;

	if (action == MODULE_STATE_LIVE)
		rodp_trust_note_module(mod);
	else if (action == MODULE_STATE_GOING)
		rodp_trust_forget_module(mod);
	if (!rodp_is_odp_module(mod))
		return NOTIFY_DONE;
	if (action == MODULE_STATE_LIVE)
		rodp_attach();
	else if (action == MODULE_STATE_GOING && !strcmp(mod->name, "ib_core"))
		rodp_detach();
	return NOTIFY_DONE;
}

static struct notifier_block rodp_module_nb = {
	.notifier_call = rodp_module_event,
};

/*
 * Test hook (tests/vm/guest/init-fail): make module init fail right after
 * rodp is attached, the state in which ib_core's or ib_uverbs' load has
 * already attached it through the module notifier, so that the error path
 * that must detach runs. Not for production use.
 */
static bool rodp_inject_init_fail;
module_param_named(inject_init_fail, rodp_inject_init_fail, bool, 0444);
MODULE_PARM_DESC(inject_init_fail,
		 "test hook: fail module init after attaching (default: no)");

static int __init rodp_init(void)
{
	int ret;

	ret = rodp_region_init(rodp_netlink_notify);
	if (ret)
		return ret;

	ret = -ENOMEM;
	rodp_wq = alloc_workqueue("rodp", WQ_UNBOUND, 0);
	if (!rodp_wq)
		goto out_region_exit;

	ret = rodp_netlink_init();
	if (ret)
		goto out_destroy_wq;

	ret = register_module_notifier(&rodp_module_nb);
	if (ret)
		goto out_netlink_exit;

	ret = rodp_attach();
	if (!ret && rodp_inject_init_fail)
		ret = -EAGAIN;
	if (ret == -ENOENT)
		pr_info("rodp: ib_core not loaded yet; attaching when it is\n");
	else if (ret)
		goto out_unregister_module_nb;
	return 0;

out_unregister_module_nb:
	/*
	 * The notifier may have attached rodp (ib_core or ib_uverbs came live
	 * meanwhile) even though our own call failed: once it is gone nothing
	 * attaches again, and the probes must not outlive the module.
	 */
	unregister_module_notifier(&rodp_module_nb);
	rodp_detach();
out_netlink_exit:
	rodp_netlink_exit();
out_destroy_wq:
	destroy_workqueue(rodp_wq);
out_region_exit:
	rodp_region_exit();
	return ret;
}

static void __exit rodp_exit(void)
{
	unregister_module_notifier(&rodp_module_nb);
	rodp_detach();
	/* Pending notifications of released regions use the family. */
	destroy_workqueue(rodp_wq);
	rodp_netlink_exit();
	rodp_region_exit();
}

module_init(rodp_init);
module_exit(rodp_exit);

MODULE_DESCRIPTION("rodp: event-aware RDMA On-Demand Paging shim");
MODULE_AUTHOR("The rodp authors");
MODULE_LICENSE("GPL");
