package dev.tandem.pairing;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeAddr;
import dev.tandem.core.NodeId;
import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.device.PairSecret;
import dev.tandem.core.discovery.Discovery;
import dev.tandem.core.discovery.RendezvousId;
import dev.tandem.core.discovery.lan.LanDiscovery;
import dev.tandem.core.io.Frames;
import dev.tandem.core.io.MalformedFrameException;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PeerAuthenticationException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamTimeoutException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device pairing with word codes ({@value #ALPN}). Obtain it with {@link #of(TandemNode)}.
 *
 * <ul>
 *   <li>{@link #startAsInitiator(PairingOptions)} opens a session and returns the words, the link and the
 *       result future.</li>
 *   <li>{@link #join(List)} finds the initiator by LAN discovery; {@link #join(URI)} dials the link's node.</li>
 *   <li>{@link #revoke(NodeId)} drops a pair here and tells the peer with a signed notice.</li>
 * </ul>
 * Message flow and cryptography: see the module's README. Node options: {@code pairing.messageTimeoutMillis}
 * (default 10000), {@code pairing.discoveryTimeoutMillis} (15000), {@code discovery.lan} (true) and the other
 * {@link LanDiscovery} options.
 */
public final class Pairing implements ProtocolHandler {
    public static final String ALPN = "tandem/pairing/1";
    static final int VERSION = 1;
    static final Duration REVOKE_WINDOW = Duration.ofMinutes(5);
    private static final Logger log = LoggerFactory.getLogger(Pairing.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] REVOKE_LABEL = "tandem/pairing/1 revoke\0".getBytes(StandardCharsets.UTF_8);

    private final ProtocolContext ctx;
    private final ScheduledExecutorService timer;
    private final Duration messageTimeout;
    private final Duration discoveryTimeout;
    private final AtomicReference<PairingSession> current = new AtomicReference<>();
    private final Set<JoinAttempt> joins = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> seenRevokes = new ConcurrentHashMap<>();
    private final Object discoveryLock = new Object();
    private Discovery discovery;
    private boolean discoveryTried;
    private final List<AutoCloseable> discoveryHandles = new ArrayList<>();
    private volatile boolean closed;

    Pairing(ProtocolContext ctx, Discovery discovery) {
        this.ctx = ctx;
        this.messageTimeout = Duration.ofMillis(longOption(ctx, "pairing.messageTimeoutMillis", 10_000));
        this.discoveryTimeout = Duration.ofMillis(longOption(ctx, "pairing.discoveryTimeoutMillis", 15_000));
        String tag = ctx.nodeId().shortForm();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-pairing-timer-" + tag);
            t.setDaemon(true);
            return t;
        });
        if (discovery != null) {
            this.discovery = discovery;
            this.discoveryTried = true;
        }
    }

    /** The pairing handler of a running node. */
    public static Pairing of(TandemNode node) {
        return node.protocol(Pairing.class).orElseThrow(() -> new IllegalStateException(
                "the pairing protocol is not running on this node; add dev.tandem:tandem-protocol-pairing"));
    }

    // ------------------------------------------------------------------ initiator

    /** Opens a session with default options (5 minutes, no confirmation step). */
    public PairingSession startAsInitiator() {
        return startAsInitiator(PairingOptions.defaults());
    }

    /**
     * Opens a pairing session: fresh code, announced on the LAN under its rendezvous id while open.
     *
     * @throws PairingException ({@link PairingException.Reason#BUSY}) if a session is already open
     */
    public PairingSession startAsInitiator(PairingOptions options) {
        checkRunning();
        PairingCode code = PairingCode.generate();
        Instant expiresAt = Instant.now().plus(options.expiry());
        NodeAddr self = ctx.localAddr();
        URI uri = new PairingUri(code.words(), ctx.nodeId(), linkAddresses(self)).toUri();
        PairingSession s = new PairingSession(this, code, options, expiresAt, uri);
        PairingSession prev = current.get();
        if ((prev != null && prev.isOpen()) || !current.compareAndSet(prev, s)) {
            throw new PairingException(PairingException.Reason.BUSY,
                    "a pairing session is already open on this device; cancel it first");
        }
        ScheduledFuture<?> expiry = timer.schedule(() -> expire(s), options.expiry().toMillis(), TimeUnit.MILLISECONDS);
        Optional<AutoCloseable> announcement = discovery().map(d -> d.announceRendezvous(code.rendezvousId(), self));
        s.result().whenComplete((d, e) -> {
            expiry.cancel(false);
            announcement.ifPresent(Pairing::closeQuietly);
        });
        log.info("pairing session opened, expires {}", expiresAt);
        ctx.events().publish(new PairingEvent.CodeReady(expiresAt));
        return s;
    }

    /** Cancels the open session and every join in progress; peers are told. */
    public void cancel() {
        PairingSession s = current.get();
        if (s != null) {
            cancelSession(s, false);
        }
        for (JoinAttempt a : List.copyOf(joins)) {
            cancelJoin(a);
        }
    }

    void cancelSession(PairingSession s, boolean byPeer) {
        PairingException.Reason r = byPeer ? PairingException.Reason.CANCELLED_BY_PEER : PairingException.Reason.CANCELLED;
        // The peer must hear the reason before the session ends here: once it ends, the handler returns and
        // the node would close the connection with a plain NORMAL.
        PeerConnection c = s.connection();
        if (c != null && !byPeer && !s.result().isDone()) {
            s.ending(r);
            c.close(CloseCode.CANCELLED, "pairing cancelled");
        }
        if (s.fail(new PairingException(r))) {
            log.info("pairing session cancelled{}", byPeer ? " by the joiner" : "");
            ctx.events().publish(new PairingEvent.Cancelled(PairingEvent.Role.INITIATOR, byPeer));
        }
    }

    private void expire(PairingSession s) {
        PeerConnection c = s.connection();
        if (c != null && !s.result().isDone()) {
            s.ending(PairingException.Reason.EXPIRED);
            c.close(PairingException.Reason.EXPIRED.closeCode(), "pairing session expired");
        }
        if (s.fail(new PairingException(PairingException.Reason.EXPIRED))) {
            log.info("pairing session expired");
            ctx.events().publish(new PairingEvent.Expired(PairingEvent.Role.INITIATOR));
        }
    }

    @Override
    public void accept(PeerConnection conn) throws Exception {
        ScheduledFuture<?> watchdog = timer.schedule(
                () -> conn.close(CloseCode.PROTOCOL_ERROR, "no pairing message in time"),
                messageTimeout.toMillis(), TimeUnit.MILLISECONDS);
        PeerStream st;
        PairingMessage first;
        try {
            st = conn.acceptStream();
            st.setReadTimeout(messageTimeout);
            first = read(st);
        } catch (ConnectionClosedException e) {
            log.debug("pairing connection from {} closed before its first message: {}",
                    conn.remoteNodeId().shortForm(), e.getMessage());
            return;
        } catch (PairingException | IOException e) {
            PairingException p = failure(e, conn);
            log.info("refused pairing connection from {}: {}", conn.remoteNodeId().shortForm(), p.getMessage());
            conn.close(p.reason().closeCode(), p.reason().description());
            return;
        } finally {
            watchdog.cancel(false);
        }
        if (first instanceof PairingMessage.Hello h) {
            serveHello(conn, st, h);
        } else if (first instanceof PairingMessage.Revoke r) {
            serveRevoke(conn, st, r);
        } else {
            log.info("refused pairing connection from {}: first message out of order", conn.remoteNodeId().shortForm());
            conn.close(CloseCode.PROTOCOL_ERROR, "unexpected first message");
        }
    }

    private void serveHello(PeerConnection conn, PeerStream st, PairingMessage.Hello h) {
        NodeId peer = conn.remoteNodeId();
        PairingSession s = current.get();
        PairingException.Reason refusal = null;
        if (h.version() != VERSION) {
            refusal = PairingException.Reason.VERSION_MISMATCH;
        } else if (s == null || !s.isOpen() || !s.code().rendezvousId().equals(RendezvousId.of(h.rendezvous()))
                || peer.equals(ctx.nodeId())) {
            refusal = PairingException.Reason.NO_SESSION;
        } else if (ctx.devices().isPaired(peer)) {
            refusal = PairingException.Reason.ALREADY_PAIRED;
        } else if (!s.admit(conn)) {
            refusal = s.isOpen() ? PairingException.Reason.BUSY : PairingException.Reason.NO_SESSION;
        }
        if (refusal != null) {
            log.info("refused pairing request from {}: {}", peer.shortForm(), refusal.description());
            conn.close(refusal.closeCode(), refusal.description());
            return;
        }
        byte[] key = s.code().key();
        try {
            runInitiator(s, conn, st, h, key);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            PairingException p = failure(e, conn);
            logIfInternal(p);
            if (s.ending() != null) { // expire() or cancel() closed the connection and ends the session itself
                log.debug("pairing with {} ended here ({}): {}", peer.shortForm(), s.ending(), p.getMessage());
            } else if (p.reason() == PairingException.Reason.CANCELLED_BY_PEER) {
                cancelSession(s, true);
            } else if (s.fail(p)) {
                log.info("pairing with {} failed: {}", peer.shortForm(), p.getMessage());
                conn.close(p.reason().closeCode(), p.reason().description());
                ctx.events().publish(new PairingEvent.Failed(PairingEvent.Role.INITIATOR, p.reason(), p.getMessage()));
            } else {
                log.debug("pairing with {} ended after the session closed: {}", peer.shortForm(), p.getMessage());
            }
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
    }

    private void runInitiator(PairingSession s, PeerConnection conn, PeerStream st, PairingMessage.Hello h, byte[] key)
            throws IOException, InterruptedException {
        NodeId peer = conn.remoteNodeId();
        byte[] nonce = random(PairingMessage.NONCE);
        Ephemeral eph = Ephemeral.generate();
        long expiresIn = Math.max(0, Duration.between(Instant.now(), s.expiresAt()).toMillis());
        DeviceInfo mine = localInfo();
        write(st, new PairingMessage.Challenge(nonce, eph.publicKey(), expiresIn, mine));
        Transcript t = new Transcript(s.code().rendezvousId(), ctx.nodeId(), peer, nonce, h.nonce(), eph.publicKey(),
                h.ephemeral(), mine, h.info(), expiresIn);
        PairSecret secret = t.pairSecret(key, eph.agree(h.ephemeral()));

        PairingMessage.JoinerProof proof = expect(read(st), PairingMessage.JoinerProof.class);
        if (!MessageDigest.isEqual(proof.mac(), t.mac(key, Transcript.JOINER_PROOF))) {
            throw new PairingException(PairingException.Reason.WRONG_CODE,
                    "the joining device did not prove the code (wrong code, or a relayed connection)");
        }
        if (!NetworkIdentity.verify(peer, t.toSign(Transcript.JOINER_PROOF), proof.signature())) {
            throw new PairingException(PairingException.Reason.PROTOCOL_ERROR, "the joining device's signature is invalid");
        }
        String verification = t.verification(key);
        ctx.events().publish(new PairingEvent.AwaitingConfirmation(PairingEvent.Role.INITIATOR, peer, h.info(),
                verification));
        if (!confirm(s, conn, new PairingConfirmation.Request(peer, h.info(), verification))) {
            throw new PairingException(PairingException.Reason.REJECTED, "pairing with " + h.info().name() + " was declined");
        }
        if (!s.isOpen()) {
            return;
        }
        write(st, new PairingMessage.InitiatorProof(t.mac(key, Transcript.INITIATOR_PROOF),
                ctx.identity().sign(t.toSign(Transcript.INITIATOR_PROOF))));
        PairingMessage.Confirm confirm = expect(read(st), PairingMessage.Confirm.class);
        if (!MessageDigest.isEqual(confirm.mac(), t.mac(key, Transcript.JOINER_CONFIRM))) {
            throw new PairingException(PairingException.Reason.PROTOCOL_ERROR, "the joining device's confirmation is invalid");
        }
        Device d = s.succeed(() -> store(peer, h.info(), secret, List.of(conn.remoteAddress())));
        if (d == null) {
            return; // cancelled or expired at the last moment: nothing stored
        }
        log.info("paired with {} ({})", peer.shortForm(), d.displayName());
        ctx.events().publish(new PairingEvent.Paired(PairingEvent.Role.INITIATOR, peer, d.info()));
        try {
            write(st, new PairingMessage.Done(t.mac(key, Transcript.INITIATOR_DONE)));
            st.output().close();
            if (Frames.read(st.input(), PairingMessage.MAX_SIZE) != null) {
                log.debug("joiner {} sent data after pairing completed", peer.shortForm());
            }
        } catch (ConnectionClosedException e) {
            log.debug("joiner {} closed after pairing: {}", peer.shortForm(), e.getMessage());
        } catch (IOException e) {
            log.warn("paired with {} but could not tell it the pairing completed: {}", peer.shortForm(), e.toString());
        }
    }

    private boolean confirm(PairingSession s, PeerConnection conn, PairingConfirmation.Request request)
            throws InterruptedException {
        long remaining = Duration.between(Instant.now(), s.expiresAt()).toMillis();
        if (remaining <= 0) {
            throw new PairingException(PairingException.Reason.EXPIRED);
        }
        CompletableFuture<Boolean> f;
        try {
            f = s.options().confirmation().confirm(request).toCompletableFuture();
        } catch (RuntimeException e) {
            throw new PairingException(PairingException.Reason.INTERNAL, "the confirmation hook failed: " + e, e);
        }
        // Wake up as soon as the session ends (cancel, expiry) rather than waiting for the hook.
        CompletableFuture<Object> either = CompletableFuture.anyOf(f, s.result(), conn.closed().toCompletableFuture());
        try {
            either.get(remaining, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new PairingException(PairingException.Reason.EXPIRED, "the pairing code expired while waiting for confirmation");
        } catch (ExecutionException | CancellationException e) {
            if (!s.isOpen()) {
                return false;
            }
            throw new PairingException(PairingException.Reason.INTERNAL, "the confirmation hook failed: " + e.getCause(), e);
        }
        if (!s.isOpen()) {
            return false;
        }
        ConnectionClosedException closedWhileWaiting = conn.closed().toCompletableFuture().getNow(null);
        if (closedWhileWaiting != null) {
            throw failure(closedWhileWaiting);
        }
        return Boolean.TRUE.equals(f.getNow(false));
    }

    // ------------------------------------------------------------------ joiner

    /**
     * Joins the session whose words the user typed, finding the initiator by LAN discovery.
     *
     * @throws WordCodeException at once, before any traffic, if the words are not a valid code
     */
    public CompletableFuture<Device> join(List<String> words) {
        checkRunning();
        PairingCode code = PairingCode.fromWords(words);
        return joinByDiscovery(code, null);
    }

    /**
     * Joins by a {@code tandem:pair?...} link: dials the node it names directly (LAN discovery only if the
     * link carries no address).
     *
     * @throws PairingUriException or {@link WordCodeException} at once if the link is invalid
     */
    public CompletableFuture<Device> join(URI link) {
        checkRunning();
        PairingUri p = PairingUri.parse(link);
        PairingCode code = PairingCode.fromWords(p.words());
        if (p.addresses().isEmpty()) {
            return joinByDiscovery(code, p.node());
        }
        return join(new NodeAddr(p.node(), p.addresses(), Optional.empty()), code.rendezvousId(), code.key());
    }

    private CompletableFuture<Device> joinByDiscovery(PairingCode code, NodeId expected) {
        Optional<Discovery> d = discovery();
        if (d.isEmpty()) {
            return CompletableFuture.failedFuture(new PairingException(PairingException.Reason.NOT_FOUND,
                    "LAN discovery is off on this device (discovery.lan=false or no multicast); join with the link instead"));
        }
        JoinAttempt a = newAttempt(code.rendezvousId(), code.key());
        CompletableFuture<NodeAddr> found = new CompletableFuture<>();
        a.lookup(d.get().lookupRendezvous(code.rendezvousId(), addr -> {
            if (expected == null || expected.equals(addr.id())) {
                found.complete(addr);
            }
        }));
        ScheduledFuture<?> timeout = timer.schedule(() -> found.completeExceptionally(new PairingException(
                PairingException.Reason.NOT_FOUND)), discoveryTimeout.toMillis(), TimeUnit.MILLISECONDS);
        a.result.whenComplete((x, e) -> found.cancel(false));
        found.whenComplete((addr, e) -> {
            timeout.cancel(false);
            closeQuietly(a.lookup());
            if (e != null) {
                if (!(e instanceof CancellationException)) {
                    failJoin(a, failure(e));
                }
                return;
            }
            log.debug("found pairing peer {} at {}", addr.id().shortForm(), addr.directAddresses());
            dial(a, addr);
        });
        return a.result;
    }

    /** Joins a known address with explicit secrets (also used by tests that play a wrong-code joiner). */
    CompletableFuture<Device> join(NodeAddr addr, RendezvousId rendezvous, byte[] key) {
        JoinAttempt a = newAttempt(rendezvous, key);
        dial(a, addr);
        return a.result;
    }

    private JoinAttempt newAttempt(RendezvousId rendezvous, byte[] key) {
        long deadline = System.nanoTime() + PairingOptions.DEFAULT_EXPIRY.toNanos();
        JoinAttempt a = new JoinAttempt(rendezvous, key, deadline);
        joins.add(a);
        a.deadline(deadline, timer.schedule(() -> expireJoin(a), PairingOptions.DEFAULT_EXPIRY.toMillis(),
                TimeUnit.MILLISECONDS));
        a.result.whenComplete((d, e) -> {
            joins.remove(a);
            if (e instanceof CancellationException && a.markCancelled()) {
                // the caller cancelled the future itself
                a.cleanup();
                closeQuietly(a.lookup());
                PeerConnection c = a.connection();
                if (c != null) {
                    c.close(CloseCode.CANCELLED, "pairing cancelled");
                }
                ctx.events().publish(new PairingEvent.Cancelled(PairingEvent.Role.JOINER, false));
            }
        });
        return a;
    }

    private void dial(JoinAttempt a, NodeAddr addr) {
        ctx.connect(addr, ALPN).whenComplete((conn, e) -> {
            if (e != null) {
                failJoin(a, failure(e));
                return;
            }
            if (!a.attach(conn)) {
                conn.close(CloseCode.CANCELLED, "pairing cancelled");
                return;
            }
            try {
                ctx.executor().execute(() -> runJoinerSafely(a, conn, addr));
            } catch (RuntimeException ex) {
                conn.close(CloseCode.BUSY, "no capacity");
                failJoin(a, new PairingException(PairingException.Reason.INTERNAL, "no thread to run pairing: " + ex, ex));
            }
        });
    }

    private void runJoinerSafely(JoinAttempt a, PeerConnection conn, NodeAddr addr) {
        byte[] key = a.key();
        try {
            runJoiner(a, conn, addr, key);
        } catch (IOException | RuntimeException e) {
            PairingException p = failure(e, conn);
            logIfInternal(p);
            if (failJoin(a, p)) {
                conn.close(p.reason().closeCode(), p.reason().description());
            }
        } finally {
            java.util.Arrays.fill(key, (byte) 0);
        }
    }

    private void runJoiner(JoinAttempt a, PeerConnection conn, NodeAddr addr, byte[] key) throws IOException {
        NodeId peer = conn.remoteNodeId();
        if (ctx.devices().isPaired(peer)) {
            throw new PairingException(PairingException.Reason.ALREADY_PAIRED);
        }
        PeerStream st = conn.openBidirectional();
        st.setReadTimeout(messageTimeout);
        byte[] nonce = random(PairingMessage.NONCE);
        Ephemeral eph = Ephemeral.generate();
        DeviceInfo mine = localInfo();
        write(st, new PairingMessage.Hello(VERSION, a.rendezvous.bytes(), nonce, eph.publicKey(), mine));
        PairingMessage.Challenge c = expect(read(st), PairingMessage.Challenge.class);
        long expiresIn = Math.min(c.expiresInMillis(), Duration.ofHours(1).toMillis());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(expiresIn);
        if (deadline - a.deadlineNanos() < 0) {
            a.deadline(deadline, timer.schedule(() -> expireJoin(a), expiresIn, TimeUnit.MILLISECONDS));
        }
        Transcript t = new Transcript(a.rendezvous, peer, ctx.nodeId(), c.nonce(), nonce, c.ephemeral(),
                eph.publicKey(), c.info(), mine, c.expiresInMillis());
        PairSecret secret = t.pairSecret(key, eph.agree(c.ephemeral()));
        ctx.events().publish(new PairingEvent.AwaitingConfirmation(PairingEvent.Role.JOINER, peer, c.info(),
                t.verification(key)));
        write(st, new PairingMessage.JoinerProof(t.mac(key, Transcript.JOINER_PROOF),
                ctx.identity().sign(t.toSign(Transcript.JOINER_PROOF))));

        long waitMillis = TimeUnit.NANOSECONDS.toMillis(a.deadlineNanos() - System.nanoTime());
        if (waitMillis <= 0) {
            throw new PairingException(PairingException.Reason.EXPIRED);
        }
        st.setReadTimeout(Duration.ofMillis(waitMillis)); // the initiator's user may be confirming
        PairingMessage.InitiatorProof proof;
        try {
            proof = expect(read(st), PairingMessage.InitiatorProof.class);
        } catch (StreamTimeoutException e) {
            throw new PairingException(PairingException.Reason.EXPIRED,
                    "the pairing code expired before the other device confirmed", e);
        }
        st.setReadTimeout(messageTimeout);
        if (!MessageDigest.isEqual(proof.mac(), t.mac(key, Transcript.INITIATOR_PROOF))) {
            throw new PairingException(PairingException.Reason.WRONG_CODE,
                    "the other device did not prove the code (wrong code, or a relayed connection)");
        }
        if (!NetworkIdentity.verify(peer, t.toSign(Transcript.INITIATOR_PROOF), proof.signature())) {
            throw new PairingException(PairingException.Reason.PROTOCOL_ERROR, "the other device's signature is invalid");
        }
        write(st, new PairingMessage.Confirm(t.mac(key, Transcript.JOINER_CONFIRM)));
        PairingMessage.Done done = expect(read(st), PairingMessage.Done.class);
        if (!MessageDigest.isEqual(done.mac(), t.mac(key, Transcript.INITIATOR_DONE))) {
            throw new PairingException(PairingException.Reason.PROTOCOL_ERROR, "the other device's completion is invalid");
        }
        Device d = a.succeed(() -> store(peer, c.info(), secret, addr.directAddresses()));
        if (d == null) {
            return;
        }
        log.info("paired with {} ({})", peer.shortForm(), d.displayName());
        conn.close(CloseCode.NORMAL, "paired");
        ctx.events().publish(new PairingEvent.Paired(PairingEvent.Role.JOINER, peer, d.info()));
    }

    private boolean failJoin(JoinAttempt a, PairingException p) {
        if (!a.fail(p)) {
            return false;
        }
        closeQuietly(a.lookup());
        switch (p.reason()) {
            case CANCELLED_BY_PEER -> ctx.events().publish(new PairingEvent.Cancelled(PairingEvent.Role.JOINER, true));
            case CANCELLED -> ctx.events().publish(new PairingEvent.Cancelled(PairingEvent.Role.JOINER, false));
            case EXPIRED -> ctx.events().publish(new PairingEvent.Expired(PairingEvent.Role.JOINER));
            default -> ctx.events().publish(new PairingEvent.Failed(PairingEvent.Role.JOINER, p.reason(), p.getMessage()));
        }
        log.info("joining failed: {}", p.getMessage());
        return true;
    }

    private void cancelJoin(JoinAttempt a) {
        endJoin(a, PairingException.Reason.CANCELLED, CloseCode.CANCELLED, "pairing cancelled");
    }

    private void expireJoin(JoinAttempt a) {
        endJoin(a, PairingException.Reason.EXPIRED, PairingException.Reason.EXPIRED.closeCode(), "pairing session expired");
    }

    /**
     * Fails the attempt here, then tells the peer why with the close. In that order: the close wakes this side's
     * joiner thread with a locally closed connection, and had it won the race the attempt would have ended as
     * CANCELLED instead of {@code reason} (seen once in CI for an expiry). The peer sees {@code code} either way.
     */
    private void endJoin(JoinAttempt a, PairingException.Reason reason, long code, String why) {
        PeerConnection c = a.connection();
        if (failJoin(a, new PairingException(reason)) && c != null) {
            c.close(code, why);
        }
    }

    // ------------------------------------------------------------------ revoke

    /**
     * Drops the pair with {@code device} here at once, then tells the device with a signed notice if it can
     * be reached. Completes with true if the device acknowledged, false if it could not be told (it will
     * then be refused by paired-only protocols here anyway).
     *
     * @throws PairingException ({@link PairingException.Reason#NOT_PAIRED}) if the device is not paired
     */
    public CompletableFuture<Boolean> revoke(NodeId device) {
        checkRunning();
        Device d = ctx.devices().get(device).filter(x -> x.state().isPaired()).orElseThrow(() ->
                new PairingException(PairingException.Reason.NOT_PAIRED, "device " + device.shortForm() + " is not paired"));
        NodeAddr addr = d.addr();
        ctx.devices().revoke(device);
        long ts = System.currentTimeMillis();
        byte[] nonce = random(16);
        byte[] sig = ctx.identity().sign(revokeBytes(ctx.nodeId(), device, ts, nonce));
        PairingMessage.Revoke notice = new PairingMessage.Revoke(device.bytes(), ts, nonce, sig);
        return ctx.connect(addr, ALPN).thenApplyAsync(conn -> {
            try {
                PeerStream st = conn.openBidirectional();
                st.setReadTimeout(messageTimeout);
                write(st, notice);
                expect(read(st), PairingMessage.RevokeAck.class);
                conn.close(CloseCode.NORMAL, "revoked");
                return true;
            } catch (IOException e) {
                conn.close(CloseCode.PROTOCOL_ERROR, "revoke failed");
                throw new CompletionException(e);
            }
        }, ctx.executor()).exceptionally(e -> {
            log.info("device {} revoked here; it could not be told: {}", device.shortForm(), failure(e).getMessage());
            return false;
        });
    }

    private void serveRevoke(PeerConnection conn, PeerStream st, PairingMessage.Revoke r) {
        NodeId peer = conn.remoteNodeId();
        long now = System.currentTimeMillis();
        String problem = null;
        if (!MessageDigest.isEqual(r.target(), ctx.nodeId().bytes())) {
            problem = "revoke notice names another device";
        } else if (Math.abs(now - r.timestampMillis()) > REVOKE_WINDOW.toMillis()) {
            problem = "revoke notice is too old or from the future";
        } else if (!NetworkIdentity.verify(peer, revokeBytes(peer, ctx.nodeId(), r.timestampMillis(), r.nonce()),
                r.signature())) {
            problem = "revoke notice has an invalid signature";
        } else {
            seenRevokes.values().removeIf(t -> now - t > 2 * REVOKE_WINDOW.toMillis());
            String id = peer.toHex() + HexFormat.of().formatHex(r.nonce());
            if (seenRevokes.putIfAbsent(id, r.timestampMillis()) != null) {
                problem = "revoke notice was replayed";
            }
        }
        if (problem != null) {
            log.warn("ignored revoke notice from {}: {}", peer.shortForm(), problem);
            conn.close(CloseCode.PROTOCOL_ERROR, problem);
            return;
        }
        if (ctx.devices().isPaired(peer)) {
            ctx.devices().revoke(peer);
            log.info("device {} revoked our pairing; dropped it here too", peer.shortForm());
            ctx.events().publish(new PairingEvent.RevokedByPeer(peer));
        }
        try {
            write(st, new PairingMessage.RevokeAck());
            st.output().close();
            // The revoker closes once it has read the ack. Closing here first could overtake the ack: QUIC
            // drops stream data a peer has not read yet when the connection closes.
            if (Frames.read(st.input(), PairingMessage.MAX_SIZE) != null) {
                log.debug("{} sent data after its revoke notice", peer.shortForm());
            }
        } catch (ConnectionClosedException e) {
            log.debug("{} closed after its revoke was acknowledged: {}", peer.shortForm(), e.getMessage());
        } catch (IOException e) {
            log.debug("could not acknowledge the revoke notice from {}: {}", peer.shortForm(), e.toString());
        }
    }

    private static byte[] revokeBytes(NodeId revoker, NodeId target, long ts, byte[] nonce) {
        return ByteBuffer.allocate(REVOKE_LABEL.length + 64 + 8 + 16).put(REVOKE_LABEL).put(revoker.bytes())
                .put(target.bytes()).putLong(ts).put(nonce).array();
    }

    // ------------------------------------------------------------------ shared

    private Device store(NodeId peer, DeviceInfo info, PairSecret secret, List<InetSocketAddress> addrs) {
        List<InetSocketAddress> usable = addrs.stream().filter(x -> x != null && x.getAddress() != null).toList();
        ctx.devices().discovered(peer, usable);
        ctx.devices().beginPairing(peer);
        return ctx.devices().completePairing(peer, info, secret);
    }

    private DeviceInfo localInfo() {
        Map<String, String> o = ctx.options();
        return new DeviceInfo(o.getOrDefault("device.name", ""), o.getOrDefault("device.os", ""),
                o.getOrDefault("device.appVersion", ""));
    }

    private static PairingMessage read(PeerStream st) throws IOException {
        byte[] frame = Frames.read(st.input(), PairingMessage.MAX_SIZE);
        if (frame == null) {
            throw new PairingException(PairingException.Reason.PROTOCOL_ERROR, "the other device ended the exchange early");
        }
        return PairingMessage.decode(frame);
    }

    private static void write(PeerStream st, PairingMessage m) throws IOException {
        OutputStream out = st.output();
        Frames.write(out, PairingMessage.encode(m));
        out.flush();
    }

    private static <T extends PairingMessage> T expect(PairingMessage m, Class<T> type) {
        if (type.isInstance(m)) {
            return type.cast(m);
        }
        if (m instanceof PairingMessage.Cancel) {
            throw new PairingException(PairingException.Reason.CANCELLED_BY_PEER);
        }
        throw new PairingException(PairingException.Reason.PROTOCOL_ERROR, "expected " + type.getSimpleName()
                + " but got " + m.getClass().getSimpleName());
    }

    /** Maps anything that ended an exchange to a typed pairing failure. */
    static PairingException failure(Throwable e, PeerConnection conn) {
        Throwable c = e;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof ConnectionClosedException && conn != null) {
            // How this side's connection ended, from this side's point of view (a stream may report the
            // closing side's view).
            // A close by the peer may wake a blocked read before this side's connection has recorded it.
            Optional<ConnectionClosedException> how = conn.closedWithin(Duration.ofSeconds(1));
            if (how.isPresent()) {
                return failure(how.get());
            }
            log.debug("connection close not recorded yet");
        }
        return failure(c);
    }

    static PairingException failure(Throwable e) {
        Throwable c = e;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof PairingException p) {
            return p;
        }
        if (c instanceof ConnectionClosedException cc) {
            if (cc.byPeer()) {
                PairingException.Reason r = PairingException.Reason.fromPeerClose(cc.code());
                return new PairingException(r, r == PairingException.Reason.UNREACHABLE
                        ? "the other device closed the connection: " + cc.getMessage() : r.description(), cc);
            }
            return new PairingException(PairingException.Reason.CANCELLED, "the connection was closed here", cc);
        }
        if (c instanceof StreamTimeoutException) {
            return new PairingException(PairingException.Reason.PROTOCOL_ERROR, "the other device did not answer in time", c);
        }
        if (c instanceof MalformedFrameException) {
            return new PairingException(PairingException.Reason.PROTOCOL_ERROR, "malformed pairing message: " + c.getMessage(), c);
        }
        if (c instanceof InterruptedException) {
            return new PairingException(PairingException.Reason.CANCELLED, "pairing was interrupted (node shutting down)", c);
        }
        if (c instanceof PeerAuthenticationException) {
            return new PairingException(PairingException.Reason.UNREACHABLE,
                    "the device at that address is not the one in the pairing link", c);
        }
        if (c instanceof IOException) {
            return new PairingException(PairingException.Reason.UNREACHABLE,
                    "the other device could not be reached: " + c.getMessage(), c);
        }
        return new PairingException(PairingException.Reason.INTERNAL, "pairing failed: " + c, c);
    }

    private static void logIfInternal(PairingException p) {
        if (p.reason() == PairingException.Reason.INTERNAL) {
            log.warn("pairing failed on this device", p);
        }
    }

    private Optional<Discovery> discovery() {
        synchronized (discoveryLock) {
            if (!discoveryTried && !closed) {
                discoveryTried = true;
                if (LanDiscovery.Config.enabled(ctx.options())) {
                    try {
                        LanDiscovery lan = LanDiscovery.start(ctx.nodeId(),
                                LanDiscovery.Config.fromOptions(ctx.options(), ctx.localAddr()));
                        discovery = lan;
                        discoveryHandles.add(lan.announcePresence(ctx.localAddr()));
                        discoveryHandles.add(lan.onPresence(this::onPresence));
                    } catch (IOException | RuntimeException e) {
                        log.warn("LAN discovery is unavailable; join with the pairing link instead: {}", e.toString());
                    }
                }
            }
            return Optional.ofNullable(discovery);
        }
    }

    /** A paired device announced itself: remember where it is (a hint; its id is checked when dialled). */
    private void onPresence(NodeAddr addr) {
        if (ctx.devices().isPaired(addr.id())) {
            try {
                ctx.devices().update(addr.id(), d -> d.withAddresses(addr.directAddresses()));
            } catch (RuntimeException e) {
                log.debug("could not update the addresses of {}: {}", addr.id().shortForm(), e.toString());
            }
        }
    }

    /** Starts LAN discovery (presence announcements) now instead of at first use. */
    public boolean startDiscovery() {
        return discovery().isPresent();
    }

    private static List<InetSocketAddress> linkAddresses(NodeAddr self) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (InetSocketAddress a : self.directAddresses()) {
            if (a.getAddress() == null) {
                continue;
            }
            if (!a.getAddress().isAnyLocalAddress()) {
                out.add(a);
                continue;
            }
            try {
                for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    if (!nif.isUp() || nif.isLoopback() || nif.isVirtual()) {
                        continue;
                    }
                    for (InetAddress ia : Collections.list(nif.getInetAddresses())) {
                        if (!ia.isLinkLocalAddress()) {
                            out.add(new InetSocketAddress(ia, a.getPort()));
                        }
                    }
                }
            } catch (SocketException e) {
                log.warn("cannot list network interfaces for the pairing link: {}", e.toString());
            }
        }
        return out.size() > PairingUri.MAX_ADDRESSES ? List.copyOf(out.subList(0, PairingUri.MAX_ADDRESSES)) : out;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static long longOption(ProtocolContext ctx, String key, long def) {
        String v = ctx.options().get(key);
        if (v == null) {
            return def;
        }
        try {
            long x = Long.parseLong(v.strip());
            if (x <= 0) {
                throw new IllegalArgumentException(key + " must be positive, got " + v);
            }
            return x;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number of milliseconds, got '" + v + "'", e);
        }
    }

    private void checkRunning() {
        if (closed) {
            throw new IllegalStateException("the node is shut down");
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.debug("closing a discovery handle failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        cancel();
        synchronized (discoveryLock) {
            for (Iterator<AutoCloseable> it = discoveryHandles.iterator(); it.hasNext(); ) {
                closeQuietly(it.next());
                it.remove();
            }
            if (discovery != null) {
                discovery.close();
            }
        }
        timer.shutdownNow();
    }
}
