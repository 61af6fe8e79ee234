package dev.tandem.filetransfer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The receiver's counterpart of {@link ReadAheadSource}'s hashing: a thread of its own feeds a file's SHA-256 with the
 * chunks the receiving thread has opened, in order, so that thread only reads frames, decrypts and hands chunks to the
 * part-file writer. On the reference machine hashing was 40% of the receiving thread, the busiest thread of a transfer
 * over Netty.
 *
 * <p>Use: {@link #buffer} gives a free buffer, the caller decrypts a chunk into it and passes it to {@link #hash}; it may
 * go on reading that buffer (to write it) until its next call to {@link #buffer}, since a buffer comes back only once
 * hashed and only that caller takes buffers. Bounded: {@code depth} buffers of {@code chunkSize} bytes, reused.
 * A failure of the hashing thread (an {@code Error} too) is kept and thrown by {@link #buffer} and {@link #digest}.
 * {@link #close} stops the thread and waits for it.
 */
final class BackgroundHasher implements Closeable {
    private final MessageDigest digest; // the hashing thread's until digest() has drained the queue
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();
    private final ArrayDeque<Job> queued = new ArrayDeque<>();
    private final Thread thread;
    private int outstanding; // queued plus the one being hashed
    private boolean closing;
    private Throwable failure;

    private record Job(byte[] data, int len) {
    }

    /** @param digest already fed with any prefix of the file; from now on only this hasher's thread updates it */
    BackgroundHasher(MessageDigest digest, int chunkSize, int depth, String name) {
        this.digest = digest;
        for (int i = 0; i < depth; i++) {
            free.add(new byte[chunkSize]);
        }
        thread = Workers.startDaemon(this::hashAll, name);
    }

    /** A free buffer of {@code chunkSize} bytes for the next chunk; waits while all are queued. */
    byte[] buffer() throws IOException {
        lock.lock();
        try {
            while (true) {
                throwIfFailed();
                if (closing) {
                    throw new IOException("the file's hasher is closed");
                }
                byte[] b = free.poll();
                if (b != null) {
                    return b;
                }
                await();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues the first {@code len} bytes of a buffer from {@link #buffer} to be hashed after those queued before. */
    void hash(byte[] buf, int len) {
        lock.lock();
        try {
            queued.add(new Job(buf, len));
            outstanding++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every queued chunk is hashed, then completes and returns the file's SHA-256. */
    byte[] digest() throws IOException {
        lock.lock();
        try {
            while (outstanding > 0 && failure == null) {
                await();
            }
            throwIfFailed();
            return digest.digest();
        } finally {
            lock.unlock();
        }
    }

    private void hashAll() {
        try {
            hashQueued();
        } finally { // however the thread ends (an Error while reporting one too), the receiver must not wait on
            lock.lock();
            try {
                if (!closing && failure == null) {
                    failure = new IllegalStateException("the hashing thread ended unexpectedly");
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void hashQueued() {
        while (true) {
            Job job;
            lock.lock();
            try {
                while (queued.isEmpty() && !closing) {
                    changed.awaitUninterruptibly();
                }
                if (closing) {
                    return;
                }
                job = queued.poll();
            } finally {
                lock.unlock();
            }
            Throwable error = null;
            try {
                digest.update(job.data(), 0, job.len());
            } catch (Throwable e) { // an Error too: the receiving thread waits on this one and must hear of it
                error = e;
            }
            lock.lock();
            try {
                if (error != null && failure == null) {
                    failure = error;
                }
                free.add(job.data());
                outstanding--;
                changed.signalAll();
                if (failure != null) {
                    return; // nothing after a gap may be hashed: the digest is wrong from here on
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void throwIfFailed() throws IOException {
        if (failure != null) {
            throw new IOException("hashing the file failed: " + failure, failure);
        }
    }

    private void await() throws InterruptedIOException {
        Workers.await(changed, "the file to be hashed");
    }

    /**
     * Stops the hashing thread, dropping what is queued, and waits for it even if this thread is interrupted (the
     * interrupt is kept), so no hashing outlives the file.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        Workers.joinUninterruptibly(thread);
    }
}
