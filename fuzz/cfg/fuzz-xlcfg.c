/*
 * fuzz-xlcfg: libFuzzer target of the xl.cfg parser (xcd/libxlcfg.a).
 *
 * The input is a configuration file; after a line "--", each further line is
 * a command-line override (KEY=VALUE), as in `xl create FILE ARG...`. The
 * settings are normalised twice (a 16-CPU, 4-node host, whose JSON is also
 * printed; and no host information), and every string value is also given to
 * the disk, vif and CPU-list parsers directly. Everything is freed: leaks are
 * findings too.
 */
#include "../../xcd/domcfg.h"
#include "../../lib/errmsg.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const unsigned node_of[16] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 };
static const struct domcfg_host host16 = { 16, 4, node_of };

static void each_string(const struct cfg_value *v)
{
	if (v->type == CFG_LIST) {
		for (size_t i = 0; i < v->n_items; i++)
			each_string(&v->items[i]);
		return;
	}
	char err[XCD_ERR_MAX], warn[256];
	struct disk d;
	if (disk_parse(v->text, &d, err, sizeof(err)) == 0)
		disk_free(&d);
	struct vif n;
	if (vif_parse(v->text, &n, warn, sizeof(warn), err, sizeof(err)) == 0)
		vif_free(&n);
	struct cpumap m;
	domcfg_parse_cpulist(v->text, &host16, &m, err, sizeof(err));
}

static void normalise(const struct cfgfile *cf, const struct domcfg_host *host)
{
	char err[XCD_ERR_MAX];
	struct domcfg *d;
	if (domcfg_from_cfg(cf, host, &d, err, sizeof(err)))
		return;
	/* Without host information "all" is 4096 CPUs for each of up to 4096
	 * vCPUs: too slow to print on every run, and printed the same way. */
	if (host) {
		char *json = domcfg_to_json_string(d);
		free(json);
	}
	domcfg_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t file_len = size;
	const char *sep = memmem(text, size, "\n--\n", 4);
	if (sep)
		file_len = (size_t)(sep - text) + 1;
	char err[XCD_ERR_MAX];
	struct cfgfile *cf;
	if (cfgfile_parse("fuzz.cfg", text, file_len, &cf, err, sizeof(err)))
		return 0;
	if (sep) {
		char *rest = strndup(sep + 4, size - file_len - 3);
		char *save = NULL;
		unsigned n = 0;
		for (char *line = rest ? strtok_r(rest, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save))
			cfgfile_override(cf, ++n % 2 ? "argument" : "other argument", line, err,
					 sizeof(err));
		free(rest);
	}
	for (size_t i = 0; i < cf->n_settings; i++)
		each_string(&cf->settings[i].value);
	normalise(cf, &host16);
	normalise(cf, NULL);
	cfgfile_free(cf);
	return 0;
}
