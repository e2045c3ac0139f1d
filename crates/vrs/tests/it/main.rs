//! Integration tests of the facade: the use cases end to end on a temp data dir.

mod support;

mod app;
mod audit;
mod audit_heads;
mod auth;
mod backends;
mod backends_accounts;
mod backends_area_statistics;
mod backends_first_copy;
mod backends_first_load;
mod backends_ops;
mod backends_pg;
mod dose_statistics;
mod doses;
mod erasure;
mod import;
mod isolation;
mod issuance;
mod moves;
mod review_queue;
mod shared;
mod statistics;
