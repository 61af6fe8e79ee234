package dev.tandem.testkit;

import dev.tandem.core.NodeId;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PathKind;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.TransportException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** One side of an in-memory connection. Two of them, linked with {@link #link}, make a connection. */
final class MemoryConnection implements PeerConnection {
    private static final PeerStream CLOSED_MARKER = new MemoryStream(-1, false, false, null, null);

    private final NodeId remote;
    private final String alpn;
    private final InetSocketAddress remoteAddress;
    private final boolean client;
    private final StreamLimits myLimits;   // what this side lets the peer open
    private final InMemoryTransport owner;
    private final LinkedBlockingQueue<PeerStream> accepted = new LinkedBlockingQueue<>();
    private final CompletableFuture<ConnectionClosedException> closed = new CompletableFuture<>();
    private final AtomicLong nextBidi;
    private final AtomicLong nextUni;
    private final Semaphore bidiCredit;    // granted by the peer
    private final Semaphore uniCredit;
    private MemoryConnection peer;
    private final java.util.Set<Pipe> readPipes = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Set<Pipe> writePipes = java.util.concurrent.ConcurrentHashMap.newKeySet();

    MemoryConnection(InMemoryTransport owner, NodeId remote, String alpn, InetSocketAddress remoteAddress,
            boolean client, StreamLimits myLimits, StreamLimits peerLimits) {
        this.owner = owner;
        this.remote = remote;
        this.alpn = alpn;
        this.remoteAddress = remoteAddress;
        this.client = client;
        this.myLimits = myLimits;
        // QUIC stream ids: bit 0 = initiator (0 client), bit 1 = direction (0 bidi).
        this.nextBidi = new AtomicLong(client ? 0 : 1);
        this.nextUni = new AtomicLong(client ? 2 : 3);
        this.bidiCredit = new Semaphore(peerLimits.maxBidirectional());
        this.uniCredit = new Semaphore(peerLimits.maxUnidirectional());
    }

    static void link(MemoryConnection a, MemoryConnection b) {
        a.peer = b;
        b.peer = a;
    }

    @Override
    public NodeId remoteNodeId() {
        return remote;
    }

    @Override
    public String alpn() {
        return alpn;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public PathKind pathKind() {
        return PathKind.MEMORY;
    }

    @Override
    public boolean isClient() {
        return client;
    }

    @Override
    public PeerStream openBidirectional() throws IOException {
        return open(true);
    }

    @Override
    public PeerStream openUnidirectional() throws IOException {
        return open(false);
    }

    private PeerStream open(boolean bidi) throws IOException {
        Semaphore credit = bidi ? bidiCredit : uniCredit;
        int limit = bidi ? peer.myLimits.maxBidirectional() : peer.myLimits.maxUnidirectional();
        if (limit == 0) {
            throw new TransportException("the peer accepts no " + (bidi ? "bidirectional" : "unidirectional")
                    + " streams on " + alpn);
        }
        try {
            while (!credit.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                checkOpen();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for stream credit");
        }
        checkOpen();
        long id = (bidi ? nextBidi : nextUni).getAndAdd(4);
        int toPeerWindow = peer.myLimits.streamWindow();
        int toMeWindow = myLimits.streamWindow();
        Runnable release = releaseOnce(credit);
        Pipe[] ps = new Pipe[2];
        Runnable check = () -> {
            if ((ps[0] == null || ps[0].isDone()) && (ps[1] == null || ps[1].isDone())) {
                release.run();
            }
        };
        Pipe up = new Pipe(toPeerWindow, check, owner::strandsWrites);
        MemoryConnection other = peer;
        Pipe down = bidi ? new Pipe(toMeWindow, check, () -> other.owner.strandsWrites()) : null;
        ps[0] = up;
        ps[1] = down;
        writePipes.add(up);
        peer.readPipes.add(up);
        if (down != null) {
            readPipes.add(down);
            peer.writePipes.add(down);
        }
        MemoryStream mine = new MemoryStream(id, bidi, true, down, up);
        MemoryStream theirs = new MemoryStream(id, bidi, false, up, down);
        peer.accepted.add(theirs);
        return mine;
    }

    private static Runnable releaseOnce(Semaphore s) {
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (done.compareAndSet(false, true)) {
                s.release();
            }
        };
    }

    private void checkOpen() throws ConnectionClosedException {
        ConnectionClosedException e = closed.getNow(null);
        if (e != null) {
            throw e;
        }
    }

    @Override
    public PeerStream acceptStream() throws IOException, InterruptedException {
        checkOpenOrQueued();
        PeerStream s = accepted.take();
        if (s == CLOSED_MARKER) {
            accepted.add(CLOSED_MARKER); // keep waking later callers
            throw closed.getNow(null);
        }
        return s;
    }

    private void checkOpenOrQueued() throws ConnectionClosedException {
        ConnectionClosedException e = closed.getNow(null);
        if (e != null && (accepted.isEmpty() || accepted.peek() == CLOSED_MARKER)) {
            throw e;
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.isDone();
    }

    @Override
    public void close(long code, String reason) {
        if (terminate(new ConnectionClosedException(code, reason, false))) {
            peer.terminate(new ConnectionClosedException(code, reason, true));
        }
    }

    /** Ends this side without telling the peer, as when a process dies. */
    void vanish(ConnectionClosedException how) {
        terminate(how);
    }

    /** The peer's process died: this side fails as after an idle timeout. Called before the peer vanishes. */
    void timeOutPeer() {
        peer.terminate(new ConnectionClosedException(dev.tandem.core.transport.CloseCode.IDLE_TIMEOUT,
                "idle timeout: the peer stopped responding", false));
    }

    boolean terminate(ConnectionClosedException how) {
        if (!closed.complete(how)) {
            return false;
        }
        for (Pipe p : readPipes) {
            p.readerConnectionClosed(how);
        }
        for (Pipe p : writePipes) {
            p.writerConnectionClosed(how);
        }
        accepted.add(CLOSED_MARKER);
        owner.forget(this);
        return true;
    }

    @Override
    public CompletionStage<ConnectionClosedException> closed() {
        return closed.minimalCompletionStage();
    }

    @Override
    public String toString() {
        return "MemoryConnection[" + alpn + " to " + remote.shortForm() + (client ? ", client" : ", server") + "]";
    }
}
