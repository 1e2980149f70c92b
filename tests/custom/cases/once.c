/* expect: 3 read_mostly warned_old */
#include <kcase.h>
static int warned_old __data_once = POSTVAL(0, 1);
int warn_old(void)
{
	if (warned_old)
		return 0;
	warned_old = 1;
	return 1;
}
