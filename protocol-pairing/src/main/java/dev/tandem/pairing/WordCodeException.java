package dev.tandem.pairing;

import java.util.Optional;

/**
 * A word code that cannot be decoded, caught locally before any network traffic. The message is meant for
 * the user ("word 5 'abandun' is not in the list; did you mean 'abandon'?").
 */
public final class WordCodeException extends IllegalArgumentException {
    /** What is wrong with the code. */
    public enum Kind {
        /** Not 12, 15, 18, 21 or 24 words. */
        WRONG_COUNT,
        /** A word is not in the BIP39 English list. */
        UNKNOWN_WORD,
        /** Every word is valid but the checksum does not match: a word is wrong or out of order. */
        BAD_CHECKSUM
    }

    private final Kind kind;
    private final int position;
    private final String suggestion;

    WordCodeException(Kind kind, int position, String suggestion, String message) {
        super(message);
        this.kind = kind;
        this.position = position;
        this.suggestion = suggestion;
    }

    public Kind kind() {
        return kind;
    }

    /** 1-based position of the bad word, or 0 when the problem is not one word. */
    public int position() {
        return position;
    }

    /** The nearest word in the list, for {@link Kind#UNKNOWN_WORD}. */
    public Optional<String> suggestion() {
        return Optional.ofNullable(suggestion);
    }
}
