package dev.tandem.core.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/** Reads numeric and boolean node options for transports and protocols, with typed errors naming the key. */
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

    /** Option {@code key} as {@code true} or {@code false} (any case), or {@code def} when absent. */
    public static boolean flag(Map<String, String> options, String key, boolean def) {
        String v = options.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("option " + key + " must be true or false, got '" + v + "'");
        };
    }
}
