/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Helpers shared by the validation and the compiler (not a public contract). */

#include "profile.h"

/* Whether @key of section object @s was set in a file (not left at its default). */
bool profile_section_is_set(const ProfileSection *s, const char *key);
/* Where to report about @key of @s: where it was set, else the section header, else the main file. */
ConfigLoc profile_section_where(const Profile *p, const ProfileSection *s, const char *key);
/* The current value of @key of @s rendered in profile syntax ("5ms", "128M", "50%"), for messages. */
void profile_section_show(const ProfileSection *s, const char *key, char *buf, size_t size);
/* Whether the last value given for @key did not parse (it was reported then). */
bool profile_section_failed(const ProfileSection *s, const char *key);
