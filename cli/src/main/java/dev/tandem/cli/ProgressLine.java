package dev.tandem.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tandem.core.NodeId;
import dev.tandem.core.transport.PathKind;
import dev.tandem.filetransfer.Direction;
import dev.tandem.filetransfer.TransferProgress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Shows transfer progress: a bar redrawn in place on a terminal, a plain line every few seconds
 * otherwise, a JSON object per update with {@code --json}, nothing with {@code --quiet}.
 */
final class ProgressLine {
    private static final long PLAIN_EVERY_NANOS = Duration.ofSeconds(2).toNanos();
    /** JSON goes to programs (the demo draws its bar from it), so it may come more often than plain lines. */
    private static final long JSON_EVERY_NANOS = Duration.ofMillis(250).toNanos();
    private final PrintWriter out;
    private final boolean terminal;
    private final boolean json;
    private final boolean quiet;
    private long lastPrinted;
    private int lastWidth;

    ProgressLine(PrintWriter out, boolean terminal, boolean json, boolean quiet) {
        this.out = out;
        this.terminal = terminal && !json;
        this.json = json;
        this.quiet = quiet;
    }

    synchronized void update(TransferProgress p, boolean last) {
        if (quiet) {
            return;
        }
        long now = System.nanoTime();
        if (!last && !terminal && now - lastPrinted < (json ? JSON_EVERY_NANOS : PLAIN_EVERY_NANOS)) {
            return;
        }
        lastPrinted = now;
        if (json) {
            out.println(Output.toJson(fields(p)));
        } else if (terminal) {
            String line = render(p, 30);
            out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
            if (last) {
                out.println();
            }
        } else {
            out.println(render(p, 20));
        }
        out.flush();
    }

    static String render(TransferProgress p, int barWidth) {
        double f = Math.max(0, Math.min(1, p.fraction()));
        int filled = (int) Math.round(f * barWidth);
        String bar = "#".repeat(filled) + "-".repeat(barWidth - filled);
        String eta = p.eta().map(ProgressLine::duration).orElse("--");
        String path = p.path().map(k -> k.name().toLowerCase()).orElse("-");
        return String.format("[%s] %5.1f%%  %s / %s  %s/s  ETA %s  %d/%d files  %s%s", bar, f * 100,
                bytes(p.bytesDone()), bytes(p.bytesTotal()), bytes((long) p.bytesPerSecond()), eta, p.filesDone(),
                p.filesTotal(), path, p.attempt() > 1 ? "  (attempt " + p.attempt() + ")" : "");
    }

    static Map<String, Object> fields(TransferProgress p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "progress");
        m.put("transfer", p.transferId());
        m.put("direction", p.direction().name().toLowerCase());
        m.put("bytesDone", p.bytesDone());
        m.put("bytesTotal", p.bytesTotal());
        m.put("filesDone", p.filesDone());
        m.put("filesTotal", p.filesTotal());
        m.put("bytesPerSecond", Math.round(p.bytesPerSecond()));
        m.put("etaSeconds", p.eta().map(Duration::toSeconds).orElse(null));
        m.put("currentFile", p.currentFile());
        m.put("path", p.path().map(k -> k.name().toLowerCase()).orElse(null));
        m.put("attempt", p.attempt());
        return m;
    }

    /** The inverse of {@link #fields}: progress printed as JSON by another process, with its peer. */
    static TransferProgress fromFields(JsonNode n, NodeId peer) {
        JsonNode eta = n.path("etaSeconds");
        String path = n.path("path").asText(null);
        return new TransferProgress(n.path("transfer").asText(), peer,
                Direction.valueOf(n.path("direction").asText("send").toUpperCase(Locale.ROOT)),
                n.path("bytesDone").asLong(), n.path("bytesTotal").asLong(), n.path("filesDone").asInt(),
                n.path("filesTotal").asInt(), n.path("bytesPerSecond").asDouble(),
                eta.isNumber() ? Optional.of(Duration.ofSeconds(eta.asLong())) : Optional.empty(),
                n.path("currentFile").asText(""),
                path == null ? Optional.empty() : Optional.of(PathKind.valueOf(path.toUpperCase(Locale.ROOT))),
                n.path("attempt").asInt(1));
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }

    static String duration(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
