#!/bin/bash
# The rules eval/make-corpus and eval/run-eval use to cut Debian's diff into
# patches, on small synthetic diffs (each rule was found on a real fix of the
# corpus, named in the case): which changed headers a .c change needs, which
# other .c changes it must be created with, and how a fallback patch loses a
# header. Fast: no kernel tree.
. "$KSPLICE_TOP/tests/lib/tap.sh"
tap_plan 42
python3 - "$KSPLICE_TOP" <<'PY'
import importlib.machinery, importlib.util, json, os, sys, tempfile
top = sys.argv[1]


def load(path, name):
    loader = importlib.machinery.SourceFileLoader(name, os.path.join(top, path))
    mod = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(mod)
    return mod


sys.path.insert(0, os.path.join(top, "kbuild"))
mc = load("eval/make-corpus", "make_corpus")
re_ = load("eval/run-eval", "run_eval")
results = []


def ok(cond, what):
    results.append(bool(cond))
    print(("ok" if cond else "not ok") + " %d - %s" % (len(results), what))


# skl_watermark.h: only the parameter line of the prototype changes
h_proto = """--- a/x.h
+++ b/x.h
@@ -1,3 +1,3 @@
 void intel_wm_state_verify(struct intel_crtc *crtc,
-			   struct intel_crtc_state *new_crtc_state);
+			   const struct intel_crtc_state *new_crtc_state);
"""
ok("intel_wm_state_verify" in mc.changed_prototypes(h_proto),
   "a prototype whose parameter changes on a continuation line is a changed prototype")
c_def = """--- a/x.c
+++ b/x.c
@@ -1,3 +1,3 @@
 void intel_wm_state_verify(struct intel_crtc *crtc,
-			   struct intel_crtc_state *new_crtc_state)
+			   const struct intel_crtc_state *new_crtc_state)
 {
"""
ok(mc.needed_headers(c_def, "", "", ["intel_wm_state_verify"], [mc.header_change("x.h", h_proto)]) == ["x.h"],
   "the header with the prototype of a function the .c changes is needed")

# hci_sync.c drops hci_request.h, whose macro moves to hci_sync.h
h_old = """--- a/hci_request.h
+++ b/hci_request.h
@@ -1,2 +1,1 @@
-#define HCI_REQ_PEND 1
 struct hci_request;
"""
h_new = """--- a/hci_sync.h
+++ b/hci_sync.h
@@ -1,1 +1,2 @@
+#define HCI_REQ_PEND 1
 int hci_sync(void);
"""
h_other = """--- a/other.h
+++ b/other.h
@@ -1,1 +1,2 @@
+#define OTHER_FLAG 1
 int other(void);
"""
c_inc = """--- a/hci_sync.c
+++ b/hci_sync.c
@@ -1,3 +1,2 @@
-#include "hci_request.h"
 #include <hci_sync.h>
 int hci_sync(void) { return HCI_REQ_PEND; }
"""
got = mc.needed_headers(c_inc, "", "int hci_sync(void) { return HCI_REQ_PEND; }", [],
                        [mc.header_change("hci_request.h", h_old), mc.header_change("hci_sync.h", h_new), mc.header_change("other.h", h_other)])
ok(got == ["hci_sync.h"], "a .c dropping an #include needs the header its macro moved to (%s)" % got)

# companions: tls_sw.c calls __tls_strp_done, which tls_strp.c adds
new_strp = "void __tls_strp_done(struct tls_strparser *strp)\n{\n}\n"
ok("__tls_strp_done" in mc.global_functions(new_strp) - mc.global_functions(""),
   "a new non-static function definition is found")
ok(not mc.global_functions("static void helper(int x)\n{\n}\nint proto(int x);\n"),
   "a static definition and a prototype are not")
recs = [{"file": "tls_sw.c", "kept": True}, {"file": "tls_strp.c", "kept": True},
        {"file": "socket.c", "kept": True}, {"file": "skbuff.c", "kept": True}]
old_skb, new_skb = "static void sock_rmem_free(struct sk_buff *skb)\n{", \
    "void sock_rmem_free(struct sk_buff *skb)\n{"
mc.companions(recs, {"tls_sw.c": {"__tls_strp_done"}, "tls_strp.c": set(),
                     "socket.c": {"sock_rmem_free"}, "skbuff.c": set()},
              {"tls_sw.c": set(), "tls_strp.c": mc.global_functions(new_strp),
               "socket.c": set(),
               "skbuff.c": mc.global_functions(new_skb) - mc.global_functions(old_skb)},
              {f: set() for f in ("tls_sw.c", "tls_strp.c", "socket.c", "skbuff.c")})
