// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Netlink parsing on crafted buffers: region notifications and region
 * replies as rodp.ko builds them, then truncated, malformed and hostile
 * ones, which must give EPROTO (or ENOMSG), never a crash or a bogus
 * event.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/genl.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

#define FAMILY 0x21

struct spec {
	int cmd;
	int family;
	int no_id;
	int no_pid;
	int bad_range;		/* 1: u32 start, 2: wrapping, 3: zero length */
	int nranges;
	int implicit_child;	/* 0, 1, or -1: no attribute (an old rodp.ko) */
};

static struct nl_msg *build(const struct spec *s)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *ranges, *one, *stats;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(genlmsg_put(msg, 0, 0,
		s->family ? s->family : FAMILY, 0, 0, s->cmd, 1));
	if (!s->no_id)
		nla_put_u64(msg, RODP_A_REGION_ID, 42);
	if (!s->no_pid)
		nla_put_u32(msg, RODP_A_PID, 1234);
	nla_put_u64(msg, RODP_A_ADDR, 0x7f0000000000ULL);
	nla_put_u64(msg, RODP_A_LENGTH, 0x10000);
	nla_put_u32(msg, RODP_A_ACCESS, 7);
	nla_put_string(msg, RODP_A_DEVICE, "rxe0");
	nla_put_u32(msg, RODP_A_DEVICE_KIND, RODP_DEVICE_SOFTWARE);
	nla_put_u32(msg, RODP_A_LKEY, 0xabcd);
	if (s->implicit_child >= 0)
		nla_put_u8(msg, RODP_A_IMPLICIT_CHILD, (uint8_t)s->implicit_child);
	nla_put_u32(msg, RODP_A_REGION_STATE,
		    s->nranges ? RODP_REGION_LIVE : RODP_REGION_DEAD);
	ranges = nla_nest_start(msg, RODP_A_REGION_RANGES);
	for (i = 0; i < s->nranges; i++) {
		one = nla_nest_start(msg, RODP_A_RANGE);
		if (s->bad_range == 1 && i == 1)
			nla_put_u32(msg, RODP_RANGE_START, 5);
		else
			nla_put_u64(msg, RODP_RANGE_START,
				    0x7f0000000000ULL + i * 0x4000);
		if (s->bad_range == 2 && i == 1)
			nla_put_u64(msg, RODP_RANGE_LENGTH, UINT64_MAX);
		else if (s->bad_range == 3 && i == 1)
			nla_put_u64(msg, RODP_RANGE_LENGTH, 0);
		else
			nla_put_u64(msg, RODP_RANGE_LENGTH, 0x2000);
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, ranges);
	stats = nla_nest_start(msg, RODP_A_STATS);
	nla_put_u64(msg, RODP_STAT_INVAL_UNMAP, 3);
	nla_put_u64(msg, RODP_STAT_FAULT_PAGES, 17);
	nla_nest_end(msg, stats);
	return msg;
}

static int parse(struct nl_msg *msg, size_t len, struct rodp_event *ev)
{
	size_t used;

	return rodp_ntf_parse(nlmsg_hdr(msg), len, FAMILY, ev, &used);
}

static void test_shrunk_notification(void)
{
	struct spec s = { .cmd = RODP_CMD_REGION_SHRUNK_NTF, .nranges = 2 };
	struct nl_msg *msg = build(&s);
	struct rodp_event ev;
	size_t used;

	CU_ASSERT_EQUAL(rodp_ntf_parse(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len,
				       FAMILY, &ev, &used), 0);
	CU_ASSERT_EQUAL(used, NLMSG_ALIGN(nlmsg_hdr(msg)->nlmsg_len));
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_SHRUNK);
	CU_ASSERT_EQUAL(ev.state, RODP_STATE_LIVE);
	CU_ASSERT_EQUAL(ev.region_id, 42);
	CU_ASSERT_EQUAL(ev.pid, 1234);
	CU_ASSERT_EQUAL(ev.lkey, 0xabcd);
	CU_ASSERT_EQUAL(ev.addr, 0x7f0000000000ULL);
	CU_ASSERT_EQUAL(ev.length, 0x10000);
	CU_ASSERT_EQUAL(ev.live_ranges, 2);
	CU_ASSERT_EQUAL(ev.live_bytes, 0x4000);
	CU_ASSERT_PTR_NULL(ev.mr);
	nlmsg_free(msg);
}

