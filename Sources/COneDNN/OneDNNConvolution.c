// Convolutions by oneDNN on the engine's (C, N, H, W) tensors.
//
// Why: on the convolutions that Winograd does not cover (the 7×7 stride-2 stem, strided
// 3×3 and 1×1 layers) and on 16-channel layers, where Winograd's transforms dominate,
// oneDNN's JIT kernels ran 1.4–3.7× faster than im2col + OpenBLAS on one thread (2-core
// AMD EPYC Zen 4, 2026-12-07; BENCHMARKS.md). The calibration in InferenceNetwork still
// picks per layer and batch: oneDNN is one candidate among the engine's own.
//
// Layout: oneDNN's fast kernels want blocked layouts (nChw16c on AVX-512, nChw8c on
// AVX2), chosen by the primitive. Each run reorders the share's input from (C, N, H, W)
// (described to oneDNN as an NCHW tensor with strides) into the primitive's layout and
// the result back, with oneDNN's own reorders. Those copies cost a few percent of the
// convolution; keeping blocked tensors between layers would save them but would spread
// a second layout through the engine.
//
// Threads: Debian's libdnnl runs on OpenMP. Every call here is made with one OpenMP
// thread, from a task of the engine's own pool, which splits the batch (or, for a lone
// image, the output channels) into shares: a second, spinning thread pool beside the
// engine's would take the core the engine's next step needs (the reason OpenBLAS runs
// serially inside inference too).
#include "COneDNN.h"
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// libgomp's, declared here: clang does not ship GCC's omp.h.
extern void omp_set_num_threads(int count);

static dnnl_engine_t shared_engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static void make_engine(void) {
    if (dnnl_engine_create(&shared_engine, dnnl_cpu, 0) != dnnl_success) shared_engine = NULL;
}

// A stream per thread: cheap, and no two threads ever share one.
static __thread dnnl_stream_t thread_stream;
static dnnl_stream_t stream_for_this_thread(void) {
    if (thread_stream == NULL && dnnl_stream_create(&thread_stream, shared_engine, dnnl_stream_default_flags) != dnnl_success)
        thread_stream = NULL;
    return thread_stream;
}

/// Everything needed to run one share; made on the share's first run, kept after.
typedef struct share_plan {
    long N, H, W, n0, n, k0, k1;
    int fused;  // bias and ReLU applied by oneDNN
    int failed;
    char implementation[64];
    dnnl_primitive_t convolution, input_reorder, output_reorder;  // reorders NULL when the layouts agree
    dnnl_memory_t plain_input, plain_output;    // the caller's tensors; handles set per run
    dnnl_memory_t input, output, scratchpad;  // the primitive's layouts (input/output may alias plain)
    dnnl_memory_t weights, bias;              // borrowed: the convolution's copies
    struct share_plan *next;
} share_plan;

/// The weights of output channels k0 ..< k1 in one primitive's layout. Plans of every
/// batch size and share share them: a copy per plan would hold the weights once per
/// batch size the server has seen.
typedef struct weight_copy {
    long k0, k1;
    dnnl_memory_t memory;
    struct weight_copy *next;
} weight_copy;

struct engine_dnnl_convolution {
    long C, K, R, stride, padding;
    int relu;
    float *weight, *bias;
    pthread_mutex_t lock;
    share_plan *plans;
    weight_copy *weights;
};

engine_dnnl_convolution *engine_dnnl_convolution_create(long C, long K, long R, long stride, long padding,
                                                        const float *weight, const float *bias, int relu) {
    pthread_once(&engine_once, make_engine);
    if (shared_engine == NULL || C <= 0 || K <= 0 || R <= 0 || stride <= 0 || padding < 0) return NULL;
    engine_dnnl_convolution *convolution = calloc(1, sizeof *convolution);
    if (convolution == NULL) return NULL;
    convolution->weight = malloc(sizeof(float) * (size_t)(K * C * R * R));
    convolution->bias = malloc(sizeof(float) * (size_t)K);
    if (convolution->weight == NULL || convolution->bias == NULL) {
        free(convolution->weight);
        free(convolution->bias);
        free(convolution);
        return NULL;
    }
    memcpy(convolution->weight, weight, sizeof(float) * (size_t)(K * C * R * R));
    memcpy(convolution->bias, bias, sizeof(float) * (size_t)K);
    convolution->relu = relu;
    convolution->C = C;
    convolution->K = K;
    convolution->R = R;
    convolution->stride = stride;
    convolution->padding = padding;
    pthread_mutex_init(&convolution->lock, NULL);
    return convolution;
}

