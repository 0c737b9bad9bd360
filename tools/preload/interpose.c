// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The interposed entry points: every call libibverbs exports that
 * registers an ordinary memory region. The installed verbs.h turns
 * ibv_reg_mr() and ibv_reg_mr_iova() into inline functions that call the
 * exported ibv_reg_mr, ibv_reg_mr_iova or ibv_reg_mr_iova2, so programs
 * reach one of those three (or ibv_reg_mr_ex in rdma-core >= 60).
 * rdma-core 65's ibv_reg_buf_mr (a buffer from ibv_alloc_buf(); its
 * ibv_rc_pingpong registers this way) and ibv_reg_mr_ex with
 * IBV_REG_MR_MASK_BUF are handled like ibv_reg_mr when the buffer is
 * ordinary memory, i.e. not backed by a dma-buf (buf_is_dmabuf()).
 * ibv_reg_dmabuf_mr, ibv_reg_dm_mr and dma-buf backed buffers are left
 * alone: device and dmabuf memory cannot be paged on demand.
 * ibv_rereg_mr keeps an ODP MR ODP, ibv_dereg_mr forgets it.
 *
 * Each wrapper finds the next definition with dlvsym(RTLD_NEXT) at the
 * version the program links against, and a per-thread depth keeps the
 * calls libibverbs makes between its own entry points from being
 * handled twice.
 *
 * The interposer never makes a working program fail: memory ODP cannot
 * serve (mapping.c) keeps the program's registration, and when the ODP
 * registration it made fails, the program's own registration is tried
 * with the program's own flags (both counted in the RODP_STATS report).
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <search.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rodp/rodp.h>

#include "preload.h"

/* verbs.h makes these two macros; this file defines the real functions. */
#undef ibv_reg_mr
#undef ibv_reg_mr_iova

/*
 * Buffers from ibv_alloc_buf() (rdma-core 65): interposed only when the
 * buffer's backing can be told, which takes ibv_export_buf_dmabuf_fd().
 */
#define PRELOAD_BUF (HAVE_DECL_IBV_REG_BUF_MR && \
		     HAVE_DECL_IBV_EXPORT_BUF_DMABUF_FD && \
		     HAVE_DECL_IBV_REG_MR_MASK_BUF)

#define EXPORT __attribute__((visibility("default")))

struct preload_counts preload_counts;

static __thread int depth;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static struct {
	struct ibv_mr *(*reg_mr)(struct ibv_pd *, void *, size_t, int);
	struct ibv_mr *(*reg_mr_iova)(struct ibv_pd *, void *, size_t,
				      uint64_t, int);
	struct ibv_mr *(*reg_mr_iova2)(struct ibv_pd *, void *, size_t,
				       uint64_t, unsigned int);
#if HAVE_DECL_IBV_REG_MR_EX
	struct ibv_mr *(*reg_mr_ex)(struct ibv_pd *, struct ibv_mr_init_attr *);
#endif
#if PRELOAD_BUF
	struct ibv_mr *(*reg_buf_mr)(struct ibv_pd *, struct ibv_buf *, void *,
				     size_t, int);
	int (*export_buf_dmabuf_fd)(struct ibv_buf *);
#endif
	int (*rereg_mr)(struct ibv_mr *, int, struct ibv_pd *, void *, size_t,
			int);
	int (*dereg_mr)(struct ibv_mr *);
} next;

/* The live ODP MRs, for rereg and dereg; a tsearch tree of pointers,
 * protected by odp_mrs_lock (held across fork by the atfork handlers). */
static void *odp_mrs;
static pthread_mutex_t odp_mrs_lock = PTHREAD_MUTEX_INITIALIZER;

/* A thread in tsearch() at fork would leave the child's lock held and
 * its tree half-changed: take the lock around fork. */
static void odp_mrs_prepare(void)
{
	pthread_mutex_lock(&odp_mrs_lock);
}

static void odp_mrs_parent(void)
{
	pthread_mutex_unlock(&odp_mrs_lock);
}