static void test_dead_notification(void)
{
	struct spec s = { .cmd = RODP_CMD_REGION_DEAD_NTF };
	struct nl_msg *msg = build(&s);
	struct rodp_event ev;

	CU_ASSERT_EQUAL(parse(msg, nlmsg_hdr(msg)->nlmsg_len, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_DEAD);
	CU_ASSERT_EQUAL(ev.state, RODP_STATE_DEAD);
	CU_ASSERT_EQUAL(ev.live_ranges, 0);
	CU_ASSERT_EQUAL(ev.live_bytes, 0);
	nlmsg_free(msg);
}

/* A dead region mapped again and faulted in: live, with its ranges. */
static void test_grown_notification(void)
{
	struct spec s = { .cmd = RODP_CMD_REGION_GROWN_NTF, .nranges = 1 };
	struct nl_msg *msg = build(&s);
	struct rodp_event ev;

	CU_ASSERT_EQUAL(parse(msg, nlmsg_hdr(msg)->nlmsg_len, &ev), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_GROWN);
	CU_ASSERT_EQUAL(ev.state, RODP_STATE_LIVE);
	CU_ASSERT_EQUAL(ev.live_ranges, 1);
	nlmsg_free(msg);
}

static void test_not_a_notification(void)
{
	struct spec s = { .cmd = RODP_CMD_REGION_GET, .nranges = 1 };
	struct nl_msg *msg = build(&s);
	struct rodp_event ev;

	CU_ASSERT_EQUAL(parse(msg, nlmsg_hdr(msg)->nlmsg_len, &ev), ENOMSG);
	nlmsg_free(msg);
	s.cmd = RODP_CMD_REGION_DEAD_NTF;
	s.family = FAMILY + 1;
	msg = build(&s);
	CU_ASSERT_EQUAL(parse(msg, nlmsg_hdr(msg)->nlmsg_len, &ev), ENOMSG);
	nlmsg_free(msg);
}

static void test_truncated(void)
{
	struct spec s = { .cmd = RODP_CMD_REGION_SHRUNK_NTF, .nranges = 3 };
	struct nl_msg *msg = build(&s);
	size_t full = nlmsg_hdr(msg)->nlmsg_len, len;
	struct rodp_event ev;

	/* Every shorter buffer: nlmsg_len no longer fits, so EPROTO. */
	for (len = 0; len < full; len++)
		CU_ASSERT_EQUAL(parse(msg, len, &ev), EPROTO);
	nlmsg_free(msg);
}

static void test_lying_lengths(void)
{
	struct spec s = { .cmd = RODP_CMD_REGION_SHRUNK_NTF, .nranges = 2 };
	struct nl_msg *msg = build(&s);
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	size_t full = nlh->nlmsg_len;
	struct rodp_event ev;

	/* Header shorter than a genetlink header. */
	nlh->nlmsg_len = NLMSG_HDRLEN + 1;
	CU_ASSERT_EQUAL(parse(msg, full, &ev), EPROTO);
	/* Header claiming more than the buffer. */
	nlh->nlmsg_len = (uint32_t)full + 64;
	CU_ASSERT_EQUAL(parse(msg, full, &ev), EPROTO);
	nlh->nlmsg_len = 3;
	CU_ASSERT_EQUAL(parse(msg, full, &ev), EPROTO);
	nlmsg_free(msg);
}

static void test_missing_and_bad_attributes(void)
{
	struct spec s = { .cmd = RODP_CMD_REGION_SHRUNK_NTF, .nranges = 2,
			  .no_id = 1 };
	struct rodp_event ev;
	struct nl_msg *msg;
	int bad;

	msg = build(&s);
	CU_ASSERT_EQUAL(parse(msg, nlmsg_hdr(msg)->nlmsg_len, &ev), EPROTO);
	nlmsg_free(msg);

	s.no_id = 0;
	for (bad = 1; bad <= 3; bad++) {
		s.bad_range = bad;
		msg = build(&s);
		CU_ASSERT_EQUAL(parse(msg, nlmsg_hdr(msg)->nlmsg_len, &ev),
				EPROTO);
		nlmsg_free(msg);
	}
}

/* A nested attribute whose own length runs past its parent. */
static void test_truncated_nest(void)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *ranges, *one;
	uint32_t n;
	uint64_t live;

	CU_ASSERT_PTR_NOT_NULL_FATAL(msg);
	ranges = nla_nest_start(msg, RODP_A_REGION_RANGES);
	one = nla_nest_start(msg, RODP_A_RANGE);
	nla_put_u64(msg, RODP_RANGE_START, 0x1000);
	nla_put_u64(msg, RODP_RANGE_LENGTH, 0x1000);
	nla_nest_end(msg, one);
	nla_nest_end(msg, ranges);
	CU_ASSERT_EQUAL(rodp_ranges_parse(ranges, NULL, 0, &n, &live), 0);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(live, 0x1000);
	one->nla_len += 8;	/* inner attribute now overruns the nest */
	CU_ASSERT_EQUAL(rodp_ranges_parse(ranges, NULL, 0, &n, &live), EPROTO);
	nlmsg_free(msg);
}

