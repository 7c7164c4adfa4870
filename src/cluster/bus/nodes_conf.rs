//! nodes.conf: reading and writing the cluster configuration file (being written).
