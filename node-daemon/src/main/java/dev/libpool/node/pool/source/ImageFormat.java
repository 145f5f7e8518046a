package dev.libpool.node.pool.source;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The container format of a disk image, told by its magic and never by qemu-img's probing (which would let
 * a raw image that looks like qcow2 name a backing file on the node).
 */
public enum ImageFormat {
    QCOW2, RAW, OTHER;

    public static ImageFormat detect(ByteSource image) throws IOException {
        ByteBuffer head = image.read(0, 64);
        String magic = Filesystem.ascii(head, 0, Math.min(head.limit(), 40));
        if (magic.startsWith("QFI\u00fb")) {
            return QCOW2;
        }
        if (magic.startsWith("KDMV") || magic.startsWith("# Disk DescriptorFile") || magic.startsWith("vhdxfile")
                || magic.startsWith("<<< ") || magic.startsWith("conectix") || magic.startsWith("QED\0")) {
            return OTHER;
        }
        return RAW;
    }
}
