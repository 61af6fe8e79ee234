package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class ReadAheadSourceTest {
    private static final int CHUNK = 1000;

    @TempDir
    Path dir;

    private static void read(FileChannel ch, byte[] buf, int len, long pos) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new TransferException(TransferError.SOURCE, "shrank");
            }
        }
    }

    private Path file(byte[] data) throws IOException {
        Path p = dir.resolve("f.bin");
        Files.write(p, data);
        return p;
    }

    @Test
    void handsOutTheChunksAfterTheResumedPrefixInOrderAndHashesTheWholeFile() throws Exception {
        byte[] data = new byte[10 * CHUNK + 123];
        new Random(7).nextBytes(data);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (FileChannel ch = FileChannel.open(file(data), StandardOpenOption.READ);
             ReadAheadSource src = new ReadAheadSource(ch, ReadAheadSourceTest::read, 3 * CHUNK, data.length, CHUNK, 2,
                     MessageDigest.getInstance("SHA-256"), "test-reader")) {
            long expect = 3 * CHUNK;
            for (ReadAheadSource.Chunk c; (c = src.next()) != null; ) {
                assertEquals(expect, c.position());
                got.write(c.data(), 0, c.len());
                expect += c.len();
                src.release(c);
            }
            assertEquals(data.length, expect);
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), src.hash());
            assertNull(src.next(), "the end stays the end");
        }
        assertArrayEquals(Arrays.copyOfRange(data, 3 * CHUNK, data.length), got.toByteArray());
    }

    @Test
    void aFailedReadIsThrownAfterTheChunksReadBeforeIt() throws Exception {
        byte[] data = new byte[5 * CHUNK];
        TransferException boom = new TransferException(TransferError.SOURCE, "'f.bin' shrank while it was sent");
        ReadAheadSource.Reader failsAtTheThird = (ch, buf, len, pos) -> {
            if (pos == 2 * CHUNK) {
                throw boom;
            }
            read(ch, buf, len, pos);
        };
        try (FileChannel ch = FileChannel.open(file(data), StandardOpenOption.READ);
             ReadAheadSource src = new ReadAheadSource(ch, failsAtTheThird, 0, data.length, CHUNK, 4,
                     MessageDigest.getInstance("SHA-256"), "test-reader")) {
            assertEquals(0, src.next().position());
            assertEquals(CHUNK, src.next().position());
            assertSame(boom, assertThrows(TransferException.class, src::next));
            assertSame(boom, assertThrows(TransferException.class, src::next), "and again");
            assertThrows(IllegalStateException.class, src::hash);
        }
    }

    @Test
    void aChunkTheSenderHoldsKeepsItsBytesWhileTheReaderRunsAhead() throws Exception {
        byte[] data = new byte[8 * CHUNK];
        new Random(8).nextBytes(data);
        try (FileChannel ch = FileChannel.open(file(data), StandardOpenOption.READ);
             ReadAheadSource src = new ReadAheadSource(ch, ReadAheadSourceTest::read, 0, data.length, CHUNK, 3,
                     MessageDigest.getInstance("SHA-256"), "test-reader")) {
            ReadAheadSource.Chunk held = src.next();
            byte[] copy = Arrays.copyOf(held.data(), held.len());
            for (ReadAheadSource.Chunk c; (c = src.next()) != null; ) { // every other buffer goes round and round
                assertArrayEquals(Arrays.copyOfRange(data, (int) c.position(), (int) c.position() + c.len()),
                        Arrays.copyOf(c.data(), c.len()));
                src.release(c);
            }
            assertArrayEquals(copy, Arrays.copyOf(held.data(), held.len()));
            assertArrayEquals(Arrays.copyOf(data, CHUNK), copy);
        }
    }

    @Test
    void anErrorInTheReaderReachesTheSenderInsteadOfLeavingItWaiting() throws Exception {
        byte[] data = new byte[6 * CHUNK];
        ReadAheadSource.Reader dies = (ch, buf, len, pos) -> {
            throw new OutOfMemoryError("simulated");
        };
        try (FileChannel ch = FileChannel.open(file(data), StandardOpenOption.READ);
             ReadAheadSource src = new ReadAheadSource(ch, dies, 0, data.length, CHUNK, 2,
                     MessageDigest.getInstance("SHA-256"), "test-reader")) {
            IOException e = assertThrows(IOException.class, src::next);
            assertTrue(e.getCause() instanceof OutOfMemoryError, String.valueOf(e.getCause()));
        }
    }

    @Test
    void closeStopsAReaderThatWaitsForBuffersTheSenderNeverReleased() throws Exception {
        byte[] data = new byte[50 * CHUNK];
        ReadAheadSource src;
        try (FileChannel ch = FileChannel.open(file(data), StandardOpenOption.READ)) {
            src = new ReadAheadSource(ch, ReadAheadSourceTest::read, 0, data.length, CHUNK, 2,
                    MessageDigest.getInstance("SHA-256"), "test-reader");
            src.next();
            src.next(); // both buffers are out: the reader waits for one
            src.close(); // returns only once the reading thread has ended
        }
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("test-reader") && t.isAlive()).count());
    }
}
