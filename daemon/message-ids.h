/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stable journal MESSAGE_IDs of damond's important events (`journalctl MESSAGE_ID=...`). They are an
 * interface: never change one, add new ones.
 */

#define DAMOND_MESSAGE_PROFILE_STARTED  "725eb62a25db4e83a0f3931bf177a36d"
#define DAMOND_MESSAGE_PROFILE_STOPPED  "9d9dbbaec53c4e749d22281a9b4c7220"
#define DAMOND_MESSAGE_PROFILE_RELOADED "6c00e6ad93e444c9a9e318ce527495a8"
#define DAMOND_MESSAGE_PROFILE_ADOPTED  "f3205e1c355c4d0581f0265cbadd14e1"
#define DAMOND_MESSAGE_KDAMOND_DIED     "ec4980dfc4bb4851b6ecef98bc23e88d"
#define DAMOND_MESSAGE_CONFIG_ERROR     "0dd37254fe0d482b8f68ead40484e9d4"
#define DAMOND_MESSAGE_BLOCKED          "7874bbb8b1fb4121b6eb3754a80a0009"
/* a tuning decision: a quota or goal value changed, a back-off, a pause or a resume (manager-tune.c) */
#define DAMOND_MESSAGE_TUNING           "dedb7aa7da88451d9681b62936d8babc"
/* the machine's memory tiers changed; profiles with Nodes=auto are recompiled (manager-tiers.c) */
#define DAMOND_MESSAGE_TIERS_CHANGED    "1c41d2a1c71e429ab4437244702160ba"
/* once an hour per profile: what it saved, what came back, what it cost (observe.c) */
#define DAMOND_MESSAGE_SAVINGS_HOURLY   "d7b576ab44da421bad6f9a76d31ec1f6"
