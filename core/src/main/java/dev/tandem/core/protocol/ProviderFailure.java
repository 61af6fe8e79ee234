package dev.tandem.core.protocol;

/** A provider that could not be loaded or started, by name, with why. */
public record ProviderFailure(String providerName, String stage, Throwable error) {
    @Override
    public String toString() {
        return providerName + " failed at " + stage + ": " + error;
    }
}
