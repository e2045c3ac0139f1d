//! Integration tests of the `vrs` binary.

mod certificate;
