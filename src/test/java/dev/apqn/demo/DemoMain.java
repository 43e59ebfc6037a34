package dev.apqn.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * {@code make demo}: the whole operator on one machine. A local kube-apiserver + etcd, the CRDs, three
 * Nodes ({@code demo-z15} legacy, {@code demo-z16} mask mode with ap_config, {@code demo-z17} override
 * mode) each served by a simulated node agent, the controller in this JVM, {@code deploy/samples/} and
 * then the teaching examples of {@code deploy/samples/errors/}; a progress table until every valid
 * reservation is Ready; then {@code export KUBECONFIG=...} and it keeps running until Ctrl-C, which
 * tears everything down. Test scope: not part of the operator's artifact. See docs/demo.md.
 *
 * <p>Options: {@code --timeout <seconds>} (the bounded wait for Ready, default 120), {@code --no-approve}
 * (leave approval: Manual reservations waiting), {@code --plain} (print the table on each change
 * instead of redrawing it), {@code --out <dir>} (default target/demo), {@code --exit} (tear down
 * after the summary instead of waiting for Ctrl-C).
 */
public final class DemoMain {

    /**
     * @param repo          the repository root (crds/, deploy/samples/)
     * @param outDir        kubeconfig, log, agent state
     * @param readyTimeout  the bounded wait for every valid reservation to become Ready
     * @param approveManual approve approval: Manual plans as the user would (spec.approvedPlan)
     * @param ansi          redraw the progress table in place (a terminal) instead of printing each change
     * @param useKubectl    run the cached kubectl for the listings when it exists
     * @param out           where the demo prints
     */
    public record Options(Path repo, Path outDir, Duration readyTimeout, boolean approveManual, boolean ansi,
                          boolean useKubectl, PrintStream out) {

        public static Options defaults() {
            Path repo = Path.of("").toAbsolutePath();
            return new Options(repo, repo.resolve("target/demo"), Duration.ofSeconds(120), true, false, true, System.out);
        }

        public Options withOutDir(Path dir) {
            return new Options(repo, dir.toAbsolutePath(), readyTimeout, approveManual, ansi, useKubectl, out);
        }

        public Options withOut(PrintStream stream) {
            return new Options(repo, outDir, readyTimeout, approveManual, ansi, useKubectl, stream);
        }

        public Options withReadyTimeout(Duration d) {
            return new Options(repo, outDir, d, approveManual, ansi, useKubectl, out);
        }

        public Options withAnsi(boolean on) {
            return new Options(repo, outDir, readyTimeout, approveManual, on, useKubectl, out);
        }

        public Options withApproveManual(boolean on) {
            return new Options(repo, outDir, readyTimeout, on, ansi, useKubectl, out);
        }
    }

    private DemoMain() {
    }

