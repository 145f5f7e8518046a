package dev.libpool.e2e;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/** The DOM steps the hook's E2E tests take on libvirt domains (parse, walk, remove, write back). */
final class DomainDom {

    private DomainDom() {
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    /** {@code xml} parsed and imported into {@code doc}, ready to be appended. */
    static Node fragment(Document doc, String xml) throws Exception {
        return doc.importNode(parse(xml).getDocumentElement(), true);
    }

    static String write(Document doc) throws Exception {
        StringWriter out = new StringWriter();
        var transformer = TransformerFactory.newInstance().newTransformer();
        transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
        transformer.transform(new DOMSource(doc), new StreamResult(out));
        return out.toString();
    }

    static List<Element> children(Element parent) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.add(e);
            }
        }
        return out;
    }

    static Element first(Element parent, String name) {
        return children(parent).stream().filter(e -> e.getLocalName().equals(name)).findFirst().orElse(null);
    }

    static void remove(Node node) {
        if (node != null) {
            node.getParentNode().removeChild(node);
        }
    }

    /** Drops what only KVM on a real node provides (CPU model, features, clock, SMBIOS), so QEMU TCG starts it. */
    static void dropKvmOnly(Element domain) {
        for (String kvmOnly : List.of("features", "cpu", "clock", "sysinfo")) {
            remove(first(domain, kvmOnly));
        }
        remove(first(first(domain, "os"), "smbios"));
    }
}
