package dev.tandem.testkit;

import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.PeerStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Objects;

/** One side of an in-memory stream. {@code in} is null on the sending side of a unidirectional stream. */
final class MemoryStream implements PeerStream {
    private final long id;
    private final boolean bidirectional;
    private final boolean local;
    private final Pipe in;
    private final Pipe out;
    private volatile Duration readTimeout = Duration.ZERO;
    private final InputStream input;
    private final OutputStream output;

    MemoryStream(long id, boolean bidirectional, boolean local, Pipe in, Pipe out) {
        this.id = id;
        this.bidirectional = bidirectional;
        this.local = local;
        this.in = in;
        this.out = out;
        this.input = in == null ? null : new InputStream() {
            private final byte[] one = new byte[1];

            @Override
            public int read() throws IOException {
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                return in.read(b, off, len, readTimeout);
            }

            @Override
            public void close() {
                in.stopSending(CloseCode.CANCELLED);
            }
        };
        this.output = out == null ? null : new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                out.write(b, off, len);
            }

            @Override
            public void close() {
                out.finish();
            }
        };
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public boolean isBidirectional() {
        return bidirectional;
    }

    @Override
    public boolean isLocallyInitiated() {
        return local;
    }

    @Override
    public InputStream input() {
        if (input == null) {
            throw new IllegalStateException("stream " + id + " is send-only (unidirectional, opened here)");
        }
        return input;
    }

    @Override
    public OutputStream output() {
        if (output == null) {
            throw new IllegalStateException("stream " + id + " is receive-only (unidirectional, opened by the peer)");
        }
        return output;
    }

    @Override
    public void setReadTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative read timeout");
        }
        this.readTimeout = timeout;
    }

    @Override
    public void reset(long code) {
        if (out != null) {
            out.reset(code);
        }
        if (in != null) {
            in.stopSending(code);
        }
    }

    @Override
    public void close() {
        if (out != null) {
            out.finish();
        }
        if (in != null && !in.isDone()) {
            in.stopSending(CloseCode.NORMAL);
        }
    }
}
