/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Human units for profile values, parsed exactly: a value that cannot be represented in the unit the
 * kernel takes is refused, never rounded (0.5us, 0.05% as permil). Parsers accept surrounding whitespace,
 * a space between number and unit, and decimal fractions ("1.5G", "0.5%"). They return 0, -EINVAL when
 * the text is not of the expected form, -ERANGE when it overflows 64 bits, or -EDOM when it is finer than
 * the unit's resolution. None of them allocate.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Durations: a sum of "<number><unit>" parts, units us/usec/µs, ms/msec, s/sec, min, h, d
 * ("1min 30s"). A bare number is refused (which unit did the writer think of?) except "0". */
int parse_duration_usec(const char *s, uint64_t *ret);

/* Sizes in bytes: a bare number is bytes; suffixes B, K, M, G, T, P, E (powers of 1024), each also
 * accepted as KiB, MiB, ... "KB", "MB", ... are refused as ambiguous (-EINVAL). */
int parse_size_bytes(const char *s, uint64_t *ret);

/* Ratios in parts per million: "<number>%", "<number>permil", "<number>bp"; a bare "0" is 0. At most
 * 100% (-ERANGE beyond). */
int parse_ratio_ppm(const char *s, uint64_t *ret);

/* A plain non-negative decimal integer (no sign, no base prefix, no unit). */
int parse_uint64(const char *s, uint64_t *ret);

/* yes/no, true/false, on/off, 1/0 (case-insensitive). Returns 1, 0 or -EINVAL. */
int parse_boolean(const char *s);

/* Shortest exact rendering: 5000 -> "5ms", 90000000 -> "1min 30s", 0 -> "0". @buf needs 64 bytes. */
const char *format_duration(char *buf, size_t size, uint64_t usec);
/* 134217728 -> "128M", 1536 -> "1.5K" only when exact at one decimal, else a plain number of bytes. */
const char *format_size(char *buf, size_t size, uint64_t bytes);
/* A size for people, in binary units with one decimal, truncated as systemd's format_bytes() does:
 * 183500800 -> "175.0M", 1048575 -> "1023.9K" (never "1024.0K"), 512 -> "512B". What damond's status and
 * damonctl print alike, so that both show the same number. @buf needs FORMAT_BYTES_MAX bytes. */
const char *format_bytes(char *buf, size_t size, uint64_t bytes);
#define FORMAT_BYTES_MAX 32
/* 5000 ppm -> "0.5%". */
const char *format_ratio(char *buf, size_t size, uint64_t ppm);

#define DURATION_MAX 64
