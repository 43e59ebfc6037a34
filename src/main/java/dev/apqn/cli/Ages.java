package dev.apqn.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Ages as kubectl prints them: 45s, 3m, 5h, 2d. */
final class Ages {

    private Ages() {
    }

    /** The age of an RFC 3339 time at {@code now}, or "?" when absent or unreadable. */
    static String since(String time, Instant now) {
        if (time == null) {
            return "?";
        }
        try {
            return of(Duration.between(Instant.parse(time), now));
        } catch (DateTimeParseException e) {
            return "?";
        }
    }

    static String of(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 2 * 3600) {
            return s / 60 + "m";
        }
        if (s < 2 * 86400) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }
}
