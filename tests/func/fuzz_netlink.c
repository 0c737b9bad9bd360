// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Fuzzes rodp.ko's generic netlink family with malformed and random
 * messages: every command (notifications and unknown ones too), NLM_F_DUMP
 * on doit-only operations, unknown, missing, duplicated, oversized and
 * wrongly sized attributes, lying attribute and message lengths, bad
 * family ids, header pids and RODP_A_PID values, region ids and ranges
 * around a real ODP region this process registers. The churn phase sends
 * the same requests while other threads create and destroy ODP regions
 * (register, shrink by munmap, discard, deregister), the requests aiming
 * at those regions' ids and addresses, so the handlers race with region
 * creation and teardown.
 *
 * Every answer is checked: an error must carry a plausible errno and
 * well-formed extended-ACK attributes; a reply must be a well-formed rodp
 * message for the command asked; no reply may hold anything shaped like a
 * kernel address. An unprivileged phase (a child that setuid()s to nobody)
 * must never see a region or another process's counters, and never change
 * the global policy. The guest harness fails the run on any kernel report
 * (WARN, KASAN, lockdep), so a crash of the kernel is caught there.
 *
 *   fuzz_netlink [-n COUNT] [-s SEED] [-r | -u | -c] [-t THREADS] [-v]
 *
 * Half the messages are well-formed requests with values worth trying (so
 * the handlers, not only the attribute policies, see them); the other
 * half are as above.
 *
 * -n messages per phase (default 5000; 100000 for the full run), -s the
 * seed (default: from the clock; printed, and the same seed replays the
 * same messages; the churn threads' timing does not replay), -r only the
 * root phase, -u only the unprivileged one, -c only the churn phase, -t
 * the churn threads (default 2). As root the fuzzer needs its live ODP
 * region: it fails when it cannot register one or rodp does not list it.
 * It reads the global policy before and puts it back after, with the
 * per-process policies it may have set, and fails unless reading them
 * again confirms it.
 * Exit: 0 clean, 1 a bad answer or a set-up or restore failure, 77 no
 * rodp family (a failure when RODP_REQUIRE_MODULE is set).
 */
#include <config.h>

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <linux/genetlink.h>
#include <linux/rodp.h>

#include "nl_raw.h"

#define NOBODY 65534
#define REQ_CAP 32768
#define CHURN_LEN (16 * 4096UL)

/* xorshift64*: deterministic across libcs, so a seed replays anywhere. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* What the fuzzer knows of the system, for values worth trying. */
static struct {
	int family;
	bool privileged;
	uint32_t self, parent;
	uint64_t region_id, addr, len;
	bool verbose;
	bool churn;		/* the churn threads are running */
} t;

/*
 * What the churn threads publish for the requests to aim at: regions
 * created so far (their ids follow the live region's, nobody else
 * registers meanwhile) and the address of the newest one.
 */
static atomic_uint_fast64_t churn_made, churn_addr, churn_errors;
static atomic_bool churn_stop;

/* What one message asked, for checking its answer. */
struct request {
	uint32_t seq;
	uint16_t type;
	uint16_t flags;
	uint8_t cmd;
	size_t len;
	bool silent;		/* the kernel drops it without an answer */
	bool valid_attrs;	/* every attribute well formed */
	int64_t scope;		/* last RODP_A_POLICY_SCOPE, -1 none */
	int64_t pid;		/* last RODP_A_PID, -1 none */
};

static struct {
	unsigned long sent, silent, acks, replies, dumps_done, failures;
	unsigned long errnos[256];
} stats;

static void fail(const struct request *r, const char *why, const void *buf,
		 size_t len)
{
	const unsigned char *p = buf;
	size_t i;

	stats.failures++;
	if (stats.failures > 20)
		return;
	printf("FAIL seq %u (type %u flags 0x%x cmd %u, %zu bytes): %s\n",
	       r->seq, r->type, r->flags, r->cmd, r->len, why);
	for (i = 0; buf && i < len && i < 256; i++)
		printf("%02x%s", p[i], (i % 32 == 31) ? "\n" : " ");
	if (buf)
		printf("\n");
}

/* ---- building messages ---- */

static uint64_t interesting_u64(void)
{
	static const uint64_t fixed[] = {
		0, 1, 2, 4095, 4096, 4097, 0x7fffffffULL, 0x80000000ULL,
		0xffffffffULL, 0x100000000ULL, 0x7fffffffffffffffULL,
		0x8000000000000000ULL, ~0ULL, ~0ULL - 4095,
	};

	/* The churn phase adds its two cases; the others replay as before. */
	switch (below(t.churn ? 8 : 6)) {
	case 6:
		return t.region_id + 1 +
		       below((uint32_t)atomic_load(&churn_made) + 2);
	case 7:
		return atomic_load(&churn_addr) + (rnd() % (CHURN_LEN + 8192)) -
		       4096;
	case 0:
		return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return t.region_id + below(3) - 1;
	case 2:
		return t.addr + (rnd() % (t.len + 8192)) - 4096;
	case 3:
		return (rnd() % (t.len + 8192)) & ~(chance(50) ? 4095ULL : 0);
	case 4:
		return t.addr + t.len - below(8192);
	default:
		return rnd();
	}
}

static uint32_t interesting_pid(void)
{
	static const uint32_t fixed[] = {
		0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 4194304, 4194305,
	};

	switch (below(5)) {
	case 0:
		return fixed[below(sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return t.self;
	case 2:
		return t.parent;
	case 3:
		return (uint32_t)rnd();
	default:
		return below(400);
	}
}

static uint32_t interesting_u32(uint16_t type)
{
	switch (type) {
	case RODP_A_PID:
		return interesting_pid();
	case RODP_A_POLICY:
	case RODP_A_POLICY_SCOPE:
	case RODP_A_DEVICE_KIND:
	case RODP_A_REGION_STATE:
		return chance(80) ? below(4) : (uint32_t)rnd();
	case RODP_A_PREFETCH_FLAGS:
		return chance(80) ? below(8) : (uint32_t)rnd();
	default:
		return chance(50) ? (uint32_t)interesting_u64() : (uint32_t)rnd();
	}
}

/* The payload size an attribute type wants: 4, 8, a string (-1), a nest
 * (-2) or unknown (0). */
static int attr_size(uint16_t type)
{
	switch (type) {
	case RODP_A_REGION_ID:
	case RODP_A_ADDR:
	case RODP_A_LENGTH:
	case RODP_A_PAD:
		return 8;
	case RODP_A_PID:
	case RODP_A_ACCESS:
	case RODP_A_DEVICE_KIND:
	case RODP_A_LKEY:
	case RODP_A_REGION_STATE:
	case RODP_A_POLICY:
	case RODP_A_POLICY_SCOPE:
	case RODP_A_PREFETCH_FLAGS:
		return 4;
	case RODP_A_DEVICE:
		return -1;
	case RODP_A_REGION_RANGES:
	case RODP_A_RANGE:
	case RODP_A_STATS:
		return -2;
	default:
		return 0;
	}
}

static void random_bytes(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)rnd();
}

/* Appends one attribute, well formed or not; records what a well-formed
 * scope or pid said. depth limits nests. */
static void put_random_attr(unsigned char *buf, size_t cap, size_t *off,
			    struct request *r, uint16_t *prev, int depth)
{
	unsigned char payload[8192];
	uint16_t type;
	size_t len;
	int want;
	uint64_t v64;
	uint32_t v32;
	size_t start = *off;

	/* Type: mostly a rodp attribute, else unknown ones, or a duplicate. */
	if (*prev && chance(15))
		type = *prev;
	else if (chance(80))
		type = (uint16_t)(1 + below(RODP_A_MAX));
	else if (chance(50))
		type = (uint16_t)(chance(30) ? 0 : RODP_A_MAX + 1 + below(4));
	else
		type = (uint16_t)rnd();
	*prev = type;

	want = attr_size(type & NLA_TYPE_MASK);
	if (want == 8) {
		v64 = interesting_u64();
		memcpy(payload, &v64, 8);
		len = 8;
	} else if (want == 4) {
		v32 = interesting_u32(type);
		memcpy(payload, &v32, 4);
		len = 4;
	} else if (want == -1) {
		len = (size_t)snprintf((char *)payload, 64, "rxe%u", below(3)) + 1;
	} else if (want == -2 && depth < 2) {
		/* A nest of random attributes, flagged as such or not. */
		size_t in = 0;
		uint16_t p2 = 0;
		unsigned int i, n = below(4);

		for (i = 0; i < n; i++)
			put_random_attr(payload, sizeof(payload), &in, r, &p2,
					depth + 1);
		len = in;
		if (chance(70))
			type |= NLA_F_NESTED;
	} else {
		len = below(16);
		random_bytes(payload, len);
	}

	/* Wrong sizes: short, one off, oversized. */
	if (chance(12)) {
		switch (below(4)) {
		case 0:
			len = below(len + 1);
			break;
		case 1:
			len = len + 1 + below(4);
			break;
		case 2:
			len = 9 + below(64);
			break;
		default:
			len = 256 + below(sizeof(payload) - 256);
			break;
		}
		random_bytes(payload + 8, len > 8 ? len - 8 : 0);
		r->valid_attrs = false;
	}
	if (want == -1 && chance(5)) {
		/* A string without its NUL. */
		memset(payload, 'x', len);
		r->valid_attrs = false;
	}
	if (chance(3))
		type |= (uint16_t)(chance(50) ? NLA_F_NET_BYTEORDER : NLA_F_NESTED);
	if (want == 0 || (type & ~NLA_TYPE_MASK))
		r->valid_attrs = false;

	if (!nl_raw_put(buf, cap, off, type, payload, len))
		return;
	if (chance(3)) {
		/* The attribute header lies about its length. */
		struct nlattr *nla = (struct nlattr *)(buf + start);

		nla->nla_len = chance(50) ? (uint16_t)below(NLA_HDRLEN) :
			       (uint16_t)(nla->nla_len + 1 + below(64));
		r->valid_attrs = false;
	}
	if (depth == 0 && (len == 4 || len == 8) && want == 4) {
		memcpy(&v32, payload, 4);
		if ((type & NLA_TYPE_MASK) == RODP_A_POLICY_SCOPE)
			r->scope = v32;
		else if ((type & NLA_TYPE_MASK) == RODP_A_PID)
			r->pid = v32;
	}
}

/* The attributes each command's policy accepts (0-terminated). */
static const uint16_t cmd_attrs[RODP_CMD_MAX + 1][5] = {
	[RODP_CMD_STATS_GET] = { RODP_A_PID },
	[RODP_CMD_REGION_GET] = { RODP_A_REGION_ID, RODP_A_PID },
	[RODP_CMD_REGION_BIND] = { RODP_A_ADDR, RODP_A_LENGTH, RODP_A_LKEY },
	[RODP_CMD_POLICY_GET] = { RODP_A_PID, RODP_A_POLICY_SCOPE },
	[RODP_CMD_POLICY_SET] = { RODP_A_PID, RODP_A_POLICY,
				  RODP_A_POLICY_SCOPE },
	[RODP_CMD_PREFETCH] = { RODP_A_REGION_ID, RODP_A_ADDR, RODP_A_LENGTH,
				RODP_A_PREFETCH_FLAGS },
};

/* A well-formed request with values worth trying, so that the handlers,
 * not only the policies, see most messages: a command that exists, each
 * of its attributes present or not, of the right size. */
static size_t build_clean(unsigned char *attrs, size_t cap,
			  struct request *r)
{
	const uint16_t *a;
	size_t off = 0;
	uint64_t v64;
	uint32_t v32;

	r->cmd = (uint8_t)(1 + below(RODP_CMD_PREFETCH));
	if (r->cmd == RODP_CMD_REGION_GET && chance(40))
		r->flags |= NLM_F_DUMP;
	for (a = cmd_attrs[r->cmd]; *a; a++) {
		if (chance(25))
			continue;
		if (attr_size(*a) == 8) {
			v64 = interesting_u64();
			nl_raw_put(attrs, cap, &off, *a, &v64, 8);
		} else {
			v32 = interesting_u32(*a);
			nl_raw_put(attrs, cap, &off, *a, &v32, 4);
			if (*a == RODP_A_POLICY_SCOPE)
				r->scope = v32;
			else if (*a == RODP_A_PID)
				r->pid = v32;
		}
	}
	return off;
}

/* Builds one message into buf; returns the number of bytes to send. */
static size_t build(unsigned char *buf, struct request *r, uint32_t seq)
{
	struct nlmsghdr *nlh = (void *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);
	size_t off = 0, len;
	uint16_t prev = 0;
	unsigned int i, n;

	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->scope = r->pid = -1;
	r->valid_attrs = true;
	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);

	/* Family: rodp, or ids that belong to no family (netlink control
	 * types below NLMSG_MIN_TYPE, ids far above the allocated ones). */
	if (chance(92))
		r->type = (uint16_t)t.family;
	else if (chance(30))
		r->type = (uint16_t)below(NLMSG_MIN_TYPE);
	else
		r->type = (uint16_t)(0x1000 + below(0xf000));

	r->flags = NLM_F_REQUEST | NLM_F_ACK;
	if (r->type == t.family && chance(50)) {
		off = build_clean(buf + NLMSG_HDRLEN + GENL_HDRLEN,
				  REQ_CAP - NLMSG_HDRLEN - GENL_HDRLEN, r);
		g->cmd = r->cmd;
		g->version = RODP_FAMILY_VERSION;
		len = NLMSG_HDRLEN + GENL_HDRLEN + off;
		nlh->nlmsg_len = (uint32_t)len;
		nlh->nlmsg_type = r->type;
		nlh->nlmsg_flags = r->flags;
		nlh->nlmsg_seq = seq;
		r->len = len;
		return len;
	}
	if (chance(25))
		r->flags |= NLM_F_DUMP;
	if (chance(8))
		r->flags |= (uint16_t)(rnd() & 0x0ffe);
	if (chance(3))
		r->flags &= (uint16_t)~NLM_F_REQUEST;
	r->flags |= NLM_F_ACK;

	r->cmd = chance(95) ? (uint8_t)below(RODP_CMD_MAX + 3) : (uint8_t)rnd();
	g->cmd = r->cmd;
	g->version = chance(90) ? RODP_FAMILY_VERSION : (uint8_t)rnd();
	g->reserved = chance(90) ? 0 : (uint16_t)rnd();

	n = chance(10) ? below(24) : below(6);
	for (i = 0; i < n; i++)
		put_random_attr(buf + NLMSG_HDRLEN + GENL_HDRLEN,
				REQ_CAP - NLMSG_HDRLEN - GENL_HDRLEN, &off, r,
				&prev, 0);

	len = NLMSG_HDRLEN + GENL_HDRLEN + off;
	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = r->type;
	nlh->nlmsg_flags = r->flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = chance(90) ? 0 : interesting_pid();

	/* Lying message lengths. The kernel drops a message whose length is
	 * below the header or beyond the datagram without a word. */
	switch (chance(6) ? below(3) : 3) {
	case 0:
		nlh->nlmsg_len = (uint32_t)(len + 1 + below(64));
		r->silent = true;
		break;
	case 1:
		nlh->nlmsg_len = below(NLMSG_HDRLEN);
		r->silent = true;
		break;
	case 2:
		/* The genetlink header cut short: a proper error. */
		len = NLMSG_HDRLEN + below(GENL_HDRLEN);
		nlh->nlmsg_len = (uint32_t)len;
		r->valid_attrs = false;
		break;
	default:
		break;
	}
	r->len = len;
	return len;
}

/* ---- checking answers ---- */

static bool plausible_errno(int e)
{
	switch (e) {
	case EINVAL: case ENOENT: case EPERM: case ERANGE: case EOPNOTSUPP:
	case ESRCH: case EFAULT: case EMSGSIZE: case ENODEV: case EBUSY:
	case E2BIG: case EACCES:
		return true;
	default:
		return false;
	}
}

struct ext_ack_arg {
	const struct request *r;
	const char *why;
};

static bool check_ext_ack(uint16_t type, const void *p, size_t len, void *arg)
{
	struct ext_ack_arg *a = arg;
	uint32_t v;

	switch (type) {
	case NLMSGERR_ATTR_MSG:
		if (!len || ((const char *)p)[len - 1] != '\0' ||
		    strlen(p) + 1 != len)
			a->why = "extack message is not a NUL-terminated string";
		break;
	case NLMSGERR_ATTR_OFFS:
		memcpy(&v, p, 4);
		if (len != 4 || v >= a->r->len)
			a->why = "extack offset outside the request";
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
	case NLMSGERR_ATTR_MISS_NEST:
		if (len != 4)
			a->why = "extack missing-attribute with a bad size";
		break;
	case NLMSGERR_ATTR_POLICY:
		break;
	default:
		a->why = "unknown extack attribute";
	}
	return !a->why;
}

struct reply_arg {
	const struct request *r;
	const char *why;
	bool has_region;
	int64_t pid;
	int depth;
};

static bool check_stat(uint16_t type, const void *p, size_t len, void *arg)
{
	struct reply_arg *a = arg;

	(void)p;
	if (type < 1 || type > RODP_STAT_MAX || (type != RODP_STAT_PAD && len != 8))
		a->why = "malformed counter in RODP_A_STATS";
	return !a->why;
}

static bool check_range(uint16_t type, const void *p, size_t len, void *arg)
{
	struct reply_arg *a = arg;

	(void)p;
	if ((type == RODP_RANGE_START || type == RODP_RANGE_LENGTH) ? len != 8 :
	    type != RODP_RANGE_PAD)
		a->why = "malformed range";
	return !a->why;
}

static bool check_ranges(uint16_t type, const void *p, size_t len, void *arg)
{
	struct reply_arg *a = arg;

	if (type != RODP_A_RANGE || !nl_raw_walk(p, len, check_range, a))
		a->why = a->why ? a->why : "malformed RODP_A_REGION_RANGES";
	return !a->why;
}

static bool check_reply_attr(uint16_t type, const void *p, size_t len,
			     void *arg)
{
	struct reply_arg *a = arg;
	int want = attr_size(type);
	uint32_t v;

	if (type < 1 || type > RODP_A_MAX) {
		a->why = "reply attribute of unknown type";
		return false;
	}
	if (type == RODP_A_REGION_ID)
		a->has_region = true;
	if (type == RODP_A_PID && len == 4) {
		memcpy(&v, p, 4);
		a->pid = v;
	}
	if ((want == 4 || want == 8) && type != RODP_A_PAD && (int)len != want)
		a->why = "reply attribute of the wrong size";
	else if (want == -1 && (!len || ((const char *)p)[len - 1] != '\0'))
		a->why = "reply string without its NUL";
	else if (type == RODP_A_STATS && !nl_raw_walk(p, len, check_stat, a))
		a->why = a->why ? a->why : "malformed RODP_A_STATS";
	else if (type == RODP_A_REGION_RANGES &&
		 !nl_raw_walk(p, len, check_ranges, a))
		a->why = a->why ? a->why : "malformed RODP_A_REGION_RANGES";
	return !a->why;
}

/* Checks one message of an answer to r; returns true when it ends the
 * answer. */
static bool check_one(const struct request *r, const struct nlmsghdr *nlh)
{
	const void *payload = NLMSG_DATA(nlh);
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = payload;
		struct ext_ack_arg a = { .r = r };
		size_t hdr = sizeof(*e);

		if (plen < sizeof(*e)) {
			fail(r, "short NLMSG_ERROR", nlh, nlh->nlmsg_len);
			return true;
		}
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			hdr += e->msg.nlmsg_len - NLMSG_HDRLEN;
		if (e->error > 0 || e->error < -4095)
			fail(r, "error code out of range", nlh, nlh->nlmsg_len);
		else if (e->error && !plausible_errno(-e->error))
			fail(r, "implausible errno", nlh, nlh->nlmsg_len);
		else if (e->msg.nlmsg_seq != r->seq || e->msg.nlmsg_type != r->type)
			fail(r, "error quotes another request", nlh,
			     nlh->nlmsg_len);
		if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
		    (hdr > plen ||
		     !nl_raw_walk((const char *)payload + hdr, plen - hdr,
				  check_ext_ack, &a)))
			fail(r, a.why ? a.why : "malformed extended ACK", nlh,
			     nlh->nlmsg_len);
		if (e->error) {
			stats.errnos[-e->error & 0xff]++;
		} else {
			stats.acks++;
			/* Unprivileged success on POLICY_SET: only for itself. */
			if (!t.privileged && r->type == t.family &&
			    r->cmd == RODP_CMD_POLICY_SET &&
			    (r->flags & NLM_F_REQUEST) &&
			    !(r->flags & NLM_F_DUMP) &&
			    (r->scope != RODP_POLICY_SCOPE_PROCESS ||
			     (r->pid != -1 && r->pid != t.self)))
				fail(r, "unprivileged POLICY_SET of another scope succeeded",
				     nlh, nlh->nlmsg_len);
		}
		return true;
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		int32_t err = 0;

		if (plen >= 4)
			memcpy(&err, payload, 4);
		if (plen < 4 || err > 0 || err < -4095 ||
		    (err && !plausible_errno(-err)))
			fail(r, "bad NLMSG_DONE", nlh, nlh->nlmsg_len);
		stats.dumps_done++;
		return true;
	}
	if (nlh->nlmsg_type == t.family && r->type == t.family) {
		const struct genlmsghdr *g = payload;
		struct reply_arg a = { .r = r, .pid = -1 };

		stats.replies++;
		if (plen < GENL_HDRLEN) {
			fail(r, "reply without a genetlink header", nlh,
			     nlh->nlmsg_len);
			return true;
		}
		if (g->cmd != r->cmd || g->version != RODP_FAMILY_VERSION)
			fail(r, "reply to another command", nlh, nlh->nlmsg_len);
		if (!nl_raw_walk((const char *)payload + GENL_HDRLEN,
				 plen - GENL_HDRLEN, check_reply_attr, &a))
			fail(r, a.why ? a.why : "malformed reply", nlh,
			     nlh->nlmsg_len);
		if (!t.privileged && a.has_region)
			fail(r, "an unprivileged caller saw a region", nlh,
			     nlh->nlmsg_len);
		if (!t.privileged && r->cmd == RODP_CMD_STATS_GET &&
		    a.pid != -1 && a.pid != t.self)
			fail(r, "an unprivileged caller saw another process's counters",
			     nlh, nlh->nlmsg_len);
		/* A dump goes on; a doit reply is followed by its ACK. */
		return false;
	}
	fail(r, "answer of an unexpected type", nlh, nlh->nlmsg_len);
	return true;
}

