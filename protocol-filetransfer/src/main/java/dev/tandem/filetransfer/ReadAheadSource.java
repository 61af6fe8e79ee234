package dev.tandem.filetransfer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sender's counterpart of {@link PipelinedSink}: a thread of its own reads a file's chunks ahead and feeds the
 * file's SHA-256, so the sending thread only encrypts and writes. On the reference machine reading and hashing had been
 * half of the sending thread, the busiest thread of a transfer.
 *
 * <p>Bounded: at most {@code depth} chunks of {@code chunkSize} bytes are read ahead, in buffers that are reused once
 * {@link #release released}. The prefix before {@code from} (verified by the receiver in an earlier attempt) is read
 * and hashed but not handed out. A failed read is kept and thrown by {@link #next}; after it nothing more is read.
 * {@link #close} stops the thread and waits for it, so the caller may close the channel right after.
 */
final class ReadAheadSource implements Closeable {
    /** {@code len} bytes of the file at {@code position}, in {@code data} from index 0. */
    record Chunk(byte[] data, long position, int len) {
    }

    /** Reads {@code len} bytes at {@code position} into {@code buf} completely, or fails (shrunk file, I/O error). */
    @FunctionalInterface
    interface Reader {
        void readFully(FileChannel ch, byte[] buf, int len, long position) throws IOException;
    }

    private final FileChannel ch;
    private final Reader reader;
    private final long from;
    private final long size;
    private final int chunkSize;
    private final MessageDigest digest; // the reading thread's until it has read the last chunk
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();
    private final ArrayDeque<Chunk> ready = new ArrayDeque<>();
    private final Thread thread;
    private boolean finished; // every chunk has been read and hashed
    private boolean closing;
    private IOException failure;
    private byte[] hash;

    ReadAheadSource(FileChannel ch, Reader reader, long from, long size, int chunkSize, int depth,
            MessageDigest digest, String name) {
        this.ch = ch;
        this.reader = reader;
        this.from = from;
        this.size = size;
        this.chunkSize = chunkSize;
        this.digest = digest;
        for (int i = 0; i < depth; i++) {
            free.add(new byte[chunkSize]);
        }
        thread = Workers.startDaemon(this::readAll, name);
    }

    /** The next chunk in file order, or null after the last; {@link #release} it when it is sent. */
    Chunk next() throws IOException {
        lock.lock();
        try {
            while (ready.isEmpty() && !finished && failure == null) {
                await();
            }
            if (!ready.isEmpty()) {
                return ready.poll(); // chunks read before a failure are still good
            }
            if (failure != null) {
                throw failure;
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    void release(Chunk c) {
        lock.lock();
        try {
            free.add(c.data());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The file's SHA-256, once {@link #next} has returned null. */
    byte[] hash() {
        lock.lock();
        try {
            if (hash == null) {
                throw new IllegalStateException("the file has not been read to its end");
            }
            return hash.clone();
        } finally {
            lock.unlock();
        }
    }

    private void readAll() {
        try {
            long pos = 0;
            byte[] prefix = null;
            while (pos < from) { // hashed for the whole file's SHA-256, not sent
                int n = (int) Math.min(chunkSize, from - pos);
                if (prefix == null) {
                    prefix = take();
                }
                if (prefix == null || isClosing()) {
                    return;
                }
                reader.readFully(ch, prefix, n, pos);
                digest.update(prefix, 0, n);
                pos += n;
            }
            if (prefix != null) {
                give(prefix);
            }
            while (pos < size) {
                byte[] buf = take();
                if (buf == null) {
                    return;
                }
                int n = (int) Math.min(chunkSize, size - pos);
                reader.readFully(ch, buf, n, pos);
                digest.update(buf, 0, n);
                publish(new Chunk(buf, pos, n));
                pos += n;
            }
            byte[] h = digest.digest();
            lock.lock();
            try {
                hash = h;
                finished = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        } catch (Throwable e) { // an Error too: the sending thread waits for an outcome and reports it as the cause
            lock.lock();
            try {
                failure = e instanceof IOException io ? io : new IOException("reading the file failed: " + e, e);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private boolean isClosing() {
        lock.lock();
        try {
            return closing;
        } finally {
            lock.unlock();
        }
    }

    /** A free buffer, or null once closing. */
    private byte[] take() {
        lock.lock();
        try {
            while (free.isEmpty() && !closing) {
                changed.awaitUninterruptibly();
            }
            return closing ? null : free.poll();
        } finally {
            lock.unlock();
        }
    }

    private void give(byte[] buf) {
        lock.lock();
        try {
            free.add(buf);
        } finally {
            lock.unlock();
        }
    }

    private void publish(Chunk c) {
        lock.lock();
        try {
            ready.add(c);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void await() throws InterruptedIOException {
        Workers.await(changed, "the file to be read");
    }

    /**
     * Stops reading ahead and waits for the reading thread, which is at most one chunk read away from stopping, even if
     * this thread is interrupted (the interrupt is kept): the channel must not be closed under a read.
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
