/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the libnl users of kernel/ (proc-events.c, taskstats.c) share; not a public contract. */

#include <errno.h>
#include <netlink/errno.h>

/* libnl's NLE_* codes (negative or not) as -errno, for callers that speak errno. A receive timeout
 * (SO_RCVTIMEO) reads NLE_AGAIN: -EAGAIN. Codes without an errno equivalent are -EIO. */
static inline int nl_error_to_errno(int nlerr) {
        switch (nlerr < 0 ? -nlerr : nlerr) {
        case NLE_PERM:
                return -EPERM;
        case NLE_NOACCESS:
                return -EACCES;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_PROTO_MISMATCH:
                return -EPROTONOSUPPORT;
        case NLE_AF_NOSUPPORT:
                return -EAFNOSUPPORT;
        case NLE_OBJ_NOTFOUND:
        case NLE_OPNOTSUPP:
                return -EOPNOTSUPP;
        case NLE_AGAIN:
                return -EAGAIN;
        case NLE_INVAL:
                return -EINVAL;
        default:
                return -EIO;
        }
}
