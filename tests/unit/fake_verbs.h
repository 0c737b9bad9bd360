/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Stand-in verbs for host programs that link librodp statically: its
 * ibv_reg_mr_iova2() and ibv_dereg_mr() references resolve to the
 * definitions in fake_verbs.c, so registration needs no device. One
 * device, context, PD and MR; the context is a verbs_context, so a
 * program can give it ops such as advise_mr.
 */
#ifndef RODP_TESTS_FAKE_VERBS_H
#define RODP_TESTS_FAKE_VERBS_H

#include <infiniband/verbs.h>

extern struct verbs_context fake_vctx;
extern struct ibv_pd fake_pd;
extern struct ibv_mr fake_reg_mr;	/* what ibv_reg_mr_iova2() returns */
/* Calls of ibv_reg_mr_iova2() so far, and the access flags of the last. */
extern unsigned int fake_verbs_regs, fake_last_access;

/* Links the objects above (call before any verbs use). */
void fake_verbs_init(void);
/* For rodp_caps_query: a device with RC ODP for every operation. */
int fake_odp_rc_query(struct ibv_context *c, struct ibv_device_attr_ex *a);

#endif