static void odp_mrs_child(void)
{
	pthread_mutex_init(&odp_mrs_lock, NULL);
}

static int ptr_cmp(const void *a, const void *b)
{
	return (uintptr_t)a < (uintptr_t)b ? -1 : (uintptr_t)a > (uintptr_t)b;
}

static void *next_sym(const char *name, const char *version)
{
	void *p = dlvsym(RTLD_NEXT, name, version);

	return p ? p : dlsym(RTLD_NEXT, name);
}

static void preload_init(void)
{
	next.reg_mr = next_sym("ibv_reg_mr", "IBVERBS_1.1");
	next.reg_mr_iova = next_sym("ibv_reg_mr_iova", "IBVERBS_1.7");
	next.reg_mr_iova2 = next_sym("ibv_reg_mr_iova2", "IBVERBS_1.8");
#if HAVE_DECL_IBV_REG_MR_EX
	next.reg_mr_ex = next_sym("ibv_reg_mr_ex", "IBVERBS_1.15");
#endif
#if PRELOAD_BUF
	next.reg_buf_mr = next_sym("ibv_reg_buf_mr", "IBVERBS_1.17");
	next.export_buf_dmabuf_fd = next_sym("ibv_export_buf_dmabuf_fd",
					     "IBVERBS_1.18");
#endif
	next.rereg_mr = next_sym("ibv_rereg_mr", "IBVERBS_1.1");
	next.dereg_mr = next_sym("ibv_dereg_mr", "IBVERBS_1.1");
	pthread_atfork(odp_mrs_prepare, odp_mrs_parent, odp_mrs_child);
	preload_report_init();
	preload_config_load();
	if (preload_cfg.stats)
		atexit(preload_report);
}

/* Constructors of other libraries may register before ours runs. */
__attribute__((constructor)) static void preload_ctor(void)
{
	pthread_once(&init_once, preload_init);
}

static void init(void)
{
	pthread_once(&init_once, preload_init);
}

/* Does @ctx's device serve every operation @access allows from ODP? */
static bool odp_serves(struct ibv_context *ctx, unsigned int access,
		       const char **why)
{
	enum rodp_transport tr[2] = { RODP_TRANSPORT_RC, RODP_TRANSPORT_UD };
	enum rodp_odp_reason reason;
	enum rodp_op ops[5];
	int nops = 0, ntr, i, j, err;

	ops[nops++] = RODP_OP_SEND;	/* any MR can be a gather source */
	if (access & IBV_ACCESS_LOCAL_WRITE)
		ops[nops++] = RODP_OP_RECV;
	if (access & IBV_ACCESS_REMOTE_WRITE)
		ops[nops++] = RODP_OP_WRITE;
	if (access & IBV_ACCESS_REMOTE_READ)
		ops[nops++] = RODP_OP_READ;
	if (access & IBV_ACCESS_REMOTE_ATOMIC)
		ops[nops++] = RODP_OP_ATOMIC;
	ntr = preload_cfg.ud ? 2 : 1;
	for (i = 0; i < ntr; i++)
		for (j = 0; j < nops; j++) {
			/* UD has no RDMA: only its SEND and RECV matter. */
			if (tr[i] == RODP_TRANSPORT_UD && ops[j] != RODP_OP_SEND &&
			    ops[j] != RODP_OP_RECV)
				continue;
			err = rodp_query_odp(ctx, tr[i], ops[j], &reason);
			if (err) {
				*why = err == EOPNOTSUPP ?
				       rodp_odp_reason_str(reason) : strerror(err);
				return false;
			}
		}
	return true;
}

/*
 * The access flags to register with, or -1 when the registration must
 * fail (RODP_MODE=require and no ODP). *made_odp says whether ODP was
 * added here.
 */
