package dev.tandem.filetransfer;

import dev.tandem.core.NodeId;
import dev.tandem.core.device.Device;
import dev.tandem.core.device.PairSecret;
import dev.tandem.core.io.FrameTooLargeException;
import dev.tandem.core.io.Frames;
import dev.tandem.core.io.MalformedFrameException;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamTimeoutException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of one connection: checks the offer, asks the policy (or resumes from the journal),
 * then authenticates, hashes and writes chunks into part files, verifies each file's SHA-256 and only then
 * renames it into place.
 */
final class IncomingSession {
    private static final Logger log = LoggerFactory.getLogger(IncomingSession.class);
    private static final byte[] ZEROS = new byte[64 * 1024];
    private static final SecureRandom RANDOM = new SecureRandom();

    private final FileTransfer ft;
    private final PeerConnection conn;
    private final NodeId peer;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile String cancelReason;
    private volatile boolean superseded;
    private PeerStream stream;
    private OutputStream out;
    private String id;
    private Journal journal;
    private Path target;
    private Journal.FileState[] files;
    private long[] verified;
    private int chunkSize;
    private boolean keepPartialOnCancel;
    private Transfer handle;
    private ProgressTracker tracker;
    private SessionCipher cipher;
    private int cur = -1;
    private FileSink sink;
    /** Chunks a pipelined part-file writer may hold (memory: this many chunk-sized direct buffers per file). */
    private static final int PIPELINE_DEPTH = 4;
    /** How long a failed read waits for the connection to say why it ended (see peersReasonIfClosing). */
    private static final Duration PEER_REASON_WAIT = Duration.ofSeconds(1);
    private MessageDigest md;
    /** Hashes the current file on a thread of its own when it is pipelined; null for small files (hashed here). */
    private BackgroundHasher hasher;
    /**
     * The part file refused a write or a force. After a failed fsync Linux can report the next one as successful
     * although the pages it could not write are gone, so from then on no progress past the last journal is recorded.
     */
    private boolean sinkFailed;
    private long sinceCheckpointBytes;
    private long lastCheckpointNanos = System.nanoTime();
    private long received;
    private long resumed;
    private final long started = System.nanoTime();

    IncomingSession(FileTransfer ft, PeerConnection conn) {
        this.ft = ft;
        this.conn = conn;
        this.peer = conn.remoteNodeId();
    }

    void run() throws Exception {
        try {
            stream = conn.acceptStream();
            out = stream.output();
            stream.setReadTimeout(ft.stallTimeout());
            InputStream in = stream.input();
            byte[] offerBytes;
            Wire.Offer offer;
            try {
                offerBytes = Wire.read(in, ft.maxOfferBytes());
                if (offerBytes[0] != Wire.OFFER) {
                    throw new TransferException(TransferError.PROTOCOL, "the first message is not an offer");
                }
                offer = Wire.parse(offerBytes, Wire.Offer.class);
                validate(offer);
            } catch (FrameTooLargeException e) {
                reject(TransferError.LIMIT_EXCEEDED, "the offer is larger than " + ft.maxOfferBytes() + " bytes");
                return;
            } catch (MalformedFrameException e) {
                reject(TransferError.PROTOCOL, e.getMessage());
                return;
            } catch (TransferException e) {
                reject(e.error(), e.detail());
                return;
            }
            Optional<Device> device = ft.ctx().devices().get(peer).filter(d -> d.state().isPaired());
            Optional<PairSecret> secret = device.flatMap(Device::secret);
            if (secret.isEmpty()) {
                reject(TransferError.NOT_PAIRED, "this device is not paired with you");
                return;
            }
            if (!ft.claimIncoming(id, this)) {
                reject(TransferError.BUSY, "this transfer is already running on another connection");
                return;
            }
            try {
                if (!plan(offer, device.get())) {
                    return;
                }
                receive(in, offer, offerBytes, secret.get());
            } finally {
                ft.releaseIncoming(id, this);
            }
        } finally {
            finished.countDown();
        }
    }

