package dev.tandem.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.Map;

/** Prints results for people, or as one JSON object per line with {@code --json}. */
final class Output {
    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.INDENT_OUTPUT);
    private final PrintWriter out;
    private final boolean json;

    Output(PrintWriter out, boolean json) {
        this.out = out;
        this.json = json;
    }

    boolean json() {
        return json;
    }

    PrintWriter writer() {
        return out;
    }

    static String toJson(Map<String, ?> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot print result as JSON", e);
        }
    }

    /** Prints {@code human} for people, or {@code fields} as JSON. */
    void result(String human, Map<String, ?> fields) {
        if (json) {
            out.println(toJson(fields));
        } else {
            out.println(human);
        }
        out.flush();
    }
}
