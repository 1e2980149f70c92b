#!/bin/bash
# kbuild/ksplice_tree.unit_target on the prepared reference tree: where a
# changed .c file is linked with Debian's amd64 config (vmlinux, a module,
# or nowhere). Each case is a Makefile form found on a real fix: an object
# listed with its path by a Makefile above (i915, iwlwifi, kvm-amd), a
# directory named from two levels up (drivers/ lists char/ipmi/), the
# "$(subst m,y,$(CONFIG_X))" form (mmc host/, netlabel_calipso.o), and a
# directory no Makefile above names (drivers/ has no s390/: the corpus once
# kept drivers/s390/cio/css.c as built into vmlinux).
. "$KSPLICE_TOP/tests/lib/tap.sh"
. "$KSPLICE_TOP/kbuild/common.sh"
tap_plan 16
python3 - "$KSPLICE_TOP" "$(ks_kernel_dir)/linux" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "kbuild"))
import ksplice_tree
tree = sys.argv[2]
cfg = ksplice_tree.read_config(os.path.join(tree, ".config"))
cases = [
    ("kernel/printk/printk.c", "vmlinux"),
    ("fs/fat/misc.c", "fat"),
    ("drivers/gpu/drm/i915/display/intel_dp.c", "i915"),
    ("drivers/gpu/drm/i915/gt/uc/intel_uc.c", "i915"),
    ("drivers/net/wireless/intel/iwlwifi/queue/tx.c", "iwlwifi"),
    ("arch/x86/kvm/svm/svm.c", "kvm_amd"),
    ("arch/x86/pci/common.c", "vmlinux"),
    ("drivers/char/ipmi/ipmi_ssif.c", "ipmi_ssif"),
    ("drivers/mmc/host/sdhci.c", "sdhci"),
    ("net/netlabel/netlabel_calipso.c", "vmlinux"),
    ("net/dccp/ccids/lib/tfrc.c", "dccp"),
    ("drivers/s390/cio/css.c", None),
    ("drivers/s390/char/sclp.c", None),
    ("arch/x86/um/ptrace_64.c", None),
    ("drivers/firmware/efi/libstub/alignedmem.c", None),
    ("arch/arm64/kernel/cpu_errata.c", None),
]
for i, (unit, want) in enumerate(cases, 1):
    got = ksplice_tree.unit_target(tree, unit, cfg)
    print("%s %d - %s: %s" % ("ok" if got == want else "not ok", i, unit, want or "not built"))
    if got != want:
        print("# got %s" % got)
PY