ok(recs[0]["companions"] == ["tls_strp.c"] and recs[1]["companions"] == [],
   "tls_sw.c goes with tls_strp.c, not the other way round")
ok(recs[2]["companions"] == ["skbuff.c"], "socket.c goes with skbuff.c (static made global)")

# xfrm.h: km_migrate's third line changes; the name is two context lines up
h_km = """--- a/xfrm.h
+++ b/xfrm.h
@@ -1,5 +1,5 @@
 #ifdef CONFIG_XFRM_MIGRATE
 int km_migrate(const struct xfrm_selector *sel, u8 dir, u8 type,
 	       const struct xfrm_migrate *m, int num_bundles,
-	       const struct xfrm_kmaddress *k,
+	       const struct xfrm_kmaddress *k, struct net *net,
 	       const struct xfrm_encap_tmpl *encap);
"""
ok(mc.changed_prototypes(h_km) == {"km_migrate"},
   "a parameter change two lines below the name is a changed prototype (%s)" % mc.changed_prototypes(h_km))
# spi-nor core.h: a function pointer member's type changes; micron-st.c's
# function that the member points to now returns int
h_fp = """--- a/core.h
+++ b/core.h
@@ -1,2 +1,2 @@
-	void (*post_sfdp)(struct spi_nor *nor);
+	int (*post_sfdp)(struct spi_nor *nor);
 	void (*late_init)(struct spi_nor *nor);
"""
c_fp = """--- a/micron-st.c
+++ b/micron-st.c
@@ -1,2 +1,2 @@
-static void mt35xu512aba_post_sfdp_fixup(struct spi_nor *nor)
+static int mt35xu512aba_post_sfdp_fixup(struct spi_nor *nor)
 {
"""
c_fp_new = "static int mt35xu512aba_post_sfdp_fixup(struct spi_nor *nor)\n{\n}\n" \
    "static const struct spi_nor_fixups f = {\n\t.post_sfdp = mt35xu512aba_post_sfdp_fixup,\n};\n"
ok(mc.needed_headers(c_fp, c_fp_new.replace("static int", "static void"), c_fp_new,
                    ["mt35xu512aba_post_sfdp_fixup"], [mc.header_change("core.h", h_fp)]) == ["core.h"],
   "the header changing the type of the member a changed function is assigned to is needed")
# hid_report_raw_event gains a parameter: hid-core.c defines it, hid-gfrm.c
# calls it (the argument line changes); hid-alps.c changes something else
h_hid = """--- a/hid.h
+++ b/hid.h
@@ -1,2 +1,3 @@
-int hid_report_raw_event(struct hid_device *hid, enum hid_report_type type, u8 *data, u32 size,
+int hid_report_raw_event(struct hid_device *hid, enum hid_report_type type, u8 *data,
+			 size_t bufsize, u32 size,
 			 int interrupt);
"""
c_gfrm = """--- a/hid-gfrm.c
+++ b/hid-gfrm.c
@@ -1,2 +1,2 @@
 		ret = hid_report_raw_event(hdev, HID_INPUT_REPORT, search_key_dn,
-					   sizeof(search_key_dn), 1);
+					   sizeof(search_key_dn), sizeof(search_key_dn), 1);
"""
c_alps = """--- a/hid-alps.c
+++ b/hid-alps.c
@@ -1,1 +1,1 @@
-	x = 1;
+	x = 2;
"""
protos = {"hid-core.c": mc.prototype_changes(h_hid, "", ["hid_report_raw_event"], [mc.header_change("hid.h", h_hid)]),
          "hid-gfrm.c": mc.prototype_changes(c_gfrm, "", ["gfrm_raw_event"], [mc.header_change("hid.h", h_hid)]),
          "hid-alps.c": mc.prototype_changes(c_alps, "", ["alps_raw_event"], [mc.header_change("hid.h", h_hid)])}
recs = [{"file": f, "kept": True} for f in protos]
mc.companions(recs, {f: set() for f in protos}, {f: set() for f in protos}, protos)
ok([r["companions"] for r in recs] == [["hid-gfrm.c"], ["hid-core.c"], []],
   "the definition and the callers of a changed prototype go together, not the rest (%s)"
   % [r["companions"] for r in recs])
