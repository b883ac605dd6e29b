//! The Ethernet frame check sequence: CRC-32 (IEEE 802.3).
//!
//! Polynomial 0x04C11DB7, processed least-significant bit first (reflected form 0xEDB88320),
//! initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF. The FCS goes on the wire least-significant
//! byte first. Check value: `crc32(b"123456789") == 0xCBF43926`.
//!
//! The rack simulator uses it to append and check the FCS of every frame, so a corrupted frame
//! is dropped by the receiver's check exactly as a MAC would drop it.

use crate::wire::FCS_LEN;

const fn make_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

static TABLE: [u32; 256] = make_table();

/// CRC-32 of `bytes` as Ethernet computes it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc = TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// `frame` followed by its FCS, as it leaves a MAC.
pub fn append_fcs(frame: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frame.len() + FCS_LEN);
    out.extend_from_slice(frame);
    out.extend_from_slice(&crc32(frame).to_le_bytes());
    out
}

/// The frame without its FCS if the FCS is right; `None` if the frame is too short to hold one
/// or the check fails.
pub fn strip_fcs(frame_with_fcs: &[u8]) -> Option<&[u8]> {
    let body_len = frame_with_fcs.len().checked_sub(FCS_LEN)?;
    let (body, fcs) = frame_with_fcs.split_at(body_len);
    (crc32(body).to_le_bytes() == fcs).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn matches_an_independent_implementation() {
        let mut state = 0x1234_5678u32;
        for len in 0..600 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (state >> 16) as u8
                })
                .collect();
            assert_eq!(crc32(&bytes), crc32fast::hash(&bytes), "length {len}");
        }
    }

    #[test]
    fn strip_accepts_good_and_rejects_corrupted_frames() {
        let frame = vec![0x5a; 60];
        let sent = append_fcs(&frame);
        assert_eq!(strip_fcs(&sent), Some(&frame[..]));
        for bit in 0..sent.len() * 8 {
            let mut bad = sent.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(strip_fcs(&bad), None, "bit {bit} flipped went unnoticed");
        }
        assert_eq!(strip_fcs(&[1, 2, 3]), None);
    }
}
