package dev.apqn.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The plugin's command line: what kubectl passes after {@code kubectl apqn} (kubectl hands a plugin every
 * argument, flags included, and the environment, KUBECONFIG included). Flags may come anywhere, as
 * {@code --flag value} or {@code --flag=value}.
 */
public record CliArgs(String command, String target, String namespace, String context, String kubeconfig, Output output,
                      Integer width, boolean help) {

    public enum Output { text, json }

    public static final String USAGE = """
            Usage:
              kubectl apqn grid NODE                    the node's adapter x domain grid: who holds each APQN
              kubectl apqn plan [NAMESPACE/]NAME        a reservation's plan, its hash and the command that approves it
              kubectl apqn why [NAMESPACE/]NAME         a reservation's conditions, queues and recent events, condensed

            Flags:
              -n, --namespace NS      the reservation's namespace (default: the context's namespace)
                  --context NAME      the kubeconfig context to use
                  --kubeconfig FILE   the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
              -o, --output FORMAT     text (default) or json
                  --width N           fold the grid and wrap text to N columns (default: $COLUMNS, else 80)
              -h, --help              this text

            Exit codes: 0 done, 1 not found or API error, 2 usage.""";

    static CliArgs parse(String... args) throws UsageException {
        List<String> words = new ArrayList<>();
        String namespace = null;
        String context = null;
        String kubeconfig = null;
        Output output = Output.text;
        Integer width = null;
        boolean help = false;
        int i = 0;
        while (i < args.length) {
            String a = args[i++];
            String flag = a;
            String inline = null;
            if (a.startsWith("--") && a.contains("=")) {
                flag = a.substring(0, a.indexOf('='));
                inline = a.substring(a.indexOf('=') + 1);
            }
            switch (flag) {
                case "-h", "--help" -> help = true;
                case "-n", "--namespace" -> namespace = (inline != null ? inline : value(args, flag, i++));
                case "--context" -> context = (inline != null ? inline : value(args, flag, i++));
                case "--kubeconfig" -> kubeconfig = (inline != null ? inline : value(args, flag, i++));
                case "-o", "--output" -> {
                    String v = (inline != null ? inline : value(args, flag, i++));
                    try {
                        output = Output.valueOf(v);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--output must be text or json, not " + v);
                    }
                }
                case "--width" -> {
                    String v = (inline != null ? inline : value(args, flag, i++));
                    try {
                        width = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new UsageException("--width takes a number of columns, not " + v);
                    }
                    if (width < 20) {
                        throw new UsageException("--width must be at least 20 columns, got " + width);
                    }
                }
                default -> {
                    if (a.startsWith("-") && a.length() > 1) {
                        throw new UsageException("unknown flag " + a);
                    }
                    words.add(a);
                }
            }
        }
        if (help) {
            return new CliArgs(null, null, namespace, context, kubeconfig, output, width, true);
        }
        if (words.isEmpty()) {
            throw new UsageException("name a command: grid, plan or why");
        }
        String command = words.get(0);
        if (!List.of("grid", "plan", "why").contains(command)) {
            throw new UsageException("unknown command " + command + " (grid, plan or why)");
        }
        if (words.size() != 2) {
            throw new UsageException(command.equals("grid") ? "grid takes one NODE, e.g. kubectl apqn grid demo-z16"
                    : command + " takes one reservation, e.g. kubectl apqn " + command + " payroll/payroll-crypto");
        }
        String target = words.get(1);
        if (!command.equals("grid") && target.chars().filter(c -> c == '/').count() > 1) {
            throw new UsageException("a reservation is NAME or NAMESPACE/NAME, not " + target);
        }
        return new CliArgs(command, target, namespace, context, kubeconfig, output, width, false);
    }

    /** The argument at {@code i}: the value of the flag before it. */
    private static String value(String[] args, String flag, int i) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i];
    }

    /** The reservation's namespace: from NAMESPACE/NAME, else -n, else the context's. */
    String reservationNamespace(String contextNamespace) {
        int slash = target.indexOf('/');
        if (slash >= 0) {
            return target.substring(0, slash);
        }
        return namespace != null ? namespace : contextNamespace == null ? "default" : contextNamespace;
    }

    String reservationName() {
        return target.substring(target.indexOf('/') + 1);
    }
}
