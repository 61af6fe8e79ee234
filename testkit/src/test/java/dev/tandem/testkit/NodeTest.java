package dev.tandem.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.DeviceState;
import dev.tandem.core.event.ConnectionRefused;
import dev.tandem.core.event.DeviceStateChanged;
import dev.tandem.core.protocol.DiscoveryMode;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolDescriptor;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.protocol.ProtocolProvider;
import dev.tandem.core.protocol.ProtocolRegistry;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.PeerUnreachableException;
import dev.tandem.testkit.example.BrokenOnCreateProtocol;
import dev.tandem.testkit.example.EchoProtocol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Whole nodes on the in-memory network: routing, peer policy, device states, shutdown. */
@Timeout(60)
class NodeTest {
    private static final String SECRET_ALPN = "test/secret/1";

    @TempDir
    Path dir;
    private final InMemoryNetwork network = new InMemoryNetwork();
    private final List<TandemNode> nodes = new ArrayList<>();

    /** A paired-only protocol that records who ran it and on which thread, then answers "ok". */
    static final class SecretProtocol implements ProtocolProvider {
        final AtomicInteger calls = new AtomicInteger();
        final BlockingQueue<String> threads = new LinkedBlockingQueue<>();
        volatile CountDownLatch block = new CountDownLatch(0);
        volatile boolean explode;

        @Override
        public ProtocolDescriptor descriptor() {
            return ProtocolDescriptor.of(SECRET_ALPN);
        }

        @Override
        public ProtocolHandler create(ProtocolContext context) {
            return conn -> {
                calls.incrementAndGet();
                threads.add(Thread.currentThread().getName());
                if (explode) {
                    throw new IllegalStateException("handler bug");
                }
                block.await();
                PeerStream s = conn.acceptStream();
                s.output().write("ok".getBytes(StandardCharsets.UTF_8));
                s.output().close();
                s.input().readAllBytes();
            };
        }
    }

    private TandemNode node(String name, ProtocolProvider... explicit) throws IOException {
        TandemNode.Builder b = TestNodes.builder(network, dir.resolve(name)).deviceInfo(TestNodes.info(name));
        for (ProtocolProvider p : explicit) {
            b.protocol(p);
        }
        TandemNode n = b.build().start();
        nodes.add(n);
        return n;
    }

    @AfterEach
    void closeAll() {
        nodes.forEach(TandemNode::close);
    }

