// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Whether a device can make the ODP MR asked for, and if not a sentence
 * that says why. Pure (device attributes in, decision out) for the unit
 * tests. */
#include <config.h>

#include <errno.h>
#include <stdio.h>

#include "rodp_internal.h"

#if !HAVE_DECL_IBV_ODP_SUPPORT_IMPLICIT
#define IBV_ODP_SUPPORT_IMPLICIT (1 << 1)
#endif

/* The operations an access flag lets the remote side (or a receive) do. */
static const struct {
	unsigned int access;
	enum rodp_op op;
	const char *what;
} rodp_access_ops[] = {
	{ IBV_ACCESS_LOCAL_WRITE, RODP_OP_RECV, "receives (IBV_ACCESS_LOCAL_WRITE)" },
	{ IBV_ACCESS_REMOTE_WRITE, RODP_OP_WRITE, "RDMA WRITE (IBV_ACCESS_REMOTE_WRITE)" },
	{ IBV_ACCESS_REMOTE_READ, RODP_OP_READ, "RDMA READ (IBV_ACCESS_REMOTE_READ)" },
	{ IBV_ACCESS_REMOTE_ATOMIC, RODP_OP_ATOMIC, "atomics (IBV_ACCESS_REMOTE_ATOMIC)" },
};

int rodp_reg_check(const struct ibv_device_attr_ex *attr, const char *dev,
		   unsigned int access, unsigned int flags, char *msg,
		   size_t msg_size)
{
	enum rodp_odp_reason why;
	size_t i;

	if (flags & ~(unsigned int)(RODP_REG_ODP_PREFERRED |
				    RODP_REG_ODP_IMPLICIT)) {
		snprintf(msg, msg_size, "unknown rodp_reg_mr() flags 0x%x",
			 flags);
		return EINVAL;
	}
	if ((flags & RODP_REG_ODP_PREFERRED) && (flags & RODP_REG_ODP_IMPLICIT)) {
		snprintf(msg, msg_size, "RODP_REG_ODP_PREFERRED and "
			 "RODP_REG_ODP_IMPLICIT exclude each other");
		return EINVAL;
	}
#if !HAVE_DECL_IBV_ACCESS_ON_DEMAND
	snprintf(msg, msg_size, "librodp was built against a libibverbs "
		 "without IBV_ACCESS_ON_DEMAND (rdma-core too old)");
	return EOPNOTSUPP;
#endif
	if (!(attr->odp_caps.general_caps & IBV_ODP_SUPPORT)) {
		snprintf(msg, msg_size, "%s: %s", dev,
			 rodp_odp_reason_str(RODP_ODP_NO_DEVICE_SUPPORT));
		return EOPNOTSUPP;
	}
	if ((flags & RODP_REG_ODP_IMPLICIT) &&
	    !(attr->odp_caps.general_caps & IBV_ODP_SUPPORT_IMPLICIT)) {
		snprintf(msg, msg_size, "%s: the device has no implicit "
			 "On-Demand Paging (register explicit ranges instead)",
			 dev);
		return ENOTSUP;
	}
	/* Sends and local reads from the MR are always wanted. */
	if (rodp_odp_decide(attr, RODP_TRANSPORT_RC, RODP_OP_SEND, &why)) {
		snprintf(msg, msg_size, "%s: RC sends: %s", dev,
			 rodp_odp_reason_str(why));
		return EOPNOTSUPP;
	}
	for (i = 0; i < sizeof(rodp_access_ops) / sizeof(rodp_access_ops[0]);
	     i++) {
		if (!(access & rodp_access_ops[i].access))
			continue;
		if (rodp_odp_decide(attr, RODP_TRANSPORT_RC,
				    rodp_access_ops[i].op, &why)) {
			snprintf(msg, msg_size, "%s: RC %s: %s", dev,
				 rodp_access_ops[i].what,
				 rodp_odp_reason_str(why));
			return EOPNOTSUPP;
		}
	}
	return 0;
}
