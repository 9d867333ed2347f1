/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Who may change what damond does (Reload, StartProfile, StopProfile): root, or a caller that polkit
 * authorizes for the action org.damond1.manage (systemd/org.damond1.policy: auth_admin_keep by default,
 * so that a rule in /etc/polkit-1/rules.d can grant it to a group of administrators). polkit is asked
 * asynchronously, so that neither a slow polkitd nor many callers hold the event loop; the method is
 * run again once polkit says yes. Root never waits for polkit, and works without it.
 *
 * Bounded: at most POLKIT_QUERIES_MAX questions wait for polkit at once, POLKIT_QUERIES_PER_UID_MAX of
 * them for one caller uid; a caller over a limit gets org.freedesktop.DBus.Error.LimitsExceeded.
 */

#include <systemd/sd-bus.h>

#define DAMOND_POLKIT_ACTION_MANAGE "org.damond1.manage"
#define POLKIT_QUERIES_MAX 16
#define POLKIT_QUERIES_PER_UID_MAX 4

typedef struct Bus Bus;
typedef struct PolkitQuery PolkitQuery;

/* Whether the sender of @msg may run the privileged method @handler (with @userdata) now.
 * Returns 1: yes, go on (root, or @msg is being run again after polkit said yes);
 *         0: polkit was asked; when it answers, @handler is called again with @msg, or the caller gets
 *            AccessDenied. The method must then return 1 without replying;
 *        <0: refused or failed, with @error set when it is the caller's to know. */
int bus_verify_manage(Bus *b, sd_bus_message *msg, sd_bus_message_handler_t handler, void *userdata,
                      sd_bus_error *error);

/* Forgets every unanswered question (their callers get no reply from a damond that goes away). */
void bus_polkit_done(Bus *b);
