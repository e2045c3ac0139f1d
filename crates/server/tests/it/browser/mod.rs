//! Browser tests: the real service on `http://localhost:PORT`, driven in real
//! headless Chromium over WebDriver (Debian's `chromium` and `chromedriver`,
//! fantoccini as the client).
//!
//! Plain HTTP on loopback, not TLS with a test certificate: `vrs serve` serves
//! plain HTTP only on a loopback address, and Chromium treats `http://localhost`
//! as a secure context (Secure cookies are stored, `crypto.subtle`, camera and
//! IndexedDB behave as over HTTPS), so the pages are tested as users get them
//! without teaching the browser to ignore certificate errors, which would also
//! hide a page that loads something from an untrusted origin.
//!
//! With `CI=true` a missing chromium or chromedriver fails the test; elsewhere
//! the test prints why it skips and passes.

mod harness;
mod screens;
mod smoke;
mod staff;
mod stats;
mod tablet;
mod verify;

pub(crate) use harness::{Browser, Site};
