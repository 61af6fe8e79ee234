package dev.tandem.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void appendCreatesTheFileAndItsFoldersThenAddsToItsEnd() throws Exception {
        Path f = dir.resolve("a/b/progress.log");
        AtomicFiles.append(f, "one\n".getBytes(StandardCharsets.US_ASCII), true);
        AtomicFiles.append(f, "two\n".getBytes(StandardCharsets.US_ASCII), true);
        assertEquals("one\ntwo\n", Files.readString(f));
    }

    @Test
    void anOwnerOnlyAppendCreatesTheFileReadableByItsOwnerAlone() throws Exception {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions only");
        Path f = dir.resolve("secret.log");
        AtomicFiles.append(f, new byte[] {1}, true);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }
}
