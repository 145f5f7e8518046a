package dev.libpool.kubetest;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Skips a test class, with the reason, before anything else runs when there is no {@link TestCluster} to be
 * had: for classes whose set-up needs the server before a test method could call {@link TestCluster#get()} (a
 * QuarkusTest boots its application first; its test resource then calls get()). Starts nothing itself.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresTestCluster.Condition.class)
public @interface RequiresTestCluster {

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return TestCluster.unavailableReason().map(ConditionEvaluationResult::disabled)
                    .orElseGet(() -> ConditionEvaluationResult.enabled("a test cluster is at hand"));
        }
    }
}
