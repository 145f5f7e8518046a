package dev.libpool.guest;

import dev.libpool.api.v1alpha1.VmContract;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Python hook cannot import Java constants, so it declares its own: this test reads them from the
 * shipped script and fails when one differs from {@link VmContract}.
 */
class HookContractTest {
    private static final Pattern ASSIGNMENT = Pattern.compile("(?m)^([A-Z_]+) = (.+)$");

    @Test
    void hookConstantsEqualTheVmContract() {
        Map<String, String> constants = constants(GuestScripts.hookScript());

        assertThat(constants.get("ALIAS_PREFIX")).isEqualTo(quoted(VmContract.ALIAS_PREFIX));
        assertThat(constants.get("SIZE_ANNOTATION_PREFIX")).isEqualTo(quoted(VmContract.SIZE_ANNOTATION_PREFIX));
        assertThat(constants.get("POOL_NAME")).isEqualTo("re.compile(r\"" + VmContract.POOL_NAME_REGEX + "\")");
        assertThat(constants.get("DEVICE_ALIGN")).isEqualTo((VmContract.DEVICE_ALIGN >> 20) + " * MIB");
    }

    @Test
    void contractNamesFitKubeVirtsLimits() {
        String longest = "a".repeat(VmContract.MAX_POOL_NAME);
        assertThat(VmContract.isPoolName(longest)).isTrue();
        assertThat(VmContract.isPoolName(longest + "a")).isFalse();
        assertThat(VmContract.volumeName(longest)).hasSize(63);
        assertThat(VmContract.diskAlias("p")).isEqualTo("ua-" + VmContract.volumeName("p"));
        assertThat(VmContract.isPoolName("a.b")).isFalse();
        assertThat(VmContract.isPoolName("-a")).isFalse();
    }

    /**
     * VmContract's naming rule as the hook applies it: the hook's own POOL_NAME takes no name libpool adds for
     * something else (its disks would otherwise be taken for a pool's), and every pool's volume.
     */
    @Test
    void theHookTakesNoAddedNameForAPool() {
        Map<String, String> constants = constants(GuestScripts.hookScript());
        String regex = constants.get("POOL_NAME").replaceFirst("^re\\.compile\\(r\"(.*)\"\\)$", "$1");
        Pattern hookPoolName = Pattern.compile(regex);
        String aliasPrefix = constants.get("ALIAS_PREFIX").replace("\"", "");

        assertThat(VmContract.ADDED_NAMES).isNotEmpty().allSatisfy(added -> {
            assertThat(added).startsWith(VmContract.ADDED_NAME_PREFIX);
            String alias = VmContract.KUBEVIRT_ALIAS_PREFIX + added;
            assertThat(VmContract.poolOfAlias(alias)).as(alias).isEmpty();
            assertThat(alias).startsWith(aliasPrefix);
            assertThat(hookPoolName.matcher(alias.substring(aliasPrefix.length())).matches()).as(alias).isFalse();
            assertThat(VmContract.poolOfVolume(added)).as(added).isEmpty();
            assertThat(VmContract.isLibpoolName(added)).isTrue();
        });
        for (String pool : java.util.List.of("a", "hook", "cloudinit", "base-libs", "x".repeat(VmContract.MAX_POOL_NAME))) {
            String alias = VmContract.diskAlias(pool);
            assertThat(hookPoolName.matcher(alias.substring(aliasPrefix.length())).matches()).as(alias).isTrue();
            assertThat(VmContract.poolOfVolume(VmContract.volumeName(pool))).contains(pool);
            assertThat(VmContract.poolOfAlias(alias)).contains(pool);
            assertThat(VmContract.ADDED_NAMES).doesNotContain(VmContract.volumeName(pool));
        }
        assertThat(VmContract.isLibpoolName("hook")).isFalse();
        assertThat(VmContract.isLibpoolName("libpool-Bad_Name")).isFalse();
    }

    private static String quoted(String value) {
        return "\"" + value + "\"";
    }

    private static Map<String, String> constants(String script) {
        Map<String, String> found = new LinkedHashMap<>();
        Matcher m = ASSIGNMENT.matcher(script);
        while (m.find()) {
            found.put(m.group(1), m.group(2).strip());
        }
        return found;
    }
}
