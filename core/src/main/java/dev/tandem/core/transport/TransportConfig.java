package dev.tandem.core.transport;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a transport needs to start: where to listen, which ALPNs to serve and with which stream limits,
 * and its timeouts.
 *
 * @param bindAddress local UDP address; port 0 picks a free one
 * @param alpns every ALPN to accept, in order, with the limits to apply to its connections
 * @param idleTimeout a connection with no traffic for this long is closed
 * @param keepAliveInterval how often to send keep-alives on otherwise idle connections (ZERO = never)
 * @param connectTimeout how long a dial may take, handshake and authentication included
 */
public record TransportConfig(InetSocketAddress bindAddress, Map<String, StreamLimits> alpns,
        Duration idleTimeout, Duration keepAliveInterval, Duration connectTimeout) {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    public TransportConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        alpns = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(alpns));
        requirePositive(idleTimeout, "idleTimeout");
        Objects.requireNonNull(keepAliveInterval, "keepAliveInterval");
        requirePositive(connectTimeout, "connectTimeout");
        if (!keepAliveInterval.isZero() && keepAliveInterval.compareTo(idleTimeout) >= 0) {
            throw new IllegalArgumentException("keep-alive interval " + keepAliveInterval
                    + " must be shorter than the idle timeout " + idleTimeout);
        }
    }

    private static void requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    /** Defaults: all interfaces, a free port, the given ALPNs. */
    public static TransportConfig of(Map<String, StreamLimits> alpns) {
        return new TransportConfig(new InetSocketAddress(0), alpns, DEFAULT_IDLE_TIMEOUT, DEFAULT_KEEP_ALIVE,
                DEFAULT_CONNECT_TIMEOUT);
    }

    public TransportConfig withBindAddress(InetSocketAddress address) {
        return new TransportConfig(address, alpns, idleTimeout, keepAliveInterval, connectTimeout);
    }

    public TransportConfig withIdleTimeout(Duration idle, Duration keepAlive) {
        return new TransportConfig(bindAddress, alpns, idle, keepAlive, connectTimeout);
    }

    public TransportConfig withConnectTimeout(Duration timeout) {
        return new TransportConfig(bindAddress, alpns, idleTimeout, keepAliveInterval, timeout);
    }
}
