//! Public bodies and their tree: a Pemda and its OPDs.
use jiff::{Timestamp, tz::TimeZone};

use super::{AgencyKind, time};

/// A stored agency.
#[derive(Debug, Clone, PartialEq)]
pub struct Agency {
    /// The id in `agencies/{id}`.
    pub id: String,
    /// Human name.
    pub display_name: String,
    /// Kind of body.
    pub kind: AgencyKind,
    /// Parent agency id.
    pub parent_id: Option<String>,
    /// The Pemda the agency belongs to (itself for a Pemda): the scope of
    /// registration numbers and of forwarding.
    pub pemda_id: String,
    /// Materialised path `/{root}/.../{id}/`; a subtree is a path prefix.
    pub path: String,
    /// IANA zone of its local day.
    pub time_zone: String,
    /// Ranking group.
    pub comparison_group: String,
    /// Created.
    pub create_time: Timestamp,
    /// Last changed.
    pub update_time: Timestamp,
    /// Optimistic-concurrency version.
    pub version: i64,
}

impl Agency {
    /// The agency's zone; stored zones were validated, so the fallback is WIB.
    pub fn tz(&self) -> TimeZone {
        time::parse_time_zone(&self.time_zone).unwrap_or_else(|| {
            TimeZone::get(time::DEFAULT_TIME_ZONE).expect("bundled tzdb has Asia/Jakarta")
        })
    }

    /// Whether `other` is this agency or one of its sub-agencies.
    pub fn contains(&self, other: &Agency) -> bool {
        other.path.starts_with(&self.path)
    }
}

/// The ids on an agency path, from the top (`/kota/dinkes/`: kota, dinkes).
pub fn path_ids(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// How deep agency `id` stands on `path` (0: the top), if it is on it: a
/// DIK entry or a tariff of an agency covers the agencies below it.
pub fn depth_on(path: &str, id: &str) -> Option<usize> {
    path_ids(path).position(|p| p == id)
}

/// Input for a new agency, validated by the caller.
#[derive(Debug, Clone)]
pub struct NewAgency {
    /// The id.
    pub id: String,
    /// Human name.
    pub display_name: String,
    /// Kind.
    pub kind: AgencyKind,
    /// Parent id.
    pub parent_id: Option<String>,
    /// Zone (validated).
    pub time_zone: String,
    /// Ranking group; default derived when `None`.
    pub comparison_group: Option<String>,
}

/// Changes to an agency; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AgencyPatch {
    /// New name.
    pub display_name: Option<String>,
    /// New zone.
    pub time_zone: Option<String>,
    /// New ranking group.
    pub comparison_group: Option<String>,
    /// New letterhead (kept in a table of its own beside the agency).
    pub letterhead: Option<super::letter::Letterhead>,
}

/// Checks an agency id: lowercase letters, digits and '-', starting with a
/// letter, not ending with '-', 1 to 63 characters (a DNS label, so ids fit
/// in URLs and registration numbers).
pub fn check_id(id: &str) -> Result<(), &'static str> {
    let ok_chars = id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if id.is_empty() || id.len() > 63 {
        Err("must be 1 to 63 characters")
    } else if !ok_chars {
        Err("may hold only lowercase letters a-z, digits and '-'")
    } else if !id.as_bytes()[0].is_ascii_lowercase() || id.ends_with('-') {
        Err("must start with a letter and not end with '-'")
    } else {
        Ok(())
    }
}

/// Checks where a new agency may hang: an OPD's parent is its Pemda; a
/// Pemda's parent, if any, is a Pemda (a province above a kota/kabupaten).
pub fn check_parent(kind: AgencyKind, parent: Option<&Agency>) -> Result<(), String> {
    match (kind, parent) {
        (AgencyKind::Opd, None) => Err("an OPD needs its Pemda as parent".into()),
        (AgencyKind::Opd, Some(p)) if p.kind != AgencyKind::Pemda => Err(format!(
            "an OPD's parent must be a Pemda, and agencies/{} is {}",
            p.id, p.kind
        )),
        (AgencyKind::Pemda, Some(p)) if p.kind != AgencyKind::Pemda => Err(format!(
            "a Pemda's parent must be a Pemda (a province), and agencies/{} is {}",
            p.id, p.kind
        )),
        _ => Ok(()),
    }
}

/// The Pemda of a new agency: itself when it is one, else its parent's.
pub fn pemda_of(id: &str, kind: AgencyKind, parent: Option<&Agency>) -> String {
    match (kind, parent) {
        (AgencyKind::Pemda, _) | (_, None) => id.to_string(),
        (_, Some(p)) => p.pemda_id.clone(),
    }
}

/// The materialised path of a new agency.
pub fn path_of(id: &str, parent: Option<&Agency>) -> String {
    match parent {
        Some(p) => format!("{}{id}/", p.path),
        None => format!("/{id}/"),
    }
}

