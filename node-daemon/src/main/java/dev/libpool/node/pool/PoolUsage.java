package dev.libpool.node.pool;

/**
 * What a pool saves on this node.
 *
 * @param mappers  processes (QEMUs) mapping any generation of the pool
 * @param rssBytes sum of the mappers' Rss of those mappings: what they would hold without the pool
 * @param pssBytes sum of their Pss (each shared page divided among its mappers)
 * @param residentBytes pool pages actually in memory (all generations on the medium)
 * @param mapperPids    the mapping processes (for learning what they touched)
 */
public record PoolUsage(int mappers, long rssBytes, long pssBytes, long residentBytes, java.util.Set<Long> mapperPids) {

    public PoolUsage(int mappers, long rssBytes, long pssBytes, long residentBytes) {
        this(mappers, rssBytes, pssBytes, residentBytes, java.util.Set.of());
    }

    /** Sum(Rss) - resident: negative while fewer than one full mapper's worth of pages is used. */
    public long savedBytes() {
        return rssBytes - residentBytes;
    }
}
