/* Runs every lease test group; the exit status is the number of failed tests. */
#include "test_lease.h"

int main(void)
{
    int failed = 0;
    failed += test_model_run();
    failed += test_csv4_run();
    failed += test_csv6_run();
    failed += test_index_run();
    failed += test_memfile_run();
    failed += test_memfile6_run();
    failed += test_conformance_run();
    failed += test_durable_run();
    failed += test_lfc_run();
    failed += test_sqlcache_run();
    failed += test_sqlbatch_run();
    failed += test_sqlconns_run();
    failed += test_sqlcore_run();
    failed += test_json_run();
    failed += test_overlay4_run();
    return failed;
}
