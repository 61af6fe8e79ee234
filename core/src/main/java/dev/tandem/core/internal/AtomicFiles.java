package dev.tandem.core.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Crash-safe file replacement: the content goes to a temporary file in the same directory, is forced to
 * disk, and is then moved over the target in one atomic rename. A reader sees the old file or the new
 * one, never a mix; a crash leaves at worst a stray temporary file, which {@link #cleanStale} removes.
 *
 * <p>Not part of Tandem's API.
 */
public final class AtomicFiles {
    /** Suffix of temporary files; anything ending in it is never read as data. */
    public static final String TEMP_SUFFIX = ".tmp";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    private static volatile Runnable beforeMoveHook = () -> { };

    private AtomicFiles() {
    }

    /**
     * Replaces {@code target} with {@code content}. With {@code ownerOnly} the file is created with mode
     * 0600 (on POSIX file systems), before any byte is written, so a secret is never readable by others.
     */
    public static void write(Path target, byte[] content, boolean ownerOnly) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        createPrivateDirectories(dir);
        Path temp = dir.resolve(target.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + TEMP_SUFFIX);
        Files.deleteIfExists(temp);
        try {
            try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), permissions(dir, ownerOnly))) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            beforeMoveHook.run();
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(dir);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Appends {@code content} to {@code target}, creating it (mode 0600 with {@code ownerOnly}, as {@link #write}) if
     * it is missing, and forces it to disk before returning; a new file's directory entry is forced too. Not atomic: a
     * crash can leave the end of {@code content} missing, so a reader must recognise a torn last record (for example a
     * line without its newline) and ignore it.
     */
    public static void append(Path target, byte[] content, boolean ownerOnly) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        createPrivateDirectories(dir);
        boolean created = !Files.exists(target);
        try (FileChannel ch = FileChannel.open(target, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), permissions(dir, ownerOnly))) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(false); // the data and the new length; nothing else about the file matters here
        }
        if (created) {
            forceDirectory(dir);
        }
    }

    /**
     * Test seam: {@code hook} runs after the temporary file is durable and before the rename, so a test can
     * simulate a crash at the worst moment by throwing from it. {@code null} restores the default.
     */
    public static void setBeforeMoveHookForTests(Runnable hook) {
        beforeMoveHook = hook == null ? () -> { } : hook;
    }

    /** Removes temporary files left next to {@code target} by an interrupted {@link #write}. */
    public static void cleanStale(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            return;
        }
        String prefix = target.getFileName() + ".";
        try (var files = Files.newDirectoryStream(dir, p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(TEMP_SUFFIX);
        })) {
            for (Path p : files) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Creates a directory (and parents) readable only by its owner where the file system allows. */
    public static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            if (supportsPosix(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
            } else {
                Files.createDirectories(dir);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }

    private static FileAttribute<?>[] permissions(Path dir, boolean ownerOnly) {
        if (ownerOnly && supportsPosix(dir)) {
            return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)};
        }
        return new FileAttribute<?>[0];
    }

    private static boolean supportsPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static void forceDirectory(Path dir) {
        // Makes the rename itself durable on Linux; other platforms cannot open a directory, which is fine.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort by design: the data file itself was already forced
        }
    }
}
