//! Fuzz target: each card file parser (EF 0001/0002/0003/0004/0007) on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_identity::card::{parse_file};
use vrs_identity::CardFile;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let which = match selector % 5 {
        0 => CardFile::Ef0001,
        1 => CardFile::Ef0002,
        2 => CardFile::Ef0003,
        3 => CardFile::Ef0004,
        _ => CardFile::Ef0007,
    };
    if let Err(e) = parse_file(which, file) {
        // Error messages must render without panicking.
        let _ = e.to_string();
    }
});
