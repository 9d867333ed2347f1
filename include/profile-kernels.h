/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The DAMON feature sets of four mainline kernel generations (5.18, 6.1, 6.12, 6.18) as a probe of such a
 * kernel would find them: for the golden tests, the documentation and `damond --check-config --kernel=`.
 * Running kernels are probed (damon-features.h); these tables never decide anything on a real machine.
 */

#include "damon-features.h"

/* "5.18", "6.1", "6.12", "6.18", NULL */
extern const char * const profile_kernel_generations[];

/* Fills @ret with the features of mainline @generation with CONFIG_DAMON_{SYSFS,VADDR,PADDR} and the
 * DAMON modules built. Returns 0 or -EINVAL for an unknown generation. */
int profile_kernel_features(const char *generation, DamonFeatures *ret);

/* The mainline version that brought @f ("6.8"), and a short description ("quota goals"). */
void profile_feature_since(DamonFeature f, unsigned *ret_major, unsigned *ret_minor);
const char *profile_feature_description(DamonFeature f);
