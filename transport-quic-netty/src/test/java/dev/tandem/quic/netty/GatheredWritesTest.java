package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.transport.PeerStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Writes made while the event loop is busy go out together: Netty's QUIC stream sends each channel write at once,
 * so the stream gathers what was written meanwhile into one write. Order, content and FIN must survive that.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatheredWritesTest {
    @Test
    void manySmallWritesShareDatagrams() throws Exception {
        try (NettyPair pair = new NettyPair()) {
            NettyPeerConnection client = (NettyPeerConnection) pair.clientSide;
            int writes = 20_000;
            byte[] expected = new byte[writes * 16];
            new Random(5).nextBytes(expected);
            long before = client.packetsSent();
            PeerStream out = client.openUnidirectional();
            CompletableFuture<byte[]> received = readAll(pair);
            try (OutputStream o = out.output()) {
                for (int i = 0; i < writes; i++) {
                    o.write(expected, i * 16, 16);
                }
            }
            assertArrayEquals(expected, received.get(30, TimeUnit.SECONDS));
            long packets = client.packetsSent() - before;
            // Measured: 33 packets gathered; 3433 with a channel write per call.
            assertTrue(packets < writes / 40, writes + " writes of 16 bytes took " + packets + " packets");
        }
    }

    @Test
    void writesOfEverySizeArriveInOrderWithTheirFin() throws Exception {
        try (NettyPair pair = new NettyPair()) {
            Random sizes = new Random(7);
            byte[] expected = new byte[6 * 1024 * 1024];
            new Random(11).nextBytes(expected);
            PeerStream out = pair.clientSide.openUnidirectional();
            CompletableFuture<byte[]> received = readAll(pair);
            try (OutputStream o = out.output()) {
                for (int at = 0; at < expected.length; ) {
                    // Mostly small writes, some larger than the unsent limit, so writers wait for room as well.
                    int n = sizes.nextInt(10) == 0 ? sizes.nextInt(2 * NettyPeerStream.MAX_UNSENT) : sizes.nextInt(300);
                    n = Math.min(Math.max(1, n), expected.length - at);
                    o.write(expected, at, n);
                    at += n;
                }
            }
            byte[] got = received.get(30, TimeUnit.SECONDS);
            assertEquals(expected.length, got.length);
            assertArrayEquals(expected, got);
        }
    }

    /** Reads the server side's first inbound stream to its end (EOF only comes with the FIN). */
    private static CompletableFuture<byte[]> readAll(NettyPair pair) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                InputStream in = pair.serverSide.acceptStream().input();
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                in.transferTo(all);
                return all.toByteArray();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }
}
