package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tandem.core.internal.AtomicFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The local control channel between {@code tandem up} and the other commands run for the same data
 * directory. The daemon listens on loopback TCP and writes {@value #FILE} (mode 0600) with its port, a
 * random token and its pid; a command that finds a live daemon sends its arguments and the token as one
 * JSON line, and the daemon runs the command against its running node, streaming the output back as JSON
 * lines ({"o":...} for stdout, {"e":...} for stderr) and ending with {"exit":N}.
 */
final class Control {
    static final String FILE = "control.json";
    static final int MAX_REQUEST = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Endpoint(int port, String token, long pid) { }

    private Control() {
    }

    static void publish(Path dataDir, Endpoint e) throws IOException {
        ObjectNode n = JSON.createObjectNode().put("port", e.port()).put("token", e.token()).put("pid", e.pid());
        AtomicFiles.write(dataDir.resolve(FILE), JSON.writeValueAsBytes(n), true);
    }

    static void withdraw(Path dataDir, Endpoint e) throws IOException {
        Optional<Endpoint> current = read(dataDir);
        if (current.isPresent() && current.get().token().equals(e.token())) {
            Files.deleteIfExists(dataDir.resolve(FILE));
        }
    }

    static Optional<Endpoint> read(Path dataDir) throws IOException {
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(dataDir.resolve(FILE)));
            return Optional.of(new Endpoint(n.path("port").asInt(), n.path("token").asText(), n.path("pid").asLong()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty(); // a torn or foreign file: treat as no daemon
        }
    }

    static boolean tokenMatches(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    static String newToken() {
        byte[] b = new byte[32];
        new java.security.SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Runs {@code args} in the daemon for {@code dataDir}, if one is running.
     *
     * @return the exit code, or empty if no daemon answers (the caller then runs the command itself)
     */
    static Optional<Integer> forward(Path dataDir, List<String> args, PrintWriter out, PrintWriter err)
            throws IOException {
        Optional<Endpoint> ep = read(dataDir);
        if (ep.isEmpty()) {
            return Optional.empty();
        }
        if (ProcessHandle.of(ep.get().pid()).map(ProcessHandle::isAlive).orElse(false) == false) {
            return Optional.empty(); // left behind by a daemon that died
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ep.get().port()), 2000);
            ObjectNode req = JSON.createObjectNode().put("token", ep.get().token());
            var arr = req.putArray("args");
            args.forEach(arr::add);
            OutputStream os = s.getOutputStream();
            os.write(JSON.writeValueAsBytes(req));
            os.write('\n');
            os.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null;) {
                JsonNode n = JSON.readTree(line);
                if (n.has("o")) {
                    out.print(n.get("o").asText());
                    out.flush();
                } else if (n.has("e")) {
                    err.print(n.get("e").asText());
                    err.flush();
                } else if (n.has("exit")) {
                    return Optional.of(n.get("exit").asInt());
                }
            }
            throw new IOException("tandem up stopped while running the command");
        } catch (ConnectException e) {
            return Optional.empty();
        }
    }

    /** A writer that turns everything written into JSON lines under one key ("o" or "e"). */
    static final class JsonLineWriter extends Writer {
        private final OutputStream sink;
        private final String key;

        JsonLineWriter(OutputStream sink, String key) {
            this.sink = sink;
            this.key = key;
        }

        @Override
        public void write(char[] cbuf, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            byte[] line = JSON.writeValueAsBytes(JSON.createObjectNode().put(key, new String(cbuf, off, len)));
            synchronized (sink) {
                sink.write(line);
                sink.write('\n');
            }
        }

        @Override
        public void flush() throws IOException {
            synchronized (sink) {
                sink.flush();
            }
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
