/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile-glue.h"

void profile_dirs_done(ProfileDirsBuf *b) {
        if (!b)
                return;
        for (size_t k = 0; k < 2; k++)
                for (size_t i = 0; i < PROFILE_DIRS_MAX; i++)
                        b->storage[k][i] = mfree(b->storage[k][i]);
}

int profile_dirs_build(ProfileDirsBuf *b, const char *root, char * const *config_dirs) {
        const char * const *src[2] = { profile_dirs_default.config_dirs, profile_dirs_default.policy_dirs };
        const char **dst[2] = { b->config, b->policy };

        assert(b);

        *b = (ProfileDirsBuf) {};
        if (root && streq(root, "/"))
                root = NULL;
        for (size_t k = 0; k < 2; k++) {
                size_t i;

                if (k == 0 && config_dirs) {
                        for (i = 0; config_dirs[i] && i < PROFILE_DIRS_MAX - 1; i++)
                                dst[k][i] = config_dirs[i];
                        dst[k][i] = NULL;
                        continue;
                }
                for (i = 0; src[k][i] && i < PROFILE_DIRS_MAX - 1; i++) {
                        if (!root) {
                                dst[k][i] = src[k][i];
                                continue;
                        }
                        if (asprintf(&b->storage[k][i], "%s%s", root, src[k][i]) < 0) {
                                b->storage[k][i] = NULL;
                                profile_dirs_done(b);
                                return -ENOMEM;
                        }
                        dst[k][i] = b->storage[k][i];
                }
                dst[k][i] = NULL;
        }
        b->dirs = (ProfileDirs) { .config_dirs = b->config, .policy_dirs = b->policy };
        return 0;
}

int compiled_profile_fingerprint(const CompiledProfile *c, const DamonFeatures *features, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        assert(c);
        assert(features);
        assert(ret);

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fprintf(f, "enabled %d\n", c->enabled);
        r = compiled_profile_dump(c, features, f);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        return 0;
}
