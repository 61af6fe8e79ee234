package dev.tandem.core.device;

import java.util.Objects;

/** What a device says about itself: a display name, its operating system and application version. */
public record DeviceInfo(String name, String os, String appVersion) {
    /** Longest accepted field, in characters; longer values from a peer are cut. */
    public static final int MAX_FIELD = 64;

    public DeviceInfo {
        name = clean(name);
        os = clean(os);
        appVersion = clean(appVersion);
    }

    /** Info for an unknown device. */
    public static DeviceInfo unknown() {
        return new DeviceInfo("", "", "");
    }

    /** Info describing this machine. */
    public static DeviceInfo local(String appVersion) {
        String host = System.getenv().getOrDefault("HOSTNAME", "");
        if (host.isEmpty()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "device";
            }
        }
        return new DeviceInfo(host, System.getProperty("os.name", "") + " " + System.getProperty("os.arch", ""),
                appVersion);
    }

    /** Strips control characters and caps the length, since these values come from peers. */
    private static String clean(String s) {
        Objects.requireNonNull(s);
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_FIELD));
        s.codePoints().filter(cp -> !Character.isISOControl(cp) && Character.getType(cp) != Character.FORMAT)
                .limit(MAX_FIELD).forEach(b::appendCodePoint);
        return b.toString().strip();
    }
}