ok(recs[0]["prototype_companions"] == ["hid-gfrm.c"], "... as a prototype companion")
# wacom_sys.c: a companion for hid_report_raw_event brings only its hunks
# that name it, not its other fix (wacom's structs change)
c_wacom = """--- a/wacom_sys.c
+++ b/wacom_sys.c
@@ -1,2 +1,2 @@
-	err = hid_report_raw_event(hdev, HID_INPUT_REPORT, buf, size, false);
+	err = hid_report_raw_event(hdev, HID_INPUT_REPORT, buf, size, size, false);
 	return err;
@@ -50,2 +50,2 @@
-	wacom->shared = NULL;
+	wacom->shared = wacom->new_field;
 	return 0;
"""
part = mc.hunks_naming(c_wacom, {"hid_report_raw_event"})
ok(part and "size, size, false" in part and "new_field" not in part and part.startswith("--- a/wacom_sys.c"),
   "hunks_naming keeps the file header and the hunks naming the function")
ok(re_.companion_patch({"prototype_companions": ["w.c"]}, {"file": "w.c", "patch": "p", "proto_patch": "pp"}) == "pp"
   and re_.companion_patch({"prototype_companions": []}, {"file": "w.c", "patch": "p", "proto_patch": "pp"}) == "p",
   "run-eval takes a prototype companion's hunks, another companion's whole change")
# tcp.h changes the static inline tcp_sk and lines calling WRITE_ONCE: each
# unit has its own copy, tcp.c and tcp_input.c stay apart
h_tcp = """--- a/tcp.h
+++ b/tcp.h
@@ -1,2 +1,2 @@
-static inline struct tcp_sock *tcp_sk(const struct sock *sk) { WRITE_ONCE(x, 1);
+static inline struct tcp_sock *tcp_sk(const struct sock *sk) { WRITE_ONCE(x, 2);
 	return (struct tcp_sock *)sk;
"""
shared = mc.shared_prototypes({"tcp.c": {"tcp_sk", "WRITE_ONCE"}, "tcp_input.c": {"tcp_sk"}},
                              {"tcp_rcv_established", "hid_report_raw_event"}, [mc.header_change(h, d) for h, d in (("tcp.h", h_tcp), ("hid.h", h_hid), ("core.h", h_fp))])
ok(shared == {"tcp.c": set(), "tcp_input.c": set()},
   "a changed static inline or macro ties no files together (%s)" % shared)
ok(mc.shared_prototypes({"x.c": {"post_sfdp"}}, set(), [mc.header_change("core.h", h_fp)]) == {"x.c": {"post_sfdp"}},
   "a changed function pointer member does")

# run-eval drops a header that ksplice-create refuses as included everywhere
with tempfile.TemporaryDirectory() as d:
    p = os.path.join(d, "p.patch")
    with open(p, "w") as f:
        f.write(c_def + h_proto.replace("x.h", "include/linux/device.h") + h_other)
    text = open(re_.without_file(p, "include/linux/device.h", d)).read()
    ok("device.h" not in text and "x.c" in text and "OTHER_FLAG" in text,
       "without_file drops one file's section and keeps the others")
    # fb_defio.c (603): a narrowed patch that an earlier run left in the
    # state directory was taken as the name of the next one, emptying it
    w = os.path.join(d, "state")
    os.makedirs(w)
    with open(os.path.join(w, "narrowed-1.patch"), "w") as f:
        f.write("left by an earlier run")
    first = re_.without_file(p, "include/linux/device.h", w)
    text = open(re_.without_file(first, "other.h", w)).read()
    ok("x.c" in text and "OTHER_FLAG" not in text and "device.h" not in text,
       "a second header dropped after a run's leftovers keeps the rest")
    out = "ksplice-create: error: include/linux/device.h is included (transitively) by more than 400"
    ok(re_.too_wide(out) == "include/linux/device.h",
       "the too-wide refusal names the header to drop")
    out = ("ksplice-create: error: [layout] include/linux/sched.h: changes the definition of "
           "struct task_struct (the changed header(s) are included by 614 built units: ...)")
    ok(re_.too_wide(out) == "include/linux/sched.h",
       "so does a struct change in such a header (the fix may not need it)")
# a fix that does not compile alone is explained by the compiler's first error
out = ("ksplice-create: error: Aborting: Applying the patch appears to break the kernel build\n"
       "net/xfrm/xfrm_state.c:2301:5: error: conflicting types for 'km_migrate'; have 'int(...)'\n"
       "net/xfrm/xfrm_state.c:2313:31: error: too many arguments to function 'km->migrate'\n")
