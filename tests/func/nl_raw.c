// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Raw generic netlink for the reliability tests; see nl_raw.h. */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/rodp.h>

#include "nl_raw.h"

int nl_raw_open(struct nl_raw *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, rcvbuf = 1 << 20;

	nl->seq = 1;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) ||
	    setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		       sizeof(rcvbuf)) ||
	    bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(nl->fd);
		nl->fd = -1;
		return err;
	}
	return 0;
}

void nl_raw_close(struct nl_raw *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

int nl_raw_send(struct nl_raw *nl, const void *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	if (sendto(nl->fd, buf, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	return 0;
}

int nl_raw_recv(struct nl_raw *nl, void *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = nl->fd, .events = POLLIN };
	ssize_t n;
	int r;

	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	n = recv(nl->fd, buf, len, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	return (int)n;
}

bool nl_raw_put(void *buf, size_t cap, size_t *off, uint16_t type,
		const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)buf + *off);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (*off + total > cap || NLA_HDRLEN + len > UINT16_MAX)
		return false;
	nla->nla_type = type;
	nla->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	memset((char *)nla + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	*off += total;
	return true;
}

bool nl_raw_walk(const void *data, size_t len,
		 bool (*fn)(uint16_t type, const void *payload, size_t plen,
			    void *arg),
		 void *arg)
{
	const char *p = data;
	size_t off = 0;

	while (off < len) {
		const struct nlattr *nla = (const void *)(p + off);

		if (len - off < NLA_HDRLEN || nla->nla_len < NLA_HDRLEN ||
		    nla->nla_len > len - off)
			return false;
		if (fn && !fn(nla->nla_type & NLA_TYPE_MASK, p + off + NLA_HDRLEN,
			nla->nla_len - NLA_HDRLEN, arg))
			return false;
		off += NLA_ALIGN(nla->nla_len);
	}
	return true;
}

long nl_raw_find_kernel_address(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i, j;

	for (i = 0; i + 8 <= len; i += 4) {
		uint64_t v;

		memcpy(&v, p + i, 8);
		if (v >= 0xffff800000000000ULL && v < 0xfffffffffffff000ULL)
			return (long)i;
	}
	for (i = 0; i + 16 <= len; i++) {
		if (strncasecmp((const char *)p + i, "ffff", 4) ||
		    !strchr("89abcdefABCDEF", p[i + 4]))
			continue;
		for (j = 5; j < 16 && isxdigit(p[i + j]); j++)
			;
		if (j == 16)
			return (long)i;
	}
	return -1;
}

static bool attr_stream_ok(const unsigned char *p, size_t len)
{
	size_t off = 0;

	if (!len)
		return false;
	while (off < len) {
		const struct nlattr *nla = (const void *)(p + off);

		if (len - off < NLA_HDRLEN || nla->nla_len < NLA_HDRLEN ||
		    nla->nla_len > len - off)
			return false;
		off += NLA_ALIGN(nla->nla_len);
	}
	return true;
}

static long scan_attrs(const unsigned char *base, const unsigned char *p,
		       size_t len, int depth)
{
	size_t off = 0;
	long hit;

	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *nla = (const void *)(p + off);
		const unsigned char *pl = p + off + NLA_HDRLEN;
		size_t plen;

		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len - off)
			break;
		plen = nla->nla_len - NLA_HDRLEN;
		/* A payload that parses as attributes is a nest: look into
		 * it, since read flat its headers would pair up with the
		 * values next to them. Any other payload is a value, and so
		 * is every 8-byte one (a u64 may parse as a nest by chance). */
		if (depth < 8 && attr_stream_ok(pl, plen)) {
			hit = scan_attrs(base, pl, plen, depth + 1);
			if (hit >= 0)
				return hit;
		}
		if (plen == 8 || depth >= 8 || !attr_stream_ok(pl, plen)) {
			hit = nl_raw_find_kernel_address(pl, plen);
			if (hit >= 0)
				return (long)(pl - base) + hit;
		}
		off += NLA_ALIGN(nla->nla_len);
	}
	return -1;
}

