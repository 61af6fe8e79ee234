package dev.tandem.cli;

import java.util.Locale;
import picocli.CommandLine;

/** Reads sizes such as {@code 256MiB}, {@code 1GiB}, {@code 500MB} or plain bytes. */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        long unit = 1;
        String[][] units = {{"kib", "1024"}, {"mib", "1048576"}, {"gib", "1073741824"}, {"kb", "1000"},
            {"mb", "1000000"}, {"gb", "1000000000"}, {"k", "1024"}, {"m", "1048576"}, {"g", "1073741824"}, {"b", "1"}};
        for (String[] u : units) {
            if (v.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                v = v.substring(0, v.length() - u[0].length()).strip();
                break;
            }
        }
        try {
            long n = Long.parseLong(v);
            if (n <= 0) {
                throw new CommandLine.TypeConversionException("size must be positive: " + value);
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CommandLine.TypeConversionException("not a size: '" + value + "' (try 256MiB or 1GiB)");
        }
    }
}
