// Debian's libopenblas-dev installs cblas.h through the alternatives system
// (/usr/include/x86_64-linux-gnu/cblas.h); it also declares openblas_set_num_threads.
#include <cblas.h>