long nl_raw_scan_attrs(const void *attrs, size_t len)
{
	return scan_attrs(attrs, attrs, len, 0);
}

/* ---- small queries ---- */

static size_t genl_start(void *buf, int family, uint8_t cmd, uint16_t flags,
			 uint32_t seq)
{
	struct nlmsghdr *nlh = buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = (uint16_t)family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = 1;
	return NLMSG_HDRLEN + GENL_HDRLEN;
}

struct find_arg {
	uint16_t want;
	const void *payload;
	size_t plen;
};

static bool find_attr(uint16_t type, const void *payload, size_t plen,
		      void *arg)
{
	struct find_arg *f = arg;

	if (type == f->want && !f->payload) {
		f->payload = payload;
		f->plen = plen;
	}
	return true;
}

/* Runs one request; for each reply payload of the family (past the genl
 * header) calls fn. Returns 0 or the negative errno the kernel answered. */
static int nl_raw_transact(struct nl_raw *nl, void *req, size_t len,
			   void (*fn)(const void *attrs, size_t alen,
				      void *arg),
			   void *arg)
{
	const size_t cap = 65536;
	struct nlmsghdr *nlh = req;
	uint32_t seq = nlh->nlmsg_seq;
	char *buf;
	int n, ret;

	nlh->nlmsg_len = (uint32_t)len;
	ret = nl_raw_send(nl, req, len);
	if (ret)
		return ret;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		n = nl_raw_recv(nl, buf, cap, 10000);
		if (n <= 0) {
			ret = n ? n : -ETIMEDOUT;
			break;
		}
		for (nlh = (void *)buf; NLMSG_OK(nlh, (unsigned int)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				ret = ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				goto out_free_buf;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out_free_buf;
			}
			if (fn && nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN)
				fn((char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
				   nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
				   arg);
		}
	}
out_free_buf:
	free(buf);
	return ret;
}

static void family_reply(const void *attrs, size_t alen, void *arg)
{
	struct find_arg f = { .want = CTRL_ATTR_FAMILY_ID };

	if (nl_raw_walk(attrs, alen, find_attr, &f) && f.payload &&
	    f.plen >= 2)
		*(int *)arg = *(const uint16_t *)f.payload;
}

int nl_raw_family(struct nl_raw *nl, const char *name)
{
	char req[256];
	size_t off;
	int id = -ENOENT, ret;

	off = genl_start(req, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0, nl->seq++);
	if (!nl_raw_put(req, sizeof(req), &off, CTRL_ATTR_FAMILY_NAME, name,
			strlen(name) + 1))
		return -EINVAL;
	ret = nl_raw_transact(nl, req, off, family_reply, &id);
	return ret ? ret : id;
}

struct stat_arg {
	uint16_t stat;
	uint64_t *value;
	bool found;
};

static void stats_reply(const void *attrs, size_t alen, void *arg)
{
	struct find_arg f = { .want = RODP_A_STATS };
	struct stat_arg *s = arg;
	struct find_arg one;

	if (!nl_raw_walk(attrs, alen, find_attr, &f) || !f.payload)
		return;
	one = (struct find_arg){ .want = s->stat };
	if (nl_raw_walk(f.payload, f.plen, find_attr, &one) && one.payload &&
	    one.plen == 8) {
		memcpy(s->value, one.payload, 8);
		s->found = true;
	}
}

int nl_raw_rodp_global_stat(struct nl_raw *nl, int family, uint16_t stat,
			    uint64_t *value)
{
	struct stat_arg s = { .stat = stat, .value = value };
	char req[64];
	size_t off;
	int ret;

	off = genl_start(req, family, RODP_CMD_STATS_GET, 0, nl->seq++);
	ret = nl_raw_transact(nl, req, off, stats_reply, &s);
	if (!ret && !s.found)
		ret = -ENODATA;
	return ret;
}

