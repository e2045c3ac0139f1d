//! PNG decompression bombs built in memory by the tests (never committed): a PNG
//! whose header promises a huge image that inflates from a few kilobytes.
#![allow(dead_code)] // shared with the CLI tests, which use a part of it

use std::io::Write;

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend(kind);
    out.extend(data);
    out.extend(crc.sum().to_be_bytes());
}

fn zlib(write: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    write(&mut z);
    z.finish().unwrap()
}

/// A PNG of `width` × `height` (colour type and bit depth as given) whose every
/// row holds `fill` bytes, with the ancillary chunks `extra` before the image data.
pub(crate) fn png(
    width: u32,
    height: u32,
    bit_depth: u8,
    color_type: u8,
    fill: u8,
    extra: &[(&[u8; 4], Vec<u8>)],
) -> Vec<u8> {
    png_rows(width, height, height, bit_depth, color_type, fill, extra)
}

/// Like [`png`], but only the first `rows` rows are in the image data: enough
/// for an image that must be refused from its header alone.
pub(crate) fn png_rows(
    width: u32,
    height: u32,
    rows: u32,
    bit_depth: u8,
    color_type: u8,
    fill: u8,
    extra: &[(&[u8; 4], Vec<u8>)],
) -> Vec<u8> {
    let channels = match color_type {
        0 => 1,
        2 => 3,
        4 => 2,
        6 => 4,
        _ => 1,
    };
    let row_bytes = (width as usize * channels * bit_depth as usize).div_ceil(8);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([bit_depth, color_type, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    for (kind, data) in extra {
        chunk(&mut out, kind, data);
    }
    let mut row = vec![fill; row_bytes + 1];
    row[0] = 0; // filter: none
    let idat = zlib(|z| {
        for _ in 0..rows {
            z.write_all(&row).unwrap();
        }
    });
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// The 20000 × 20000 one-bit greyscale bomb of issue 13 (400 megapixels, ~50 KB).
pub(crate) fn one_bit_bomb() -> Vec<u8> {
    png(20_000, 20_000, 1, 0, 0, &[])
}

/// A 1 × 1 image carrying a zTXt chunk that inflates to `mib` MiB.
pub(crate) fn ztxt_bomb(mib: usize) -> Vec<u8> {
    let mut text = b"Comment\0\0".to_vec();
    let zeros = vec![0u8; 1024 * 1024];
    text.extend(zlib(|z| {
        for _ in 0..mib {
            z.write_all(&zeros).unwrap();
        }
    }));
    png(1, 1, 8, 0, 255, &[(b"zTXt", text)])
}
