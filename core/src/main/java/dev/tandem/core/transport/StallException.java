package dev.tandem.core.transport;

import java.time.Duration;

/**
 * A stream made no progress for too long while data was waiting to move, and nudging it did not help.
 * Callers may retry or resume from the last confirmed offset.
 */
public class StallException extends TransportException {
    public StallException(String what, Duration noProgressFor) {
        super(what + " made no progress for " + noProgressFor.toMillis() + " ms with data pending");
    }
}
