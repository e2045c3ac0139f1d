//! vrs-server integration tests: the real server on 127.0.0.1:0 over TLS (an
//! rcgen test certificate), talked to with a real HTTP client (reqwest, rustls).

mod api;
mod app;
mod browser;
mod concurrency;
mod inquiry_batch;
mod postgres;
mod routes;
mod shutdown;
mod support;
mod web;
mod web_admin;
mod web_counter;
mod web_staff;
mod web_stats;