ok(re_.first_reason(out) == "the fix does not compile alone: "
   "net/xfrm/xfrm_state.c: conflicting types for 'km_migrate'; have 'int(...)'",
   "a build failure's reason is the first compiler error (%s)" % re_.first_reason(out))
# grouping: a file already grouped gets its own headers; a changed header an
# error points into is added; with_others writes each file once
with tempfile.TemporaryDirectory() as d:
    os.makedirs(os.path.join(d, "patches"))
    for name, text in (("main.patch", c_def), ("w.patch", c_inc), ("w+h.patch", c_inc + h_new),
                       ("h.patch", h_old)):
        with open(os.path.join(d, "patches", name), "w") as f:
            f.write(text)
    by_file = {"x.c": {"file": "x.c", "patch": "patches/main.patch"},
               "hci_sync.c": {"file": "hci_sync.c", "patch": "patches/w.patch",
                              "patch_with_headers": "patches/w+h.patch"}}
    others, parts = ["hci_sync.c"], {"hci_sync.c": "patches/w.patch"}
    out = ("hci_sync.c:3:1: error: x\nhci_request.h:36:8: error: redefinition\n"
           "Aborting: Applying the patch appears to break the kernel build")
    used = os.path.join(d, "patches", "main.patch")
    grown = re_.grow_group(out, by_file["x.c"], by_file, {"hci_request.h": "patches/h.patch"},
                           others, parts, used, d)
    ok(grown and parts == {"hci_sync.c": "patches/w+h.patch", "hci_request.h": "patches/h.patch"},
       "grow_group: a grouped file with its headers, the header an error names (%s)" % parts)
    text = open(re_.with_others(used, list(parts.values()) + ["patches/w.patch"], d, d)).read()
    ok(text.count("+++ b/hci_sync.c") == 1 and "hci_request.h" in text and "hci_sync.h" in text,
       "with_others writes each file once")
    # bond_3ad.c: "has no member named 'port_priority'": the header adding it
    with open(os.path.join(d, "patches", "b.patch"), "w") as f:
        f.write("--- a/bond_3ad.h\n+++ b/bond_3ad.h\n@@ -1,2 +1,3 @@\n struct ad_slave_info {\n"
                "+\tu16 port_priority;\n \tu16 port_key;\n")
    with open(os.path.join(d, "patches", "o.patch"), "w") as f:
        f.write("--- a/other.h\n+++ b/other.h\n@@ -1,1 +1,1 @@\n-\tu16 port_priority;\n"
                "+\tu32 port_priority;\n")

    def grow_headers(out, header_patches):
        """grow_group on a build of x.c alone: (grown, the parts added)."""
        parts = {}
        return re_.grow_group(out, by_file["x.c"], by_file, header_patches, [], parts, used, d), parts

    out = ("bond_3ad.c:9:9: error: \u2018struct ad_slave_info\u2019 has no member named "
           "\u2018port_priority\u2019\nAborting: Applying the patch appears to break the kernel build")
    grown, parts = grow_headers(out, {"bond_3ad.h": "patches/b.patch", "other.h": "patches/o.patch"})
    ok(grown and parts == {"bond_3ad.h": "patches/b.patch"},
       "grow_group: the header adding a member an error misses, not one changing it (%s)" % parts)
    out = ("drivers/infiniband/hw/mlx4/mr.c:36:10: fatal error: rdma/iter.h: No such file or directory\n"
           "Aborting: Applying the patch appears to break the kernel build")
    grown, parts = grow_headers(out, {"include/rdma/iter.h": "patches/b.patch",
                                      "include/rdma/ib_umem.h": "patches/o.patch"})
    ok(grown and parts == {"include/rdma/iter.h": "patches/b.patch"} and
       re_.first_reason(out).endswith("mr.c: rdma/iter.h: No such file or directory"),
       "grow_group: a new header an #include misses; the reason is that error (%s)" % parts)
    # struct ib_block_iter moves from ib_verbs.h (o.patch removes it) to the new iter.h
    with open(os.path.join(d, "patches", "o.patch"), "w") as f:
        f.write("--- a/ib_verbs.h\n+++ b/ib_verbs.h\n@@ -1,3 +1,1 @@\n-struct ib_block_iter {\n"
                "-\tint x;\n };\n")
    out = ("./include/rdma/iter.h:16:8: error: redefinition of \u2018struct ib_block_iter\u2019\n"
           "Aborting: Applying the patch appears to break the kernel build")
    grown, parts = grow_headers(out, {"include/rdma/iter.h": "patches/b.patch",
                                      "include/rdma/ib_verbs.h": "patches/o.patch"})
    ok(grown and parts == {"include/rdma/iter.h": "patches/b.patch",
                           "include/rdma/ib_verbs.h": "patches/o.patch"},
       "grow_group: the header an error in ./include points into, and the one removing the "
       "redefined struct (%s)" % parts)
    # irdma's verbs.c, which no fix changes, fails: its own main.h (changed:
    # it includes the new rdma/iter.h) comes with the group, a header it
    # does not include does not
    os.makedirs(os.path.join(d, "drivers/irdma"))
    with open(os.path.join(d, "drivers/irdma/verbs.c"), "w") as f:
        f.write('#include <linux/kernel.h>\n#include "main.h"\n#include "../core/ib.h"\n')
    out = ("drivers/irdma/verbs.c:2308:30: error: storage size of \u2018biter\u2019 isn\u2019t known\n"
           "Aborting: Applying the patch appears to break the kernel build")
    parts = {}
    grown = re_.grow_group(out, by_file["x.c"], by_file,
                           {"drivers/irdma/main.h": "patches/b.patch",
                            "drivers/core/ib.h": "patches/h.patch",
                            "drivers/other/main.h": "patches/o.patch"},
                           [], parts, used, d, tree=d)
    ok(grown and parts == {"drivers/irdma/main.h": "patches/b.patch",
                           "drivers/core/ib.h": "patches/h.patch"},
       "grow_group: the changed local headers of a failing unit no fix changes (%s)" % parts)

