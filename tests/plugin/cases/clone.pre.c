static __attribute__((noinline)) int scale(int x, int factor)
{
	return x * factor + (x >> 3);
}
int use1(int x) { return scale(x, 3); }
int use2(int x) { return scale(x + 1, 3); }
