package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SharedLibraryPoolSpec {
    /** Applied when {@code include} is empty: the usual library directories of Linux distributions. */
    public static final List<String> DEFAULT_INCLUDE = List.of(
            "lib/**/*.so*", "lib64/**/*.so*", "usr/lib/**/*.so*", "usr/lib64/**/*.so*", "usr/local/lib/**/*.so*");

    /**
     * Globs are relative to the source root. Only O(1)-cost functions here: the API server rejects a CRD whose rules
     * over unbounded strings in a list could cost too much (contains() or matches() would).
     */
    static final String GLOBS_RELATIVE = "self.all(g, size(g) > 0 && !g.startsWith('/'))";
    /**
     * No glob may climb out of the source root. contains() costs in proportion to the string, so every glob is
     * bounded ({@link #MAX_GLOB_LENGTH}) and the list too (maxItems): the API server's cost estimate stays low.
     */
    static final String GLOBS_INSIDE_ROOT =
            "self.all(g, g != '..' && !g.startsWith('../') && !g.endsWith('/..') && !g.contains('/../'))";
    static final int MAX_GLOB_LENGTH = 1024;

    @Required
    @JsonPropertyDescription("Where the libraries come from: exactly one of hostPath, diskImage or containerDisk.")
    private PoolSource source;

    @JsonPropertyDescription("Globs (relative to the source root; * and ? stay within a name, ** crosses directories, "
            + "**/ also matches no directory) of the files to share. Empty means the usual library directories (lib, "
            + "lib64, usr/lib, usr/lib64, usr/local/lib), where files that are not ELF shared objects are skipped; "
            + "a file that globs given here match must be an ELF shared object (or a link to one), else the pool "
            + "fails naming it.")
    @Size(max = 256)
    @ValidationRule(value = GLOBS_RELATIVE, message = "include: every glob must be non-empty and relative to the source "
            + "root (no leading /), e.g. usr/lib/x86_64-linux-gnu/**/*.so*")
    @ValidationRule(value = GLOBS_INSIDE_ROOT, message = "include: a glob must not have a .. segment, which would "
            + "leave the source root: write it from the source root down, e.g. usr/lib/x86_64-linux-gnu/*.so*")
    private List<@Size(max = MAX_GLOB_LENGTH) String> include = new ArrayList<>();

    @JsonPropertyDescription("Globs of files to leave out, applied after include.")
    @Size(max = 256)
    @ValidationRule(value = GLOBS_RELATIVE, message = "exclude: every glob must be non-empty and relative to the source "
            + "root (no leading /), e.g. usr/lib/**/libLLVM*")
    @ValidationRule(value = GLOBS_INSIDE_ROOT, message = "exclude: a glob must not have a .. segment, which would "
            + "leave the source root: write it from the source root down, e.g. usr/lib/**/libLLVM*")
    private List<@Size(max = MAX_GLOB_LENGTH) String> exclude = new ArrayList<>();

    @Required
    @JsonPropertyDescription("Upper bound of the selected library bytes, e.g. 512Mi. The pool fails (and the last good "
            + "generation keeps serving) when the selection is larger.")
    // maxSize is int-or-string: a bare integer is bytes, a string must parse as a quantity before quantity() may see it.
    // 1Ti is the node daemon's bound (PoolGeometry).
    @ValidationRule(value = "type(self) == int ? self > 0 && self <= 1099511627776 : isQuantity(self) "
            + "&& quantity(self).isGreaterThan(quantity('0')) && !quantity(self).isGreaterThan(quantity('1Ti'))",
            message = "maxSize must be a positive quantity up to 1Ti such as 512Mi (or a number of bytes)")
    private Quantity maxSize;

    @JsonPropertyDescription("Nodes that hold the pool (node labels, all must match). Empty means every node the "
            + "node daemon runs on.")
    private Map<String, String> nodeSelector = new LinkedHashMap<>();

    @Required
    @JsonPropertyDescription("Namespaces whose VMs may use the pool. Required: {} means every namespace, "
            + "as an explicit choice. VMs opt in with the label libpool.dev/pool=<pool name>.")
    private LabelSelector namespaceSelector;

    @Default("{}")
    @JsonPropertyDescription("How guests attach the pool.")
    private AttachSpec attach = new AttachSpec();

    @Default("tmpfs")
    @JsonPropertyDescription("What holds the pool image on the node: tmpfs (default; the whole image resident), "
            + "hugetlbfs (the whole image in huge pages reserved on the node, vm.nr_hugepages) or PageCache (a "
            + "read-only file on the node's disk under the state directory: only pages guests touch are resident).")
    private PoolMedium medium = PoolMedium.tmpfs;

    @Default("Off")
    @JsonPropertyDescription("Build the next generation on each node from what its guests touched of the serving one: "
            + "Off (default), Dense (touched pages laid out together) or Narrow (Dense, and libraries nobody touched left "
            + "out; guests load those from their own disk). Applied once the learning settled, and at every rebuild.")
    private LearnedLayout learnedLayout = LearnedLayout.Off;

    @Default("{}")
    @JsonPropertyDescription("KSM tuning for the nodes of this pool. Default: Unmanaged (observe only).")
    private KsmSpec ksm = new KsmSpec();

    public PoolSource getSource() { return source; }
    public void setSource(PoolSource source) { this.source = source; }
    public List<String> getInclude() { return include; }
    public void setInclude(List<String> include) { this.include = include; }
    public List<String> getExclude() { return exclude; }
    public void setExclude(List<String> exclude) { this.exclude = exclude; }
    public Quantity getMaxSize() { return maxSize; }
    public void setMaxSize(Quantity maxSize) { this.maxSize = maxSize; }
    public Map<String, String> getNodeSelector() { return nodeSelector; }
    public void setNodeSelector(Map<String, String> nodeSelector) { this.nodeSelector = nodeSelector; }
    public LabelSelector getNamespaceSelector() { return namespaceSelector; }
    public void setNamespaceSelector(LabelSelector namespaceSelector) { this.namespaceSelector = namespaceSelector; }
    public AttachSpec getAttach() { return attach; }
    public void setAttach(AttachSpec attach) { this.attach = attach; }
    public PoolMedium getMedium() { return medium; }
    public void setMedium(PoolMedium medium) { this.medium = medium; }
    public LearnedLayout getLearnedLayout() { return learnedLayout; }
    public void setLearnedLayout(LearnedLayout learnedLayout) { this.learnedLayout = learnedLayout; }
    public KsmSpec getKsm() { return ksm; }
    public void setKsm(KsmSpec ksm) { this.ksm = ksm; }

    /** The include globs in force: the user's, or {@link #DEFAULT_INCLUDE} when none are given. */
    public List<String> effectiveInclude() {
        return include == null || include.isEmpty() ? DEFAULT_INCLUDE : include;
    }
}
