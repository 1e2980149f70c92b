/* expect: 3 init fill_table */
#include <kcase.h>
static int table[4];
static noinline void fill_table(int v)
{
	for (int i = 0; i < 4; i++)
#ifdef POST
		table[i] = v + i;
#else
		table[i] = v;
#endif
}
static int __init table_init(void)
{
	fill_table(3);
	return 0;
}
device_initcall(table_init);
int table_get(int i) { return table[i & 3]; }
