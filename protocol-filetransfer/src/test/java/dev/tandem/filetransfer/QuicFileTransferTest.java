package dev.tandem.filetransfer;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.TandemNode;
import dev.tandem.quic.QuicTransport;
import java.nio.file.Files;
import java.nio.file.Path;

/** The file transfer scenarios over the real QUIC transport on loopback UDP. */
class QuicFileTransferTest extends FileTransferScenarios {
    @Override
    protected TandemNode.Builder builder(Path dataDir) throws Exception {
        Files.createDirectories(dataDir);
        NetworkIdentity id = NetworkIdentity.loadOrCreate(dataDir.resolve(NetworkIdentity.KEY_FILE));
        return TandemNode.builder().dataDir(dataDir).identity(id).transport("kwik").bindHost("127.0.0.1")
                .option("filetransfer.retryBaseMillis", "50");
    }

    @Override
    protected void crash(TandemNode node) {
        ((QuicTransport) node.networking().transport()).crash();
    }
}
