package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.discovery.lan.LanDiscovery;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of commands that run a node. */
final class NodeOptions {
    /** The port `tandem up` listens on unless told otherwise, so paired devices find it again. */
    static final int DEFAULT_PORT = 7420;

    @Option(names = "--port", paramLabel = "PORT",
            description = "UDP port to listen on (default " + DEFAULT_PORT + ", or any free port if it is taken; 0 = any).")
    Integer port;

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Local address to listen on (default: all).")
    String bind = "0.0.0.0";

    @Option(names = "--transport", paramLabel = "NAME",
            description = "Transport to use: netty (native QUIC), kwik (pure Java), auto = the best that runs here "
                    + "(default), or any other on the class path.")
    String transport;

    @Option(names = "--name", paramLabel = "NAME", description = "Name this device shows to others (default: host name).")
    String name;

    @Option(names = "--no-lan", description = "Neither announce this node nor look for others on the local network"
            + " (pairing then needs the tandem: link).")
    boolean noLan;

    TandemNode start(Path dataDir) throws IOException {
        if (port != null) {
            return start(dataDir, port);
        }
        try {
            return start(dataDir, DEFAULT_PORT);
        } catch (java.net.BindException | java.io.UncheckedIOException e) {
            // The usual port is taken (another node on this machine): any free one will do.
            return start(dataDir, 0);
        }
    }

    private TandemNode start(Path dataDir, int port) throws IOException {
        TandemNode.Builder b = TandemNode.builder().dataDir(dataDir).port(port).bindHost(bind);
        if (transport != null) {
            b.transport(transport);
        }
        if (noLan) {
            b.option(LanDiscovery.OPTION_ENABLED, "false");
        }
        DeviceInfo local = DeviceInfo.local(TandemCommand.version());
        b.deviceInfo(name == null ? local : new DeviceInfo(name, local.os(), local.appVersion()));
        return b.build().start();
    }
}
