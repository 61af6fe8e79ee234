package dev.tandem.filetransfer;

import com.sun.management.OperatingSystemMXBean;
import dev.tandem.core.TandemNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Measures file transfer between two started, paired nodes in this JVM: sends a generated file of N random
 * bytes R times and reports throughput, CPU per GiB (both nodes, whole process), peak heap and reconnects.
 * Library code for {@code tandem bench filetransfer}; it prints nothing. While it runs, the receiving node's
 * policy accepts into {@code workDir/received}, which is emptied after each run.
 */
public final class TransferBench {
    /**
     * One run. {@code reconnects} counts attempts after the first (a stall or drop that was resumed);
     * {@code error} is null when the file arrived verified, else why the transfer failed.
     */
    public record Run(long bytes, double megabytesPerSecond, double cpuSecondsPerGiB, long peakHeapBytes,
            int reconnects, double seconds, String error) {
        public boolean ok() {
            return error == null;
        }
    }

    private TransferBench() {
    }

    public static List<Run> run(TandemNode from, TandemNode to, Path workDir, long bytes, int runs) throws Exception {
        return run(from, to, workDir, bytes, 1, runs);
    }

    /** As {@link #run(TandemNode, TandemNode, Path, long, int)}, sending a folder of {@code files} files of {@code bytes} in all. */
    public static List<Run> run(TandemNode from, TandemNode to, Path workDir, long bytes, int files, int runs)
            throws Exception {
        Path src = prepare(workDir, bytes, files);
        Path received = workDir.resolve("received");
        FileTransfer.of(to).receivePolicy(o -> ReceivePolicy.Decision.accept(received));
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        List<Run> out = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            heap.forEach(MemoryPoolMXBean::resetPeakUsage);
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            int reconnects = 0;
            String error = null;
            try {
                TransferResult r = FileTransfer.of(from).send(to.id(), List.of(src)).result().get(1, TimeUnit.HOURS);
                reconnects = r.attempts() - 1;
            } catch (ExecutionException e) {
                error = String.valueOf(e.getCause());
            } catch (TimeoutException e) {
                error = "no outcome within an hour";
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
            out.add(new Run(bytes, error == null ? bytes / 1e6 / secs : 0, cpu / (bytes / (double) (1L << 30)), peak,
                    reconnects, secs, error));
            deleteTree(received);
        }
        return out;
    }

    /** {@link #cryptoCpuSecondsPerGiB(long, int)} with the chunk size {@code sender}'s transfers use. */
    public static double cryptoCpuSecondsPerGiB(TandemNode sender, long bytes) {
        return cryptoCpuSecondsPerGiB(bytes, FileTransfer.of(sender).chunkSize());
    }

    /**
     * CPU seconds per GiB that any transfer spends beyond the raw stream it rides on, however its code is written:
     * sealing and opening each chunk with AES-256-GCM and hashing the data with SHA-256 at both ends, as a transfer
     * does, measured on this thread over {@code bytes} of data in {@code chunkSize} chunks. Reading and writing the
     * files are left out, so this is a lower bound. When both ends share the CPUs and the CPUs are the limit, a
     * transfer can reach at most {@code raw / (raw + this)} of a raw stream that spends {@code raw} CPU-s/GiB. NaN if
     * this JVM cannot measure a thread's CPU time.
     *
     * @throws IllegalStateException if a sealed chunk does not open (a broken JDK), rather than a figure for work
     *         that was not done
     */
    public static double cryptoCpuSecondsPerGiB(long bytes, int chunkSize) {
        if (bytes <= 0 || chunkSize <= 0) {
            throw new IllegalArgumentException("bytes and chunkSize must be positive: " + bytes + ", " + chunkSize);
        }
        byte[] secret = new byte[32];
        byte[] id = new byte[16];
        SplittableRandom r = new SplittableRandom(7);
        byte[] plain = new byte[chunkSize];
        for (int i = 0; i < plain.length; i++) {
            plain[i] = (byte) r.nextInt(); // random data, not zeros: no cipher or hash path may shortcut it
        }
        byte[] sealed = new byte[chunkSize + SessionCipher.TAG_BYTES];
        byte[] opened = new byte[chunkSize];
        SessionCipher cipher = SessionCipher.derive(secret, id, secret, secret, id, id, id);
        MessageDigest senderHash = sha256();
        MessageDigest receiverHash = sha256();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported() || !threads.isThreadCpuTimeEnabled()) {
            return Double.NaN;
        }
        long cpu0 = threads.getCurrentThreadCpuTime();
        long chunks = (bytes + chunkSize - 1) / chunkSize;
        for (long ci = 0; ci < chunks; ci++) {
            senderHash.update(plain);
            int n = cipher.seal(0, ci, ci * chunkSize, plain, 0, chunkSize, sealed, 0);
            try {
                cipher.open(0, ci, ci * chunkSize, chunkSize, sealed, 0, n, opened, 0);
            } catch (TransferException e) {
                throw new IllegalStateException("AES-GCM did not open a chunk it sealed", e);
            }
            receiverHash.update(opened);
        }
        if (!MessageDigest.isEqual(senderHash.digest(), receiverHash.digest())) {
            throw new IllegalStateException("AES-GCM opened a chunk to other bytes than it sealed");
        }
        double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
        return cpu / (chunks * (double) chunkSize / (1L << 30));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * The file of {@code bytes} random bytes that {@link #run} sends, generated now unless it is there already; a
     * caller that measures around {@code run} calls this first, so generating is not measured.
     */
    public static Path prepare(Path workDir, long bytes) throws IOException {
        return prepare(workDir, bytes, 1);
    }

    /**
     * As {@link #prepare(Path, long)}; with {@code files > 1}, a folder of that many files that make {@code bytes} in
     * all (the first ones one byte larger where it does not divide), generated unless it is complete already.
     */
    public static Path prepare(Path workDir, long bytes, int files) throws IOException {
        if (files < 1 || files > bytes) {
            throw new IllegalArgumentException("files must be 1.." + bytes + " for " + bytes + " bytes, got " + files);
        }
        Files.createDirectories(workDir);
        if (files == 1) {
            Path src = workDir.resolve("bench-" + bytes + ".bin");
            if (!Files.exists(src) || Files.size(src) != bytes) {
                generate(src, bytes);
            }
            return src;
        }
        Path folder = workDir.resolve("bench-" + bytes + "-in-" + files);
        Path complete = workDir.resolve("bench-" + bytes + "-in-" + files + ".complete");
        if (!Files.exists(complete)) {
            deleteTree(folder);
            Files.createDirectories(folder);
            for (int i = 0; i < files; i++) {
                generate(folder.resolve(String.format("f%07d.bin", i)), bytes / files + (i < bytes % files ? 1 : 0), i);
            }
            Files.createFile(complete); // only now: an interrupted generation is redone, not sent short
        }
        return folder;
    }

    /** Forced to disk before the runs, so its write-back is not a cost of the transfer measured after it. */
    private static void generate(Path p, long bytes) throws IOException {
        generate(p, bytes, 42);
    }

    private static void generate(Path p, long bytes, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] buf = new byte[(int) Math.min(1 << 20, (bytes + 7) & ~7L)]; // whole longs; small files, small buffers
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            for (long left = bytes; left > 0; left -= buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = r.nextLong();
                    for (int k = 0; k < 8; k++) {
                        buf[i + k] = (byte) (v >>> (8 * k));
                    }
                }
                ByteBuffer chunk = ByteBuffer.wrap(buf, 0, (int) Math.min(buf.length, left));
                while (chunk.hasRemaining()) {
                    ch.write(chunk);
                }
            }
            ch.force(false);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
