/* expect: 3 read_mostly strict_mode */
#include <kcase.h>
int strict_mode __read_mostly = POSTVAL(0, 1);
int is_strict(void) { return strict_mode; }