static long decide(struct ibv_pd *pd, unsigned int access, void *addr,
		   size_t length, bool *made_odp)
{
	const char *why = NULL;

	*made_odp = false;
	preload_count(regs);
	if (preload_cfg.mode == PRELOAD_MODE_OFF)
		return access;
	if (access & IBV_ACCESS_ON_DEMAND) {
		preload_count(odp);
		return access;
	}
	if (pd && odp_serves(pd->context, access, &why)) {
		if (!preload_mapping_odp_ok(addr, length, &why)) {
			/* Not the device's limit: the memory's. Even
			 * RODP_MODE=require keeps it as the program asked. */
			preload_count(special);
			if (preload_cfg.verbose)
				preload_log("%p, %zu bytes, access %#x: left "
					    "pinned (%s)", addr, length, access,
					    why);
			return access;
		}
		*made_odp = true;
		if (preload_cfg.verbose)
			preload_log("%s: %zu bytes, access %#x: ODP",
				    ibv_get_device_name(pd->context->device),
				    length, access);
		return access | IBV_ACCESS_ON_DEMAND;
	}
	if (preload_cfg.mode == PRELOAD_MODE_REQUIRE) {
		preload_count(refused);
		preload_log("%zu bytes, access %#x: no ODP (%s); RODP_MODE=require "
			    "refuses the registration", length, access,
			    why ? why : "no device");
		return -1;
	}
	preload_count(pinned);
	if (preload_cfg.verbose)
		preload_log("%zu bytes, access %#x: left pinned (%s)", length,
			    access, why ? why : "no device");
	return access;
}

static void prefetch(struct ibv_mr *mr, unsigned int access)
{
	struct ibv_sge sge;
	size_t off, chunk;
	int err;

	for (off = 0; off < mr->length; off += chunk) {
		chunk = mr->length - off;
		if (chunk > (1UL << 30))
			chunk = 1UL << 30;
		sge.addr = (uintptr_t)mr->addr + off;
		sge.length = chunk;
		sge.lkey = mr->lkey;
		err = ibv_advise_mr(mr->pd, access & (IBV_ACCESS_LOCAL_WRITE |
				    IBV_ACCESS_REMOTE_WRITE) ?
				    IBV_ADVISE_MR_ADVICE_PREFETCH_WRITE :
				    IBV_ADVISE_MR_ADVICE_PREFETCH,
				    IBV_ADVISE_MR_FLAG_FLUSH, &sge, 1);
		if (err) {
			preload_count(prefetch_failed);
			if (preload_cfg.verbose)
				preload_log("ibv_advise_mr: %s", strerror(err));
			return;
		}
	}
	preload_count(prefetched);
}

/*
 * The ODP registration the interposer made failed: may the program's own
 * (pinned) one be tried? Not under RODP_MODE=require, which asked for ODP
 * or nothing. Counted; the ODP failure is logged when verbose.
 */
static bool retry_pinned(unsigned int access, size_t length)
{
	if (preload_cfg.mode == PRELOAD_MODE_REQUIRE)
		return false;
	preload_count(odp_retried);
	if (preload_cfg.verbose)
		preload_log("%zu bytes, access %#x: the ODP registration "
			    "failed (%s); registering as the program asked",
			    length, access, strerror(errno));
	return true;
}

/* After the real call: count, remember, prefetch. */
static struct ibv_mr *done(struct ibv_mr *mr, unsigned int access,
			   bool made_odp)
{
	if (!mr) {
		preload_count(failed);
		return NULL;
	}
	if (made_odp)
		preload_count(odp);
	if (access & IBV_ACCESS_ON_DEMAND) {
		pthread_mutex_lock(&odp_mrs_lock);
		tsearch(mr, &odp_mrs, ptr_cmp);
		pthread_mutex_unlock(&odp_mrs_lock);
	}
	if ((access & IBV_ACCESS_ON_DEMAND) && preload_cfg.prefetch)
		prefetch(mr, access);
	return mr;
}

#define ENTER(real)						\
	do {							\
		init();						\
		if (!(real)) {					\
			errno = ENOSYS;				\
			return NULL;				\
		}						\
	} while (0)

