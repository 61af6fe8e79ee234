package dev.tandem.filetransfer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link FileSink} that hands writes to a thread of its own, so a receiver decrypts and hashes the next chunks while
 * the disk takes the last ones (on the reference machine the part-file writes were over a third of the receiving
 * thread's time, and the one thread set the pace of the whole transfer).
 *
 * <p>Bounded: at most {@code depth} writes wait, in direct buffers of {@code bufferBytes} that are reused (the JDK
 * copies a heap buffer into a direct one for every file write anyway, so this costs no extra copy); a writer beyond
 * that waits. The first failed write is kept: every later call fails with it and no later write is attempted.
 * {@link #force}, {@link #size}, {@link #setLength} and {@link #close} first wait for every queued write, so a
 * caller that forces before recording progress never records a byte that is not on disk.
 */
final class PipelinedSink implements FileSink {
    private final FileSink target;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final ArrayDeque<Job> queued = new ArrayDeque<>();
    private final Thread writer;
    private int outstanding; // queued plus the one being written
    private boolean closing;
    private IOException failure;

    private record Job(ByteBuffer data, long position) {
    }

    PipelinedSink(FileSink target, int bufferBytes, int depth, String name) {
        this.target = target;
        for (int i = 0; i < depth; i++) {
            free.add(ByteBuffer.allocateDirect(bufferBytes));
        }
        writer = new Thread(this::drainQueue, name);
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void write(ByteBuffer data, long position) throws IOException {
        long pos = position;
        while (data.hasRemaining()) {
            ByteBuffer buf = takeFree();
            int n = Math.min(buf.capacity(), data.remaining());
            ByteBuffer part = data.slice(data.position(), n);
            buf.clear();
            buf.put(part).flip();
            data.position(data.position() + n);
            lock.lock();
            try {
                queued.add(new Job(buf, pos));
                outstanding++;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            pos += n;
        }
    }

    private ByteBuffer takeFree() throws IOException {
        lock.lock();
        try {
            while (true) {
                throwIfFailed();
                if (closing) {
                    throw new IOException("part file writer is closed");
                }
                ByteBuffer b = free.poll();
                if (b != null) {
                    return b;
                }
                awaitChange();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every queued write is done; fails if any failed. */
    private void drain() throws IOException {
        lock.lock();
        try {
            while (outstanding > 0 && failure == null) {
                awaitChange();
            }
            throwIfFailed();
        } finally {
            lock.unlock();
        }
    }

    private void awaitChange() throws InterruptedIOException {
        try {
            changed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the part file writer");
        }
    }

    private void throwIfFailed() throws IOException {
        if (failure != null) {
            throw new IOException("writing the part file failed: " + failure.getMessage(), failure);
        }
    }

    private void drainQueue() {
        while (true) {
            Job job;
            lock.lock();
            try {
                while (queued.isEmpty() && !closing) {
                    changed.awaitUninterruptibly();
                }
                if (queued.isEmpty()) {
                    return;
                }
                job = queued.poll();
            } finally {
                lock.unlock();
            }
            IOException error = null;
            if (!failed()) { // after a failure the rest is dropped: nothing past a hole may reach the file
                try {
                    target.write(job.data(), job.position());
                } catch (IOException e) {
                    error = e;
                }
            }
            lock.lock();
            try {
                if (error != null && failure == null) {
                    failure = error;
                }
                free.add(job.data());
                outstanding--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private boolean failed() {
        lock.lock();
        try {
            return failure != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long size() throws IOException {
        drain();
        return target.size();
    }

    @Override
    public void setLength(long length) throws IOException {
        drain();
        target.setLength(length);
    }

    @Override
    public void force() throws IOException {
        drain();
        target.force();
    }

    /** Waits for queued writes (their failure is thrown), stops the thread and closes the file in any case. */
    @Override
    public void close() throws IOException {
        try {
            drain();
        } finally {
            lock.lock();
            try {
                closing = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            target.close();
        }
    }
}
