/* expect: 1 init setup_limits */
#include <kcase.h>
#include <ksplice-patch.h>
int limits_ready;
int __init setup_limits(void)
{
#ifdef POST
	limits_ready = 1;
#endif
	return 0;
}
device_initcall(setup_limits);
#ifdef POST
static void fix_limits(void) { limits_ready = 1; }
ksplice_apply(fix_limits);
static void unfix_limits(void) { limits_ready = 0; }
ksplice_reverse(unfix_limits);
#endif
