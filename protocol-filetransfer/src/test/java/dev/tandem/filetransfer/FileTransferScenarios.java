package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.TandemNode;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.testkit.TestNodes;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** File transfer behaviour, run once per transport by a subclass that says how to build a node. */
@Timeout(120)
public abstract class FileTransferScenarios {
    static final int MIB = 1 << 20;

    @TempDir
    Path dir;
    protected TandemNode a;
    protected TandemNode b;
    private final List<TandemNode> nodes = Collections.synchronizedList(new ArrayList<>());

    /**
     * A builder for a node keeping everything (identity included) under {@code dataDir}, so building again on
     * the same folder restarts the same node.
     */
    protected abstract TandemNode.Builder builder(Path dataDir) throws Exception;

    /** Kills a node's networking as a dying process would: no close frames. */
    protected abstract void crash(TandemNode node);

    protected TandemNode node(String name) throws Exception {
        TandemNode n = builder(dir.resolve(name)).deviceInfo(TestNodes.info(name)).build().start();
        nodes.add(n);
        return n;
    }

    /** Tells {@code from} where {@code to} is now (as discovery would after a restart). */
    protected void rediscover(TandemNode from, TandemNode to) {
        from.devices().discovered(to.id(), to.addr().directAddresses());
    }

    @BeforeEach
    void twoPairedNodes() throws Exception {
        a = node("a");
        b = node("b");
        TestNodes.pairDirectly(a, b);
    }

    @AfterEach
    void closeNodes() {
        List.copyOf(nodes).forEach(TandemNode::close);
    }

    // ---------------------------------------------------------------- helpers

