/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * damonctl's pager, as systemctl's: when standard output is a terminal, it is piped into
 * $SYSTEMD_PAGER, else $PAGER, else less, else more (an empty value or "cat" means no pager). less gets
 * LESS=FRSXMK unless LESS is set, so that output shorter than a screen is printed and less exits, and
 * colors pass. A pager that cannot be started copies its input through, so no output is lost.
 */

/* Starts the pager if standard output is a terminal. 0 (also when no pager was wanted) or -errno. */
int pager_open(void);

/* Flushes and closes the pipe, and waits for the pager to exit. No-op without a pager. */
void pager_close(void);
