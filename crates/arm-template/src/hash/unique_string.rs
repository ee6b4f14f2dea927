//! `uniqueString()`: Microsoft's two-lane 64-bit MurmurHash variant over the arguments joined
//! with `-`, rendered as 13 base-32 characters taken from the top bits.
//!
//! The function: <https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string#uniquestring>.
//! Microsoft does not publish the hash; a public re-implementation with test vectors is
//! <https://github.com/Azure/terraform-provider-azapi/blob/main/internal/services/functions/unique_string_function.go>.

const C1: u32 = 0x239b_961b;
const C2: u32 = 0xab0e_9789;

fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

fn le_u32(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .rev()
        .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
}

/// The 64-bit hash behind `uniqueString` (seed 0).
pub fn murmur_hash64(data: &[u8]) -> u64 {
    let (mut h1, mut h2) = (0u32, 0u32);
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        let k1 = le_u32(&block[..4])
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 ^= k1;
        h1 = h1
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x561c_cd1b);
        let k2 = le_u32(&block[4..])
            .wrapping_mul(C2)
            .rotate_left(17)
            .wrapping_mul(C1);
        h2 ^= k2;
        h2 = h2
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x0bca_a747);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let k1 = le_u32(&tail[..tail.len().min(4)])
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 ^= k1;
        if tail.len() > 4 {
            let k2 = le_u32(&tail[4..])
                .wrapping_mul(C2)
                .rotate_left(17)
                .wrapping_mul(C1);
            h2 ^= k2;
        }
    }
    let len = data.len() as u32;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix32(h1);
    h2 = fmix32(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (u64::from(h2) << 32) | u64::from(h1)
}

/// `uniqueString(args…)`: 13 characters from `a-z2-7`.
pub fn unique_string(args: &[&str]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut h = murmur_hash64(args.join("-").as_bytes());
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(ALPHABET[(h >> 59) as usize] as char);
        h <<= 5;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values ARM produced, as published with public re-implementations (e.g.
    /// <https://github.com/Azure/terraform-provider-azapi/blob/main/internal/services/functions/unique_string_function_test.go>).
    #[test]
    fn documented_vectors() {
        let cases: &[(&[&str], &str)] = &[
            (&["tyeth"], "zcztcwvu6iyg6"),
            (
                &[
                    "/subscriptions/3c7f956b-55ee-4686-9d30-da1eb631dc59/resourceGroups/rg-devopsshieldek010dev",
                ],
                "fd63l2gacbtca",
            ),
            (
                &[
                    "/subscriptions/64c3d212-40ed-4c6d-a825-6adfbdf25dad/resourceGroups/rg-aca-workshop-003",
                ],
                "vmgxilmjykyoy",
            ),
            (&["test example"], "vgcxhwvqqm7my"),
            (
                &[
                    "/subscriptions/00000000-0000-0000-0000-000000000000",
                    "resource-id",
                ],
                "cwvxuqg24sifi",
            ),
            (&["test"], "rbgf3xv4ufgzg"),
            (&["hello", "world"], "a7wkljktk6wne"),
            (&["abc"], "cgtzqvhu4i23s"),
            (
                &["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"],
                "bmg7c6xu4tw46",
            ),
            (&["foo", "bar", "baz"], "xzi4ioaxtmth4"),
            (&[""], "aaaaaaaaaaaaa"),
            (&["a"], "eveiun73364hy"),
        ];
        for (args, expected) in cases {
            assert_eq!(unique_string(args), *expected, "uniqueString({args:?})");
        }
    }
}
