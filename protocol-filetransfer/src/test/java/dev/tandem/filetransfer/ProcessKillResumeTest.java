package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL mid-transfer, then restart on the same data dir: the transfer continues from the last journaled,
 * verified byte. The transport comes from {@code -Dtandem.test.transport}:
 * <ul>
 *   <li>a real one (e.g. {@code kwik}, after the QUIC merge): sender and receiver are separate child JVMs,
 *       and exactly one of them is killed and restarted;</li>
 *   <li>{@code memory} (the default, since it cannot cross processes): both nodes live in one child JVM and
 *       that whole process is killed, so both sides restart from their files.</li>
 * </ul>
 */
@Timeout(240)
class ProcessKillResumeTest {
    private static final int MIB = 1 << 20;
    private static final String SECRET = "a1".repeat(32);

    @TempDir
    Path dir;

    private Path source(long size) throws Exception {
        Path p = dir.resolve("src/payload.bin");
        Files.createDirectories(p.getParent());
        Random r = new Random(99);
        byte[] buf = new byte[MIB];
        try (var out = Files.newOutputStream(p)) {
            for (long left = size; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
        return p;
    }

    private static long progress(String line) {
        return Long.parseLong(line.split(" ")[1]);
    }

    @Test
    void aKilledReceiverResumesAfterRestart() throws Exception {
        if (ChildJvm.TRANSPORT.equals("memory")) {
            wholePairKilledAndRestarted(24 * MIB);
            return;
        }
        Path src = source(48L * MIB);
        Path log = dir.resolve("children.log");
        Path rdir = dir.resolve("receiver");
        try (ChildJvm receiver = new ChildJvm("256m", log, "receiver", rdir.toString(), SECRET);
             ChildJvm sender = new ChildJvm("256m", log, "sender", dir.resolve("sender").toString(), SECRET,
                     src.toString(), String.valueOf(8L * MIB))) {
            String[] r = receiver.await(l -> l.startsWith("READY"), 60).split(" ");
            String[] s = sender.await(l -> l.startsWith("READY"), 60).split(" ");
            receiver.send("TRUST " + s[1] + " " + s[2]);
            receiver.await(l -> l.equals("TRUSTED"), 30);
            sender.send("TRUST " + r[1] + " " + r[2]);
            sender.await(l -> l.equals("TRUSTED"), 30);
            sender.send("GO");
            receiver.await(l -> l.startsWith("PROGRESS") && progress(l) >= 16L * MIB, 120);
            receiver.kill();
            assertFalse(journals(rdir).isEmpty(), "the journal survived SIGKILL");

            try (ChildJvm again = new ChildJvm("256m", log, "receiver", rdir.toString(), SECRET)) {
                String[] r2 = again.await(l -> l.startsWith("READY"), 60).split(" ");
                assertEquals(r[1], r2[1], "same identity after restart");
                again.send("TRUST " + s[1] + " " + s[2]);
                again.await(l -> l.equals("TRUSTED"), 30);
                sender.send("TRUST " + r2[1] + " " + r2[2]); // its new port
                String done = again.await(l -> l.startsWith("DONE"), 180);
                assertTrue(ChildJvm.field(done, "resumed") >= 14L * MIB, done);
                assertEquals(ChildJvm.field(done, "total") - ChildJvm.field(done, "resumed"), ChildJvm.field(done, "sent"), done);
                String sent = sender.await(l -> l.startsWith("DONE"), 60);
                assertEquals(FileTransferScenarios.sha256(src), ChildJvm.text(sent, "sha"));
                assertEquals(FileTransferScenarios.sha256(src),
                        FileTransferScenarios.sha256(rdir.resolve("inbox/sender/payload.bin")));
            }
        }
    }

    @Test
    void aKilledSenderResumesWhenRestartedAndSentAgain() throws Exception {
        if (ChildJvm.TRANSPORT.equals("memory")) {
            wholePairKilledAndRestarted(40 * MIB);
            return;
        }
        Path src = source(48L * MIB);
        Path log = dir.resolve("children.log");
        Path rdir = dir.resolve("receiver");
        Path sdir = dir.resolve("sender");
        try (ChildJvm receiver = new ChildJvm("256m", log, "receiver", rdir.toString(), SECRET)) {
            String[] r = receiver.await(l -> l.startsWith("READY"), 60).split(" ");
            String[] s;
            try (ChildJvm sender = new ChildJvm("256m", log, "sender", sdir.toString(), SECRET, src.toString(),
                    String.valueOf(8L * MIB))) {
                s = sender.await(l -> l.startsWith("READY"), 60).split(" ");
                receiver.send("TRUST " + s[1] + " " + s[2]);
                receiver.await(l -> l.equals("TRUSTED"), 30);
                sender.send("TRUST " + r[1] + " " + r[2]);
                sender.await(l -> l.equals("TRUSTED"), 30);
                sender.send("GO");
                receiver.await(l -> l.startsWith("PROGRESS") && progress(l) >= 16L * MIB, 120);
                sender.kill();
            }
            try (ChildJvm sender = new ChildJvm("256m", log, "sender", sdir.toString(), SECRET, src.toString(), "0")) {
                String[] s2 = sender.await(l -> l.startsWith("READY"), 60).split(" ");
                assertEquals(s[1], s2[1], "same identity after restart");
                receiver.send("TRUST " + s2[1] + " " + s2[2]);
                receiver.await(l -> l.equals("TRUSTED"), 30);
                sender.send("TRUST " + r[1] + " " + r[2]);
                sender.await(l -> l.equals("TRUSTED"), 30);
                sender.send("GO");
                String done = sender.await(l -> l.startsWith("DONE"), 180);
                assertTrue(ChildJvm.field(done, "resumed") >= 14L * MIB, done);
                assertEquals(ChildJvm.field(done, "total") - ChildJvm.field(done, "resumed"), ChildJvm.field(done, "sent"), done);
                assertEquals(FileTransferScenarios.sha256(src),
                        FileTransferScenarios.sha256(rdir.resolve("inbox/sender/payload.bin")));
            }
        }
    }

    /** In-memory fallback: one child holds both nodes; SIGKILL it mid-transfer, start it again. */
    private void wholePairKilledAndRestarted(long killAfter) throws Exception {
        long size = 64L * MIB;
        Path src = source(size);
        Path log = dir.resolve("children.log");
        Path da = dir.resolve("a");
        Path db = dir.resolve("b");
        try (ChildJvm first = new ChildJvm("256m", log, "pair", da.toString(), db.toString(), src.toString(),
                String.valueOf(16L * MIB))) {
            first.await(l -> l.startsWith("PROGRESS") && progress(l) >= killAfter, 120);
            first.kill();
        }
        List<Path> js = journals(db);
        assertEquals(1, js.size(), "the receiver's journal survived SIGKILL");
        try (ChildJvm second = new ChildJvm("256m", log, "pair", da.toString(), db.toString(), src.toString(), "0")) {
            String done = second.await(l -> l.startsWith("DONE"), 180);
            long resumed = ChildJvm.field(done, "resumed");
            // The journal lags the kill by at most one checkpoint (2 MiB or 200 ms at 16 MiB/s).
            assertTrue(resumed >= killAfter - 6L * MIB, done);
            assertEquals(size - resumed, ChildJvm.field(done, "sent"), "verified bytes were not sent again: " + done);
            assertEquals(FileTransferScenarios.sha256(src), ChildJvm.text(done, "sha"));
            assertEquals(FileTransferScenarios.sha256(src), FileTransferScenarios.sha256(db.resolve("inbox/a/payload.bin")));
            assertTrue(journals(db).isEmpty());
        }
    }

    private static List<Path> journals(Path dataDir) throws Exception {
        Path d = dataDir.resolve("filetransfer/incoming");
        if (!Files.exists(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.toString().endsWith(".json")).toList();
        }
    }

}
