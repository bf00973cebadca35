#include <cstdio>
int main() { std::puts("lsflow: under construction"); return 0; }
