"""Which target (vmlinux, a module, or nothing) a kernel .c file is built into.

Kbuild decides this in each directory's Makefile (obj-y, obj-m, composite
objects' NAME-y / NAME-objs lists) under the tree's configuration. Rather than
parse Makefiles, we let make itself evaluate one directory's Kbuild file with
the tree's include/config/auto.conf and scripts/Kbuild.include, and print the
lists. A directory counts only when its parent's lists reach it ("dir/").

    t = KbuildTargets("/path/to/prepared/tree")
    t.target_of("fs/ext4/inode.c")   # -> "ext4" (module), "vmlinux" or None
"""

import os
import subprocess

# Reached from the top-level Makefile and arch/x86/Makefile (core-y, drivers-y,
# libs-y...), so their own parents need not list them.
TOP_DIRS = {
    "init", "usr", "arch/x86", "kernel", "certs", "mm", "fs", "ipc", "security",
    "crypto", "block", "io_uring", "drivers", "sound", "samples", "net", "lib",
    "virt", "arch/x86/lib", "arch/x86/pci", "arch/x86/power", "arch/x86/video",
    "arch/x86/math-emu",
}

PRINT_MAKEFILE = r"""
include $(TREE)/include/config/auto.conf
include $(TREE)/scripts/Kbuild.include
srctree := $(TREE)
src := $(DIR)
obj := $(DIR)
CONFIG_SHELL := sh
include $(KBUILD_FILE)
$(info OBJ-Y $(obj-y) $(lib-y))
$(info OBJ-M $(obj-m))
$(foreach v,$(filter %-y %-objs %-m,$(.VARIABLES)),$(info VAR $(v) := $($(v))))
all: ;
"""


class KbuildTargets:
    def __init__(self, tree):
        self.tree = os.path.abspath(tree)
        self._dirs = {}

    def _eval_dir(self, d):
        """(obj_y, obj_m, composites) of directory d, or None if unknown."""
        if d in self._dirs:
            return self._dirs[d]
        result = None
        for name in ("Kbuild", "Makefile"):
            kfile = os.path.join(self.tree, d, name)
            if os.path.isfile(kfile):
                result = self._run_make(d, kfile)
                break
        self._dirs[d] = result
        return result

    def _run_make(self, d, kfile):
        try:
            out = subprocess.run(
                ["make", "-s", "-f", "-", "TREE=" + self.tree, "DIR=" + d,
                 "KBUILD_FILE=" + kfile, "all"],
                input=PRINT_MAKEFILE, capture_output=True, text=True,
                cwd=self.tree, timeout=60).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        obj_y, obj_m, comp = set(), set(), {}
        for line in out.splitlines():
            if line.startswith("OBJ-Y "):
                obj_y.update(line.split()[1:])
            elif line.startswith("OBJ-M "):
                obj_m.update(line.split()[1:])
            elif line.startswith("VAR ") and " := " in line:
                var, val = line[4:].split(" := ", 1)
                for suffix in ("-objs", "-y", "-m"):
                    if var.endswith(suffix):
                        base = var[: -len(suffix)]
                        comp.setdefault(base + ".o", set()).update(val.split())
        return obj_y, obj_m, comp

    def _dir_kind(self, d):
        """'y' when directory d is built into vmlinux, 'm' when only into
        modules, None when the configuration does not reach it."""
        if d in TOP_DIRS:
            return "y"
        parent, base = os.path.split(d)
        if not parent:
            return None
        kind = self._dir_kind(parent)
        lists = self._eval_dir(parent)
        if kind is None or lists is None:
            return None
        obj_y, obj_m, _ = lists
        if base + "/" in obj_y:
            return kind
        if base + "/" in obj_m:
            return "m"
        return None

    def target_of(self, path):
        """'vmlinux', a module name, or None when the config does not build
        path (a .c file relative to the tree)."""
        d, fname = os.path.split(path)
        obj = fname[:-2] + ".o"
        if self._dir_kind(d) is None:
            return None
        lists = self._eval_dir(d)
        if lists is None:
            return None
        obj_y, obj_m, comp = lists
        if obj in obj_y:
            return "vmlinux"
        if obj in obj_m:
            return obj[:-2].replace("-", "_")
        for composite, members in comp.items():
            if obj not in members:
                continue
            if composite in obj_y:
                return "vmlinux"
            if composite in obj_m:
                return composite[:-2].replace("-", "_")
        return None
