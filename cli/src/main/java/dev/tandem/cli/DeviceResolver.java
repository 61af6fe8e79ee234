package dev.tandem.cli;

import dev.tandem.core.device.Device;
import dev.tandem.core.device.DeviceRegistry;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Finds a device by its name, a unique prefix of its id, or its full id; ambiguity lists the candidates. */
final class DeviceResolver {
    private DeviceResolver() {
    }

    static Device resolve(DeviceRegistry registry, String query) {
        List<Device> all = registry.all();
        String q = query.strip();
        List<Device> byName = all.stream().filter(d -> d.info().name().equalsIgnoreCase(q)).toList();
        if (byName.size() == 1) {
            return byName.get(0);
        }
        List<Device> byId = q.length() >= 4 && q.matches("(?i)[0-9a-f]+")
                ? all.stream().filter(d -> d.id().matchesPrefix(q)).toList() : List.of();
        if (byName.isEmpty() && byId.size() == 1) {
            return byId.get(0);
        }
        List<Device> candidates = byName.isEmpty() ? byId : byName;
        if (candidates.size() > 1) {
            throw new Failures.BadInputException("'" + query + "' matches " + candidates.size()
                    + " devices; say which by id:\n" + candidates.stream()
                            .map(d -> "  " + d.id().toHex().substring(0, 16) + "  " + d.displayName() + "  " + d.state())
                            .collect(Collectors.joining("\n")));
        }
        String known = all.isEmpty() ? "no devices are known yet; pair one with `tandem pair`"
                : "known devices: " + all.stream().map(d -> d.displayName() + " (" + d.id().shortForm() + ")")
                        .collect(Collectors.joining(", "));
        throw new Failures.BadInputException("no device called '" + query.toLowerCase(Locale.ROOT)
                + "'; " + known);
    }
}
