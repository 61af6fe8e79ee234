package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Memory does not grow with file size: 1 GiB moves between two nodes in a child JVM limited to 64 MiB of heap. */
@Timeout(300)
class MemoryBoundTest {
    @TempDir
    Path dir;

    @Test
    void oneGibMovesWithin64MibOfHeap() throws Exception {
        long bytes = 1L << 30;
        try (ChildJvm child = new ChildJvm("64m", dir.resolve("child.log"), "memory", dir.toString(), String.valueOf(bytes))) {
            String line = child.await(l -> l.startsWith("MEMORY"), 280);
            assertEquals(bytes, ChildJvm.field(line, "bytes"));
            assertTrue(ChildJvm.field(line, "maxHeap") <= 64L << 20, line);
            assertTrue(ChildJvm.field(line, "peakHeap") < 64L << 20, line);
            assertEquals(0, child.process.waitFor());
        }
    }

    @Test
    void aFolderOfManyMidSizeFilesMovesWithin64MibOfHeap() throws Exception {
        int files = 600;
        int each = 5 * FileTransfer.DEFAULT_CHUNK; // over 4 chunks: each file gets its read-ahead, hasher and writer
        try (ChildJvm child = new ChildJvm("64m", dir.resolve("child.log"), "folder", dir.toString(),
                String.valueOf(files), String.valueOf(each))) {
            String line = child.await(l -> l.startsWith("FOLDER"), 280);
            assertEquals(files + 1, ChildJvm.field(line, "files"), line); // and the folder itself
            assertEquals(files, ChildJvm.field(line, "arrived"), line);
            assertEquals((long) files * each, ChildJvm.field(line, "bytes"), line);
            assertEquals(0, child.process.waitFor());
        }
    }
}
