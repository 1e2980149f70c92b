// SPDX-License-Identifier: GPL-2.0
/* Unit test of gcc-plugin/records.c through its API (records-api.t builds it). */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "records.h"

static const char pre_txt[] =
	"ksplice-records 1\n"
	"unit u.c\n"
	"compiler 12.2.0\n"
	"func f .text.f global 0000000000000001\n"
	"inline f helper\n"
	"uses f struct:foo\n"
	"func s .text.s local 0000000000000002\n"
	"func w .text.w weak 0000000000000003 lines=00000000000000aa\n"
	"func gone .text.gone global 0000000000000004\n"
	"func c.constprop.0 .text.c.constprop.0 local 0000000000000005 origin=c clone=constprop\n"
	"type struct:foo 8 00000000000000f0\n"
	"data tab tab .data.tab global 16 0000000000000010\n"
	"data count.1 f::count#0 .bss.count.1 local 4 0000000000000011 owner=f\n"
	"data sp%25ace sp%25ace .data.x%20y global 4 0000000000000012\n"
	"end 14\n";

static const char post_txt[] =
	"ksplice-records 1\n"
	"unit u.c\n"
	"compiler 12.2.0\n"
	"func f .text.f global 0000000000000001\n"
	"uses f struct:foo\n"
	"func s .init.text local 0000000000000002\n"
	"func w .text.w weak 0000000000000003 lines=00000000000000bb\n"
	"func n .text.n global 0000000000000006\n"
	"func c.constprop.0 .text.c.constprop.0 local 0000000000000007 origin=c clone=constprop\n"
	"uses c.constprop.0 struct:foo\n"
	"type struct:foo 12 00000000000000f1\n"
	"data tab tab .data.tab global 32 0000000000000013\n"
	"data count.4 f::count#0 .bss.count.4 local 4 0000000000000014 owner=f\n"
	"data sp%25ace sp%25ace .data.x%20y global 4 0000000000000012\n"
	"end 14\n";

static int parse(const char *txt, struct ks_records *r, char *err)
{
	return ks_records_parse(txt, strlen(txt), r, err, KS_ERR_LEN);
}

static void test_errors(void)
{
	static const struct {
		const char *txt, *msg;
	} bad[] = {
		{ "func f .text.f global 0000000000000001\n", "outside a unit" },
		{ "ksplice-records 2\nend 1\n", "unsupported records version" },
		{ "ksplice-records 1\nunit u.c\nend 5\n", "truncated" },
		{ "ksplice-records 1\nunit u.c\n", "no 'end' record" },
		{ "ksplice-records 1\nunit u.c\nend 2", "newline" },
		{ "ksplice-records 1\nfunc f .text.f global 123\nend 2\n", "bad func record" },
		{ "ksplice-records 1\nfunc f .text.f public 0000000000000001\nend 2\n", "bad binding" },
		{ "ksplice-records 1\nfrob x\nend 2\n", "unknown record 'frob'" },
		{ "ksplice-records 1\nunit a%zz\nend 2\n", "bad %XX escape" },
		{ "ksplice-records 1\nfunc f .t global 0000000000000001\nfunc f .t global 0000000000000001\nend 3\n",
		  "recorded twice" },
		{ "", "no records" },
	};
	char err[KS_ERR_LEN];
	struct ks_records r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		err[0] = '\0';
		rc = parse(bad[i].txt, &r, err);
		if (!tap_ok(rc == -1 && strstr(err, bad[i].msg) && !r.n_units,
			    "bad records rejected: %s", bad[i].msg))
			tap_diag("rc %d, message '%s'", rc, err);
	}
}

