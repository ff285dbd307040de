"""The load generators as a cluster: cluster-wide user indexes handed out by the master, and each
process's open-files limit."""
