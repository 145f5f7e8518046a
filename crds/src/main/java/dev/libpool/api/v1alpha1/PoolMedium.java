package dev.libpool.api.v1alpha1;

/** The host memory that holds a pool image. Lower-case because these are the filesystem type names. */
public enum PoolMedium {
    tmpfs, hugetlbfs
}