int main(void)
{
	struct ks_records pre, post;
	struct ks_diff d;
	char err[KS_ERR_LEN];
	const struct ks_func *f;

	tap_plan(11 + 22);
	test_errors();
	if (!tap_ok(!parse(pre_txt, &pre, err) && !parse(post_txt, &post, err),
		    "good records parse")) {
		tap_diag("%s", err);
		return tap_finish();
	}
	f = ks_records_find_func(&pre, "f");
	tap_ok(f && f->n_inlines == 1 && !strcmp(f->inlines[0], "helper") &&
	       f->n_uses == 1, "inline and uses records attach to their func");
	tap_ok(ks_records_find_func(&pre, "s%u.c") && !ks_records_find_func(&pre, "s"),
	       "a local function's key is name%%unit");
	tap_is_str(pre.n_data == 3 ? pre.data[1].name : NULL, "sp%ace",
		   "%%XX escapes are decoded (data sorted by key)");
	tap_is_str(pre.n_data == 3 ? pre.data[1].section : NULL, ".data.x y",
		   "escaped section name");
	tap_is_str(pre.n_data == 3 ? pre.data[0].key : NULL, "f::count#0%u.c",
		   "a static local's key is owner::name#k%%unit");
	tap_is_str(ks_placement(".init.text"), "init", "placement of .init.text");
	tap_is_str(ks_placement(".text.unlikely.f"), "text", "placement of .text.unlikely.f");
	tap_is_str(ks_placement("__dyndbg"), "special", "placement of __dyndbg");

	if (!tap_ok(!ks_diff(&pre, &post, &d, err, sizeof(err)), "diff")) {
		tap_diag("%s", err);
		return tap_finish();
	}
	tap_is_int(d.n_changed, 2, "two changed functions");
	tap_ok(d.n_changed == 2 && !strcmp(d.changed[0].post->name, "c.constprop.0") &&
	       d.changed[0].reasons == KS_FUNC_CODE, "c.constprop.0: code");
	tap_ok(d.n_changed == 2 && !strcmp(d.changed[1].post->name, "s") &&
	       d.changed[1].reasons == KS_FUNC_SECTION, "s: section");
	tap_ok(d.n_new == 1 && !strcmp(d.new_funcs[0]->name, "n"), "new function n");
	tap_ok(d.n_removed == 1 && !strcmp(d.removed_funcs[0]->name, "gone"),
	       "removed function gone");
	tap_ok(d.n_line_only == 1 && !strcmp(d.line_only[0]->name, "w"),
	       "w differs only in lines=");
	if (!tap_ok(d.n_changed_data == 2 && !strcmp(d.changed_data[0].post->name, "count.4") &&
		    d.changed_data[0].reasons == KS_DATA_INITIALIZER,
		    "static local matched by key despite its new GCC name"))
		tap_diag("%zu changed data, first %s (%u), %zu new, %zu removed",
			 d.n_changed_data, d.n_changed_data ? d.changed_data[0].post->name : "-",
			 d.n_changed_data ? d.changed_data[0].reasons : 0,
			 d.n_new_data, d.n_removed_data);
	tap_ok(d.n_changed_data == 2 && !strcmp(d.changed_data[1].post->name, "tab") &&
	       d.changed_data[1].reasons == (KS_DATA_SIZE | KS_DATA_INITIALIZER),
	       "tab: size and initializer");
	tap_ok(d.n_layouts == 1 && d.layouts[0].n_used_by == 2 &&
	       !strcmp(d.layouts[0].used_by[0], "c.constprop.0") &&
	       !strcmp(d.layouts[0].used_by[1], "f"),
	       "struct:foo changed, used by c.constprop.0 and f");
	tap_ok(!ks_diff_empty(&d), "the diff is not empty");
	ks_diff_free(&d);
	ks_diff(&pre, &pre, &d, err, sizeof(err));
	tap_ok(ks_diff_empty(&d) && !d.n_line_only, "a record set against itself: empty");
	ks_diff_free(&d);
	ks_records_free(&pre);
	ks_records_free(&post);
	tap_ok(!pre.n_funcs && !pre.raw, "free leaves an empty structure");
	return tap_finish();
}
