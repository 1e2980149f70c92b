// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the tools' library: ks_link_new() binds exactly the undefined
 * symbols named in the "label address" text, ks_module_name() reads .modinfo;
 * with a "%placeholder ADDRESS" line, the relocation sites of the labels bound
 * to it are listed (a target that is not loaded: kmod/coming.c).
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
	const char *deferred = "%placeholder 0xffffffffc0001000\n"
			       "saved_command_line 0xffffffffc0001000 deferred\n";
	struct ks_fixups fx = { 0 };
	struct ks_err err = { "" };
	char name[64] = "";
	GElf_Sym s;
	int bound = 0;

	if (argc != 3)
		return 2;
	tap_plan(9);
	tap_ok(!ks_module_name(argv[1], name, sizeof(name), &err) &&
	       !strncmp(name, "ksplice_", 8), "module name from .modinfo");
	tap_ok(!sym(argv[1], "saved_command_line", &s) &&
	       s.st_shndx == SHN_UNDEF, "the label is undefined in the input");
	tap_ok(!ks_link_new(argv[1], argv[2], symbols, &bound, NULL, &err),
	       "ks_link_new succeeds");
	tap_ok(bound == 1, "exactly one symbol bound");
	tap_ok(!sym(argv[2], "saved_command_line", &s) &&
	       s.st_shndx == SHN_ABS && s.st_value == 0xffffffff85714008UL,
	       "it is SHN_ABS with the resolved address");
	tap_ok(!sym(argv[2], "seq_puts", &s) && s.st_shndx == SHN_UNDEF,
	       "an exported symbol not in the list stays undefined");
	tap_ok(ks_link_new("/nonexistent.ko", argv[2], symbols, &bound, NULL, &err) &&
	       strstr(err.msg, "/nonexistent.ko"), "a missing input is an error naming it");
	tap_ok(!ks_link_new(argv[1], argv[2], deferred, &bound, &fx, &err) &&
	       bound == 1, "bound to the placeholder");
	tap_ok(fx.text && !strncmp(fx.text, ".text", 5) &&
	       strstr(fx.text, " saved_command_line\n"),
	       "its relocation sites are listed: \"SECTION OFFSET TYPE ADDEND LABEL\"");
	if (fx.text)
		printf("# %s", fx.text);
	free(fx.text);
	return tap_finish();
}