    Path randomFile(Path p, long size, long seed) throws IOException {
        Files.createDirectories(p.getParent());
        Random r = new Random(seed);
        byte[] buf = new byte[MIB];
        try (var out = Files.newOutputStream(p)) {
            for (long left = size; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
        return p;
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[MIB];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    Path inbox(TandemNode receiver, String sender) {
        return receiver.dataDir().resolve("inbox").resolve(sender);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(90, TimeUnit.SECONDS);
    }

    static TransferException failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(90, TimeUnit.SECONDS));
        return assertInstanceOf(TransferException.class, e.getCause());
    }

    /** Completes when {@code node} reports receiving at least {@code bytes} of some transfer. */
    CountDownLatch receivedAtLeast(TandemNode node, long bytes) {
        CountDownLatch l = new CountDownLatch(1);
        node.events().subscribe(TransferProgress.class, p -> {
            if (p.direction() == Direction.RECEIVE && p.bytesDone() >= bytes) {
                l.countDown();
            }
        });
        return l;
    }

    /** Fails (typed) with the receiver's handle for the next incoming transfer. */
    BlockingQueue<Transfer> incoming(TandemNode node) {
        BlockingQueue<Transfer> q = new LinkedBlockingQueue<>();
        FileTransfer.of(node).onIncoming(q::add);
        return q;
    }

    static Map<String, String> tree(Path root) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String rel = root.relativize(p).toString();
                m.put(rel, Files.isDirectory(p) ? "dir" : Files.size(p) + ":" + sha256(p));
            }
        }
        return m;
    }

    static List<Path> partFiles(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".part")).toList();
        }
    }

    static List<Path> journals(TandemNode n) throws IOException {
        Path d = n.dataDir().resolve("filetransfer").resolve("incoming");
        if (!Files.exists(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.toString().endsWith(".json")).toList();
        }
    }

    // ---------------------------------------------------------------- scenarios

    @Test
    void aSingleFileArrivesVerifiedWithItsTimeAndProgressOnBothSides() throws Exception {
        Path src = randomFile(dir.resolve("src/report.bin"), 5 * MIB + 123, 1);
        Files.setLastModifiedTime(src, FileTime.fromMillis(1_600_000_000_000L));
        BlockingQueue<TransferProgress> sent = new LinkedBlockingQueue<>();
        BlockingQueue<TransferProgress> got = new LinkedBlockingQueue<>();
        a.events().subscribe(TransferProgress.class, sent::add);
        b.events().subscribe(TransferProgress.class, got::add);

        Transfer t = FileTransfer.of(a).send(b.id(), List.of(src));
        TransferResult r = await(t.result());

        Path dst = inbox(b, "a").resolve("report.bin");
        assertEquals(sha256(src), sha256(dst));
        assertEquals(sha256(src), r.files().get(0).sha256());
        assertEquals(1_600_000_000_000L, Files.getLastModifiedTime(dst).toMillis());
        assertEquals(src.toFile().length(), r.totalBytes());
        assertEquals(r.totalBytes(), r.bytesSent());
        assertEquals(1, r.attempts());
        assertTrue(partFiles(inbox(b, "a")).isEmpty());
        assertTrue(journals(b).isEmpty(), "journal removed after completion");
        // Progress reached both sides, ending at 100 %.
        assertTrue(waitFor(sent, p -> p.bytesDone() == p.bytesTotal()), "sender progress");
        assertTrue(waitFor(got, p -> p.bytesDone() == p.bytesTotal() && p.filesDone() == 1), "receiver progress");
    }

    private static boolean waitFor(BlockingQueue<TransferProgress> q, java.util.function.Predicate<TransferProgress> p)
            throws InterruptedException {
        for (TransferProgress e; (e = q.poll(20, TimeUnit.SECONDS)) != null; ) {
            if (p.test(e)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aFolderTreeArrivesWithEmptyFilesEmptyFoldersAndTimes() throws Exception {
        Path root = dir.resolve("src/album");
        randomFile(root.resolve("2024/summer/beach.jpg"), 700_000, 2);
        randomFile(root.resolve("2024/notes.txt"), 10, 3);
        Files.createDirectories(root.resolve("empty-folder"));
        Files.createFile(root.resolve("2024/empty.txt"));
        Files.setLastModifiedTime(root.resolve("2024/notes.txt"), FileTime.fromMillis(1_500_000_000_000L));
        Files.setLastModifiedTime(root.resolve("empty-folder"), FileTime.fromMillis(1_400_000_000_000L));
        Files.setLastModifiedTime(root.resolve("2024"), FileTime.fromMillis(1_300_000_000_000L));

        TransferResult r = await(FileTransfer.of(a).send(b.id(), List.of(root)).result());

        Path dst = inbox(b, "a").resolve("album");
        assertEquals(tree(root), tree(dst));
        assertEquals(1_500_000_000_000L, Files.getLastModifiedTime(dst.resolve("2024/notes.txt")).toMillis());
        assertEquals(1_400_000_000_000L, Files.getLastModifiedTime(dst.resolve("empty-folder")).toMillis());
        assertEquals(1_300_000_000_000L, Files.getLastModifiedTime(dst.resolve("2024")).toMillis());
        assertEquals(0, Files.size(dst.resolve("2024/empty.txt")));
        assertTrue(r.files().stream().anyMatch(f -> f.directory() && f.path().equals("album/empty-folder")));
    }

    @Test
    void hostileNamesAreSanitisedAndStayInsideTheInbox() throws Exception {
        List<String> names = List.of("../../escape.txt", "/etc/passwd", "C:\\Windows\\system.ini", "CON", "nul.txt",
                "bad\u0000na\u001bme.txt", "trailing. . .", "caf\u0065\u0301.txt", "a/../../../up.txt", "..",
                "x".repeat(400) + ".txt", "same.txt", "SAME.txt", "dir/../same.txt", "\u202egnp.exe");
        List<Wire.Entry> es = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            es.add(new Wire.Entry(i, names.get(i), false, 0, 1_000L));
        }
        try (RawSender s = new RawSender(a, b)) {
            byte[] reply = s.offer(RawSender.offer("0123456789abcdef0123456789abcdef", es));
            assertEquals(Wire.ACCEPT, reply[0]);
            byte[] empty = RawSender.sha256(new byte[0]);
            for (int i = 0; i < names.size(); i++) {
                s.fileEnd(i, 0, empty);
                assertEquals(Wire.FILE_OK, s.read()[0]);
            }
            s.done(names.size());
            assertEquals(Wire.COMPLETE, s.read()[0]);
        }
        Path inbox = inbox(b, "a");
        List<String> landed;
        {
            // The nodes keep writing their own state (atomic temp files come and go), so list what is there
            // without failing on a file that vanished mid-walk.
            List<Path> all = regularFilesUnder(b.dataDir().getParent());
            // Nothing outside b's inbox (apart from the two nodes' own state files and the test's sources).
            for (Path p : all) {
                if (p.getFileName().toString().contains("escape") || p.getFileName().toString().equals("up.txt")
                        || p.getFileName().toString().equals("passwd")) {
                    assertTrue(p.startsWith(inbox), p + " landed outside the inbox");
                }
            }
        }
        try (Stream<Path> w = Files.walk(inbox)) {
            landed = w.filter(Files::isRegularFile).map(p -> inbox.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
        assertEquals(names.size(), landed.size(), landed.toString());
        assertTrue(landed.contains("escape.txt"), landed.toString());
        assertTrue(landed.contains("etc/passwd"), landed.toString());
        assertTrue(landed.contains("C_/Windows/system.ini"), landed.toString());
        assertTrue(landed.contains("_CON"), landed.toString());
        assertTrue(landed.contains("_nul.txt"), landed.toString());
        assertTrue(landed.contains("badname.txt"), landed.toString());
        assertTrue(landed.contains("trailing"), landed.toString());
        assertTrue(landed.contains("caf\u00e9.txt"), landed.toString()); // NFC
        assertTrue(landed.contains("a/up.txt"), landed.toString());
        assertTrue(landed.contains("unnamed"), landed.toString());
        assertTrue(landed.contains("same.txt") && landed.contains("SAME (1).txt") && landed.contains("dir/same.txt"),
                landed.toString());
        assertTrue(landed.contains("gnp.exe"), landed.toString());
        for (String l : landed) {
            for (String c : l.split("/")) {
                assertTrue(c.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= Names.MAX_COMPONENT_BYTES, c);
                assertFalse(c.chars().anyMatch(ch -> ch < 0x20), c);
            }
        }
    }

    @Test
    void offersBeyondTheLimitsAreRefusedWithTypedErrors() throws Exception {
        record Case(Wire.Offer offer, TransferError expected) { }
        List<Wire.Entry> many = new ArrayList<>();
        for (int i = 0; i <= 100_000; i++) {
            many.add(new Wire.Entry(i, "f" + i, false, 0, 0));
        }
        List<Case> cases = List.of(
                new Case(RawSender.offer("00000000000000000000000000000001", many), TransferError.LIMIT_EXCEEDED),
                new Case(RawSender.offer("00000000000000000000000000000002",
                        List.of(new Wire.Entry(0, "y".repeat(5000), false, 1, 0))), TransferError.LIMIT_EXCEEDED),
                new Case(RawSender.offer("00000000000000000000000000000003",
                        List.of(new Wire.Entry(0, "huge", false, 1L << 50, 0))), TransferError.LIMIT_EXCEEDED),
                new Case(new Wire.Offer(1, "00000000000000000000000000000004", 65536, 1, Long.MAX_VALUE, "AAAAAAAAAAAAAAAAAAAAAA==",
                        List.of(new Wire.Entry(0, "a", false, Long.MAX_VALUE, 0), new Wire.Entry(1, "b", false, 5, 0))),
                        TransferError.PROTOCOL),
                new Case(new Wire.Offer(1, "00000000000000000000000000000005", 65536, 7, 0, "AAAAAAAAAAAAAAAAAAAAAA==",
                        List.of(new Wire.Entry(0, "a", false, 0, 0))), TransferError.PROTOCOL),
                new Case(RawSender.offer("../../../../etc", List.of(new Wire.Entry(0, "a", false, 0, 0))),
                        TransferError.PROTOCOL),
                new Case(RawSender.offer("00000000000000000000000000000006",
                        List.of(new Wire.Entry(0, "neg", false, -5, 0))), TransferError.PROTOCOL));
        for (Case c : cases) {
            try (RawSender s = new RawSender(a, b)) {
                byte[] reply = s.offer(c.offer());
                assertEquals(Wire.REJECT, reply[0], "offer " + c.offer().id());
                assertEquals(c.expected().name(), Wire.parse(reply, Wire.Reject.class).code(), "offer " + c.offer().id());
            }
        }
        assertFalse(Files.exists(inbox(b, "a")), "nothing was created for refused offers");
    }

    @Test
    void theReceiverCanRejectAndTheSenderHearsWhy() throws Exception {
        FileTransfer.of(b).receivePolicy(o -> ReceivePolicy.Decision.reject("not today, " + o.from().displayName()));
        Path src = randomFile(dir.resolve("src/x.bin"), 1000, 4);
        TransferException e = failure(FileTransfer.of(a).send(b.id(), List.of(src)).result());
        assertEquals(TransferError.REJECTED, e.error());
        assertTrue(e.byPeer());
        assertTrue(e.getMessage().contains("not today, a"), e.getMessage());
        assertFalse(Files.exists(inbox(b, "a")));
    }

    @Test
    void theSenderCancelsAndTheReceiverCleansUp() throws Exception {
        FileTransfer.of(a).maxBytesPerSecond(8L * MIB);
        BlockingQueue<Transfer> in = incoming(b);
        CountDownLatch started = receivedAtLeast(b, 2 * MIB);
        Path src = randomFile(dir.resolve("src/big.bin"), 64 * MIB, 5);
        Transfer t = FileTransfer.of(a).send(b.id(), List.of(src));
        assertTrue(started.await(30, TimeUnit.SECONDS));
        Transfer receiving = in.poll(10, TimeUnit.SECONDS);
        t.cancel("user pressed stop");

        TransferException mine = failure(t.result());
        assertEquals(TransferError.CANCELLED, mine.error());
        assertFalse(mine.byPeer());
        TransferException theirs = failure(receiving.result());
        assertEquals(TransferError.CANCELLED, theirs.error());
        assertTrue(theirs.byPeer());
        assertTrue(theirs.getMessage().contains("user pressed stop"), theirs.getMessage());
        assertTrue(partFiles(inbox(b, "a")).isEmpty(), "part file removed");
        assertTrue(journals(b).isEmpty(), "journal removed");
    }

    @Test
    void theReceiverCancelsAndTheSenderHearsWhy() throws Exception {
        FileTransfer.of(a).maxBytesPerSecond(8L * MIB);
        BlockingQueue<Transfer> in = incoming(b);
        CountDownLatch started = receivedAtLeast(b, 2 * MIB);
        Path src = randomFile(dir.resolve("src/big.bin"), 64 * MIB, 6);
        Transfer t = FileTransfer.of(a).send(b.id(), List.of(src));
        assertTrue(started.await(30, TimeUnit.SECONDS));
        Transfer receiving = in.poll(10, TimeUnit.SECONDS);
        receiving.cancel("no room for videos");

        TransferException theirs = failure(t.result());
        assertEquals(TransferError.CANCELLED, theirs.error());
        assertTrue(theirs.byPeer());
        assertTrue(theirs.getMessage().contains("no room for videos"), theirs.getMessage());
        assertEquals(TransferError.CANCELLED, failure(receiving.result()).error());
        assertTrue(partFiles(inbox(b, "a")).isEmpty(), "part file removed");
        assertTrue(journals(b).isEmpty(), "journal removed");
    }

    @Test
    void aTamperedChunkIsDetectedAndNothingLands() throws Exception {
        BlockingQueue<TransferFinished> ends = new LinkedBlockingQueue<>();
        b.events().subscribe(TransferFinished.class, ends::add);
        byte[] data = new byte[100_000];
        new Random(7).nextBytes(data);
        try (RawSender s = new RawSender(a, b)) {
            assertEquals(Wire.ACCEPT, s.offer(RawSender.offer("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                    List.of(new Wire.Entry(0, "victim.bin", false, data.length, 0))))[0]);
            s.chunk(0, 0, 0, java.util.Arrays.copyOf(data, 65536), true);
            assertEquals(TransferError.INTEGRITY, s.readError());
        }
        TransferFinished f = ends.poll(20, TimeUnit.SECONDS);
        assertEquals(TransferError.INTEGRITY, f.error().orElseThrow());
        assertFalse(Files.exists(inbox(b, "a").resolve("victim.bin")));
    }

    @Test
    void aWrongWholeFileHashIsDetectedAndThePartFileDeleted() throws Exception {
        wholeFileHashMismatch(100_000, 8, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"); // 2 chunks: hashed on the receiving thread
    }

    @Test
    void aWrongWholeFileHashOfAPipelinedFileIsDetectedToo() throws Exception {
        wholeFileHashMismatch(6 * 65536 + 1234, 18, "cccccccccccccccccccccccccccccccc"); // hashed in the background
    }

    private void wholeFileHashMismatch(int size, long seed, String transferId) throws Exception {
        BlockingQueue<TransferFinished> ends = new LinkedBlockingQueue<>();
        b.events().subscribe(TransferFinished.class, ends::add);
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        try (RawSender s = new RawSender(a, b)) {
            assertEquals(Wire.ACCEPT, s.offer(RawSender.offer(transferId,
                    List.of(new Wire.Entry(0, "victim.bin", false, data.length, 0))))[0]);
            for (int off = 0, ci = 0; off < data.length; off += 65536, ci++) {
                s.chunk(0, ci, off, java.util.Arrays.copyOfRange(data, off, Math.min(off + 65536, data.length)), false);
            }
            byte[] wrong = RawSender.sha256(data);
            wrong[0] ^= 1;
            s.fileEnd(0, data.length, wrong);
            assertEquals(TransferError.HASH_MISMATCH, s.readError());
        }
        TransferFinished f = ends.poll(20, TimeUnit.SECONDS);
        assertEquals(TransferError.HASH_MISMATCH, f.error().orElseThrow());
        assertFalse(Files.exists(inbox(b, "a").resolve("victim.bin")));
        assertTrue(partFiles(inbox(b, "a")).isEmpty(), "part file deleted");
    }

    /**
     * Kills receiver {@code b} as a crash would, runs {@code whileDown}, lifts the sender's rate limit, starts b again
     * from its data dir (its incoming transfers into {@code in}) and tells the sender where it is now.
     */
    private TandemNode crashAndRestartReceiver(BlockingQueue<Transfer> in, Callable<?> whileDown) throws Exception {
        crash(b);
        b.close();
        nodes.remove(b);
        whileDown.call();
        FileTransfer.of(a).maxBytesPerSecond(0);
        TandemNode b2 = node("b");
        FileTransfer.of(b2).onIncoming(in::add);
        rediscover(a, b2);
        return b2;
    }

    @Test
    void aReceiverCrashMidTransferResumesFromTheLastVerifiedByte() throws Exception {
        FileTransfer.of(a).maxBytesPerSecond(16L * MIB);
        CountDownLatch midway = receivedAtLeast(b, 12 * MIB);
        Path src = randomFile(dir.resolve("src/movie.bin"), 48 * MIB + 5, 9);
        Transfer t = FileTransfer.of(a).send(b.id(), List.of(src));
        assertTrue(midway.await(30, TimeUnit.SECONDS));

        BlockingQueue<Transfer> in = new LinkedBlockingQueue<>();
        TandemNode b2 = crashAndRestartReceiver(in, () -> {
            assertFalse(journals(b).isEmpty(), "progress journal survives the crash");
            return null;
        });

        TransferResult sent = await(t.result());
        TransferResult got = await(in.poll(60, TimeUnit.SECONDS).result());
        assertEquals(sha256(src), sha256(inbox(b2, "a").resolve("movie.bin")));
        assertTrue(sent.attempts() >= 2, sent.toString());
        assertTrue(got.bytesResumed() >= 11 * MIB, got.toString());
        assertEquals(got.totalBytes() - got.bytesResumed(), got.bytesSent(), "only unverified bytes were sent again");
        assertEquals(got.bytesResumed(), sent.bytesResumed());
        assertTrue(sent.bytesSent() < 2 * sent.totalBytes() - 10 * MIB, sent.toString());
    }

    @Test
    void aReceiverCrashAfterManyFilesOfAFolderResumesWithThemDone() throws Exception {
        Path tiny = dir.resolve("src/tiny");
        Files.createDirectories(tiny);
        int n = 700; // their resume entries (about 118 bytes each) make the receiver's answer larger than 64 KiB
        for (int i = 0; i < n; i++) {
            Files.write(tiny.resolve(String.format("f%04d.bin", i)), new byte[] {(byte) i, (byte) (i >> 8), 7});
        }
        Path big = randomFile(dir.resolve("src/big.bin"), 32 * MIB, 11); // sent after the folder
        FileTransfer.of(a).maxBytesPerSecond(8L * MIB);
        CountDownLatch intoBig = receivedAtLeast(b, 3L * n + 4 * MIB);
        Transfer t = FileTransfer.of(a).send(b.id(), List.of(tiny, big));
        assertTrue(intoBig.await(60, TimeUnit.SECONDS));

        BlockingQueue<Transfer> in = new LinkedBlockingQueue<>();
        TandemNode b2 = crashAndRestartReceiver(in, () -> null);

        TransferResult sent = await(t.result());
        TransferResult got = await(in.poll(60, TimeUnit.SECONDS).result());
        assertTrue(sent.attempts() >= 2, sent.toString());
        assertTrue(got.bytesResumed() >= 3L * n + 3 * MIB, "the folder was not sent again: " + got);
        assertEquals(sha256(big), sha256(inbox(b2, "a").resolve("big.bin")));
        try (Stream<Path> arrived = Files.list(inbox(b2, "a").resolve("tiny"))) {
            assertEquals(n, arrived.count(), "every small file once, none twice as ' (1)'");
        }
        assertArrayEquals(new byte[] {(byte) 677, (byte) (677 >> 8), 7},
                Files.readAllBytes(inbox(b2, "a").resolve("tiny/f0677.bin")));
    }

    @Test
    void aSenderRestartResumesWhenTheSameFilesAreSentAgain() throws Exception {
        FileTransfer.of(a).maxBytesPerSecond(16L * MIB);
        CountDownLatch midway = receivedAtLeast(b, 12 * MIB);
        Path src = randomFile(dir.resolve("src/movie.bin"), 40 * MIB, 10);
        Transfer t = FileTransfer.of(a).send(b.id(), List.of(src));
        assertTrue(midway.await(30, TimeUnit.SECONDS));

        crash(a);
        a.close();
        nodes.remove(a);
        TransferException down = failure(t.result());
        assertEquals(TransferError.NETWORK, down.error(), down.toString());

        TandemNode a2 = node("a");
        BlockingQueue<Transfer> in = incoming(b);
        Transfer again = FileTransfer.of(a2).send(b.id(), List.of(src));
        assertEquals(t.id(), again.id(), "the same send has the same transfer id");
        TransferResult sent = await(again.result());
        TransferResult got = await(in.poll(60, TimeUnit.SECONDS).result());
        assertEquals(sha256(src), sha256(inbox(b, "a").resolve("movie.bin")));
        assertTrue(sent.bytesResumed() >= 11 * MIB, sent.toString());
        assertEquals(sent.totalBytes() - sent.bytesResumed(), sent.bytesSent(), "verified bytes were not sent again");
        assertEquals(sent.bytesSent(), got.bytesSent());
    }

    @Test
    void aFullDiskFailsClearlyOnBothSidesAndKeepsThePartFile() throws Exception {
        long limit = 3L * MIB + 1000;
        FileTransfer.of(b).sinkFactory((part, create) -> new Delegating(FileSink.DEFAULT.open(part, create)) {
            @Override
            public void write(java.nio.ByteBuffer data, long position) throws IOException {
                if (position + data.remaining() > limit) {
                    throw new IOException("No space left on device");
                }
                super.write(data, position);
            }
        });
        BlockingQueue<Transfer> in = incoming(b);
        Path src = randomFile(dir.resolve("src/big.bin"), 10 * MIB, 11);
        TransferException e = failure(FileTransfer.of(a).send(b.id(), List.of(src)).result());
        assertEquals(TransferError.DISK_FULL, e.error(), e.toString());
        assertTrue(e.byPeer());
        TransferException local = failure(in.poll(20, TimeUnit.SECONDS).result());
        assertEquals(TransferError.DISK_FULL, local.error());
        List<Path> parts = partFiles(inbox(b, "a"));
        assertEquals(1, parts.size(), "part file kept for a resume");
        assertTrue(Files.size(parts.get(0)) >= 3 * MIB - FileTransfer.DEFAULT_CHUNK, "verified data kept");
        assertEquals(1, journals(b).size(), "journal kept for a resume");
        assertFalse(Files.exists(inbox(b, "a").resolve("big.bin")));
    }

    @Test
    void progressIsNeverJournalledAfterAFailedForceEvenIfALaterForceSucceeds() throws Exception {
        AtomicInteger forces = new AtomicInteger();
        FileTransfer.of(b).sinkFactory((part, create) -> new Delegating(FileSink.DEFAULT.open(part, create)) {
            @Override
            public void force() throws IOException {
                if (forces.incrementAndGet() == 1) { // as Linux does: the failed pages are dropped, the next fsync is fine
                    throw new IOException("Input/output error");
                }
                super.force();
            }
        });
        BlockingQueue<Transfer> in = incoming(b);
        Path src = randomFile(dir.resolve("src/big.bin"), 20 * MIB, 13);
        TransferException e = failure(FileTransfer.of(a).send(b.id(), List.of(src)).result());
        assertEquals(TransferError.IO, e.error(), e.toString());
        assertTrue(e.byPeer());
        TransferException local = failure(in.poll(20, TimeUnit.SECONDS).result());
        assertEquals(TransferError.IO, local.error(), local.toString());
        assertEquals(1, journals(b).size(), "journal kept");
        Journal.Data journal = Wire.JSON.readValue(journals(b).get(0).toFile(), Journal.Data.class);
        assertEquals(0, journal.files().get(0).offset(),
                "no force ever succeeded before the failed one, so no byte may be recorded as durable");
        assertFalse(Files.exists(inbox(b, "a").resolve("big.bin")));
    }

    /** A part file that passes everything to the real one unless a test overrides a method. */
    static class Delegating implements FileSink {
        private final FileSink real;

        Delegating(FileSink real) {
            this.real = real;
        }

        @Override
        public void write(java.nio.ByteBuffer data, long position) throws IOException {
            real.write(data, position);
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public void setLength(long length) throws IOException {
            real.setLength(length);
        }

        @Override
        public void force() throws IOException {
            real.force();
        }

        @Override
        public void close() throws IOException {
            real.close();
        }
    }

    @Test
    void anUnpairedPeerIsRefused() throws Exception {
        TandemNode c = node("c");
        Path src = randomFile(dir.resolve("src/x.bin"), 100, 12);
        TransferException e = assertThrows(TransferException.class, () -> FileTransfer.of(c).send(a.id(), List.of(src)));
        assertEquals(TransferError.NOT_PAIRED, e.error());
        // Straight through the transport, bypassing c's own checks: a closes the connection before any stream.
        ConnectionClosedException closed =
                TestNodes.refusal(c.networking().transport().dial(a.addr(), FileTransfer.ALPN), 20);
        assertEquals(CloseCode.NOT_PAIRED, closed.code());
        assertTrue(closed.byPeer());
        assertFalse(Files.exists(a.dataDir().resolve("inbox")));
    }

    @Test
    void severalTransfersRunAtOnceInBothDirections() throws Exception {
        TandemNode c = node("c");
        TestNodes.pairDirectly(c, b);
        TestNodes.pairDirectly(a, c);
        List<Path> srcs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            srcs.add(randomFile(dir.resolve("src" + i + "/f" + i + ".bin"), 6L * MIB + i, 20 + i));
        }
        Transfer t1 = FileTransfer.of(a).send(b.id(), List.of(srcs.get(0)));
        Transfer t2 = FileTransfer.of(a).send(b.id(), List.of(srcs.get(1)));
        Transfer t3 = FileTransfer.of(c).send(b.id(), List.of(srcs.get(2)));
        Transfer t4 = FileTransfer.of(b).send(a.id(), List.of(srcs.get(3)));
        for (Transfer t : List.of(t1, t2, t3, t4)) {
            await(t.result());
        }
        assertEquals(sha256(srcs.get(0)), sha256(inbox(b, "a").resolve("f0.bin")));
        assertEquals(sha256(srcs.get(1)), sha256(inbox(b, "a").resolve("f1.bin")));
        assertEquals(sha256(srcs.get(2)), sha256(inbox(b, "c").resolve("f2.bin")));
        assertEquals(sha256(srcs.get(3)), sha256(inbox(a, "b").resolve("f3.bin")));
    }

    @Test
    void symlinksAreNeitherSentNorWrittenThrough() throws Exception {
        Path root = dir.resolve("src/share");
        randomFile(root.resolve("real.txt"), 100, 13);
        Path secret = randomFile(dir.resolve("secret/key.txt"), 50, 14);
        Files.createSymbolicLink(root.resolve("link.txt"), secret);
        Files.createSymbolicLink(root.resolve("linkdir"), secret.getParent());
        // The receiver's inbox already holds a symlink named like the shared folder.
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(inbox(b, "a"));
        Files.createSymbolicLink(inbox(b, "a").resolve("share"), outside);

        await(FileTransfer.of(a).send(b.id(), List.of(root)).result());
        Path landed = inbox(b, "a").resolve("share (1)");
        assertTrue(Files.isRegularFile(landed.resolve("real.txt"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(landed.resolve("link.txt"), LinkOption.NOFOLLOW_LINKS), "symlink not sent");
        assertFalse(Files.exists(landed.resolve("linkdir"), LinkOption.NOFOLLOW_LINKS), "symlinked folder not sent");
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing written through the receiver's symlink");
        }
        // A target folder that is itself a symlink is refused.
        FileTransfer.of(b).receivePolicy(o -> ReceivePolicy.Decision.accept(inbox(b, "a").resolve("share")));
        Path other = randomFile(dir.resolve("src/other.txt"), 10, 15);
        TransferException e = failure(FileTransfer.of(a).send(b.id(), List.of(other)).result());
        assertEquals(TransferError.IO, e.error());
        assertTrue(e.byPeer());
    }

    @Test
    void sendingTheSameNameTwiceNeverOverwrites() throws Exception {
        Path one = randomFile(dir.resolve("src1/same.txt"), 1000, 16);
        Path two = randomFile(dir.resolve("src2/same.txt"), 2000, 17);
        await(FileTransfer.of(a).send(b.id(), List.of(one)).result());
        await(FileTransfer.of(a).send(b.id(), List.of(two)).result());
        assertEquals(sha256(one), sha256(inbox(b, "a").resolve("same.txt")));
        assertEquals(sha256(two), sha256(inbox(b, "a").resolve("same (1).txt")));
    }

    private static List<Path> regularFilesUnder(Path root) throws IOException {
        List<Path> found = new java.util.ArrayList<>();
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    found.add(file);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return found;
    }
}
