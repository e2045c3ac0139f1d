//! Fuzz target: the bulk dose file reader (D12-2) on arbitrary bytes: rows come
//! in increasing physical lines and accepted free text holds no control, bidi or
//! zero-width character.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_domain::csv_input::Encoding;
use vrs_domain::dose_file::DoseFile;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, file)) = data.split_first() else {
        return;
    };
    let encoding = match mode % 3 {
        0 => None,
        1 => Some(Encoding::Utf8),
        _ => Some(Encoding::Cp932),
    };
    let Ok(mut reader) = DoseFile::open(file, encoding) else {
        return;
    };
    let mut last = 1;
    while let Some((line, row)) = reader.next_row() {
        assert!(line > last, "line {line} after {last}");
        last = line;
        if let Ok(entry) = row {
            for text in [entry.venue.map(|v| v.to_string()), entry.doctor.map(|d| d.to_string())]
                .into_iter()
                .flatten()
            {
                assert!(vrs_domain::text::check_free_text(&text, "x").is_ok(), "{text:?}");
            }
        }
    }
});
