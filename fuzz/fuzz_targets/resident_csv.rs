//! Fuzz target: the resident file reader (D12-1) on arbitrary bytes, in every
//! encoding mode: rows come in increasing physical lines after the header, and
//! no error reason echoes a cell (no run of 7 or more digits, short reasons).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrs_domain::csv_input::Encoding;
use vrs_domain::resident_file::ResidentFile;
use vrs_domain::MunicipalityCode;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, file)) = data.split_first() else {
        return;
    };
    let encoding = match mode % 3 {
        0 => None,
        1 => Some(Encoding::Utf8),
        _ => Some(Encoding::Cp932),
    };
    let code: MunicipalityCode = "131016".parse().expect("code");
    let mut reader = match ResidentFile::open(file, encoding, code) {
        Ok(r) => r,
        Err(errors) => {
            assert!(!errors.is_empty());
            assert!(errors.iter().all(|e| e.line == 1));
            return;
        }
    };
    let mut last = 1;
    while let Some((line, row)) = reader.next_row() {
        assert!(line > last, "line {line} after {last}");
        last = line;
        if let Err(errors) = row {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(e.line == line, "error of line {} on row {line}", e.line);
                assert!(e.reason.len() < 200, "long reason: {}", e.reason);
                let longest_digits = e
                    .reason
                    .split(|c: char| !c.is_ascii_digit())
                    .map(str::len)
                    .max()
                    .unwrap_or(0);
                assert!(longest_digits < 7, "reason echoes digits: {}", e.reason);
            }
        }
    }
});
