/* hv-list-test: hv_domain_list_all asks a backend again with room for more
 * while its answer fills the room given, up to Xen's domid space; a fake
 * backend with many domains stands in for a busy host. */
#include "../../../hv/backend.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static unsigned fake_count, fake_calls;
static int fake_fail;

static int fake_list(struct hv *hv, struct hv_dominfo *out, unsigned max)
{
	fake_calls++;
	if (fake_fail)
		return hv_fail(hv, -EIO, "fake: cannot list");
	unsigned n = fake_count < max ? fake_count : max;
	for (unsigned i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].domid = i;
	}
	return (int)n;
}

static const struct hv_ops fake_ops = { .domain_list = fake_list };

static int list_all(unsigned count, struct hv_dominfo **l)
{
	struct hv hv = { .ops = &fake_ops };
	fake_count = count;
	fake_calls = 0;
	return hv_domain_list_all(&hv, l);
}

static void check(unsigned count, unsigned want_calls)
{
	struct hv_dominfo *l = NULL;
	int n = list_all(count, &l);
	CU_ASSERT_EQUAL(n, (int)(count < HV_MAX_DOMAINS ? count : HV_MAX_DOMAINS));
	CU_ASSERT_EQUAL(fake_calls, want_calls);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l[n - 1].domid, (uint32_t)n - 1);
	free(l);
}

static void test_few(void) { check(3, 1); }
static void test_exactly_first_room(void) { check(1024, 2); } /* full: asked again */
static void test_many(void) { check(5000, 4); }             /* 1024, 2048, 4096, 8192 */
static void test_whole_domid_space(void) { check(40000, 6); } /* ..., 16384, 32752: stops */

static void test_failure(void)
{
	struct hv_dominfo *l = NULL;
	fake_fail = 1;
	CU_ASSERT_EQUAL(list_all(10, &l), -EIO);
	CU_ASSERT_PTR_NULL(l);
	fake_fail = 0;
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("hv-list-all", NULL, NULL);
	CU_add_test(s, "a few domains: one call", test_few);
	CU_add_test(s, "as many as the first room: asked again", test_exactly_first_room);
	CU_add_test(s, "5000 domains: the room grows", test_many);
	CU_add_test(s, "no more than Xen's domid space", test_whole_domid_space);
	CU_add_test(s, "a backend's failure is returned", test_failure);
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
