package dev.libpool.e2e.demo;

/**
 * One boot of one guest of a mode, as its console and attach report tell it.
 *
 * @param guest                 1-based number of the guest in its mode
 * @param second                true for the second boot of the same guest on the same disk
 * @param bootSeconds           host seconds from {@code virsh create} until the guest printed ready (attach,
 *                              workload and inspection done)
 * @param attachSeconds         guest seconds the bootstrap + attach took (own disk: the bootstrap finding no pool)
 * @param attachedFiles         files the guest serves from the pool after the attach (0 for own disk)
 * @param verifiedFromCache     files the attach proved identical from its cache, without reading them
 * @param verifiedByReading     files the attach read and compared with the pool
 * @param libraryPageCacheBytes guest page cache of the libraries its programs map (fincore in the guest): for
 *                              own disk what one guest keeps of them, for the pool ~0 (DAX)
 */
public record GuestBoot(int guest, boolean second, double bootSeconds, double attachSeconds, int attachedFiles,
                        int verifiedFromCache, int verifiedByReading, long libraryPageCacheBytes) {
}
