//! The QR symbol before masking, built straight into bit-packed rows (ISO/IEC 18004:2015
//! §7.4–7.7): the version is chosen, the segments' bits are packed into data codewords
//! with terminator and pad codewords, Reed–Solomon error correction is added per block
//! (log/antilog tables of GF(2⁸) over 0x11D), the blocks are interleaved and the
//! codewords placed in the zigzag order around the function patterns, which are drawn
//! too. `qr_mask` then derives and scores the eight masked symbols from these rows.
//!
//! Why not qrcodegen's symbol: its Reed–Solomon multiplies bit by bit, and reading its
//! modules back costs one non-inlined call each (11,025 for version 22); together they
//! were two thirds of a conforming encode (docs/PERFORMANCE.md, "QR mask selection").
//! qrcodegen still makes the segments (`QrSegment`), and the tests check every symbol
//! this module builds, under each of the eight masks, against qrcodegen's own.

use qrcodegen::{QrCodeEcc, QrSegment, QrSegmentMode};

use crate::qr_mask::{set, Line, WORDS};

/// Error-correction codewords per block, by level (L, M, Q, H) and version (ISO Table 9).
const ECC_PER_BLOCK: [[u8; 41]; 4] = [
    [
        0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28,
        30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28,
        28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    [
        0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30,
        30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
];

/// Error-correction blocks, by level (L, M, Q, H) and version (ISO Table 9).
const BLOCKS: [[u8; 41]; 4] = [
    [
        0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13,
        14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
    ],
    [
        0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21,
        23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
    [
        0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29,
        34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
    [
        0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32,
        35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
];

fn level(ecl: QrCodeEcc) -> usize {
    match ecl {
        QrCodeEcc::Low => 0,
        QrCodeEcc::Medium => 1,
        QrCodeEcc::Quartile => 2,
        QrCodeEcc::High => 3,
    }
}

/// Modules per side of a version.
pub(crate) fn side(version: u8) -> usize {
    usize::from(version) * 4 + 17
}

/// Modules that carry codewords (data and error correction, remainder bits included).
fn raw_modules(version: u8) -> usize {
    let v = usize::from(version);
    let mut n = (16 * v + 128) * v + 64;
    if v >= 2 {
        let align = v / 7 + 2;
        n -= (25 * align - 10) * align - 55;
        if v >= 7 {
            n -= 36;
        }
    }
    n
}

fn data_codewords(version: u8, ecl: QrCodeEcc) -> usize {
    let v = usize::from(version);
    let l = level(ecl);
    raw_modules(version) / 8 - usize::from(ECC_PER_BLOCK[l][v]) * usize::from(BLOCKS[l][v])
}

fn mode_indicator(mode: QrSegmentMode) -> u32 {
    match mode {
        QrSegmentMode::Numeric => 0x1,
        QrSegmentMode::Alphanumeric => 0x2,
        QrSegmentMode::Byte => 0x4,
        QrSegmentMode::Kanji => 0x8,
        QrSegmentMode::Eci => 0x7,
    }
}

/// Width of the character count field (ISO Table 3).
fn count_bits(mode: QrSegmentMode, version: u8) -> u32 {
    let widths = match mode {
        QrSegmentMode::Numeric => [10, 12, 14],
        QrSegmentMode::Alphanumeric => [9, 11, 13],
        QrSegmentMode::Byte => [8, 16, 16],
        QrSegmentMode::Kanji => [8, 10, 12],
        QrSegmentMode::Eci => [0, 0, 0],
    };
    widths[usize::from((version + 7) / 17)]
}

/// Bits the segments take at a version, or `None` when a count does not fit its field.
fn total_bits(segs: &[QrSegment], version: u8) -> Option<usize> {
    segs.iter().try_fold(0usize, |acc, s| {
        let width = count_bits(s.mode(), version);
        (s.num_chars() < 1 << width).then_some(acc + 4 + width as usize + s.data().len())
    })
}

/// Big-endian bit writer into whole bytes.
struct Bits {
    bytes: Vec<u8>,
    len: usize,
}

impl Bits {
    fn push(&mut self, bit: bool) {
        if self.len % 8 == 0 {
            self.bytes.push(0);
        }
        if bit {
            let last = self.bytes.len() - 1;
            self.bytes[last] |= 0x80 >> (self.len % 8);
        }
        self.len += 1;
    }

    fn push_value(&mut self, value: u32, width: u32) {
        for i in (0..width).rev() {
            self.push(value >> i & 1 == 1);
        }
    }
}

/// The data codewords (ISO §7.4): each segment's mode, count and bits, the terminator (up
/// to four zeros), zeros to the byte, then the pad codewords 0xEC 0x11 alternately.
fn data_bytes(segs: &[QrSegment], version: u8, capacity: usize) -> Vec<u8> {
    let mut b = Bits {
        bytes: Vec::with_capacity(capacity),
        len: 0,
    };
    for s in segs {
        b.push_value(mode_indicator(s.mode()), 4);
        b.push_value(s.num_chars() as u32, count_bits(s.mode(), version));
        for &bit in s.data() {
            b.push(bit);
        }
    }
    let terminator = (capacity * 8 - b.len).min(4);
    b.push_value(0, terminator as u32);
    // `push` opened the last byte already: its unwritten bits are the zeros to the byte.
    for pad in [0xEC, 0x11].into_iter().cycle() {
        if b.bytes.len() >= capacity {
            break;
        }
        b.bytes.push(pad);
    }
    b.bytes
}

/// GF(2⁸) antilog (`EXP[i]` = 2^i, doubled so that `EXP[a + b]` needs no reduction) and
/// log tables, reduced by x⁸ + x⁴ + x³ + x² + 1.
struct Gf {
    exp: [u8; 512],
    log: [u8; 256],
}

const GF: Gf = {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    let mut x: u16 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        exp[i + 255] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11D;
        }
        i += 1;
    }
    Gf { exp, log }
};

fn gf_mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        0
    } else {
        GF.exp[usize::from(GF.log[usize::from(a)]) + usize::from(GF.log[usize::from(b)])]
    }
}

/// The generator polynomial (x − 2⁰)…(x − 2^(degree−1)) without its leading 1, highest
/// power first.
fn generator(degree: usize) -> Vec<u8> {
    let mut g = vec![0u8; degree];
    g[degree - 1] = 1;
    let mut root = 1u8;
    for _ in 0..degree {
        for j in 0..degree {
            g[j] = gf_mul(g[j], root);
            if j + 1 < degree {
                g[j] ^= g[j + 1];
            }
        }
        root = gf_mul(root, 2);
    }
    g
}

/// The remainder of `data`·x^degree divided by the generator (the block's ECC codewords).
fn remainder(data: &[u8], generator: &[u8], out: &mut [u8]) {
    out.fill(0);
    let degree = generator.len();
    // Logs of the generator's coefficients (none is 0: 2 generates the field).
    let glog: Vec<usize> = generator
        .iter()
        .map(|&c| usize::from(GF.log[usize::from(c)]))
        .collect();
    for &byte in data {
        let factor = byte ^ out[0];
        out.copy_within(1.., 0);
        out[degree - 1] = 0;
        if factor != 0 {
            let f = usize::from(GF.log[usize::from(factor)]);
            for (o, &g) in out.iter_mut().zip(&glog) {
                *o ^= GF.exp[f + g];
            }
        }
    }
}

/// All codewords in the order they are placed (ISO §7.6): data blocks, short ones first,
/// each with its ECC, interleaved codeword by codeword.
fn interleaved(data: &[u8], version: u8, ecl: QrCodeEcc) -> Vec<u8> {
    let v = usize::from(version);
    let l = level(ecl);
    let blocks = usize::from(BLOCKS[l][v]);
    let ecc_len = usize::from(ECC_PER_BLOCK[l][v]);
    let raw = raw_modules(version) / 8;
    let short_blocks = blocks - raw % blocks;
    let short_data = raw / blocks - ecc_len;
    let gen = generator(ecc_len);
    let mut ecc = vec![0u8; blocks * ecc_len];
    let mut starts = Vec::with_capacity(blocks + 1);
    let mut k = 0;
    for i in 0..blocks {
        starts.push(k);
        let len = short_data + usize::from(i >= short_blocks);
        remainder(&data[k..k + len], &gen, &mut ecc[i * ecc_len..][..ecc_len]);
        k += len;
    }
    let mut out = Vec::with_capacity(raw);
    for i in 0..=short_data {
        for (j, &start) in starts.iter().enumerate() {
            if i < short_data || j >= short_blocks {
                out.push(data[start + i]);
            }
        }
    }
    for i in 0..ecc_len {
        for j in 0..blocks {
            out.push(ecc[j * ecc_len + i]);
        }
    }
    out
}

/// Centres of the alignment patterns on either axis (ISO Annex E).
pub(crate) fn alignment_positions(version: u8, size: usize) -> Vec<usize> {
    let v = usize::from(version);
    if v == 1 {
        return Vec::new();
    }
    let n = v / 7 + 2;
    let step = if v == 32 {
        26
    } else {
        (v * 4 + n * 2 + 1) / (n * 2 - 2) * 2
    };
    let mut p: Vec<usize> = (0..n - 1).map(|i| size - 7 - i * step).collect();
    p.push(6);
    p.reverse();
    p
}

/// The 18 version bits (BCH(18,6), ISO Annex D), for versions 7 and up.
fn version_bits(version: u8) -> u32 {
    let data = u32::from(version);
    let mut rem = data;
    for _ in 0..12 {
        rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
    }
    data << 12 | rem
}

/// Function patterns of a version as two sets of rows: which modules they occupy
/// (`func`; the format modules included, masking never touches them) and which of those
/// are dark (`dark`; the format modules left light, they are drawn per mask).
pub(crate) struct Function {
    pub(crate) func: Vec<Line>,
    pub(crate) dark: Vec<Line>,
}

pub(crate) fn function_patterns(version: u8, format: &[(usize, usize, bool)]) -> Function {
    let size = side(version);
    let mut f = Function {
        func: vec![[0u64; WORDS]; size],
        dark: vec![[0u64; WORDS]; size],
    };
    let mut put = |x: usize, y: usize, dark: bool| {
        set(&mut f.func[y], x);
        if dark {
            set(&mut f.dark[y], x);
        } else {
            f.dark[y][x / 64] &= !(1 << (x % 64));
        }
    };
    for i in 0..size {
        put(6, i, i % 2 == 0);
        put(i, 6, i % 2 == 0);
    }
    // Finders with their separators: 9 × 9 around each centre, clipped to the symbol.
    for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
        for dy in -4i32..=4 {
            for dx in -4i32..=4 {
                let (x, y) = (cx as i32 + dx, cy as i32 + dy);
                if (0..size as i32).contains(&x) && (0..size as i32).contains(&y) {
                    let dist = dx.abs().max(dy.abs());
                    put(x as usize, y as usize, dist != 2 && dist != 4);
                }
            }
        }
    }
    let al = alignment_positions(version, size);
    let last = al.len().saturating_sub(1);
    for (i, &ax) in al.iter().enumerate() {
        for (j, &ay) in al.iter().enumerate() {
            if (i, j) == (0, 0) || (i, j) == (0, last) || (i, j) == (last, 0) {
                continue;
            }
            for dy in -2i32..=2 {
                for dx in -2i32..=2 {
                    let (x, y) = ((ax as i32 + dx) as usize, (ay as i32 + dy) as usize);
                    put(x, y, dx.abs().max(dy.abs()) != 1);
                }
            }
        }
    }
    for &(x, y, _) in format {
        put(x, y, false);
    }
    if version >= 7 {
        let bits = version_bits(version);
        for i in 0..18 {
            let dark = bits >> i & 1 == 1;
            let (a, b) = (size - 11 + i % 3, i / 3);
            put(a, b, dark);
            put(b, a, dark);
        }
    }
    f
}

