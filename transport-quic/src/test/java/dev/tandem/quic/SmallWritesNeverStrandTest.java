package dev.tandem.quic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression test for kwik 0.10.8's send-request race on writes that never block: 100 concurrent
 * write-close-echo exchanges, repeated. Before the trailing rescue writes in {@link QuicPeerStream} about
 * one round in two left a stream's data (or FIN) stranded in kwik's send buffer forever.
 */
class SmallWritesNeverStrandTest {
    private static byte[] exchange(PeerConnection c, byte[] payload) throws IOException {
        try (PeerStream s = c.openBidirectional()) {
            s.output().write(payload);
            s.output().close();
            return s.input().readAllBytes();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void hundredConcurrentExchangesTenTimes() throws Exception {
        for (int round = 0; round < 10; round++) {
            BlockingQueue<PeerConnection> in = new LinkedBlockingQueue<>();
            ExecutorService pool = Executors.newCachedThreadPool();
            QuicTransport server = QuicTestSupport.transport(QuicSettings.DEFAULTS);
            QuicTransport client = QuicTestSupport.transport(QuicSettings.DEFAULTS);
            try {
                server.start(QuicTestSupport.config(Duration.ofSeconds(5)), in::add);
                client.start(QuicTestSupport.config(Duration.ofSeconds(5)), c -> { });
                PeerConnection c = client.dial(server.localAddr(), QuicTestSupport.ALPN_A).get(20, TimeUnit.SECONDS);
                PeerConnection s = in.poll(20, TimeUnit.SECONDS);
                assertNotNull(s);
                QuicTestSupport.echo(s, pool);
                List<Future<byte[]>> results = new ArrayList<>();
                List<byte[]> payloads = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    byte[] payload = new byte[8192 + i];
                    new Random(round * 1000L + i).nextBytes(payload);
                    payloads.add(payload);
                    results.add(pool.submit(() -> exchange(c, payload)));
                }
                for (int i = 0; i < results.size(); i++) {
                    assertArrayEquals(payloads.get(i), results.get(i).get(20, TimeUnit.SECONDS),
                            "round " + round + " stream " + i);
                }
            } finally {
                pool.shutdownNow();
                client.close();
                server.close();
            }
        }
    }
}
