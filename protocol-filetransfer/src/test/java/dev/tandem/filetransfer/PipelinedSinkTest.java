package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class PipelinedSinkTest {
    @TempDir
    Path dir;

    @Test
    void writesLandWhereTheyWereAimedAndForceWaitsForThem() throws Exception {
        Path file = dir.resolve("f.part");
        byte[] data = new byte[1 << 20];
        new Random(5).nextBytes(data);
        try (PipelinedSink sink = new PipelinedSink(FileSink.DEFAULT.open(file, true), 64 * 1024, 4, "test-writer")) {
            byte[] reused = new byte[100_000]; // the caller reuses its buffer at once, as the receiver does
            for (int off = 0; off < data.length; off += reused.length) {
                int n = Math.min(reused.length, data.length - off);
                System.arraycopy(data, off, reused, 0, n);
                sink.write(ByteBuffer.wrap(reused, 0, n), off); // larger than one buffer: split
            }
            sink.force();
            assertEquals(data.length, sink.size());
            assertArrayEquals(data, Files.readAllBytes(file));
        }
    }

    @Test
    void theFirstFailureIsReportedByEveryLaterCallAndNothingIsWrittenAfterIt() throws Exception {
        List<Long> written = new CopyOnWriteArrayList<>();
        FileSink failsAtTheThird = new Recording(written) {
            @Override
            public void write(ByteBuffer data, long position) throws IOException {
                if (position == 2 * 10) {
                    throw new IOException("No space left on device");
                }
                super.write(data, position);
            }
        };
        PipelinedSink sink = new PipelinedSink(failsAtTheThird, 10, 2, "test-writer");
        IOException first = assertThrows(IOException.class, () -> {
            for (int i = 0; i < 100; i++) {
                sink.write(ByteBuffer.allocate(10), i * 10L);
            }
        });
        assertTrue(Codes.isDiskFull(first), first.toString());
        assertThrows(IOException.class, sink::force);
        assertThrows(IOException.class, () -> sink.write(ByteBuffer.allocate(10), 0));
        IOException onClose = assertThrows(IOException.class, sink::close);
        assertTrue(Codes.isDiskFull(onClose), onClose.toString());
        assertEquals(List.of(0L, 10L), written, "nothing past the failed write reached the file");
        assertTrue(((Recording) failsAtTheThird).closed, "the file is closed even though a write failed");
    }

    @Test
    void aWriterBeyondTheDepthWaitsForTheDisk() throws Exception {
        CountDownLatch diskFree = new CountDownLatch(1);
        List<Long> written = new CopyOnWriteArrayList<>();
        FileSink slowDisk = new Recording(written) {
            @Override
            public void write(ByteBuffer data, long position) throws IOException {
                try {
                    diskFree.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                super.write(data, position);
            }
        };
        try (PipelinedSink sink = new PipelinedSink(slowDisk, 10, 2, "test-writer")) {
            sink.write(ByteBuffer.allocate(10), 0);
            sink.write(ByteBuffer.allocate(10), 10); // both buffers now held: one being written, one queued
            CompletableFuture<Void> third = CompletableFuture.runAsync(() -> {
                try {
                    sink.write(ByteBuffer.allocate(10), 20);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertFalse(third.isDone(), "a third write must wait for a free buffer");
            diskFree.countDown();
            third.get(10, TimeUnit.SECONDS);
            sink.force();
            assertEquals(List.of(0L, 10L, 20L), written);
        }
    }

    private static class Recording implements FileSink {
        final List<Long> written;
        volatile boolean closed;

        Recording(List<Long> written) {
            this.written = written;
        }

        @Override
        public void write(ByteBuffer data, long position) throws IOException {
            written.add(position);
            data.position(data.limit());
        }

        @Override
        public long size() {
            return 0;
        }

        @Override
        public void setLength(long length) {
        }

        @Override
        public void force() {
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
