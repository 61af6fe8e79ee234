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
 *
 * <p>Synced ahead: with {@code syncAheadBytes > 0} a third thread forces the file to disk whenever that much has been
 * written since its last force, while the writer goes on writing. A checkpoint's {@link #force} then has only the last
 * few MiB left to flush instead of everything since the previous checkpoint; on the reference machine's disk those
 * forces had been a third of a receiver's time, taken on the thread that reads the stream. A failed force, in the
 * background or not, is kept like a failed write: after one, Linux may report the next force as successful although the
 * pages it failed to write are gone, so nothing written before it may ever be reported durable.
 */
final class PipelinedSink implements FileSink {
    private final FileSink target;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Condition syncDue = lock.newCondition(); // its own, so the writer's progress does not wake it
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private final ArrayDeque<Job> queued = new ArrayDeque<>();
    private final long syncAheadBytes;
    private int outstanding; // queued plus the one being written
    private long unsynced;   // written since the last force began
    private boolean syncing; // a background force is running
    private boolean closing;
    private IOException failure;

    private record Job(ByteBuffer data, long position) {
    }

    /** @param syncAheadBytes force the file in the background after this many bytes are written (0: never) */
    PipelinedSink(FileSink target, int bufferBytes, int depth, long syncAheadBytes, String name) {
        this.target = target;
        this.syncAheadBytes = syncAheadBytes;
        for (int i = 0; i < depth; i++) {
            free.add(ByteBuffer.allocateDirect(bufferBytes));
        }
        Workers.startDaemon(this::drainQueue, name);
        if (syncAheadBytes > 0) {
            Workers.startDaemon(this::syncAhead, name + "-sync");
        }
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
        Workers.await(changed, "the part file writer");
    }

    private void throwIfFailed() throws IOException {
        if (failure != null) {
            throw new IOException("writing the part file to disk failed: " + failure.getMessage(), failure);
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
            int bytes = job.data().remaining();
            // after a failure the rest is dropped: nothing past a hole may reach the file
            IOException error = failed() ? null : attempt(() -> target.write(job.data(), job.position()));
            lock.lock();
            try {
                keepFirst(error);
                unsynced += bytes;
                if (syncAheadBytes > 0 && unsynced >= syncAheadBytes) {
                    syncDue.signal();
                }
                free.add(job.data());
                outstanding--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void syncAhead() {
        while (true) {
            lock.lock();
            try {
                while (!closing && (unsynced < syncAheadBytes || failure != null)) {
                    syncDue.awaitUninterruptibly();
                }
                if (closing) {
                    return;
                }
                unsynced = 0;
                syncing = true;
            } finally {
                lock.unlock();
            }
            IOException error = attempt(target::force);
            lock.lock();
            try {
                keepFirst(error);
                syncing = false;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    @FunctionalInterface
    private interface Io {
        void run() throws IOException;
    }

    /** A runtime exception is kept too: the thread must live on to count the job done, or every waiter would hang. */
    private static IOException attempt(Io io) {
        try {
            io.run();
            return null;
        } catch (IOException e) {
            return e;
        } catch (RuntimeException e) {
            return new IOException(e.toString(), e);
        }
    }

    /** With the lock held. */
    private void keepFirst(IOException error) {
        if (error != null && failure == null) {
            failure = error;
        }
    }

    /** Waits for a background force that is running, so its failure is seen before anything is called durable. */
    private void awaitBackgroundForce() throws IOException {
        lock.lock();
        try {
            while (syncing) {
                awaitChange();
            }
            throwIfFailed();
            unsynced = 0;
        } finally {
            lock.unlock();
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
        awaitBackgroundForce();
        IOException error = attempt(target::force);
        lock.lock();
        try {
            keepFirst(error); // a later force could succeed although this one lost pages
            throwIfFailed();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for queued writes (their failure is thrown), stops the threads and closes the file in any case, never under
     * a running write or force.
     */
    @Override
    public void close() throws IOException {
        try {
            drain();
        } finally {
            lock.lock();
            try {
                closing = true;
                changed.signalAll();
                syncDue.signal();
                while (syncing || outstanding > 0) { // never close the file under a force or a write
                    changed.awaitUninterruptibly();
                }
            } finally {
                lock.unlock();
            }
            target.close();
        }
    }
}
