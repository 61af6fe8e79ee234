package dev.tandem.filetransfer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where each offered entry lands under the receiver's target folder, and moves verified files into
 * place. Top-level names that already exist get a " (n)" suffix, so a transfer never merges into or
 * overwrites what is there; names that collide inside one offer (after sanitising, case-insensitively) get
 * one too. Nothing is ever written through a symlink.
 */
final class Placement {
    private static final Logger log = LoggerFactory.getLogger(Placement.class);
    private static final int MAX_SUFFIX = 10_000;

    private final Path target;
    private final Map<String, String> dirs = new HashMap<>();   // sanitised offer path -> placed path
    private final Set<String> claimed = new HashSet<>();        // placed paths, lower case

    private Placement(Path target) {
        this.target = target;
    }

    static Journal.FileState[] place(Path target, List<Wire.Entry> entries) throws TransferException {
        Placement p = new Placement(target);
        Journal.FileState[] out = new Journal.FileState[entries.size()];
        for (Wire.Entry e : entries) {
            List<String> comps = Names.sanitizePath(e.path());
            String rel = e.dir() ? p.dir(comps, comps.size()) : p.file(comps);
            out[e.i()] = new Journal.FileState(e.i(), e.path(), e.dir(), e.size(), e.mtime(), rel, 0, false, null);
        }
        return out;
    }

    private String dir(List<String> comps, int depth) throws TransferException {
        if (depth == 0) {
            return "";
        }
        String key = String.join("/", comps.subList(0, depth));
        String placed = dirs.get(key);
        if (placed != null) {
            return placed;
        }
        String parent = dir(comps, depth - 1);
        placed = claim(parent, comps.get(depth - 1), true);
        dirs.put(key, placed);
        return placed;
    }

    private String file(List<String> comps) throws TransferException {
        String parent = dir(comps, comps.size() - 1);
        return claim(parent, comps.get(comps.size() - 1), false);
    }

    private String claim(String parent, String name, boolean dir) throws TransferException {
        for (int n = 0; n < MAX_SUFFIX; n++) {
            String cand = n == 0 ? name : Names.withSuffix(name, n, dir);
            String path = parent.isEmpty() ? cand : parent + "/" + cand;
            String key = path.toLowerCase(Locale.ROOT);
            if (claimed.contains(key) || claimed.contains(key + Names.PART_SUFFIX)) {
                continue;
            }
            // Only the target folder holds things from before; every folder below it is new.
            if (parent.isEmpty() && (exists(target.resolve(cand)) || exists(target.resolve(cand + Names.PART_SUFFIX)))) {
                continue;
            }
            claimed.add(key);
            if (!dir) {
                claimed.add(key + Names.PART_SUFFIX);
            }
            return path;
        }
        throw new TransferException(TransferError.LIMIT_EXCEEDED, "too many entries named '" + name + "'");
    }

    private static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }

    /** {@code target/rel}, refusing anything that would leave the target. */
    static Path resolve(Path target, String rel) throws TransferException {
        Path p = target.resolve(rel).normalize();
        if (!p.startsWith(target) || p.equals(target)) {
            throw new TransferException(TransferError.PROTOCOL, "path '" + rel + "' leaves the target folder");
        }
        return p;
    }

    /** Creates the folders of a transfer (and the parents of its files), never through a symlink. */
    static void createDirectories(Path target, Journal.FileState[] files) throws IOException {
        for (Journal.FileState f : files) {
            Path p = resolve(target, f.rel());
            ensureDirectory(target, f.dir() ? p : p.getParent());
        }
    }

    static void ensureDirectory(Path target, Path dir) throws IOException {
        checkNoSymlinks(target, dir);
        Path rel = target.relativize(dir);
        Path p = target;
        for (Path c : rel) {
            if (c.toString().isEmpty()) {
                continue;
            }
            p = p.resolve(c);
            try {
                Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw new TransferException(TransferError.IO, "'" + target.relativize(p)
                            + "' exists and is not a folder (or is a symlink); refusing to write through it", e);
                }
            }
        }
    }

    /** Fails if the target or any folder between it and {@code dir} is a symlink. */
    static void checkNoSymlinks(Path target, Path dir) throws TransferException {
        if (Files.isSymbolicLink(target)) {
            throw new TransferException(TransferError.IO, "the target folder " + target + " is a symlink; refusing to write through it");
        }
        Path p = target;
        for (Path c : target.relativize(dir)) {
            if (c.toString().isEmpty()) {
                continue;
            }
            p = p.resolve(c);
            if (Files.isSymbolicLink(p)) {
                throw new TransferException(TransferError.IO, "'" + target.relativize(p)
                        + "' is a symlink; refusing to write through it");
            }
        }
    }

    /**
     * Renames a verified part file to its final name in one atomic step. If something took the name in the
     * meantime, a " (n)" name is used instead; nothing is overwritten. Returns the final relative path.
     */
    static String moveIntoPlace(Path target, Path part, String rel) throws IOException {
        Path fin = resolve(target, rel);
        String placed = rel;
        String name = fin.getFileName().toString();
        for (int n = 1; Files.exists(fin, LinkOption.NOFOLLOW_LINKS); n++) {
            if (n > MAX_SUFFIX) {
                throw new TransferException(TransferError.IO, "no free name for '" + rel + "'");
            }
            String cand = Names.withSuffix(name, n, false);
            Path parentRel = target.relativize(fin.getParent());
            placed = parentRel.toString().isEmpty() ? cand : parentRel.resolve(cand).toString().replace('\\', '/');
            fin = fin.resolveSibling(cand);
        }
        checkNoSymlinks(target, fin.getParent());
        try {
            Files.move(part, fin, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new TransferException(TransferError.IO, "the file system cannot rename " + part + " atomically", e);
        }
        forceDirectory(fin.getParent());
        return placed;
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Some platforms cannot open folders; the file's data itself was forced before the rename.
            log.debug("could not force folder {}: {}", dir, e.toString());
        }
    }
}
