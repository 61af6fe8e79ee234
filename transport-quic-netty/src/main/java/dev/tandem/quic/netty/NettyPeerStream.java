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
 *   <li>Send: writes are copied into at most {@link #MAX_UNSENT} bytes of unsent buffers, which one event-loop task
 *       hands to the channel together (see {@link Out}); the writer waits while that is full or quiche has no send
 *       capacity for the stream. FIN goes with the last send task, never through {@code shutdownOutput()}, which
 *       would overtake unsent data.</li>
 *   <li>A writer that sees no progress for the stall timeout resets the stream ({@link CloseCode#STALLED}) and
 *       gets a {@link StallException}.</li>
 * </ul>
 */
final class NettyPeerStream extends ChannelInboundHandlerAdapter implements PeerStream {
    private static final Logger LOG = LoggerFactory.getLogger(NettyPeerStream.class);
    /** Most bytes written but not yet handed to the event loop; a writer waits beyond it. */
    static final int MAX_UNSENT = 256 * 1024;
    /** Largest and smallest buffer the unsent data is copied into. */
    private static final int SEGMENT = 64 * 1024;
    private static final int MIN_SEGMENT = 16 * 1024;
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
    /** Reset or stalled here: what the writer left unsent is dropped, not sent (a closing connection still sends it). */
    private volatile boolean discardUnsent;
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

    /** For tests: the event loop the stream's channel runs on. */
    io.netty.channel.EventLoop eventLoop() {
        return channel.eventLoop();
    }

    /** For tests: whether any queued buffer still comes from Netty's direct pool. */
    boolean holdsDirectBuffers() {
        lock.lock();
        try {
            return queue.stream().anyMatch(ByteBuf::isDirect);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The stream is gone but what arrived stays readable: its buffers move from Netty's pool to plain heap copies (at
     * most the queue limit), so a stream nobody reads or closes any more, such as one the peer opened on a
     * connection that then closed before it was accepted, leaks no pooled memory. Lock held.
     */
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
        // Closed but its data or FIN not yet handed to the channel: the peer still needs the reset to end the stream.
        boolean write = output != null && (!outputDone || output instanceof Out o && o.sendPending());
        boolean read = input != null && !inputDone;
        discardUnsent = true;
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

    /**
     * The send side. Writes are copied into a bounded list of unsent buffers, and one task on the event loop hands
     * everything gathered so far to the channel in a single write. Netty's QUIC stream keeps a write back only when
     * quiche has no capacity for it; otherwise each channel write goes straight into quiche and out to the socket,
     * so a write per call would send one packet per small message; gathered, they share full packets. Ordering holds
     * because a task always takes all unsent data, and tasks run in order on the one event loop.
     */
    private final class Out extends OutputStream {
        private final byte[] one = new byte[1];
        private final Runnable sendTask = this::sendUnsent;
        private final ArrayDeque<ByteBuf> unsent = new ArrayDeque<>(); // guarded by lock
        private int unsentBytes;        // guarded by lock
        private boolean sendScheduled;  // guarded by lock
        private boolean finPending;     // guarded by lock
        private long sends;             // guarded by lock: tasks run, for the stall check
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
                QuicStreamChannel ch;
                boolean schedule;
                lock.lock();
                try {
                    ch = awaitRoom();
                    int n = Math.min(len - done, MAX_UNSENT - unsentBytes);
                    append(ch, b, off + done, n);
                    done += n;
                    schedule = !sendScheduled;
                    sendScheduled = true;
                } finally {
                    lock.unlock();
                }
                if (schedule) {
                    schedule(ch);
                }
            }
        }

        /**
         * Copies into the room left in the last unsent buffer, then into new ones of 16 to 64 KiB. Buffers never grow:
         * growing copies what they hold again. Lock held.
         */
        private void append(QuicStreamChannel ch, byte[] b, int off, int len) {
            unsentBytes += len;
            ByteBuf last = unsent.peekLast();
            if (last != null) {
                int n = Math.min(len, last.writableBytes());
                last.writeBytes(b, off, n);
                off += n;
                len -= n;
            }
            while (len > 0) {
                int size = Math.min(SEGMENT, Math.max(len, MIN_SEGMENT));
                int n = Math.min(len, size);
                ByteBuf buf = ch.alloc().directBuffer(size, size);
                buf.writeBytes(b, off, n);
                unsent.add(buf);
                off += n;
                len -= n;
            }
        }

        private void schedule(QuicStreamChannel ch) throws IOException {
            try {
                ch.eventLoop().execute(sendTask);
            } catch (RejectedExecutionException e) {
                lock.lock();
                try {
                    releaseUnsent();
                    sendScheduled = false;
                } finally {
                    lock.unlock();
                }
                throw connection.isOpen() ? new TransportException("stream " + id() + ": event loop stopped", e)
                        : connection.closedNow();
            }
        }

        /** On the event loop: one channel write of everything unsent, with FIN if the output was closed meanwhile. */
        private void sendUnsent() {
            QuicStreamChannel ch = channel;
            ByteBuf data;
            boolean fin;
            lock.lock();
            try {
                sendScheduled = false;
                sends++;
                fin = finPending;
                finPending = false;
                if (discardUnsent) {
                    releaseUnsent();
                    return;
                }
                data = takeUnsent(ch); // even after a failure: the channel releases what it cannot send
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (fin) {
                ch.writeAndFlush(new DefaultQuicStreamFrame(data, true)).addListener(this::onWritten);
            } else if (data.isReadable()) {
                ch.writeAndFlush(data).addListener(this::onWritten);
            } else {
                data.release();
            }
        }

        private ByteBuf takeUnsent(QuicStreamChannel ch) {
            int n = unsent.size();
            unsentBytes = 0;
            if (n == 0) {
                return Unpooled.EMPTY_BUFFER;
            }
            if (n == 1) {
                return unsent.poll();
            }
            io.netty.buffer.CompositeByteBuf all = ch.alloc().compositeDirectBuffer(n);
            for (ByteBuf b; (b = unsent.poll()) != null; ) {
                all.addComponent(true, b);
            }
            return all;
        }

        /** True while written data or a FIN waits for the send task. */
        boolean sendPending() {
            lock.lock();
            try {
                return sendScheduled;
            } finally {
                lock.unlock();
            }
        }

        private void releaseUnsent() {
            for (ByteBuf b; (b = unsent.poll()) != null; ) {
                b.release();
            }
            unsentBytes = 0;
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

        /**
         * Waits, lock held, until there is room among the unsent buffers and the channel takes more data; fails on
         * error, and with a stall after no progress for the stall timeout.
         */
        private QuicStreamChannel awaitRoom() throws IOException {
            QuicStreamChannel ch = channel;
            long stallNanos = connection.transport().settings().stallTimeout().toNanos();
            long lastProgress = System.nanoTime();
            long lastSends = sends;
            long recheckDue = 0; // while waiting for quiche: when to ask for a writability re-check
            while (true) {
                IOException f = writeFailure;
                if (f != null) {
                    throw reported(f);
                }
                if (outputDone) {
                    throw new TransportException("stream " + id() + " output is closed");
                }
                if (unsentBytes < MAX_UNSENT && ch.isWritable()) {
                    return ch;
                }
                long now = System.nanoTime();
                if (sends != lastSends) {
                    lastSends = sends;
                    lastProgress = now;
                } else if (stallNanos > 0 && now - lastProgress >= stallNanos) {
                    Duration d = Duration.ofNanos(now - lastProgress);
                    connection.transport().countStall();
                    LOG.warn("stream {} of {}: no progress for {} ms with data pending; resetting it as stalled",
                            id(), connection, d.toMillis());
                    writeFailure = new StallException("stream " + id() + " to " + connection.remoteLabel(), d);
                    discardUnsent = true;
                    outputDone = true;
                    releaseUnsent();
                    ch.shutdownOutput(wireCode(CloseCode.STALLED));
                    throw reported(writeFailure);
                }
                // Timed, not "the wait ran out": data arriving for this stream's reader signals the same condition.
                if (unsentBytes >= MAX_UNSENT) {
                    recheckDue = 0;
                } else if (recheckDue == 0) {
                    recheckDue = now + WAIT_SLICE_NANOS;
                } else if (now - recheckDue >= 0) {
                    recheckDue = now + WAIT_SLICE_NANOS;
                    recheckWritability(ch);
                    continue; // a refused re-check has set writeFailure
                }
                try {
                    changed.awaitNanos(WAIT_SLICE_NANOS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while writing stream " + id());
                }
            }
        }

        /**
         * Netty fails a stream's queued writes on the peer's STOP_SENDING only when quiche lists that stream as
         * writable. Traced: with our writes queued in Netty and quiche out of send capacity, that listing did not
         * come before the idle timeout, and this writer would have waited for the stall timeout instead of getting
         * the peer's refusal. A re-check by the codec makes it arrive at once. Asked once per wait slice, and only
         * while quiche takes nothing from this stream.
         */
        private void recheckWritability(QuicStreamChannel ch) {
            if (!(ch.parent().parent() instanceof VirtualDatagramChannel datagrams)) {
                LOG.debug("stream {}: the codec is not on a virtual datagram channel; no writability re-check", id());
                return;
            }
            try {
                datagrams.recheckWritability();
            } catch (RejectedExecutionException e) { // lock held; nothing can move this stream any more
                writeFailure = connection.isOpen() ? new TransportException("stream " + id() + ": event loop stopped", e)
                        : connection.closedNow();
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

        /** FIN rides on the last send task, after all data; shutdownOutput() would overtake unsent data. */
        void close0() {
            if (outputDone) {
                return;
            }
            outputDone = true;
            QuicStreamChannel ch = channel;
            if (writeFailure != null || !ch.isActive()) {
                return;
            }
            boolean schedule;
            lock.lock();
            try {
                finPending = true;
                schedule = !sendScheduled;
                sendScheduled = true;
            } finally {
                lock.unlock();
            }
            if (schedule) {
                try {
                    schedule(ch);
                } catch (IOException e) {
                    LOG.debug("stream {}: FIN not sent: {}", id(), e.toString());
                }
            }
        }
    }

    private void closeOutputQuietly() {
        if (output instanceof Out o) {
            o.close0();
        }
    }
}
