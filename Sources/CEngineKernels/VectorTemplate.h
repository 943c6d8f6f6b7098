// The vector type and its unaligned load, store and broadcast, shared by the kernel
// templates (Direct3x3Template.h, WinogradTemplate.h). Included once per instruction set
// by each template, with VEC (lanes), TARGET and NAME(x) defined as those templates say.

typedef float NAME(vf) __attribute__((vector_size(VEC * 4)));

TARGET static inline NAME(vf) NAME(load)(const float *p) {
    NAME(vf) v;
    __builtin_memcpy(&v, p, sizeof v);  // one unaligned load
    return v;
}

TARGET static inline void NAME(store)(float *p, NAME(vf) v) {
    __builtin_memcpy(p, &v, sizeof v);  // one unaligned store
}

TARGET static inline NAME(vf) NAME(splat)(float s) {
    // Element by element, which compiles to one broadcast; `zero + s` would add an
    // addition on the FMA ports (0 + s is not s for s = −0).
    NAME(vf) v;
    for (int i = 0; i < VEC; i++) v[i] = s;
    return v;
}
