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
import java.util.concurrent.CountDownLatch;
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

    @Test
    void dataWrittenJustBeforeTheConnectionClosesStillArrives() throws Exception {
        try (NettyPair pair = new NettyPair()) {
            byte[] last = "CANCEL: user pressed stop".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            NettyPeerStream out = (NettyPeerStream) pair.clientSide.openUnidirectional();
            CountDownLatch hold = new CountDownLatch(1);
            out.eventLoop().execute(() -> await(hold)); // the close is decided before the send task can run
            out.output().write(last);
            pair.clientSide.close(dev.tandem.core.transport.CloseCode.CANCELLED, "stopped");
            hold.countDown();
            PeerStream in = pair.serverSide.acceptStream();
            assertArrayEquals(last, in.input().readNBytes(last.length), "a last word before closing, as a cancel sends");
        }
    }

    @Test
    void aResetRightAfterCloseStillEndsThePeersStream() throws Exception {
        try (NettyPair pair = new NettyPair()) {
            NettyPeerStream out = (NettyPeerStream) pair.clientSide.openUnidirectional();
            out.output().write(new byte[1000]); // the stream exists on the wire before the loop is held
            CountDownLatch hold = new CountDownLatch(1);
            out.eventLoop().execute(() -> await(hold)); // close and reset both happen before the send task runs
            out.output().write(new byte[100_000]);
            out.output().close();
            out.reset(dev.tandem.core.transport.CloseCode.CANCELLED);
            hold.countDown();
            PeerStream in = pair.serverSide.acceptStream();
            in.setReadTimeout(java.time.Duration.ofSeconds(10));
            // The reset ends the reader's stream; it must not be left waiting for a FIN that was dropped.
            var e = org.junit.jupiter.api.Assertions.assertThrows(dev.tandem.core.transport.StreamResetException.class,
                    () -> in.input().transferTo(java.io.OutputStream.nullOutputStream()));
            assertEquals(dev.tandem.core.transport.CloseCode.CANCELLED, e.code());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
