/* nestor-admin's MySQL backend placeholder until the MySQL connection module lands. */
#include "admin/admin.h"

const admin_backend_t admin_mysql = {.name = "mysql"};