static void test_region_from_attrs(void)
{
	struct spec s = { .cmd = RODP_CMD_REGION_GET, .nranges = 3 };
	struct nl_msg *msg = build(&s);
	struct nlattr *tb[RODP_A_MAX + 1];
	struct rodp_region_info info;
	struct rodp_range *r;

	CU_ASSERT_EQUAL_FATAL(genlmsg_parse(nlmsg_hdr(msg), 0, tb, RODP_A_MAX,
					    NULL), 0);
	CU_ASSERT_EQUAL(rodp_region_from_attrs(tb, &info, &r), 0);
	CU_ASSERT_EQUAL(info.id, 42);
	CU_ASSERT_EQUAL(info.pid, 1234);
	CU_ASSERT_EQUAL(info.access, 7);
	CU_ASSERT_STRING_EQUAL(info.device, "rxe0");
	CU_ASSERT_EQUAL(info.bound, 1);
	CU_ASSERT_EQUAL(info.lkey, 0xabcd);
	CU_ASSERT_EQUAL(info.nr_ranges, 3);
	CU_ASSERT_PTR_EQUAL(info.ranges, r);
	CU_ASSERT_EQUAL_FATAL(r != NULL, 1);
	CU_ASSERT_EQUAL(r[2].start, 0x7f0000000000ULL + 2 * 0x4000);
	CU_ASSERT_EQUAL(r[2].length, 0x2000);
	CU_ASSERT_EQUAL(info.stats.inval[RODP_INVAL_UNMAP], 3);
	CU_ASSERT_EQUAL(info.stats.fault_pages, 17);
	CU_ASSERT_EQUAL(info.implicit_child, 0);
	free(r);
	nlmsg_free(msg);

	/* A child of an implicit MR; an old rodp.ko says nothing: explicit. */
	s.implicit_child = 1;
	msg = build(&s);
	CU_ASSERT_EQUAL_FATAL(genlmsg_parse(nlmsg_hdr(msg), 0, tb, RODP_A_MAX,
					    NULL), 0);
	CU_ASSERT_EQUAL(rodp_region_from_attrs(tb, &info, &r), 0);
	CU_ASSERT_EQUAL(info.implicit_child, 1);
	free(r);
	nlmsg_free(msg);
	s.implicit_child = -1;
	msg = build(&s);
	CU_ASSERT_EQUAL_FATAL(genlmsg_parse(nlmsg_hdr(msg), 0, tb, RODP_A_MAX,
					    NULL), 0);
	CU_ASSERT_EQUAL(rodp_region_from_attrs(tb, &info, &r), 0);
	CU_ASSERT_EQUAL(info.implicit_child, 0);
	free(r);
	nlmsg_free(msg);
	s.implicit_child = 0;

	s.no_pid = 1;
	msg = build(&s);
	CU_ASSERT_EQUAL_FATAL(genlmsg_parse(nlmsg_hdr(msg), 0, tb, RODP_A_MAX,
					    NULL), 0);
	CU_ASSERT_EQUAL(rodp_region_from_attrs(tb, &info, &r), EPROTO);
	CU_ASSERT_PTR_NULL(r);
	nlmsg_free(msg);

	s.no_pid = 0;
	s.bad_range = 2;
	msg = build(&s);
	CU_ASSERT_EQUAL_FATAL(genlmsg_parse(nlmsg_hdr(msg), 0, tb, RODP_A_MAX,
					    NULL), 0);
	CU_ASSERT_EQUAL(rodp_region_from_attrs(tb, &info, &r), EPROTO);
	CU_ASSERT_PTR_NULL(r);
	nlmsg_free(msg);
}

/* Random corruption of a valid message: any result but a crash, and an
 * accepted event must still be self-consistent. */
static void test_random_corruption(void)
{
	struct spec s = { .cmd = RODP_CMD_REGION_SHRUNK_NTF, .nranges = 4 };
	struct nl_msg *msg = build(&s);
	size_t full = nlmsg_hdr(msg)->nlmsg_len;
	unsigned char *copy = malloc(full);
	struct rodp_event ev;
	unsigned int seed = 1, i, ok = 0, bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	for (i = 0; i < 20000; i++) {
		size_t used;
		int k, ret;

		memcpy(copy, nlmsg_hdr(msg), full);
		for (k = 0; k < 4; k++)
			copy[rand_r(&seed) % full] = (unsigned char)rand_r(&seed);
		ret = rodp_ntf_parse(copy, full, FAMILY, &ev, &used);
		CU_ASSERT_TRUE(ret == 0 || ret == EPROTO || ret == ENOMSG);
		CU_ASSERT_TRUE(used <= full);
		if (ret == 0) {
			ok++;
			CU_ASSERT_TRUE(ev.live_ranges <= RODP_MAX_RANGES);
		} else {
			bad++;
		}
	}
	printf("\n    corrupted messages: %u accepted, %u refused\n", ok, bad);
	CU_ASSERT_TRUE(bad > 0);
	free(copy);
	nlmsg_free(msg);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_shrunk_notification),
		RODP_TEST(test_dead_notification),
		RODP_TEST(test_grown_notification),
		RODP_TEST(test_not_a_notification),
		RODP_TEST(test_truncated),
		RODP_TEST(test_lying_lengths),
		RODP_TEST(test_missing_and_bad_attributes),
		RODP_TEST(test_truncated_nest),
		RODP_TEST(test_region_from_attrs),
		RODP_TEST(test_random_corruption),
	};

	return rodp_cunit_run("nl_parse", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
