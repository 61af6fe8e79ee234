package dev.tandem.filetransfer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.internal.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiver's durable record of an incoming transfer, {@code <data dir>/filetransfer/incoming/<id>.json}:
 * where each file goes and how many of its bytes are verified and forced to disk. Written atomically
 * (temporary file, fsync, rename) only after the part files were forced, so the recorded offset never
 * runs ahead of durable data. Deleted, with its progress log, when the transfer completes or is cancelled.
 *
 * <p>Between two such snapshots, one file's new state is {@link #record recorded} by appending a line to
 * {@code <id>.log} beside it (forced before it returns), and {@link #load} applies those lines, last one wins.
 * Rewriting the whole journal after each file of a folder had made a transfer of n files cost O(n²): 4000 files
 * of 1 KB took 65 s. The log's first line names the SHA-256 of the snapshot it extends (each snapshot carries a
 * random field, so no two are alike), so a log left behind by a crash just after a newer snapshot was written is
 * never applied to it. A crash can tear the last line; a line
 * without its newline was never acknowledged and is ignored, and so is anything from the first line that does not
 * fit the snapshot.
 */
final class Journal {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /** One file or folder: the sender's entry and where it lands here. {@code rel} is relative to the target. */
    record FileState(int i, String path, boolean dir, long size, long mtime, String rel, long offset, boolean done,
            String sha256) {
        FileState withProgress(long newOffset, boolean nowDone, String sha) {
            return new FileState(i, path, dir, size, mtime, rel, newOffset, nowDone, sha);
        }
    }

    record Data(int v, String id, String sender, String targetDir, int chunkSize, boolean keepPartialOnCancel,
            List<FileState> files) {
        Data {
            files = List.copyOf(files);
        }
    }

    private final Path file;
    private final Path progressLog;
    private int recorded; // lines in the progress log since the last snapshot
    private boolean logStarted; // this journal's current progress log has its header (a new one replaces any other)
    private boolean logBroken; // an append failed: its tail may be torn, so the next state goes into a snapshot
    /** Progress lines gathered before the journal is rewritten whole, at the least; see {@link #wantsSnapshot}. */
    static final int SNAPSHOT_AFTER_MIN_LINES = 256;
    private String snapshotSha256; // of the snapshot last written or read: the progress log's first line

    Journal(Path dataDir, String id) {
        Path dir = dataDir.resolve("filetransfer").resolve("incoming");
        this.file = dir.resolve(id + ".json");
        this.progressLog = dir.resolve(id + ".log");
    }

    Path file() {
        return file;
    }

    /**
     * The snapshot with its progress log applied; a log that had lines is absorbed into a new snapshot at once, so what
     * this journal records next starts a log of its own (never after a torn line, never in a log of another snapshot).
     */
    Optional<Data> load() throws IOException {
        recorded = 0;
        logStarted = false;
        AtomicFiles.cleanStale(file);
        AtomicFiles.cleanStale(progressLog);
        if (!Files.isRegularFile(file)) {
            Files.deleteIfExists(progressLog); // lines without their snapshot mean nothing
            return Optional.empty();
        }
        Data snapshot;
        try {
            byte[] bytes = Files.readAllBytes(file);
            snapshot = Wire.JSON.readValue(bytes, Data.class);
            snapshotSha256 = HEX.formatHex(SessionCipher.sha256(bytes));
        } catch (IOException e) {
            // A journal we cannot read only costs a restart from zero; the part files are re-planned.
            log.warn("transfer journal {} is unreadable and is ignored: {}", file, e.getMessage());
            delete();
            return Optional.empty();
        }
        if (!Files.exists(progressLog)) {
            return Optional.of(snapshot);
        }
        Data merged = withRecordedProgress(snapshot);
        save(merged);
        return Optional.of(merged);
    }