/// Destroys what the plan owns (not the borrowed weights) and clears it, leaving the key.
static void release_plan(share_plan *plan) {
    dnnl_primitive_t primitives[] = {plan->convolution, plan->input_reorder, plan->output_reorder};
    for (int i = 0; i < 3; i++)
        if (primitives[i]) dnnl_primitive_destroy(primitives[i]);
    dnnl_memory_t memories[] = {plan->plain_input, plan->plain_output, plan->bias, plan->scratchpad};
    for (int i = 0; i < 4; i++)
        if (memories[i]) dnnl_memory_destroy(memories[i]);
    if (plan->input && plan->input != plan->plain_input) dnnl_memory_destroy(plan->input);
    if (plan->output && plan->output != plan->plain_output) dnnl_memory_destroy(plan->output);
    plan->convolution = plan->input_reorder = plan->output_reorder = NULL;
    plan->plain_input = plan->plain_output = plan->bias = plan->scratchpad = plan->input = plan->output = NULL;
    plan->weights = NULL;
}

void engine_dnnl_convolution_destroy(engine_dnnl_convolution *convolution) {
    if (convolution == NULL) return;
    for (share_plan *plan = convolution->plans, *next; plan != NULL; plan = next) {
        next = plan->next;
        release_plan(plan);
        free(plan);
    }
    for (weight_copy *copy = convolution->weights, *next; copy != NULL; copy = next) {
        next = copy->next;
        dnnl_memory_destroy(copy->memory);
        free(copy);
    }
    pthread_mutex_destroy(&convolution->lock);
    free(convolution->weight);
    free(convolution->bias);
    free(convolution);
}

/// Per thread, one buffer for each of a share's blocked input, blocked output and oneDNN
/// scratchpad, grown to the largest share the thread has run and lent to each run. A
/// share runs on one thread from start to end, so nothing else uses them meanwhile; per
/// plan, the buffers of every layer and batch size calibrated would stay resident (265 MB
/// for resnet18 at batches 1 and 8).
enum { arena_input, arena_output, arena_scratch, arena_count };
static __thread struct {
    void *data;
    size_t size;
} arenas[arena_count];

static void *arena(int which, size_t size) {
    if (size == 0) size = 64;
    if (arenas[which].size < size) {
        free(arenas[which].data);
        size_t rounded = (size + 4095) / 4096 * 4096;
        arenas[which].data = aligned_alloc(4096, rounded);
        arenas[which].size = arenas[which].data ? rounded : 0;
    }
    return arenas[which].data;
}

static int lend(dnnl_memory_t memory, int which) {
    const dnnl_memory_desc_t *layout;
    if (dnnl_memory_get_memory_desc(memory, &layout) != dnnl_success) return -1;
    void *data = arena(which, dnnl_memory_desc_get_size(layout)), *current = NULL;
    if (data == NULL) return -1;
    // Setting a handle makes oneDNN zero a padded layout's padding, a pass over the whole
    // buffer (the stem's 3 channels padded to 16): skipped when the plan already has it.
    // Stale padding is not a risk: every primitive zeroes its output's padding itself.
    if (dnnl_memory_get_data_handle(memory, &current) == dnnl_success && current == data) return 0;
    return dnnl_memory_set_data_handle(memory, data) == dnnl_success ? 0 : -1;
}

/// Points the plan's blocked input, output and scratchpad at this thread's arenas.
static int lend_arenas(share_plan *plan) {
    if (plan->input != plan->plain_input && lend(plan->input, arena_input) != 0) return -1;
    if (plan->output != plan->plain_output && lend(plan->output, arena_output) != 0) return -1;
    return lend(plan->scratchpad, arena_scratch);
}

/// A reorder from `from` to `to` run once now (for the weights) or kept (per run).
static int make_reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, dnnl_primitive_t *reorder) {
    dnnl_primitive_desc_t descriptor;
    if (dnnl_reorder_primitive_desc_create(&descriptor, from, shared_engine, to, shared_engine, NULL) != dnnl_success)
        return -1;
    dnnl_status_t status = dnnl_primitive_create(reorder, descriptor);
    dnnl_primitive_desc_destroy(descriptor);
    return status == dnnl_success ? 0 : -1;
}

