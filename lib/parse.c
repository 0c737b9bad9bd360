// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Turning rodp.ko's region messages into the library's structs. Pure
 * functions on attribute tables and raw buffers, so the unit tests can
 * feed them crafted, truncated and hostile messages. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "rodp_internal.h"

static const struct nla_policy rodp_range_policy[RODP_RANGE_MAX + 1] = {
	[RODP_RANGE_START] = { .type = NLA_U64 },
	[RODP_RANGE_LENGTH] = { .type = NLA_U64 },
};

int rodp_ranges_parse(struct nlattr *nest, struct rodp_range *out,
		      size_t out_max, uint32_t *n, uint64_t *live_bytes)
{
	uint64_t sum = 0;
	uint32_t count = 0;
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		struct nlattr *tb[RODP_RANGE_MAX + 1];
		uint64_t start, len;

		if (nla_type(a) != RODP_A_RANGE)
			continue;	/* a later ABI may add siblings */
		if (nla_parse_nested(tb, RODP_RANGE_MAX, a,
				     (struct nla_policy *)rodp_range_policy) < 0 ||
		    !tb[RODP_RANGE_START] || !tb[RODP_RANGE_LENGTH])
			return EPROTO;
		start = nla_get_u64(tb[RODP_RANGE_START]);
		len = nla_get_u64(tb[RODP_RANGE_LENGTH]);
		if (!len || start + len < start || sum + len < sum)
			return EPROTO;
		if (count >= RODP_MAX_RANGES)
			return EPROTO;
		if (out && count < out_max) {
			out[count].start = start;
			out[count].length = len;
		}
		sum += len;
		count++;
	}
	/* Trailing bytes too short for an attribute: a truncated nest. */
	if (rem > 0 && rem >= (int)NLA_HDRLEN)
		return EPROTO;
	*n = count;
	*live_bytes = sum;
	return 0;
}

int rodp_region_from_attrs(struct nlattr **tb, struct rodp_region_info *info,
			   struct rodp_range **ranges)
{
	struct rodp_range *r = NULL;
	uint64_t live;
	uint32_t n = 0;
	int err;

	memset(info, 0, sizeof(*info));
	*ranges = NULL;
	if (!tb[RODP_A_REGION_ID] || !tb[RODP_A_PID] || !tb[RODP_A_ADDR] ||
	    !tb[RODP_A_LENGTH])
		return EPROTO;
	info->id = nla_get_u64(tb[RODP_A_REGION_ID]);
	info->pid = nla_get_u32(tb[RODP_A_PID]);
	info->addr = nla_get_u64(tb[RODP_A_ADDR]);
	info->length = nla_get_u64(tb[RODP_A_LENGTH]);
	if (tb[RODP_A_ACCESS])
		info->access = nla_get_u32(tb[RODP_A_ACCESS]);
	if (tb[RODP_A_DEVICE])
		nla_strlcpy(info->device, tb[RODP_A_DEVICE],
			    sizeof(info->device));
	if (tb[RODP_A_DEVICE_KIND])
		info->device_kind = nla_get_u32(tb[RODP_A_DEVICE_KIND]);
	if (tb[RODP_A_LKEY]) {
		info->lkey = nla_get_u32(tb[RODP_A_LKEY]);
		info->bound = 1;
	}
	if (tb[RODP_A_REGION_STATE])
		info->state = nla_get_u32(tb[RODP_A_REGION_STATE]);
	if (tb[RODP_A_IMPLICIT_CHILD])
		info->implicit_child = nla_get_u8(tb[RODP_A_IMPLICIT_CHILD]);
	if (tb[RODP_A_REGION_RANGES]) {
		err = rodp_ranges_parse(tb[RODP_A_REGION_RANGES], NULL, 0, &n,
					&live);
		if (err)
			return err;
		if (n) {
			r = calloc(n, sizeof(*r));
			if (!r)
				return ENOMEM;
			rodp_ranges_parse(tb[RODP_A_REGION_RANGES], r, n, &n,
					  &live);
		}
	}
	if (tb[RODP_A_STATS]) {
		err = rodp_stats_from_nest(tb[RODP_A_STATS], &info->stats);
		if (err) {
			free(r);
			return err;
		}
	}
	info->nr_ranges = n;
	info->ranges = r;
	*ranges = r;
	return 0;
}

/*
 * Every attribute rodp.ko puts in a message: replies to any command and
 * notifications (which carry the region message) are parsed with it.
 */
