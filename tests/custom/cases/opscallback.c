/* expect: 0 in_place ks_key_type */
/* A registered, writable ops structure gains a callback (cifs_spnego's
 * key_type gained .vet_description): the core writes the pointer to the new
 * function into the running structure; its other fields are left alone. */
#include <kcase.h>
struct key_type {
	const char *name;
	int (*vet)(const char *desc);
	int (*instantiate)(const char *desc);
	void *link[2];		/* the kernel's list of registered types */
};
static int ks_instantiate(const char *desc)
{
	return desc[0];
}
#ifdef POST
static int ks_vet(const char *desc)
{
	return desc[0] == '/' ? -1 : 0;
}
#endif
struct key_type ks_key_type = {
	.name = "ks",
#ifdef POST
	.vet = ks_vet,
#endif
	.instantiate = ks_instantiate,
};
