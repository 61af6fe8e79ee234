package dev.tandem.cli;

import dev.tandem.core.device.Device;
import dev.tandem.core.device.DeviceRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code tandem devices}: the devices this node knows. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "List paired devices with their state and when they were last seen.")
final class DevicesCommand implements Callable<Integer> {
    @ParentCommand
    TandemCommand root;

    @Override
    public Integer call() throws Exception {
        DeviceRegistry registry = DeviceRegistry.open(root.dataDir().resolve(DeviceRegistry.FILE));
        List<Device> all = registry.all();
        Output out = root.output();
        if (out.json()) {
            for (Device d : all) {
                out.result("", describe(d));
            }
            return ExitCodes.OK;
        }
        if (all.isEmpty()) {
            out.result("No paired devices yet. Pair one: run `tandem pair` here and `tandem join <words>` there.", Map.of());
            return ExitCodes.OK;
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format("%-20s %-12s %-13s %-16s %s", "NAME", "ID", "STATE", "LAST SEEN", "ADDRESSES"));
        for (Device d : all) {
            lines.add(String.format("%-20s %-12s %-13s %-16s %s", d.displayName(), d.id().shortForm(), d.state(),
                    d.lastSeen().map(DevicesCommand::ago).orElse("never"), d.addresses()));
        }
        out.result(String.join("\n", lines), Map.of());
        return ExitCodes.OK;
    }

    static Map<String, Object> describe(Device d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id().toHex());
        m.put("name", d.info().name());
        m.put("os", d.info().os());
        m.put("state", d.state().name());
        m.put("pairedAt", d.pairedAt().map(Instant::toString).orElse(null));
        m.put("lastSeen", d.lastSeen().map(Instant::toString).orElse(null));
        m.put("roundTripMs", d.roundTrip().map(r -> r.toNanos() / 1e6).orElse(null));
        m.put("addresses", d.addresses().stream().map(Object::toString).toList());
        return m;
    }

    static String ago(Instant t) {
        Duration d = Duration.between(t, Instant.now());
        if (d.toSeconds() < 60) {
            return d.toSeconds() + " s ago";
        }
        if (d.toMinutes() < 60) {
            return d.toMinutes() + " min ago";
        }
        if (d.toHours() < 48) {
            return d.toHours() + " h ago";
        }
        return d.toDays() + " days ago";
    }
}
