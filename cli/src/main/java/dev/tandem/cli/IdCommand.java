package dev.tandem.cli;

import dev.tandem.core.NetworkIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code tandem id}: this node's id, creating the identity on first use. */
@Command(name = "id", mixinStandardHelpOptions = true,
        description = "Print this node's id (its Ed25519 public key), creating the key on first use.")
final class IdCommand implements Callable<Integer> {
    @ParentCommand
    TandemCommand root;

    @Override
    public Integer call() throws Exception {
        Path key = root.dataDir().resolve(NetworkIdentity.KEY_FILE);
        boolean existed = Files.exists(key);
        NetworkIdentity id = NetworkIdentity.loadOrCreate(key);
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("nodeId", id.nodeId().toHex());
        fields.put("short", id.nodeId().shortForm());
        fields.put("keyFile", key.toAbsolutePath().toString());
        fields.put("created", !existed);
        root.output().result(id.nodeId().toHex(), fields);
        return ExitCodes.OK;
    }
}
