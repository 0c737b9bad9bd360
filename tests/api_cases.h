/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Table-driven robustness cases of librodp's public calls, shared by the
 * host suite (tests/unit/test_api_args.c) and the guest suite
 * (tests/func/test_lib_args.c).
 *
 * A case is one call with one bad (or borderline) argument and the exact
 * result the man page promises. For every failing case the runner checks
 * that rodp_last_error_msg() says something and that the errno's name is
 * listed in the function's man page (man/NAME.3.md, found by its SYNOPSIS),
 * so code and documentation cannot drift apart for the cases tested.
 */
#ifndef RODP_API_CASES_H
#define RODP_API_CASES_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <rodp/rodp.h>

struct api_case {
	const char *fn;		/* the public function called */
	const char *what;	/* the argument under test, in words */
	/* Makes the call; returns its error: the positive errno an int call
	 * returned, errno after a NULL or -1 return, or 0 on success. */
	int (*call)(void);
	int want;		/* the documented result */
};

/* Pointer calls: NULL + errno, success 0. */
#define API_PTR_ERR(p) ((p) ? 0 : (errno ? errno : -1))

/* A case's call: CALL for int calls, PCALL for pointer calls. */
#define CALL(name, expr) static int name(void) { return (expr); }
#define PCALL(name, expr) static int name(void) { return API_PTR_ERR(expr); }

/* One table entry: CASE(rodp_reg_mr, "length 0", r_zero, EINVAL). */
#define CASE(fn, what, call, want) { #fn, what, call, want }

static inline const char *api_errno_name(int e)
{
	static const struct { int e; const char *name; } names[] = {
		{ EINVAL, "EINVAL" }, { EBADF, "EBADF" }, { ENODEV, "ENODEV" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOENT, "ENOENT" },
		{ ESRCH, "ESRCH" }, { EPERM, "EPERM" }, { EAGAIN, "EAGAIN" },
		{ EFAULT, "EFAULT" }, { ENOMEM, "ENOMEM" }, { EPROTO, "EPROTO" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	return NULL;
}

/* The whole text of a file (malloc()ed), or NULL. */
static inline char *api_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
		buf[fread(buf, 1, (size_t)n, f)] = '\0';
	}
	fclose(f);
	return buf;
}

/*
 * The text of the man page that documents fn: man/fn.3.md, or the page
 * whose SYNOPSIS declares it (pages document families of calls). The
 * source tree is $srcdir/../.. as automake's harness sets srcdir.
 */
static inline char *api_man_page(const char *fn)
{
	static const char *const pages[] = {
		"rodp_dereg_mr", "rodp_get_event", "rodp_get_mr_stats",
		"rodp_get_regions", "rodp_get_stats", "rodp_open",
		"rodp_prefetch_mr", "rodp_query_odp", "rodp_reg_mr",
		"rodp_set_policy",
	};
	const char *srcdir = getenv("srcdir") ? getenv("srcdir") : ".";
	char path[4096], decl[128];
	size_t i;

	snprintf(decl, sizeof(decl), "%s(", fn);
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		char *text, *syn, *end;

		snprintf(path, sizeof(path), "%s/../../man/%s.3.md", srcdir,
			 pages[i]);
		text = api_slurp(path);
		if (!text)
			continue;
		syn = strstr(text, "# SYNOPSIS");
		end = syn ? strstr(syn, "# DESCRIPTION") : NULL;
		if (syn && end) {
			*end = '\0';
			if (strstr(syn, decl)) {
				*end = '#';
				return text;
			}
		}
		free(text);
	}
	return NULL;
}

/* Runs every case; one CUnit assertion per property, a line per miss. */
static inline void api_run_cases(const struct api_case *c, size_t n)
{
	struct rodp_lib_stats reset;
	size_t i;

	for (i = 0; i < n; i++, c++) {
		char bold[64], *page;
		const char *name;
		int got;

		/* A successful call clears the previous case's message. */
		CU_ASSERT_EQUAL(rodp_get_lib_stats(&reset, sizeof(reset)), 0);
		errno = 0;
		got = c->call();
		if (got != c->want)
			printf("\n    %s (%s): got %d (%s), want %d (%s)", c->fn,
			       c->what, got, strerror(got > 0 ? got : 0),
			       c->want, strerror(c->want));
		CU_ASSERT_EQUAL(got, c->want);
		if (!c->want)
			continue;
		if (!*rodp_last_error_msg())
			printf("\n    %s (%s): no rodp_last_error_msg()", c->fn,
			       c->what);
		CU_ASSERT_NOT_EQUAL(rodp_last_error_msg()[0], '\0');

		name = api_errno_name(c->want);
		page = api_man_page(c->fn);
		CU_ASSERT_PTR_NOT_NULL(name);
		if (!page)
			printf("\n    %s: no man page declares it", c->fn);
		CU_ASSERT_PTR_NOT_NULL(page);
		if (!name || !page) {
			free(page);
			continue;
		}
		snprintf(bold, sizeof(bold), "**%s**", name);
		if (!strstr(page, bold))
			printf("\n    %s (%s): %s is not in its man page", c->fn,
			       c->what, name);
		CU_ASSERT_PTR_NOT_NULL(strstr(page, bold));
		free(page);
	}
}

#endif /* RODP_API_CASES_H */
