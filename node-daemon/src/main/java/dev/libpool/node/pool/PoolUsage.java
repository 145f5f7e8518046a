package dev.libpool.node.pool;

/**
 * What a pool saves on this node.
 *
 * @param mappers  processes (QEMUs) mapping any generation of the pool
 * @param rssBytes sum of the mappers' Rss of those mappings: what they would hold without the pool
 * @param pssBytes sum of their Pss (each shared page divided among its mappers)
 * @param residentBytes pool pages actually in memory (all generations on the medium)
 */
public record PoolUsage(int mappers, long rssBytes, long pssBytes, long residentBytes) {

    /** Sum(Rss) - resident: negative while fewer than one full mapper's worth of pages is used. */
    public long savedBytes() {
        return rssBytes - residentBytes;
    }
}
