package dev.tandem.quic;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.TransportConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/** Shared fixtures for the QUIC transport's own tests. */
final class QuicTestSupport {
    static final String ALPN_A = "tandem-test/a/1";
    static final String ALPN_B = "tandem-test/b/1";
    static final String ALPN_ONE = "tandem-test/one/1";

    private QuicTestSupport() {
    }

    static TransportConfig config(Duration idle) {
        Map<String, StreamLimits> alpns = new LinkedHashMap<>();
        alpns.put(ALPN_A, new StreamLimits(128, 16, 1 << 20));
        alpns.put(ALPN_B, StreamLimits.DEFAULT);
        alpns.put(ALPN_ONE, new StreamLimits(1, 1, 64 * 1024));
        return TransportConfig.of(alpns).withBindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withIdleTimeout(idle, idle.dividedBy(3));
    }

    static QuicTransport transport(QuicSettings settings) {
        return new QuicTransport(NetworkIdentity.generate(), settings);
    }

    /** Echo service: every accepted stream is read to its end and written back. */
    static void echo(PeerConnection conn, ExecutorService pool) {
        pool.execute(() -> {
            try {
                while (true) {
                    PeerStream s = conn.acceptStream();
                    pool.execute(() -> {
                        try (s) {
                            s.input().transferTo(s.output());
                            s.output().close();
                        } catch (IOException e) {
                            s.reset(CloseCode.INTERNAL_ERROR);
                        }
                    });
                }
            } catch (IOException | InterruptedException e) {
                // connection over
            }
        });
    }
}
