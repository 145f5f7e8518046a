package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The container format of a disk image, told by its magic and never by probing a file name. A file that starts
 * with the qcow2 magic but whose header is no qcow2 header, while a partition table or a file system lies where a
 * raw disk has them, is a raw disk (its first sector is the guest's). Formats libpool does not read are named.
 */
public enum ImageFormat {
    QCOW2, RAW;

    private static final Map<String, String> OTHERS = Map.of(
            "KDMV", "VMDK", "# Disk DescriptorFile", "VMDK (descriptor)", "vhdxfile", "VHDX", "conectix", "VHD (vpc)",
            "QED\0", "QED", "WithoutFreeSpace", "Parallels", "WithouFreSpacExt", "Parallels");

    /** The format, or a failure naming the format that is not read and how to convert it. */
    public static ImageFormat detect(ByteSource image) throws IOException, DiskFormatException {
        ByteBuffer head = image.read(0, 128);
        String magic = Filesystem.ascii(head, 0, Math.min(head.limit(), 64));
        if (magic.startsWith("QFI\u00fb")) {
            if (Qcow2Header.plausible(head) || !looksRaw(image)) {
                return QCOW2;
            }
            return RAW;
        }
        if (magic.startsWith("LUKS\u00ba\u00be")) {
            throw new DiskFormatException(Reason.UnsupportedImageFormat, "is a LUKS-encrypted volume, which libpool "
                    + "does not read: decrypt it into a plain image (qemu-img convert --object secret,id=s,file=KEYFILE "
                    + "--image-opts driver=luks,file.filename=IMAGE,key-secret=s -O qcow2 plain.qcow2), or use "
                    + "source.hostPath with an unpacked copy");
        }
        String vdi = head.limit() >= 0x44 ? String.format("%08x", head.getInt(0x40)) : "";
        for (Map.Entry<String, String> other : OTHERS.entrySet()) {
            if (magic.startsWith(other.getKey())) {
                throw unsupported(other.getValue());
            }
        }
        if (vdi.equals("beda107f")) {
            throw unsupported("VDI");
        }
        return RAW;
    }

    private static boolean looksRaw(ByteSource image) throws IOException {
        try {
            return PartitionTable.read(image).isPresent() || Filesystem.probe(image, 0).isPresent();
        } catch (DiskFormatException e) {
            return true; // a partition table, if a damaged one: a raw disk that fails later with its own reason
        }
    }

    private static DiskFormatException unsupported(String format) {
        return new DiskFormatException(Reason.UnsupportedImageFormat, "is a " + format + " image; libpool reads "
                + "qcow2 and raw: convert it (qemu-img convert -O qcow2 IMAGE out.qcow2)");
    }
}
