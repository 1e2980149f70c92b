extern int ext(int);
static inline int helper(int y) { return ext(y) + 10; }
int caller1(int x) { return helper(x) * 2; }
int caller2(int x) { return helper(x + 5); }
int bystander(int x) { return ext(x); }
