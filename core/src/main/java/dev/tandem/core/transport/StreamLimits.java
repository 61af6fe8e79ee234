package dev.tandem.core.transport;

/**
 * How many streams a peer may open concurrently on one connection of a protocol, and the receive window of
 * each stream. Transports turn these into their flow-control settings.
 *
 * @param maxBidirectional concurrent peer-opened bidirectional streams (0 = none)
 * @param maxUnidirectional concurrent peer-opened unidirectional streams (0 = none)
 * @param streamWindow receive window per stream in bytes
 */
public record StreamLimits(int maxBidirectional, int maxUnidirectional, int streamWindow) {
    /** Enough for request/response protocols. */
    public static final StreamLimits DEFAULT = new StreamLimits(100, 10, 1 << 20);

    public StreamLimits {
        if (maxBidirectional < 0 || maxUnidirectional < 0) {
            throw new IllegalArgumentException("stream limits cannot be negative");
        }
        if (streamWindow < 1024) {
            throw new IllegalArgumentException("stream window must be at least 1024 bytes, got " + streamWindow);
        }
    }
}
