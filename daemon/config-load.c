/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-load.h"

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

void config_profile_done(ConfigProfile *c) {
        if (!c)
                return;
        free(c->path);
        profile_free(c->profile);
        diag_list_done(&c->diags);
        compiled_profile_done(&c->compiled);
        free(c->fingerprint);
        *c = (ConfigProfile) {};
}

void config_profiles_free(ConfigProfile *l, size_t n) {
        for (size_t i = 0; l && i < n; i++)
                config_profile_done(&l[i]);
        free(l);
}

int config_profile_load(ConfigProfile *c, const char *path, const char *data, size_t size, const ProfileDirs *dirs,
                        const Root *root) {
        int r;

        assert(c);
        assert(path);

        *c = (ConfigProfile) {};
        c->path = strdup(path);
        if (!c->path)
                return -ENOMEM;
        r = profile_load_data(path, data, size, dirs, &c->profile, &c->diags);
        if (r >= 0 && c->profile) {
                ProfileMachine machine;

                profile_machine_root(root, &machine);
                r = profile_validate(c->profile, &machine, &c->diags);
        }
        if (r < 0)
                return r;
        if (!c->profile && !diag_list_has_errors(&c->diags)) {
                r = diag_add(&c->diags, DIAG_ERROR, path, 0, NULL, NULL, "cannot be read");
                if (r < 0)
                        return r;
        }
        c->valid = c->profile && !diag_list_has_errors(&c->diags);
        return 0;
}

void config_names_done(ConfigNames *names) {
        strmap_done(&names->by_name);
        for (size_t i = 0; i < names->n; i++)
                free(names->paths[i]);
        free(names->paths);
        *names = (ConfigNames) {};
}

int config_names_check(ConfigNames *names, ConfigProfile *c) {
        const char *first;
        char **a;
        int r;

        if (!c->profile)
                return 0;
        first = strmap_get(&names->by_name, c->profile->name);
        if (first) {
                if (!c->valid)
                        return 0;
                c->valid = false;
                return diag_add(&c->diags, DIAG_ERROR, c->path, 0, NULL, NULL,
                                "profile name '%s' is already used by '%s'", c->profile->name, first);
        }
        a = reallocarray(names->paths, names->n + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        names->paths = a;
        names->paths[names->n] = strdup(c->path);
        if (!names->paths[names->n])
                return -ENOMEM;
        r = strmap_put(&names->by_name, c->profile->name, names->paths[names->n]);
        names->n++;
        return r;
}

int config_profiles_check_names(ConfigProfile *l, size_t n) {
        ConfigNames names = {};
        int r = 0;

        /* O(n): the first file of each name, by name */
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = config_names_check(&names, &l[i]);
        config_names_done(&names);
        return r < 0 ? r : 0;
}

int config_profile_compile(ConfigProfile *c, const DamonFeatures *features, const MemoryTopology *tiers) {
        int r;

        assert(c);
        assert(features);

        if (!c->valid)
                return 0;
        r = profile_compile_tiered(c->profile, features, tiers, &c->compiled, &c->diags);
        if (r < 0)
                return r;
        c->valid = !diag_list_has_errors(&c->diags);
        if (!c->valid)
                return 0;
        return compiled_profile_fingerprint(&c->compiled, features, &c->fingerprint);
}
