/* expect: 0 - - */
#ifdef POST
static int calls;
#endif
int count_call(int x)
{
#ifdef POST
	calls++;
#endif
	return x + 1;
}