    private void validate(Wire.Offer o) throws TransferException {
        if (o.v() != Wire.VERSION) {
            throw new TransferException(TransferError.PROTOCOL, "offer version " + o.v() + " is not supported");
        }
        if (o.id() == null || !o.id().matches("[0-9a-f]{32}")) {
            throw new TransferException(TransferError.PROTOCOL, "the offer's transfer id is malformed");
        }
        id = o.id();
        if (o.chunkSize() < FileTransfer.MIN_CHUNK || o.chunkSize() > FileTransfer.MAX_CHUNK) {
            throw new TransferException(TransferError.PROTOCOL, "chunk size " + o.chunkSize() + " is outside "
                    + FileTransfer.MIN_CHUNK + ".." + FileTransfer.MAX_CHUNK);
        }
        List<Wire.Entry> es = o.entries() == null ? List.of() : o.entries();
        if (o.count() != es.size()) {
            throw new TransferException(TransferError.PROTOCOL, "the offer announces " + o.count() + " entries but lists "
                    + es.size());
        }
        if (es.isEmpty()) {
            throw new TransferException(TransferError.PROTOCOL, "the offer is empty");
        }
        if (es.size() > ft.maxFiles()) {
            throw new TransferException(TransferError.LIMIT_EXCEEDED, "the offer has " + es.size()
                    + " entries; at most " + ft.maxFiles() + " are accepted");
        }
        long total = 0;
        for (int i = 0; i < es.size(); i++) {
            Wire.Entry e = es.get(i);
            if (e == null || e.i() != i) {
                throw new TransferException(TransferError.PROTOCOL, "offer entry " + i + " is missing or out of order");
            }
            if (e.size() < 0 || (e.dir() && e.size() != 0)) {
                throw new TransferException(TransferError.PROTOCOL, "offer entry " + i + " has an impossible size");
            }
            try {
                total = Math.addExact(total, e.size());
            } catch (ArithmeticException ex) {
                throw new TransferException(TransferError.LIMIT_EXCEEDED, "the offer's sizes overflow");
            }
            Names.sanitizePath(e.path());
        }
        if (total != o.total()) {
            throw new TransferException(TransferError.PROTOCOL, "the offer's total " + o.total()
                    + " is not the sum of its sizes " + total);
        }
        if (total > ft.maxTotalBytes()) {
            throw new TransferException(TransferError.LIMIT_EXCEEDED, "the offer has " + total
                    + " bytes; at most " + ft.maxTotalBytes() + " are accepted");
        }
        byte[] nonce = decodeNonce(o.nonce());
        if (nonce == null) {
            throw new TransferException(TransferError.PROTOCOL, "the offer's nonce is malformed");
        }
    }

