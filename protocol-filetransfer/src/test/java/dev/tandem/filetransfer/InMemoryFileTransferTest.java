package dev.tandem.filetransfer;

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
}
