//! Integration tests of vrs-certificate: official SHC vectors, issue→verify round trips,
//! QR rendering read back by independent decoders, golden payload, VDS-NC, and the
//! printable page rendered by headless Chromium.

mod bounds;
mod html;
mod icao;
mod issuer_names;
mod official;
mod png_bombs;
mod props;
mod qr_crates;
mod qr_mask;
mod round_trip;
mod support;
mod vds;
