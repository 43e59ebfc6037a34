package dev.apqn.cli;

import dev.apqn.api.v1alpha1.APNodeState;
import dev.apqn.api.v1alpha1.APQNReservation;
import dev.apqn.controller.PlanInputs;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * {@code kubectl apqn}: the kubectl plugin (bin/kubectl-apqn runs this class from the packaged
 * application, without booting Quarkus). It reads the cluster with the user's kubeconfig, renders
 * with pure functions ({@link GridText}, {@link PlanText}, {@link WhyText}, {@link JsonOutput}) and
 * exits 0 when done, 1 when the object is not there or the API server refused, 2 on a bad command line.
 */
public final class KubectlApqn {

    public static final int OK = 0;
    public static final int NOT_FOUND_OR_API_ERROR = 1;
    public static final int USAGE = 2;

    /** A reader of the cluster the arguments point at, and the namespace of its context. */
    public interface Connector {
        Connection connect(CliArgs args);
    }

    public record Connection(ClusterReader reader, String namespace, AutoCloseable onClose) {
    }

    private KubectlApqn() {
    }

    public static void main(String[] args) {
        var out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        var err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, err, KubectlApqn::connect, Instant.now(), System.getenv("COLUMNS")));
    }

    /** Runs one command line; {@code columns} is $COLUMNS (may be null). Returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err, Connector connector, Instant now, String columns) {
        CliArgs a;
        try {
            a = CliArgs.parse(args);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage());
            err.println();
            err.println(CliArgs.USAGE);
            return USAGE;
        }
        if (a.help()) {
            out.println(CliArgs.USAGE);
            return OK;
        }
        int width = a.width() != null ? a.width() : columns != null && columns.matches("\\d{2,4}") ? Integer.parseInt(columns) : 80;
        var target = new KubectlTarget(a.kubeconfig(), a.context());
        Connection c;
        try {
            c = connector.connect(a);
        } catch (KubernetesClientException | IllegalArgumentException e) {
            err.println("error: cannot use the kubeconfig" + (a.context() == null ? "" : " context " + a.context()) + ": "
                    + e.getMessage());
            return NOT_FOUND_OR_API_ERROR;
        }
        try {
            return switch (a.command()) {
                case "grid" -> grid(a, c.reader(), width, out, err);
                case "plan" -> plan(a, c, target, width, out, err);
                default -> why(a, c, now, width, out, err);
            };
        } catch (KubernetesClientException e) {
            err.println("error: the API server refused: " + apiMessage(e));
            return NOT_FOUND_OR_API_ERROR;
        } finally {
            try {
                c.onClose().close();
            } catch (Exception e) {
                // the output is complete; a failing close changes nothing for the user
            }
        }
    }

    private static int grid(CliArgs a, ClusterReader reader, int width, PrintStream out, PrintStream err) {
        String node = a.target();
        var state = reader.nodeState(node);
        if (state.isEmpty()) {
            err.println("error: APNodeState " + node + " not found: no apqn agent reports a node of that name"
                    + " (kubectl get apnodestates lists the nodes it serves)");
            return NOT_FOUND_OR_API_ERROR;
        }
        Map<String, String> labels = reader.nodeLabels(node);
        var grid = NodeGrid.of(state.get(), PlanInputs.policyView(reader.policies(), labels), reader.reservations());
        if (a.output() == CliArgs.Output.json) {
            out.println(JsonOutput.write(JsonOutput.grid(grid)));
        } else {
            GridText.render(grid, width).forEach(out::println);
        }
        return OK;
    }

    private static int plan(CliArgs a, Connection c, KubectlTarget target, int width, PrintStream out, PrintStream err) {
        var r = reservation(a, c, err);
        if (r == null) {
            return NOT_FOUND_OR_API_ERROR;
        }
        if (a.output() == CliArgs.Output.json) {
            out.println(JsonOutput.write(JsonOutput.plan(r, target)));
        } else {
            PlanText.render(r, target, width).forEach(out::println);
        }
        return OK;
    }

    private static int why(CliArgs a, Connection c, Instant now, int width, PrintStream out, PrintStream err) {
        var r = reservation(a, c, err);
        if (r == null) {
            return NOT_FOUND_OR_API_ERROR;
        }
        var events = c.reader().events(r.getMetadata().getNamespace(), r.getMetadata().getName());
        String node = r.getStatus() != null && r.getStatus().getNode() != null ? r.getStatus().getNode()
                : r.getSpec() == null ? null : r.getSpec().getNodeName();
        var state = node == null ? java.util.Optional.<APNodeState>empty() : c.reader().nodeState(node);
        if (a.output() == CliArgs.Output.json) {
            out.println(JsonOutput.write(JsonOutput.why(r, events, state)));
        } else {
            WhyText.render(r, events, state, now, width).forEach(out::println);
        }
        return OK;
    }

    private static APQNReservation reservation(CliArgs a, Connection c, PrintStream err) {
        String ns = a.reservationNamespace(c.namespace());
        String name = a.reservationName();
        var r = c.reader().reservation(ns, name);
        if (r.isEmpty()) {
            err.println("error: APQNReservation " + ns + "/" + name + " not found (kubectl get apqnreservations -A lists them)");
            return null;
        }
        return r.get();
    }

    /** The API server's own sentence (the status message), without Fabric8's request dump. */
    static String apiMessage(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage() + " (HTTP " + e.getCode() + ")";
        }
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return cause.getMessage() == null ? e.toString() : cause.getMessage();
    }

    /** The user's kubeconfig: --kubeconfig, else $KUBECONFIG, else ~/.kube/config; --context, else the current one. */
    static Connection connect(CliArgs a) {
        Config config = a.kubeconfig() != null ? Config.fromKubeconfig(a.context(), new File(a.kubeconfig()))
                : Config.autoConfigure(a.context());
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        return new Connection(new KubeClusterReader(client), config.getNamespace(), client::close);
    }
}
