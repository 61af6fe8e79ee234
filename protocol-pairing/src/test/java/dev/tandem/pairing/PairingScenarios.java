package dev.tandem.pairing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NodeAddr;
import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.core.event.NetworkEvent;
import dev.tandem.core.io.Frames;
import dev.tandem.core.protocol.DiscoveryMode;
import dev.tandem.core.protocol.PeerPolicy;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolDescriptor;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.protocol.ProtocolProvider;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.PeerUnreachableException;
import dev.tandem.testkit.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every pairing scenario, on whatever transport a subclass provides ({@link #nodeBuilder}). The in-memory
 * variant runs now; a QUIC variant only has to supply builders.
 */
@Timeout(60)
abstract class PairingScenarios {
    static final String SECRET_ALPN = "test/paired-only/1";
    static final long WAIT = 20;

    @TempDir
    Path dir;
    private final List<TandemNode> nodes = new ArrayList<>();
    TandemNode alice;
    TandemNode bob;

    /** A builder for a node on the transport under test, keeping its files in {@code dataDir}. */
    protected abstract TandemNode.Builder nodeBuilder(Path dataDir) throws IOException;

    @BeforeEach
    void twoNodes() throws IOException {
        alice = node("alice", b -> { });
        bob = node("bob", b -> { });
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(TandemNode::close);
    }

    TandemNode node(String name, Consumer<TandemNode.Builder> customize) throws IOException {
        Path d = dir.resolve(name);
        Files.createDirectories(d);
        TandemNode.Builder b = nodeBuilder(d).deviceInfo(TestNodes.info(name))
                .option("discovery.lan", "false")
                .option("pairing.messageTimeoutMillis", "5000")
                .protocol(new PairedOnlyProtocol());
        customize.accept(b);
        TandemNode n = b.build().start();
        nodes.add(n);
        return n;
    }

    /** Collects a node's pairing events. */
    static BlockingQueue<NetworkEvent> events(TandemNode n) {
        BlockingQueue<NetworkEvent> q = new LinkedBlockingQueue<>();
        n.events().subscribe(PairingEvent.class, q::add);
        return q;
    }

    @SuppressWarnings("unchecked")
    static <E> E next(BlockingQueue<NetworkEvent> q, Class<E> type, Predicate<E> p) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
        while (System.nanoTime() < end) {
            NetworkEvent e = q.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (type.isInstance(e) && p.test((E) e)) {
                return (E) e;
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " event in time");
    }

    static PairingException failureOf(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT, TimeUnit.SECONDS));
        return assertInstanceOf(PairingException.class, e.getCause());
    }

    static void assertNothingStored(TandemNode n) {
        assertTrue(n.devices().all().stream().noneMatch(d -> d.state().isPaired()),
                () -> n.deviceInfo().name() + " stored " + n.devices().all());
    }

    /** An initiator's confirmation hook the test answers. */
    static final class Hook implements PairingConfirmation {
        final CompletableFuture<Request> asked = new CompletableFuture<>();
        final CompletableFuture<Boolean> answer = new CompletableFuture<>();

        @Override
        public CompletableFuture<Boolean> confirm(Request request) {
            asked.complete(request);
            return answer;
        }
    }

    // ---------------------------------------------------------------- happy path

    @Test
    void pairsByLinkAndBothRegistriesAgree() throws Exception {
        BlockingQueue<NetworkEvent> ae = events(alice);
        BlockingQueue<NetworkEvent> be = events(bob);
        PairingSession s = Pairing.of(alice).startAsInitiator();
        assertEquals(12, s.words().size());
        Device onBob = Pairing.of(bob).join(s.uri()).get(WAIT, TimeUnit.SECONDS);
        assertEquals(alice.id(), onBob.id());
        Device onAlice = s.result().get(WAIT, TimeUnit.SECONDS);
        assertEquals(bob.id(), onAlice.id());
        assertEquals("bob", onAlice.info().name());

        Device aliceSeesBob = alice.devices().get(bob.id()).orElseThrow();
        Device bobSeesAlice = bob.devices().get(alice.id()).orElseThrow();
        assertTrue(aliceSeesBob.state().isPaired());
        assertTrue(bobSeesAlice.state().isPaired());
        assertEquals("alice", bobSeesAlice.info().name());
        assertEquals(aliceSeesBob.secret().orElseThrow(), bobSeesAlice.secret().orElseThrow());
        assertArrayEquals(aliceSeesBob.secret().orElseThrow().bytes(), bobSeesAlice.secret().orElseThrow().bytes());

        next(ae, PairingEvent.CodeReady.class, e -> true);
        var ai = next(ae, PairingEvent.AwaitingConfirmation.class, e -> e.role() == PairingEvent.Role.INITIATOR);
        var bj = next(be, PairingEvent.AwaitingConfirmation.class, e -> e.role() == PairingEvent.Role.JOINER);
        assertEquals(ai.verification(), bj.verification(), "both screens show the same verification string");
        assertEquals(bob.id(), ai.peer());
        next(ae, PairingEvent.Paired.class, e -> e.peer().equals(bob.id()));
        next(be, PairingEvent.Paired.class, e -> e.peer().equals(alice.id()));

        // paired-only protocols now work both ways
        assertEquals("ok", askSecret(bob, alice));
        assertEquals("ok", askSecret(alice, bob));
    }

    @Test
    void confirmationHookSeesTheJoinerAndCanDecline() throws Exception {
        Hook hook = new Hook();
        PairingSession s = Pairing.of(alice).startAsInitiator(PairingOptions.defaults().withConfirmation(hook));
        CompletableFuture<Device> joined = Pairing.of(bob).join(s.uri());
        PairingConfirmation.Request req = hook.asked.get(WAIT, TimeUnit.SECONDS);
        assertEquals(bob.id(), req.peer());
        assertEquals("bob", req.peerInfo().name());
        assertTrue(req.verification().matches("\\d{3} \\d{3}"));
        hook.answer.complete(false);
        assertEquals(PairingException.Reason.REJECTED, failureOf(joined).reason());
        assertEquals(PairingException.Reason.REJECTED, failureOf(s.result()).reason());
        assertNothingStored(alice);
        assertNothingStored(bob);
    }

    // ---------------------------------------------------------------- wrong code

    @Test
    void aDifferentCodeFindsNoSessionAndLeavesItOpen() throws Exception {
        PairingSession s = Pairing.of(alice).startAsInitiator();
        List<String> other = PairingCode.generate().words();
        URI wrong = new PairingUri(other, alice.id(), alice.addr().directAddresses()).toUri();
        assertEquals(PairingException.Reason.NO_SESSION, failureOf(Pairing.of(bob).join(wrong)).reason());
        assertTrue(s.isOpen(), "a request for another code does not use up the session");
        assertNothingStored(alice);
        assertNothingStored(bob);
        Pairing.of(bob).join(s.uri()).get(WAIT, TimeUnit.SECONDS);
    }

    @Test
    void wrongKeyWithTheRightRendezvousFailsBothSidesAndEndsTheSession() throws Exception {
        PairingSession s = Pairing.of(alice).startAsInitiator();
        PairingCode real = PairingCode.fromWords(s.words());
        byte[] wrongKey = PairingCode.generate().key();
        CompletableFuture<Device> j = Pairing.of(bob).join(alice.addr(), real.rendezvousId(), wrongKey);
        assertEquals(PairingException.Reason.WRONG_CODE, failureOf(j).reason());
        assertEquals(PairingException.Reason.WRONG_CODE, failureOf(s.result()).reason());
        assertNothingStored(alice);
        assertNothingStored(bob);
        TandemNode carol = node("carol", b -> { });
        assertEquals(PairingException.Reason.NO_SESSION, failureOf(Pairing.of(carol).join(s.uri())).reason(),
                "one failed proof ends the session: a new code is needed");
        assertNothingStored(carol);
    }

    // ---------------------------------------------------------------- one joiner, expiry, cancel

    @Test
    void aSecondJoinerIsRefusedWhileTheFirstIsInProgress() throws Exception {
        Hook hook = new Hook();
        PairingSession s = Pairing.of(alice).startAsInitiator(PairingOptions.defaults().withConfirmation(hook));
        CompletableFuture<Device> first = Pairing.of(bob).join(s.uri());
        hook.asked.get(WAIT, TimeUnit.SECONDS);
        TandemNode carol = node("carol", b -> { });
        assertEquals(PairingException.Reason.BUSY, failureOf(Pairing.of(carol).join(s.uri())).reason());
        hook.answer.complete(true);
        assertEquals(alice.id(), first.get(WAIT, TimeUnit.SECONDS).id());
        assertNothingStored(carol);
        assertFalse(alice.devices().isPaired(carol.id()));
        assertTrue(alice.devices().isPaired(bob.id()));
    }

    @Test
    void joiningByWordsWithoutDiscoveryIsTypedAndTyposAreCaughtLocally() throws Exception {
        PairingSession s = Pairing.of(alice).startAsInitiator();
        assertEquals(PairingException.Reason.NOT_FOUND, failureOf(Pairing.of(bob).join(s.words())).reason());
        List<String> typo = new ArrayList<>(s.words());
        typo.set(4, typo.get(4) + "x");
        assertEquals(5, assertThrows(WordCodeException.class, () -> Pairing.of(bob).join(typo)).position());
        assertTrue(s.isOpen());
    }

    @Test
    void startingASecondSessionWhileOneIsOpenIsRefused() {
        Pairing.of(alice).startAsInitiator();
        assertEquals(PairingException.Reason.BUSY,
                assertThrows(PairingException.class, () -> Pairing.of(alice).startAsInitiator()).reason());
    }

    @Test
    void anExpiredSessionIsRefused() throws Exception {
        BlockingQueue<NetworkEvent> ae = events(alice);
        PairingSession s = Pairing.of(alice).startAsInitiator(PairingOptions.defaults().withExpiry(Duration.ofMillis(200)));
        assertEquals(PairingException.Reason.EXPIRED, failureOf(s.result()).reason());
        next(ae, PairingEvent.Expired.class, e -> true);
        assertEquals(PairingException.Reason.NO_SESSION, failureOf(Pairing.of(bob).join(s.uri())).reason());
        assertNothingStored(alice);
        assertNothingStored(bob);
    }

    @Test
    void expiryDuringConfirmationEndsBothSides() throws Exception {
        Hook hook = new Hook(); // never answers
        // Long enough that the join reaches the confirmation step first even on a loaded machine (a QUIC
        // handshake can take a second there); the session then expires while the hook waits.
        PairingSession s = Pairing.of(alice).startAsInitiator(PairingOptions.defaults()
                .withConfirmation(hook).withExpiry(Duration.ofMillis(2500)));
        CompletableFuture<Device> j = Pairing.of(bob).join(s.uri());
        hook.asked.get(WAIT, TimeUnit.SECONDS);
        assertEquals(PairingException.Reason.EXPIRED, failureOf(s.result()).reason());
        assertEquals(PairingException.Reason.EXPIRED, failureOf(j).reason());
        assertNothingStored(alice);
        assertNothingStored(bob);
    }

    @Test
    void cancelOnTheInitiatorIsSignalledToTheJoiner() throws Exception {
        BlockingQueue<NetworkEvent> be = events(bob);
        Hook hook = new Hook();
        PairingSession s = Pairing.of(alice).startAsInitiator(PairingOptions.defaults().withConfirmation(hook));
        CompletableFuture<Device> j = Pairing.of(bob).join(s.uri());
        hook.asked.get(WAIT, TimeUnit.SECONDS);
        s.cancel();
        assertEquals(PairingException.Reason.CANCELLED, failureOf(s.result()).reason());
        PairingException jf = failureOf(j);
        assertEquals(PairingException.Reason.CANCELLED_BY_PEER, jf.reason(), jf.getMessage());
        next(be, PairingEvent.Cancelled.class, PairingEvent.Cancelled::byPeer);
        assertNothingStored(alice);
        assertNothingStored(bob);
    }

    @Test
    void cancelOnTheJoinerIsSignalledToTheInitiator() throws Exception {
        BlockingQueue<NetworkEvent> ae = events(alice);
        Hook hook = new Hook();
        PairingSession s = Pairing.of(alice).startAsInitiator(PairingOptions.defaults().withConfirmation(hook));
        CompletableFuture<Device> j = Pairing.of(bob).join(s.uri());
        hook.asked.get(WAIT, TimeUnit.SECONDS);
        Pairing.of(bob).cancel();
        assertEquals(PairingException.Reason.CANCELLED, failureOf(j).reason());
        assertEquals(PairingException.Reason.CANCELLED_BY_PEER, failureOf(s.result()).reason());
        next(ae, PairingEvent.Cancelled.class, PairingEvent.Cancelled::byPeer);
        hook.answer.complete(true); // too late: nothing happens
        assertNothingStored(alice);
        assertNothingStored(bob);
    }

    @Test
    void cancellingTheJoinFutureIsSignalledToo() throws Exception {
        Hook hook = new Hook();
        PairingSession s = Pairing.of(alice).startAsInitiator(PairingOptions.defaults().withConfirmation(hook));
        CompletableFuture<Device> j = Pairing.of(bob).join(s.uri());
        hook.asked.get(WAIT, TimeUnit.SECONDS);
        j.cancel(true);
        assertEquals(PairingException.Reason.CANCELLED_BY_PEER, failureOf(s.result()).reason());
        assertNothingStored(alice);
        assertNothingStored(bob);
    }

    // ---------------------------------------------------------------- man in the middle

    @Test
    void aRelayingManInTheMiddleFails() throws Exception {
        TandemNode mallory = node("mallory", b -> b.discovery(DiscoveryMode.OFF)
                .protocol(new RelayProtocol(() -> alice.addr())));
        PairingSession s = Pairing.of(alice).startAsInitiator();
        // The joiner got the right words, but a link (or LAN announcement) pointing at Mallory.
        URI forged = new PairingUri(s.words(), mallory.id(), mallory.addr().directAddresses()).toUri();
        CompletableFuture<Device> j = Pairing.of(bob).join(forged);
        PairingException onAlice = failureOf(s.result());
        assertEquals(PairingException.Reason.WRONG_CODE, onAlice.reason());
        failureOf(j);
        assertNothingStored(alice);
        assertNothingStored(bob);
        assertNothingStored(mallory);
    }

    // ---------------------------------------------------------------- revoke

    @Test
    void revokeIsSeenByThePeerAndPairedOnlyProtocolsThenRefuse() throws Exception {
        PairingSession s = Pairing.of(alice).startAsInitiator();
        Pairing.of(bob).join(s.uri()).get(WAIT, TimeUnit.SECONDS);
        s.result().get(WAIT, TimeUnit.SECONDS);
        assertEquals("ok", askSecret(bob, alice));
        BlockingQueue<NetworkEvent> be = events(bob);

        assertTrue(Pairing.of(alice).revoke(bob.id()).get(WAIT, TimeUnit.SECONDS), "bob was told");
        next(be, PairingEvent.RevokedByPeer.class, e -> e.peer().equals(alice.id()));
        assertTrue(alice.devices().get(bob.id()).isEmpty());
        assertTrue(bob.devices().get(alice.id()).isEmpty());

        // Bob no longer dials Alice's paired-only protocol...
        ExecutionException local = assertThrows(ExecutionException.class,
                () -> bob.connect(alice.addr(), SECRET_ALPN).get(WAIT, TimeUnit.SECONDS));
        assertInstanceOf(PeerUnreachableException.class, local.getCause());
        // ...and if Bob ignored the notice and still trusted Alice, Alice's node refuses him.
        TestNodes.trust(bob, alice, new dev.tandem.core.device.PairSecret(new byte[32]));
        ConnectionClosedException refused = TestNodes.refusal(bob.connect(alice.addr(), SECRET_ALPN), WAIT);
        assertEquals(CloseCode.NOT_PAIRED, refused.code());
        assertTrue(refused.byPeer());
    }

    @Test
    void revokeOfAnUnpairedDeviceIsTyped() {
        assertEquals(PairingException.Reason.NOT_PAIRED,
                assertThrows(PairingException.class, () -> Pairing.of(alice).revoke(bob.id())).reason());
    }

    @Test
    void revokeReachesNoOneWhenThePeerIsGoneButStillDropsHere() throws Exception {
        PairingSession s = Pairing.of(alice).startAsInitiator();
        Pairing.of(bob).join(s.uri()).get(WAIT, TimeUnit.SECONDS);
        s.result().get(WAIT, TimeUnit.SECONDS);
        bob.close();
        assertFalse(Pairing.of(alice).revoke(bob.id()).get(WAIT, TimeUnit.SECONDS));
        assertTrue(alice.devices().get(bob.id()).isEmpty());
    }

    // ---------------------------------------------------------------- hostile input

    @Test
    void fuzzedPairingMessagesNeverCrashTheNodeOrStoreAnything() throws Exception {
        PairingSession s = Pairing.of(alice).startAsInitiator();
        TandemNode eve = node("eve", b -> { });
        Random r = new Random(42);
        for (int i = 0; i < 60; i++) {
            PeerConnection c = eve.connect(alice.addr(), Pairing.ALPN).get(WAIT, TimeUnit.SECONDS);
            try {
                try {
                    sendGarbage(c, i, r);
                } catch (ConnectionClosedException e) {
                    // the node refused before all the garbage was written: fine, the close code is checked below
                    assertTrue(e.byPeer() || e.code() != CloseCode.INTERNAL_ERROR, e.getMessage());
                }
                ConnectionClosedException how = c.closed().toCompletableFuture().get(WAIT, TimeUnit.SECONDS);
                assertTrue(how.code() != CloseCode.INTERNAL_ERROR, "case " + i + ": " + how.getMessage());
            } finally {
                c.close();
            }
        }
        assertTrue(s.isOpen(), "garbage without the rendezvous id never consumes the session");
        assertNothingStored(alice);
        assertNothingStored(eve);
        // still healthy
        assertNotNull(Pairing.of(bob).join(s.uri()).get(WAIT, TimeUnit.SECONDS));
    }

    private static void sendGarbage(PeerConnection c, int i, Random r) throws IOException {
                PeerStream st = c.openBidirectional();
                OutputStream out = st.output();
                switch (i % 6) {
                    case 0 -> { // random payload
                        byte[] p = new byte[r.nextInt(200)];
                        r.nextBytes(p);
                        Frames.write(out, p);
                    }
                    case 1 -> { // a hello-typed frame with random content
                        byte[] p = new byte[1 + r.nextInt(300)];
                        r.nextBytes(p);
                        p[0] = 1;
                        Frames.write(out, p);
                    }
                    case 2 -> out.write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}); // oversized
                    case 3 -> out.write(new byte[] {0, 0, 0, 50, 1, 1}); // truncated
                    case 4 -> { // valid-looking messages out of order
                        Frames.write(out, PairingMessage.encode(new PairingMessage.Confirm(new byte[32])));
                    }
                    default -> { // a correct-looking hello for another session, then garbage
                        Frames.write(out, PairingMessage.encode(new PairingMessage.Hello(1, new byte[16],
                                new byte[32], new byte[32], TestNodes.info("eve"))));
                        byte[] p = new byte[r.nextInt(100)];
                        r.nextBytes(p);
                        out.write(p);
                    }
                }
                out.flush();
                st.output().close();
    }

    @Test
    void aJoinerThatSendsGarbageAfterTheRightHelloEndsTheSessionAndNothingIsStored() throws Exception {
        PairingSession s = Pairing.of(alice).startAsInitiator();
        PairingCode code = PairingCode.fromWords(s.words());
        PeerConnection c = bob.connect(alice.addr(), Pairing.ALPN).get(WAIT, TimeUnit.SECONDS);
        PeerStream st = c.openBidirectional();
        Frames.write(st.output(), PairingMessage.encode(new PairingMessage.Hello(1, code.rendezvousId().bytes(),
                new byte[32], Ephemeral.generate().publicKey(), TestNodes.info("bob"))));
        st.output().flush();
        InputStream in = st.input();
        assertInstanceOf(PairingMessage.Challenge.class, PairingMessage.decode(Frames.readRequired(in, 1024)));
        Frames.write(st.output(), new byte[] {3, 1, 2, 3}); // truncated JoinerProof
        st.output().flush();
        assertEquals(CloseCode.PROTOCOL_ERROR, c.closed().toCompletableFuture().get(WAIT, TimeUnit.SECONDS).code());
        assertEquals(PairingException.Reason.PROTOCOL_ERROR, failureOf(s.result()).reason());
        assertNothingStored(alice);
    }

    @Test
    void aForgedRevokeIsIgnored() throws Exception {
        PairingSession s = Pairing.of(alice).startAsInitiator();
        Pairing.of(bob).join(s.uri()).get(WAIT, TimeUnit.SECONDS);
        s.result().get(WAIT, TimeUnit.SECONDS);
        TandemNode eve = node("eve", b -> { });
        PeerConnection c = eve.connect(alice.addr(), Pairing.ALPN).get(WAIT, TimeUnit.SECONDS);
        PeerStream st = c.openBidirectional();
        Frames.write(st.output(), PairingMessage.encode(new PairingMessage.Revoke(alice.id().bytes(),
                System.currentTimeMillis(), new byte[16], new byte[64])));
        st.output().flush();
        assertEquals(CloseCode.PROTOCOL_ERROR, c.closed().toCompletableFuture().get(WAIT, TimeUnit.SECONDS).code());
        assertTrue(alice.devices().isPaired(bob.id()));
    }

    // ---------------------------------------------------------------- helpers

    /** Asks {@code server}'s paired-only protocol for its answer, from {@code client}. */
    static String askSecret(TandemNode client, TandemNode server) throws Exception {
        PeerConnection c = client.connect(server.addr(), SECRET_ALPN).get(WAIT, TimeUnit.SECONDS);
        try {
            PeerStream st = c.openBidirectional();
            st.setReadTimeout(Duration.ofSeconds(WAIT));
            st.output().close();
            return new String(st.input().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            c.close();
        }
    }

    /** A paired-only protocol that answers "ok". */
    static final class PairedOnlyProtocol implements ProtocolProvider {
        @Override
        public ProtocolDescriptor descriptor() {
            return ProtocolDescriptor.of(SECRET_ALPN);
        }

        @Override
        public ProtocolHandler create(ProtocolContext context) {
            return conn -> {
                PeerStream s = conn.acceptStream();
                s.output().write("ok".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                s.output().close();
                s.input().readAllBytes();
            };
        }
    }

    /** Mallory: accepts pairing connections and relays every byte to and from the real initiator. */
    static final class RelayProtocol implements ProtocolProvider {
        private final java.util.function.Supplier<NodeAddr> target;

        RelayProtocol(java.util.function.Supplier<NodeAddr> target) {
            this.target = target;
        }

        @Override
        public ProtocolDescriptor descriptor() {
            return ProtocolDescriptor.of(Pairing.ALPN).withPeerPolicy(PeerPolicy.ANY_PEER);
        }

        @Override
        public ProtocolHandler create(ProtocolContext context) {
            return victim -> {
                PeerConnection upstream = context.connect(target.get(), Pairing.ALPN).get(WAIT, TimeUnit.SECONDS);
                try {
                    PeerStream in = victim.acceptStream();
                    PeerStream out = upstream.openBidirectional();
                    CompletableFuture<Void> up = CompletableFuture.runAsync(() -> pump(in, out), context.executor());
                    pump(out, in);
                    up.get(WAIT, TimeUnit.SECONDS);
                } finally {
                    upstream.close();
                }
            };
        }

        private static void pump(PeerStream from, PeerStream to) {
            try {
                from.input().transferTo(to.output());
                to.output().close();
            } catch (IOException e) {
                to.reset(CloseCode.CANCELLED);
            }
        }
    }
}
