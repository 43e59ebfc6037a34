package dev.apqn;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.apqn.agent.kube.AgentBackends;
import dev.apqn.agent.kube.HostAccess;
import dev.apqn.agent.kube.NodeAgent;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layering of the production code, written down: which package may use which. A new dependency
 * that goes against it fails here with the offending class and line, before it becomes a habit.
 */
@AnalyzeClasses(packages = "dev.apqn", importOptions = ImportOption.DoNotIncludeTests.class)
class LayeringTest {

    /** The AP vocabulary (Apqn, ApMask, Matrix, ...) is shared by everyone, so it may use nothing of ours. */
    @ArchTest
    static final ArchRule valueTypesDependOnNothingOfOurs = classes().that().resideInAPackage("dev.apqn.ap..")
            .should().onlyDependOnClassesThat(resideOutsideOfPackage("dev.apqn..").or(resideInAPackage("dev.apqn.ap..")))
            .because("the value types are the vocabulary every layer shares");

    /** The planner and the CRD classes are pure: they must not reach the kernel (JNA, sysfs) or its simulation. */
    @ArchTest
    static final ArchRule planAndApiStayOffTheIoPackage = noClasses()
            .that().resideInAnyPackage("dev.apqn.plan..", "dev.apqn.api..")
            .should().dependOnClassesThat().resideInAPackage("dev.apqn.apbus..")
            .because("plan and api are computed and serialized without touching a host");

    /**
     * The simulated kernel ships in the artifact for the chart's simulated backend, but only the agent's
     * backend wiring (AgentBackends, HostAccess.simulated, and NodeAgent's handle on the simulated kernel it runs) may reach it; everything else sees an ApBus.
     */
    @ArchTest
    static final ArchRule simulatedKernelOnlyThroughTheBackendWiring = noClasses()
            .that().resideOutsideOfPackage("dev.apqn.apbus.sim..")
            .and(not(belongToAnyOf(AgentBackends.class, NodeAgent.class, HostAccess.class)))
            .should().dependOnClassesThat().resideInAPackage("dev.apqn.apbus.sim..")
            .because("production code talks to an ApBus; which kernel is behind it is chosen in one place");

    /** Which layer may use which; a layer not named in mayOnlyAccessLayers is off limits. */
    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Values").definedBy("dev.apqn.ap..")
            .layer("Plan").definedBy("dev.apqn.plan..")
            .layer("Status").definedBy("dev.apqn.status..")
            .layer("Api").definedBy("dev.apqn.api..")
            .layer("Events").definedBy("dev.apqn.events..")
            .layer("Io").definedBy("dev.apqn.apbus", "dev.apqn.apbus.tools..")
            .layer("Sim").definedBy("dev.apqn.apbus.sim..")
            .layer("Converger").definedBy("dev.apqn.agent")
            .layer("Dra").definedBy("dev.apqn.dra..")
            .layer("AgentRole").definedBy("dev.apqn.agent.kube..")
            .layer("Metrics").definedBy("dev.apqn.metrics..")
            .layer("Controller").definedBy("dev.apqn.controller..")
            .layer("Cli").definedBy("dev.apqn.cli..")
            .layer("App").definedBy("dev.apqn.app..")
            .whereLayer("Values").mayNotAccessAnyLayer()
            // a refusal carries its reason from the one vocabulary (Status uses nothing of ours)
            .whereLayer("Plan").mayOnlyAccessLayers("Values", "Status")
            .whereLayer("Status").mayNotAccessAnyLayer()
            .whereLayer("Api").mayOnlyAccessLayers("Values", "Plan", "Status")
            // one Event recorder for both roles
            .whereLayer("Events").mayOnlyAccessLayers("Values", "Api", "Status")
            .whereLayer("Io").mayOnlyAccessLayers("Values")
            .whereLayer("Sim").mayOnlyAccessLayers("Values", "Io")
            .whereLayer("Converger").mayOnlyAccessLayers("Values", "Io", "Plan")
            // the DRA driver (kubelet plugin): reads the API types; the agent role starts it and hands its
            // prepared claims to the converger (dev.apqn.agent.PreparedClaims), so it needs nothing of the agent
            .whereLayer("Dra").mayOnlyAccessLayers("Values", "Io", "Plan", "Api", "Status")
            .whereLayer("AgentRole").mayOnlyAccessLayers("Values", "Io", "Sim", "Plan", "Api", "Status", "Events", "Converger", "Dra")
            // the agent reports to an AgentMetricsSink it owns; the Micrometer side implements it
            .whereLayer("Metrics").mayOnlyAccessLayers("Values", "Io", "Plan", "Api", "Status", "Converger", "AgentRole")
            .whereLayer("Controller").mayOnlyAccessLayers("Values", "Plan", "Api", "Status", "Events")
            .whereLayer("Cli").mayOnlyAccessLayers("Values", "Plan", "Api", "Status", "Controller")
            .whereLayer("App").mayOnlyAccessLayers("Values", "Io", "Plan", "Api", "Status", "Converger", "Metrics",
                    "AgentRole", "Controller", "Dra");

    /** No two top-level packages use each other, directly or around a loop. */
    @ArchTest
    static final ArchRule noCyclesBetweenTopLevelPackages = slices().matching("dev.apqn.(*)..")
            .should().beFreeOfCycles();
}