/// The default ranking group: the OPDs of one Pemda rank together
/// (`opd/{pemda}`); Pemdas rank within their province (`pemda/{parent}`),
/// top-level ones in `pemda/root`.
pub fn default_comparison_group(
    kind: AgencyKind,
    pemda_id: &str,
    parent: Option<&Agency>,
) -> String {
    match kind {
        AgencyKind::Pemda => format!("pemda/{}", parent.map_or("root", |p| p.id.as_str())),
        AgencyKind::Opd => format!("opd/{pemda_id}"),
        AgencyKind::OtherPublicBody => format!("other/{pemda_id}"),
    }
}

/// A new agency under `parent`: its Pemda, its path and its default
/// comparison group follow from where it sits.
pub fn create(
    new: NewAgency,
    parent: Option<&Agency>,
    now: Timestamp,
) -> crate::error::Result<Agency> {
    check_parent(new.kind, parent).map_err(|m| crate::error::Error::invalid("agency.parent", m))?;
    let pemda_id = pemda_of(&new.id, new.kind, parent);
    Ok(Agency {
        path: path_of(&new.id, parent),
        comparison_group: new
            .comparison_group
            .unwrap_or_else(|| default_comparison_group(new.kind, &pemda_id, parent)),
        pemda_id,
        id: new.id,
        display_name: new.display_name,
        kind: new.kind,
        parent_id: new.parent_id,
        time_zone: new.time_zone,
        create_time: now,
        update_time: now,
        version: 1,
    })
}

impl Agency {
    /// The agency with `patch` applied, as a new version.
    pub fn patched(&self, patch: AgencyPatch, now: Timestamp) -> Agency {
        let mut a = self.clone();
        if let Some(n) = patch.display_name {
            a.display_name = n;
        }
        if let Some(z) = patch.time_zone {
            a.time_zone = z;
        }
        if let Some(g) = patch.comparison_group {
            a.comparison_group = g;
        }
        a.version += 1;
        a.update_time = now;
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency(id: &str, kind: AgencyKind, parent: Option<&Agency>) -> Agency {
        let now = Timestamp::UNIX_EPOCH;
        Agency {
            id: id.into(),
            display_name: id.into(),
            kind,
            parent_id: parent.map(|p| p.id.clone()),
            pemda_id: pemda_of(id, kind, parent),
            path: path_of(id, parent),
            time_zone: "Asia/Jakarta".into(),
            comparison_group: default_comparison_group(kind, &pemda_of(id, kind, parent), parent),
            create_time: now,
            update_time: now,
            version: 1,
        }
    }

    #[test]
    fn ids() {
        for ok in ["a", "kota-serang", "dinkes2", &"a".repeat(63)] {
            assert!(check_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Kota",
            "1abc",
            "-a",
            "a-",
            "a_b",
            "a b",
            "kota/serang",
            &"a".repeat(64),
            "kóta",
        ] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tree_rules() {
        let banten = agency("banten", AgencyKind::Pemda, None);
        let serang = agency("kota-serang", AgencyKind::Pemda, Some(&banten));
        let dinkes = agency("dinkes", AgencyKind::Opd, Some(&serang));
        let bumd = agency("bumd", AgencyKind::OtherPublicBody, Some(&serang));
        assert_eq!(serang.pemda_id, "kota-serang");
        assert_eq!(dinkes.pemda_id, "kota-serang");
        assert_eq!(bumd.pemda_id, "kota-serang");
        assert_eq!(dinkes.path, "/banten/kota-serang/dinkes/");
        assert!(serang.contains(&dinkes) && banten.contains(&dinkes) && dinkes.contains(&dinkes));
        assert!(!dinkes.contains(&serang));
        assert_eq!(dinkes.comparison_group, "opd/kota-serang");
        assert_eq!(serang.comparison_group, "pemda/banten");
        assert_eq!(banten.comparison_group, "pemda/root");

        let cases: &[(AgencyKind, Option<&Agency>, bool)] = &[
            (AgencyKind::Opd, None, false),
            (AgencyKind::Opd, Some(&serang), true),
            (AgencyKind::Opd, Some(&dinkes), false),
            (AgencyKind::Pemda, None, true),
            (AgencyKind::Pemda, Some(&banten), true),
            (AgencyKind::Pemda, Some(&dinkes), false),
            (AgencyKind::OtherPublicBody, None, true),
            (AgencyKind::OtherPublicBody, Some(&dinkes), true),
        ];
        for (kind, parent, ok) in cases {
            assert_eq!(
                check_parent(*kind, *parent).is_ok(),
                *ok,
                "{kind:?} under {:?}",
                parent.map(|p| &p.id)
            );
        }
    }
}
