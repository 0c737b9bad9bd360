// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * RODP_* environment configuration of the preload library, read once
 * when it is loaded. Unknown values are reported and the default kept:
 * an interposer must never stop a program it was not asked to stop.
 */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"

struct preload_config preload_cfg = { .mode = PRELOAD_MODE_ODP };

static const char *const mode_names[] = {
	[PRELOAD_MODE_ODP] = "odp",
	[PRELOAD_MODE_REQUIRE] = "require",
	[PRELOAD_MODE_OFF] = "off",
};

void preload_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "librodp-preload[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\n", line);
}

static bool env_bool(const char *name, bool dflt)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return dflt;
	if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
		return true;
	if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
		return false;
	preload_log("%s=%s is not 0 or 1; using %d", name, v, dflt);
	return dflt;
}

void preload_config_load(void)
{
	const char *v;
	unsigned int i;

	v = getenv("RODP_MODE");
	if (v && *v) {
		for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
			if (!strcmp(v, mode_names[i]))
				break;
		if (i < sizeof(mode_names) / sizeof(mode_names[0]))
			preload_cfg.mode = i;
		else
			preload_log("RODP_MODE=%s is not odp, require or off; using odp", v);
	}
	preload_cfg.prefetch = env_bool("RODP_PREFETCH", false);
	preload_cfg.verbose = env_bool("RODP_VERBOSE", false);
	v = getenv("RODP_TRANSPORTS");
	if (v && *v) {
		if (!strcmp(v, "rc,ud") || !strcmp(v, "ud,rc"))
			preload_cfg.ud = true;
		else if (strcmp(v, "rc"))
			preload_log("RODP_TRANSPORTS=%s is not rc or rc,ud; using rc", v);
	}
	v = getenv("RODP_STATS");
	if (v && *v && strcmp(v, "0"))
		preload_cfg.stats = strcmp(v, "1") ? v : "-";
	if (env_bool("RODP_SHOW_CONFIG", false))
		preload_config_print(stderr);
}

void preload_config_print(FILE *f)
{
	fprintf(f, "librodp-preload[%d]: RODP_MODE=%s RODP_PREFETCH=%d "
		"RODP_TRANSPORTS=%s RODP_STATS=%s RODP_VERBOSE=%d\n",
		(int)getpid(), mode_names[preload_cfg.mode], preload_cfg.prefetch,
		preload_cfg.ud ? "rc,ud" : "rc",
		preload_cfg.stats ? (strcmp(preload_cfg.stats, "-") ? preload_cfg.stats : "1") : "0",
		preload_cfg.verbose);
}
