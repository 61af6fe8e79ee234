package dev.tandem.quic.netty;

import dev.tandem.core.internal.OptionValues;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Tunables of {@link NettyQuicTransport} that are not part of {@link dev.tandem.core.transport.TransportConfig}.
 * Keys shared with the kwik transport ({@code authTimeoutMs}, {@code stallTimeoutMs}, {@code socketBufferBytes},
 * {@code connectionWindowBytes}) mean the same here; Netty-only keys start with {@code netty.}.
 *
 * @param authTimeout how long the in-band client proof may take after the TLS handshake, both sides
 * @param stallTimeout a write that makes no progress this long while data is pending fails with
 *     {@link dev.tandem.core.transport.StallException} and the stream is reset ({@link Duration#ZERO} = never)
 * @param socketBufferBytes requested SO_RCVBUF/SO_SNDBUF of the UDP socket (the OS may cap it)
 * @param connectionWindowBytes connection-level receive window granted to peers (QUIC initial_max_data)
 * @param congestionControl "bbr", "cubic" or "reno"
 * @param epoll use the native epoll transport when it loads (NIO otherwise)
 * @param gsoSegments UDP generic segmentation offload: datagrams per send call (0 or 1 = off; epoll only)
 * @param recvBatch datagrams read per system call with {@code recvmmsg} (0 or 1 = one {@code recvmsg} per datagram;
 *     epoll only). UDP GRO is not offered: with Netty 4.2.18 it measured 4 to 10 times slower on loopback.
 * @param maxUdpPayload UDP payload size used until path MTU discovery has found a larger one, and always where it is
 *     off
 * @param pmtuMaxPayload largest UDP payload path MTU discovery probes for (0 = discovery off). It runs only where the
 *     socket can be told never to fragment (epoll on Linux: {@code IP_PMTUDISC_PROBE}), so a probe larger than the
 *     path is lost instead of being split into IP fragments, and the connection settles on what the path carries
 */
public record NettySettings(Duration authTimeout, Duration stallTimeout, int socketBufferBytes,
        long connectionWindowBytes, String congestionControl, boolean epoll, int gsoSegments, int recvBatch,
        int maxUdpPayload, int pmtuMaxPayload) {
    static final int RECV_BATCH_DEFAULT = 0;

    /**
     * The largest datagram path MTU discovery can reach with quiche 0.29 (in Netty 4.2.18): a probe of 16384 bytes
     * or more never succeeds, even on loopback, and the connection falls back to 1200-byte datagrams.
     */
    static final int PMTU_CEILING = 16383;

    /**
     * Measured best on loopback (netty-quic.md and our bench): BBR, epoll + GSO, 1350-byte datagrams until path MTU
     * discovery finds more (up to {@link #PMTU_CEILING}; on loopback 16383-byte datagrams measured ~2.5 times the
     * throughput of 1350-byte ones at under half the CPU per byte, and beat 8192 and 12000), 16 MiB connection window.
     */
    public static final NettySettings DEFAULTS = new NettySettings(Duration.ofSeconds(5), Duration.ofSeconds(30),
            4 << 20, 16L << 20, "bbr", true, 10, RECV_BATCH_DEFAULT, 1350, PMTU_CEILING);

    public NettySettings {
        if (authTimeout == null || authTimeout.isNegative() || authTimeout.isZero()) {
            throw new IllegalArgumentException("authTimeout must be positive, got " + authTimeout);
        }
        if (stallTimeout == null || stallTimeout.isNegative()) {
            throw new IllegalArgumentException("stallTimeout must be >= 0");
        }
        if (socketBufferBytes < 64 * 1024) {
            throw new IllegalArgumentException("socketBufferBytes must be at least 64 KiB");
        }
        if (connectionWindowBytes < 1 << 20) {
            throw new IllegalArgumentException("connectionWindowBytes must be at least 1 MiB");
        }
        congestionControl = congestionControl.strip().toLowerCase(Locale.ROOT);
        if (!congestionControl.equals("bbr") && !congestionControl.equals("cubic") && !congestionControl.equals("reno")) {
            throw new IllegalArgumentException("netty.congestionControl must be bbr, cubic or reno, got '"
                    + congestionControl + "'");
        }
        if (gsoSegments < 0 || gsoSegments > 64) {
            throw new IllegalArgumentException("netty.gsoSegments must be 0..64");
        }
        if (recvBatch < 0 || recvBatch > 64) {
            throw new IllegalArgumentException("netty.recvBatch must be 0..64");
        }
        if (maxUdpPayload < 1200 || maxUdpPayload > 65527) {
            throw new IllegalArgumentException("netty.maxUdpPayload must be 1200..65527");
        }
        if (pmtuMaxPayload != 0 && (pmtuMaxPayload < maxUdpPayload || pmtuMaxPayload > PMTU_CEILING)) {
            throw new IllegalArgumentException("netty.pmtuMaxPayload must be 0 (off) or netty.maxUdpPayload.."
                    + PMTU_CEILING + ", got " + pmtuMaxPayload);
        }
    }

    /**
     * Reads node options (all optional): {@code authTimeoutMs}, {@code stallTimeoutMs}, {@code socketBufferBytes},
     * {@code connectionWindowBytes}, {@code netty.congestionControl}, {@code netty.epoll}, {@code netty.gsoSegments},
     * {@code netty.recvBatch}, {@code netty.maxUdpPayload}, {@code netty.pmtuMaxPayload}.
     */
    public static NettySettings fromOptions(Map<String, String> o) {
        NettySettings d = DEFAULTS;
        return new NettySettings(ms(o, "authTimeoutMs", d.authTimeout), ms(o, "stallTimeoutMs", d.stallTimeout),
                (int) num(o, "socketBufferBytes", d.socketBufferBytes),
                num(o, "connectionWindowBytes", d.connectionWindowBytes),
                o.getOrDefault("netty.congestionControl", d.congestionControl),
                flag(o, "netty.epoll", d.epoll), (int) num(o, "netty.gsoSegments", d.gsoSegments),
                (int) num(o, "netty.recvBatch", d.recvBatch), (int) num(o, "netty.maxUdpPayload", d.maxUdpPayload),
                (int) num(o, "netty.pmtuMaxPayload", d.pmtuMaxPayload));
    }

    private static Duration ms(Map<String, String> o, String key, Duration def) {
        return OptionValues.millis(o, key, def);
    }

    private static boolean flag(Map<String, String> o, String key, boolean def) {
        return OptionValues.flag(o, key, def);
    }

    private static long num(Map<String, String> o, String key, long def) {
        return OptionValues.number(o, key, def);
    }

    public NettySettings withAuthTimeout(Duration t) {
        return new NettySettings(t, stallTimeout, socketBufferBytes, connectionWindowBytes, congestionControl, epoll,
                gsoSegments, recvBatch, maxUdpPayload, pmtuMaxPayload);
    }

    public NettySettings withStallTimeout(Duration t) {
        return new NettySettings(authTimeout, t, socketBufferBytes, connectionWindowBytes, congestionControl, epoll,
                gsoSegments, recvBatch, maxUdpPayload, pmtuMaxPayload);
    }

    /** The same settings with path MTU discovery probing up to {@code max} bytes of UDP payload (0 = off). */
    public NettySettings withPmtuMaxPayload(int max) {
        return new NettySettings(authTimeout, stallTimeout, socketBufferBytes, connectionWindowBytes, congestionControl,
                epoll, gsoSegments, recvBatch, maxUdpPayload, max);
    }

    /**
     * The same settings on the given socket path: epoll with {@code gso} segments per send and {@code recvBatch}
     * datagrams per receive call, or NIO when {@code epoll} is false.
     */
    public NettySettings withIo(boolean epoll, int gso, int recvBatch, String congestionControl) {
        return new NettySettings(authTimeout, stallTimeout, socketBufferBytes, connectionWindowBytes, congestionControl,
                epoll, gso, recvBatch, maxUdpPayload, pmtuMaxPayload);
    }
}
