// SPDX-License-Identifier: GPL-2.0
/* The hooks of kmod/ksplice-patch.h in a post object; see hooks.h. */
#include "hooks.h"

#include <stdlib.h>
#include <string.h>

const char *const ksp_hook_kinds[] = {
	"pre_apply", "check_apply", "apply", "post_apply", "fail_apply",
	"pre_reverse", "check_reverse", "reverse", "post_reverse", "fail_reverse",
	NULL,
};

int ksp_hook_section_kind(const char *name)
{
	size_t n = strlen(KSP_HOOK_SECTION);
	int i;

	if (strncmp(name, KSP_HOOK_SECTION, n))
		return -1;
	for (i = 0; ksp_hook_kinds[i]; i++)
		if (!strcmp(name + n, ksp_hook_kinds[i]))
			return i;
	return -1;
}

size_t ksp_count_hooks(const struct kelf *post)
{
	size_t i, n = 0;

	for (i = 1; i < post->nr_secs; i++)
		if (!strncmp(post->secs[i].name, KSP_HOOK_SECTION, strlen(KSP_HOOK_SECTION)))
			n += post->secs[i].size / 8;
	return n;
}

static int add_hook(struct ksp_hooks *h, int kind, int func, const char *name)
{
	struct ksp_hook *v = realloc(h->v, (h->n + 1) * sizeof(*v));

	if (!v)
		return -1;
	h->v = v;
	v[h->n] = (struct ksp_hook){ kind, func, strdup(name), NULL };
	if (!v[h->n].name)
		return -1;
	h->n++;
	return 0;
}

/* The hooks of one section, in section order. */
static int section_hooks(const struct kelf *post, const struct ksp_diff *d, int sec, int kind,
			 struct ksp_hooks *h, char *err, size_t errlen)
{
	const struct kelf_sec *s = &post->secs[sec];
	uint64_t off;

	if (s->size % 8) {
		snprintf(err, errlen, "section %s: size %zu is not a multiple of 8", s->name,
			 s->size);
		return -1;
	}
	for (off = 0; off < s->size; off += 8) {
		size_t n, first = kelf_relas_in(s, off, off + 8, &n);
		struct kelf_target t;
		int f;

		if (n != 1) {
			snprintf(err, errlen, "section %s+%llu: a hook pointer without relocation",
				 s->name, (unsigned long long)off);
			return -1;
		}
		kelf_resolve(post, &s->relas[first], NULL, &t);
		f = t.sym >= 0 ? ksp_func_of_sym(&d->post, t.sym) : -1;
		if (f < 0 || t.addend != 0 || !ksp_post_included(d, (size_t)f)) {
			snprintf(err, errlen, "%s hook %s: not a new or changed function of the "
				 "update (define the hook function in the patch; never __init)",
				 ksp_hook_kinds[kind], t.sym >= 0 ? post->syms[t.sym].name : "?");
			return -1;
		}
		if (add_hook(h, kind, f, post->syms[t.sym].name)) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

int ksp_find_hooks(const struct kelf *post, const struct ksp_diff *d,
		   struct ksp_hooks *h, char *err, size_t errlen)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	for (i = 1; i < post->nr_secs; i++) {
		const char *name = post->secs[i].name;
		int kind;

		if (strncmp(name, KSP_HOOK_SECTION, strlen(KSP_HOOK_SECTION)))
			continue;
		kind = ksp_hook_section_kind(name);
		if (kind < 0) {
			snprintf(err, errlen, "section %s: unknown hook kind (see ksplice-patch.h)",
				 name);
			ksp_hooks_free(h);
			return -1;
		}
		if (section_hooks(post, d, (int)i, kind, h, err, errlen)) {
			ksp_hooks_free(h);
			return -1;
		}
	}
	return 0;
}

void ksp_hooks_free(struct ksp_hooks *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].alias);
	}
	free(h->v);
	memset(h, 0, sizeof(*h));
}