const struct nla_policy rodp_attr_policy[RODP_A_MAX + 1] = {
	[RODP_A_REGION_ID] = { .type = NLA_U64 },
	[RODP_A_PID] = { .type = NLA_U32 },
	[RODP_A_ADDR] = { .type = NLA_U64 },
	[RODP_A_LENGTH] = { .type = NLA_U64 },
	[RODP_A_ACCESS] = { .type = NLA_U32 },
	[RODP_A_DEVICE] = { .type = NLA_STRING },
	[RODP_A_DEVICE_KIND] = { .type = NLA_U32 },
	[RODP_A_LKEY] = { .type = NLA_U32 },
	[RODP_A_REGION_STATE] = { .type = NLA_U32 },
	[RODP_A_REGION_RANGES] = { .type = NLA_NESTED },
	[RODP_A_STATS] = { .type = NLA_NESTED },
	[RODP_A_POLICY] = { .type = NLA_U32 },
	[RODP_A_POLICY_SCOPE] = { .type = NLA_U32 },
	[RODP_A_PREFETCH_FLAGS] = { .type = NLA_U32 },
	[RODP_A_DEVICE_TRUSTED] = { .type = NLA_U8 },
	[RODP_A_ATTACHED] = { .type = NLA_U8 },
	[RODP_A_KPROBES_LIVE] = { .type = NLA_U8 },
	[RODP_A_PROBE] = { .type = NLA_NESTED },
	[RODP_A_RXE_VERSION] = { .type = NLA_STRING },
	[RODP_A_IMPLICIT_CHILD] = { .type = NLA_U8 },
	[RODP_A_TWINS] = { .type = NLA_U32 },
};

int rodp_ntf_parse(const void *buf, size_t len, int family,
		   struct rodp_event *ev, size_t *msg_len)
{
	return rodp_ntf_parse_ranges(buf, len, family, ev, msg_len, NULL);
}

int rodp_ntf_parse_ranges(const void *buf, size_t len, int family,
			  struct rodp_event *ev, size_t *msg_len,
			  struct rodp_range **ranges)
{
	return rodp_ntf_parse_key(buf, len, family, ev, msg_len, ranges, NULL);
}

int rodp_ntf_parse_key(const void *buf, size_t len, int family,
		       struct rodp_event *ev, size_t *msg_len,
		       struct rodp_range **ranges, struct rodp_ntf_key *key)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nlattr *tb[RODP_A_MAX + 1];
	struct genlmsghdr *g;
	uint64_t live = 0;
	uint32_t n = 0;

	*msg_len = len;
	if (len < NLMSG_HDRLEN || len > INT32_MAX ||
	    !nlmsg_ok(nlh, (int)len))
		return EPROTO;
	*msg_len = NLMSG_ALIGN(nlh->nlmsg_len) < len ?
		   NLMSG_ALIGN(nlh->nlmsg_len) : len;
	if (nlh->nlmsg_type != family)
		return ENOMSG;
	if (!genlmsg_valid_hdr(nlh, 0))
		return EPROTO;
	g = nlmsg_data(nlh);
	if (g->cmd != RODP_CMD_REGION_SHRUNK_NTF &&
	    g->cmd != RODP_CMD_REGION_DEAD_NTF &&
	    g->cmd != RODP_CMD_REGION_GROWN_NTF)
		return ENOMSG;
	if (genlmsg_parse(nlh, 0, tb, RODP_A_MAX,
			  (struct nla_policy *)rodp_attr_policy) < 0)
		return EPROTO;
	if (!tb[RODP_A_REGION_ID] || !tb[RODP_A_REGION_STATE])
		return EPROTO;
	if (tb[RODP_A_REGION_RANGES] &&
	    rodp_ranges_parse(tb[RODP_A_REGION_RANGES], NULL, 0, &n, &live))
		return EPROTO;

	memset(ev, 0, sizeof(*ev));
	ev->type = g->cmd == RODP_CMD_REGION_DEAD_NTF ?
		   RODP_EVENT_REGION_DEAD :
		   g->cmd == RODP_CMD_REGION_GROWN_NTF ?
		   RODP_EVENT_REGION_GROWN : RODP_EVENT_REGION_SHRUNK;
	ev->region_id = nla_get_u64(tb[RODP_A_REGION_ID]);
	ev->state = nla_get_u32(tb[RODP_A_REGION_STATE]);
	if (tb[RODP_A_LKEY])
		ev->lkey = nla_get_u32(tb[RODP_A_LKEY]);
	if (tb[RODP_A_PID])
		ev->pid = nla_get_u32(tb[RODP_A_PID]);
	if (tb[RODP_A_ADDR])
		ev->addr = nla_get_u64(tb[RODP_A_ADDR]);
	if (tb[RODP_A_LENGTH])
		ev->length = nla_get_u64(tb[RODP_A_LENGTH]);
	ev->live_bytes = live;
	ev->live_ranges = n;
	if (key) {
		memset(key, 0, sizeof(*key));
		if (tb[RODP_A_DEVICE])
			nla_strlcpy(key->device, tb[RODP_A_DEVICE],
				    sizeof(key->device));
		if (tb[RODP_A_ACCESS])
			key->access = nla_get_u32(tb[RODP_A_ACCESS]);
		if (tb[RODP_A_IMPLICIT_CHILD])
			key->implicit_child =
				nla_get_u8(tb[RODP_A_IMPLICIT_CHILD]) != 0;
		key->twins = tb[RODP_A_TWINS] ?
			     (int64_t)nla_get_u32(tb[RODP_A_TWINS]) : -1;
	}
	if (ranges) {
		*ranges = NULL;
		if (n) {
			*ranges = calloc(n, sizeof(**ranges));
			if (!*ranges)
				return ENOMEM;
			rodp_ranges_parse(tb[RODP_A_REGION_RANGES], *ranges, n,
					  &n, &live);
		}
	}
	return 0;
}