static int run_reorder(dnnl_primitive_t reorder, dnnl_memory_t from, dnnl_memory_t to, dnnl_stream_t stream) {
    dnnl_exec_arg_t arguments[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    return dnnl_primitive_execute(reorder, stream, 2, arguments) == dnnl_success ? 0 : -1;
}

/// The memory for `layout`: `plain` itself when they agree (no reorder), else memory with
/// no buffer of its own (a thread's arena is lent to it per run) and the reorder between
/// them (`to_plain` gives its direction).
static int layout_memory(const dnnl_memory_desc_t *layout, dnnl_memory_t plain, int to_plain, dnnl_memory_t *memory,
                         dnnl_primitive_t *reorder) {
    const dnnl_memory_desc_t *plain_layout;
    if (dnnl_memory_get_memory_desc(plain, &plain_layout) != dnnl_success) return -1;
    if (dnnl_memory_desc_equal(layout, plain_layout)) {
        *memory = plain;
        return 0;
    }
    if (dnnl_memory_create(memory, layout, shared_engine, DNNL_MEMORY_NONE) != dnnl_success) return -1;
    return to_plain ? make_reorder(layout, plain_layout, reorder) : make_reorder(plain_layout, layout, reorder);
}

/// Channels k0 ..< k1 of the weights in `layout`, reordered on first request (under the lock).
static dnnl_memory_t weights_for(engine_dnnl_convolution *c, long k0, long k1, const dnnl_memory_desc_t *layout,
                                 const dnnl_memory_desc_t *plain_weights, dnnl_stream_t stream) {
    for (weight_copy *copy = c->weights; copy != NULL; copy = copy->next) {
        const dnnl_memory_desc_t *copy_layout;
        if (copy->k0 == k0 && copy->k1 == k1 && dnnl_memory_get_memory_desc(copy->memory, &copy_layout) == dnnl_success &&
            dnnl_memory_desc_equal(copy_layout, layout))
            return copy->memory;
    }
    weight_copy *copy = calloc(1, sizeof *copy);
    if (copy == NULL) return NULL;
    dnnl_memory_t source = NULL;
    dnnl_primitive_t reorder = NULL;
    int failed = dnnl_memory_create(&copy->memory, layout, shared_engine, DNNL_MEMORY_ALLOCATE) != dnnl_success ||
                 dnnl_memory_create(&source, plain_weights, shared_engine, c->weight + k0 * c->C * c->R * c->R) !=
                     dnnl_success ||
                 make_reorder(plain_weights, layout, &reorder) != 0 ||
                 run_reorder(reorder, source, copy->memory, stream) != 0 || dnnl_stream_wait(stream) != dnnl_success;
    if (reorder) dnnl_primitive_destroy(reorder);
    if (source) dnnl_memory_destroy(source);
    if (failed) {
        if (copy->memory) dnnl_memory_destroy(copy->memory);
        free(copy);
        return NULL;
    }
    copy->k0 = k0;
    copy->k1 = k1;
    copy->next = c->weights;
    c->weights = copy;
    return copy->memory;
}

static int build_plan(engine_dnnl_convolution *c, share_plan *plan, dnnl_stream_t stream) {
    const long K = plan->k1 - plan->k0, R = c->R;
    const long P = (plan->H + 2 * c->padding - R) / c->stride + 1, Q = (plan->W + 2 * c->padding - R) / c->stride + 1;
    if (P <= 0 || Q <= 0 || K <= 0 || plan->n <= 0) return -1;
    // (C, N, H, W) seen as NCHW with strides: image n0's channel c starts at (c·N + n0)·H·W.
    // A lone image's stride is immaterial; the one of dense NCHW lets oneDNN see a plain
    // NCHW tensor when the whole batch is one image.
    const long input_plane = plan->H * plan->W;
    dnnl_dims_t input_dims = {plan->n, c->C, plan->H, plan->W},
                input_strides = {plan->n == 1 ? c->C * plan->N * input_plane : input_plane, plan->N * input_plane,
                                 plan->W, 1};
    dnnl_dims_t output_dims = {plan->n, K, P, Q},
                output_strides = {plan->n == 1 ? K * plan->N * P * Q : P * Q, plan->N * P * Q, Q, 1};
    dnnl_dims_t weight_dims = {K, c->C, R, R}, strides = {c->stride, c->stride}, padding = {c->padding, c->padding};
    dnnl_dims_t bias_dims = {K};
    dnnl_memory_desc_t plain_input, plain_output, plain_weights, any_input, any_output, any_weights, bias_layout;
    if (dnnl_memory_desc_init_by_strides(&plain_input, 4, input_dims, dnnl_f32, input_strides) != dnnl_success ||
        dnnl_memory_desc_init_by_strides(&plain_output, 4, output_dims, dnnl_f32, output_strides) != dnnl_success ||
        dnnl_memory_desc_init_by_tag(&plain_weights, 4, weight_dims, dnnl_f32, dnnl_oihw) != dnnl_success ||
        dnnl_memory_desc_init_by_tag(&any_input, 4, input_dims, dnnl_f32, dnnl_format_tag_any) != dnnl_success ||
        dnnl_memory_desc_init_by_tag(&any_output, 4, output_dims, dnnl_f32, dnnl_format_tag_any) != dnnl_success ||
        dnnl_memory_desc_init_by_tag(&any_weights, 4, weight_dims, dnnl_f32, dnnl_format_tag_any) != dnnl_success ||
        dnnl_memory_desc_init_by_tag(&bias_layout, 1, bias_dims, dnnl_f32, dnnl_x) != dnnl_success)
        return -1;
    // Three channels (the stem): oneDNN's kernels for a first layer read plain NCHW
    // directly, where a blocked copy of a 3-channel input would be mostly padding. Where
    // they cannot (an image inside a batch is not dense NCHW), the blocked layout.
    dnnl_primitive_desc_t descriptor = NULL;
    const char *implementation = NULL;
    const dnnl_memory_desc_t *requests[] = {&plain_input, &any_input};
    for (int attempt = c->C < 8 ? 0 : 1; attempt < 2 && descriptor == NULL; attempt++) {
        dnnl_convolution_desc_t description;
        if (dnnl_convolution_forward_desc_init(&description, dnnl_forward_inference, dnnl_convolution_direct,
                                               requests[attempt], &any_weights, plan->fused ? &bias_layout : NULL,
                                               &any_output, strides, padding, padding) != dnnl_success)
            continue;
        dnnl_primitive_attr_t attributes;
        if (dnnl_primitive_attr_create(&attributes) != dnnl_success) return -1;
        dnnl_post_ops_t post_ops = NULL;
        if (plan->fused && c->relu) {
            // 1: ReLU; 2: ReLU6, oneDNN's clip to [0, 6].
            dnnl_alg_kind_t activation = c->relu == 2 ? dnnl_eltwise_clip : dnnl_eltwise_relu;
            float upper = c->relu == 2 ? 6.0f : 0.0f;
            if (dnnl_post_ops_create(&post_ops) != dnnl_success ||
                dnnl_post_ops_append_eltwise(post_ops, 1.0f, activation, 0.0f, upper) != dnnl_success ||
                dnnl_primitive_attr_set_post_ops(attributes, post_ops) != dnnl_success) {
                if (post_ops) dnnl_post_ops_destroy(post_ops);
                dnnl_primitive_attr_destroy(attributes);
                return -1;
            }
            dnnl_post_ops_destroy(post_ops);
        }
        // The scratchpad is this share's own, so shares of one layer can run at once.
        dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user);
        dnnl_status_t status = dnnl_primitive_desc_create(&descriptor, &description, attributes, shared_engine, NULL);
        dnnl_primitive_attr_destroy(attributes);
        if (status != dnnl_success) {
            descriptor = NULL;
            continue;
        }
        implementation = NULL;
        dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &implementation);
        // The reference implementation is a plain loop nest, slower than the engine's own
        // paths, and the GEMM-based one is im2col + GEMM again.
        if (implementation == NULL || strncmp(implementation, "ref", 3) == 0 || strstr(implementation, "gemm") != NULL) {
            dnnl_primitive_desc_destroy(descriptor);
            descriptor = NULL;
        }
    }
    if (descriptor == NULL) return -1;
    int result = -1;
    strncpy(plan->implementation, implementation, sizeof plan->implementation - 1);
    const dnnl_memory_desc_t *input_layout = dnnl_primitive_desc_query_md(descriptor, dnnl_query_src_md, 0),
                             *output_layout = dnnl_primitive_desc_query_md(descriptor, dnnl_query_dst_md, 0),
                             *weight_layout = dnnl_primitive_desc_query_md(descriptor, dnnl_query_weights_md, 0),
                             *scratch_layout = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0);
    if (dnnl_memory_create(&plan->plain_input, &plain_input, shared_engine, DNNL_MEMORY_NONE) != dnnl_success ||
        dnnl_memory_create(&plan->plain_output, &plain_output, shared_engine, DNNL_MEMORY_NONE) != dnnl_success ||
        layout_memory(input_layout, plan->plain_input, 0, &plan->input, &plan->input_reorder) != 0 ||
        layout_memory(output_layout, plan->plain_output, 1, &plan->output, &plan->output_reorder) != 0 ||
        dnnl_memory_create(&plan->scratchpad, scratch_layout, shared_engine, DNNL_MEMORY_NONE) != dnnl_success ||
        dnnl_primitive_create(&plan->convolution, descriptor) != dnnl_success)
        goto done;
    if (plan->fused &&
        dnnl_memory_create(&plan->bias, &bias_layout, shared_engine, c->bias + plan->k0) != dnnl_success)
        goto done;
    plan->weights = weights_for(c, plan->k0, plan->k1, weight_layout, &plain_weights, stream);
    if (plan->weights == NULL) goto done;
    result = 0;