# iscsi_target_nego.c adds an argument four lines below the call's name,
# above the diff's three context lines: the new file says what it continues
new_c = ("int f(void)\n{\n\tret = iscsi_encode_text_output(\n\t\tSENDER,\n\t\tbuf,\n"
         "\t\t&len,\n\t\tMAX,\n\t\tlist);\n}\n")
c_nego = ("--- a/n.c\n+++ b/n.c\n@@ -4,4 +4,5 @@\n \t\tSENDER,\n \t\tbuf,\n \t\t&len,\n"
          "+\t\tMAX,\n \t\tlist);\n")
h_params = ("--- a/p.h\n+++ b/p.h\n@@ -1,2 +1,2 @@\n"
            "-extern int iscsi_encode_text_output(u8, u8, char *, u32 *,\n"
            "+extern int iscsi_encode_text_output(u8, u8, char *, u32 *, u32,\n"
            " \t\t\tstruct iscsi_param_list *, bool);\n")
old_c = new_c.replace("\t\tMAX,\n", "")
ok(mc.needed_headers(c_nego, old_c, new_c, [], [mc.header_change("p.h", h_params)]) == ["p.h"] and
   mc.needed_headers(c_nego, old_c, "", [], [mc.header_change("p.h", h_params)]) == [],
   "a changed argument line continues a call named above the diff's context (iscsi_target_nego.c)")

# kernel/fork.c's fix includes <linux/randomize_kstack.h>, which it did not
# include before: the old tree's include scan cannot tie them
inc = mc.added_includes("+#include <linux/randomize_kstack.h>\n+#include \"smpboot.h\"\n"
                        " #include <linux/sched.h>\n", "kernel/fork.c")
ok("include/linux/randomize_kstack.h" in inc and "kernel/smpboot.h" in inc and
   not any("sched.h" in h for h in inc),
   "a .c change's new #include lines name headers it may need (%d paths)" % len(inc))

# xfrm.h adds "struct net *net," to the (*migrate) member, five lines below
# its name: af_key.c and xfrm_user.c, which change the functions assigned to
# it, need the header and each other (apart, each leaves the other's
# callback with the old type)
old_h = ("struct xfrm_mgr {\n\tint (*migrate)(const struct xfrm_selector *sel,\n"
         "\t\t\tu8 dir, u8 type,\n\t\t\tconst struct xfrm_migrate *m,\n\t\t\tint num_bundles,\n"
         "\t\t\tconst struct xfrm_kmaddress *k,\n\t\t\tconst struct xfrm_encap_tmpl *encap);\n};\n")
