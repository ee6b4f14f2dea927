//! The OS image: `storageProfile.imageReference` (marketplace, managed image or shared image
//! gallery) → `launchSpecification.image`. v2 has no gallery images.

use serde_json::{Value, json};

use super::arm_id::ArmId;
use super::json_cursor::Cursor;
use super::{MappingErrorKind, MappingWarning};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Image {
    Marketplace {
        publisher: String,
        offer: String,
        sku: String,
        version: String,
    },
    Custom {
        resource_group: String,
        name: String,
    },
    Gallery {
        resource_group: String,
        gallery: String,
        image: String,
        version: String,
        path: String,
    },
}

/// Reads `imageReference` (required).
pub(crate) fn extract(c: &Cursor, w: &mut Vec<MappingWarning>) -> Result<Image, MappingErrorKind> {
    if !c.exists() {
        return Err(c.missing("the image reference"));
    }
    let id_c = c.key("id");
    if let Some(id) = id_c.str()? {
        const EXPECTED: &str = "a managed image or shared image gallery image id";
        let arm = ArmId::parse(id).ok_or_else(|| id_c.bad_id(id, EXPECTED))?;
        let rg = arm.resource_group.to_owned();
        if let Some(n) = arm.names_if("Microsoft.Compute", &["images"]) {
            return Ok(Image::Custom {
                resource_group: rg,
                name: n[0].to_owned(),
            });
        }
        if let Some(n) = arm.names_if("Microsoft.Compute", &["galleries", "images", "versions"]) {
            return Ok(Image::Gallery {
                resource_group: rg,
                gallery: n[0].to_owned(),
                image: n[1].to_owned(),
                version: n[2].to_owned(),
                path: id_c.path().to_owned(),
            });
        }
        if let Some(n) = arm.names_if("Microsoft.Compute", &["galleries", "images"]) {
            w.push(MappingWarning::new(
                id_c.path(),
                "gallery image id without a version: the group uses version \"latest\"",
            ));
            return Ok(Image::Gallery {
                resource_group: rg,
                gallery: n[0].to_owned(),
                image: n[1].to_owned(),
                version: "latest".to_owned(),
                path: id_c.path().to_owned(),
            });
        }
        return Err(id_c.bad_id(id, EXPECTED));
    }
    let publisher = c
        .key("publisher")
        .req_str("the image publisher (or an image id)")?
        .to_owned();
    let offer = c.key("offer").req_str("the image offer")?.to_owned();
    let sku = c.key("sku").req_str("the image SKU")?.to_owned();
    // The Spot API rejected marketplace images without a version (INVALID_MARKETPLACE_IMAGE ... version: null).
    let version = match c.key("version").str()? {
        Some(v) if !v.trim().is_empty() => v.to_owned(),
        _ => {
            w.push(MappingWarning::new(
                c.key("version").path(),
                "no image version: sending \"latest\"",
            ));
            "latest".to_owned()
        }
    };
    Ok(Image::Marketplace {
        publisher,
        offer,
        sku,
        version,
    })
}

fn marketplace(publisher: &str, offer: &str, sku: &str, version: &str) -> Value {
    json!({"marketplace": {"publisher": publisher, "offer": offer, "sku": sku, "version": version}})
}

/// v3 `image`: `marketplace`, `custom` or `gallery`.
pub(crate) fn render_v3(image: &Image) -> Value {
    match image {
        Image::Marketplace {
            publisher,
            offer,
            sku,
            version,
        } => marketplace(publisher, offer, sku, version),
        Image::Custom {
            resource_group,
            name,
        } => {
            json!({"custom": {"resourceGroupName": resource_group, "name": name}})
        }
        Image::Gallery {
            resource_group,
            gallery,
            image,
            version,
            ..
        } => json!({"gallery": {
            "resourceGroupName": resource_group, "galleryName": gallery, "imageName": image, "version": version
        }}),
    }
}

/// v2 `image`: `marketplace` or `custom` (named `imageName` there).
///
/// # Errors
/// A gallery image, which v2 cannot express at all.
pub(crate) fn render_v2(image: &Image) -> Result<Value, MappingErrorKind> {
    match image {
        Image::Marketplace {
            publisher,
            offer,
            sku,
            version,
        } => Ok(marketplace(publisher, offer, sku, version)),
        Image::Custom {
            resource_group,
            name,
        } => Ok(json!({"custom": {"resourceGroupName": resource_group, "imageName": name}})),
        Image::Gallery { path, .. } => Err(MappingErrorKind::Unsupported {
            path: path.clone(),
            message: "the v2 (Low-Priority) API has no shared image gallery images; use --api v3 or a managed image"
                .into(),
        }),
    }
}
