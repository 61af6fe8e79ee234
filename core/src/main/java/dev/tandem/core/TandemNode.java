package dev.tandem.core;

import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.device.DeviceRegistry;
import dev.tandem.core.event.EventBus;
import dev.tandem.core.protocol.DiscoveryMode;
import dev.tandem.core.protocol.ProtocolProvider;
import dev.tandem.core.protocol.ProtocolRegistry;
import dev.tandem.core.service.NetworkingService;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportConfig;
import dev.tandem.core.transport.TransportProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * One Tandem node: identity, transport, devices and protocols behind one object.
 *
 * <pre>{@code
 * try (TandemNode node = TandemNode.builder().dataDir(Path.of("/var/lib/app")).build().start()) {
 *     System.out.println("I am " + node.id());
 * }
 * }</pre>
 *
 * Protocol APIs (pairing, messaging, file transfer) are found through the protocol registry with
 * {@link #protocol(Class)}; each protocol module also offers a typed entry point taking the node.
 */
public final class TandemNode implements AutoCloseable {
    /** Environment variable naming the default data directory. */
    public static final String HOME_ENV = "TANDEM_HOME";
    /** Transport name meaning "the highest-priority transport that can run here" (the default). */
    public static final String AUTO = "auto";

    private final Builder config;
    private final NetworkIdentity identity;
    private final DeviceRegistry devices;
    private final ProtocolRegistry protocols;
    private final EventBus events;
    private final NetworkingService service;
    private final DeviceInfo deviceInfo;

    private TandemNode(Builder b) throws IOException {
        this.config = b;
        this.identity = b.identity != null ? b.identity
                : NetworkIdentity.loadOrCreate(b.dataDir.resolve(NetworkIdentity.KEY_FILE));
        this.devices = b.persistDevices ? DeviceRegistry.open(b.dataDir.resolve(DeviceRegistry.FILE))
                : DeviceRegistry.inMemory();
        this.protocols = new ProtocolRegistry();
        b.protocols.forEach(protocols::register);
        protocols.discover(b.classLoader, b.discovery);
        this.events = new EventBus(identity.nodeId().shortForm());
        Transport transport = b.transport != null ? b.transport : chooseTransport(b, identity);
        this.deviceInfo = b.deviceInfo;
        Map<String, String> options = new LinkedHashMap<>(b.options);
        options.putIfAbsent("device.name", deviceInfo.name());
        options.putIfAbsent("device.os", deviceInfo.os());
        options.putIfAbsent("device.appVersion", deviceInfo.appVersion());
        this.service = new NetworkingService(identity, transport, protocols, devices, events, b.dataDir,
                options, b.maxHandlerThreads);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the transport and every protocol. Returns this node. */
    public TandemNode start() throws IOException {
        TransportConfig tc = TransportConfig.of(Map.of())
                .withBindAddress(new InetSocketAddress(config.bindHost, config.port))
                .withIdleTimeout(config.idleTimeout, config.keepAlive);
        try {
            service.start(tc);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    public NodeId id() {
        return identity.nodeId();
    }

    public NetworkIdentity identity() {
        return identity;
    }

    /** Where others can dial this node (valid after {@link #start()}). */
    public NodeAddr addr() {
        return service.localAddr();
    }

    public DeviceRegistry devices() {
        return devices;
    }

    public ProtocolRegistry protocols() {
        return protocols;
    }

    public EventBus events() {
        return events;
    }

    public NetworkingService networking() {
        return service;
    }

    public DeviceInfo deviceInfo() {
        return deviceInfo;
    }

    public Path dataDir() {
        return config.dataDir;
    }

    public List<URI> relayUrls() {
        return List.copyOf(config.relayUrls);
    }

    /** The transport's name ("kwik", "memory", ...). */
    public String transportName() {
        return service.transport().name();
    }

    /** A running protocol's handler by its API type, e.g. {@code node.protocol(Pairing.class)}. */
    public <T> Optional<T> protocol(Class<T> type) {
        return service.handler(type);
    }

    /** Dials a peer for a protocol. */
    public CompletableFuture<PeerConnection> connect(NodeAddr peer, String alpn) {
        return service.connect(peer, alpn);
    }

    /** Closes connections with a reason, drains handlers, persists devices. Idempotent. */
    @Override
    public void close() {
        service.close();
        events.close();
    }

    private static Transport chooseTransport(Builder b, NetworkIdentity identity) {
        List<TransportProvider> found = new ArrayList<>();
        ServiceLoader.load(TransportProvider.class, b.classLoader).forEach(found::add);
        if (b.transportName != null && !AUTO.equals(b.transportName)) {
            TransportProvider p = found.stream().filter(t -> t.name().equals(b.transportName)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no transport named '" + b.transportName
                            + "' on the class path; found: " + names(found)));
            if (!p.isAvailable()) {
                throw new IllegalStateException("transport '" + b.transportName + "' cannot run here: "
                        + p.unavailableReason());
            }
            return p.create(identity, b.options);
        }
        return found.stream().filter(TransportProvider::isAvailable)
                .max(Comparator.comparingInt(TransportProvider::priority))
                .orElseThrow(() -> new IllegalStateException("no transport on the class path; add "
                        + "dev.tandem:tandem-transport-quic (found: " + names(found) + ")"))
                .create(identity, b.options);
    }

    private static String names(List<TransportProvider> ps) {
        return ps.isEmpty() ? "none" : ps.stream().map(TransportProvider::name).collect(Collectors.joining(", "));
    }

    /** Default data directory: {@code $TANDEM_HOME}, else {@code ~/.tandem}. */
    public static Path defaultDataDir() {
        String env = System.getenv(HOME_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".tandem");
    }

    /** Configures a node. Every setting has a working default. */
    public static final class Builder {
        private Path dataDir = defaultDataDir();
        private String bindHost = "0.0.0.0";
        private int port;
        private final List<URI> relayUrls = new ArrayList<>();
        private final List<ProtocolProvider> protocols = new ArrayList<>();
        private DiscoveryMode discovery = DiscoveryMode.ON;
        private ClassLoader classLoader = TandemNode.class.getClassLoader();
        private Transport transport;
        private String transportName;
        private NetworkIdentity identity;
        private boolean persistDevices = true;
        private DeviceInfo deviceInfo = DeviceInfo.local("0.1.0");
        private final Map<String, String> options = new LinkedHashMap<>();
        private Duration idleTimeout = TransportConfig.DEFAULT_IDLE_TIMEOUT;
        private Duration keepAlive = TransportConfig.DEFAULT_KEEP_ALIVE;
        private int maxHandlerThreads = 256;

        private Builder() {
        }

        /** Where the key, the device registry and protocol files live. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir);
            return this;
        }

        /** UDP port to listen on; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Local address to bind, e.g. "127.0.0.1" to stay on loopback. Default: all interfaces. */
        public Builder bindHost(String host) {
            this.bindHost = Objects.requireNonNull(host);
            return this;
        }

        public Builder bindAddress(InetAddress address) {
            return bindHost(address.getHostAddress());
        }

        public Builder relayUrl(URI url) {
            relayUrls.add(Objects.requireNonNull(url));
            return this;
        }

        /** Serves a protocol; explicit registrations come before discovered ones and win. */
        public Builder protocol(ProtocolProvider provider) {
            protocols.add(Objects.requireNonNull(provider));
            return this;
        }

        /** What to do with protocols found on the class path. Default {@link DiscoveryMode#ON}. */
        public Builder discovery(DiscoveryMode mode) {
            this.discovery = Objects.requireNonNull(mode);
            return this;
        }

        /** Where ServiceLoader looks for protocol and transport providers. */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = Objects.requireNonNull(loader);
            return this;
        }

        /** Uses this transport instead of one found on the class path. */
        public Builder transport(Transport t) {
            this.transport = Objects.requireNonNull(t);
            return this;
        }

        /** Picks the transport provider with this name ("kwik", "netty", "memory"), or {@link #AUTO}. */
        public Builder transport(String name) {
            this.transportName = Objects.requireNonNull(name);
            return this;
        }

        /** Uses this identity instead of the key file in the data directory. */
        public Builder identity(NetworkIdentity id) {
            this.identity = Objects.requireNonNull(id);
            return this;
        }

        /** False keeps the device registry in memory only (tests, throwaway nodes). */
        public Builder persistDevices(boolean persist) {
            this.persistDevices = persist;
            return this;
        }

        /** What this node tells peers about itself. */
        public Builder deviceInfo(DeviceInfo info) {
            this.deviceInfo = Objects.requireNonNull(info);
            return this;
        }

        /** A node-wide option for transports and protocols ("quic.streamWindow", ...). */
        public Builder option(String key, String value) {
            options.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        /** Idle connections close after {@code idle}; keep-alives every {@code keepAlive} (ZERO = none). */
        public Builder idleTimeout(Duration idle, Duration keepAlive) {
            this.idleTimeout = idle;
            this.keepAlive = keepAlive;
            return this;
        }

        /** Most protocol handlers running at once (default 256). */
        public Builder maxHandlerThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("need at least one handler thread");
            }
            this.maxHandlerThreads = n;
            return this;
        }

        /** Loads or creates the identity and assembles the node; call {@link TandemNode#start()} next. */
        public TandemNode build() throws IOException {
            return new TandemNode(this);
        }
    }
}
