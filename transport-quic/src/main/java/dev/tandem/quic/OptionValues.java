package dev.tandem.quic;

import java.time.Duration;
import java.util.Map;

/** Reads numeric node options for the QUIC transports' settings, with typed errors for bad values. */
public final class OptionValues {
    private OptionValues() {
    }

    /** Option {@code key} in milliseconds, or {@code def} when absent. */
    public static Duration millis(Map<String, String> options, String key, Duration def) {
        return options.containsKey(key) ? Duration.ofMillis(number(options, key, 0)) : def;
    }

    /** Option {@code key} as a number, or {@code def} when absent. */
    public static long number(Map<String, String> options, String key, long def) {
        String v = options.get(key);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be a number, got '" + v + "'", e);
        }
    }
}
