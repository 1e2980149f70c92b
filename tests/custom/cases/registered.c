/* expect: 0 - - */
/* A handler registered by boot code (its address stored, as
 * nf_conntrack_sip's sip_help_tcp is) runs later: a fix to it is safe as is,
 * not "called only at boot". */
#include <kcase.h>
struct helper {
	int (*help)(int);
};
struct helper helpers[2];
static noinline int help_tcp(int len)
{
#ifdef POST
	if (len < 0)
		return -1;
#endif
	return len * 2;
}
static int __init helpers_init(void)
{
	helpers[0].help = help_tcp;
	return 0;
}
device_initcall(helpers_init);
