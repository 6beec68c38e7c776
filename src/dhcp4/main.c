#include <stdio.h>
int main(void) { puts("nestor-dhcp4: not yet"); return 1; }
