/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "fake-kernel.h"

static const char * const gen_table[_FAKE_GEN_MAX] = {
        [FAKE_GEN_5_18] = "5.18",
        [FAKE_GEN_6_1] = "6.1",
        [FAKE_GEN_6_12] = "6.12",
        [FAKE_GEN_6_18] = "6.18",
};

FakeKernelGen fake_kernel_gen_from_string(const char *s) {
        for (size_t i = 0; i < _FAKE_GEN_MAX; i++)
                if (s && streq(gen_table[i], s))
                        return (FakeKernelGen) i;
        return _FAKE_GEN_INVALID;
}

const char *fake_kernel_gen_to_string(FakeKernelGen g) {
        return (int) g >= 0 && g < _FAKE_GEN_MAX ? gen_table[g] : NULL;
}

FakeKernelGen fake_kernel_gen_from_env(void) {
        FakeKernelGen g = fake_kernel_gen_from_string(getenv("DAMOND_FAKE_KERNEL"));

        return g < 0 ? FAKE_GEN_6_18 : g;
}
