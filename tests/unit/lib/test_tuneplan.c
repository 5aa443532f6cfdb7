/* test_tuneplan: a plan's items, counts, JSON and text. */
#include "../../../lib/tuneplan.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

static void test_plan(void)
{
	struct tune_plan p;
	tune_plan_init(&p);
	char *text = NULL;
	CU_ASSERT_EQUAL(tune_plan_text(&p, &text), 0);
	u_str_eq(text, "Nothing to change.\n", "empty plan", __FILE__, __LINE__);
	free(text);
	CU_ASSERT_EQUAL(tune_plan_add(&p, TUNE_CHANGE, "bond", "bond0", "", "802.3ad", "2 NICs",
				      "%d guests share %s", 24, "eth0"),
			0);
	p.items[p.n - 1].risky = true;
	CU_ASSERT_EQUAL(tune_plan_add(&p, TUNE_WARNING, "net", "host", NULL, NULL, "83 Mbit/s",
				      "24 guests on 2x1 GbE: 83 Mbit/s each, below the policy's 200"),
			0);
	CU_ASSERT_EQUAL(tune_plan_count(&p, TUNE_CHANGE), 1);
	CU_ASSERT_EQUAL(tune_plan_count(&p, TUNE_WARNING), 1);
	CU_ASSERT_EQUAL(tune_plan_text(&p, &text), 0);
	u_str_eq(text,
		 "1. bond bond0: (none) -> 802.3ad [needs --confirm]\n"
		 "   24 guests share eth0\n"
		 "warning: net host: 24 guests on 2x1 GbE: 83 Mbit/s each, below the policy's 200\n",
		 "text", __FILE__, __LINE__);
	free(text);

	yajl_gen g = yajl_gen_alloc(NULL);
	CU_ASSERT_EQUAL(tune_plan_gen_json(g, &p), 0);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	char *s = strndup((const char *)buf, len);
	yajl_val v = yajl_tree_parse(s, NULL, 0);
	CU_ASSERT_FATAL(v && YAJL_IS_ARRAY(v) && v->u.array.len == 2);
	const char *pk[] = { "kind", NULL }, *pr[] = { "risky", NULL }, *pf[] = { "figure", NULL };
	u_str_eq(YAJL_GET_STRING(yajl_tree_get(v->u.array.values[1], pk, yajl_t_string)),
		 "warning", "kind", __FILE__, __LINE__);
	u_str_eq(YAJL_GET_STRING(yajl_tree_get(v->u.array.values[1], pf, yajl_t_string)),
		 "83 Mbit/s", "figure", __FILE__, __LINE__);
	CU_ASSERT(YAJL_IS_TRUE(yajl_tree_get(v->u.array.values[0], pr, yajl_t_any)));
	yajl_tree_free(v);
	free(s);
	yajl_gen_free(g);
	tune_plan_free(&p);
	CU_ASSERT_EQUAL(p.n, 0);
}

void register_tuneplan(void)
{
	CU_pSuite s = CU_add_suite("tuneplan", NULL, NULL);
	CU_add_test(s, "items, counts, text and JSON", test_plan);
}