    /**
     * The snapshot with the progress log's lines applied in order, up to the first torn or foreign one; the snapshot
     * alone if the log extends another (the caller's new snapshot then removes it).
     */
    private Data withRecordedProgress(Data snapshot) throws IOException {
        List<FileState> files = new ArrayList<>(snapshot.files());
        byte[] bytes = Files.readAllBytes(progressLog);
        byte[] header = header();
        if (bytes.length < header.length || !Arrays.equals(bytes, 0, header.length, header, 0, header.length)) {
            log.debug("transfer journal {}: progress log of an older snapshot, ignored", progressLog);
            return snapshot;
        }
        int start = header.length;
        for (int nl; (nl = indexOf(bytes, (byte) '\n', start)) >= 0; start = nl + 1) {
            FileState f;
            try {
                f = Wire.JSON.readValue(bytes, start, nl - start, FileState.class);
            } catch (IOException | RuntimeException e) {
                f = null;
            }
            if (f == null) {
                log.warn("transfer journal {}: progress line at byte {} is unreadable; later lines are ignored",
                        progressLog, start);
                break;
            }
            if (!fits(f, files)) {
                log.warn("transfer journal {}: progress line at byte {} is not about a file of this transfer; later"
                        + " lines are ignored", progressLog, start);
                break;
            }
            files.set(f.i(), f);
        }
        return new Data(snapshot.v(), snapshot.id(), snapshot.sender(), snapshot.targetDir(), snapshot.chunkSize(),
                snapshot.keepPartialOnCancel(), files);
    }

    /**
     * Only progress may change between snapshots: which file, what it is and where it was offered stay; a file in
     * progress keeps its place and has no hash, a done one is whole and has one; folders never change.
     */
    private static boolean fits(FileState f, List<FileState> files) {
        if (f.i() < 0 || f.i() >= files.size() || f.rel() == null || f.path() == null) {
            return false;
        }
        FileState was = files.get(f.i());
        if (was.dir() || f.dir()) {
            return f.equals(was);
        }
        boolean same = was.path().equals(f.path()) && was.size() == f.size() && was.mtime() == f.mtime();
        return same && (f.done()
                ? f.offset() == f.size() && f.sha256() != null && SHA256_HEX.matcher(f.sha256()).matches()
                : f.offset() >= 0 && f.offset() <= f.size() && f.sha256() == null && f.rel().equals(was.rel()));
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    /** Writes a snapshot of the whole transfer; the progress log it absorbs is removed after it is durable. */
    void save(Data d) throws IOException {
        ObjectNode tree = Wire.JSON.valueToTree(d);
        // Makes every snapshot's bytes, and so the header of its log, unique: a snapshot equal to an older one must
        // not take on that one's log after a crash. Readers ignore the field.
        tree.put("snapshot", Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-" + System.nanoTime());
        byte[] bytes = Wire.JSON.writeValueAsBytes(tree);
        AtomicFiles.write(file, bytes, true);
        snapshotSha256 = HEX.formatHex(SessionCipher.sha256(bytes));
        recorded = 0;
        logStarted = false; // even if the delete below fails, the next line starts a new log
        logBroken = false;
        Files.deleteIfExists(progressLog); // a crash before this leaves a log that names the older snapshot
    }

    /** Records one file's new state durably, in time proportional to that file's entry, not to the transfer. */
    void record(FileState f) throws IOException {
        if (snapshotSha256 == null) {
            throw new IllegalStateException("a progress line needs a snapshot to extend: save or load first");
        }
        byte[] json = Wire.JSON.writeValueAsBytes(f);
        byte[] first = logStarted ? new byte[0] : header();
        byte[] line = new byte[first.length + json.length + 1];
        System.arraycopy(first, 0, line, 0, first.length);
        System.arraycopy(json, 0, line, first.length, json.length);
        line[line.length - 1] = '\n';
        if (logStarted) {
            try {
                AtomicFiles.append(progressLog, line, true);
            } catch (IOException | RuntimeException e) {
                logBroken = true;
                throw e;
            }
        } else {
            AtomicFiles.write(progressLog, line, true); // replaces whatever log is there, whole
            logStarted = true;
        }
        recorded++;
    }

    private byte[] header() {
        return ("snapshot " + snapshotSha256 + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Lines recorded since the last snapshot. */
    int recordedSinceSave() {
        return recorded;
    }

    /**
     * Whether the next state should go into a whole new {@link #save snapshot} rather than a line: once there are as
     * many lines as the transfer has {@code files} (at least {@value #SNAPSHOT_AFTER_MIN_LINES}), so each file costs
     * the same however many there are, or after an append failed.
     */
    boolean wantsSnapshot(int files) {
        return logBroken || recorded >= Math.max(SNAPSHOT_AFTER_MIN_LINES, files);
    }

    void delete() throws IOException {
        recorded = 0;
        logStarted = false;
        Files.deleteIfExists(file);
        Files.deleteIfExists(progressLog);
    }
}
