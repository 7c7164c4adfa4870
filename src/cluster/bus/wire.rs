//! Encoding and decoding of cluster bus messages (being written).
