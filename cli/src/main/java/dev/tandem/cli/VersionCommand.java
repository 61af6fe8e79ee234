package dev.tandem.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code tandem version}. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version of tandem and Java.")
final class VersionCommand implements Callable<Integer> {
    @ParentCommand
    TandemCommand root;

    @Override
    public Integer call() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("version", TandemCommand.version());
        fields.put("java", Runtime.version().toString());
        root.output().result("tandem " + fields.get("version") + " (Java " + fields.get("java") + ")", fields);
        return ExitCodes.OK;
    }
}
