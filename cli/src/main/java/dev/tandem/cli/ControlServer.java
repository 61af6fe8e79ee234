package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.core.TandemNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The daemon's end of {@link Control}: runs commands sent by local clients that know the token. */
final class ControlServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ServerSocket server;
    private final TandemNode node;
    private final Path dataDir;
    private final Control.Endpoint endpoint;
    private final Runnable stop;

    ControlServer(TandemNode node, Path dataDir, Runnable stop) throws IOException {
        this.node = node;
        this.stop = stop;
        this.dataDir = dataDir;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        this.endpoint = new Control.Endpoint(server.getLocalPort(), Control.newToken(), ProcessHandle.current().pid());
        Control.publish(dataDir, endpoint);
        Thread t = new Thread(this::acceptLoop, "tandem-control");
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve(s), "tandem-control-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("control endpoint stopped accepting: {}", e.toString());
                }
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(10_000); // the request line must come quickly; the command itself may take long
            JsonNode req = JSON.readTree(readLine(s.getInputStream()));
            OutputStream os = s.getOutputStream();
            if (!Control.tokenMatches(endpoint.token(), req.path("token").asText(null))) {
                log.warn("refused a control request with a wrong token");
                reply(os, "e", "tandem: not authorised to control this node\n");
                reply(os, "exit", ExitCodes.FAILED);
                return;
            }
            s.setSoTimeout(0);
            List<String> args = new ArrayList<>();
            req.path("args").forEach(a -> args.add(a.asText()));
            PrintWriter out = new PrintWriter(new Control.JsonLineWriter(os, "o"), true);
            PrintWriter err = new PrintWriter(new Control.JsonLineWriter(os, "e"), true);
            // `tandem down` stops the daemon only once its client has the answer: stopping first would end
            // this process before the exit code went out.
            java.util.concurrent.atomic.AtomicBoolean stopRequested = new java.util.concurrent.atomic.AtomicBoolean();
            var cl = TandemCommand.commandLine(args, node, () -> stopRequested.set(true));
            cl.setOut(out);
            cl.setErr(err);
            int exit = cl.execute(args.toArray(String[]::new));
            out.flush();
            err.flush();
            try {
                reply(os, "exit", exit);
            } finally {
                if (stopRequested.get()) {
                    stop.run();
                }
            }
        } catch (IOException e) {
            log.debug("control client went away: {}", e.toString());
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n';) {
            if (c < 0) {
                throw new IOException("control request ended early");
            }
            if (b.size() >= Control.MAX_REQUEST) {
                throw new IOException("control request too long");
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static void reply(OutputStream os, String key, Object value) throws IOException {
        synchronized (os) {
            os.write(JSON.writeValueAsBytes(java.util.Map.of(key, value)));
            os.write('\n');
            os.flush();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Control.withdraw(dataDir, endpoint);
    }
}
