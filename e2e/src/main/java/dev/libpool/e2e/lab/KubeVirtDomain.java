package dev.libpool.e2e.lab;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The domain KubeVirt's own converter made of a VM (kubevirt-sim, via KubeVirtCode), made bootable in the lab with
 * the fewest changes: what lives only in a virt-launcher pod is swapped for the lab's own. Kept as KubeVirt wrote
 * it: every disk and its alias, the pool's hostDisk (under /var/run/kubevirt-private/vmi-disks, linked by the lab),
 * memory, vCPUs and their hot-plug slots, balloon, channels, sysinfo, features, devices' virtio models. Changed:
 * the name; the firmware boot becomes the lab's direct kernel boot (TCG translation cache, cpu 'maximum': KubeVirt's
 * host-model is for KVM nodes); the containerDisk root becomes the lab's root disk; the serial socket becomes the
 * lab's console file; the cloud-init disk (its ISO is written by virt-launcher in the pod) reads an empty placeholder
 * file, so the disk and its alias (e.g. libpool's ua-libpool--cloudinit) stay where the hook meets them; removed:
 * the pod network interface (KubeVirt sets it up in the pod: type "" until then), VNC and video (their sockets live
 * in the pod) and the empty sysinfo sections libvirt's schema does not know.
 */
public final class KubeVirtDomain {
    private KubeVirtDomain() {
    }

    static String forLab(String kubevirtXml, String name, GuestSpec spec, Path kernel, Path initrd, String cmdline,
                         Path rootDisk, Path cloudInitPlaceholder, Path serialLog) {
        Document doc = parse(kubevirtXml);
        Element domain = outOfThePod(doc, name, serialLog);
        Element os = child(domain, "os");
        append(os, "kernel", kernel.toString());
        append(os, "initrd", initrd.toString());
        append(os, "cmdline", cmdline);
        append(domain, "on_reboot", "destroy");
        if (!spec.ksmMergeable() || spec.sharedMemfd()) {
            Element backing = doc.createElement("memoryBacking");
            if (!spec.ksmMergeable()) {
                backing.appendChild(doc.createElement("nosharepages"));
            }
            if (spec.sharedMemfd()) {
                append(backing, "source", null).setAttribute("type", "memfd");
                append(backing, "access", null).setAttribute("mode", "shared");
            }
            domain.appendChild(backing);
        }
        Element devices = child(domain, "devices");
        for (Element disk : children(devices, "disk")) {
            Element source = child(disk, "source");
            Element backingStore = firstOrNull(disk, "backingStore");
            if (backingStore != null) { // the containerDisk root: the lab's own root disk instead
                disk.removeChild(backingStore);
                source.setAttribute("file", rootDisk.toString());
                child(disk, "driver").setAttribute("type", rootDisk.toString().endsWith(".qcow2") ? "qcow2" : "raw");
            } else if (source.getAttribute("file").contains("/cloud-init-dir/")) {
                source.setAttribute("file", cloudInitPlaceholder.toString());
            }
        }
        return serialize(doc);
    }

    /**
     * KubeVirt's domain for starting without a guest OS (QEMU running is the check): every disk's file moved to
     * {@code relocate(file)} (the caller creates them, e.g. sparse, raw), a containerDisk root losing its backing store.
     */
    public static String forStart(String kubevirtXml, String name, Path serialLog, UnaryOperator<String> relocate) {
        Document doc = parse(kubevirtXml);
        Element domain = outOfThePod(doc, name, serialLog);
        for (Element disk : children(child(domain, "devices"), "disk")) {
            Element source = child(disk, "source");
            Element backingStore = firstOrNull(disk, "backingStore");
            if (backingStore != null) {
                disk.removeChild(backingStore);
            }
            child(disk, "driver").setAttribute("type", "raw"); // virt-launcher's qcow2 images (containerDisk, emptyDisk)
            source.setAttribute("file", relocate.apply(source.getAttribute("file")));
        }
        return serialize(doc);
    }

    /** The changes every lab use needs: name, TCG, no pod network, VNC or video, the serial console into a file. */
    private static Element outOfThePod(Document doc, String name, Path serialLog) {
        Element domain = doc.getDocumentElement();
        child(domain, "name").setTextContent(name);
        removeAll(child(domain, "os"), "smbios");
        Element tcg = doc.createElement("tcg");
        append(tcg, "tb-cache", "64").setAttribute("unit", "MiB");
        child(domain, "features").appendChild(tcg);
        Element cpu = child(domain, "cpu");
        cpu.setAttribute("mode", "maximum");
        cpu.setAttribute("check", "none");
        removeAll(child(domain, "sysinfo"), "bios", "baseBoard", "chassis");
        Element devices = child(domain, "devices");
        removeAll(devices, "interface", "graphics", "video");
        for (Element serial : children(devices, "serial")) {
            serial.setAttribute("type", "file");
            removeAll(serial, "log");
            Element source = child(serial, "source");
            source.removeAttribute("mode");
            source.setAttribute("path", serialLog.toString());
        }
        return domain;
    }

    private static Document parse(String xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return f.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new LabException("KubeVirt's domain does not parse: " + e.getMessage(), e);
        }
    }

    private static String serialize(Document doc) {
        try {
            StringWriter out = new StringWriter();
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            t.transform(new DOMSource(doc), new StreamResult(out));
            return out.toString();
        } catch (Exception e) {
            throw new LabException("cannot write KubeVirt's domain: " + e.getMessage(), e);
        }
    }

    private static Element append(Element parent, String tag, String text) {
        Element e = parent.getOwnerDocument().createElement(tag);
        if (text != null) {
            e.setTextContent(text);
        }
        parent.appendChild(e);
        return e;
    }

    private static List<Element> children(Element parent, String tag) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(tag)) {
                found.add(e);
            }
        }
        return found;
    }

    private static Element firstOrNull(Element parent, String tag) {
        List<Element> found = children(parent, tag);
        return found.isEmpty() ? null : found.get(0);
    }

    private static Element child(Element parent, String tag) {
        Element e = firstOrNull(parent, tag);
        if (e == null) {
            throw new IllegalArgumentException("KubeVirt's domain has no <" + tag + "> in <" + parent.getTagName() + ">");
        }
        return e;
    }

    private static void removeAll(Element parent, String... tags) {
        for (String tag : tags) {
            for (Node n : children(parent, tag)) {
                parent.removeChild(n);
            }
        }
    }
}
