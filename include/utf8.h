/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Strings that leave damond (D-Bus, the journal, a terminal) come from files and processes anyone may
 * have named: a profile's Description=, a file name, a process's comm. D-Bus refuses invalid UTF-8 (the
 * whole reply fails), and control characters move a terminal's cursor, set its title or clear it. These
 * helpers make any byte string safe to show: valid UTF-8, no control character, nothing lost (an unsafe
 * byte is written \xNN, so what was there can still be told).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length in bytes (2 to 4) of the valid multi-byte UTF-8 sequence at @s, or 0: overlong forms,
 * surrogates (U+D800..U+DFFF), code points past U+10FFFF, cut sequences and the C1 control characters
 * (U+0080..U+009F) are not valid here. */
size_t utf8_multibyte_len(const char *s);

/* Whether @s is shown as it is: printable ASCII and valid multi-byte UTF-8 only. NULL is safe. */
bool string_is_safe(const char *s);

/* Writes @s with every byte that is not printable ASCII or part of a valid multi-byte sequence as \xNN;
 * at most @limit characters of it ("..." after them; SIZE_MAX: all). */
void fputs_escaped(const char *s, size_t limit, FILE *f);

/* @s made safe (a copy even when it already is). Returns a new string or NULL (out of memory). */
char *string_escape(const char *s);
