package dev.tandem.pairing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * BIP39 mnemonic encoding with the English word list: 128 to 256 bits of entropy (a multiple of 32) become
 * 12 to 24 words, the last carrying a checksum of SHA-256 of the entropy, so a typo is found locally.
 */
public final class WordCode {
    /** Words in a pairing code (128 bits of entropy). */
    public static final int PAIRING_WORDS = 12;
    /** Size of the list. */
    public static final int LIST_SIZE = 2048;
    private static final String RESOURCE = "bip39-english.txt";
    private static final List<String> WORDS = load();

    private WordCode() {
    }

    /** The BIP39 English list, in order. */
    public static List<String> wordList() {
        return WORDS;
    }

    /**
     * Encodes entropy as words.
     *
     * @throws IllegalArgumentException unless the entropy is 16, 20, 24, 28 or 32 bytes
     */
    public static List<String> encode(byte[] entropy) {
        Objects.requireNonNull(entropy, "entropy");
        int entBits = entropy.length * 8;
        if (entBits < 128 || entBits > 256 || entBits % 32 != 0) {
            throw new IllegalArgumentException("BIP39 entropy is 16, 20, 24, 28 or 32 bytes, got " + entropy.length);
        }
        int csBits = entBits / 32;
        byte[] hash = sha256(entropy);
        byte[] all = Arrays.copyOf(entropy, entropy.length + 1);
        all[entropy.length] = hash[0]; // at most 8 checksum bits are needed
        int count = (entBits + csBits) / 11;
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(WORDS.get(bits(all, i * 11)));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Decodes words (case and surrounding blanks ignored) back to the entropy, checking the checksum.
     *
     * @throws WordCodeException naming the bad word's position, with a suggestion, or the count, or the checksum
     */
    public static byte[] decode(List<String> words) {
        Objects.requireNonNull(words, "words");
        int n = words.size();
        if (n < 12 || n > 24 || n % 3 != 0) {
            throw new WordCodeException(WordCodeException.Kind.WRONG_COUNT, 0, null,
                    "a code has 12, 15, 18, 21 or 24 words, got " + n);
        }
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            String w = words.get(i) == null ? "" : words.get(i).strip().toLowerCase(Locale.ROOT);
            int k = Collections.binarySearch(WORDS, w);
            if (k < 0) {
                String s = suggest(w);
                String shown = w.length() > 20 ? w.substring(0, 20) + "..." : w;
                throw new WordCodeException(WordCodeException.Kind.UNKNOWN_WORD, i + 1, s,
                        "word " + (i + 1) + " '" + shown + "' is not in the list"
                                + (s == null ? "" : "; did you mean '" + s + "'?"));
            }
            idx[i] = k;
        }
        int totalBits = n * 11;
        int csBits = totalBits / 33;
        int entBytes = (totalBits - csBits) / 8;
        byte[] all = new byte[entBytes + 1];
        for (int i = 0; i < n; i++) {
            for (int b = 0; b < 11; b++) {
                if ((idx[i] & (1 << (10 - b))) != 0) {
                    int pos = i * 11 + b;
                    all[pos / 8] |= (byte) (0x80 >>> (pos % 8));
                }
            }
        }
        byte[] entropy = Arrays.copyOf(all, entBytes);
        int expected = (sha256(entropy)[0] & 0xff) >>> (8 - csBits);
        int actual = (all[entBytes] & 0xff) >>> (8 - csBits);
        Arrays.fill(all, (byte) 0);
        if (expected != actual) {
            Arrays.fill(entropy, (byte) 0);
            throw new WordCodeException(WordCodeException.Kind.BAD_CHECKSUM, 0, null,
                    "checksum does not match: check the order of the words and that none was mistyped"
                            + " as another list word");
        }
        return entropy;
    }

    /** Splits typed or pasted text into words: blanks, hyphens and commas separate them. */
    public static List<String> split(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip();
        if (t.isEmpty()) {
            return List.of();
        }
        return List.of(t.split("[\\s,\\-]+"));
    }

    /** The nearest list word: same 4-letter prefix (unique in BIP39), else edit distance at most 2. */
    static String suggest(String w) {
        if (w.isEmpty() || w.length() > 16) {
            return null;
        }
        if (w.length() >= 4) {
            String p = w.substring(0, 4);
            int k = Collections.binarySearch(WORDS, p);
            int from = k >= 0 ? k : -k - 1;
            if (from < WORDS.size() && WORDS.get(from).startsWith(p)) {
                return WORDS.get(from);
            }
        }
        String best = null;
        int bestD = 3;
        for (String c : WORDS) {
            int d = distance(w, c, bestD);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best;
    }

    private static int distance(String a, String b, int cap) {
        if (Math.abs(a.length() - b.length()) >= cap) {
            return cap;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static int bits(byte[] data, int start) {
        int v = 0;
        for (int b = 0; b < 11; b++) {
            int pos = start + b;
            v = (v << 1) | ((data[pos / 8] >>> (7 - pos % 8)) & 1);
        }
        return v;
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static List<String> load() {
        try (InputStream in = WordCode.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("BIP39 word list " + RESOURCE + " is missing from the jar");
            }
            List<String> words = new ArrayList<>(LIST_SIZE);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    words.add(line.strip());
                }
            }
            if (words.size() != LIST_SIZE) {
                throw new IllegalStateException("BIP39 word list has " + words.size() + " words, not " + LIST_SIZE);
            }
            for (int i = 1; i < words.size(); i++) {
                if (words.get(i - 1).compareTo(words.get(i)) >= 0) {
                    throw new IllegalStateException("BIP39 word list is not sorted at word " + (i + 1));
                }
            }
            return List.copyOf(words);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the BIP39 word list", e);
        }
    }
}
