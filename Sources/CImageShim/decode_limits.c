#include "image_shim.h"

void ishim_flag_set(int32_t *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELAXED); }
