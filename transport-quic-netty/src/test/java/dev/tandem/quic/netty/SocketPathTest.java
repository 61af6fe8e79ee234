package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.TransportConfig;
import io.netty.channel.epoll.Epoll;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way the socket can move datagrams carries a stream both ways byte for byte. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketPathTest {
    private static final String ALPN = "tandem-test/a/1";
    private static final int BYTES = 8 << 20;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"epoll+gso+recvmmsg, true, 10, 16", "epoll, true, 0, 0", "nio, false, 0, 0"})
    void aStreamCrossesIntactBothWays(String mode, boolean epoll, int gso, int recvBatch) throws Exception {
        assumeTrue(!epoll || Epoll.isAvailable(), "epoll is Linux only");
        NettySettings s = NettySettings.DEFAULTS.withIo(epoll, gso, recvBatch, "bbr");
        TransportConfig config = TransportConfig.of(Map.of(ALPN, StreamLimits.DEFAULT))
                .withBindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        BlockingQueue<PeerConnection> inbound = new LinkedBlockingQueue<>();
        try (NettyQuicTransport server = new NettyQuicTransport(NetworkIdentity.generate(), s);
                NettyQuicTransport client = new NettyQuicTransport(NetworkIdentity.generate(), s)) {
            server.start(config, inbound::add);
            client.start(config, c -> { });
            assertEquals(mode, server.ioMode());
            PeerConnection c = client.dial(server.localAddr(), ALPN).get(20, TimeUnit.SECONDS);
            PeerConnection sc = inbound.poll(20, TimeUnit.SECONDS);
            byte[] data = new byte[BYTES];
            new Random(7).nextBytes(data);
            PeerStream out = c.openBidirectional();
            Thread writer = new Thread(() -> {
                try (OutputStream o = out.output()) {
                    o.write(data);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            PeerStream in = sc.acceptStream();
            byte[] echoed = in.input().readAllBytes();
            assertArrayEquals(data, echoed);
            try (OutputStream o = in.output()) {
                o.write(echoed);
            }
            try (InputStream back = out.input()) {
                assertArrayEquals(data, back.readAllBytes());
            }
            writer.join();
        }
    }
}