EXPORT struct ibv_mr *ibv_reg_mr(struct ibv_pd *pd, void *addr,
				 size_t length, int access)
{
	struct ibv_mr *mr;
	bool made;
	long acc;

	ENTER(next.reg_mr);
	if (depth)
		return next.reg_mr(pd, addr, length, access);
	acc = decide(pd, access, addr, length, &made);
	if (acc < 0) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	depth++;
	mr = next.reg_mr(pd, addr, length, (int)acc);
	if (!mr && made && retry_pinned(access, length)) {
		acc = access;
		made = false;
		mr = next.reg_mr(pd, addr, length, access);
		if (mr)
			preload_count(odp_retry_ok);
	}
	depth--;
	return done(mr, acc, made);
}

EXPORT struct ibv_mr *ibv_reg_mr_iova(struct ibv_pd *pd, void *addr,
				      size_t length, uint64_t iova, int access)
{
	struct ibv_mr *mr;
	bool made;
	long acc;

	ENTER(next.reg_mr_iova);
	if (depth)
		return next.reg_mr_iova(pd, addr, length, iova, access);
	acc = decide(pd, access, addr, length, &made);
	if (acc < 0) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	depth++;
	mr = next.reg_mr_iova(pd, addr, length, iova, (int)acc);
	if (!mr && made && retry_pinned(access, length)) {
		acc = access;
		made = false;
		mr = next.reg_mr_iova(pd, addr, length, iova, access);
		if (mr)
			preload_count(odp_retry_ok);
	}
	depth--;
	return done(mr, acc, made);
}

EXPORT struct ibv_mr *ibv_reg_mr_iova2(struct ibv_pd *pd, void *addr,
				       size_t length, uint64_t iova,
				       unsigned int access)
{
	struct ibv_mr *mr;
	bool made;
	long acc;

	ENTER(next.reg_mr_iova2);
	if (depth)
		return next.reg_mr_iova2(pd, addr, length, iova, access);
	acc = decide(pd, access, addr, length, &made);
	if (acc < 0) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	depth++;
	mr = next.reg_mr_iova2(pd, addr, length, iova, (unsigned int)acc);
	if (!mr && made && retry_pinned(access, length)) {
		acc = access;
		made = false;
		mr = next.reg_mr_iova2(pd, addr, length, iova, access);
		if (mr)
			preload_count(odp_retry_ok);
	}
	depth--;
	return done(mr, acc, made);
}

#if PRELOAD_BUF
/*
 * Is the ibv_alloc_buf() buffer @buf backed by a dma-buf (device memory,
 * left alone), or can that not be told? The handle is opaque; the one
 * public question is ibv_export_buf_dmabuf_fd(), which answers ENODATA
 * for ordinary memory (rxe and every provider without its own allocator:
 * posix_memalign; mlx5: anonymous or huge pages) and an fd, closed here,
 * for a dma-buf. errno is the caller's again on return.
 */
static bool buf_is_dmabuf(struct ibv_buf *buf)
{
	int saved = errno, fd;
	bool dmabuf;

	if (!buf || !next.export_buf_dmabuf_fd)
		return true;
	fd = next.export_buf_dmabuf_fd(buf);
	if (fd >= 0)
		close(fd);
	dmabuf = fd >= 0 || errno != ENODATA;
	errno = saved;
	return dmabuf;
}

/* libibverbs' ibv_reg_buf_mr() calls ibv_reg_mr_ex() with the buffer's
 * mask: the depth passes that call through. */
EXPORT struct ibv_mr *ibv_reg_buf_mr(struct ibv_pd *pd, struct ibv_buf *buf,
				     void *addr, size_t length, int access)
{
	struct ibv_mr *mr;
	bool made;
	long acc;

	ENTER(next.reg_buf_mr);
	if (depth || buf_is_dmabuf(buf))
		return next.reg_buf_mr(pd, buf, addr, length, access);
	acc = decide(pd, access, addr, length, &made);
	if (acc < 0) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	depth++;
	mr = next.reg_buf_mr(pd, buf, addr, length, (int)acc);
	if (!mr && made && retry_pinned(access, length)) {
		acc = access;
		made = false;
		mr = next.reg_buf_mr(pd, buf, addr, length, access);
		if (mr)
			preload_count(odp_retry_ok);
	}
	depth--;
	return done(mr, acc, made);
}
#endif

