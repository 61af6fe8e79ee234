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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
        try (PipelinedSink sink = new PipelinedSink(FileSink.DEFAULT.open(file, true), 64 * 1024, 4, 0, "test-writer")) {
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
        PipelinedSink sink = new PipelinedSink(failsAtTheThird, 10, 2, 0, "test-writer");
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
        try (PipelinedSink sink = new PipelinedSink(slowDisk, 10, 2, 0, "test-writer")) {
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

    @Test
    void theFileIsForcedInTheBackgroundWhileWritesGoOn() throws Exception {
        CountDownLatch backgroundStarted = new CountDownLatch(1);
        CountDownLatch backgroundMayEnd = new CountDownLatch(1);
        AtomicBoolean backgroundEnded = new AtomicBoolean();
        List<String> forcedBy = new CopyOnWriteArrayList<>();
        List<Boolean> foregroundAfterBackground = new CopyOnWriteArrayList<>();
        List<Long> written = new CopyOnWriteArrayList<>();
        FileSink slowForce = new Recording(written) {
            @Override
            public void force() throws IOException {
                forcedBy.add(Thread.currentThread().getName());
                if (Thread.currentThread().getName().endsWith("-sync")) {
                    backgroundStarted.countDown();
                    await(backgroundMayEnd);
                    backgroundEnded.set(true);
                } else {
                    foregroundAfterBackground.add(backgroundEnded.get());
                }
            }
        };
        try (PipelinedSink sink = new PipelinedSink(slowForce, 10, 2, 30, "test-writer")) {
            for (int i = 0; i < 3; i++) {
                sink.write(ByteBuffer.allocate(10), i * 10L);
            }
            assertTrue(backgroundStarted.await(10, TimeUnit.SECONDS), "30 bytes written: a background force is due");
            sink.write(ByteBuffer.allocate(10), 30);
            sink.write(ByteBuffer.allocate(10), 40);
            sink.size(); // waits for the queued writes, not for the force
            assertEquals(List.of(0L, 10L, 20L, 30L, 40L), written, "writes went on while the force ran");
            assertEquals(List.of("test-writer-sync"), forcedBy);

            CompletableFuture<Void> checkpoint = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    sink.force();
                    checkpoint.complete(null);
                } catch (IOException | RuntimeException e) {
                    checkpoint.completeExceptionally(e);
                }
            }, "checkpoint");
            t.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (t.getState() != Thread.State.WAITING && t.isAlive() && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // until the checkpoint parks: nothing but the running force can hold it
            }
            backgroundMayEnd.countDown();
            checkpoint.get(10, TimeUnit.SECONDS);
            assertEquals(List.of(true), foregroundAfterBackground,
                    "a force waits for the background force that is running, then forces what came after it");
        }
    }

    @Test
    void aFailedBackgroundForceFailsEveryLaterForceEvenIfTheDiskThenReportsSuccess() throws Exception {
        CountDownLatch forceStarted = new CountDownLatch(1);
        CountDownLatch forceMayEnd = new CountDownLatch(1);
        List<Long> written = new CopyOnWriteArrayList<>();
        FileSink eioOnce = new Recording(written) {
            boolean failed;

            @Override
            public void force() throws IOException {
                if (!failed) {
                    failed = true;
                    forceStarted.countDown();
                    await(forceMayEnd);
                    throw new IOException("Input/output error");
                }
            }
        };
        PipelinedSink sink = new PipelinedSink(eioOnce, 10, 2, 20, "test-writer");
        sink.write(ByteBuffer.allocate(10), 0);
        sink.write(ByteBuffer.allocate(10), 10);
        assertTrue(forceStarted.await(10, TimeUnit.SECONDS));
        forceMayEnd.countDown();
        IOException e = assertThrows(IOException.class, sink::force, "the pages the failed force lost are not durable");
        assertTrue(e.getMessage().contains("Input/output error"), e.toString());
        assertThrows(IOException.class, sink::force, "not later either");
        assertThrows(IOException.class, () -> sink.write(ByteBuffer.allocate(10), 20));
        assertThrows(IOException.class, sink::close);
        assertTrue(((Recording) eioOnce).closed);
    }

    @Test
    void aFailedForceFailsEveryLaterForceEvenIfTheDiskThenReportsSuccess() throws Exception {
        AtomicInteger forces = new AtomicInteger();
        FileSink eioOnce = new Recording(new CopyOnWriteArrayList<>()) {
            @Override
            public void force() throws IOException {
                if (forces.incrementAndGet() == 1) {
                    throw new IOException("Input/output error");
                }
            }
        };
        PipelinedSink sink = new PipelinedSink(eioOnce, 10, 2, 0, "test-writer");
        sink.write(ByteBuffer.allocate(10), 0);
        assertThrows(IOException.class, sink::force);
        IOException again = assertThrows(IOException.class, sink::force, "the pages the failed force lost are gone");
        assertTrue(again.getMessage().contains("Input/output error"), again.toString());
        assertThrows(IOException.class, sink::close);
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IOException("test latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
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
        public void force() throws IOException {
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