    /**
     * Runs the demo up to its summary (everything Ready, or the bounded wait over) and returns the
     * running demo; the caller closes it. On a failure everything started so far is stopped.
     */
    public static Demo run(Options options) {
        Demo demo = new Demo(options);
        try {
            demo.start();
            return demo;
        } catch (RuntimeException | Error e) {
            demo.close();
            throw e;
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.defaults().withAnsi(System.console() != null && System.getenv("TERM") != null
                && !"dumb".equals(System.getenv("TERM")));
        boolean exit = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--timeout" -> o = o.withReadyTimeout(Duration.ofSeconds(Long.parseLong(args[++i])));
                case "--no-approve" -> o = o.withApproveManual(false);
                case "--plain" -> o = o.withAnsi(false);
                case "--out" -> o = o.withOutDir(Path.of(args[++i]));
                case "--exit" -> exit = true;
                case "-h", "--help" -> {
                    System.out.println("usage: DemoMain [--timeout seconds] [--no-approve] [--plain] [--out dir] [--exit]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--help)");
            }
        }
        Path log = o.outDir().resolve("demo.log");
        logTo(log);
        PrintStream out = o.out();
        out.printf("apqn-operator demo: the operator, three simulated IBM Z nodes and a real API server on this machine%n");
        out.printf("(operator, agent and API server logs: %s)%n", o.repo().relativize(log));

        CountDownLatch stop = new CountDownLatch(1);
        Thread mainThread = Thread.currentThread();
        boolean signals = onSignals(() -> {
            if (stop.getCount() == 0) {
                System.exit(130); // a second Ctrl-C: leave at once (the control plane's shutdown hook still stops it)
            }
            stop.countDown();
            mainThread.interrupt(); // Ctrl-C during start-up: stop waiting
        });

        Demo demo;
        try {
            demo = run(o);
        } catch (RuntimeException e) {
            if (stop.getCount() == 0) {
                out.println("\ninterrupted during start-up; everything started so far is stopped");
                System.exit(130);
            }
            out.println("\ndemo failed: " + e);
            out.println("details in " + log);
            System.exit(1);
            return;
        }
        Thread.interrupted(); // clear a late interrupt
        out.printf("%nThe cluster is yours (the admin kubeconfig is also at %s):%n%n", o.repo().relativize(demo.kubeconfig()));
        out.printf("export KUBECONFIG=%s%n%n", demo.kubeconfig());
        out.println("  kubectl get apqnr -A -w                      # watch the reservations");
        out.println("  kubectl -n payroll get apqnr payroll-crypto -o yaml");
        out.println("  kubectl delete -n payroll apqnr payroll-crypto   # risk/risk-crypto becomes Ready by itself");
        out.println("  kubectl apply -f my-reservation.yaml         # nodes: demo-z15, demo-z16, demo-z17");
        out.println();
        grantsHint(demo).forEach(out::println);
        out.println();
        if (!exit) {
            out.println(signals ? "Running; Ctrl-C tears everything down." : "Running; Ctrl-C (SIGINT/SIGTERM) tears everything down.");
            out.flush();
            if (!signals) {
                // no signal handling here: the JVM's shutdown hooks do it
                Runtime.getRuntime().addShutdownHook(new Thread(demo::close, "demo-stop"));
                new CountDownLatch(1).await();
            }
            while (stop.getCount() > 0) {
                try {
                    stop.await();
                } catch (InterruptedException e) {
                    // the signal handler interrupts as well: loop and see the latch
                }
            }
            out.println();
        }
        out.println("Stopping the agents, the controller and the control plane ...");
        out.flush();
        long t = System.nanoTime();
        demo.close();
        var left = demo.leftoverProcesses();
        if (left.isEmpty()) {
            out.printf("Stopped in %.1f s; no kube-apiserver or etcd process left (pids %s).%n", (System.nanoTime() - t) / 1e9,
                    demo.controlPlaneProcesses().stream().map(ProcessHandle::pid).toList());
        } else {
            out.println("Still running: " + left.stream().map(p -> p.pid() + " " + p.info().command().orElse("?")).toList());
        }
        out.flush();
        System.exit(left.isEmpty() ? 0 : 1);
    }

    /**
     * SIGINT and SIGTERM call {@code action} instead of ending the JVM, so the demo stops in order
     * (agents, controller, then the API server they talk to). False when the JVM does not allow it.
     */
    private static boolean onSignals(Runnable action) {
        try {
            for (String name : new String[] {"INT", "TERM"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
            }
            return true;
        } catch (Throwable e) {
            return false;
        }
    }

    /** Everything logged (operator, agents, kube-api-test's process output) goes to {@code file}, none to the terminal. */
    static void logTo(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Logger root = Logger.getLogger("");
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$s [%3$s] %5$s%6$s%n");
            var fh = new FileHandler(file.toString(), false);
            fh.setFormatter(new SimpleFormatter());
            fh.setLevel(Level.ALL);
            root.addHandler(fh);
            root.setLevel(Level.INFO);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Which namespaces may reserve, read from the cluster's APQNPolicies (the sample policy grants a few
     * namespaces only; a reservation anywhere else is refused with NamespaceNotGranted), and how to add one.
     */
    static List<String> grantsHint(Demo demo) {
        var lines = new java.util.ArrayList<String>();
        for (var policy : demo.client().resources(dev.apqn.api.v1alpha1.APQNPolicy.class).list().getItems()) {
            var grants = policy.getSpec().getGrants();
            if (grants == null || grants.isEmpty()) {
                continue;
            }
            var namespaces = grants.stream().flatMap(g -> g.getNamespaces().stream()).distinct().sorted().toList();
            lines.add("Only namespaces " + String.join(", ", namespaces) + " may reserve (APQNPolicy "
                    + policy.getMetadata().getName() + ", spec.grants); to let another namespace reserve, e.g. adapter 6:");
            lines.add("  kubectl patch apqnpolicy " + policy.getMetadata().getName()
                    + " --type=json -p '[{\"op\":\"add\",\"path\":\"/spec/grants/-\",\"value\":{\"namespaces\":[\"my-team\"],\"adapters\":[6]}}]'");
        }
        return lines;
    }
}