done:
    dnnl_primitive_desc_destroy(descriptor);
    return result;
}

/// The plan of this share, made (or found to be impossible) on first use.
static share_plan *plan_for(engine_dnnl_convolution *c, long N, long H, long W, long n0, long n, long k0, long k1,
                            int fused, dnnl_stream_t stream) {
    pthread_mutex_lock(&c->lock);
    share_plan *plan = c->plans;
    while (plan != NULL && !(plan->N == N && plan->H == H && plan->W == W && plan->n0 == n0 && plan->n == n &&
                             plan->k0 == k0 && plan->k1 == k1 && plan->fused == fused))
        plan = plan->next;
    if (plan == NULL && (plan = calloc(1, sizeof *plan)) != NULL) {
        *plan = (share_plan){.N = N, .H = H, .W = W, .n0 = n0, .n = n, .k0 = k0, .k1 = k1, .fused = fused};
        if (build_plan(c, plan, stream) != 0) {
            // Kept, marked, so that every later call falls back at once instead of retrying.
            release_plan(plan);
            plan->failed = 1;
        }
        plan->next = c->plans;
        c->plans = plan;
    }
    pthread_mutex_unlock(&c->lock);
    return plan;
}

int engine_dnnl_convolution_run(engine_dnnl_convolution *c, const float *input, float *output, long N, long H, long W,
                                long n0, long n, long k0, long k1, int fused) {
    if (c == NULL || n0 < 0 || n <= 0 || n0 + n > N || k0 < 0 || k1 > c->K || k1 <= k0) return -1;
    omp_set_num_threads(1);
    dnnl_stream_t stream = stream_for_this_thread();
    if (stream == NULL) return -1;
    share_plan *plan = plan_for(c, N, H, W, n0, n, k0, k1, fused != 0, stream);
    if (plan == NULL || plan->failed) return -1;
    const long P = (H + 2 * c->padding - c->R) / c->stride + 1, Q = (W + 2 * c->padding - c->R) / c->stride + 1;
    if (dnnl_memory_set_data_handle(plan->plain_input, (void *)(input + n0 * H * W)) != dnnl_success ||
        dnnl_memory_set_data_handle(plan->plain_output, output + (k0 * N + n0) * P * Q) != dnnl_success)
        return -1;
    if (lend_arenas(plan) != 0) return -1;
    if (plan->input_reorder && run_reorder(plan->input_reorder, plan->plain_input, plan->input, stream) != 0) return -1;
    dnnl_exec_arg_t arguments[] = {{DNNL_ARG_SRC, plan->input},
                                   {DNNL_ARG_WEIGHTS, plan->weights},
                                   {DNNL_ARG_DST, plan->output},
                                   {DNNL_ARG_SCRATCHPAD, plan->scratchpad},
                                   {DNNL_ARG_BIAS, plan->bias}};
    if (dnnl_primitive_execute(plan->convolution, stream, plan->fused ? 5 : 4, arguments) != dnnl_success) return -1;
    if (plan->output_reorder && run_reorder(plan->output_reorder, plan->output, plan->plain_output, stream) != 0) return -1;
    return dnnl_stream_wait(stream) == dnnl_success ? 0 : -1;
}

const char *engine_dnnl_convolution_implementation(engine_dnnl_convolution *c, long N, long H, long W, long n0, long n,
                                                   long k0, long k1, int fused) {
    if (c == NULL) return NULL;
    pthread_mutex_lock(&c->lock);
    const char *name = NULL;
    for (share_plan *plan = c->plans; plan != NULL; plan = plan->next)
        if (plan->N == N && plan->H == H && plan->W == W && plan->n0 == n0 && plan->n == n && plan->k0 == k0 &&
            plan->k1 == k1 && plan->fused == (fused != 0) && !plan->failed)
            name = plan->implementation;
    pthread_mutex_unlock(&c->lock);
    return name;
}
