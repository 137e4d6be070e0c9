package io.gevent4j.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.gevent4j.Gevent;
import io.gevent4j.Hub;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layering of gevent4j, checked on the main classes of every module (DESIGN: examples, benchmarks,
 * celery, http → patch-agent → hub → greenlet-core; public API in {@code io.gevent4j...}, internals in
 * {@code ...internal}). Each rule fails the build with the offending dependencies listed.
 */
@Timeout(120)
class LayeringTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.gevent4j");

    /** greenlet-core: greenlets, carriers, the JDK shims. */
    private static final DescribedPredicate<JavaClass> CORE = resideInAPackage("io.gevent4j.core..").as("greenlet-core");
    /** The patch agent, with its bootstrap dispatcher. */
    private static final DescribedPredicate<JavaClass> AGENT = resideInAPackage("io.gevent4j.monkey..").as("the agent");
    /** gevent4j-junit (the leak check). */
    private static final DescribedPredicate<JavaClass> TESTING = resideInAPackage("io.gevent4j.testing..").as("gevent4j-junit");
    /** gevent4j-http (the WSGI-like HTTP server). */
    private static final DescribedPredicate<JavaClass> HTTP = resideInAPackage("io.gevent4j.http..").as("gevent4j-http");
    /** gevent4j-celery (the Celery-compatible worker and client). */
    private static final DescribedPredicate<JavaClass> CELERY = resideInAPackage("io.gevent4j.celery..").as("gevent4j-celery");
    /** gevent4j-examples (the runnable examples). */
    private static final DescribedPredicate<JavaClass> EXAMPLES = resideInAPackage("io.gevent4j.examples..").as("gevent4j-examples");
    /** The modules at the top, built on the public API: nothing below may know them. */
    private static final DescribedPredicate<JavaClass> APPLICATIONS = HTTP.or(CELERY).or(EXAMPLES)
            .as("gevent4j-http, gevent4j-celery or gevent4j-examples");
    /** The hub module: everything of gevent4j that is none of the above. */
    private static final DescribedPredicate<JavaClass> HUB = resideInAPackage("io.gevent4j..")
            .and(not(CORE)).and(not(AGENT)).and(not(TESTING)).and(not(APPLICATIONS)).as("the hub");
    /**
     * Internal packages of the hub and greenlet-core ({@code io.gevent4j.internal..},
     * {@code io.gevent4j.core.internal..}, ...); the internals of the agent, celery and the examples are
     * their own business.
     */
    private static final DescribedPredicate<JavaClass> HUB_OR_CORE_INTERNALS = resideInAPackage("io.gevent4j..internal..")
            .and(HUB.or(CORE)).as("a hub or greenlet-core internal");

    @Test
    void fromTheRightClassPath() {
        // a rule over no classes would pass vacuously: make sure every module is imported
        for (String sample : List.of("io.gevent4j.core.Strand", "io.gevent4j.Hub", "io.gevent4j.spi.AgentSupport",
                "io.gevent4j.monkey.Monkey", "io.gevent4j.testing.GeventLeakCheck",
                "io.gevent4j.http.GeventHttpServer", "io.gevent4j.celery.Celery", "io.gevent4j.examples.Demo")) {
            if (!CLASSES.contain(sample)) {
                throw new AssertionError(sample + " was not imported: the architecture test sees no " + sample);
            }
        }
    }

    @Test
    void greenletCoreDoesNotDependOnTheHub() {
        noClasses().that(CORE).should().dependOnClassesThat(resideInAPackage("io.gevent4j..").and(not(CORE)))
                .because("greenlet-core is the bottom layer: the hub builds on it, never the other way")
                .check(CLASSES);
    }

    @Test
    void theHubDoesNotDependOnTheAgentOrTheJunitModule() {
        noClasses().that(HUB).should().dependOnClassesThat(AGENT.or(TESTING))
                .because("the agent and gevent4j-junit build on the hub; the hub works without either")
                .check(CLASSES);
    }

    @Test
    void noLowerLayerDependsOnHttpCeleryOrTheExamples() {
        noClasses().that(HUB.or(CORE).or(AGENT).or(TESTING)).should().dependOnClassesThat(APPLICATIONS)
                .because("gevent4j-http, gevent4j-celery and the examples are built on the hub and the agent,"
                        + " never the other way")
                .check(CLASSES);
    }

    @Test
    void httpAndCeleryUseOnlyThePublicApi() {
        noClasses().that(HTTP.or(CELERY)).should().dependOnClassesThat(HUB_OR_CORE_INTERNALS)
                .because("gevent4j-http and gevent4j-celery are users of gevent4j: the public API is all they may use")
                .check(CLASSES);
    }

    @Test
    void theAgentUsesOnlyThePublicApiAndTheSpi() {
        noClasses().that(AGENT).should().dependOnClassesThat(HUB_OR_CORE_INTERNALS)
                .because("io.gevent4j.spi is the agent's one interface to the hub besides the public API"
                        + " (see its package documentation)")
                .check(CLASSES);
    }

    @Test
    void theJunitModuleUsesOnlyThePublicApiAndTheSpi() {
        noClasses().that(TESTING).should().dependOnClassesThat(HUB_OR_CORE_INTERNALS)
                .because("the leak check reads the hub through its public (read-only) API")
                .check(CLASSES);
    }

    @Test
    void theLoopLayerKnowsNoHub() {
        ArchRule rule = noClasses().that().resideInAPackage("io.gevent4j.internal.loop..")
                .should().dependOnClassesThat().belongToAnyOf(Hub.class, Gevent.class)
                .because("the loop layer (timers, fd poller, waiters) is what Hub is built on");
        rule.check(CLASSES); // fails on an empty (missing) loop layer too
    }

    @Test
    void noCycleBetweenPackages() {
        slices().matching("io.(**)").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void publicSignaturesShowNoInternalType() {
        ArchCondition<JavaCodeUnit> noInternalTypes = new ArchCondition<>("not name an internal type in its signature") {
            @Override
            public void check(JavaCodeUnit unit, ConditionEvents events) {
                List<JavaClass> types = new ArrayList<>(unit.getRawParameterTypes());
                types.add(unit.getRawReturnType());
                for (JavaClass type : types) {
                    if (isInternal(type)) {
                        events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " names " + type.getName()));
                    }
                }
            }
        };
        ArchCondition<JavaField> noInternalType = new ArchCondition<>("not be of an internal type") {
            @Override
            public void check(JavaField field, ConditionEvents events) {
                if (isInternal(field.getRawType())) {
                    events.add(SimpleConditionEvent.violated(field, field.getFullName() + " is a " + field.getRawType().getName()));
                }
            }
        };
        codeUnits().that().arePublic().and().areDeclaredInClassesThat().arePublic()
                .and().areDeclaredInClassesThat().resideOutsideOfPackage("..internal..")
                .should(noInternalTypes).check(CLASSES);
        fields().that().arePublic().and().areDeclaredInClassesThat().arePublic()
                .and().areDeclaredInClassesThat().resideOutsideOfPackage("..internal..")
                .should(noInternalType).check(CLASSES);
    }

    private static boolean isInternal(JavaClass type) {
        JavaClass base = type.isArray() ? type.getBaseComponentType() : type;
        String pkg = base.getPackageName();
        return pkg.startsWith("jdk.internal") || pkg.startsWith("sun.")
                || (pkg.startsWith("io.gevent4j.") && (pkg.endsWith(".internal") || pkg.contains(".internal.")));
    }
}
