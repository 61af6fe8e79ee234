package dev.tandem.filetransfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Timeout;

import org.junit.jupiter.api.Test;

import java.util.List;

import java.util.HexFormat;

import java.security.MessageDigest;

import java.io.RandomAccessFile;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.TandemNode;
import dev.tandem.testkit.InMemoryNetwork;
import dev.tandem.testkit.InMemoryTransport;
import java.nio.file.Files;
import java.nio.file.Path;

class InMemoryFileTransferTest extends FileTransferScenarios {
    private final InMemoryNetwork network = new InMemoryNetwork();

    @Override
    protected TandemNode.Builder builder(Path dataDir) throws Exception {
        Files.createDirectories(dataDir);
        NetworkIdentity id = NetworkIdentity.loadOrCreate(dataDir.resolve(NetworkIdentity.KEY_FILE));
        return TandemNode.builder().dataDir(dataDir).identity(id).transport(network.newTransport(id))
                .bindHost("127.0.0.1").option("filetransfer.retryBaseMillis", "50");
    }

    @Override
    protected void crash(TandemNode node) {
        ((InMemoryTransport) node.networking().transport()).crash();
    }

    @Test
    @Timeout(300)
    // Here and not in the shared scenarios: 64-bit offsets are the protocol's business, not the transport's,
    // and moving 4 GiB through kwik at its ~20 MB/s would take minutes of every CI run.
    void aSparseFileOver4GiBArrivesIntact() throws Exception {
        long size = (4L << 30) + 3 * MIB + 17; // past 2^32, not chunk-aligned
        Path src = dir.resolve("src/disk.img");
        Files.createDirectories(src.getParent());
        try (RandomAccessFile f = new RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(size);
        }
        TransferResult r = await(FileTransfer.of(a).send(b.id(), List.of(src)).result());
        Path dst = inbox(b, "a").resolve("disk.img");
        assertEquals(size, Files.size(dst));
        // The expected hash of `size` zero bytes, computed without touching either file.
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] zeros = new byte[4 * MIB];
        for (long left = size; left > 0; left -= zeros.length) {
            md.update(zeros, 0, (int) Math.min(zeros.length, left));
        }
        String expected = HexFormat.of().formatHex(md.digest());
        assertEquals(expected, r.files().get(0).sha256());
        try (RandomAccessFile f = new RandomAccessFile(dst.toFile(), "r")) {
            f.seek(size - 1);
            assertEquals(0, f.read());
            assertEquals(-1, f.read());
        }
    }
}
