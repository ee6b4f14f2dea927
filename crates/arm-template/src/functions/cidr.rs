//! CIDR functions (learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-cidr),
//! for IPv4 and IPv6.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Family, FnCtx, FnResult, FunctionDef, def, int_arg, string_arg};
use crate::value::{Object, Value};

pub(crate) fn functions() -> Vec<FunctionDef> {
    use Family::Cidr as C;
    vec![
        def("cidrHost", C, 2, Some(2), cidr_host),
        def("cidrSubnet", C, 3, Some(3), cidr_subnet),
        def("parseCidr", C, 1, Some(1), parse_cidr),
    ]
}

/// A network as (address as integer, prefix length, bit width).
struct Network {
    base: u128,
    prefix: u32,
    bits: u32,
}

impl Network {
    fn parse(s: &str) -> Result<Self, String> {
        let (addr, prefix) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}' is not in CIDR notation"))?;
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{addr}' is not an IP address"))?;
        let prefix: u32 = prefix
            .parse()
            .map_err(|_| format!("'{prefix}' is not a prefix length"))?;
        let (value, bits) = match addr {
            IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
            IpAddr::V6(a) => (u128::from(a), 128),
        };
        if prefix > bits {
            return Err(format!("the prefix length {prefix} is larger than {bits}"));
        }
        Ok(Network {
            base: value & mask(prefix, bits),
            prefix,
            bits,
        })
    }

    fn size(&self) -> u128 {
        1u128
            .checked_shl(self.bits - self.prefix)
            .unwrap_or(0)
            .wrapping_sub(1)
    }

    fn last(&self) -> u128 {
        self.base | self.size()
    }

    fn text(&self, value: u128) -> String {
        if self.bits == 32 {
            Ipv4Addr::from(value as u32).to_string()
        } else {
            Ipv6Addr::from(value).to_string()
        }
    }
}

fn mask(prefix: u32, bits: u32) -> u128 {
    let all = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    if prefix == 0 {
        0
    } else {
        all & !(all >> prefix)
    }
}

fn parse_cidr(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let n = Network::parse(string_arg(&args, 0)?)?;
    let mut out = Object::new();
    out.insert("network".into(), Value::str(n.text(n.base)));
    out.insert("netmask".into(), Value::str(n.text(mask(n.prefix, n.bits))));
    let (first, last) = if n.bits == 32 {
        out.insert("broadcast".into(), Value::str(n.text(n.last())));
        if n.prefix >= 31 {
            (n.base, n.last())
        } else {
            (n.base + 1, n.last() - 1)
        }
    } else {
        (n.base, n.last())
    };
    out.insert("firstUsable".into(), Value::str(n.text(first)));
    out.insert("lastUsable".into(), Value::str(n.text(last)));
    out.insert("cidr".into(), Value::Int(i64::from(n.prefix)));
    Ok(Value::object(out))
}

fn cidr_subnet(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let n = Network::parse(string_arg(&args, 0)?)?;
    let new_prefix = int_arg(&args, 1)?;
    let index = int_arg(&args, 2)?;
    if new_prefix < i64::from(n.prefix) || new_prefix > i64::from(n.bits) {
        return Err(format!(
            "the new prefix length {new_prefix} must be between {} and {}",
            n.prefix, n.bits
        )
        .into());
    }
    let new_prefix = new_prefix as u32;
    let count = 1u128
        .checked_shl(new_prefix - n.prefix)
        .unwrap_or(u128::MAX);
    if index < 0 || (index as u128) >= count {
        return Err(format!(
            "the subnet index {index} is out of range (there are {count} subnets)"
        )
        .into());
    }
    let step = 1u128.checked_shl(n.bits - new_prefix).unwrap_or(0);
    let base = n.base + (index as u128) * step;
    Ok(Value::str(format!("{}/{new_prefix}", n.text(base))))
}

fn cidr_host(_: &FnCtx, args: Vec<Value>) -> FnResult {
    let n = Network::parse(string_arg(&args, 0)?)?;
    let index = int_arg(&args, 1)?;
    let last_usable = if n.bits == 32 && n.prefix < 31 {
        n.last() - 1
    } else {
        n.last()
    };
    let host = u128::try_from(index)
        .ok()
        .and_then(|i| n.base.checked_add(i + 1));
    match host {
        Some(h) if index >= 0 && h <= last_usable => Ok(Value::str(n.text(h))),
        _ => Err(format!("the host index {index} is out of range for the network").into()),
    }
}
