/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bus-latency: reads damond's Manager.Version property over one system bus connection, again and again,
 * and prints each round trip in microseconds, one per line, until SIGTERM or SIGINT. A reply that takes
 * long means damond's event loop was busy for that long (one connection: no process start-up or
 * authentication in the figure, unlike a busctl per read). bench/validate-load.py runs it beside its
 * calls. Honours DBUS_SYSTEM_BUS_ADDRESS (a private bus).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void) sig;
        stop = 1;
}

static long long now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(void) {
        const struct timespec pause = { .tv_nsec = 2 * 1000 * 1000 };
        struct sigaction sa = { .sa_handler = on_signal };
        sd_bus *bus = NULL;
        int r;

        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "bus-latency: cannot connect to the system bus: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        while (!stop) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                char *version = NULL;
                long long t = now_usec();

                /* 60 s: longer than any stall we look for, shorter than a hang */
                r = sd_bus_set_method_call_timeout(bus, 60 * 1000000ULL);
                if (r >= 0)
                        r = sd_bus_get_property_string(bus, "org.damond1", "/org/damond1", "org.damond1.Manager",
                                                       "Version", &error, &version);
                if (r < 0 && !stop) {
                        fprintf(stderr, "bus-latency: %s\n", error.message ?: strerror(-r));
                        sd_bus_error_free(&error);
                        sd_bus_flush_close_unref(bus);
                        return EXIT_FAILURE;
                }
                if (r >= 0)
                        printf("%lld\n", now_usec() - t);
                fflush(stdout);
                free(version);
                sd_bus_error_free(&error);
                nanosleep(&pause, NULL);
        }
        sd_bus_flush_close_unref(bus);
        return EXIT_SUCCESS;
}
