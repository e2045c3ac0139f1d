//! CLI tests: the real `vrs` binary against temp data directories.

mod support;

mod audit;
mod certificate;
mod residents;
