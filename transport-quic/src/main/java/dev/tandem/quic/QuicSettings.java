package dev.tandem.quic;

import dev.tandem.core.internal.OptionValues;
import java.time.Duration;
import java.util.Map;

/**
 * Tunables of {@link QuicTransport} that are not part of {@link dev.tandem.core.transport.TransportConfig}.
 *
 * @param authTimeout how long the in-band client proof may take after the TLS handshake, both sides
 * @param nudgeAfter how long a writer may sit blocked in a non-empty write without progress before the
 *     watchdog issues a zero-length write (the kwik 0.10.8 lost-send-request workaround)
 * @param nudgeInterval how often the watchdog looks, and re-nudges while no progress is made
 * @param stallTimeout a write blocked this long fails with {@link dev.tandem.core.transport.StallException}
 *     and the stream is reset ({@link Duration#ZERO} = never)
 * @param socketBufferBytes requested SO_RCVBUF/SO_SNDBUF of the UDP socket (the OS may cap it)
 * @param connectionWindowBytes connection-level receive window the server grants
 */
public record QuicSettings(Duration authTimeout, Duration nudgeAfter, Duration nudgeInterval, Duration stallTimeout,
        int socketBufferBytes, long connectionWindowBytes) {
    public static final QuicSettings DEFAULTS = new QuicSettings(Duration.ofSeconds(5), Duration.ofMillis(500),
            Duration.ofMillis(100), Duration.ofSeconds(30), 4 << 20, 16L << 20);

    public QuicSettings {
        positive(authTimeout, "authTimeout");
        positive(nudgeAfter, "nudgeAfter");
        positive(nudgeInterval, "nudgeInterval");
        if (stallTimeout == null || stallTimeout.isNegative()) {
            throw new IllegalArgumentException("stallTimeout must be >= 0");
        }
        if (socketBufferBytes < 64 * 1024) {
            throw new IllegalArgumentException("socketBufferBytes must be at least 64 KiB");
        }
        if (connectionWindowBytes < 1 << 20) {
            throw new IllegalArgumentException("connectionWindowBytes must be at least 1 MiB");
        }
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    /**
     * Reads provider options (all optional): {@code authTimeoutMs}, {@code nudgeAfterMs}, {@code nudgeIntervalMs},
     * {@code stallTimeoutMs}, {@code socketBufferBytes}, {@code connectionWindowBytes}.
     */
    public static QuicSettings fromOptions(Map<String, String> options) {
        QuicSettings d = DEFAULTS;
        return new QuicSettings(ms(options, "authTimeoutMs", d.authTimeout), ms(options, "nudgeAfterMs", d.nudgeAfter),
                ms(options, "nudgeIntervalMs", d.nudgeInterval), ms(options, "stallTimeoutMs", d.stallTimeout),
                (int) num(options, "socketBufferBytes", d.socketBufferBytes),
                num(options, "connectionWindowBytes", d.connectionWindowBytes));
    }

    private static Duration ms(Map<String, String> o, String key, Duration def) {
        return OptionValues.millis(o, key, def);
    }

    private static long num(Map<String, String> o, String key, long def) {
        return OptionValues.number(o, key, def);
    }

    public QuicSettings withAuthTimeout(Duration t) {
        return new QuicSettings(t, nudgeAfter, nudgeInterval, stallTimeout, socketBufferBytes, connectionWindowBytes);
    }

    public QuicSettings withWatchdog(Duration after, Duration interval, Duration stall) {
        return new QuicSettings(authTimeout, after, interval, stall, socketBufferBytes, connectionWindowBytes);
    }
}
