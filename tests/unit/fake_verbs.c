// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Stand-in verbs for statically linked host programs: fake_verbs.h. */
#include <config.h>

#include <string.h>

#include "fake_verbs.h"

static struct ibv_device fake_dev = { .name = "fake0" };
struct verbs_context fake_vctx;
struct ibv_pd fake_pd;
struct ibv_mr fake_reg_mr = { .lkey = 5 };
unsigned int fake_verbs_regs, fake_last_access;

void fake_verbs_init(void)
{
	fake_vctx.sz = sizeof(fake_vctx);
	fake_vctx.context.abi_compat = __VERBS_ABI_IS_EXTENDED;
	fake_vctx.context.device = &fake_dev;
	fake_pd.context = &fake_vctx.context;
	fake_reg_mr.pd = &fake_pd;
	fake_reg_mr.context = &fake_vctx.context;
}

struct ibv_mr *ibv_reg_mr_iova2(struct ibv_pd *p, void *addr, size_t len,
				uint64_t iova, unsigned int access)
{
	(void)p;
	(void)iova;
	fake_verbs_regs++;
	fake_last_access = access;
	fake_reg_mr.addr = addr;
	fake_reg_mr.length = len;
	return &fake_reg_mr;
}

int ibv_dereg_mr(struct ibv_mr *mr)
{
	(void)mr;
	return 0;
}

int fake_odp_rc_query(struct ibv_context *c, struct ibv_device_attr_ex *a)
{
	(void)c;
	memset(a, 0, sizeof(*a));
	a->odp_caps.general_caps = IBV_ODP_SUPPORT;
	a->odp_caps.per_transport_caps.rc_odp_caps = IBV_ODP_SUPPORT_SEND |
		IBV_ODP_SUPPORT_RECV | IBV_ODP_SUPPORT_WRITE |
		IBV_ODP_SUPPORT_READ | IBV_ODP_SUPPORT_ATOMIC;
	return 0;
}
