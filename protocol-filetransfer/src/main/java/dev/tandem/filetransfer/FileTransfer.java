package dev.tandem.filetransfer;

import dev.tandem.core.NodeId;
import dev.tandem.core.TandemNode;
import dev.tandem.core.internal.OptionValues;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.transport.PeerConnection;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypted, verified, resumable file transfer between paired devices (ALPN {@value #ALPN}).
 *
 * <pre>{@code
 * Transfer t = FileTransfer.of(node).send(device, List.of(Path.of("photos"), Path.of("notes.txt")));
 * node.events().subscribe(TransferProgress.class, p -> show(p.fraction(), p.eta()));
 * TransferResult r = t.result().join();
 * }</pre>
 *
 * <ul>
 *   <li>The sender offers names, sizes and mtimes; the receiver's {@link ReceivePolicy} accepts (choosing the
 *       folder) or rejects. Names are sanitised by the receiver ({@link Names}); nothing is written through a
 *       symlink and nothing is overwritten.</li>
 *   <li>Chunks are AES-256-GCM encrypted end to end under a per-transfer key derived with HKDF-SHA256 from the
 *       pair secret ({@link SessionCipher}); each file's SHA-256 is verified before its part file is renamed
 *       into place.</li>
 *   <li>The receiver journals verified progress durably; after a dropped connection, a stall, or a restart of
 *       either side the transfer continues from the last verified byte. The transfer id is derived from both
 *       node ids and the offered entries (paths, sizes, mtimes), so sending the same files again resumes.</li>
 * </ul>
 *
 * Node options (all optional): {@code filetransfer.chunkSize}, {@code filetransfer.maxFiles},
 * {@code filetransfer.maxTotalBytes}, {@code filetransfer.maxOfferBytes}, {@code filetransfer.stallTimeoutMillis},
 * {@code filetransfer.decisionTimeoutMillis}, {@code filetransfer.retries}, {@code filetransfer.retryBaseMillis},
 * {@code filetransfer.retryMaxMillis}, {@code filetransfer.maxBytesPerSecond},
 * {@code filetransfer.checkpointBytes}, {@code filetransfer.checkpointMillis}, {@code filetransfer.syncAheadBytes}
 * (a received file is forced to disk in the background every this many bytes, so a checkpoint waits for little;
 * 0: off), {@code filetransfer.warmup}
 * ({@code true}: compile the crypto path in the background at start, see {@link CryptoWarmup}).
 */
public final class FileTransfer implements ProtocolHandler {
    public static final String ALPN = "tandem/filetransfer/1";
    /** Default chunk size: measured with {@link TransferBench} (see the module's README figures). */
    public static final int DEFAULT_CHUNK = 64 * 1024;
    static final int MIN_CHUNK = 16 * 1024;
    static final int MAX_CHUNK = 4 * 1024 * 1024;
    /** Progress events per transfer per second, at most. */
    public static final int PROGRESS_PER_SECOND = 10;
    private static final Logger log = LoggerFactory.getLogger(FileTransfer.class);

    private final ProtocolContext ctx;
    private final Map<String, OutgoingTransfer> outgoing = new ConcurrentHashMap<>();
    private final Map<String, IncomingSession> incoming = new ConcurrentHashMap<>();
    private final List<Consumer<Transfer>> incomingListeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService watchdog;
    private volatile ReceivePolicy policy;
    private volatile FileSink.Factory sinkFactory = FileSink.DEFAULT;
    private volatile long maxBytesPerSecond;
    private volatile boolean closing;
    private final int chunkSize;
    private final int maxFiles;
    private final long maxTotalBytes;
    private final int maxOfferBytes;
    private final Duration stallTimeout;
    private final Duration decisionTimeout;
    private final int retries;
    private final long retryBaseMillis;
    private final long retryMaxMillis;
    private final long checkpointBytes;
    private final long checkpointNanos;
    private final long syncAheadBytes;

    FileTransfer(ProtocolContext ctx) {
        this.ctx = ctx;
        Map<String, String> o = ctx.options();
        this.chunkSize = (int) option(o, "chunkSize", DEFAULT_CHUNK, MIN_CHUNK, MAX_CHUNK);
        this.maxFiles = (int) option(o, "maxFiles", 100_000, 1, 10_000_000);
        this.maxTotalBytes = option(o, "maxTotalBytes", 1L << 44, 0, Long.MAX_VALUE);
        this.maxOfferBytes = (int) option(o, "maxOfferBytes", 16 << 20, 1024, 256 << 20);
        this.stallTimeout = Duration.ofMillis(option(o, "stallTimeoutMillis", 30_000, 100, 3_600_000));
        this.decisionTimeout = Duration.ofMillis(option(o, "decisionTimeoutMillis", 300_000, 100, 86_400_000));
        this.retries = (int) option(o, "retries", 8, 0, 1000);
        this.retryBaseMillis = option(o, "retryBaseMillis", 250, 1, 600_000);
        this.retryMaxMillis = option(o, "retryMaxMillis", 10_000, 1, 3_600_000);
        this.maxBytesPerSecond = option(o, "maxBytesPerSecond", 0, 0, Long.MAX_VALUE);
        this.checkpointBytes = option(o, "checkpointBytes", 32L << 20, 1, Long.MAX_VALUE);
        this.checkpointNanos = option(o, "checkpointMillis", 1000, 1, 3_600_000) * 1_000_000L;
        this.syncAheadBytes = option(o, "syncAheadBytes", 8L << 20, 0, Long.MAX_VALUE);
        if (OptionValues.flag(o, "filetransfer.warmup", true)) {
            CryptoWarmup.startOnce();
        }
        Path inbox = ctx.dataDir().resolve("inbox");
        this.policy = offer -> ReceivePolicy.Decision.accept(inbox.resolve(Names.sanitizeName(offer.from().displayName())));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-ft-watchdog-" + ctx.nodeId().shortForm());
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            outgoing.values().forEach(t -> t.checkStall(now));
        }, 1, 1, TimeUnit.SECONDS);
    }

    private static long option(Map<String, String> o, String key, long def, long min, long max) {
        String v = o.get("filetransfer." + key);
        if (v == null) {
            return def;
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option filetransfer." + key + " is not a number: '" + v + "'", e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("option filetransfer." + key + " must be " + min + ".." + max + ", got " + n);
        }
        return n;
    }

    /** The file transfer API of a running node. */
    public static FileTransfer of(TandemNode node) {
        return node.protocol(FileTransfer.class).orElseThrow(() -> new IllegalStateException(
                node.protocols().failures().stream()
                        .filter(f -> f.providerName().equals(FileTransferProvider.class.getName())).findFirst()
                        .map(f -> "file transfer did not start on this node: " + Objects.requireNonNullElse(
                                f.error().getMessage(), f.error().toString()))
                        .orElse("file transfer is not running on this node; add tandem-protocol-filetransfer to the "
                                + "class path")));
    }

    /**
     * Sends files and folders (with their trees) to a paired device. Symlinks are skipped, never followed.
     * Sending the same paths (unchanged) to the same device again, even after a restart, resumes where the
     * receiver stopped; while a transfer of them is running, its handle is returned.
     *
     * @throws TransferException {@link TransferError#SOURCE} if a path cannot be read, {@link TransferError#NOT_PAIRED}
     */
    public Transfer send(NodeId device, List<Path> paths) throws TransferException {
        Objects.requireNonNull(device);
        if (closing) {
            throw new TransferException(TransferError.NETWORK, "the node is shutting down");
        }
        if (!ctx.devices().isPaired(device)) {
            throw new TransferException(TransferError.NOT_PAIRED, "device " + device.shortForm() + " is not paired");
        }
        List<OutgoingTransfer.Source> sources = scan(paths);
        String id = OutgoingTransfer.transferId(ctx.nodeId(), device, sources.stream().map(OutgoingTransfer.Source::entry).toList());
        OutgoingTransfer[] created = new OutgoingTransfer[1];
        OutgoingTransfer t = outgoing.computeIfAbsent(id, k -> created[0] = new OutgoingTransfer(this, device, sources, id,
                chunkSize));
        if (created[0] != null) {
            try {
                ctx.executor().execute(t);
            } catch (RuntimeException e) {
                outgoing.remove(id, t);
                throw new TransferException(TransferError.NETWORK, "the node is too busy to start a transfer", e);
            }
        }
        return t.handle();
    }

    /** Walks the sources: files by name, folders as trees (sorted), symlinks skipped. */
    static List<OutgoingTransfer.Source> scan(List<Path> paths) throws TransferException {
        if (paths == null || paths.isEmpty()) {
            throw new TransferException(TransferError.SOURCE, "nothing to send");
        }
        List<OutgoingTransfer.Source> out = new ArrayList<>();
        for (Path p0 : paths) {
            Path p = p0.toAbsolutePath().normalize();
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String root = p.getFileName() == null ? "root" : p.getFileName().toString();
                if (a.isSymbolicLink()) {
                    log.warn("not sending {}: it is a symlink, and symlinks are not followed", p);
                } else if (a.isRegularFile()) {
                    out.add(new OutgoingTransfer.Source(new Wire.Entry(0, root, false, a.size(),
                            a.lastModifiedTime().toMillis()), p));
                } else if (a.isDirectory()) {
                    List<OutgoingTransfer.Source> tree = new ArrayList<>();
                    Files.walkFileTree(p, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE,
                            new SimpleFileVisitor<>() {
                                @Override
                                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                                    tree.add(new OutgoingTransfer.Source(new Wire.Entry(0, rel(root, p, dir), true, 0,
                                            attrs.lastModifiedTime().toMillis()), dir));
                                    return FileVisitResult.CONTINUE;
                                }

                                @Override
                                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                                    if (attrs.isRegularFile()) {
                                        tree.add(new OutgoingTransfer.Source(new Wire.Entry(0, rel(root, p, file), false,
                                                attrs.size(), attrs.lastModifiedTime().toMillis()), file));
                                    } else {
                                        log.warn("not sending {}: not a regular file (symlinks are not followed)", file);
                                    }
                                    return FileVisitResult.CONTINUE;
                                }
                            });
                    tree.sort(Comparator.comparing(s -> s.entry().path()));
                    out.addAll(tree);
                } else {
                    log.warn("not sending {}: not a regular file or folder", p);
                }
            } catch (IOException e) {
                throw new TransferException(TransferError.SOURCE, "cannot read " + p + ": " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new TransferException(TransferError.SOURCE, "nothing to send (only symlinks or special files)");
        }
        List<OutgoingTransfer.Source> numbered = new ArrayList<>(out.size());
        for (int i = 0; i < out.size(); i++) {
            Wire.Entry e = out.get(i).entry();
            numbered.add(new OutgoingTransfer.Source(new Wire.Entry(i, e.path(), e.dir(), e.size(), e.mtime()),
                    out.get(i).local()));
        }
        return numbered;
    }

    private static String rel(String root, Path base, Path p) {
        StringBuilder b = new StringBuilder(root);
        for (Path c : base.relativize(p)) {
            if (!c.toString().isEmpty()) {
                b.append('/').append(c);
            }
        }
        return b.toString();
    }

    /** Decides on incoming offers; the default accepts into {@code <data dir>/inbox/<device name>/}. */
    public FileTransfer receivePolicy(ReceivePolicy p) {
        this.policy = Objects.requireNonNull(p);
        return this;
    }

    /** Hears every accepted incoming transfer (one handle per connection), e.g. to offer a cancel button. */
    public AutoCloseable onIncoming(Consumer<Transfer> listener) {
        incomingListeners.add(listener);
        return () -> incomingListeners.remove(listener);
    }

    /** Replaces how part files are written (a test seam, e.g. to simulate a full disk). */
    public FileTransfer sinkFactory(FileSink.Factory f) {
        this.sinkFactory = Objects.requireNonNull(f);
        return this;
    }

    /** Limits this node's sending rate (0 = unlimited). */
    public FileTransfer maxBytesPerSecond(long rate) {
        if (rate < 0) {
            throw new IllegalArgumentException("negative rate");
        }
        this.maxBytesPerSecond = rate;
        return this;
    }

    /** The running outgoing transfer with this id, if any. */
    public Optional<Transfer> outgoing(String transferId) {
        return Optional.ofNullable(outgoing.get(transferId)).map(OutgoingTransfer::handle);
    }

    @Override
    public void accept(PeerConnection connection) throws Exception {
        new IncomingSession(this, connection).run();
    }

    /** Outgoing transfers stop (resumable by sending again); receivers save their progress as connections close. */
    @Override
    public void close() {
        closing = true;
        watchdog.shutdownNow();
    }

    // --- package-private plumbing -------------------------------------------------------------

    ProtocolContext ctx() {
        return ctx;
    }

    boolean isClosing() {
        return closing;
    }

    ReceivePolicy policy() {
        return policy;
    }

    FileSink.Factory sinkFactory() {
        return sinkFactory;
    }

    long maxBytesPerSecond() {
        return maxBytesPerSecond;
    }

    int chunkSize() {
        return chunkSize;
    }

    int maxFiles() {
        return maxFiles;
    }

    long maxTotalBytes() {
        return maxTotalBytes;
    }

    int maxOfferBytes() {
        return maxOfferBytes;
    }

    Duration stallTimeout() {
        return stallTimeout;
    }

    Duration decisionTimeout() {
        return decisionTimeout;
    }

    int retries() {
        return retries;
    }

    long retryBaseMillis() {
        return retryBaseMillis;
    }

    long retryMaxMillis() {
        return retryMaxMillis;
    }

    long checkpointBytes() {
        return checkpointBytes;
    }

    long syncAheadBytes() {
        return syncAheadBytes;
    }

    long checkpointNanos() {
        return checkpointNanos;
    }

    void outgoingEnded(String id, OutgoingTransfer t) {
        outgoing.remove(id, t);
    }

    /** Registers a session for a transfer id, first ending an older connection of the same transfer. */
    boolean claimIncoming(String id, IncomingSession s) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            IncomingSession old = incoming.putIfAbsent(id, s);
            if (old == null) {
                return true;
            }
            if (!old.supersede(Duration.ofSeconds(10))) {
                return false;
            }
            incoming.remove(id, old);
        }
        return false;
    }

    void releaseIncoming(String id, IncomingSession s) {
        incoming.remove(id, s);
    }

    void fireIncoming(Transfer t) {
        for (Consumer<Transfer> l : incomingListeners) {
            try {
                l.accept(t);
            } catch (RuntimeException e) {
                log.warn("incoming-transfer listener {} failed", l.getClass().getName(), e);
            }
        }
    }
}
