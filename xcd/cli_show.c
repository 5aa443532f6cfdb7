/* cli_show: the verbs that show state in xl's formats: list, info,
 * vcpu-list, uptime (each also as JSON). */
#include "../lib/jsonrpc.h"
#include "../lib/jsonw.h"
#include "cli.h"
#include "xcdd.h"
#include "xlfmt.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Whether list entry D is one of the N domains (names or domids) in DOMS;
 * every entry when N is 0. SEEN[i] is set when DOMS[i] matches. */
static bool list_wanted(yajl_val d, char **doms, int n, bool *seen)
{
	if (n == 0)
		return true;
	bool hit = false;
	const char *name = cli_get_s(d, "name");
	long long domid = cli_get_i(d, "domid");
	for (int i = 0; i < n; i++) {
		char *end;
		long long id = strtoll(doms[i], &end, 10);
		if ((name && !strcmp(name, doms[i])) || (*doms[i] && !*end && id == domid)) {
			seen[i] = true;
			hit = true;
		}
	}
	return hit;
}

int v_list(int fd, int argc, char **argv)
{
	bool json = false, longf = false;
	char **doms = calloc((size_t)argc, sizeof(*doms));
	bool *seen = calloc((size_t)argc, sizeof(*seen));
	int ndoms = 0;
	if (!doms || !seen) {
		free(doms);
		free(seen);
		fprintf(stderr, "xcd list: out of memory\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "-l") || !strcmp(argv[i], "--long"))
			longf = true;
		else if (argv[i][0] == '-') {
			fprintf(stderr, "xcd list: unknown option %s\n", argv[i]);
			free(doms);
			free(seen);
			return 1;
		} else
			doms[ndoms++] = argv[i];
	}
	struct jsonrpc_message r;
	if (cli_call(fd, "domain.list", NULL, NULL, &r) < 0) {
		free(doms);
		free(seen);
		return 1;
	}
	int status = 0;
	/* As `xl list DOM...`: only those domains, and an error for one that
	 * does not exist (after listing the others). */
	if (ndoms > 0 && YAJL_IS_ARRAY(r.result)) {
		size_t kept = 0;
		for (size_t k = 0; k < r.result->u.array.len; k++) {
			yajl_val d = r.result->u.array.values[k];
			if (list_wanted(d, doms, ndoms, seen))
				r.result->u.array.values[kept++] = d;
			else
				yajl_tree_free(d);
		}
		r.result->u.array.len = kept;
	}
	if (json) {
		cli_print_json(r.result);
	} else if (longf) {
		/* As `xl list -l`: each domain's configuration. */
		printf("[\n");
		bool first = true;
		for (size_t k = 0; YAJL_IS_ARRAY(r.result) && k < r.result->u.array.len; k++) {
			yajl_val d = r.result->u.array.values[k];
			long long domid = cli_get_i(d, "domid");
			if (domid == 0)
				continue;
			struct jsonrpc_message ri;
			char dom[32];
			snprintf(dom, sizeof(dom), "%lld", domid);
			if (cli_call(fd, "domain.info", cli_gen_dom, dom, &ri) < 0) {
				status = 1;
				continue;
			}
			printf("%s", first ? "" : ",\n");
			first = false;
			cli_print_json(ri.result);
			jsonrpc_message_free(&ri);
		}
		printf("]\n");
	} else {
		printf("%s\n", XLFMT_LIST_HEADER);
		for (size_t k = 0; YAJL_IS_ARRAY(r.result) && k < r.result->u.array.len; k++) {
			yajl_val d = r.result->u.array.values[k];
			char row[512];
			/* The target, what the balloon is asked to reach; a host that
			 * keeps none (xcd-sim's domain 0) shows what is populated. */
			long long kb = cli_get_i(d, "target_kb");
			if (kb <= 0)
				kb = cli_get_i(d, "memory_kb");
			xlfmt_list_row(row, sizeof(row), cli_get_s(d, "name"), cli_get_i(d, "domid"),
				       kb / 1024, cli_get_i(d, "vcpus"),
				       cli_get_s(d, "state"), cli_get_d(d, "cpu_time_s"));
			printf("%s\n", row);
		}
	}
	jsonrpc_message_free(&r);
	for (int i = 0; i < ndoms; i++)
		if (!seen[i]) {
			fprintf(stderr, "xcd list: %s: no such domain\n", doms[i]);
			status = 1;
		}
	free(doms);
	free(seen);
	return status;
}

/* --json as the only option, else 1 with the complaint said. */
int cli_json_flag(int argc, char **argv, bool *json, int *first_arg)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(stderr, "xcd %s: unknown option %s\n", argv[0], argv[i]);
			return 1;
		}
		*json = true;
	}
	*first_arg = i;
	return 0;
}

