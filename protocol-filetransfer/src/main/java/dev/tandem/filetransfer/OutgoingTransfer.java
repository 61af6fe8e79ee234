package dev.tandem.filetransfer;

import dev.tandem.core.NodeId;
import dev.tandem.core.device.Device;
import dev.tandem.core.device.PairSecret;
import dev.tandem.core.io.Frames;
import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of one transfer, across all its attempts: offers, streams encrypted chunks from the
 * resume points the receiver names, and reconnects with backoff when the connection drops or stalls.
 */
final class OutgoingTransfer implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(OutgoingTransfer.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A local file or folder and its offer entry. */
    record Source(Wire.Entry entry, Path local) { }

    /** Chunks read and hashed ahead of the sending thread, for a file of more than that many chunks. */
    private static final int READ_AHEAD_DEPTH = 4;

    private final FileTransfer ft;
    private final NodeId peer;
    private final List<Source> sources;
    private final List<Wire.Entry> entries;
    private final String id;
    private final long total;
    private final int fileCount;
    private final int chunkSize;
    private final Transfer handle;
    private final ProgressTracker tracker;
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final ReentrantLock sendLock = new ReentrantLock();
    private final String[] sha;
    private volatile String cancelReason;
    private volatile PeerConnection conn;
    private volatile OutputStream out;
    private volatile long lastProgressNanos;
    private volatile boolean watching;
    private long bytesSent;
    private long lastResumed;
    private int attempts;

    OutgoingTransfer(FileTransfer ft, NodeId peer, List<Source> sources, String id, int chunkSize) {
        this.ft = ft;
        this.peer = peer;
        this.sources = List.copyOf(sources);
        this.entries = sources.stream().map(Source::entry).toList();
        this.id = id;
        this.chunkSize = chunkSize;
        this.total = entries.stream().mapToLong(Wire.Entry::size).sum();
        this.fileCount = (int) entries.stream().filter(e -> !e.dir()).count();
        this.sha = new String[entries.size()];
        this.handle = new Transfer(id, peer, Direction.SEND, this::cancel);
        this.tracker = new ProgressTracker(ft.ctx(), handle, total, fileCount);
    }

    Transfer handle() {
        return handle;
    }

    /** The stable transfer id: a hash of both node ids and every entry's path, kind, size and mtime. */
    static String transferId(NodeId sender, NodeId receiver, List<Wire.Entry> entries) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("tandem-ft-id-v1".getBytes(StandardCharsets.US_ASCII));
            md.update(sender.bytes());
            md.update(receiver.bytes());
            ByteBuffer b = ByteBuffer.allocate(4 + 1 + 8 + 8);
            for (Wire.Entry e : entries) {
                byte[] p = e.path().getBytes(StandardCharsets.UTF_8);
                md.update(b.clear().putInt(p.length).array(), 0, 4);
                md.update(p);
                b.clear().putInt(0).put((byte) (e.dir() ? 1 : 0)).putLong(e.size()).putLong(e.mtime());
                md.update(b.array(), 4, 17);
            }
            return Codes.HEX.formatHex(Arrays.copyOf(md.digest(), 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void run() {
        long started = System.nanoTime();
        int failures = 0;
        TransferException last = null;
        while (true) {
            attempts++;
            long sentBefore = bytesSent;
            try {
                attempt();
                finish(started);
                return;
            } catch (Exception e) {
                TransferException te = cancelReason != null
                        ? new TransferException(TransferError.CANCELLED, cancelReason, false, e)
                        : Codes.classify(e);
                if (ft.isClosing() && te.error() == TransferError.NETWORK) {
                    te = new TransferException(TransferError.NETWORK, "the node shut down; send again to resume",
                            false, e);
                    end(te);
                    return;
                }
                if (!te.error().retryable()) {
                    end(te);
                    return;
                }
                last = te;
                failures = bytesSent > sentBefore ? 1 : failures + 1;
                if (failures > ft.retries()) {
                    end(new TransferException(TransferError.RETRIES_EXHAUSTED, "gave up after " + attempts
                            + " attempts: " + te.getMessage(), false, te));
                    return;
                }
                long delay = Math.min(ft.retryMaxMillis(), ft.retryBaseMillis() << Math.min(20, failures - 1));
                delay = delay / 2 + RANDOM.nextLong(delay / 2 + 1);
                log.info("transfer {} to {} interrupted ({}); attempt {} in {} ms", id.substring(0, 10),
                        peer.shortForm(), te.detail(), attempts + 1, delay);
                try {
                    if (cancelled.await(delay, TimeUnit.MILLISECONDS)) {
                        end(new TransferException(TransferError.CANCELLED, cancelReason, false, last));
                        return;
                    }
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    end(new TransferException(TransferError.NETWORK, "interrupted", false, last));
                    return;
                }
                if (ft.isClosing()) {
                    end(new TransferException(TransferError.NETWORK, "the node shut down; send again to resume",
                            false, last));
                    return;
                }
            }
        }
    }

    private void attempt() throws Exception {
        Optional<PairSecret> secret = ft.ctx().devices().get(peer).filter(d -> d.state().isPaired())
                .flatMap(Device::secret);
        if (secret.isEmpty()) {
            throw new TransferException(TransferError.NOT_PAIRED, "device " + peer.shortForm() + " is not paired");
        }
        PeerConnection c;
        try {
            c = ft.ctx().connect(peer, FileTransfer.ALPN).get(ft.stallTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TransferException(TransferError.NETWORK, "cannot reach " + peer.shortForm() + ": "
                    + e.getCause().getMessage(), false, e.getCause());
        } catch (TimeoutException e) {
            throw new TransferException(TransferError.NETWORK, "connecting to " + peer.shortForm() + " timed out",
                    false, e);
        }
        conn = c;
        AtomicReference<TransferException> peerFailure = new AtomicReference<>();
        CompletableFuture<Void> complete = new CompletableFuture<>();
        boolean readerStarted = false;
        try {
            if (cancelReason != null) {
                throw new TransferException(TransferError.CANCELLED, cancelReason);
            }
            PeerStream stream = c.openBidirectional();
            out = stream.output();
            InputStream in = stream.input();
            byte[] myNonce = new byte[SessionCipher.NONCE_BYTES];
            RANDOM.nextBytes(myNonce);
            byte[] offerBytes = Wire.json(Wire.OFFER, new Wire.Offer(Wire.VERSION, id, chunkSize, entries.size(), total,
                    Base64.getEncoder().encodeToString(myNonce), entries));
            write(offerBytes, offerBytes.length);
            stream.setReadTimeout(ft.decisionTimeout());
            byte[] reply = Wire.read(in, Wire.maxAnswerBytes(entries.size()));
            Map<Integer, Wire.Resume> resume = accepted(reply);
            byte[] theirNonce = Base64.getDecoder().decode(Wire.parse(reply, Wire.Accept.class).nonce());
            if (theirNonce.length != SessionCipher.NONCE_BYTES) {
                throw new TransferException(TransferError.PROTOCOL, "the receiver's nonce is malformed");
            }
            SessionCipher cipher = SessionCipher.derive(secret.get().bytes(), Codes.HEX.parseHex(id),
                    ft.ctx().nodeId().bytes(), peer.bytes(), offerBytes, myNonce, theirNonce);
            stream.setReadTimeout(Duration.ZERO);
            long resumedBytes = 0;
            int filesDone = 0;
            for (Wire.Resume r : resume.values()) {
                resumedBytes += r.offset();
                if (r.done()) {
                    filesDone++;
                    sha[r.i()] = r.sha256();
                }
            }
            lastResumed = resumedBytes;
            tracker.startAttempt(attempts, resumedBytes, filesDone);
            startReader(in, peerFailure, complete);
            readerStarted = true;
            lastProgressNanos = System.nanoTime();
            watching = true;
            byte[] plain = new byte[chunkSize];
            byte[] frame = new byte[Frames.HEADER_BYTES + Wire.CHUNK_HEADER + chunkSize + SessionCipher.TAG_BYTES];
            long attemptStart = System.nanoTime();
            long[] attemptBytes = {0};
            for (Source s : sources) {
                Wire.Entry e = s.entry();
                Wire.Resume r = resume.get(e.i());
                if (e.dir() || (r != null && r.done())) {
                    continue;
                }
                sendFile(s, r == null ? 0 : r.offset(), cipher, plain, frame, attemptStart, attemptBytes);
            }
            byte[] done = Wire.json(Wire.DONE, new Wire.Done(entries.size()));
            write(done, done.length);
            try {
                complete.get(ft.stallTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw (Exception) e.getCause();
            }
            watching = false;
            out.close();
            c.close(CloseCode.NORMAL, "transfer complete");
        } catch (Exception e) {
            watching = false;
            // The receiver's reason (ERROR/CANCEL frame) beats the bare connection failure it caused here.
            TransferException told = peerFailure.get();
            if (told == null && cancelReason == null && readerStarted && !complete.isDone()) {
                try {
                    complete.get(2, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException ignoredHere) {
                    told = peerFailure.get();
                }
            }
            TransferException mine = Codes.classify(e);
            if (cancelReason == null && !mine.byPeer() && mine.error() != TransferError.NETWORK) {
                sendQuietly(mine.error() == TransferError.CANCELLED ? Wire.json(Wire.CANCEL, new Wire.Cancel(mine.detail()))
                        : Wire.json(Wire.ERROR, new Wire.Error(mine.error().name(), mine.detail())));
                c.close(Codes.closeCode(mine.error()), mine.detail().length() > 200
                        ? mine.detail().substring(0, 200) : mine.detail());
            } else {
                c.close(CloseCode.NORMAL, "");
            }
            throw told != null ? told : e;
        } finally {
            conn = null;
        }
    }

    private Map<Integer, Wire.Resume> accepted(byte[] reply) throws IOException {
        switch (reply[0]) {
            case Wire.REJECT -> {
                Wire.Reject r = Wire.parse(reply, Wire.Reject.class);
                throw new TransferException(TransferError.fromWire(r.code()), String.valueOf(r.reason()), true, null);
            }
            case Wire.ERROR -> {
                Wire.Error r = Wire.parse(reply, Wire.Error.class);
                throw new TransferException(TransferError.fromWire(r.code()), String.valueOf(r.message()), true, null);
            }
            case Wire.ACCEPT -> {
                Wire.Accept a = Wire.parse(reply, Wire.Accept.class);
                Map<Integer, Wire.Resume> m = new HashMap<>();
                for (Wire.Resume r : a.resume() == null ? List.<Wire.Resume>of() : a.resume()) {
                    if (r == null || r.i() < 0 || r.i() >= entries.size() || entries.get(r.i()).dir()) {
                        throw new TransferException(TransferError.PROTOCOL, "the receiver resumes an unknown file");
                    }
                    long size = entries.get(r.i()).size();
                    boolean aligned = r.offset() % chunkSize == 0 || r.offset() == size;
                    if (r.offset() < 0 || r.offset() > size || !aligned || (r.done() && r.offset() != size)) {
                        throw new TransferException(TransferError.PROTOCOL, "the receiver resumes file " + r.i()
                                + " at an impossible offset " + r.offset());
                    }
                    if (m.put(r.i(), r) != null) {
                        throw new TransferException(TransferError.PROTOCOL, "the receiver resumes file " + r.i()
                                + " twice");
                    }
                }
                return m;
            }
            default -> throw new TransferException(TransferError.PROTOCOL, "unexpected answer " + reply[0] + " to the offer");
        }
    }

    private void startReader(InputStream in, AtomicReference<TransferException> peerFailure,
            CompletableFuture<Void> complete) {
        ft.ctx().executor().execute(() -> {
            try {
                while (true) {
                    byte[] f = Frames.read(in, Wire.MAX_CONTROL);
                    if (f == null || f.length == 0) {
                        complete.completeExceptionally(new TransferException(TransferError.NETWORK,
                                "the receiver ended the stream early"));
                        return;
                    }
                    switch (f[0]) {
                        case Wire.FILE_OK -> {
                            Wire.FileOk ok = Wire.parse(f, Wire.FileOk.class);
                            if (ok.i() >= 0 && ok.i() < sha.length && sha[ok.i()] == null) {
                                sha[ok.i()] = ok.sha256();
                            }
                            tracker.fileDone();
                        }
                        case Wire.COMPLETE -> {
                            complete.complete(null);
                            return;
                        }
                        case Wire.CANCEL -> {
                            TransferException te = new TransferException(TransferError.CANCELLED,
                                    Wire.parse(f, Wire.Cancel.class).reason(), true, null);
                            peerFailure.set(te);
                            complete.completeExceptionally(te);
                            return;
                        }
                        case Wire.ERROR -> {
                            Wire.Error er = Wire.parse(f, Wire.Error.class);
                            TransferException te = new TransferException(TransferError.fromWire(er.code()),
                                    er.message(), true, null);
                            peerFailure.set(te);
                            complete.completeExceptionally(te);
                            return;
                        }
                        default -> throw new TransferException(TransferError.PROTOCOL, "unexpected message " + f[0]);
                    }
                }
            } catch (IOException | RuntimeException e) {
                complete.completeExceptionally(e);
            }
        });
    }

    private void sendFile(Source s, long offset, SessionCipher cipher, byte[] plain, byte[] frame, long attemptStart,
            long[] attemptBytes) throws IOException {
        Wire.Entry e = s.entry();
        int fi = e.i();
        tracker.file(e.path());
        FileChannel ch;
        MessageDigest md;
        try {
            BasicFileAttributes a = Files.readAttributes(s.local(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || a.size() != e.size() || a.lastModifiedTime().toMillis() != e.mtime()) {
                throw new TransferException(TransferError.SOURCE, "'" + e.path()
                        + "' changed since the transfer started; send it again");
            }
            ch = FileChannel.open(s.local(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        } catch (TransferException ex) {
            throw ex;
        } catch (IOException ex) {
            throw new TransferException(TransferError.SOURCE, "cannot read '" + e.path() + "': " + ex.getMessage(), ex);
        }
        try (ch) {
            byte[] hash;
            if (e.size() - offset > (long) READ_AHEAD_DEPTH * chunkSize) {
                try (ReadAheadSource src = new ReadAheadSource(ch, (c, b, n, p) -> readFully(c, b, n, p, e), offset,
                        e.size(), chunkSize, READ_AHEAD_DEPTH, md, "tandem-ft-reader-" + id.substring(0, 10))) {
                    for (ReadAheadSource.Chunk c; (c = src.next()) != null; ) {
                        sendChunk(fi, c.position(), c.data(), c.len(), cipher, frame, attemptStart, attemptBytes);
                        src.release(c);
                    }
                    hash = src.hash();
                }
            } else { // a few chunks: a thread would cost more than it saves
                long pos = 0;
                while (pos < offset) { // the receiver verified this prefix; hash it here too for the file's SHA-256
                    int n = (int) Math.min(chunkSize, offset - pos);
                    readFully(ch, plain, n, pos, e);
                    md.update(plain, 0, n);
                    pos += n;
                }
                while (pos < e.size()) {
                    int len = (int) Math.min(chunkSize, e.size() - pos);
                    readFully(ch, plain, len, pos, e);
                    md.update(plain, 0, len);
                    sendChunk(fi, pos, plain, len, cipher, frame, attemptStart, attemptBytes);
                    pos += len;
                }
                hash = md.digest();
            }
            sha[fi] = Codes.HEX.formatHex(hash);
            byte[] end = new byte[Wire.FILE_END_BYTES];
            ByteBuffer.wrap(end).put(Wire.FILE_END).putInt(fi).putLong(e.size());
            cipher.seal(fi, SessionCipher.END_RECORD, e.size(), hash, 0, 32, end, 1 + 4 + 8);
            write(end, end.length);
            tracker.file("");
        }
    }

    private void sendChunk(int fi, long pos, byte[] plain, int len, SessionCipher cipher, byte[] frame,
            long attemptStart, long[] attemptBytes) throws IOException {
        long ci = pos / chunkSize;
        Wire.chunkHeader(frame, Frames.HEADER_BYTES, fi, ci, pos, len);
        int n = cipher.seal(fi, ci, pos, plain, 0, len, frame, Frames.HEADER_BYTES + Wire.CHUNK_HEADER);
        writeChunk(frame, Wire.CHUNK_HEADER + n);
        bytesSent += len;
        attemptBytes[0] += len;
        lastProgressNanos = System.nanoTime();
        tracker.addBytes(len);
        throttle(attemptStart, attemptBytes[0]);
    }

    private static void readFully(FileChannel ch, byte[] buf, int len, long pos, Wire.Entry e) throws TransferException {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
        try {
            while (b.hasRemaining()) {
                if (ch.read(b, pos + b.position()) < 0) {
                    throw new TransferException(TransferError.SOURCE, "'" + e.path() + "' shrank while it was sent");
                }
            }
        } catch (TransferException ex) {
            throw ex;
        } catch (IOException ex) {
            throw new TransferException(TransferError.SOURCE, "cannot read '" + e.path() + "': " + ex.getMessage(), ex);
        }
    }

    private void throttle(long attemptStart, long sent) throws TransferException {
        long rate = ft.maxBytesPerSecond();
        if (rate <= 0) {
            return;
        }
        long due = attemptStart + (long) (sent * 1e9 / rate);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                if (cancelled.await(wait, TimeUnit.NANOSECONDS)) {
                    throw new TransferException(TransferError.CANCELLED, cancelReason);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new TransferException(TransferError.NETWORK, "interrupted", ie);
            }
        }
    }

    private void write(byte[] frame, int len) throws IOException {
        sendLock.lock();
        try {
            Frames.write(out, frame, 0, len);
            out.flush();
        } finally {
            sendLock.unlock();
        }
    }

    /** A chunk sealed in place after room for the frame header: sent without another copy. */
    private void writeChunk(byte[] frame, int len) throws IOException {
        sendLock.lock();
        try {
            Frames.writePrefixed(out, frame, len);
            out.flush();
        } finally {
            sendLock.unlock();
        }
    }

    private void sendQuietly(byte[] message) {
        try {
            if (out != null && sendLock.tryLock(200, TimeUnit.MILLISECONDS)) {
                try {
                    Frames.write(out, message);
                    out.flush();
                } finally {
                    sendLock.unlock();
                }
            }
        } catch (IOException e) {
            log.debug("could not tell {} why transfer {} stopped: {}", peer.shortForm(), id.substring(0, 10), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Called every second by the node's watchdog: a write that has not moved for too long is a stall. */
    void checkStall(long now) {
        PeerConnection c = conn;
        if (watching && c != null && now - lastProgressNanos > ft.stallTimeout().toNanos()) {
            log.info("transfer {} to {} stalled for {} ms; reconnecting", id.substring(0, 10), peer.shortForm(),
                    ft.stallTimeout().toMillis());
            watching = false;
            c.close(CloseCode.STALLED, "no progress");
        }
    }

    void cancel(String reason) {
        cancelReason = reason;
        cancelled.countDown();
        PeerConnection c = conn;
        if (c != null) {
            sendQuietly(Wire.json(Wire.CANCEL, new Wire.Cancel(reason)));
            c.close(CloseCode.CANCELLED, reason.length() > 200 ? reason.substring(0, 200) : reason);
        }
    }

    private void finish(long started) {
        tracker.publish(true);
        List<TransferResult.FileResult> files = new ArrayList<>();
        for (Source s : sources) {
            Wire.Entry e = s.entry();
            files.add(new TransferResult.FileResult(e.path(), s.local(), e.dir(), e.size(),
                    e.dir() ? "" : String.valueOf(sha[e.i()])));
        }
        TransferResult r = new TransferResult(id, peer, Direction.SEND, files, total, bytesSent, lastResumed, attempts,
                Duration.ofNanos(System.nanoTime() - started));
        ft.ctx().events().publish(new TransferFinished(id, peer, Direction.SEND, Optional.empty(), "completed"));
        ft.outgoingEnded(id, this);
        handle.complete(r);
    }

    private void end(TransferException te) {
        log.warn("transfer {} to {} failed: {}", id.substring(0, 10), peer.shortForm(), te.getMessage());
        ft.ctx().events().publish(new TransferFinished(id, peer, Direction.SEND, Optional.of(te.error()), te.getMessage()));
        ft.outgoingEnded(id, this);
        handle.fail(te);
    }
}
