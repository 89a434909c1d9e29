//! Deterministic `urn:uuid:` full URLs: the same request or plan always gives the same
//! bundle, so that written bundles can be compared and re-posted.

/// FNV-1a, 64 bits, seeded.
fn fnv(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A name-based UUID (version 8, RFC 9562's custom layout) for `kind` and `id`, as a
/// `urn:uuid:` URL.
pub fn urn_uuid(kind: &str, id: &str) -> String {
    let name = format!("{kind}/{id}");
    let hi = fnv(1, name.as_bytes());
    let lo = fnv(2, name.as_bytes());
    let hi = (hi & !0xf000) | 0x8000;
    let lo = (lo & !(0b11 << 62)) | (0b10 << 62);
    format!(
        "urn:uuid:{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_stable_distinct_and_well_formed() {
        let a = urn_uuid("Slot", "S1");
        assert_eq!(a, urn_uuid("Slot", "S1"));
        assert_ne!(a, urn_uuid("Slot", "S2"));
        let u = a.strip_prefix("urn:uuid:").unwrap();
        let groups: Vec<usize> = u.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(&u[14..15], "8");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
