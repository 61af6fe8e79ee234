package dev.tandem.pairing;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * How an initiator's session behaves: how long the code is valid (default 5 minutes) and who confirms a
 * joiner that proved the code (default: accepted at once).
 */
public record PairingOptions(Duration expiry, PairingConfirmation confirmation) {
    public static final Duration DEFAULT_EXPIRY = Duration.ofMinutes(5);
    public static final PairingConfirmation ACCEPT = request -> CompletableFuture.completedFuture(true);

    public PairingOptions {
        Objects.requireNonNull(expiry, "expiry");
        Objects.requireNonNull(confirmation, "confirmation");
        if (expiry.isNegative() || expiry.isZero() || expiry.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("expiry must be between 0 and 1 hour, got " + expiry);
        }
    }

    public static PairingOptions defaults() {
        return new PairingOptions(DEFAULT_EXPIRY, ACCEPT);
    }

    public PairingOptions withExpiry(Duration d) {
        return new PairingOptions(d, confirmation);
    }

    public PairingOptions withConfirmation(PairingConfirmation c) {
        return new PairingOptions(expiry, c);
    }
}
