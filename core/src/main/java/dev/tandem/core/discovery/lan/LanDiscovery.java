package dev.tandem.core.discovery.lan;

import dev.tandem.core.NodeAddr;
import dev.tandem.core.NodeId;
import dev.tandem.core.discovery.Discovery;
import dev.tandem.core.discovery.RendezvousId;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.MulticastSocket;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LAN discovery over UDP multicast (JDK only): an administratively scoped group ({@code 239.255.84.68:42424}
 * by default), TTL 1 so datagrams never leave the link. Rendezvous ids are announced every
 * {@link Config#sessionInterval()} (1 s) while announced, and at once when someone queries them; presence
 * every {@link Config#presenceInterval()} (30 s). Received datagrams are size-capped and parsed
 * defensively ({@link LanMessage}); malformed ones are counted and dropped.
 *
 * <p>A node bound to a loopback address discovers on the loopback interface only (it is not on the LAN).
 * Turn LAN discovery off with the node option {@code discovery.lan=false}.
 */
public final class LanDiscovery implements Discovery {
    private static final Logger log = LoggerFactory.getLogger(LanDiscovery.class);
    public static final String DEFAULT_GROUP = "239.255.84.68";
    public static final int DEFAULT_PORT = 42424;
    /** Node option: "false" turns LAN discovery off. */
    public static final String OPTION_ENABLED = "discovery.lan";
    /** Node option: multicast group and port, "239.255.x.y:port". */
    public static final String OPTION_GROUP = "discovery.lan.group";
    /** Node option: network interface name to use (default: loopback for loopback-bound nodes, else the OS's). */
    public static final String OPTION_INTERFACE = "discovery.lan.interface";

    /** Where and how often to announce. {@code iface} null means the operating system's default. */
    public record Config(InetSocketAddress group, NetworkInterface iface, Duration sessionInterval,
            Duration presenceInterval) {
        public Config {
            Objects.requireNonNull(group);
            if (!group.getAddress().isMulticastAddress()) {
                throw new IllegalArgumentException(group + " is not a multicast group");
            }
            if (sessionInterval.toMillis() < 50 || presenceInterval.toMillis() < 50) {
                throw new IllegalArgumentException("announcement intervals must be at least 50 ms");
            }
        }

        /** True unless the options say {@code discovery.lan=false}. */
        public static boolean enabled(Map<String, String> options) {
            return !"false".equalsIgnoreCase(options.getOrDefault(OPTION_ENABLED, "true").strip());
        }

        /** Reads the node options; a loopback-bound node uses the loopback interface. */
        public static Config fromOptions(Map<String, String> options, NodeAddr local) throws IOException {
            String g = options.getOrDefault(OPTION_GROUP, DEFAULT_GROUP + ":" + DEFAULT_PORT);
            int colon = g.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(OPTION_GROUP + " must be group:port, got '" + g + "'");
            }
            InetAddress ga;
            int port;
            try {
                ga = InetAddress.getByName(literal(g.substring(0, colon)));
                port = Integer.parseInt(g.substring(colon + 1));
            } catch (NumberFormatException | UnknownHostException e) {
                throw new IllegalArgumentException(OPTION_GROUP + " must be group:port, got '" + g + "'", e);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(OPTION_GROUP + " port out of range: " + port);
            }
            NetworkInterface nif = null;
            String name = options.get(OPTION_INTERFACE);
            if (name != null) {
                nif = NetworkInterface.getByName(name);
                if (nif == null) {
                    throw new IllegalArgumentException("no network interface '" + name + "'");
                }
            } else if (!local.directAddresses().isEmpty()
                    && local.directAddresses().stream().allMatch(a -> a.getAddress().isLoopbackAddress())) {
                nif = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
            }
            return new Config(new InetSocketAddress(ga, port), nif, Duration.ofSeconds(1), Duration.ofSeconds(30));
        }

        private static String literal(String host) {
            // Only numeric groups: never a DNS lookup for a configuration value.
            for (char c : host.toCharArray()) {
                if (!(Character.digit(c, 16) >= 0 || c == '.' || c == ':' || c == '[' || c == ']')) {
                    throw new IllegalArgumentException("multicast group must be a numeric address: " + host);
                }
            }
            return host.replace("[", "").replace("]", "");
        }
    }

    private final NodeId self;
    private final Config config;
    private final MulticastSocket socket;
    private final ScheduledExecutorService timer;
    private final Thread receiver;
    private final Map<RendezvousId, List<Consumer<NodeAddr>>> lookups = new ConcurrentHashMap<>();
    private final Map<RendezvousId, NodeAddr> announced = new ConcurrentHashMap<>();
    private final Map<RendezvousId, Long> lastAnswer = new ConcurrentHashMap<>();
    private final List<Consumer<NodeAddr>> presenceListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong malformed = new AtomicLong();
    private volatile boolean closed;

    private LanDiscovery(NodeId self, Config config, MulticastSocket socket) {
        this.self = self;
        this.config = config;
        this.socket = socket;
        String tag = self.shortForm();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-lan-timer-" + tag);
            t.setDaemon(true);
            return t;
        });
        this.receiver = new Thread(this::receiveLoop, "tandem-lan-recv-" + tag);
        this.receiver.setDaemon(true);
    }

    /** Opens the multicast socket and starts listening. */
    public static LanDiscovery start(NodeId self, Config config) throws IOException {
        MulticastSocket s = new MulticastSocket(null);
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(config.group().getPort()));
            s.setTimeToLive(1);
            s.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            if (config.iface() != null) {
                s.setOption(StandardSocketOptions.IP_MULTICAST_IF, config.iface());
            }
            s.joinGroup(new InetSocketAddress(config.group().getAddress(), 0), config.iface());
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        LanDiscovery d = new LanDiscovery(self, config, s);
        d.receiver.start();
        log.debug("LAN discovery on {} via {}", config.group(), config.iface() == null ? "default interface"
                : config.iface().getName());
        return d;
    }

    @Override
    public String name() {
        return "lan";
    }

    /** Datagrams dropped as malformed so far. */
    public long malformedCount() {
        return malformed.get();
    }

    @Override
    public AutoCloseable announceRendezvous(RendezvousId id, NodeAddr addr) {
        announced.put(id, addr);
        ScheduledFuture<?> f = timer.scheduleAtFixedRate(() -> send(rendezvousMessage(id, addr)), 0,
                config.sessionInterval().toMillis(), TimeUnit.MILLISECONDS);
        return () -> {
            f.cancel(false);
            announced.remove(id, addr);
        };
    }

    @Override
    public AutoCloseable lookupRendezvous(RendezvousId id, Consumer<NodeAddr> found) {
        lookups.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(found);
        LanMessage query = new LanMessage(LanMessage.Type.QUERY, self, 0, Optional.empty(), Optional.of(id));
        ScheduledFuture<?> f = timer.scheduleAtFixedRate(() -> send(query), 0,
                config.sessionInterval().toMillis(), TimeUnit.MILLISECONDS);
        return () -> {
            f.cancel(false);
            lookups.computeIfPresent(id, (k, l) -> {
                l.remove(found);
                return l.isEmpty() ? null : l;
            });
        };
    }

    @Override
    public AutoCloseable announcePresence(NodeAddr addr) {
        LanMessage m = new LanMessage(LanMessage.Type.PRESENCE, self, port(addr), advertised(addr), Optional.empty());
        ScheduledFuture<?> f = timer.scheduleAtFixedRate(() -> send(m), 0, config.presenceInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public AutoCloseable onPresence(Consumer<NodeAddr> seen) {
        presenceListeners.add(seen);
        return () -> presenceListeners.remove(seen);
    }

    private LanMessage rendezvousMessage(RendezvousId id, NodeAddr addr) {
        return new LanMessage(LanMessage.Type.RENDEZVOUS, self, port(addr), advertised(addr), Optional.of(id));
    }

    private static int port(NodeAddr addr) {
        return addr.directAddresses().stream().mapToInt(InetSocketAddress::getPort).filter(p -> p > 0)
                .findFirst().orElseThrow(() -> new IllegalArgumentException("node has no direct address to announce"));
    }

    private static Optional<InetAddress> advertised(NodeAddr addr) {
        return addr.directAddresses().stream().map(InetSocketAddress::getAddress)
                .filter(a -> a != null && !a.isAnyLocalAddress()).findFirst();
    }

    private void send(LanMessage m) {
        if (closed) {
            return;
        }
        byte[] data = m.encode();
        try {
            socket.send(new DatagramPacket(data, data.length, config.group()));
        } catch (IOException e) {
            log.warn("LAN discovery could not send a {} datagram to {}: {}", m.type(), config.group(), e.toString());
        }
    }

    private void receiveLoop() {
        byte[] buf = new byte[LanMessage.MAX_SIZE + 1];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketException e) {
                if (!closed) {
                    log.warn("LAN discovery socket failed; discovery stops: {}", e.toString());
                }
                return;
            } catch (IOException e) {
                log.warn("LAN discovery receive failed: {}", e.toString());
                continue;
            }
            handle(p);
        }
    }

    /** Handles one received datagram; visible for tests. */
    void handle(DatagramPacket p) {
        Optional<LanMessage> parsed;
        try {
            parsed = LanMessage.parse(p.getData(), p.getOffset(), p.getLength());
        } catch (LanMessage.MalformedException e) {
            long n = malformed.incrementAndGet();
            log.debug("dropped malformed discovery datagram #{} from {}: {}", n, p.getSocketAddress(), e.getMessage());
            return;
        }
        if (parsed.isEmpty() || parsed.get().node().equals(self)) {
            return;
        }
        LanMessage m = parsed.get();
        switch (m.type()) {
            case QUERY -> answer(m.rendezvous().orElseThrow());
            case RENDEZVOUS -> {
                List<Consumer<NodeAddr>> ls = lookups.get(m.rendezvous().orElseThrow());
                if (ls != null) {
                    NodeAddr a = addrOf(m, p.getAddress());
                    ls.forEach(l -> deliver(l, a));
                }
            }
            case PRESENCE -> {
                NodeAddr a = addrOf(m, p.getAddress());
                presenceListeners.forEach(l -> deliver(l, a));
            }
        }
    }

    private void answer(RendezvousId id) {
        NodeAddr a = announced.get(id);
        if (a == null) {
            return;
        }
        long now = System.nanoTime();
        Long last = lastAnswer.get(id);
        if (last != null && now - last < TimeUnit.MILLISECONDS.toNanos(200)) {
            return; // rate limit: a flood of queries cannot turn this node into an amplifier
        }
        lastAnswer.put(id, now);
        timer.execute(() -> send(rendezvousMessage(id, a)));
    }

    private static NodeAddr addrOf(LanMessage m, InetAddress source) {
        List<InetSocketAddress> addrs = new ArrayList<>(2);
        m.address().ifPresent(a -> addrs.add(new InetSocketAddress(a, m.port())));
        InetSocketAddress src = new InetSocketAddress(source, m.port());
        if (!addrs.contains(src)) {
            addrs.add(src);
        }
        return new NodeAddr(m.node(), addrs, Optional.empty());
    }

    private static void deliver(Consumer<NodeAddr> l, NodeAddr a) {
        try {
            l.accept(a);
        } catch (RuntimeException e) {
            log.warn("discovery listener {} failed", l.getClass().getName(), e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        socket.close();
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
