package dev.tandem.cli;

import dev.tandem.core.TandemNode;
import dev.tandem.core.device.Device;
import dev.tandem.filetransfer.FileTransfer;
import dev.tandem.filetransfer.Transfer;
import dev.tandem.filetransfer.TransferException;
import dev.tandem.filetransfer.TransferProgress;
import dev.tandem.filetransfer.TransferResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tandem send <device> <path...>}: sends files and folders, encrypted end to end and verified. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Send files and folders to a paired device; it verifies every file's SHA-256 before keeping it.")
final class SendCommand extends NodeCommand {
    @Parameters(index = "0", paramLabel = "DEVICE", description = "Device name, id prefix or full id.")
    String device;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Files or folders to send.")
    List<Path> paths;

    @Option(names = {"-q", "--quiet"}, description = "No progress, only the result.")
    boolean quiet;

    @Override
    int run(TandemNode node, Output out) throws Exception {
        Device d = DeviceResolver.resolve(node.devices(), device);
        for (Path p : paths) {
            if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new Failures.BadInputException("no such file: " + p);
            }
        }
        boolean terminal = System.console() != null && root.daemonNode == null;
        ProgressLine progress = new ProgressLine(out.writer(), terminal, out.json(), quiet);
        Transfer t;
        try {
            t = FileTransfer.of(node).send(d.id(), paths.stream().map(Path::toAbsolutePath).toList());
        } catch (TransferException e) {
            throw new Failures.UserFacingException("cannot send: " + e.getMessage(), e);
        }
        AutoCloseable sub = node.events().subscribe(TransferProgress.class, p -> {
            if (p.transferId().equals(t.id())) {
                progress.update(p, false);
            }
        });
        TransferResult r;
        try {
            r = Failures.await(t.result(), 7, java.util.concurrent.TimeUnit.DAYS, d);
        } catch (ExecutionException | TransferException e) {
            throw new Failures.UserFacingException("transfer failed: " + e.getMessage(), e);
        } finally {
            sub.close();
        }
        progress.update(t.progress(), true);
        out.result(summary(d, r), fields(d, r));
        return ExitCodes.OK;
    }

    private static String summary(Device d, TransferResult r) {
        double secs = Math.max(1e-3, r.duration().toNanos() / 1e9);
        StringBuilder b = new StringBuilder(String.format("sent %d file%s (%s) to %s in %.1f s, %.1f MB/s%s",
                r.files().stream().filter(f -> !f.directory()).count(), r.files().size() == 1 ? "" : "s",
                ProgressLine.bytes(r.totalBytes()), d.displayName(), secs, r.totalBytes() / secs / 1e6,
                r.bytesResumed() > 0 ? ", resumed after " + ProgressLine.bytes(r.bytesResumed()) : ""));
        for (TransferResult.FileResult f : r.files()) {
            if (!f.directory()) {
                b.append("\n  SHA-256 ").append(f.sha256()).append("  ").append(f.path());
            }
        }
        return b.toString();
    }

    private static Map<String, Object> fields(Device d, TransferResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("event", "sent");
        m.put("transfer", r.transferId());
        m.put("to", d.id().toHex());
        m.put("totalBytes", r.totalBytes());
        m.put("bytesResumed", r.bytesResumed());
        m.put("attempts", r.attempts());
        m.put("seconds", r.duration().toNanos() / 1e9);
        m.put("files", r.files().stream().filter(f -> !f.directory())
                .map(f -> Map.of("path", f.path(), "size", f.size(), "sha256", f.sha256())).toList());
        return m;
    }
}
