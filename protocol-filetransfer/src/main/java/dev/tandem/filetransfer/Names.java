package dev.tandem.filetransfer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns names chosen by a peer into safe relative paths under a directory the receiver chose. Never trusts
 * a name: absolute paths, {@code ..}, drive letters, control characters, Windows-reserved characters and
 * device names, trailing dots and spaces are neutralised; text is NFC-normalised; components and whole
 * paths are length-limited.
 */
public final class Names {
    /** Longest raw path accepted from a peer, in chars; longer ones make the whole offer invalid. */
    public static final int MAX_RAW_PATH_CHARS = 4096;
    /** Longest component kept, in UTF-8 bytes (room is left for " (NNN)" and ".part" under the usual 255). */
    public static final int MAX_COMPONENT_BYTES = 200;
    /** Deepest tree accepted. */
    public static final int MAX_DEPTH = 64;
    /** Longest sanitised relative path, in UTF-8 bytes. */
    public static final int MAX_PATH_BYTES = 2048;
    private static final Set<String> RESERVED = Set.of("CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4",
            "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8",
            "LPT9", "CONIN$", "CONOUT$");
    static final String PART_SUFFIX = ".part";

    private Names() {
    }

    /**
     * The safe relative components of a peer-supplied path ('/' or '\' separated).
     *
     * @throws TransferException {@link TransferError#LIMIT_EXCEEDED} if the raw path or the result is too long
     *     or too deep
     */
    public static List<String> sanitizePath(String raw) throws TransferException {
        if (raw == null) {
            throw new TransferException(TransferError.PROTOCOL, "a file in the offer has no name");
        }
        if (raw.length() > MAX_RAW_PATH_CHARS) {
            throw new TransferException(TransferError.LIMIT_EXCEEDED, "a name in the offer has " + raw.length()
                    + " characters; at most " + MAX_RAW_PATH_CHARS + " are accepted");
        }
        String n = Normalizer.normalize(raw, Normalizer.Form.NFC);
        List<String> out = new ArrayList<>();
        for (String part : n.split("[/\\\\]", -1)) {
            String c = sanitizeComponent(part);
            if (c != null) {
                out.add(c);
            }
        }
        if (out.isEmpty()) {
            out.add("unnamed");
        }
        if (out.size() > MAX_DEPTH) {
            throw new TransferException(TransferError.LIMIT_EXCEEDED, "a path in the offer is " + out.size()
                    + " levels deep; at most " + MAX_DEPTH + " are accepted");
        }
        int bytes = String.join("/", out).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PATH_BYTES) {
            throw new TransferException(TransferError.LIMIT_EXCEEDED, "a path in the offer is " + bytes
                    + " bytes long after sanitising; at most " + MAX_PATH_BYTES + " are accepted");
        }
        return out;
    }

    /** One safe file or folder name, or "unnamed" if nothing usable is left. Used for device names too. */
    public static String sanitizeName(String raw) {
        String c = raw == null ? null : sanitizeComponent(Normalizer.normalize(
                raw.replace('/', '_').replace('\\', '_'), Normalizer.Form.NFC));
        return c == null ? "unnamed" : c;
    }

    /** Null when the component should be dropped ("", ".", "..", or nothing left after cleaning). */
    private static String sanitizeComponent(String part) {
        StringBuilder b = new StringBuilder(part.length());
        part.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029
                    || cp == 0xfeff || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
                return; // control, line separators, BOM and bidi overrides that disguise extensions
            }
            if ("<>:\"|?*".indexOf(cp) >= 0) {
                b.append('_');
            } else {
                b.appendCodePoint(cp);
            }
        });
        String s = b.toString();
        if (s.equals(".") || s.equals("..")) {
            return null;
        }
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '.' || s.charAt(end - 1) == ' ')) {
            end--;
        }
        s = s.substring(0, end).strip();
        if (s.isEmpty()) {
            return null;
        }
        String stem = s.contains(".") ? s.substring(0, s.indexOf('.')) : s;
        if (RESERVED.contains(stem.toUpperCase(Locale.ROOT).strip())) {
            s = "_" + s;
        }
        return truncate(s, MAX_COMPONENT_BYTES);
    }

    /** Cuts to at most {@code maxBytes} UTF-8 bytes on a code point boundary, keeping a short extension. */
    static String truncate(String s, int maxBytes) {
        if (s.getBytes(StandardCharsets.UTF_8).length <= maxBytes) {
            return s;
        }
        int dot = s.lastIndexOf('.');
        String ext = dot > 0 && s.length() - dot <= 16 ? s.substring(dot) : "";
        int budget = maxBytes - ext.getBytes(StandardCharsets.UTF_8).length;
        StringBuilder b = new StringBuilder();
        int used = 0;
        String stem = s.substring(0, s.length() - ext.length());
        for (int i = 0; i < stem.length(); ) {
            int cp = stem.codePointAt(i);
            int len = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (used + len > budget) {
                break;
            }
            b.appendCodePoint(cp);
            used += len;
            i += Character.charCount(cp);
        }
        String r = (b.toString().strip() + ext);
        return r.isEmpty() ? "unnamed" : r;
    }

    /** "name (n).ext" for collisions: the suffix goes before the extension of a file, at the end of a folder. */
    static String withSuffix(String name, int n, boolean dir) {
        int dot = dir ? -1 : name.lastIndexOf('.');
        if (dot <= 0) {
            return name + " (" + n + ")";
        }
        return name.substring(0, dot) + " (" + n + ")" + name.substring(dot);
    }
}
