/* Runs every proto test group; the exit status is the number of failed tests. */
#include "test_proto.h"

int main(void)
{
    int failed = 0;
    failed += test_pkt4_run();
    failed += test_pkt6_run();
    failed += test_frame_run();
    failed += test_optdef_run();
    failed += test_optspace_run();
    return failed;
}