static yajl_val arr(yajl_val o, const char *key)
{
	const char *k[] = { key, NULL };
	yajl_val a = yajl_tree_get(o, k, yajl_t_array);
	return a;
}

/* NAMES (an array of strings) as "a, b". */
static void print_names(yajl_val names)
{
	for (size_t i = 0; names && i < names->u.array.len; i++)
		if (YAJL_IS_STRING(names->u.array.values[i]))
			printf("%s%s", i ? ", " : "", YAJL_GET_STRING(names->u.array.values[i]));
}

/* host.info's "io": the I/O picture xcdd keeps, a line per bond. */
static void print_io(yajl_val io)
{
	const char *state = cli_get_s(io, "state");
	if (!strcmp(state, "ready"))
		printf("%-23s: %lld s ago (every %lld s, and on link events)\n", "io_refreshed",
		       cli_get_i(io, "age_ms") / 1000, cli_get_i(io, "refresh_s"));
	else
		printf("%-23s: %s%s%s\n", "io_refreshed", state, *cli_get_s(io, "error") ? ": " : "",
		       cli_get_s(io, "error"));
	if (strcmp(state, "ready"))
		return;
	yajl_val bonds = arr(io, "bonds"), ports = arr(io, "ports"), maps = arr(io, "maps_degraded");
	size_t nb = bonds ? bonds->u.array.len : 0, np = ports ? ports->u.array.len : 0;
	if (!nb)
		printf("%-23s: none\n", "io_bonds");
	for (size_t i = 0; i < nb; i++) {
		yajl_val b = bonds->u.array.values[i];
		printf("%-23s: %s (%s, under %s): %lld of %lld members up", i ? "" : "io_bonds",
		       cli_get_s(b, "name"), *cli_get_s(b, "mode") ? cli_get_s(b, "mode") : "mode unknown",
		       *cli_get_s(b, "bridge") ? cli_get_s(b, "bridge") : "no bridge",
		       cli_get_i(b, "members_up"), cli_get_i(b, "members"));
		if (cli_get_i(b, "members_up") < cli_get_i(b, "members")) {
			printf(", down: ");
			print_names(arr(b, "down"));
		}
		putchar('\n');
	}
	for (size_t i = 0; i < np; i++) {
		yajl_val p = ports->u.array.values[i];
		printf("%-23s: %s in %s, %s\n", i ? "" : "io_bridge_ports", cli_get_s(p, "name"),
		       cli_get_s(p, "bridge"), cli_get_b(p, "up") ? "up" : "down");
	}
	printf("%-23s: %lld map%s, %lld of %lld paths live", "io_maps", cli_get_i(io, "maps"),
	       cli_get_i(io, "maps") == 1 ? "" : "s", cli_get_i(io, "paths_live"),
	       cli_get_i(io, "paths"));
	for (size_t i = 0; maps && i < maps->u.array.len; i++) {
		yajl_val m = maps->u.array.values[i];
		printf("%s %s %lld of %lld (down: ", i ? "," : ";", cli_get_s(m, "name"),
		       cli_get_i(m, "live"), cli_get_i(m, "total"));
		print_names(arr(m, "down"));
		putchar(')');
	}
	putchar('\n');
	if (cli_get_i(io, "maps"))
		printf("%-23s: %lld MB/s for a target of %lld MB/s\n", "io_storage_budget",
		       cli_get_i(io, "budget_mbytes"), cli_get_i(io, "target_mbytes"));
	yajl_val notes = arr(io, "notes");
	for (size_t i = 0; notes && i < notes->u.array.len; i++)
		if (YAJL_IS_STRING(notes->u.array.values[i]))
			printf("%-23s: %s\n", "io_note", YAJL_GET_STRING(notes->u.array.values[i]));
}

