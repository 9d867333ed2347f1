/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Privileged methods for root and for whom polkit authorizes (bus-polkit.h). */
#include <errno.h>
#include <stdlib.h>

#include "bus-internal.h"
#include "bus-polkit.h"
#include "log.h"
#include "macro.h"

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
/* CheckAuthorizationFlags: AllowUserInteraction */
#define POLKIT_ALLOW_USER_INTERACTION 1U

struct PolkitQuery {
        PolkitQuery *next;
        Bus *bus;
        sd_bus_message *msg;            /* the caller's method call, held until it is answered */
        sd_bus_message_handler_t handler;
        void *userdata;
        sd_bus_slot *slot;              /* the pending CheckAuthorization */
        uid_t uid;
};

static PolkitQuery *query_free(PolkitQuery *q) {
        if (!q)
                return NULL;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->msg);
        return mfree(q);
}

static void query_unlink(PolkitQuery *q) {
        Bus *b = q->bus;

        for (PolkitQuery **p = &b->polkit_queries; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        b->n_polkit_queries--;
                        return;
                }
}

static int reply_error(sd_bus_message *msg, int r, const sd_bus_error *error) {
        if (sd_bus_error_is_set(error))
                return sd_bus_reply_method_error(msg, error);
        return sd_bus_reply_method_errno(msg, r, NULL);
}

static int on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        PolkitQuery *q = ASSERT_PTR(userdata);
        Bus *b = q->bus;
        const sd_bus_error *e;
        int authorized = 0, challenge = 0, r;

        (void) ret_error;
        query_unlink(q);
        e = sd_bus_message_get_error(reply);
        if (e) {
                log_debug("polkit did not answer for %s of uid %u: %s: %s", sd_bus_message_get_member(q->msg),
                          (unsigned) q->uid, e->name, e->message);
                r = sd_bus_reply_method_errorf(q->msg, SD_BUS_ERROR_ACCESS_DENIED,
                                               "Only root may call %s, or a user polkit authorizes for %s, "
                                               "and polkit cannot be asked: %s",
                                               sd_bus_message_get_member(q->msg), DAMOND_POLKIT_ACTION_MANAGE,
                                               e->message ?: e->name);
                goto out;
        }
        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                r = sd_bus_reply_method_errorf(q->msg, SD_BUS_ERROR_ACCESS_DENIED,
                                               "polkit's answer cannot be read: %s", strerror(-r));
                goto out;
        }
        if (!authorized) {
                log_debug("polkit refused %s to uid %u%s.", sd_bus_message_get_member(q->msg),
                          (unsigned) q->uid, challenge ? " without authentication" : "");
                r = challenge ?
                        sd_bus_reply_method_errorf(q->msg, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                                   "%s needs authentication for %s.",
                                                   sd_bus_message_get_member(q->msg), DAMOND_POLKIT_ACTION_MANAGE) :
                        sd_bus_reply_method_errorf(q->msg, SD_BUS_ERROR_ACCESS_DENIED,
                                                   "Only root may call %s, or a user polkit authorizes for %s.",
                                                   sd_bus_message_get_member(q->msg), DAMOND_POLKIT_ACTION_MANAGE);
                goto out;
        }
        /* run the method again; this time bus_verify_manage() lets it through */
        r = sd_bus_message_rewind(q->msg, true);
        if (r >= 0) {
                b->polkit_verified = q->msg;
                r = q->handler(q->msg, q->userdata, &error);
                b->polkit_verified = NULL;
        }
        if (r < 0 || sd_bus_error_is_set(&error))
                r = reply_error(q->msg, r, &error);
out:
        if (r < 0)
                log_debug_errno(r, "Cannot reply to %s: %m", sd_bus_message_get_member(q->msg));
        query_free(q);
        return 0;
}

static unsigned queries_of(Bus *b, uid_t uid) {
        unsigned n = 0;

        for (PolkitQuery *q = b->polkit_queries; q; q = q->next)
                n += q->uid == uid;
        return n;
}

int bus_verify_manage(Bus *b, sd_bus_message *msg, sd_bus_message_handler_t handler, void *userdata,
                      sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        PolkitQuery *q;
        const char *sender;
        uid_t euid;
        int r;

        if (b && b->polkit_verified == msg)
                return 1;
        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &euid);
        if (r < 0) {
                log_debug_errno(r, "Cannot get the caller's effective uid, refusing: %m");
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "Cannot tell whether the caller is root.");
        }
        if (euid == 0)
                return 1;
        sender = sd_bus_message_get_sender(msg);
        if (!b || !sender)      /* no bus of ours (a direct connection): root only */
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "Only root may call %s.",
                                         sd_bus_message_get_member(msg));
        if (b->n_polkit_queries >= POLKIT_QUERIES_MAX || queries_of(b, euid) >= POLKIT_QUERIES_PER_UID_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "Too many calls of privileged methods wait for polkit; try again.");

        r = sd_bus_message_new_method_call(b->bus, &call, POLKIT_NAME, POLKIT_PATH, POLKIT_INTERFACE,
                                           "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name", "s", sender,
                                          DAMOND_POLKIT_ACTION_MANAGE, 0,
                                          sd_bus_message_get_allow_interactive_authorization(msg) > 0 ?
                                          POLKIT_ALLOW_USER_INTERACTION : 0U, "");
        if (r < 0)
                return r;
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        *q = (PolkitQuery) {
                .bus = b,
                .msg = sd_bus_message_ref(msg),
                .handler = handler,
                .userdata = userdata,
                .uid = euid,
        };
        /* the default method timeout (25 s), the same the caller waits */
        r = sd_bus_call_async(b->bus, &q->slot, call, on_polkit_reply, q, 0);
        if (r < 0) {
                query_free(q);
                return r;
        }
        q->next = b->polkit_queries;
        b->polkit_queries = q;
        b->n_polkit_queries++;
        return 0;
}

void bus_polkit_done(Bus *b) {
        while (b->polkit_queries) {
                PolkitQuery *q = b->polkit_queries;

                b->polkit_queries = q->next;
                query_free(q);
        }
        b->n_polkit_queries = 0;
}
