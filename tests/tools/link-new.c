// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the tools' library: ks_link_new() binds exactly the undefined
 * symbols named in the "label address" text, ks_module_name() reads .modinfo.
 * Usage: link-new MODULE.ko OUT.ko (MODULE has an undefined saved_command_line)
 */
#include <gelf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "../lib/tap.h"
#include "../../tools/ksplice.h"

/* st_shndx and st_value of symbol name in path; -1 if absent. */
static int sym(const char *path, const char *name, GElf_Sym *out)
{
	int fd = open(path, O_RDONLY), found = -1;
	Elf *elf;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;
		size_t i;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			gelf_getsym(d, i, &s);
			n = elf_strptr(elf, sh.sh_link, s.st_name);
			if (n && !strcmp(n, name)) {
				*out = s;
				found = 0;
			}
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return found;
}

int main(int argc, char **argv)
{
	const char *symbols = "cmdline_proc_show%fs/proc/cmdline.c 0xffffffff8380c320\n"
			      "saved_command_line 0xffffffff85714008\n";
	struct ks_err err = { "" };
	char name[64] = "";
	GElf_Sym s;
	int bound = 0;

	if (argc != 3)
		return 2;
	tap_plan(7);
	tap_ok(!ks_module_name(argv[1], name, sizeof(name), &err) &&
	       !strncmp(name, "ksplice_", 8), "module name from .modinfo");
	tap_ok(!sym(argv[1], "saved_command_line", &s) &&
	       s.st_shndx == SHN_UNDEF, "the label is undefined in the input");
	tap_ok(!ks_link_new(argv[1], argv[2], symbols, &bound, &err),
	       "ks_link_new succeeds");
	tap_ok(bound == 1, "exactly one symbol bound");
	tap_ok(!sym(argv[2], "saved_command_line", &s) &&
	       s.st_shndx == SHN_ABS && s.st_value == 0xffffffff85714008UL,
	       "it is SHN_ABS with the resolved address");
	tap_ok(!sym(argv[2], "seq_puts", &s) && s.st_shndx == SHN_UNDEF,
	       "an exported symbol not in the list stays undefined");
	tap_ok(ks_link_new("/nonexistent.ko", argv[2], symbols, &bound, &err) &&
	       strstr(err.msg, "/nonexistent.ko"), "a missing input is an error naming it");
	return tap_finish();
}
