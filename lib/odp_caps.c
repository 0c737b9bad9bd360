// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Which transports and operations an ODP memory region can serve, and why
 * not: ibv_query_device_ex() reports the bits, this names the reason. */
#include <config.h>

#include <errno.h>

#include "rodp_internal.h"

/* The IBV_ODP_SUPPORT_* bit an operation needs; 0 if this libibverbs has
 * no name for it (it predates the operation). */
static uint32_t odp_op_bit(enum rodp_op op)
{
	switch (op) {
	case RODP_OP_SEND:
		return IBV_ODP_SUPPORT_SEND;
	case RODP_OP_RECV:
		return IBV_ODP_SUPPORT_RECV;
	case RODP_OP_WRITE:
		return IBV_ODP_SUPPORT_WRITE;
	case RODP_OP_READ:
		return IBV_ODP_SUPPORT_READ;
	case RODP_OP_ATOMIC:
		return IBV_ODP_SUPPORT_ATOMIC;
	case RODP_OP_SRQ_RECV:
		return IBV_ODP_SUPPORT_SRQ_RECV;
	case RODP_OP_FLUSH:
#if HAVE_DECL_IBV_ODP_SUPPORT_FLUSH
		return IBV_ODP_SUPPORT_FLUSH;
#else
		return 0;
#endif
	case RODP_OP_ATOMIC_WRITE:
#if HAVE_DECL_IBV_ODP_SUPPORT_ATOMIC_WRITE
		return IBV_ODP_SUPPORT_ATOMIC_WRITE;
#else
		return 0;
#endif
	}
	return 0;
}

/* Operations a transport cannot carry at all, ODP or not. */
static int op_valid_on(enum rodp_transport transport, enum rodp_op op)
{
	switch (transport) {
	case RODP_TRANSPORT_RC:
	case RODP_TRANSPORT_XRC:
		return 1;
	case RODP_TRANSPORT_UC:
		return op == RODP_OP_SEND || op == RODP_OP_RECV ||
		       op == RODP_OP_WRITE || op == RODP_OP_SRQ_RECV;
	case RODP_TRANSPORT_UD:
		return op == RODP_OP_SEND || op == RODP_OP_RECV ||
		       op == RODP_OP_SRQ_RECV;
	}
	return 0;
}

int rodp_odp_decide(const struct ibv_device_attr_ex *attr,
		    enum rodp_transport transport, enum rodp_op op,
		    enum rodp_odp_reason *reason)
{
	enum rodp_odp_reason why = RODP_ODP_SUPPORTED;
	uint32_t caps, bit;

	if ((unsigned int)transport > RODP_TRANSPORT_XRC ||
	    (unsigned int)op > RODP_OP_ATOMIC_WRITE)
		return EINVAL;

	switch (transport) {
	case RODP_TRANSPORT_RC:
		caps = attr->odp_caps.per_transport_caps.rc_odp_caps;
		break;
	case RODP_TRANSPORT_UC:
		caps = attr->odp_caps.per_transport_caps.uc_odp_caps;
		break;
	case RODP_TRANSPORT_UD:
		caps = attr->odp_caps.per_transport_caps.ud_odp_caps;
		break;
	default:
		caps = attr->xrc_odp_caps;
		break;
	}
	bit = odp_op_bit(op);

	if (!op_valid_on(transport, op))
		why = RODP_ODP_INVALID_COMBINATION;
	else if (!(attr->odp_caps.general_caps & IBV_ODP_SUPPORT))
		why = RODP_ODP_NO_DEVICE_SUPPORT;
	else if (!caps)
		why = RODP_ODP_NO_TRANSPORT_SUPPORT;
	else if (!bit)
		why = RODP_ODP_LIBRARY_TOO_OLD;
	else if (!(caps & bit))
		why = RODP_ODP_NO_OP_SUPPORT;

	if (reason)
		*reason = why;
	return why == RODP_ODP_SUPPORTED ? 0 : EOPNOTSUPP;
}

RODP_EXPORT int rodp_query_odp(struct ibv_context *ctx,
			       enum rodp_transport transport, enum rodp_op op,
			       enum rodp_odp_reason *reason)
{
	struct ibv_device_attr_ex attr = {};
	int ret;

	rodp_clear_error();
	if (!ctx)
		return rodp_fail(EINVAL, "rodp_query_odp: ctx is NULL");
	if ((unsigned int)transport > RODP_TRANSPORT_XRC)
		return rodp_fail(EINVAL, "rodp_query_odp: unknown transport %d",
				 (int)transport);
	if ((unsigned int)op > RODP_OP_ATOMIC_WRITE)
		return rodp_fail(EINVAL, "rodp_query_odp: unknown operation %d",
				 (int)op);
	ret = rodp_caps_get(ctx, &attr);
	if (ret)
		return rodp_fail(ret, "%s: ibv_query_device_ex failed (errno %d)",
				 ibv_get_device_name(ctx->device), ret);
	ret = rodp_odp_decide(&attr, transport, op, reason);
	if (ret == EOPNOTSUPP) {
		enum rodp_odp_reason why;

		rodp_odp_decide(&attr, transport, op, &why);
		rodp_set_error("%s: %s", ibv_get_device_name(ctx->device),
			       rodp_odp_reason_str(why));
	}
	return ret;
}

RODP_EXPORT const char *rodp_odp_reason_str(enum rodp_odp_reason reason)
{
	switch (reason) {
	case RODP_ODP_SUPPORTED:
		return "supported";
	case RODP_ODP_NO_DEVICE_SUPPORT:
		return "the device has no On-Demand Paging";
	case RODP_ODP_NO_TRANSPORT_SUPPORT:
		return "the device has no On-Demand Paging for this transport";
	case RODP_ODP_NO_OP_SUPPORT:
		return "the device has no On-Demand Paging for this operation on this transport";
	case RODP_ODP_LIBRARY_TOO_OLD:
		return "the libibverbs librodp was built with cannot name this ODP capability (rdma-core too old)";
	case RODP_ODP_INVALID_COMBINATION:
		return "this transport has no such operation";
	}
	return "unknown reason";
}
