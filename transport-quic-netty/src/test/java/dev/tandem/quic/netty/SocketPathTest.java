package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way the socket can move datagrams carries a stream both ways byte for byte. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketPathTest {
    private static final int BYTES = 8 << 20;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"epoll+gso+recvmmsg, true, 10, 16", "epoll, true, 0, 0", "nio, false, 0, 0"})
    void aStreamCrossesIntactBothWays(String mode, boolean epoll, int gso, int recvBatch) throws Exception {
        assumeTrue(!epoll || Epoll.isAvailable(), "epoll is Linux only");
        try (NettyPair p = new NettyPair(NettySettings.DEFAULTS.withIo(epoll, gso, recvBatch, "bbr"))) {
            assertEquals(mode, p.server.ioMode());
            PeerConnection c = p.clientSide;
            PeerConnection sc = p.serverSide;
            byte[] data = new byte[BYTES];
            new Random(7).nextBytes(data);
            PeerStream out = c.openBidirectional();
            Thread writer = new Thread(() -> write(out, data));
            writer.start();
            PeerStream in = sc.acceptStream();
            Thread echo = new Thread(() -> echo(in)); // as it arrives: neither side holds more than its windows
            echo.start();
            try (InputStream back = out.input()) {
                assertArrayEquals(data, back.readAllBytes());
            }
            writer.join();
            echo.join();
        }
    }

    private static void write(PeerStream s, byte[] data) {
        try (OutputStream o = s.output()) {
            for (int off = 0; off < data.length; off += 100_000) {
                o.write(data, off, Math.min(100_000, data.length - off));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void echo(PeerStream s) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream i = s.input(); OutputStream o = s.output()) {
            for (int n; (n = i.read(buf)) >= 0; ) {
                o.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
