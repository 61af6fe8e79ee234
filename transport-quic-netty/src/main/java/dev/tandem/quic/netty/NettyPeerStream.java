package dev.tandem.quic.netty;

import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StallException;
import dev.tandem.core.transport.StreamResetException;
import dev.tandem.core.transport.StreamTimeoutException;
import dev.tandem.core.transport.TransportException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Netty {@link QuicStreamChannel} as a blocking {@link PeerStream}. It is also the stream channel's inbound
 * handler: the event loop only queues; application threads block here, never the loop.
 *
 * <ul>
 *   <li>Receive: a queue bounded by the stream window; when it is full auto-read is switched off, so quiche stops
 *       granting the peer flow-control credit (back-pressure, no unbounded buffering). Reading it below half turns
 *       auto-read back on.</li>
 *   <li>Send: each write copies into a buffer and queues it on the channel; the writer waits while the channel is
 *       not writable (bounded by its write-buffer high-water mark). FIN goes on a frame queued after the last
 *       write, never through {@code shutdownOutput()}, which would overtake queued data.</li>
 *   <li>A writer that sees no progress for the stall timeout resets the stream ({@link CloseCode#STALLED}) and
 *       gets a {@link StallException}.</li>
 * </ul>
 */
final class NettyPeerStream extends ChannelInboundHandlerAdapter implements PeerStream {
    private static final Logger LOG = LoggerFactory.getLogger(NettyPeerStream.class);
    /** Largest buffer handed to the channel per write. */
    static final int WRITE_CHUNK = 64 * 1024;
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long CLOSE_EVENT_WAIT_MS = 2000;

    private final NettyPeerConnection connection;
    private final boolean local;
    private final boolean bidirectional;
    private final int queueLimit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private final InputStream input;
    private final OutputStream output;
    private final Runnable wakeReader = this::wakeReaderNow;
    private volatile QuicStreamChannel channel;
    private int queued;          // guarded by lock
    private boolean paused;      // guarded by lock
    private boolean unsignalled; // guarded by lock: data queued since the reader was last woken
    private boolean eof;         // guarded by lock
    private IOException readFailure;   // guarded by lock
    private volatile IOException writeFailure;
    private volatile boolean outputDone;
    private volatile boolean inputDone;
    private volatile Duration readTimeout = Duration.ZERO;

    NettyPeerStream(NettyPeerConnection connection, boolean locallyInitiated, boolean bidirectional, int queueLimit) {
        this.connection = connection;
        this.local = locallyInitiated;
        this.bidirectional = bidirectional;
        this.queueLimit = Math.max(64 * 1024, queueLimit);
        boolean canRead = bidirectional || !locallyInitiated;
        boolean canWrite = bidirectional || locallyInitiated;
        this.input = canRead ? new In() : null;
        this.output = canWrite ? new Out() : null;
        if (!canRead) {
            inputDone = true;
        }
    }

    // ------------------------------------------------------------------------------------ event loop side

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        bind((QuicStreamChannel) ctx.channel());
    }

    /** Attaches the stream channel (from the handler, or from the open future, whichever comes first). */
    void bind(QuicStreamChannel ch) {
        if (channel == ch) {
            return;
        }
        if (bidirectional) {
            ch.config().setAllowHalfClosure(true);
        }
        int high = Math.max(queueLimit, 256 * 1024);
        // Writers resume at half the high-water mark, not Netty's default 32 KiB, so the pipe never runs dry.
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(high / 2, high));
        this.channel = ch;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lock.lock();
        try {
            if (inputDone || readFailure != null) {
                buf.release();
                return;
            }
            queue.add(buf);
            queued += buf.readableBytes();
            unsignalled = true;
            if (queued >= queueLimit && !paused) {
                paused = true;
                ctx.channel().config().setAutoRead(false);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Netty completes a stream read per datagram; the reader is woken once per batch of datagrams from the socket
     * (or at once when the read came from elsewhere, such as auto-read switched back on).
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!connection.transport().runAfterReadBatch(wakeReader)) {
            wakeReader.run();
        }
        ctx.fireChannelReadComplete();
    }

    private void wakeReaderNow() {
        lock.lock();
        try {
            if (unsignalled) {
                unsignalled = false;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownReadComplete || evt instanceof ChannelInputShutdownEvent) {
            lock.lock();
            try {
                eof = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof QuicStreamResetException r) {
            failRead(new StreamResetException(r.applicationProtocolCode()));
        } else {
            LOG.debug("stream {} of {}: {}", id(), connection, cause.toString());
            failRead(new TransportException("stream " + id() + " failed: " + cause, cause));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        signal();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        IOException why = connection.isOpen() ? null : connection.closedNow();
        boolean finished = ((QuicStreamChannel) ctx.channel()).isInputShutdown();
        if (why == null && !(finished && (outputDone || output == null))) {
            // Netty closes a connection's streams before it reports the connection closed: give the connection a
            // moment to say how (ConnectionClosedException with the peer's code), as the kwik transport does.
            ctx.executor().schedule(() -> streamGone(finished), CLOSE_EVENT_WAIT_MS, TimeUnit.MILLISECONDS);
            return;
        }
        streamGone(finished);
    }

    private void streamGone(boolean finished) {
        IOException why = connection.isOpen() ? null : connection.closedNow();
        lock.lock();
        try {
            if (finished && why == null) {
                eof = true; // the peer's FIN came in; Netty closed the stream as both directions are done
            }
            if (readFailure == null && !eof) {
                readFailure = why != null ? why : new TransportException("stream " + id() + " was closed");
            }
            if (writeFailure == null && !outputDone) {
                writeFailure = why != null ? why : new TransportException("stream " + id() + " was closed");
            }
            unpoolQueued();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        connection.streamDone(this);
    }

    /**
     * The stream is gone but what arrived stays readable: its buffers move from Netty's pool to plain heap copies (at
     * most the queue limit), so a stream nobody reads or closes any more, such as one the peer opened on a
     * connection that then closed before it was accepted, leaks no pooled memory. Lock held.
     */
    /** For tests: whether any queued buffer still comes from Netty's direct pool. */
    boolean holdsDirectBuffers() {
        lock.lock();
        try {
            return queue.stream().anyMatch(ByteBuf::isDirect);
        } finally {
            lock.unlock();
        }
    }

    private void unpoolQueued() {
        for (int i = 0, n = queue.size(); i < n; i++) {
            ByteBuf b = queue.poll();
            byte[] copy = ByteBufUtil.getBytes(b);
            b.release();
            queue.add(Unpooled.wrappedBuffer(copy));
        }
    }

    private void failRead(IOException e) {
        lock.lock();
        try {
            if (readFailure == null) {
                readFailure = e;
            }
            if (writeFailure == null && e instanceof StreamResetException) {
                writeFailure = e;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The connection closed: wake every blocked reader and writer with how. */
    void connectionClosed(ConnectionClosedException how) {
        lock.lock();
        try {
            if (readFailure == null) {
                readFailure = how;
            }
            if (writeFailure == null) {
                writeFailure = how;
            }
            unpoolQueued();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------ PeerStream

    @Override
    public long id() {
        QuicStreamChannel ch = channel;
        return ch == null ? -1 : ch.streamId();
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
            throw new IllegalStateException("stream " + id() + " is send-only (unidirectional, opened here)");
        }
        return input;
    }

    @Override
    public OutputStream output() {
        if (output == null) {
            throw new IllegalStateException("stream " + id() + " is receive-only (unidirectional, opened by the peer)");
        }
        return output;
    }

    @Override
    public void setReadTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("negative read timeout");
        }
        this.readTimeout = timeout;
    }

    @Override
    public void reset(long code) {
        QuicStreamChannel ch = channel;
        boolean write = output != null && !outputDone;
        boolean read = input != null && !inputDone;
        outputDone = true;
        dropInput();
        if (writeFailure == null) {
            writeFailure = new TransportException("stream " + id() + " was reset locally");
        }
        int c = wireCode(code);
        if (write && read) {
            ch.shutdown(c);
        } else if (write) {
            ch.shutdownOutput(c);
        } else if (read) {
            ch.shutdownInput(c);
        }
    }

    @Override
    public void close() {
        closeOutputQuietly();
        if (input != null && !inputDone) {
            boolean atEnd;
            lock.lock();
            try {
                atEnd = eof && queue.isEmpty();
            } finally {
                lock.unlock();
            }
            dropInput();
            if (!atEnd) {
                channel.shutdownInput(wireCode(CloseCode.NORMAL)); // STOP_SENDING, as the kwik transport does
            }
        }
    }

    static int wireCode(long code) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, code));
    }

    private void dropInput() {
        lock.lock();
        try {
            inputDone = true;
            for (ByteBuf b; (b = queue.poll()) != null; ) {
                b.release();
            }
            queued = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "NettyPeerStream[" + id() + " of " + connection + "]";
    }

    // ------------------------------------------------------------------------------------ blocking views

    private final class In extends InputStream {
        private final byte[] one = new byte[1];

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            Duration t = readTimeout;
            long deadline = t.isZero() ? 0 : System.nanoTime() + t.toNanos();
            boolean resume;
            int n;
            lock.lock();
            try {
                while (queue.isEmpty()) {
                    if (readFailure != null) {
                        throw readFailure;
                    }
                    if (eof) {
                        inputDone = true;
                        return -1;
                    }
                    if (inputDone) {
                        throw new TransportException("stream " + id() + " input was closed locally");
                    }
                    try {
                        if (deadline == 0) {
                            changed.await();
                        } else {
                            long left = deadline - System.nanoTime();
                            if (left <= 0) {
                                throw new StreamTimeoutException(t);
                            }
                            changed.awaitNanos(left);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while reading stream " + id());
                    }
                }
                ByteBuf head = queue.peek();
                n = Math.min(len, head.readableBytes());
                head.readBytes(b, off, n);
                if (!head.isReadable()) {
                    queue.poll().release();
                }
                queued -= n;
                resume = paused && queued <= queueLimit / 2;
                if (resume) {
                    paused = false;
                }
            } finally {
                lock.unlock();
            }
            if (resume) {
                QuicStreamChannel ch = channel;
                ch.eventLoop().execute(() -> ch.config().setAutoRead(true));
            }
            return n;
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return queued;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            if (!inputDone) {
                dropInput();
                channel.shutdownInput(wireCode(CloseCode.CANCELLED));
            }
        }
    }

    private final class Out extends OutputStream {
        private final byte[] one = new byte[1];
        private final AtomicInteger unflushedWrites = new AtomicInteger();
        private volatile IOException reportedFailure;

        @Override
        public void write(int b) throws IOException {
            one[0] = (byte) b;
            write(one, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            for (int done = 0; done < len; ) {
                int n = Math.min(WRITE_CHUNK, len - done);
                QuicStreamChannel ch = awaitWritable();
                ByteBuf buf = ch.alloc().directBuffer(n);
                buf.writeBytes(b, off + done, n);
                unflushedWrites.incrementAndGet();
                ch.write(buf).addListener(this::onWritten);
                try {
                    ch.eventLoop().execute(() -> flushIfLast(ch));
                } catch (RejectedExecutionException e) {
                    throw connection.isOpen() ? new TransportException("stream " + id() + ": event loop stopped", e)
                            : connection.closedNow();
                }
                done += n;
            }
        }

        /**
         * Runs on the event loop after each write: only the last of a burst flushes, so many small writes (messages
         * with many in flight) leave in full packets instead of one packet each. A write is always queued before its
         * own flush task, so none is left unflushed.
         */
        private void flushIfLast(QuicStreamChannel ch) {
            if (unflushedWrites.decrementAndGet() == 0) {
                ch.flush();
            }
        }

        private void onWritten(io.netty.util.concurrent.Future<? super Void> f) {
            if (!f.isSuccess() && writeFailure == null) {
                Throwable c = f.cause();
                writeFailure = c instanceof IOException io && !(c instanceof java.nio.channels.ClosedChannelException)
                        ? new TransportException("write on stream " + id() + " failed: " + c, c)
                        : connection.isOpen() ? new StreamResetException(CloseCode.CANCELLED) : connection.closedNow();
                signal();
            }
        }

        /** Waits until the channel takes more data; fails on error, and with a stall after no progress. */
        private QuicStreamChannel awaitWritable() throws IOException {
            QuicStreamChannel ch = channel;
            long stallNanos = connection.transport().settings().stallTimeout().toNanos();
            long lastProgress = System.nanoTime();
            long lastPending = Long.MAX_VALUE;
            lock.lock();
            try {
                while (true) {
                    IOException f = writeFailure;
                    if (f != null) {
                        throw reported(f);
                    }
                    if (outputDone) {
                        throw new TransportException("stream " + id() + " output is closed");
                    }
                    if (ch.isWritable()) {
                        return ch;
                    }
                    long pending = ch.bytesBeforeWritable();
                    long now = System.nanoTime();
                    if (pending < lastPending) {
                        lastPending = pending;
                        lastProgress = now;
                    } else if (stallNanos > 0 && now - lastProgress >= stallNanos) {
                        Duration d = Duration.ofNanos(now - lastProgress);
                        connection.transport().countStall();
                        LOG.warn("stream {} of {}: no progress for {} ms with data pending; resetting it as stalled",
                                id(), connection, d.toMillis());
                        writeFailure = new StallException("stream " + id() + " to " + connection.remoteLabel(), d);
                        outputDone = true;
                        ch.shutdownOutput(wireCode(CloseCode.STALLED));
                        throw reported(writeFailure);
                    }
                    try {
                        changed.awaitNanos(WAIT_SLICE_NANOS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while writing stream " + id());
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void flush() throws IOException {
            IOException f = writeFailure;
            if (f != null) {
                throw reported(f);
            }
        }

        /**
         * Closing after a failed write does not throw that same failure again (try-with-resources would then suppress
         * the exception into itself and fail with IllegalArgumentException).
         */
        @Override
        public void close() throws IOException {
            if (outputDone) {
                return;
            }
            IOException f = writeFailure;
            close0();
            if (f != null && f != reportedFailure) {
                throw reported(f);
            }
        }

        private IOException reported(IOException f) {
            reportedFailure = f;
            return f;
        }

        void close0() {
            if (outputDone) {
                return;
            }
            outputDone = true;
            QuicStreamChannel ch = channel;
            if (writeFailure == null && ch.isActive()) {
                // FIN on a frame queued behind the data; shutdownOutput() would send FIN past queued writes.
                ChannelFuture f = ch.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.EMPTY_BUFFER, true));
                f.addListener(done -> {
                    if (!done.isSuccess()) {
                        LOG.debug("stream {}: FIN not sent: {}", id(), String.valueOf(done.cause()));
                    }
                });
            }
        }
    }

    private void closeOutputQuietly() {
        if (output instanceof Out o) {
            o.close0();
        }
    }
}
