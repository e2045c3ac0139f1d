//! Integration tests of `vrs serve`: a real server on 127.0.0.1:0 with TLS and a real client.

mod app;
