package dev.tandem.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code tandem completion}: a bash/zsh completion script, generated from the command definitions. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash/zsh completion script for tandem.",
            "Use: source <(tandem completion)   or save it under /etc/bash_completion.d/"})
final class CompletionCommand implements Callable<Integer> {
    @ParentCommand
    TandemCommand root;

    @Override
    public Integer call() {
        root.spec.commandLine().getOut().print(AutoComplete.bash("tandem", root.spec.commandLine()));
        root.spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
