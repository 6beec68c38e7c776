/* The proto unit test executable: one cmocka group per source file. */
#ifndef NESTOR_TEST_PROTO_H
#define NESTOR_TEST_PROTO_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

int test_pkt4_run(void);
int test_pkt6_run(void);
int test_frame_run(void);
int test_optdef_run(void);
int test_optspace_run(void);

#endif
