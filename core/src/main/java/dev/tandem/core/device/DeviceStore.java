package dev.tandem.core.device;

import dev.tandem.core.NodeId;
import dev.tandem.core.internal.AtomicFiles;
import dev.tandem.core.internal.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry's file: paired devices as JSON, replaced atomically, mode 0600 (it holds pair secrets).
 * Only trusted devices are kept; a device that was connected when the file was written loads as PAIRED.
 */
final class DeviceStore {
    private static final int VERSION = 1;
    private final Path file;

    DeviceStore(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    List<Device> load() throws IOException {
        AtomicFiles.cleanStale(file);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        try {
            Map<?, ?> root = (Map<?, ?>) Json.parse(text);
            Object version = root.get("version");
            if (!Long.valueOf(VERSION).equals(version)) {
                throw new IOException("device registry " + file + " has unsupported version " + version);
            }
            List<Device> out = new ArrayList<>();
            for (Object o : (List<?>) root.get("devices")) {
                out.add(fromJson((Map<?, ?>) o));
            }
            return out;
        } catch (ClassCastException | IllegalArgumentException | NullPointerException e) {
            throw new IOException("device registry " + file + " is corrupt: " + e.getMessage()
                    + "; restore it from a backup or move it away (paired devices would have to pair again)", e);
        }
    }

    void save(List<Device> devices) throws IOException {
        List<Object> list = new ArrayList<>();
        for (Device d : devices) {
            if (d.state().isPaired()) {
                list.add(toJson(d));
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", (long) VERSION);
        root.put("devices", list);
        AtomicFiles.write(file, Json.write(root).getBytes(StandardCharsets.UTF_8), true);
    }

    private static Map<String, Object> toJson(Device d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id().toHex());
        m.put("name", d.info().name());
        m.put("os", d.info().os());
        m.put("appVersion", d.info().appVersion());
        List<Object> addrs = new ArrayList<>();
        for (InetSocketAddress a : d.addresses()) {
            if (a.getAddress() != null) { // unresolved names are hints for this run only
                addrs.add(a.getAddress().getHostAddress() + "|" + a.getPort());
            }
        }
        m.put("addresses", addrs);
        m.put("relayUrl", d.relayUrl().map(URI::toString).orElse(null));
        m.put("pairedAt", d.pairedAt().map(Instant::toEpochMilli).orElse(null));
        m.put("lastSeen", d.lastSeen().map(Instant::toEpochMilli).orElse(null));
        m.put("roundTripMicros", d.roundTrip().map(r -> r.toNanos() / 1000).orElse(null));
        m.put("secret", d.secret().map(PairSecret::encode).orElse(null));
        return m;
    }

    private static Device fromJson(Map<?, ?> m) throws IOException {
        NodeId id = NodeId.parse((String) m.get("id"));
        DeviceInfo info = new DeviceInfo((String) m.get("name"), (String) m.get("os"), (String) m.get("appVersion"));
        List<InetSocketAddress> addrs = new ArrayList<>();
        for (Object o : (List<?>) m.get("addresses")) {
            String s = (String) o;
            int bar = s.lastIndexOf('|');
            if (bar < 0) {
                throw new IllegalArgumentException("bad address '" + s + "'");
            }
            // Only literal IPs are stored, so this never does a name lookup.
            addrs.add(new InetSocketAddress(InetAddress.getByName(s.substring(0, bar)),
                    Integer.parseInt(s.substring(bar + 1))));
        }
        Optional<URI> relay = Optional.ofNullable((String) m.get("relayUrl")).map(URI::create);
        Optional<Instant> pairedAt = Optional.ofNullable((Long) m.get("pairedAt")).map(Instant::ofEpochMilli);
        Optional<Instant> lastSeen = Optional.ofNullable((Long) m.get("lastSeen")).map(Instant::ofEpochMilli);
        Optional<Duration> rtt = Optional.ofNullable((Long) m.get("roundTripMicros")).map(Duration::ofNanos)
                .map(d -> d.multipliedBy(1000));
        Optional<PairSecret> secret = Optional.ofNullable((String) m.get("secret")).map(PairSecret::decode);
        return new Device(id, info, DeviceState.PAIRED, addrs, relay, pairedAt, lastSeen, rtt, secret);
    }
}