int v_info(int fd, int argc, char **argv)
{
	struct jsonrpc_message r;
	bool json = false;
	int i;
	if (cli_json_flag(argc, argv, &json, &i))
		return 1;
	if (i < argc) {
		fprintf(stderr, "xcd info: no arguments expected\n");
		return 1;
	}
	if (cli_call(fd, "host.info", NULL, NULL, &r) < 0)
		return 1;
	if (json) {
		cli_print_json(r.result);
		jsonrpc_message_free(&r);
		return 0;
	}
	/* xl info's keys and units (MiB), then xcd's own. */
	yajl_val h = r.result;
	bool sim = !strcmp(cli_get_s(h, "backend"), "sim");
	printf("%-23s: %s\n", "host", cli_get_s(h, "host"));
	printf("%-23s: %s\n", "release", cli_get_s(h, "release"));
	printf("%-23s: %s\n", "machine", cli_get_s(h, "machine"));
	printf("%-23s: %lld\n", "nr_cpus", cli_get_i(h, "nr_cpus"));
	printf("%-23s: %lld\n", "total_memory", cli_get_i(h, "total_memory_kb") / 1024);
	printf("%-23s: %lld\n", "free_memory", cli_get_i(h, "free_memory_kb") / 1024);
	printf("%-23s: %lld\n", "xen_major", cli_get_i(h, "xen_major"));
	printf("%-23s: %lld\n", "xen_minor", cli_get_i(h, "xen_minor"));
	printf("%-23s: %s\n", "xen_version", sim ? "sim" : cli_get_s(h, "version"));
	printf("%-23s: %s\n", "xcd_backend", cli_get_s(h, "backend"));
	printf("%-23s: %s\n", "xcd_hv_version", cli_get_s(h, "version"));
	printf("%-23s: %lld\n", "xcd_nr_domains", cli_get_i(h, "nr_domains"));
	printf("%-23s: %s\n", "xcd_migration_listen",
	       cli_get_s(h, "migration_listen")[0] ? cli_get_s(h, "migration_listen") : "off");
	const char *k[] = { "io", NULL };
	yajl_val io = yajl_tree_get(h, k, yajl_t_object);
	if (io)
		print_io(io);
	jsonrpc_message_free(&r);
	return 0;
}

bool cli_get_b(yajl_val o, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(o, p, yajl_t_any);
	return v && YAJL_IS_TRUE(v);
}

int v_vcpu_list(int fd, int argc, char **argv)
{
	bool json = false;
	int i;
	if (cli_json_flag(argc, argv, &json, &i))
		return 1;
	if (argc - i > 1) {
		fprintf(stderr, "xcd vcpu-list: expected at most one domain\n");
		return 1;
	}
	struct cli_dom_req q = { i < argc ? argv[i] : NULL, { { 0 } }, 0 };
	struct jsonrpc_message r;
	if (cli_call(fd, "domain.vcpu_list", q.dom ? cli_gen_dom_req : NULL, &q, &r) < 0)
		return 1;
	if (json) {
		cli_print_json(r.result);
	} else {
		printf("%s\n", XLFMT_VCPU_HEADER);
		for (size_t k = 0; YAJL_IS_ARRAY(r.result) && k < r.result->u.array.len; k++) {
			yajl_val v = r.result->u.array.values[k];
			struct xlfmt_vcpu x = {
				cli_get_s(v, "name"), (uint32_t)cli_get_i(v, "domid"),
				(uint32_t)cli_get_i(v, "vcpu"), (uint32_t)cli_get_i(v, "cpu"),
				cli_get_b(v, "online"), cli_get_b(v, "running"), cli_get_b(v, "blocked"),
				cli_get_d(v, "cpu_time_s"), cli_get_s(v, "hard_affinity"),
				cli_get_s(v, "soft_affinity"),
			};
			char row[2600];
			xlfmt_vcpu_row(row, sizeof(row), &x);
			printf("%s\n", row);
		}
	}
	jsonrpc_message_free(&r);
	return 0;
}