new_h = old_h.replace("*k,\n", "*k,\n\t\t\tstruct net *net,\n")
h_mgr = ("--- a/xfrm.h\n+++ b/xfrm.h\n@@ -4,4 +4,5 @@\n \t\t\tconst struct xfrm_migrate *m,\n"
         " \t\t\tint num_bundles,\n \t\t\tconst struct xfrm_kmaddress *k,\n+\t\t\tstruct net *net,\n"
         " \t\t\tconst struct xfrm_encap_tmpl *encap);\n")
mgr = mc.header_change("xfrm.h", h_mgr, old_h, new_h)
c_new = {f: "static int %s(int k, struct net *net)\n{\n}\nstatic struct xfrm_mgr m = {\n"
            "\t.migrate = %s,\n};\n" % (fn, fn)
         for f, fn in (("af_key.c", "pfkey_send_migrate"), ("xfrm_user.c", "xfrm_send_migrate"))}
c_diff = {f: "--- a/%s\n+++ b/%s\n@@ -1,1 +1,1 @@\n-%s\n+%s\n" % (
    f, f, t.splitlines()[0].replace(", struct net *net", ""), t.splitlines()[0])
    for f, t in c_new.items()}
fns = {"af_key.c": ["pfkey_send_migrate"], "xfrm_user.c": ["xfrm_send_migrate"]}
ok(mc.needed_headers(c_diff["af_key.c"], "", c_new["af_key.c"], fns["af_key.c"], [mgr]) ==
   ["xfrm.h"] and "migrate" in mgr.members and
   "migrate" not in mc.header_change("xfrm.h", h_mgr).prototypes,
   "a parameter line added to a function pointer member below the diff's context changes "
   "its prototype (xfrm.h's (*migrate)): read from the header's text (%s)" % sorted(mgr.prototypes))
protos = {f: mc.prototype_changes(c_diff[f], c_new[f], fns[f], [mgr]) for f in c_new}
shared = mc.shared_prototypes(protos, set(), [mgr])
recs = [{"file": f, "kept": True} for f in sorted(c_new)]
mc.companions(recs, {f: set() for f in c_new}, {f: set() for f in c_new}, shared)
ok([r["companions"] for r in recs] == [["xfrm_user.c"], ["af_key.c"]],
   "... and the two implementations of the member are created together (%s)" % recs)

# ocfs2_trace.h drops an argument of TRACE_EVENT(ocfs2_fault): mmap.c's new
# call of trace_ocfs2_fault needs it; an event class changes its events
h_trace = ("--- a/ocfs2_trace.h\n+++ b/ocfs2_trace.h\n@@ -1,5 +1,5 @@\n"
           " TRACE_EVENT(ocfs2_fault,\n \tTP_PROTO(unsigned long long ino,\n"
           "-\t\t void *area, void *page, unsigned long pgoff),\n"
           "-\tTP_ARGS(ino, area, page, pgoff),\n"
           "+\t\t void *page, unsigned long pgoff),\n+\tTP_ARGS(ino, page, pgoff),\n"
           " \tTP_STRUCT__entry(\n")
c_mmap = ("--- a/mmap.c\n+++ b/mmap.c\n@@ -1,2 +1,1 @@\n"
          "-\ttrace_ocfs2_fault(ino,\n-\t\t\t  vma, vmf->page, vmf->pgoff);\n"
          "+\ttrace_ocfs2_fault(ino, vmf->page, vmf->pgoff);\n")
trace = mc.header_change("ocfs2_trace.h", h_trace)
h_class = ("--- a/t.h\n+++ b/t.h\n@@ -1,3 +1,3 @@\n DECLARE_EVENT_CLASS(xs_socket_event,\n"
           "-\tTP_PROTO(struct rpc_xprt *xprt),\n+\tTP_PROTO(struct rpc_xprt *xprt, int x),\n"
           " \tTP_ARGS(xprt),\n")
t_class = ("DECLARE_EVENT_CLASS(xs_socket_event,\n\tTP_PROTO(struct rpc_xprt *xprt, int x),\n"
           "\tTP_ARGS(xprt),\n);\nDEFINE_EVENT(xs_socket_event, xs_connect, TP_PROTO(x), TP_ARGS(x));\n"
           "DEFINE_EVENT(other_class, xs_other, TP_PROTO(x), TP_ARGS(x));\n")