    private static String ask(PeerConnection c) throws IOException {
        PeerStream s = c.openBidirectional();
        s.output().close();
        return new String(s.input().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aProtocolFoundOnTheClassPathIsServed() throws Exception {
        TandemNode a = node("a");
        TandemNode b = node("b");
        ProtocolRegistry.Registration r = b.protocols().lookup(EchoProtocol.ALPN).orElseThrow();
        assertEquals(ProtocolRegistry.Source.DISCOVERED, r.source());
        PeerConnection c = a.connect(b.addr(), EchoProtocol.ALPN).get(10, TimeUnit.SECONDS);
        PeerStream s = c.openBidirectional();
        s.output().write("ping".getBytes(StandardCharsets.UTF_8));
        s.output().close();
        assertArrayEquals("ping".getBytes(StandardCharsets.UTF_8), s.input().readAllBytes());
    }

    @Test
    void discoveryOffServesOnlyExplicitProtocols() throws Exception {
        TandemNode a = node("a");
        TandemNode b = TestNodes.builder(network, dir.resolve("b")).discovery(DiscoveryMode.OFF).build().start();
        nodes.add(b);
        assertTrue(b.protocols().registrations().isEmpty());
        var e = assertThrows(ExecutionException.class, () -> a.connect(b.addr(), EchoProtocol.ALPN).get(10, TimeUnit.SECONDS));
        assertInstanceOf(PeerUnreachableException.class, e.getCause());
    }

    @Test
    void aProviderThatFailsToStartIsReportedByNameAndTheRestRun() throws Exception {
        TandemNode a = node("a");
        TandemNode b = node("b");
        String failures = b.protocols().failures().toString();
        assertTrue(failures.contains(BrokenOnCreateProtocol.class.getName()), failures);
        assertTrue(failures.contains("missing configuration"), failures);
        assertTrue(b.protocols().lookup(BrokenOnCreateProtocol.ALPN).isEmpty());
        assertTrue(b.protocols().lookup(EchoProtocol.ALPN).isPresent());
        var e = assertThrows(ExecutionException.class,
                () -> a.connect(b.addr(), BrokenOnCreateProtocol.ALPN).get(10, TimeUnit.SECONDS));
        assertInstanceOf(PeerUnreachableException.class, e.getCause());
    }

    @Test
    void anExplicitProviderThatFailsToStartFailsTheNode() {
        ProtocolProvider broken = new ProtocolProvider() {
            @Override
            public ProtocolDescriptor descriptor() {
                return ProtocolDescriptor.of("test/broken-explicit/1");
            }

            @Override
            public ProtocolHandler create(ProtocolContext context) {
                throw new IllegalStateException("no disk");
            }
        };
        IOException e = assertThrows(IOException.class, () -> node("a", broken));
        assertTrue(e.getMessage().contains("test/broken-explicit/1") && e.getMessage().contains("no disk"), e.getMessage());
    }

    @Test
    void pairedOnlyProtocolRefusesUnpairedPeersBeforeTheHandlerRuns() throws Exception {
        SecretProtocol secret = new SecretProtocol();
        TandemNode a = node("a");
        TandemNode b = node("b", secret);
        BlockingQueue<ConnectionRefused> refused = new LinkedBlockingQueue<>();
        b.events().subscribe(ConnectionRefused.class, refused::add);
        TestNodes.trust(a, b, new dev.tandem.core.device.PairSecret(new byte[32])); // a trusts b, b does not trust a

        ConnectionClosedException how = TestNodes.refusal(a.connect(b.addr(), SECRET_ALPN), 10);
        assertEquals(CloseCode.NOT_PAIRED, how.code());
        assertTrue(how.byPeer());
        ConnectionRefused event = refused.poll(10, TimeUnit.SECONDS);
        assertNotNull(event);
        assertEquals(a.id(), event.peer());
        assertEquals(0, secret.calls.get(), "the handler must never see an unpaired peer");
    }

    @Test
    void dialingAnUnpairedPeerForAPairedOnlyProtocolFailsLocally() throws Exception {
        SecretProtocol secret = new SecretProtocol();
        TandemNode a = node("a", secret);
        TandemNode b = node("b", new SecretProtocol());
        var e = assertThrows(ExecutionException.class, () -> a.connect(b.addr(), SECRET_ALPN).get(10, TimeUnit.SECONDS));
        assertInstanceOf(PeerUnreachableException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("not paired"), e.getCause().getMessage());
    }

    @Test
    void pairedPeersAreServedOnTheNodeExecutorAndDeviceStatesFollowConnections() throws Exception {
        SecretProtocol secret = new SecretProtocol();
        TandemNode a = node("a");
        TandemNode b = node("b", secret);
        BlockingQueue<DeviceStateChanged> states = new LinkedBlockingQueue<>();
        b.events().subscribe(DeviceStateChanged.class, e -> {
            // Only what connections do: the pairing moves before them are not this test's subject.
            if (e.device().equals(a.id()) && e.from().filter(DeviceState::isPaired).isPresent()) {
                states.add(e);
            }
        });
        TestNodes.pairDirectly(a, b);

        PeerConnection c = a.connect(b.addr(), SECRET_ALPN).get(10, TimeUnit.SECONDS);
        assertEquals("ok", ask(c));
        String thread = secret.threads.poll(10, TimeUnit.SECONDS);
        assertNotNull(thread);
        assertTrue(thread.startsWith("tandem-handler-"), thread);
        assertEquals(Optional.of(DeviceState.CONNECTED), states.poll(10, TimeUnit.SECONDS).to());

        c.close();
        assertEquals(Optional.of(DeviceState.DISCONNECTED), states.poll(10, TimeUnit.SECONDS).to());
        assertTrue(b.devices().get(a.id()).orElseThrow().lastSeen().isPresent());
    }

    @Test
    void aFailingHandlerClosesOnlyItsConnection() throws Exception {
        SecretProtocol secret = new SecretProtocol();
        TandemNode a = node("a");
        TandemNode b = node("b", secret);
        TestNodes.pairDirectly(a, b);
        secret.explode = true;
        PeerConnection bad = a.connect(b.addr(), SECRET_ALPN).get(10, TimeUnit.SECONDS);
        assertEquals(CloseCode.INTERNAL_ERROR, bad.closed().toCompletableFuture().get(10, TimeUnit.SECONDS).code());
        secret.explode = false;
        PeerConnection good = a.connect(b.addr(), SECRET_ALPN).get(10, TimeUnit.SECONDS);
        assertTrue(good != bad, "a closed connection is never handed out again");
        assertEquals("ok", ask(good));
    }

    @Test
    void whenAllHandlerThreadsAreBusyNewConnectionsAreTurnedAwayWithBusy() throws Exception {
        SecretProtocol secret = new SecretProtocol();
        secret.block = new CountDownLatch(1);
        TandemNode a = node("a");
        TandemNode b = TestNodes.builder(network, dir.resolve("b")).protocol(secret).maxHandlerThreads(1).build().start();
        nodes.add(b);
        TestNodes.pairDirectly(a, b);
        PeerConnection first = a.connect(b.addr(), SECRET_ALPN).get(10, TimeUnit.SECONDS);
        assertNotNull(secret.threads.poll(10, TimeUnit.SECONDS)); // the only thread is now taken
        assertEquals(CloseCode.BUSY, TestNodes.refusal(a.connect(b.addr(), SECRET_ALPN), 10).code());
        secret.block.countDown();
        assertEquals("ok", ask(first));
    }

    @Test
    void closingANodeClosesItsConnectionsWithShutdownAndSavesDevices() throws Exception {
        TandemNode a = node("a");
        TandemNode b = node("b");
        TestNodes.pairDirectly(a, b);
        PeerConnection c = a.connect(b.addr(), EchoProtocol.ALPN).get(10, TimeUnit.SECONDS);
        b.close();
        ConnectionClosedException how = c.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(CloseCode.SHUTDOWN, how.code());
        assertTrue(how.byPeer());
        assertFalse(c.isOpen());
        var reopened = dev.tandem.core.device.DeviceRegistry.open(dir.resolve("b").resolve("devices.json"));
        assertTrue(reopened.isPaired(a.id()));
    }

    @Test
    void sharedConnectionsAreReusedPerPeerAndProtocolAndConcurrentDialsShareOneAttempt() throws Exception {
        TandemNode a = node("a");
        TandemNode b = node("b");
        BlockingQueue<dev.tandem.core.event.ConnectionEstablished> inbound = new LinkedBlockingQueue<>();
        b.events().subscribe(dev.tandem.core.event.ConnectionEstablished.class, inbound::add);
        var f1 = a.networking().connectShared(b.addr(), EchoProtocol.ALPN);
        var f2 = a.networking().connectShared(b.addr(), EchoProtocol.ALPN);
        PeerConnection c1 = f1.get(10, TimeUnit.SECONDS);
        assertEquals(c1, f2.get(10, TimeUnit.SECONDS));
        assertEquals(c1, a.networking().connectShared(b.addr(), EchoProtocol.ALPN).get(10, TimeUnit.SECONDS));
        assertNotNull(inbound.poll(10, TimeUnit.SECONDS));
        c1.close();
        PeerConnection c2 = a.networking().connectShared(b.addr(), EchoProtocol.ALPN).get(10, TimeUnit.SECONDS);
        assertTrue(c2 != c1 && c2.isOpen());
        assertNotNull(inbound.poll(10, TimeUnit.SECONDS));
        assertTrue(inbound.isEmpty(), "exactly two connections reached b");
        PeerConnection own = a.connect(b.addr(), EchoProtocol.ALPN).get(10, TimeUnit.SECONDS);
        assertTrue(own != c2, "connect() gives a connection of its own");
    }

    @Test
    void protocolHandlersAreReachableByType() throws Exception {
        TandemNode a = node("a");
        assertTrue(a.protocol(ProtocolHandler.class).isPresent());
        assertTrue(a.protocol(String.class).isEmpty());
        assertEquals("memory", a.transportName());
    }
}
