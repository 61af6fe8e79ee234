package dev.tandem.core.protocol;

import dev.tandem.core.transport.StreamLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * What a protocol is, readable before any of its code runs: the ALPN it is served under, older ALPNs it
 * still accepts (newest first), the stream limits for its connections, who may use it, and the SPI version
 * it was written against.
 */
public record ProtocolDescriptor(String alpn, List<String> alsoAccepts, StreamLimits limits,
        PeerPolicy peerPolicy, int spiVersion) {
    /** Longest ALPN QUIC/TLS can carry. */
    public static final int MAX_ALPN_BYTES = 255;

    public ProtocolDescriptor {
        checkAlpn(alpn);
        alsoAccepts = List.copyOf(alsoAccepts);
        alsoAccepts.forEach(ProtocolDescriptor::checkAlpn);
        if (alsoAccepts.contains(alpn)) {
            throw new IllegalArgumentException("ALPN '" + alpn + "' is listed as its own older version");
        }
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(peerPolicy, "peerPolicy");
    }

    /** A paired-only protocol with default limits, for the current SPI version. */
    public static ProtocolDescriptor of(String alpn) {
        return new ProtocolDescriptor(alpn, List.of(), StreamLimits.DEFAULT, PeerPolicy.PAIRED_ONLY,
                ProtocolProvider.SPI_VERSION);
    }

    public ProtocolDescriptor withPeerPolicy(PeerPolicy policy) {
        return new ProtocolDescriptor(alpn, alsoAccepts, limits, policy, spiVersion);
    }

    public ProtocolDescriptor withLimits(StreamLimits newLimits) {
        return new ProtocolDescriptor(alpn, alsoAccepts, newLimits, peerPolicy, spiVersion);
    }

    public ProtocolDescriptor withAlsoAccepts(String... older) {
        return new ProtocolDescriptor(alpn, List.of(older), limits, peerPolicy, spiVersion);
    }

    /** Every ALPN served: the current one first, then the older ones. */
    public List<String> allAlpns() {
        var all = new java.util.ArrayList<String>(1 + alsoAccepts.size());
        all.add(alpn);
        all.addAll(alsoAccepts);
        return List.copyOf(all);
    }

    private static void checkAlpn(String alpn) {
        if (alpn == null || alpn.isEmpty()) {
            throw new IllegalArgumentException("ALPN is empty");
        }
        if (alpn.getBytes(StandardCharsets.UTF_8).length > MAX_ALPN_BYTES) {
            throw new IllegalArgumentException("ALPN '" + alpn + "' is longer than " + MAX_ALPN_BYTES + " bytes");
        }
        for (int i = 0; i < alpn.length(); i++) {
            char c = alpn.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw new IllegalArgumentException("ALPN '" + alpn + "' has a character that is not printable ASCII"
                        + " at position " + (i + 1));
            }
        }
    }
}