int nl_raw_rodp_proc_stat(struct nl_raw *nl, int family, uint32_t tgid,
			  uint16_t stat, uint64_t *value)
{
	struct stat_arg s = { .stat = stat, .value = value };
	char req[64];
	size_t off;
	int ret;

	off = genl_start(req, family, RODP_CMD_STATS_GET, 0, nl->seq++);
	if (!nl_raw_put(req, sizeof(req), &off, RODP_A_PID, &tgid,
			sizeof(tgid)))
		return -EINVAL;
	ret = nl_raw_transact(nl, req, off, stats_reply, &s);
	if (!ret && !s.found)
		ret = -ENODATA;
	return ret;
}

static void region_reply(const void *attrs, size_t alen, void *arg)
{
	struct find_arg f = { .want = RODP_A_REGION_ID };
	uint64_t *id = arg;

	if (!*id && nl_raw_walk(attrs, alen, find_attr, &f) && f.payload &&
	    f.plen == 8)
		memcpy(id, f.payload, 8);
}

int nl_raw_rodp_first_region(struct nl_raw *nl, int family, uint32_t tgid,
			     uint64_t *id)
{
	char req[64];
	size_t off;

	*id = 0;
	off = genl_start(req, family, RODP_CMD_REGION_GET, NLM_F_DUMP,
			 nl->seq++);
	if (!nl_raw_put(req, sizeof(req), &off, RODP_A_PID, &tgid,
			sizeof(tgid)))
		return -EINVAL;
	return nl_raw_transact(nl, req, off, region_reply, id);
}

int nl_raw_rodp_set_policy(struct nl_raw *nl, int family, uint32_t scope,
			   uint32_t policy)
{
	return nl_raw_rodp_set_policy_of(nl, family, scope, 0, policy);
}

int nl_raw_rodp_set_policy_of(struct nl_raw *nl, int family, uint32_t scope,
			      uint32_t pid, uint32_t policy)
{
	char req[64];
	size_t off;

	off = genl_start(req, family, RODP_CMD_POLICY_SET, 0, nl->seq++);
	if (!nl_raw_put(req, sizeof(req), &off, RODP_A_POLICY_SCOPE, &scope,
			sizeof(scope)) ||
	    !nl_raw_put(req, sizeof(req), &off, RODP_A_POLICY, &policy,
			sizeof(policy)) ||
	    (pid && !nl_raw_put(req, sizeof(req), &off, RODP_A_PID, &pid,
				sizeof(pid))))
		return -EINVAL;
	return nl_raw_transact(nl, req, off, NULL, NULL);
}

struct policy_arg {
	uint32_t *policy;
	bool found;
};

static void policy_reply(const void *attrs, size_t alen, void *arg)
{
	struct find_arg f = { .want = RODP_A_POLICY };
	struct policy_arg *p = arg;

	if (nl_raw_walk(attrs, alen, find_attr, &f) && f.payload &&
	    f.plen == 4) {
		memcpy(p->policy, f.payload, 4);
		p->found = true;
	}
}

int nl_raw_rodp_get_policy(struct nl_raw *nl, int family, uint32_t scope,
			   uint32_t pid, uint32_t *policy)
{
	struct policy_arg p = { .policy = policy };
	char req[64];
	size_t off;
	int ret;

	off = genl_start(req, family, RODP_CMD_POLICY_GET, 0, nl->seq++);
	if (!nl_raw_put(req, sizeof(req), &off, RODP_A_POLICY_SCOPE, &scope,
			sizeof(scope)) ||
	    (pid && !nl_raw_put(req, sizeof(req), &off, RODP_A_PID, &pid,
				sizeof(pid))))
		return -EINVAL;
	ret = nl_raw_transact(nl, req, off, policy_reply, &p);
	if (!ret && !p.found)
		ret = -ENODATA;
	return ret;
}

int nl_raw_rodp_region_cmd(struct nl_raw *nl, int family, uint8_t cmd,
			   uint64_t id)
{
	char req[64];
	size_t off;

	off = genl_start(req, family, cmd, 0, nl->seq++);
	if (!nl_raw_put(req, sizeof(req), &off, RODP_A_REGION_ID, &id,
			sizeof(id)))
		return -EINVAL;
	return nl_raw_transact(nl, req, off, NULL, NULL);
}