int v_uptime(int fd, int argc, char **argv)
{
	bool json = false;
	int i;
	if (cli_json_flag(argc, argv, &json, &i))
		return 1;
	struct jsonrpc_message r;
	if (cli_call(fd, "domain.list", NULL, NULL, &r) < 0)
		return 1;
	yajl_val all = YAJL_IS_ARRAY(r.result) ? r.result : NULL;
	size_t n = all ? all->u.array.len : 0;
	/* The domains asked for, in the order asked, as xl; none: all. */
	int status = 0;
	for (int a = i; a < argc; a++) {
		bool found = false;
		for (size_t k = 0; k < n && !found; k++) {
			yajl_val d = all->u.array.values[k];
			char id[24];
			snprintf(id, sizeof(id), "%lld", cli_get_i(d, "domid"));
			found = !strcmp(argv[a], cli_get_s(d, "name")) || !strcmp(argv[a], id);
		}
		if (!found) {
			fprintf(stderr, "xcd uptime: no domain %s\n", argv[a]);
			status = 1;
		}
	}
	if (status) {
		jsonrpc_message_free(&r);
		return 1;
	}
	if (json) {
		printf("[");
		bool first = true;
		for (size_t k = 0; k < n; k++) {
			yajl_val d = all->u.array.values[k];
			bool want = i == argc;
			char id[24];
			snprintf(id, sizeof(id), "%lld", cli_get_i(d, "domid"));
			for (int a = i; a < argc && !want; a++)
				want = !strcmp(argv[a], cli_get_s(d, "name")) || !strcmp(argv[a], id);
			if (!want)
				continue;
			/* Names come from xcdd's JSON; print_json escapes them. */
			printf("%s\n", first ? "" : ",");
			first = false;
			yajl_gen g = yajl_gen_alloc(NULL);
			if (!g)
				break;
			const unsigned char *buf;
			size_t len;
			if (yajl_gen_map_open(g) == yajl_gen_status_ok && !jw_str(g, "name") &&
			    !jw_str(g, cli_get_s(d, "name")) && !jw_str(g, "domid") &&
			    yajl_gen_integer(g, cli_get_i(d, "domid")) == yajl_gen_status_ok &&
			    !jw_str(g, "uptime_s") &&
			    yajl_gen_integer(g, cli_get_i(d, "uptime_s")) == yajl_gen_status_ok &&
			    yajl_gen_map_close(g) == yajl_gen_status_ok &&
			    yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
				printf("    %.*s", (int)len, buf);
			yajl_gen_free(g);
		}
		printf("\n]\n");
		jsonrpc_message_free(&r);
		return 0;
	}
	printf("%s\n", XLFMT_UPTIME_HEADER);
	for (size_t k = 0; k < n; k++) {
		yajl_val d = all->u.array.values[k];
		bool want = i == argc;
		char id[24];
		snprintf(id, sizeof(id), "%lld", cli_get_i(d, "domid"));
		for (int a = i; a < argc && !want; a++)
			want = !strcmp(argv[a], cli_get_s(d, "name")) || !strcmp(argv[a], id);
		if (!want)
			continue;
		char row[512];
		long long up = cli_get_i(d, "uptime_s");
		xlfmt_uptime_row(row, sizeof(row), cli_get_s(d, "name"), cli_get_i(d, "domid"),
				 up < 0 ? 0 : (uint64_t)up);
		printf("%s\n", row);
	}
	jsonrpc_message_free(&r);
	return 0;
}
