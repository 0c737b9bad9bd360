// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Argument validation and error mapping of the public calls, without a
 * kernel module or an RDMA device: every bad argument gives the documented
 * errno, libnl's negative NLE_* codes never leak, and a context inherited
 * across fork is refused with EBADF.
 */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <netlink/errno.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"

static void test_nle_mapping(void)
{
	static const struct { int nle, err; } map[] = {
		{ NLE_NOMEM, ENOMEM }, { NLE_PERM, EPERM },
		{ NLE_INVAL, EINVAL }, { NLE_MISSING_ATTR, EINVAL },
		{ NLE_RANGE, ERANGE }, { NLE_MSGSIZE, EMSGSIZE },
		{ NLE_OPNOTSUPP, EOPNOTSUPP }, { NLE_OBJ_NOTFOUND, ENOENT },
		{ NLE_NODEV, ENODEV }, { NLE_BUSY, EBUSY },
		{ NLE_AGAIN, EAGAIN }, { NLE_INTR, EINTR },
		{ NLE_PROTO_MISMATCH, EPROTO }, { NLE_PARSE_ERR, EPROTO },
		{ NLE_NOACCESS, EACCES }, { NLE_BAD_SOCK, EBADF },
		{ NLE_EXIST, EEXIST }, { NLE_SEQ_MISMATCH, EIO },
	};
	size_t i;
	int nle;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		CU_ASSERT_EQUAL(rodp_nl_errno(-map[i].nle), map[i].err);
		CU_ASSERT_EQUAL(rodp_nl_errno(map[i].nle), map[i].err);
	}
	CU_ASSERT_EQUAL(rodp_nl_errno(0), 0);
	/* Whatever libnl says, the answer is a positive errno. */
	for (nle = -NLE_MAX - 5; nle <= NLE_MAX + 5; nle++)
		if (nle)
			CU_ASSERT_TRUE(rodp_nl_errno(nle) > 0);
}

static void test_null_context(void)
{
	enum rodp_policy_mode p;
	struct rodp_stats s;

	CU_ASSERT_EQUAL(rodp_get_stats(NULL, 0, &s, sizeof(s)), EINVAL);
	CU_ASSERT_EQUAL(rodp_set_policy(NULL, RODP_POLICY_MODE_STOCK), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_policy(NULL, &p), EINVAL);
	CU_ASSERT_EQUAL(rodp_set_global_policy(NULL, RODP_POLICY_MODE_STOCK),
			EINVAL);
	CU_ASSERT_EQUAL(rodp_get_global_policy(NULL, &p), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_process_policy(NULL, 1, &p), EINVAL);
	CU_ASSERT_EQUAL(rodp_set_process_policy(NULL, 1, RODP_POLICY_MODE_STOCK),
			EINVAL);
	CU_ASSERT_EQUAL(rodp_get_regions(NULL, 0, NULL, NULL), EINVAL);
	CU_ASSERT_EQUAL(rodp_nl_request(NULL, RODP_CMD_STATS_GET, 0, NULL,
					NULL, NULL), EINVAL);
	rodp_close(NULL);
}

/* A context whose opener is another process, as a child sees it. */
static void test_inherited_context(void)
{
	struct rodp_ctx fake;
	enum rodp_policy_mode p;
	struct rodp_stats s;
	struct rodp_event ev;

	memset(&fake, 0, sizeof(fake));
	pthread_mutex_init(&fake.lock, NULL);
	fake.pid = getpid() + 1;
	CU_ASSERT_EQUAL(rodp_ctx_check(&fake), EBADF);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "parent"));
	CU_ASSERT_EQUAL(rodp_get_stats(&fake, 0, &s, sizeof(s)), EBADF);
	CU_ASSERT_EQUAL(rodp_get_policy(&fake, &p), EBADF);
	CU_ASSERT_EQUAL(rodp_get_event(&fake, &ev, sizeof(ev)), EBADF);
	errno = 0;
	CU_ASSERT_EQUAL(rodp_get_event_fd(&fake), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
	fake.pid = getpid();
	CU_ASSERT_EQUAL(rodp_ctx_check(&fake), 0);
	pthread_mutex_destroy(&fake.lock);
}

static void test_mr_calls_without_device(void)
{
	struct rodp_mr_stats st;
	struct rodp_lib_stats l;
	struct rodp_reg_mr_attr attr = { .length = 4096 };

	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_reg_mr(NULL, NULL, 4096, 0, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(rodp_last_error_msg(), "pd"));
	errno = 0;
	CU_ASSERT_PTR_NULL(rodp_reg_mr_ex(NULL, &attr));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_EQUAL(rodp_dereg_mr(NULL), EINVAL);
	CU_ASSERT_EQUAL(rodp_mr_is_odp(NULL), 0);
	CU_ASSERT_EQUAL(rodp_prefetch_mr(NULL, NULL, 1, 0), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_mr_stats(NULL, &st, sizeof(st)), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(NULL, sizeof(l)), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l, 0), EINVAL);
	CU_ASSERT_EQUAL(rodp_get_lib_stats(&l, sizeof(l)), 0);
	CU_ASSERT_EQUAL(l.reg_calls, 2);
	CU_ASSERT_EQUAL(l.reg_failed, 2);
	CU_ASSERT_EQUAL(l.mrs_tracked, 0);
}

static void test_policy_names(void)
{
	CU_ASSERT_STRING_EQUAL(rodp_policy_str(RODP_POLICY_MODE_DEFAULT),
			       "default");
	CU_ASSERT_STRING_EQUAL(rodp_policy_str(RODP_POLICY_MODE_EVENT_AWARE),
			       "event-aware");
	CU_ASSERT_STRING_EQUAL(rodp_policy_str(RODP_POLICY_MODE_STOCK), "stock");
	CU_ASSERT_STRING_EQUAL(rodp_policy_str((enum rodp_policy_mode)42),
			       "unknown");
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_nle_mapping),
		RODP_TEST(test_null_context),
		RODP_TEST(test_inherited_context),
		RODP_TEST(test_mr_calls_without_device),
		RODP_TEST(test_policy_names),
	};

	return rodp_cunit_run("api_args", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
