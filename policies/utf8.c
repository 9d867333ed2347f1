/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

size_t utf8_multibyte_len(const char *str) {
        const unsigned char *s = (const unsigned char *) str;
        unsigned char lo = 0x80, hi = 0xbf;     /* the range of the second byte */
        size_t n;

        if (s[0] == 0xc2)
                lo = 0xa0;                      /* U+0080..U+009F are the C1 controls */
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                n = 3;
                if (s[0] == 0xe0)
                        lo = 0xa0;              /* overlong */
                else if (s[0] == 0xed)
                        hi = 0x9f;              /* surrogates */
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                n = 4;
                if (s[0] == 0xf0)
                        lo = 0x90;              /* overlong */
                else if (s[0] == 0xf4)
                        hi = 0x8f;              /* past U+10FFFF */
        } else
                return 0;
        if (s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        return n;
}

bool string_is_safe(const char *s) {
        if (!s)
                return true;
        while (*s) {
                size_t n;

                if (*s >= 0x20 && *s < 0x7f)
                        s++;
                else if ((n = utf8_multibyte_len(s)) > 0)
                        s += n;
                else
                        return false;
        }
        return true;
}

void fputs_escaped(const char *str, size_t limit, FILE *f) {
        const char *s = str;
        size_t shown = 0;

        while (s && *s) {
                size_t n;

                if (shown >= limit) {
                        fputs("...", f);
                        return;
                }
                if (*s >= 0x20 && *s < 0x7f)
                        fputc(*s++, f);
                else if ((n = utf8_multibyte_len(s)) > 0) {
                        fwrite(s, 1, n, f);
                        s += n;
                } else
                        fprintf(f, "\\x%02x", (unsigned char) *s++);
                shown++;
        }
}

char *string_escape(const char *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        fputs_escaped(s, SIZE_MAX, f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
