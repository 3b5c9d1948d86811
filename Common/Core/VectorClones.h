/**
 * @file VectorClones.h
 * @brief Function multiversioning for the few loops that decide throughput.
 *
 * With GCC on x86-64, a function marked CNNSLICER_VECTOR_CLONES is compiled twice, for
 * AVX2 and for the baseline (SSE2), and the loader picks one for the CPU at hand. Both
 * perform the same IEEE operations (no FMA contraction applies to the marked loops), so
 * results do not depend on the clone.
 */
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define CNNSLICER_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#define CNNSLICER_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define CNNSLICER_VECTOR_CLONES
#define CNNSLICER_ALWAYS_INLINE inline
#endif