got = mc.header_change("t.h", h_class, "", t_class).prototypes
h_gone = ("--- a/route.h\n+++ b/route.h\n@@ -1,5 +1,2 @@\n struct rtable *ip_route_output_flow(struct net *,\n"
          " \t\t\t\t    const struct sock *sk);\n"
          "-struct rtable *ip_route_output_tunnel(struct sk_buff *skb,\n"
          "-\t\t\t\t      struct net_device *dev,\n-\t\t\t\t      u8 protocol, bool use_cache);\n")
gone = mc.header_change("route.h", h_gone).prototypes
ok(not gone, "a removed declaration is no changed prototype (route.h drops "
   "ip_route_output_tunnel: %s)" % sorted(gone))
ok(mc.needed_headers(c_mmap, "", "", [], [trace]) == ["ocfs2_trace.h"] and
   "trace_ocfs2_fault" in trace.prototypes and "trace_xs_connect" in got and
   "trace_xs_other" not in got,
   "a changed TP_PROTO changes the prototype of trace_<event>, of each event of a class (%s)"
   % sorted(got))

# run-eval --reuse: a committed row becomes a patch's saved result, without
# the corpus fields and the tarball (not on this machine: never run again)
with tempfile.TemporaryDirectory() as d:
    row = {"n": 7, "file": "x.c", "cves": [], "functions": [], "patches_sha": "ab",
           "outcome": "update created", "vm": "applied and undone", "tarball": "/gone.tar.gz"}
    state = os.path.join(d, "x.c", "result.json")
    res = re_.reuse_row(row, os.path.dirname(state), state)
    ok(res == json.load(open(state)) and res["vm"] == "applied and undone" and
       not {"n", "file", "tarball"} & set(res) and res["reused"],
       "--reuse saves a committed row as the patch's result (%s)" % sorted(res))

# run-eval --report of a stopped run: what is not finished is in no rate
rows = [{"outcome": "update created", "vm": "applied and undone", "create_seconds": 1},
        {"outcome": "update created", "create_seconds": 2},
        {"outcome": re_.PENDING},
        {"outcome": "needs custom code", "reason": "[layout] x", "create_seconds": 3}]
s = re_.summarize(rows, "w")
ok(s["pending"] == 2 and s["rate_applied_of_code_changes"] == 0.5 and
   [k for k, _ in s["reasons"]] == ["needs custom code: [layout] x"],
   "summarize: a patch not created yet, or not yet run in the VM, is pending, in no rate "
   "and no reason (%s)" % s["rate_applied_of_code_changes"])
# run-eval reads why an update failed in the VM from ksplice-apply's output:
# the abort code and the tasks found in the replaced code
console = """EVAL-BEGIN e0776
Ksplice update e0776: aborted (code_busy).
A task was executing (or sleeping inside) a function this update
are listed below as "command pid function". Try again when they have
krfcommd 151 rfcomm_run
EVAL-APPLY-FAILED e0776 11
EVAL-END e0776
EVAL-BEGIN e0029
EVAL-NOLOAD e0029
Ksplice update e0029: aborted (target_not_loaded).
EVAL-APPLY-FAILED e0029 17
EVAL-END e0029
"""
got = re_.parse_console(console, 0)
ok(got["e0776"]["vm"] == "apply failed" and got["e0776"]["vm_status"] == 11 and
   got["e0776"]["vm_reason"] == "code_busy: krfcommd 151 rfcomm_run" and
   got["e0029"]["vm"].startswith("not testable") and "vm_reason" not in got["e0029"],
   "parse_console: an apply failure keeps its abort code and busy tasks (%s)" % got["e0776"])
# a target module that never loads: applied (deferred) and undone, but not
# testable; a fresh target refused as it loads: a failed apply
console = """EVAL-BEGIN e0093
EVAL-NOLOAD e0093
EVAL-APPLIED e0093
EVAL-UNDONE e0093
EVAL-END e0093
EVAL-BEGIN e0391
EVAL-APPLIED e0391
EVAL-REFUSED e0391
EVAL-UNDONE e0391
EVAL-END e0391
"""
got = re_.parse_console(console, 0)
ok(got["e0093"]["vm"].startswith("not testable") and got["e0391"]["vm"] == "apply failed" and
   "refused" in got["e0391"]["vm_reason"],
   "parse_console: a module that never loaded is not testable; one refused as it loads fails (%s)"
   % got["e0391"])
b, a, u = re_.load_lines("e0391", {"targets": ["r8152", "vmlinux"],
                                   "custom_code": {"fresh": ["r8152"]}})
