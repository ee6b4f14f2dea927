//! Disks: `storageProfile.osDisk` / `dataDisks` → v3 `launchSpecification.osDisk` / `dataDisks`;
//! v2 has neither (warnings).
//!
//! aks-engine never writes `managedDisk.storageAccountType`, so the disks get the tier aks-engine
//! labels the nodes with ([`super::storage_tier`]); an explicit type wins. Ephemeral OS disks and
//! data disks not created empty have no counterpart.

use serde_json::{Map, Value, json};

use super::json_cursor::Cursor;
use super::sourced::Sourced;
use super::storage_tier::aks_engine_storage_tier;
use super::{MappingErrorKind, MappingWarning};

type Result<T> = std::result::Result<T, MappingErrorKind>;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OsDisk {
    pub size_gb: Option<u64>,
    /// `managedDisk.storageAccountType`, or else aks-engine's tier for the VM size.
    pub storage_type: String,
    /// Whether `storage_type` came from the scale set rather than from the VM size.
    pub explicit_type: bool,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataDisk {
    pub lun: u64,
    pub size_gb: u64,
    pub storage_type: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Disks {
    pub os: OsDisk,
    pub data: Sourced<Vec<DataDisk>>,
}

/// Reads the disks of `storage` (the storage profile); `size_c` is the scale set's VM size
/// (`sku.name`), whose tier the disks get unless they name one.
pub(crate) fn extract(
    storage: &Cursor,
    size_c: &Cursor,
    vm_size: &str,
    w: &mut Vec<MappingWarning>,
) -> Result<Disks> {
    let tier = match aks_engine_storage_tier(vm_size) {
        Some(t) => t,
        None => {
            w.push(MappingWarning::new(
                size_c.path(),
                "the VM size has no capability part (like D2s in Standard_D2s_v3): disks default to Standard_LRS",
            ));
            "Standard_LRS"
        }
    };
    let os = os_disk(&storage.key("osDisk"), tier, w)?;
    let data = data_disks(&storage.key("dataDisks"), tier, w)?;
    Ok(Disks { os, data })
}

fn os_disk(c: &Cursor, tier: &str, w: &mut Vec<MappingWarning>) -> Result<OsDisk> {
    if c.key("diffDiskSettings").exists() {
        w.push(MappingWarning::new(
            c.key("diffDiskSettings").path(),
            "ephemeral OS disks cannot be expressed in an Elastigroup: VMs get a managed OS disk instead",
        ));
    }
    let size_gb = c.key("diskSizeGB").u64()?;
    let explicit = c.keys("managedDisk.storageAccountType").str()?;
    Ok(OsDisk {
        size_gb,
        storage_type: explicit.unwrap_or(tier).to_owned(),
        explicit_type: explicit.is_some(),
        path: c.path().to_owned(),
    })
}

fn data_disks(
    c: &Cursor,
    tier: &str,
    w: &mut Vec<MappingWarning>,
) -> Result<Sourced<Vec<DataDisk>>> {
    let mut out = Vec::new();
    for d in c.items()? {
        let lun = d
            .key("lun")
            .u64()?
            .ok_or_else(|| d.key("lun").missing("the data disk LUN"))?;
        let size_gb = d
            .key("diskSizeGB")
            .u64()?
            .ok_or_else(|| d.key("diskSizeGB").missing("the data disk size"))?;
        let storage_type = d
            .keys("managedDisk.storageAccountType")
            .str()?
            .unwrap_or(tier)
            .to_owned();
        if let Some(opt) = d.key("createOption").str()?
            && !opt.eq_ignore_ascii_case("Empty")
        {
            w.push(MappingWarning::new(
                d.key("createOption").path(),
                format!("createOption {opt:?} cannot be expressed: Spot creates empty data disks"),
            ));
        }
        out.push(DataDisk {
            lun,
            size_gb,
            storage_type,
        });
    }
    Ok(Sourced {
        value: out,
        path: c.path().to_owned(),
    })
}

/// v3 `osDisk`.
pub(crate) fn render_v3_os_disk(d: &OsDisk) -> Value {
    // Always sent: the type is required whenever osDisk is, and without it Spot would pick a tier
    // that may contradict the node's aks-engine `storagetier` label.
    let mut os_disk = Map::new();
    os_disk.insert("type".into(), json!(d.storage_type));
    if let Some(size) = d.size_gb {
        // sdk-go sends `sizeGB`; the OpenAPI file says `size` (a known defect, see schema workarounds).
        os_disk.insert("sizeGB".into(), json!(size));
    }
    Value::Object(os_disk)
}

/// v3 `dataDisks` (`None` without data disks).
pub(crate) fn render_v3_data_disks(disks: &[DataDisk]) -> Option<Value> {
    if disks.is_empty() {
        return None;
    }
    Some(Value::Array(
        disks
            .iter()
            .map(|d| json!({"lun": d.lun, "sizeGB": d.size_gb, "type": d.storage_type}))
            .collect(),
    ))
}

/// v2: no disk settings at all; warns about what the scale set asked for.
pub(crate) fn warn_v2(disks: &Disks, w: &mut Vec<MappingWarning>) {
    // Only what the scale set asked for: the tier derived from the VM size is not worth a warning.
    let d = &disks.os;
    if d.size_gb.is_some() || d.explicit_type {
        w.push(MappingWarning::new(
            &d.path,
            "v2 cannot set the OS disk size or type: Spot uses the image default",
        ));
    }
    if !disks.data.value.is_empty() {
        w.push(MappingWarning::new(
            &disks.data.path,
            format!(
                "v2 has no data disks: {} data disk(s) are not attached",
                disks.data.value.len()
            ),
        ));
    }
}
