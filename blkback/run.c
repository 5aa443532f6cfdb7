/* run: show + plan + verify in one call (see run.h). */
#include "run.h"
#include "plan.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void blk_run_free(struct blk_run *r)
{
	blk_host_free(&r->host);
	storage_policy_free(&r->policy);
	tune_plan_free(&r->plan);
	blk_verify_free(&r->verify);
	free(r->show_text);
	free(r->plan_text);
	free(r->verify_text);
	free(r->json);
	memset(r, 0, sizeof(*r));
}

static int json_all(struct blk_run *r)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return -ENOMEM;
	yajl_gen_map_open(g);
	yajl_gen_string(g, (const unsigned char *)"show", 4);
	int rc = blk_show_json(g, &r->host);
	yajl_gen_string(g, (const unsigned char *)"plan", 4);
	if (rc == 0)
		rc = tune_plan_gen_json(g, &r->plan);
	yajl_gen_string(g, (const unsigned char *)"verify", 6);
	if (rc == 0)
		rc = blk_verify_json(g, &r->verify);
	yajl_gen_map_close(g);
	const unsigned char *buf;
	size_t len;
	if (rc == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
		r->json = strndup((const char *)buf, len);
		if (!r->json)
			rc = -ENOMEM;
	} else if (rc == 0) {
		rc = -EINVAL;
	}
	yajl_gen_free(g);
	return rc;
}

int blk_run_all(const char *root, const char *policy_path, int flags, struct blk_run *r,
		char *err, size_t errlen)
{
	memset(r, 0, sizeof(*r));
	int rc;
	storage_policy_default(&r->policy);
	tune_plan_init(&r->plan);
	if (policy_path && (rc = storage_policy_load(policy_path, &r->policy, err, errlen)) < 0)
		goto fail;
	if ((rc = blk_host_read(root, &r->host, err, errlen)) < 0 ||
	    (rc = storage_policy_check(&r->policy, &r->host, err, errlen)) < 0)
		goto fail;
	if ((rc = blk_plan(&r->host, &r->policy, &r->plan)) < 0 ||
	    (rc = blk_verify(&r->host, &r->policy, &r->verify)) < 0)
		goto nomem;
	if (flags & BLK_RUN_TEXT) {
		if ((rc = blk_show_text(&r->host, &r->show_text)) < 0 ||
		    (rc = tune_plan_text(&r->plan, &r->plan_text)) < 0 ||
		    (rc = blk_verify_text(&r->verify, &r->verify_text)) < 0)
			goto nomem;
	}
	if ((flags & BLK_RUN_JSON) && (rc = json_all(r)) < 0)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	blk_run_free(r);
	return rc;
}
