package dev.tandem.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void roundTrip() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t ctrl \u0001 unicode é");
        m.put("n", -42L);
        m.put("b", true);
        m.put("z", null);
        m.put("l", List.of(1L, "two", List.of(), Map.of()));
        assertEquals(m, Json.parse(Json.write(m)));
    }

    @Test
    void strictAboutBadInput() {
        for (String bad : List.of("", "{", "{\"a\":1,}", "[1 2]", "{\"a\":1}x", "\"unterminated", "1.5", "tru",
                "{\"a\":1,\"a\":2}", "\"\\q\"", "{a:1}")) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void deepNestingIsRefusedNotAStackOverflow() {
        char[] open = new char[100_000];
        Arrays.fill(open, '[');
        assertThrows(IllegalArgumentException.class, () -> Json.parse(new String(open)));
    }
}
