package dev.tandem.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.core.NodeId;
import dev.tandem.core.TandemNode;
import dev.tandem.core.device.DeviceState;
import dev.tandem.core.internal.OptionValues;
import dev.tandem.core.io.Frames;
import dev.tandem.core.io.MalformedFrameException;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed JSON messages between paired devices (ALPN {@value #ALPN}).
 *
 * <pre>{@code
 * Messaging m = Messaging.of(node);
 * m.register("acme.note", Note.class);
 * m.onMessage(Note.class, (from, note) -> show(note));
 * m.send(device, new Note("hi")).join();
 * Answer a = m.request(device, new Query(42), Answer.class, Duration.ofSeconds(5)).join();
 * }</pre>
 *
 * <ul>
 *   <li>Ordering: fire-and-forget messages from one peer reach their listeners in the order that peer sent
 *       them (one stream per connection, one listener queue per connection). Requests are handled
 *       concurrently; replies may come back in any order and are matched by id.</li>
 *   <li>A slow or failing listener or handler runs on the node's executor and delays only its own peer.</li>
 *   <li>Frames above {@value #MAX_FRAME_OPTION} (default 1 MiB) or malformed envelopes end that
 *       connection with {@link CloseCode#PROTOCOL_ERROR}; the node and other peers carry on.</li>
 *   <li>An unknown type gets a typed error reply ({@link RemoteErrorException#UNKNOWN_TYPE}).</li>
 * </ul>
 */
public final class Messaging implements ProtocolHandler {
    public static final String ALPN = "tandem/messaging/1";
    /** Node option: largest frame accepted, in bytes. */
    public static final String MAX_FRAME_OPTION = "messaging.maxFrameBytes";
    /**
     * Option: a request that has waited this long with nothing received on its channel since triggers a liveness
     * ping, and a ping unanswered as long closes the connection ({@link ChannelProbe}); 0 turns it off.
     */
    public static final String PROBE_AFTER_OPTION = "messaging.probeAfterMillis";
    static final long DEFAULT_PROBE_AFTER_MILLIS = 2000;
    /** Default request timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final String PING = "tandem.ping";
    static final String PONG = "tandem.pong";
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
    /** How long request handlers may all be busy, with requests queued, before another worker joins them. */
    static final long HANDLER_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final Logger log = LoggerFactory.getLogger(Messaging.class);

    /** Body of the built-in ping and pong. */
    record Ping(long nonce) { }

    private final ProtocolContext ctx;
    private final EnvelopeCodec codec;
    private final int maxFrame;
    private final MessageTypes types = new MessageTypes();
    private final Map<Class<?>, List<MessageListener<Object>>> listeners = new ConcurrentHashMap<>();
    private final Map<Class<?>, RequestHandler<Object, ?>> handlers = new ConcurrentHashMap<>();
    private final Map<NodeId, Channel> channels = new ConcurrentHashMap<>();   // the one to send on, per peer
    private final java.util.Set<Channel> open = ConcurrentHashMap.newKeySet();  // every live channel
    private final Map<NodeId, CompletableFuture<Channel>> dialing = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private PresenceKeeper presence;
    private final ChannelProbe probe;
    private final ScheduledExecutorService timer;

    Messaging(ProtocolContext ctx) {
        this.ctx = ctx;
        this.codec = new EnvelopeCodec(EnvelopeCodec.defaultMapper());
        this.maxFrame = Integer.parseInt(ctx.options().getOrDefault(MAX_FRAME_OPTION, String.valueOf(Frames.DEFAULT_MAX)));
        long probeAfter = probeAfterMillis(ctx.options());
        String label = ctx.nodeId().shortForm();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-msg-workers-" + label);
            t.setDaemon(true);
            return t;
        });
        // The probe has a thread of its own: its pings may block on a stuck channel, and must not delay the checks.
        this.probe = probeAfter == 0 ? null : new ChannelProbe(open, Duration.ofMillis(probeAfter), label);
        register(Chat.TYPE, Chat.class);
        register(PING, Ping.class);
        register(PONG, Pong.class);
        onRequest(Ping.class, (from, p) -> new Pong(p.nonce()));
    }

    private static long probeAfterMillis(Map<String, String> options) {
        long ms = OptionValues.number(options, PROBE_AFTER_OPTION, DEFAULT_PROBE_AFTER_MILLIS);
        if (ms < 0) {
            throw new IllegalArgumentException("option " + PROBE_AFTER_OPTION + " must be >= 0, got " + ms);
        }
        return ms;
    }

    /** Body of the built-in pong. */
    record Pong(long nonce) { }

    /** The messaging API of a running node. */
    public static Messaging of(TandemNode node) {
        return node.protocol(Messaging.class).orElseThrow(() -> new IllegalStateException(
                "messaging is not running on this node; add tandem-protocol-messaging to the class path"));
    }

    /** Maps a type name on the wire to a Java type (a record or a Jackson-readable class). */
    public <T> Messaging register(String name, Class<T> type) {
        types.register(name, type);
        return this;
    }

    /** Listens for fire-and-forget messages of a registered type. */
    @SuppressWarnings("unchecked")
    public <T> Messaging onMessage(Class<T> type, MessageListener<? super T> listener) {
        types.nameOfType(type);
        listeners.computeIfAbsent(type, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add((MessageListener<Object>) listener);
        return this;
    }

    /** Answers requests of a registered type; one handler per type. */
    @SuppressWarnings("unchecked")
    public <Q, R> Messaging onRequest(Class<Q> type, RequestHandler<? super Q, R> handler) {
        types.nameOfType(type);
        if (handlers.putIfAbsent(type, (RequestHandler<Object, ?>) handler) != null) {
            throw new IllegalStateException("a request handler for " + type.getName() + " is already set");
        }
        return this;
    }

    /**
     * Sends a message and completes when it was handed to the transport.
     *
     * @throws IllegalArgumentException at once if the message's class is not a registered type
     */
    public CompletableFuture<Void> send(NodeId device, Object message) {
        String type = types.nameOf(message);
        JsonNode body = codec.mapper().valueToTree(message);
        return channel(device).thenAccept(ch -> {
            try {
                ch.send(new Envelope(Envelope.MSG, 0, type, body, null, null));
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        });
    }

    /**
     * Sends a request and waits up to {@code timeout} for its typed reply. The future fails with
     * {@link RemoteErrorException} for an error reply, {@link MessagingException} on timeout, and the
     * transport's exception (e.g. {@link dev.tandem.core.transport.PeerUnreachableException}) when the
     * device cannot be reached.
     *
     * @throws IllegalArgumentException at once if the message or reply class is not a registered type
     */
    public <R> CompletableFuture<R> request(NodeId device, Object message, Class<R> replyType, Duration timeout) {
        String type = types.nameOf(message);
        types.nameOfType(replyType);
        JsonNode body = codec.mapper().valueToTree(message);
        CompletableFuture<R> result = new CompletableFuture<>();
        channel(device).whenComplete((ch, err) -> {
            if (err != null) {
                result.completeExceptionally(unwrap(err));
                return;
            }
            long id = ch.nextId();
            CompletableFuture<Envelope> reply = new Channel.PendingReply(System.nanoTime());
            ch.pending.put(id, reply);
            reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((env, e) -> {
                ch.pending.remove(id);
                if (e != null) {
                    Throwable cause = unwrap(e);
                    result.completeExceptionally(cause instanceof TimeoutException
                            ? new MessagingException("no reply from " + device.shortForm() + " within "
                                    + timeout.toMillis() + " ms", cause)
                            : cause);
                    return;
                }
                complete(result, env, replyType);
            });
            try {
                ch.send(new Envelope(Envelope.REQ, id, type, body, null, null));
            } catch (IOException e) {
                reply.completeExceptionally(e);
            }
        });
        return result;
    }

    /** {@link #request(NodeId, Object, Class, Duration)} with the default 30 s timeout. */
    public <R> CompletableFuture<R> request(NodeId device, Object message, Class<R> replyType) {
        return request(device, message, replyType, DEFAULT_TIMEOUT);
    }

    /**
     * Keeps every paired device connected while this node runs: the side with the lower node id dials and
     * pings every {@code interval}, reconnecting with exponential backoff up to {@code maxBackoff}. Close the
     * returned handle to stop (node shutdown stops it too).
     */
    public synchronized AutoCloseable keepConnected(Duration interval, Duration maxBackoff) {
        if (presence != null) {
            presence.close();
        }
        presence = new PresenceKeeper(this, ctx.devices(), ctx.nodeId(), interval, maxBackoff);
        return presence;
    }

    /** Measures the round-trip time to a device and records it on the device in the registry. */
    public CompletableFuture<Duration> ping(NodeId device) {
        long nonce = System.nanoTime();
        long start = System.nanoTime();
        return request(device, new Ping(nonce), Pong.class, Duration.ofSeconds(10)).thenApply(p -> {
            if (p.nonce() != nonce) {
                throw new CompletionException(new MessagingException("pong does not answer this ping"));
            }
            Duration rtt = Duration.ofNanos(System.nanoTime() - start);
            try {
                ctx.devices().update(device, d -> d.withRoundTrip(rtt));
            } catch (IllegalArgumentException e) {
                log.debug("round trip to {} not recorded: {}", device.shortForm(), e.getMessage());
            }
            return rtt;
        });
    }

    private void complete(CompletableFuture<?> result, Envelope env, Class<?> replyType) {
        if (Envelope.ERR.equals(env.kind())) {
            result.completeExceptionally(new RemoteErrorException(env.code(), env.message()));
            return;
        }
        try {
            Object value = codec.mapper().treeToValue(env.body(), replyType);
            @SuppressWarnings("unchecked")
            CompletableFuture<Object> r = (CompletableFuture<Object>) result;
            r.complete(value);
        } catch (IOException | IllegalArgumentException e) {
            result.completeExceptionally(new MessagingException("reply is not a valid " + replyType.getSimpleName(), e));
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The open channel to a device, dialling if there is none; concurrent callers share one dial. */
    private CompletableFuture<Channel> channel(NodeId device) {
        if (closed) {
            return CompletableFuture.failedFuture(new MessagingException("messaging is shut down"));
        }
        Channel ch = channels.get(device);
        if (ch != null && ch.isOpen()) {
            return CompletableFuture.completedFuture(ch);
        }
        CompletableFuture<Channel> mine = new CompletableFuture<>();
        CompletableFuture<Channel> existing = dialing.putIfAbsent(device, mine);
        if (existing != null) {
            return existing;
        }
        ctx.connect(device, ALPN).thenApply(conn -> {
            try {
                PeerStream s = conn.openBidirectional();
                Channel c = newChannel(conn, s);
                c.send(new Envelope(Envelope.HELLO, 0, null, null, null, null));
                channels.put(device, c);
                open.add(c);
                startReader(c);
                return c;
            } catch (IOException e) {
                conn.close(CloseCode.INTERNAL_ERROR, "messaging setup failed");
                throw new UncheckedIOException(e);
            }
        }).whenComplete((c, e) -> {
            // Removed before completing, so a caller woken by the failure can start a fresh dial.
            dialing.remove(device, mine);
            if (e != null) {
                mine.completeExceptionally(unwrapIo(e));
            } else {
                mine.complete(c);
            }
        });
        return mine;
    }

    private static Throwable unwrapIo(Throwable e) {
        Throwable t = unwrap(e);
        return t instanceof UncheckedIOException u ? u.getCause() : t;
    }

    private Channel newChannel(PeerConnection connection, PeerStream stream) {
        return new Channel(connection, stream, codec, new SerialExecutor(ctx.executor()),
                new RequestWorkers(ctx.executor(), timer, HANDLER_LAG_NANOS));
    }

    private void startReader(Channel c) {
        try {
            ctx.executor().execute(() -> readLoop(c));
        } catch (RejectedExecutionException e) {
            c.close(CloseCode.BUSY, "node too busy");
        }
    }

    /** Serves an inbound connection: the dialler's first frame must be a hello, then envelopes flow. */
    @Override
    public void accept(PeerConnection connection) throws Exception {
        PeerStream s = connection.acceptStream();
        s.setReadTimeout(HELLO_TIMEOUT);
        Envelope hello = codec.decode(Frames.readRequired(s.input(), maxFrame));
        if (!Envelope.HELLO.equals(hello.kind())) {
            connection.close(CloseCode.PROTOCOL_ERROR, "expected hello");
            return;
        }
        s.setReadTimeout(Duration.ZERO);
        Channel c = newChannel(connection, s);
        channels.put(connection.remoteNodeId(), c);
        open.add(c);
        readLoop(c);
    }

    private void readLoop(Channel c) {
        // Buffered: one transport read serves many small frames.
        InputStream in = new java.io.BufferedInputStream(c.stream().input(), 64 * 1024);
        try {
            while (true) {
                byte[] frame = Frames.read(in, maxFrame);
                c.received();
                if (frame == null) {
                    c.close(CloseCode.NORMAL, "");
                    return;
                }
                dispatch(c, codec.decode(frame));
            }
        } catch (MalformedFrameException e) {
            log.warn("closing messaging connection from {}: {}", c.peer().shortForm(), e.getMessage());
            c.protocolError(e.getMessage());
        } catch (ConnectionClosedException e) {
            c.fail(e);
        } catch (IOException e) {
            log.debug("messaging connection to {} ended: {}", c.peer().shortForm(), e.toString());
            c.close(CloseCode.INTERNAL_ERROR, "read failed");
        } finally {
            channels.remove(c.peer(), c);
            open.remove(c);
        }
    }

    private void dispatch(Channel c, Envelope e) throws IOException {
        switch (e.kind()) {
            case Envelope.MSG -> onMsg(c, e);
            case Envelope.REQ -> onReq(c, e);
            case Envelope.RES, Envelope.ERR -> {
                CompletableFuture<Envelope> waiting = c.pending.remove(e.id());
                if (waiting != null) {
                    waiting.complete(e);
                } else if (e.id() == 0 && Envelope.ERR.equals(e.kind())) {
                    log.warn("{} refused a message: {} {}", c.peer().shortForm(), e.code(), e.message());
                } else {
                    log.info("dropped a late or unknown reply {} from {}", e.id(), c.peer().shortForm());
                }
            }
            case Envelope.BYE -> onBye(c, e);
            default -> throw new MalformedFrameException("unknown message kind '" + e.kind() + "'");
        }
    }

    private void onMsg(Channel c, Envelope e) throws IOException {
        Optional<Class<?>> type = types.type(e.type());
        if (type.isEmpty()) {
            c.send(new Envelope(Envelope.ERR, 0, null, null, RemoteErrorException.UNKNOWN_TYPE,
                    "no listener for '" + e.type() + "'"));
            return;
        }
        Object value;
        try {
            value = codec.mapper().treeToValue(e.body(), type.get());
        } catch (IOException | IllegalArgumentException ex) {
            c.send(new Envelope(Envelope.ERR, 0, null, null, RemoteErrorException.BAD_MESSAGE, ex.getMessage()));
            return;
        }
        NodeId from = c.peer();
        List<MessageListener<Object>> ls = listeners.getOrDefault(type.get(), List.of());
        c.listeners.execute(() -> {
            for (MessageListener<Object> l : ls) {
                try {
                    l.onMessage(from, value);
                } catch (Exception ex) {
                    log.warn("listener for {} failed on a message from {}", e.type(), from.shortForm(), ex);
                }
            }
            ctx.events().publish(new MessageReceived(from, e.type(), value));
        });
    }

    private void onReq(Channel c, Envelope e) throws IOException {
        Optional<Class<?>> type = types.type(e.type());
        RequestHandler<Object, ?> h = type.map(handlers::get).orElse(null);
        if (h == null) {
            c.send(new Envelope(Envelope.ERR, e.id(), null, null, RemoteErrorException.UNKNOWN_TYPE,
                    "no handler for '" + e.type() + "'"));
            return;
        }
        if (type.get() == Ping.class) {
            answer(c, e, Ping.class, h); // on the reader: a pong must not queue behind slow handlers (ChannelProbe)
            return;
        }
        c.requests.execute(() -> answer(c, e, type.get(), h));
    }

    private void answer(Channel c, Envelope e, Class<?> type, RequestHandler<Object, ?> h) {
        Envelope reply;
        try {
            Object request = codec.mapper().treeToValue(e.body(), type);
            Object result = h.handle(c.peer(), request);
            reply = new Envelope(Envelope.RES, e.id(), types.nameOf(result), codec.mapper().valueToTree(result), null, null);
        } catch (MessagingError err) {
            reply = new Envelope(Envelope.ERR, e.id(), null, null, err.code(), err.getMessage());
        } catch (IOException | IllegalArgumentException ex) {
            reply = new Envelope(Envelope.ERR, e.id(), null, null, RemoteErrorException.BAD_MESSAGE, ex.getMessage());
        } catch (Exception ex) {
            log.warn("request handler for {} failed on a request from {}", e.type(), c.peer().shortForm(), ex);
            reply = new Envelope(Envelope.ERR, e.id(), null, null, RemoteErrorException.HANDLER_FAILED,
                    ex.getClass().getSimpleName());
        }
        try {
            c.send(reply);
        } catch (IOException ex) {
            log.debug("could not answer {} from {}: {}", e.id(), c.peer().shortForm(), ex.toString());
        }
    }

    private void onBye(Channel c, Envelope e) {
        NodeId peer = c.peer();
        log.info("{} said goodbye: {}", peer.shortForm(), e.message());
        ctx.devices().get(peer).filter(d -> d.state() == DeviceState.CONNECTED).ifPresent(d -> {
            try {
                ctx.devices().disconnected(peer);
            } catch (IllegalStateException ex) {
                log.debug("device {} already moved on: {}", peer.shortForm(), ex.getMessage());
            }
        });
        c.close(CloseCode.NORMAL, "goodbye");
    }

    /** Says goodbye to every connected peer, so they mark this device DISCONNECTED at once. */
    @Override
    public void close() {
        closed = true;
        if (probe != null) {
            probe.close();
        }
        timer.shutdownNow();
        synchronized (this) {
            if (presence != null) {
                presence.close();
            }
        }
        for (Channel c : open) {   // every channel: a peer may be reading any of them
            try {
                c.send(new Envelope(Envelope.BYE, 0, null, null, null, "shutting down"));
            } catch (IOException e) {
                log.debug("no goodbye to {}: {}", c.peer().shortForm(), e.toString());
            }
        }
    }
}