    private static byte[] decodeNonce(String s) {
        try {
            byte[] b = s == null ? null : Base64.getDecoder().decode(s);
            return b != null && b.length == SessionCipher.NONCE_BYTES ? b : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Resumes from the journal or asks the policy; false if the offer was rejected. */
    private boolean plan(Wire.Offer offer, Device device) throws IOException {
        journal = new Journal(ft.ctx().dataDir(), id);
        chunkSize = offer.chunkSize();
        Optional<Journal.Data> old = journal.load().filter(d -> matches(d, offer));
        if (old.isPresent()) {
            Journal.Data d = old.get();
            target = Path.of(d.targetDir());
            keepPartialOnCancel = d.keepPartialOnCancel();
            files = d.files().toArray(Journal.FileState[]::new);
            revalidate();
            log.info("resuming transfer {} from {}: {} of {} bytes already verified", id.substring(0, 10),
                    peer.shortForm(), Arrays.stream(files).mapToLong(f -> f.done() ? f.size() : f.offset()).sum(),
                    offer.total());
        } else {
            journal.load().ifPresent(d -> log.info("transfer {} changed since its journal was written; starting over",
                    id.substring(0, 10)));
            List<IncomingOffer.OfferedFile> shown = new ArrayList<>();
            for (Wire.Entry e : offer.entries()) {
                shown.add(new IncomingOffer.OfferedFile(String.join("/", Names.sanitizePath(e.path())), e.dir(), e.size()));
            }
            ReceivePolicy.Decision decision;
            try {
                decision = ft.policy().decide(new IncomingOffer(id, device, shown, offer.total()));
            } catch (RuntimeException e) {
                log.warn("receive policy failed on an offer from {}; rejecting it", peer.shortForm(), e);
                decision = ReceivePolicy.Decision.reject("the receiver could not decide");
            }
            if (decision == null || !decision.accepted()) {
                reject(TransferError.REJECTED, decision == null ? "rejected" : decision.reason());
                return false;
            }
            target = decision.targetDir().toAbsolutePath().normalize();
            keepPartialOnCancel = decision.keepPartialOnCancel();
            try {
                Files.createDirectories(target);
                if (Files.isSymbolicLink(target) || !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new TransferException(TransferError.IO, "the target " + target
                            + " is a symlink or not a folder; refusing to write through it");
                }
                files = Placement.place(target, offer.entries());
            } catch (TransferException e) {
                reject(e.error(), e.detail());
                return false;
            }
        }
        verified = new long[files.length];
        long remaining = 0;
        for (int i = 0; i < files.length; i++) {
            verified[i] = files[i].done() ? files[i].size() : files[i].offset();
            resumed += verified[i];
            remaining += files[i].size() - verified[i];
        }
        long usable = Files.getFileStore(target).getUsableSpace();
        if (usable < remaining) {
            reject(TransferError.DISK_FULL, "the receiver has " + usable + " bytes free but " + remaining
                    + " are needed");
            return false;
        }
        return true;
    }

    private boolean matches(Journal.Data d, Wire.Offer o) {
        if (!d.sender().equals(peer.toHex()) || d.files().size() != o.entries().size() || d.chunkSize() != o.chunkSize()) {
            return false;
        }
        for (int i = 0; i < d.files().size(); i++) {
            Journal.FileState f = d.files().get(i);
            Wire.Entry e = o.entries().get(i);
            if (f.i() != i || !f.path().equals(e.path()) || f.dir() != e.dir() || f.size() != e.size()
                    || f.mtime() != e.mtime()) {
                return false;
            }
        }
        return true;
    }

    /** Checks that part files and finished files are still as the journal says; anything else starts over. */
    private void revalidate() throws IOException {
        for (int i = 0; i < files.length; i++) {
            Journal.FileState f = files[i];
            if (f.dir()) {
                continue;
            }
            Path fin = Placement.resolve(target, f.rel());
            Path part = Placement.resolve(target, f.rel() + Names.PART_SUFFIX);
            if (f.done()) {
                if (!Files.isRegularFile(fin, LinkOption.NOFOLLOW_LINKS) || Files.size(fin) != f.size()) {
                    log.info("received file {} is gone or changed; receiving it again", f.rel());
                    files[i] = f.withProgress(0, false, null);
                }
                continue;
            }
            if (f.offset() > 0) {
                BasicFileAttributes a = Files.exists(part, LinkOption.NOFOLLOW_LINKS)
                        ? Files.readAttributes(part, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS) : null;
                if (a == null || !a.isRegularFile() || a.size() < f.offset()) {
                    log.info("part file of {} is missing or short; receiving it from the start", f.rel());
                    files[i] = f.withProgress(0, false, null);
                    if (a != null && a.isRegularFile()) {
                        Files.delete(part);
                    }
                }
            }
        }
    }

    private void receive(InputStream in, Wire.Offer offer, byte[] offerBytes, PairSecret secret) throws IOException {
        handle = new Transfer(id, peer, Direction.RECEIVE, this::cancel);
        long fileCount = Arrays.stream(files).filter(f -> !f.dir()).count();
        int doneCount = (int) Arrays.stream(files).filter(f -> !f.dir() && f.done()).count();
        tracker = new ProgressTracker(ft.ctx(), handle, offer.total(), (int) fileCount);
        byte[] myNonce = new byte[SessionCipher.NONCE_BYTES];
        RANDOM.nextBytes(myNonce);
        cipher = SessionCipher.derive(secret.bytes(), Codes.HEX.parseHex(id), peer.bytes(),
                ft.ctx().nodeId().bytes(), offerBytes, decodeNonce(offer.nonce()), myNonce);
        try {
            Placement.createDirectories(target, files);
            saveJournal();
            ft.fireIncoming(handle);
            List<Wire.Resume> resume = new ArrayList<>();
            for (Journal.FileState f : files) {
                if (f.done() || f.offset() > 0) {
                    resume.add(new Wire.Resume(f.i(), f.done() ? f.size() : f.offset(), f.done(), f.sha256()));
                }
            }
            send(Wire.ACCEPT, new Wire.Accept(Base64.getEncoder().encodeToString(myNonce), resume));
            tracker.startAttempt(1, resumed, doneCount);
            int maxFrame = Math.max(Wire.MAX_CONTROL, Wire.CHUNK_HEADER + chunkSize + SessionCipher.TAG_BYTES);
            byte[] plain = new byte[chunkSize];
            byte[] frame = new byte[maxFrame]; // one buffer for every frame: chunks are decrypted straight out of it
            while (true) {
                int n = Wire.readInto(in, frame);
                if (frame[0] == Wire.CHUNK) {
                    onChunk(frame, n, plain);
                    continue;
                }
                byte[] f = Arrays.copyOf(frame, n);
                switch (f[0]) {
                    case Wire.FILE_END -> onFileEnd(f);
                    case Wire.DONE -> {
                        onDone(in);
                        return;
                    }
                    case Wire.CANCEL -> throw new TransferException(TransferError.CANCELLED,
                            Wire.parse(f, Wire.Cancel.class).reason(), true, null);
                    case Wire.ERROR -> {
                        Wire.Error e = Wire.parse(f, Wire.Error.class);
                        throw new TransferException(TransferError.fromWire(e.code()), e.message(), true, null);
                    }
                    default -> throw new TransferException(TransferError.PROTOCOL, "unexpected message type " + f[0]);
                }
            }
        } catch (Exception e) {
            fail(e);
        } finally {
            closeSinkAfterFailure(); // an Error (out of memory opening a writer) must not leak the file or its threads
        }
    }

    private void onChunk(byte[] f, int frameLen, byte[] plain) throws IOException {
        if (frameLen < Wire.CHUNK_HEADER + SessionCipher.TAG_BYTES) {
            throw new TransferException(TransferError.PROTOCOL, "chunk too short");
        }
        ByteBuffer b = ByteBuffer.wrap(f, 1, Wire.CHUNK_HEADER - 1);
        int fi = b.getInt();
        long ci = b.getLong();
        long off = b.getLong();
        int len = b.getInt();
        select(fi);
        Journal.FileState fs = files[fi];
        long expectLen = Math.min(chunkSize, fs.size() - verified[fi]);
        if (off != verified[fi] || len != expectLen || len <= 0 || ci != off / chunkSize || off % chunkSize != 0) {
            throw new TransferException(TransferError.PROTOCOL, "chunk " + ci + " of file " + fi + " at offset " + off
                    + " (" + len + " bytes) is not the expected chunk at offset " + verified[fi]);
        }
        byte[] data;
        try {
            data = hasher != null ? hasher.buffer() : plain; // readable until the next chunk's buffer()
        } catch (IOException e) {
            throw localIo("hashing " + fs.rel(), e);
        }
        cipher.open(fi, ci, off, len, f, Wire.CHUNK_HEADER, frameLen - Wire.CHUNK_HEADER, data, 0);
        if (hasher != null) {
            hasher.hash(data, len);
        } else {
            md.update(data, 0, len);
        }
        if (!isZero(data, len)) { // all-zero chunks stay holes: sparse files arrive sparse
            try {
                sink.write(ByteBuffer.wrap(data, 0, len), off);
            } catch (IOException e) {
                sinkFailed = true;
                throw localIo("writing " + fs.rel() + Names.PART_SUFFIX, e);
            }
        }
        verified[fi] = off + len;
        received += len;
        tracker.addBytes(len);
        sinceCheckpointBytes += len;
        if (sinceCheckpointBytes >= ft.checkpointBytes()
                || System.nanoTime() - lastCheckpointNanos >= ft.checkpointNanos()) {
            checkpoint();
        }
    }

    private static boolean isZero(byte[] b, int len) {
        for (int off = 0; off < len; off += ZEROS.length) {
            int n = Math.min(ZEROS.length, len - off);
            if (Arrays.mismatch(b, off, off + n, ZEROS, 0, n) >= 0) {
                return false;
            }
        }
        return true;
    }

    private TransferException localIo(String what, IOException e) {
        if (e instanceof TransferException te) {
            return te;
        }
        if (Codes.isDiskFull(e)) {
            return new TransferException(TransferError.DISK_FULL, "the receiver's disk is full (" + what
                    + "); the verified part is kept for a resume", e);
        }
        return new TransferException(TransferError.IO, what + " failed: " + e.getMessage(), e);
    }

    /** Makes file {@code fi} the current one, opening its part file and rebuilding its hash state. */
    private void select(int fi) throws IOException {
        if (fi < 0 || fi >= files.length || files[fi].dir() || files[fi].done()) {
            throw new TransferException(TransferError.PROTOCOL, "data for file " + fi
                    + ", which is not an open file of this transfer");
        }
        if (fi == cur) {
            return;
        }
        if (cur >= 0) {
            throw new TransferException(TransferError.PROTOCOL, "file " + fi + " started before file " + cur + " ended");
        }
        Journal.FileState fs = files[fi];
        Path part = Placement.resolve(target, fs.rel() + Names.PART_SUFFIX);
        try {
            Placement.checkNoSymlinks(target, part.getParent());
            md = MessageDigest.getInstance("SHA-256");
            if (verified[fi] == 0) {
                Files.deleteIfExists(part);
                sink = pipelined(ft.sinkFactory().open(part, true), fi);
            } else {
                rehash(part, verified[fi]);
                sink = pipelined(ft.sinkFactory().open(part, false), fi);
                sink.setLength(verified[fi]);
            }
            if (sink instanceof PipelinedSink) {
                hasher = new BackgroundHasher(md, chunkSize, PIPELINE_DEPTH, "tandem-ft-hasher-" + id.substring(0, 10));
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw localIo("opening " + fs.rel() + Names.PART_SUFFIX, e);
        }
        cur = fi;
        tracker.file(fs.path());
    }

    /**
     * A file of more than a few chunks is written on a thread of its own, and hashed on another, so decrypting overlaps
     * hashing and the disk; small files are hashed and written directly (threads per file would cost more than they
     * save).
     */
    private FileSink pipelined(FileSink s, int fi) {
        long remaining = files[fi].size() - verified[fi];
        return remaining > (long) PIPELINE_DEPTH * chunkSize
                ? new PipelinedSink(s, chunkSize, PIPELINE_DEPTH, ft.syncAheadBytes(), "tandem-ft-writer-" + id.substring(0, 10))
                : s;
    }

    /** MessageDigest state cannot be saved, so a resumed file's verified prefix is read back and hashed again. */
    private void rehash(Path part, long upTo) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long pos = 0;
            while (pos < upTo) {
                buf.clear().limit((int) Math.min(buf.capacity(), upTo - pos));
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new TransferException(TransferError.IO, "part file " + part + " is shorter than its journal");
                }
                md.update(buf.array(), 0, n);
                pos += n;
            }
        }
    }

