#include <cstdio>
int main() { std::puts("segrt"); return 0; }
