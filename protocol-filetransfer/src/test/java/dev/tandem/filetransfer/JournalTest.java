package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    private static final String ID = "0123456789abcdef0123456789abcdef";
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);

    @TempDir
    Path dir;

    private static Journal.Data data(int n) {
        List<Journal.FileState> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            files.add(new Journal.FileState(i, "f" + i, false, 1000, 7, "f" + i, 0, false, null));
        }
        return new Journal.Data(1, ID, "peer", "/target", 65536, false, files);
    }

    private Path progressLog() {
        return dir.resolve("filetransfer/incoming/" + ID + ".log");
    }

    @Test
    void recordedProgressIsAppliedOnLoadLastLineWinning() throws Exception {
        Journal j = new Journal(dir, ID);
        Journal.Data d = data(3);
        j.save(d);
        j.record(d.files().get(1).withProgress(500, false, null));
        j.record(d.files().get(2).withProgress(1000, true, SHA_A));
        j.record(d.files().get(1).withProgress(1000, true, SHA_B));
        assertEquals(3, j.recordedSinceSave());

        Journal reopened = new Journal(dir, ID);
        Journal.Data got = reopened.load().orElseThrow();
        assertEquals(d.files().get(0), got.files().get(0));
        assertEquals(d.files().get(1).withProgress(1000, true, SHA_B), got.files().get(1));
        assertEquals(d.files().get(2).withProgress(1000, true, SHA_A), got.files().get(2));
        assertFalse(Files.exists(progressLog()), "loading absorbed the log into a new snapshot");
        assertEquals(0, reopened.recordedSinceSave());

        reopened.record(got.files().get(0).withProgress(400, false, null)); // a new log, for the new snapshot
        assertEquals(got.files().get(0).withProgress(400, false, null),
                new Journal(dir, ID).load().orElseThrow().files().get(0));
    }

    @Test
    void aLineRecordedAfterATornOneIsKept() throws Exception {
        Journal j = new Journal(dir, ID);
        Journal.Data d = data(2);
        j.save(d);
        j.record(d.files().get(0).withProgress(200, false, null));
        Files.write(progressLog(), "{\"i\":1,\"pa".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        Journal resumed = new Journal(dir, ID);
        Journal.Data got = resumed.load().orElseThrow();
        resumed.record(got.files().get(1).withProgress(1000, true, SHA_A));
        Journal.Data again = new Journal(dir, ID).load().orElseThrow();
        assertEquals(d.files().get(0).withProgress(200, false, null), again.files().get(0));
        assertEquals(d.files().get(1).withProgress(1000, true, SHA_A), again.files().get(1),
                "not glued to the torn tail and lost with it");
    }

    @Test
    void aSnapshotIsWantedOnceThereAreAsManyLinesAsFilesAtLeast256() throws Exception {
        Journal j = new Journal(dir, ID);
        Journal.Data d = data(3);
        j.save(d);
        for (int i = 0; i < Journal.SNAPSHOT_AFTER_MIN_LINES; i++) {
            assertFalse(j.wantsSnapshot(3), "after " + i + " lines");
            j.record(d.files().get(0).withProgress(i % 1000, false, null));
        }
        assertTrue(j.wantsSnapshot(3));
        assertFalse(j.wantsSnapshot(Journal.SNAPSHOT_AFTER_MIN_LINES + 1), "a transfer of more files waits longer");
        j.save(d);
        assertFalse(j.wantsSnapshot(3));
    }

    @Test
    void aSnapshotAbsorbsTheLogAndALogLeftByACrashIsNotAppliedToANewerSnapshot() throws Exception {
        Journal.Data d = data(2);
        staleLogIsIgnoredUnder(d, new Journal.Data(1, ID, "peer", "/target", 65536, false,
                List.of(d.files().get(0).withProgress(1000, true, "ee"), d.files().get(1))));
    }

    @Test
    void aLogLeftByACrashIsNotAppliedToANewerSnapshotEqualToItsOwn() throws Exception {
        Journal.Data d = data(2);
        staleLogIsIgnoredUnder(d, d); // the same state again, say a file went back to where it was
    }

    /**
     * Records a line under a snapshot of {@code d}, writes {@code newer} and then puts the old log back, as a crash
     * between writing a snapshot and deleting the log it absorbed would leave it: loading must give {@code newer}.
     */
    private void staleLogIsIgnoredUnder(Journal.Data d, Journal.Data newer) throws Exception {
        Journal j = new Journal(dir, ID);
        j.save(d);
        j.record(d.files().get(0).withProgress(300, false, null));
        Path stale = dir.resolve("stale.log");
        Files.copy(progressLog(), stale);
        j.save(newer);
        assertFalse(Files.exists(progressLog()), "the snapshot absorbed the log");
        assertEquals(0, j.recordedSinceSave());
        Files.copy(stale, progressLog(), StandardCopyOption.REPLACE_EXISTING);
        assertEquals(newer.files(), new Journal(dir, ID).load().orElseThrow().files(),
                "an older line must not undo the newer snapshot");
        assertFalse(Files.exists(progressLog()), "and the stale log is removed");
    }

    @Test
    void aTornLastLineAndEverythingFromAForeignLineOnAreIgnored() throws Exception {
        Journal j = new Journal(dir, ID);
        Journal.Data d = data(2);
        j.save(d);
        j.record(d.files().get(0).withProgress(200, false, null));
        Files.write(progressLog(), "{\"i\":1,\"path\":\"f1\",\"dir\":false,\"si".getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.APPEND); // a crash mid-append: no newline
        assertEquals(d.files().get(0).withProgress(200, false, null),
                new Journal(dir, ID).load().orElseThrow().files().get(0));
        assertEquals(d.files().get(1), new Journal(dir, ID).load().orElseThrow().files().get(1));

        ignoredFromThisLineOn(d, new Journal.FileState(5, "f5", false, 1000, 7, "f5", 1000, true, "ff")); // no file 5
        ignoredFromThisLineOn(d, d.files().get(0).withProgress(1000, true, "not a hash")); // done without a SHA-256
        // file 1, but not the file that was offered as file 1
        ignoredFromThisLineOn(d, new Journal.FileState(1, "other", false, 1000, 7, "f1", 1000, true, SHA_B));
    }

    /** A line that does not fit the snapshot of {@code d} is ignored, and so is a good one after it. */
    private void ignoredFromThisLineOn(Journal.Data d, Journal.FileState foreign) throws Exception {
        Journal j = new Journal(dir, ID);
        j.save(d);
        j.record(foreign);
        j.record(d.files().get(1).withProgress(1000, true, SHA_B));
        assertEquals(d.files(), new Journal(dir, ID).load().orElseThrow().files(),
                "nothing after a line that does not fit is trusted: " + foreign);
    }

    @Test
    void deleteRemovesTheSnapshotAndItsLogAndALogWithoutSnapshotIsDropped() throws Exception {
        Journal j = new Journal(dir, ID);
        Journal.Data d = data(1);
        j.save(d);
        j.record(d.files().get(0).withProgress(100, false, null));
        j.delete();
        assertFalse(Files.exists(progressLog()));
        assertTrue(new Journal(dir, ID).load().isEmpty());

        Files.createDirectories(progressLog().getParent());
        Files.writeString(progressLog(), "snapshot 00\n");
        assertTrue(new Journal(dir, ID).load().isEmpty());
        assertFalse(Files.exists(progressLog()), "a log without its snapshot is removed");
    }
}
