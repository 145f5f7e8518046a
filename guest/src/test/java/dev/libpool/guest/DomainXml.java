package dev.libpool.guest;

import dev.libpool.api.v1alpha1.VmContract;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Attr;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/** Test helpers over libvirt domain XML: KubeVirt-style pool disks and element inventories. */
final class DomainXml {

    static final String QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0";

    private DomainXml() {
    }

    /** The guest path KubeVirt gives a hostDisk volume libpool-POOL whose file is pool.img. */
    static String launcherPath(String pool) {
        return "/var/run/kubevirt-private/vmi-disks/" + VmContract.volumeName(pool) + "/" + VmContract.POOL_FILE;
    }

    /** The {@code <disk>} KubeVirt renders for a hostDisk volume (as the fixtures' file disks). */
    static String poolDisk(String pool, String sourcePath, String dev) {
        return fileDisk(VmContract.diskAlias(pool), sourcePath, dev);
    }

    /** A raw virtio file disk as KubeVirt's converter renders a hostDisk or a cloud-init volume (alias ua-VOLUME). */
    static String fileDisk(String alias, String sourcePath, String dev) {
        return """
                <disk device="disk" type="file" model="virtio-non-transitional">
                      <source file="%s"></source>
                      <target bus="virtio" dev="%s"></target>
                      <driver error_policy="stop" name="qemu" type="raw" discard="unmap"></driver>
                      <alias name="%s"></alias>
                    </disk>
                """.formatted(sourcePath, dev, alias).strip();
    }

    /** Inserts disks at the end of {@code <devices>} (created when the domain has none). */
    static String withDisks(String domainXml, String... disks) {
        String rendered = String.join("\n    ", disks);
        int devicesEnd = domainXml.lastIndexOf("</devices>");
        if (devicesEnd >= 0) {
            return domainXml.substring(0, devicesEnd) + "  " + rendered + "\n  " + domainXml.substring(devicesEnd);
        }
        int domainEnd = domainXml.lastIndexOf("</domain>");
        return domainXml.substring(0, domainEnd) + "<devices>\n    " + rendered + "\n  </devices>\n"
                + domainXml.substring(domainEnd);
    }

    static String withPoolDisk(String domainXml, String pool) {
        return withDisks(domainXml, poolDisk(pool, launcherPath(pool), "vdz"));
    }

    static Document parse(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage() + "\n" + xml, e);
        }
    }

    /** Direct children of {@code parent} in no namespace with that local name. */
    static List<Element> children(Node parent, String localName) {
        List<Element> found = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getNamespaceURI() == null && localName.equals(e.getLocalName())) {
                found.add(e);
            }
        }
        return found;
    }

    static Element child(Node parent, String localName) {
        List<Element> found = children(parent, localName);
        return found.isEmpty() ? null : found.get(0);
    }

    /** Values of the {@code <qemu:arg>} elements of every {@code <qemu:commandline>}. */
    static List<String> qemuArgs(Document document) {
        List<String> values = new ArrayList<>();
        var args = document.getElementsByTagNameNS(QEMU_NS, "arg");
        for (int i = 0; i < args.getLength(); i++) {
            values.add(((Element) args.item(i)).getAttribute("value"));
        }
        return values;
    }

    /** Aliases of all disks. */
    static List<String> diskAliases(Document document) {
        List<String> aliases = new ArrayList<>();
        var disks = document.getElementsByTagName("disk");
        for (int i = 0; i < disks.getLength(); i++) {
            Element alias = child(disks.item(i), "alias");
            aliases.add(alias == null ? "" : alias.getAttribute("name"));
        }
        return aliases;
    }

    /**
     * Every element in document order as "path {attributes} text", skipping the subtrees that
     * {@code skip} accepts (given path and element). Paths name namespaces ({uri}local), so a lost or
     * renamed namespace shows.
     */
    static List<String> inventory(Document document, BiPredicate<String, Element> skip) {
        List<String> lines = new ArrayList<>();
        collect(document.getDocumentElement(), "", skip, lines);
        return lines;
    }

    private static void collect(Element element, String parentPath, BiPredicate<String, Element> skip,
                                List<String> lines) {
        String name = element.getNamespaceURI() == null ? element.getLocalName()
                : "{" + element.getNamespaceURI() + "}" + element.getLocalName();
        String path = parentPath + "/" + name;
        if (skip.test(path, element)) {
            return;
        }
        StringBuilder text = new StringBuilder();
        for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeType() == Node.TEXT_NODE) {
                text.append(n.getNodeValue());
            }
        }
        lines.add(path + describe(element) + " " + text.toString().strip());
        for (Node n = element.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element child) {
                collect(child, path, skip, lines);
            }
        }
    }

    private static String describe(Element element) {
        TreeMap<String, String> attributes = new TreeMap<>();
        NamedNodeMap map = element.getAttributes();
        for (int i = 0; i < map.getLength(); i++) {
            Attr attr = (Attr) map.item(i);
            if (!"xmlns:qemu".equals(attr.getName())) {
                attributes.put(attr.getName(), attr.getValue());
            }
        }
        return attributes.toString();
    }

    /** The subtree of a pool disk, identified by its alias. */
    static boolean isPoolDisk(Element disk) {
        Element alias = child(disk, "alias");
        return alias != null && VmContract.poolOfAlias(alias.getAttribute("name")).isPresent();
    }
}