/* Looks for kernel addresses in every attribute of one answer message
 * (past its fixed headers, whose fields check_one() checks one by one)
 * and in its text; returns an offset or -1. */
static long scan_kernel_addresses(const struct nlmsghdr *nlh)
{
	const unsigned char *p = NLMSG_DATA(nlh);
	size_t len = nlh->nlmsg_len - NLMSG_HDRLEN, skip = 0;
	long at;

	if (nlh->nlmsg_type == NLMSG_ERROR)
		skip = sizeof(struct nlmsgerr);
	else if (nlh->nlmsg_type == NLMSG_DONE)
		skip = sizeof(int);
	else
		skip = GENL_HDRLEN;
	if (skip > len)
		return -1;
	at = nl_raw_scan_attrs(p + skip, len - skip);
	return at >= 0 ? at + (long)skip : -1;
}

/* Reads the answer to r. Returns false when the socket failed. */
/* A REGION_*_NTF message of the family. */
static bool is_region_ntf(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*g)) ||
	    nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return false;
	return g->cmd == RODP_CMD_REGION_SHRUNK_NTF ||
	       g->cmd == RODP_CMD_REGION_DEAD_NTF ||
	       g->cmd == RODP_CMD_REGION_GROWN_NTF;
}

static bool read_answer(struct nl_raw *nl, const struct request *r)
{
	static unsigned char buf[65536];
	const struct nlmsghdr *nlh;
	bool done = false;
	int n;
	long at;

	while (!done) {
		n = nl_raw_recv(nl, buf, sizeof(buf), 20000);
		if (n == 0) {
			fail(r, "no answer within 20 s", NULL, 0);
			return false;
		}
		if (n < 0) {
			fail(r, strerror(-n), NULL, 0);
			return false;
		}
		for (nlh = (void *)buf; NLMSG_OK(nlh, (unsigned int)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			at = scan_kernel_addresses(nlh);
			if (at >= 0)
				fail(r, "something shaped like a kernel address in the answer",
				     nlh, nlh->nlmsg_len);
			/*
			 * A region notification (sequence 0, from the
			 * kernel): a fuzzed REGION_BIND may have made this
			 * socket the owner of a region that the churn
			 * threads then unmap. Not an answer; checked above
			 * for kernel addresses like one.
			 */
			if (nlh->nlmsg_seq == 0 && nlh->nlmsg_pid == 0 &&
			    is_region_ntf(nlh))
				continue;
			if (nlh->nlmsg_seq != r->seq) {
				fail(r, "answer to another request", nlh,
				     nlh->nlmsg_len);
				continue;
			}
			if (check_one(r, nlh))
				done = true;
		}
		if (n > 0)
			fail(r, "trailing bytes in the answer", nlh, (size_t)n);
	}
	return true;
}

/* ---- phases ---- */

static int fuzz(uint64_t seed, unsigned long count, const char *who)
{
	static unsigned char req[REQ_CAP];
	struct request r;
	struct nl_raw nl;
	unsigned long i;
	struct timespec t0, t1;
	size_t len;
	int ret;

	rng_state = seed ? seed : 1;
	ret = nl_raw_open(&nl);
	if (ret) {
		printf("FAIL %s: netlink socket: %s\n", who, strerror(-ret));
		return 1;
	}
	memset(&stats, 0, sizeof(stats));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		len = build(req, &r, nl.seq++);
		if (t.verbose)
			printf("msg %lu seq %u type %u flags 0x%x cmd %u len %zu\n",
			       i, r.seq, r.type, r.flags, r.cmd, len);
		ret = nl_raw_send(&nl, req, len);
		stats.sent++;
		if (ret) {
			/* Only the socket layer may refuse: never for these sizes. */
			fail(&r, strerror(-ret), NULL, 0);
			continue;
		}
		if (r.silent) {
			stats.silent++;
			continue;
		}
		if (!read_answer(&nl, &r))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	nl_raw_close(&nl);

	printf("%s (uid %u): seed %" PRIu64 ": %lu messages in %.1f s, %lu silently dropped by design, %lu acks, %lu replies, %lu dumps ended; errors:",
	       who, (unsigned int)geteuid(), seed, stats.sent,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       stats.silent, stats.acks, stats.replies, stats.dumps_done);
	for (i = 1; i < 256; i++)
		if (stats.errnos[i])
			printf(" %s %lu", strerrorname_np((int)i) ?: "?",
			       stats.errnos[i]);
	printf("; %lu failures\n", stats.failures);
	fflush(stdout);
	return stats.failures ? 1 : 0;
}

/* Registers an ODP MR so that region ids, ranges and prefetches have a
 * real target; NULL (and a note) when there is no device. */
static struct ibv_context *ctx;
static struct ibv_pd *pd;

static struct ibv_mr *make_region(struct nl_raw *nl)
{
	const char *name = getenv("RODP_DEV") ?: "rxe0";
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_mr *mr;
	void *buf;
	int i, ret;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!ctx) {
		printf("FAIL: no RDMA device %s for the live region\n", name);
		return NULL;
	}
	t.len = 64 * 4096;
	buf = mmap(NULL, t.len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pd = ibv_alloc_pd(ctx);
	if (buf == MAP_FAILED || !pd) {
		printf("FAIL: buffer or PD for the live region: %s\n",
		       strerror(errno));
		return NULL;
	}
	memset(buf, 0x5a, t.len);
	mr = ibv_reg_mr(pd, buf, t.len, IBV_ACCESS_ON_DEMAND |
			IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
	if (!mr) {
		printf("FAIL: no ODP MR on %s for the live region: %s\n",
		       name, strerror(errno));
		munmap(buf, t.len);
		return NULL;
	}
	t.addr = (uintptr_t)buf;
	ret = nl_raw_rodp_first_region(nl, t.family, t.self, &t.region_id);
	if (ret || !t.region_id) {
		printf("FAIL: rodp does not list the live ODP MR (%s)\n",
		       ret ? strerror(-ret) : "no region");
		ibv_dereg_mr(mr);
		munmap(buf, t.len);
		return NULL;
	}
	printf("live region %" PRIu64 " at 0x%" PRIx64 ", %" PRIu64 " bytes\n",
	       t.region_id, t.addr, t.len);
	return mr;
}

/*
 * A churn thread: ODP regions of CHURN_LEN created and destroyed as fast
 * as it can, each time one of four ways (deregistered whole; half
 * unmapped first, so rodp shrinks it; all unmapped first, so it dies
 * before its deregistration; pages discarded first).
 */
static void *churn_thread(void *arg)
{
	unsigned long n = (unsigned long)(uintptr_t)arg;
	struct ibv_mr *mr;
	size_t mapped;
	uint8_t *buf;

	while (!atomic_load(&churn_stop)) {
		buf = mmap(NULL, CHURN_LEN, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED) {
			atomic_fetch_add(&churn_errors, 1);
			break;
		}
		memset(buf, (int)n, CHURN_LEN);
		mr = ibv_reg_mr(pd, buf, CHURN_LEN, IBV_ACCESS_ON_DEMAND |
				IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_WRITE);
		if (!mr) {
			printf("FAIL: churn: ODP registration: %s\n",
			       strerror(errno));
			atomic_fetch_add(&churn_errors, 1);
			munmap(buf, CHURN_LEN);
			break;
		}
		atomic_fetch_add(&churn_made, 1);
		atomic_store(&churn_addr, (uintptr_t)buf);
		/*
		 * What is still mapped after this is unmapped at the end, and
		 * only that: another thread may map its buffer into a range
		 * this one gave back.
		 */
		mapped = CHURN_LEN;
		switch (n++ % 4) {
		case 1:
			munmap(buf + CHURN_LEN / 2, CHURN_LEN / 2);
			mapped = CHURN_LEN / 2;
			break;
		case 2:
			munmap(buf, CHURN_LEN);
			mapped = 0;
			break;
		case 3:
			madvise(buf, CHURN_LEN, MADV_DONTNEED);
			break;
		default:
			break;
		}
		if (ibv_dereg_mr(mr)) {
			printf("FAIL: churn: deregistration: %s\n",
			       strerror(errno));
			atomic_fetch_add(&churn_errors, 1);
		}
		if (mapped)
			munmap(buf, mapped);
	}
	return NULL;
}

/* The root phase's requests while nthreads churn threads run. */
static int churn_phase(uint64_t seed, unsigned long count,
		       unsigned int nthreads)
{
	pthread_t th[64];
	unsigned int i, started = 0;
	uint64_t made;
	int rc;

	atomic_store(&churn_stop, false);
	atomic_store(&churn_made, 0);
	atomic_store(&churn_errors, 0);
	atomic_store(&churn_addr, t.addr);
	for (i = 0; i < nthreads && i < 64; i++) {
		if (pthread_create(&th[i], NULL, churn_thread,
				   (void *)(uintptr_t)(i * 1000)))
			break;
		started++;
	}
	t.churn = true;
	rc = fuzz(seed, count, "root, regions churning");
	t.churn = false;
	atomic_store(&churn_stop, true);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	made = atomic_load(&churn_made);
	printf("churn: %u threads created and destroyed %" PRIu64 " ODP regions, %" PRIu64 " errors\n",
	       started, made, (uint64_t)atomic_load(&churn_errors));
	if (started != nthreads || !made || atomic_load(&churn_errors)) {
		printf("FAIL: churn: %u of %u threads started, %" PRIu64 " regions, %" PRIu64 " errors\n",
		       started, nthreads, made,
		       (uint64_t)atomic_load(&churn_errors));
		rc = 1;
	}
	return rc;
}

/*
 * Puts the global policy and the per-process policies the root phase may
 * have set (on the processes it names most) back, then reads them again:
 * 0, or 1 with the reason when a policy is not what it must be.
 */
static int restore_policies(struct nl_raw *nl, uint32_t global)
{
	uint32_t pids[] = { t.self, t.parent, 1 };
	uint32_t now;
	unsigned int i;
	int ret, rc = 0;

	for (i = 0; i < 3; i++) {
		ret = nl_raw_rodp_set_policy_of(nl, t.family,
						RODP_POLICY_SCOPE_PROCESS,
						pids[i], RODP_POLICY_DEFAULT);
		if (!ret)
			ret = nl_raw_rodp_get_policy(nl, t.family,
						     RODP_POLICY_SCOPE_PROCESS,
						     pids[i], &now);
		if (ret || now != RODP_POLICY_DEFAULT) {
			printf("FAIL: restoring pid %u's policy to default: %s\n",
			       pids[i], ret ? strerror(-ret) : "another read back");
			rc = 1;
		}
	}
	ret = nl_raw_rodp_set_policy(nl, t.family, RODP_POLICY_SCOPE_GLOBAL,
				     global);
	if (!ret)
		ret = nl_raw_rodp_get_policy(nl, t.family,
					     RODP_POLICY_SCOPE_GLOBAL, 0, &now);
	if (ret || now != global) {
		printf("FAIL: restoring the global policy %u: %s\n", global,
		       ret ? strerror(-ret) : "another read back");
		rc = 1;
	}
	if (!rc)
		printf("policies restored: global %u, pids %u %u 1 default (read back)\n",
		       global, t.self, t.parent);
	return rc;
}

static int unprivileged_phase(uint64_t seed, unsigned long count)
{
	pid_t child;
	int status;

	fflush(stdout);
	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY) ||
		    geteuid() != NOBODY) {
			perror("dropping to nobody");
			_exit(1);
		}
		t.privileged = false;
		t.parent = t.self;
		t.self = (uint32_t)getpid();
		_exit(fuzz(seed, count, "unprivileged"));
	}
	if (waitpid(child, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (!WIFEXITED(status)) {
		printf("FAIL: the unprivileged fuzzer died (status 0x%x)\n", status);
		return 1;
	}
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	unsigned long count = 5000;
	uint64_t seed = 0;
	bool root_phase = true, user_phase = true, churn = true;
	unsigned int threads = 2;
	struct ibv_mr *mr = NULL;
	struct nl_raw nl;
	uint32_t policy = 0;
	int opt, rc = 0, ret;

	while ((opt = getopt(argc, argv, "n:s:ruct:vh")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			user_phase = churn = false;
			break;
		case 'u':
			root_phase = churn = false;
			break;
		case 'c':
			root_phase = user_phase = false;
			break;
		case 't':
			threads = (unsigned int)strtoul(optarg, NULL, 0);
			if (!threads || threads > 64) {
				fprintf(stderr, "%s: -t takes 1 to 64\n",
					argv[0]);
				return 2;
			}
			break;
		case 'v':
			t.verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-n COUNT] [-s SEED] [-r | -u | -c] [-t THREADS] [-v]\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!seed) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		seed = (uint64_t)now.tv_sec * 1000003u + (uint64_t)now.tv_nsec;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("fuzz_netlink: seed %" PRIu64 " (replay: %s -s %" PRIu64 " -n %lu)\n",
	       seed, argv[0], seed, count);

	ret = nl_raw_open(&nl);
	if (ret) {
		printf("FAIL: netlink socket: %s\n", strerror(-ret));
		return 1;
	}
	t.family = nl_raw_family(&nl, RODP_FAMILY_NAME);
	if (t.family < 0) {
		printf("%s: no generic netlink family '%s' (%s): is rodp.ko loaded?\n",
		       getenv("RODP_REQUIRE_MODULE") ? "FAIL" : "SKIP",
		       RODP_FAMILY_NAME, strerror(-t.family));
		return getenv("RODP_REQUIRE_MODULE") ? 1 : 77;
	}
	t.self = (uint32_t)getpid();
	t.parent = (uint32_t)getppid();
	t.privileged = geteuid() == 0;

	if (t.privileged) {
		mr = make_region(&nl);
		ret = nl_raw_rodp_get_policy(&nl, t.family,
					     RODP_POLICY_SCOPE_GLOBAL, 0,
					     &policy);
		if (!mr || ret) {
			if (ret)
				printf("FAIL: reading the global policy: %s\n",
				       strerror(-ret));
			rc = 1;
			root_phase = user_phase = churn = false;
		} else {
			printf("global policy %u before fuzzing\n", policy);
		}
	} else {
		root_phase = churn = false;
	}
	if (root_phase)
		rc |= fuzz(seed, count, "root");
	if (user_phase && t.privileged)
		rc |= unprivileged_phase(seed + 1, count);
	else if (user_phase)
		rc |= fuzz(seed + 1, count, "unprivileged");
	if (churn)
		rc |= churn_phase(seed + 2, count, threads);
	if (t.privileged && mr)
		rc |= restore_policies(&nl, policy);
	if (mr) {
		ibv_dereg_mr(mr);
		munmap((void *)(uintptr_t)t.addr, t.len);
	}
	if (pd)
		ibv_dealloc_pd(pd);
	if (ctx)
		ibv_close_device(ctx);
	nl_raw_close(&nl);
	printf("fuzz_netlink: %s\n", rc ? "FAILED" : "clean");
	return rc ? 1 : 0;
}
