package dev.tandem.testkit;

import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.StreamResetException;
import dev.tandem.core.transport.StreamTimeoutException;
import dev.tandem.core.transport.TransportException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;

/**
 * One direction of an in-memory stream: a bounded byte buffer with QUIC's stream semantics. The writer
 * blocks while the buffer (the receive window) is full; FIN, RESET_STREAM, STOP_SENDING and connection
 * close are signalled to the blocked side.
 */
final class Pipe {
    private final byte[] buf;
    private int head;
    private int size;
    private boolean fin;
    private Long resetCode;      // writer abandoned the stream
    private Long stopCode;       // reader asked the writer to stop
    private ConnectionClosedException readerClosed;  // how the receiving side's connection ended
    private ConnectionClosedException writerClosed;  // how the sending side's connection ended
    private boolean readerDone;
    private volatile boolean done;
    private final Runnable onChange;
    private final java.util.function.BooleanSupplier dropWrites;

    /** While {@code dropWrites} is true, writes are accepted and never delivered ({@link InMemoryTransport#strandWrites}). */
    Pipe(int window, Runnable onChange, java.util.function.BooleanSupplier dropWrites) {
        this.buf = new byte[window];
        this.onChange = onChange;
        this.dropWrites = dropWrites;
    }

    synchronized void write(byte[] b, int off, int len) throws IOException {
        if (dropWrites.getAsBoolean()) {
            checkWritable();
            return;
        }
        while (len > 0) {
            checkWritable();
            while (size == buf.length) {
                await(0);
                checkWritable();
            }
            int tail = (head + size) % buf.length;
            int n = Math.min(len, Math.min(buf.length - size, buf.length - tail));
            System.arraycopy(b, off, buf, tail, n);
            size += n;
            off += n;
            len -= n;
            notifyAll();
        }
    }

    private void checkWritable() throws IOException {
        if (writerClosed != null) {
            throw writerClosed;
        }
        if (stopCode != null) {
            throw new StreamResetException(stopCode);
        }
        if (resetCode != null || fin) {
            throw new TransportException("stream output is closed");
        }
    }

    synchronized int read(byte[] b, int off, int len, Duration timeout) throws IOException {
        if (len == 0) {
            return 0;
        }
        long deadline = timeout.isZero() ? 0 : System.nanoTime() + timeout.toNanos();
        while (true) {
            if (resetCode != null) {
                throw new StreamResetException(resetCode);
            }
            if (size > 0) {
                int n = Math.min(len, Math.min(size, buf.length - head));
                System.arraycopy(buf, head, b, off, n);
                head = (head + n) % buf.length;
                size -= n;
                notifyAll();
                return n;
            }
            if (fin) {
                if (!readerDone) {
                    readerDone = true;
                    changed();
                }
                return -1;
            }
            if (readerClosed != null) {
                throw readerClosed;
            }
            if (stopCode != null) {
                throw new TransportException("stream input was abandoned");
            }
            long waitNanos = 0;
            if (deadline != 0) {
                waitNanos = deadline - System.nanoTime();
                if (waitNanos <= 0) {
                    throw new StreamTimeoutException(timeout);
                }
            }
            await(waitNanos);
        }
    }

    private void await(long nanos) throws InterruptedIOException {
        try {
            if (nanos == 0) {
                wait();
            } else {
                wait(nanos / 1_000_000, (int) (nanos % 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting on a stream");
        }
    }

    synchronized void finish() {
        if (!fin && resetCode == null) {
            fin = true;
            notifyAll();
            changed();
        }
    }

    synchronized void reset(long code) {
        if (!fin || size > 0) {
            resetCode = code;
            size = 0;
        }
        fin = true;
        readerDone = true;
        notifyAll();
        changed();
    }

    synchronized void stopSending(long code) {
        if (stopCode == null) {
            stopCode = code;
        }
        readerDone = true;
        size = 0;
        notifyAll();
        changed();
    }

    /** The receiving side's connection ended: its blocked and later reads fail with {@code e}. */
    synchronized void readerConnectionClosed(ConnectionClosedException e) {
        if (readerClosed == null) {
            readerClosed = e;
            notifyAll();
        }
    }

    /** The sending side's connection ended: its blocked and later writes fail with {@code e}. */
    synchronized void writerConnectionClosed(ConnectionClosedException e) {
        if (writerClosed == null) {
            writerClosed = e;
            notifyAll();
        }
    }

    /** True when neither side will use this direction again. Lock-free, so listeners may call it. */
    boolean isDone() {
        return done;
    }

    private void changed() {
        done = readerDone && (fin || stopCode != null);
        onChange.run();
    }
}
