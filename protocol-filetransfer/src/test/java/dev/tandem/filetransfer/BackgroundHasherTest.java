package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class BackgroundHasherTest {
    private static final int CHUNK = 1000;

    @Test
    void hashesThePrefixAndEveryChunkInOrderThroughReusedBuffers() throws Exception {
        byte[] data = new byte[3 * CHUNK + 50 * CHUNK + 321];
        new Random(11).nextBytes(data);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(data, 0, 3 * CHUNK); // a resumed file's verified prefix, hashed before the hasher takes over
        try (BackgroundHasher h = new BackgroundHasher(md, CHUNK, 2, "test-hasher")) {
            for (int off = 3 * CHUNK; off < data.length; off += CHUNK) {
                int len = Math.min(CHUNK, data.length - off);
                byte[] buf = h.buffer();
                assertEquals(CHUNK, buf.length);
                System.arraycopy(data, off, buf, 0, len);
                Arrays.fill(buf, len, CHUNK, (byte) 0x5a); // beyond len is not hashed
                h.hash(buf, len);
            }
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), h.digest());
        }
    }

    @Test
    void aFailureOfTheHashingThreadIsThrownToTheReceiver() throws Exception {
        Error boom = new OutOfMemoryError("no room to hash");
        MessageDigest broken = new MessageDigest("broken") {
            @Override
            protected void engineUpdate(byte input) {
                throw boom;
            }

            @Override
            protected void engineUpdate(byte[] input, int offset, int len) {
                throw boom;
            }

            @Override
            protected byte[] engineDigest() {
                return new byte[32];
            }

            @Override
            protected void engineReset() {
            }
        };
        try (BackgroundHasher h = new BackgroundHasher(broken, CHUNK, 1, "test-hasher")) {
            h.hash(h.buffer(), CHUNK);
            IOException e = assertThrows(IOException.class, h::digest);
            assertSame(boom, e.getCause());
            assertSame(boom, assertThrows(IOException.class, h::buffer).getCause(),
                    "the failure stays: no later chunk is taken");
        }
    }

    @Test
    void closeStopsTheThreadWithChunksStillQueuedAndRefusesMore() throws Exception {
        CountDownLatch inUpdate = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger updates = new AtomicInteger();
        MessageDigest slow = new MessageDigest("slow") {
            @Override
            protected void engineUpdate(byte input) {
            }

            @Override
            protected void engineUpdate(byte[] input, int offset, int len) {
                updates.incrementAndGet();
                inUpdate.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            protected byte[] engineDigest() {
                return new byte[32];
            }

            @Override
            protected void engineReset() {
            }
        };
        BackgroundHasher h = new BackgroundHasher(slow, CHUNK, 2, "test-hasher-close");
        h.hash(h.buffer(), CHUNK);
        h.hash(h.buffer(), CHUNK); // queued behind the one being hashed
        inUpdate.await();
        Thread closer = new Thread(h::close);
        closer.start();
        while (closer.getState() != Thread.State.WAITING) { // joining the hashing thread, which is still in update
            assertTrue(closer.isAlive(), "close returned while a chunk was being hashed");
            Thread.onSpinWait();
        }
        release.countDown();
        closer.join();
        assertEquals(1, updates.get(), "the chunk queued behind the one being hashed was dropped, not hashed");
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("test-hasher-close")),
                "the hashing thread ended");
        IOException e = assertThrows(IOException.class, h::buffer);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