#if HAVE_DECL_IBV_REG_MR_EX
/* The masks came one by one after ibv_reg_mr_ex(); one this rdma-core
 * does not name cannot be set by a program built against it either. */
#if HAVE_DECL_IBV_REG_MR_MASK_FD
#define PRELOAD_MASK_FD IBV_REG_MR_MASK_FD
#else
#define PRELOAD_MASK_FD 0
#endif
#if HAVE_DECL_IBV_REG_MR_MASK_BUF
#define PRELOAD_MASK_BUF IBV_REG_MR_MASK_BUF
#else
#define PRELOAD_MASK_BUF 0
#endif

EXPORT struct ibv_mr *ibv_reg_mr_ex(struct ibv_pd *pd,
				    struct ibv_mr_init_attr *attr)
{
	struct ibv_mr_init_attr copy;
	struct ibv_mr *mr;
	bool made;
	long acc;

	ENTER(next.reg_mr_ex);
	/* Only ordinary memory: no dmabuf fd, no dma-buf backed buffer. */
	if (depth || !attr || !(attr->comp_mask & IBV_REG_MR_MASK_ADDR) ||
	    (attr->comp_mask & PRELOAD_MASK_FD))
		return next.reg_mr_ex(pd, attr);
#if PRELOAD_BUF
	if ((attr->comp_mask & IBV_REG_MR_MASK_BUF) && buf_is_dmabuf(attr->buf))
		return next.reg_mr_ex(pd, attr);
#else
	if (attr->comp_mask & PRELOAD_MASK_BUF)
		return next.reg_mr_ex(pd, attr);
#endif
	acc = decide(pd, attr->access, attr->addr, attr->length, &made);
	if (acc < 0) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	copy = *attr;
	copy.access = (int)acc;
	depth++;
	mr = next.reg_mr_ex(pd, &copy);
	if (!mr && made && retry_pinned(attr->access, attr->length)) {
		acc = attr->access;
		made = false;
		mr = next.reg_mr_ex(pd, attr);
		if (mr)
			preload_count(odp_retry_ok);
	}
	depth--;
	return done(mr, acc, made);
}
#endif

static bool forget(struct ibv_mr *mr)
{
	bool was;

	pthread_mutex_lock(&odp_mrs_lock);
	was = tfind(mr, &odp_mrs, ptr_cmp) != NULL;
	if (was)
		tdelete(mr, &odp_mrs, ptr_cmp);
	pthread_mutex_unlock(&odp_mrs_lock);
	return was;
}

EXPORT int ibv_rereg_mr(struct ibv_mr *mr, int flags, struct ibv_pd *pd,
			void *addr, size_t length, int access)
{
	bool odp;
	int ret;

	init();
	if (!next.rereg_mr)
		return ENOSYS;
	if (depth || !mr)
		return next.rereg_mr(mr, flags, pd, addr, length, access);
	pthread_mutex_lock(&odp_mrs_lock);
	odp = tfind(mr, &odp_mrs, ptr_cmp) != NULL;
	pthread_mutex_unlock(&odp_mrs_lock);
	/* The kernel cannot turn ODP off in rereg: keep it on. */
	if (odp && (flags & IBV_REREG_MR_CHANGE_ACCESS))
		access |= IBV_ACCESS_ON_DEMAND;
	preload_count(rereg);
	depth++;
	ret = next.rereg_mr(mr, flags, pd, addr, length, access);
	depth--;
	return ret;
}

EXPORT int ibv_dereg_mr(struct ibv_mr *mr)
{
	int ret;

	init();
	if (!next.dereg_mr)
		return ENOSYS;
	if (depth || !mr)
		return next.dereg_mr(mr);
	preload_count(dereg);
	/* rodp.ko forgets a process with its last region: read it first. */
	if (forget(mr) && preload_cfg.stats)
		preload_stats_snapshot();
	depth++;
	ret = next.dereg_mr(mr);
	depth--;
	return ret;
}
