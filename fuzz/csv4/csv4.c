/* libFuzzer target: Kea lease4 CSV rows and headers (the checks are in ../csv_fuzz.h). */
#include "../csv_fuzz.h"

CSV_FUZZ_TARGET(memfile_csv4)
