/* expect: 3 init setup_limits */
#include <kcase.h>
int limits_ready;
int __init setup_limits(void)
{
#ifdef POST
	limits_ready = 1;
#endif
	return 0;
}
device_initcall(setup_limits);