    private void onFileEnd(byte[] f) throws IOException {
        if (f.length != Wire.FILE_END_BYTES) {
            throw new TransferException(TransferError.PROTOCOL, "malformed file end");
        }
        ByteBuffer b = ByteBuffer.wrap(f, 1, f.length - 1);
        int fi = b.getInt();
        long size = b.getLong();
        select(fi);
        Journal.FileState fs = files[fi];
        if (size != fs.size() || verified[fi] != size) {
            throw new TransferException(TransferError.PROTOCOL, "file " + fi + " ended at " + verified[fi]
                    + " of " + fs.size() + " bytes");
        }
        byte[] theirs = new byte[32];
        cipher.open(fi, SessionCipher.END_RECORD, size, 32, f, 1 + 4 + 8, 32 + SessionCipher.TAG_BYTES, theirs, 0);
        byte[] mine;
        try {
            mine = hasher != null ? hasher.digest() : md.digest();
        } catch (IOException e) {
            throw localIo("hashing " + fs.rel(), e);
        }
        Path part = Placement.resolve(target, fs.rel() + Names.PART_SUFFIX);
        if (!MessageDigest.isEqual(mine, theirs)) {
            closeSink();
            Files.deleteIfExists(part);
            files[fi] = fs.withProgress(0, false, null);
            verified[fi] = 0;
            cur = -1;
            recordProgress(fi);
            throw new TransferException(TransferError.HASH_MISMATCH, "file '" + fs.rel() + "' hashed to "
                    + Codes.HEX.formatHex(mine) + " but the sender says " + Codes.HEX.formatHex(theirs)
                    + "; the partial file was deleted");
        }
        makeDurable(size, "finishing " + fs.rel());
        closeSink();
        cur = -1;
        String rel = Placement.moveIntoPlace(target, part, fs.rel());
        Path fin = Placement.resolve(target, rel);
        Files.getFileAttributeView(fin, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(FileTime.fromMillis(fs.mtime()), null, null);
        String hex = Codes.HEX.formatHex(mine);
        files[fi] = new Journal.FileState(fs.i(), fs.path(), false, fs.size(), fs.mtime(), rel, size, true, hex);
        recordProgress(fi);
        send(Wire.FILE_OK, new Wire.FileOk(fi, hex));
        tracker.file("");
        tracker.fileDone();
    }

    private void onDone(InputStream in) throws IOException {
        for (Journal.FileState f : files) {
            if (!f.dir() && !f.done()) {
                throw new TransferException(TransferError.PROTOCOL, "the sender finished but '" + f.rel()
                        + "' is incomplete");
            }
        }
        // Folder times last: creating their contents changed them. Deepest first.
        List<Journal.FileState> dirs = new ArrayList<>(Arrays.stream(files).filter(Journal.FileState::dir).toList());
        dirs.sort(Comparator.comparingInt((Journal.FileState f) -> f.rel().split("/").length).reversed());
        for (Journal.FileState d : dirs) {
            Files.getFileAttributeView(Placement.resolve(target, d.rel()), BasicFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS).setTimes(FileTime.fromMillis(d.mtime()), null, null);
        }
        journal.delete();
        send(Wire.COMPLETE, new Wire.Complete(files.length));
        tracker.publish(true);
        List<TransferResult.FileResult> results = new ArrayList<>();
        for (Journal.FileState f : files) {
            results.add(new TransferResult.FileResult(f.path(), Placement.resolve(target, f.rel()), f.dir(), f.size(),
                    f.dir() ? "" : f.sha256()));
        }
        long total = Arrays.stream(files).mapToLong(Journal.FileState::size).sum();
        TransferResult r = new TransferResult(id, peer, Direction.RECEIVE, results, total, received, resumed, 1,
                Duration.ofNanos(System.nanoTime() - started));
        ft.ctx().events().publish(new TransferFinished(id, peer, Direction.RECEIVE, Optional.empty(), "completed"));
        handle.complete(r);
        // Half-close and wait for the sender's FIN so COMPLETE is delivered before the connection closes.
        out.close();
        try {
            stream.setReadTimeout(Duration.ofSeconds(10));
            Frames.read(in, Wire.MAX_CONTROL);
        } catch (IOException e) {
            log.debug("sender of {} went away after completion: {}", id.substring(0, 10), e.toString());
        }
    }

    private void checkpoint() throws IOException {
        sinceCheckpointBytes = 0;
        lastCheckpointNanos = System.nanoTime();
        if (cur >= 0 && sink != null) {
            makeDurable(verified[cur], "saving progress of " + files[cur].rel());
            files[cur] = files[cur].withProgress(verified[cur], false, null);
            recordProgress(cur);
        } else {
            saveJournal();
        }
    }

    /** Makes file {@code fi}'s state durable in a line of the journal's own, or in a new whole journal when it is due. */
    private void recordProgress(int fi) throws IOException {
        if (journal.wantsSnapshot(files.length)) {
            saveJournal();
        } else {
            journal.record(files[fi]);
        }
    }

    /** Extends the part file to {@code length} (trailing holes must exist before the journal points past them), forces. */
    private void makeDurable(long length, String what) throws IOException {
        try {
            if (sink.size() < length) {
                sink.setLength(length);
            }
            sink.force();
        } catch (IOException e) {
            sinkFailed = true;
            throw localIo(what, e);
        }
    }

    private void saveJournal() throws IOException {
        journal.save(new Journal.Data(1, id, peer.toHex(), target.toString(), chunkSize, keepPartialOnCancel,
                List.of(files)));
    }

    private void closeSink() throws IOException {
        if (hasher != null) {
            BackgroundHasher h = hasher;
            hasher = null;
            h.close();
        }
        if (sink != null) {
            FileSink s = sink;
            sink = null;
            s.close();
        }
    }

    /**
     * A sender that cancels writes CANCEL and closes the connection with the same code and reason at once; the close
     * can overtake the frame, and a read can fail with a bare transport error a moment before the connection records
     * the peer's close (seen once in CI over kwik: NETWORK instead of CANCELLED). The peer's reason is what the user
     * should see, so wait briefly for the close and take it when it is the peer's and says more than "network".
     */
    private TransferException peersReasonIfClosing(TransferException te) {
        return conn.closedWithin(PEER_REASON_WAIT).map(Codes::classify)
                .filter(peers -> peers.byPeer() && peers.error() != TransferError.NETWORK).orElse(te);
    }

    private void fail(Exception e) {
        TransferException te;
        if (cancelReason != null) {
            te = new TransferException(TransferError.CANCELLED, cancelReason, false, e);
        } else if (superseded) {
            te = new TransferException(TransferError.NETWORK, "superseded by a newer connection for the same transfer",
                    false, e);
        } else if (e instanceof StreamTimeoutException) {
            te = new TransferException(TransferError.NETWORK, "the sender stalled: " + e.getMessage(), false, e);
            conn.close(CloseCode.STALLED, "no data for " + ft.stallTimeout().toMillis() + " ms");
        } else {
            te = Codes.classify(e);
            if (te.error() == TransferError.NETWORK && !te.byPeer()) {
                te = peersReasonIfClosing(te);
            }
        }
        boolean localDecision = !te.byPeer() && te.error() != TransferError.NETWORK;
        if (localDecision) {
            if (te.error() == TransferError.CANCELLED) {
                sendQuietly(Wire.CANCEL, new Wire.Cancel(te.detail()));
            } else {
                sendQuietly(Wire.ERROR, new Wire.Error(te.error().name(), te.detail()));
            }
            conn.close(Codes.closeCode(te.error()), truncate(te.detail()));
        }
        try {
            if (te.error() == TransferError.CANCELLED && !keepPartialOnCancel) {
                discardPartials();
            } else if (te.error() != TransferError.HASH_MISMATCH) {
                keepPartials();
            }
        } catch (IOException | RuntimeException cleanup) {
            te.addSuppressed(cleanup);
            log.warn("could not clean up after transfer {} from {}", id.substring(0, 10), peer.shortForm(), cleanup);
        } finally {
            closeSinkAfterFailure(); // whatever ended the transfer (a peer's HASH_MISMATCH too), the part file closes
        }
        if (te.error() == TransferError.NETWORK) {
            log.info("transfer {} from {} interrupted ({}); {} bytes verified and kept for resume", id.substring(0, 10),
                    peer.shortForm(), te.detail(), Arrays.stream(verified).sum());
        } else {
            log.warn("transfer {} from {} failed: {}", id.substring(0, 10), peer.shortForm(), te.getMessage());
        }
        ft.ctx().events().publish(new TransferFinished(id, peer, Direction.RECEIVE, Optional.of(te.error()),
                te.getMessage()));
        tracker.publish(true);
        handle.fail(te);
    }

    /** Records every verified byte (after forcing it) so the next attempt continues from there. */
    private void keepPartials() throws IOException {
        if (!sinkFailed) {
            try {
                checkpoint();
                closeSink();
                return;
            } catch (IOException unwritten) {
                log.debug("transfer {} keeps its last durable progress: {}", id.substring(0, 10), unwritten.toString());
            }
        }
        // The part file refused writes or a force (disk full, I/O error): the transfer's own error already says so.
        // What it refused is lost, so the journal stays at the last progress that was forced to disk.
        try {
            saveJournal();
        } finally {
            closeSinkAfterFailure();
        }
    }

    /** Closes the part file whose writer already failed; that failure is reported, so it is not thrown again. */
    private void closeSinkAfterFailure() {
        try {
            closeSink();
        } catch (IOException alreadyReported) {
            log.debug("closing the part file of transfer {}: {}", id.substring(0, 10), alreadyReported.toString());
        }
    }

    private void discardPartials() throws IOException {
        closeSinkAfterFailure(); // a part file about to be deleted has nothing left to report
        for (Journal.FileState f : files) {
            if (!f.dir() && !f.done()) {
                Files.deleteIfExists(Placement.resolve(target, f.rel() + Names.PART_SUFFIX));
            }
        }
        journal.delete();
    }

    private void reject(TransferError why, String reason) {
        log.info("refused an offer from {}: {} {}", peer.shortForm(), why, reason);
        sendQuietly(Wire.REJECT, new Wire.Reject(why.name(), reason));
        try {
            out.close();
            stream.setReadTimeout(Duration.ofSeconds(5));
            Frames.read(stream.input(), Wire.MAX_CONTROL);
        } catch (IOException e) {
            log.debug("sender of a rejected offer went away: {}", e.toString());
        }
        if (id != null) {
            ft.ctx().events().publish(new TransferFinished(id, peer, Direction.RECEIVE, Optional.of(why), reason));
        }
    }

    private void send(byte type, Object msg) throws IOException {
        sendLock.lock();
        try {
            Wire.send(out, type, msg);
        } finally {
            sendLock.unlock();
        }
    }

    private void sendQuietly(byte type, Object msg) {
        try {
            if (sendLock.tryLock(200, TimeUnit.MILLISECONDS)) {
                try {
                    Wire.send(out, type, msg);
                } finally {
                    sendLock.unlock();
                }
            }
        } catch (IOException e) {
            log.debug("could not tell {} about the failure: {}", peer.shortForm(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Receiver-side cancel: tell the sender, close the connection; the session loop cleans up. */
    void cancel(String reason) {
        cancelReason = reason;
        sendQuietly(Wire.CANCEL, new Wire.Cancel(reason));
        conn.close(CloseCode.CANCELLED, truncate(reason));
    }

    /** A new connection for the same transfer arrived: end this one and wait until it has saved its progress. */
    boolean supersede(Duration wait) throws InterruptedException {
        superseded = true;
        conn.close(CloseCode.NORMAL, "superseded by a new connection");
        return finished.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String truncate(String s) {
        return s.length() > 200 ? s.substring(0, 200) : s;
    }

}
