package dev.tandem.filetransfer;

import dev.tandem.core.internal.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiver's durable record of an incoming transfer, {@code <data dir>/filetransfer/incoming/<id>.json}:
 * where each file goes and how many of its bytes are verified and forced to disk. Written atomically
 * (temporary file, fsync, rename) only after the part files were forced, so the recorded offset never
 * runs ahead of durable data. Deleted when the transfer completes or is cancelled.
 */
final class Journal {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);

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

    Journal(Path dataDir, String id) {
        this.file = dataDir.resolve("filetransfer").resolve("incoming").resolve(id + ".json");
    }

    Path file() {
        return file;
    }

    Optional<Data> load() throws IOException {
        AtomicFiles.cleanStale(file);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Wire.JSON.readValue(file.toFile(), Data.class));
        } catch (IOException e) {
            // A journal we cannot read only costs a restart from zero; the part files are re-planned.
            log.warn("transfer journal {} is unreadable and is ignored: {}", file, e.getMessage());
            Files.deleteIfExists(file);
            return Optional.empty();
        }
    }

    void save(Data d) throws IOException {
        AtomicFiles.write(file, Wire.JSON.writeValueAsBytes(d), true);
    }

    void delete() throws IOException {
        Files.deleteIfExists(file);
    }
}