/// An unmasked symbol: function patterns (format modules light) and the codewords.
pub(crate) struct Unmasked {
    pub(crate) version: u8,
    pub(crate) rows: Vec<Line>,
    pub(crate) function: Vec<Line>,
}

/// Places the codewords in the zigzag order: two-module columns from the right, up then
/// down, skipping the vertical timing column and every function module; remainder
/// modules stay light.
fn place(codewords: &[u8], func: &[Line], rows: &mut [Line]) {
    let size = rows.len();
    let total = codewords.len() * 8;
    let mut i = 0;
    let mut right = size - 1;
    loop {
        if right == 6 {
            right = 5;
        }
        let upward = (right + 1) & 2 == 0;
        for vert in 0..size {
            let y = if upward { size - 1 - vert } else { vert };
            for x in [right, right - 1] {
                if func[y][x / 64] >> (x % 64) & 1 == 0 && i < total {
                    if codewords[i >> 3] >> (7 - (i & 7)) & 1 == 1 {
                        set(&mut rows[y], x);
                    }
                    i += 1;
                }
            }
        }
        if right < 2 {
            break;
        }
        right -= 2;
    }
}

/// Encodes the segments at level `ecl` in the smallest version from 1 to `max` that holds
/// them; `None` when none does. `format` gives the format modules' places for a size.
pub(crate) fn encode(
    segs: &[QrSegment],
    ecl: QrCodeEcc,
    max: u8,
    format: impl Fn(usize) -> Vec<(usize, usize, bool)>,
) -> Option<Unmasked> {
    let version = (1..=max)
        .find(|&v| total_bits(segs, v).is_some_and(|used| used <= data_codewords(v, ecl) * 8))?;
    let data = data_bytes(segs, version, data_codewords(version, ecl));
    let codewords = interleaved(&data, version, ecl);
    let Function { func, dark } = function_patterns(version, &format(side(version)));
    let mut rows = dark;
    place(&codewords, &func, &mut rows);
    Some(Unmasked {
        version,
        rows,
        function: func,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_tables_invert_each_other_and_multiply_as_the_bitwise_product() {
        // Russian-peasant multiplication modulo 0x11D, the definition.
        let slow = |x: u8, y: u8| {
            let mut z = 0u8;
            for i in (0..8).rev() {
                z = (z << 1) ^ ((z >> 7) * 0x1D);
                z ^= ((y >> i) & 1) * x;
            }
            z
        };
        for a in 0..=255u8 {
            for b in [0u8, 1, 2, 3, 0x1D, 0x80, 0xFF, a.wrapping_mul(7)] {
                assert_eq!(gf_mul(a, b), slow(a, b), "{a} × {b}");
            }
        }
    }

    #[test]
    fn codeword_counts_match_iso_table_7_for_sample_versions() {
        // ISO/IEC 18004 Table 7: data codewords of 1-L, 1-H, 10-M, 22-M, 40-L, 40-H.
        assert_eq!(data_codewords(1, QrCodeEcc::Low), 19);
        assert_eq!(data_codewords(1, QrCodeEcc::High), 9);
        assert_eq!(data_codewords(10, QrCodeEcc::Medium), 216);
        assert_eq!(data_codewords(22, QrCodeEcc::Medium), 782);
        assert_eq!(data_codewords(40, QrCodeEcc::Low), 2956);
        assert_eq!(data_codewords(40, QrCodeEcc::High), 1276);
        assert_eq!(raw_modules(22) / 8, 1258);
    }
}