b2, a2, _ = re_.load_lines("e0029", {"targets": ["intel_uncore"], "custom_code": {}})
ok(len(b) == 1 and "modprobe -r r8152" in b[0] and len(a) == 1 and "modprobe r8152" in a[0] and
   len(u) == 2 and all("modprobe -r r8152" in x for x in u) and
   len(b2) == 1 and "modprobe intel_uncore" in b2[0] and not a2,
   "a fresh target is loaded after apply and unloaded before undo; another before apply")
ok(re_.target_devices({"fat", "ipmi_si"}) == ["--device", "ipmi-bmc-sim,id=bmc0",
                                                "--device", "isa-ipmi-kcs,bmc=bmc0"] and
   re_.target_devices({"fat"}) == [],
   "a batch patching ipmi_si boots with QEMU's simulated BMC (the BMC first), another without")
_, _, u3 = re_.load_lines("e0064", {"targets": ["ipmi_si"], "custom_code": {"fresh": ["ipmi_si"]}})
ok(len(u3) == 4 and "modprobe -r acpi_ipmi" in u3[0] and "modprobe -r ipmi_si" in u3[1],
   "a fresh ipmi_si is unloaded after acpi_ipmi, its IPMI user, which pins it (%s)" % u3)
s = re_.summarize([{"outcome": "update created", "vm": "apply failed",
                    "vm_reason": "code_busy: krfcommd 151 rfcomm_run"}], "w")
ok([k for k, _ in s["reasons"]] == ["created, apply failed: code_busy: krfcommd N rfcomm_run"],
   "summarize ranks a VM failure's reason with the others (%s)" % s["reasons"])
ok(re_.row_reason({"outcome": "update created", "vm": "apply failed", "vm_reason": "code_busy: x",
                    "custom_code": {"warnings": ["rfcomm_run (c.c) is the loop of a kernel thread"]}})
   == "code_busy: x" and
   re_.row_reason({"outcome": "update created", "vm": "applied and undone",
                   "custom_code": {"warnings": ["gfs2_logd (log.c) is the loop"]}})
   == "warning: gfs2_logd (log.c) is the loop",
   "the table's reason: the VM's refusal first, else the analyzer's warning")
# make-corpus links a changelog entry that names no function to files by its
# subsystem words: the files with most of them, then those whose directory or
# name starts with them; one word of a name alone is no link
recs = [{"file": f, "functions": []} for f in (
    "fs/fuse/dev.c", "drivers/i2c/i2c-dev.c", "ipc/shm.c", "sound/soc/sof/intel/hda-ipc.c",
    "sound/pci/hda/patch_conexant.c", "sound/pci/hda/patch_hdmi.c", "drivers/md/dm-log.c",
    "fs/gfs2/log.c", "net/xdp/xdp_umem.c", "net/rds/rdma.c")]
recs += [{"file": "net/batman-adv/%s.c" % f, "functions": []} for f in
         ("bat_iv_ogm", "main", "tp_meter", "originator")]
names = {"net/batman-adv/bat_iv_ogm.c": mc.changed_names(
    "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-\tint buff_pos = 0;\n+\tsize_t buff_pos = 0;\n"),
    "net/batman-adv/main.c": {"NULL", "batadv_mesh_free"}}
def linked(entry):
    return sorted(r["file"] for r in mc.entry_files(entry, recs, names))
got = {e: linked(e) for e in ("i2c: dev: prevent integer overflow", "ipc: limit next_id allocation",
                              "ALSA: hda/conexant: Fix missing error check",
                              "dm log: fix out-of-bounds write", "RDMA/umem: Fix truncation",
                              "batman-adv: fix integer overflow on buff_pos",
                              "batman-adv: fix NULL deref")}
ok(got == {"i2c: dev: prevent integer overflow": ["drivers/i2c/i2c-dev.c"],
           "ipc: limit next_id allocation": ["ipc/shm.c"],
           "ALSA: hda/conexant: Fix missing error check": ["sound/pci/hda/patch_conexant.c"],
           "dm log: fix out-of-bounds write": ["drivers/md/dm-log.c"],
           "RDMA/umem: Fix truncation": [],
           "batman-adv: fix integer overflow on buff_pos": ["net/batman-adv/bat_iv_ogm.c"],
           "batman-adv: fix NULL deref": ["net/batman-adv/%s.c" % f for f in
                                          ("bat_iv_ogm", "main", "originator", "tp_meter")]},
   "a changelog entry is linked by its subsystem words, then by a code name in the changed "
   "lines (%s)" % got)
sys.exit(0 if all(results) else 1)
PY
