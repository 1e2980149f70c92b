/*
 * A comment that shifts every line below it.
 */
extern int ext(int);

int f(int x)
{
	/* add one */
	return ext(x)   +   1;
}

static int helper(int y)
{
	return ext(y * 3);
}

int g(int x) { return helper(x) + helper(x + 1); }
