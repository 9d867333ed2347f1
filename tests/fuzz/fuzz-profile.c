/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the profile parser: any bytes go through load, validation, compilation for
 * every built-in kernel generation, the dump and the formatting of every diagnostic. Nothing is read
 * from the file system (no include directories) and nothing may crash, leak or hang.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "profile-compile.h"
#include "profile-kernels.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Profile *p = NULL;
        DiagList d = {};

        if (size > PROFILE_FILE_MAX)
                return 0;
        if (profile_load_string("fuzz.conf", (const char *) data, size, NULL, &p, &d) < 0)
                abort();
        if (profile_validate(p, NULL, &d) < 0)
                abort();
        for (size_t g = 0; profile_kernel_generations[g]; g++) {
                CompiledProfile c;
                DamonFeatures f;
                char *buf = NULL;
                size_t len = 0;
                FILE *out;

                if (profile_kernel_features(profile_kernel_generations[g], &f) < 0)
                        abort();
                if (profile_compile(p, &f, &c, &d) < 0)
                        abort();
                out = open_memstream(&buf, &len);
                if (!out)
                        abort();
                (void) compiled_profile_dump(&c, &f, out);
                fclose(out);
                free(buf);
                compiled_profile_done(&c);
        }
        if (diag_list_sort(&d) < 0)
                abort();
        for (size_t i = 0; i < d.n; i++) {
                char *line = diag_format(&d.items[i]);

                if (!line)
                        abort();
                free(line);
        }
        diag_list_done(&d);
        profile_free(p);
        return 0;
}
