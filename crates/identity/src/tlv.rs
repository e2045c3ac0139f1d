//! A strict BER-TLV reader for the card's files: multi-byte tags, short and long lengths.

use crate::error::{CardFile, IdentityError};

/// One decoded TLV object, with offsets relative to the start of its file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The tag as a big-endian number (`0xDF22`, `0x7F21`, `0x90`).
    pub(crate) tag: u32,
    /// Offset of the first tag byte.
    pub(crate) start: usize,
    /// Offset of the first value byte.
    pub(crate) value_start: usize,
    /// The value bytes.
    pub(crate) value: &'a [u8],
}

impl Tlv<'_> {
    /// Offset one past the last value byte.
    pub(crate) fn end(&self) -> usize {
        self.value_start + self.value.len()
    }
}

/// Reads TLV objects one after the other from `file[pos..limit]`.
pub(crate) struct Reader<'a> {
    file: &'a [u8],
    which: CardFile,
    pos: usize,
    limit: usize,
}

impl<'a> Reader<'a> {
    /// A reader over a whole file.
    pub(crate) fn new(which: CardFile, file: &'a [u8]) -> Self {
        Self {
            file,
            which,
            pos: 0,
            limit: file.len(),
        }
    }

    /// A reader over the value of `outer` (offsets stay file-relative).
    pub(crate) fn inside(which: CardFile, file: &'a [u8], outer: &Tlv<'a>) -> Self {
        Self {
            file,
            which,
            pos: outer.value_start,
            limit: outer.end(),
        }
    }

    /// The current offset.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Whether nothing is left before the limit.
    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.limit
    }

    pub(crate) fn malformed(&self, offset: usize, what: &'static str) -> IdentityError {
        IdentityError::Malformed {
            file: self.which,
            offset,
            what,
        }
    }

    fn byte(&mut self, what: &'static str) -> Result<u8, IdentityError> {
        if self.pos >= self.limit {
            return Err(self.malformed(self.pos, what));
        }
        let b = self.file[self.pos];
        self.pos += 1;
        Ok(b)
    }

    /// Reads the next object, whatever its tag.
    pub(crate) fn next_any(&mut self) -> Result<Tlv<'a>, IdentityError> {
        let start = self.pos;
        let first = self.byte("truncated tag")?;
        let mut tag = u32::from(first);
        if first & 0x1F == 0x1F {
            // Subsequent tag bytes: high bit set means another follows. Card tags have
            // at most two bytes; three are allowed by BER and accepted, more are not.
            let mut count = 0;
            loop {
                let b = self.byte("truncated tag")?;
                tag = (tag << 8) | u32::from(b);
                count += 1;
                if b & 0x80 == 0 {
                    break;
                }
                if count == 2 {
                    return Err(self.malformed(start, "tag longer than three bytes"));
                }
            }
        }
        let len_at = self.pos;
        let first = self.byte("truncated length")?;
        let len = match first {
            0x00..=0x7F => usize::from(first),
            0x81 => usize::from(self.byte("truncated length")?),
            0x82 => {
                let hi = usize::from(self.byte("truncated length")?);
                let lo = usize::from(self.byte("truncated length")?);
                (hi << 8) | lo
            }
            0x80 => return Err(self.malformed(len_at, "indefinite length")),
            _ => return Err(self.malformed(len_at, "length longer than two bytes")),
        };
        let value_start = self.pos;
        if len > self.limit - value_start {
            return Err(self.malformed(len_at, "length runs past the end of its container"));
        }
        self.pos = value_start + len;
        Ok(Tlv {
            tag,
            start,
            value_start,
            value: &self.file[value_start..value_start + len],
        })
    }

    /// Reads the next object and checks its tag.
    pub(crate) fn expect(
        &mut self,
        tag: u32,
        what: &'static str,
    ) -> Result<Tlv<'a>, IdentityError> {
        let at = self.pos;
        let tlv = self.next_any()?;
        if tlv.tag != tag {
            return Err(self.malformed(at, what));
        }
        Ok(tlv)
    }

    /// Checks that everything from the current position to the end of the file is
    /// filler (`FF`, as unused EF space reads; `00` is accepted too).
    pub(crate) fn filler_to_end(&self) -> Result<(), IdentityError> {
        let start = self.pos;
        match self.file[start..]
            .iter()
            .position(|&b| b != 0xFF && b != 0x00)
        {
            Some(i) => Err(self.malformed(start + i, "data after the last object is not filler")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_lengths_of_every_form_decode() {
        for (input, tag, len) in [
            (&[0x90, 0x01, 0xAA][..], 0x90, 1),
            (&[0xDF, 0x22, 0x00], 0xDF22, 0),
            (&[0x7F, 0x21, 0x81, 0x01, 0xAA], 0x7F21, 1),
            (&[0x5F, 0x37, 0x82, 0x00, 0x01, 0xAA], 0x5F37, 1),
            (&[0x1F, 0x81, 0x01, 0x01, 0xAA], 0x1F8101, 1),
        ] {
            let mut r = Reader::new(CardFile::Ef0004, input);
            let tlv = r.next_any().unwrap_or_else(|e| panic!("{input:02x?}: {e}"));
            assert_eq!((tlv.tag, tlv.value.len()), (tag, len), "input {input:02x?}");
            assert!(r.is_empty(), "input {input:02x?}");
        }
    }

    #[test]
    fn broken_encodings_are_malformed_with_the_offset() {
        for (input, offset, what) in [
            (&[0xDF][..], 1, "truncated tag"),
            (&[0x1F, 0x81, 0x81, 0x01], 0, "tag longer than three bytes"),
            (&[0x90], 1, "truncated length"),
            (&[0x90, 0x80], 1, "indefinite length"),
            (&[0x90, 0x83, 0, 0, 1], 1, "length longer than two bytes"),
            (&[0x90, 0x82, 0x01], 3, "truncated length"),
            (
                &[0x90, 0x02, 0xAA],
                1,
                "length runs past the end of its container",
            ),
        ] {
            let mut r = Reader::new(CardFile::Ef0002, input);
            match r.next_any() {
                Err(IdentityError::Malformed {
                    file: CardFile::Ef0002,
                    offset: o,
                    what: w,
                }) => assert_eq!((o, w), (offset, what), "input {input:02x?}"),
                other => panic!("input {input:02x?}: {other:?}"),
            }
        }
    }

    #[test]
    fn filler_may_be_ff_or_00_but_nothing_else() {
        let r = Reader::new(CardFile::Ef0001, &[0xFF, 0x00, 0xFF]);
        assert!(r.filler_to_end().is_ok());
        let r = Reader::new(CardFile::Ef0001, &[0xFF, 0x01]);
        assert!(matches!(
            r.filler_to_end(),
            Err(IdentityError::Malformed { offset: 1, .. })
        ));
    }
}
