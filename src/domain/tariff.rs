//! The fee tariff (UU KIP Pasal 21: biaya ringan). An agency announces what
//! copies cost in its maklumat pelayanan; a notice's fee is checked against
//! the tariff in force on the notice day, item by item. A Pemda's tariff
//! covers its OPDs unless an OPD announces its own.
use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldViolation, Result};

/// One priced item of a tariff (e.g. a photocopied page, a CD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TariffItem {
    /// Short code the notice cites (e.g. "fotokopi-a4").
    pub code: String,
    /// What it is.
    pub description: String,
    /// Unit priced (e.g. "lembar", "keping").
    pub unit: String,
    /// Price per unit.
    pub price_rupiah: i64,
}

/// A version of an agency's tariff, in force from its effective date until
/// the next version's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tariff {
    /// The agency announcing it.
    pub agency_id: String,
    /// First day in force.
    pub effective_date: Date,
    /// The maklumat (announcement) that states it.
    pub maklumat_number: String,
    /// Priced items; none means the service is free.
    pub items: Vec<TariffItem>,
    /// Recorded.
    pub create_time: Timestamp,
}

impl Tariff {
    /// The resource name.
    pub fn name(&self) -> String {
        format!(
            "agencies/{}/tariffs/{}",
            self.agency_id, self.effective_date
        )
    }

    fn cite(&self) -> String {
        format!(
            "maklumat {} of agencies/{} (in force since {})",
            self.maklumat_number, self.agency_id, self.effective_date
        )
    }
}

/// A fee line as a notice states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeLine {
    /// The tariff item.
    pub code: String,
    /// How many units.
    pub quantity: i64,
}

/// A fee line priced against the tariff, kept with the notice so that a
/// later tariff does not change what was charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeItem {
    /// The tariff item.
    pub code: String,
    /// Its description then.
    pub description: String,
    /// Units.
    pub quantity: i64,
    /// Unit price then.
    pub unit_price_rupiah: i64,
    /// quantity × unit price.
    pub amount_rupiah: i64,
}

/// The largest price or quantity accepted: far above any copying cost, low
/// enough that sums cannot overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000;

/// Checks the items of a new tariff version; `field` prefixes the paths.
pub fn check_items(field: &str, items: &[TariffItem]) -> Vec<FieldViolation> {
    let mut v = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let f = |n: &str| format!("{field}[{i}].{n}");
        let code_ok = !item.code.is_empty()
            && item.code.len() <= 40
            && item
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !code_ok {
            v.push(FieldViolation::new(
                f("code"),
                "must be 1-40 characters of a-z, 0-9 and '-'",
            ));
        } else if items[..i].iter().any(|o| o.code == item.code) {
            v.push(FieldViolation::new(f("code"), "appears twice"));
        }
        if !(0..=MAX_AMOUNT).contains(&item.price_rupiah) {
            v.push(FieldViolation::new(
                f("price_rupiah"),
                format!("must be between 0 and {MAX_AMOUNT}"),
            ));
        }
    }
    v
}

/// The tariff in force for an agency at `path` (`/pemda/.../agency/`) on
/// `day`: the nearest agency on the path that has announced one, its latest
/// version in force that day.
pub fn in_force<'a>(tariffs: &'a [Tariff], path: &str, day: Date) -> Option<&'a Tariff> {
    let depth = |t: &Tariff| super::agency::depth_on(path, &t.agency_id);
    tariffs
        .iter()
        .filter(|t| t.effective_date <= day)
        .filter_map(|t| depth(t).map(|d| (d, t)))
        .max_by_key(|(d, t)| (*d, t.effective_date))
        .map(|(_, t)| t)
}

fn rupiah(n: i64) -> String {
    // Indonesian grouping: Rp 12.500.
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    format!("Rp {}{out}", if n < 0 { "-" } else { "" })
}

/// Prices a notice's fee against the tariff in force (`None`: no tariff is
/// recorded, and the fee is taken as stated). With a tariff, a fee must be
/// itemised and add up; a free-service tariff allows no fee.
pub fn price(tariff: Option<&Tariff>, fee_rupiah: i64, lines: &[FeeLine]) -> Result<Vec<FeeItem>> {
    let Some(t) = tariff else {
        if lines.is_empty() {
            return Ok(vec![]);
        }
        return Err(Error::invalid(
            "notice.fee_items",
            "no tariff (maklumat) is recorded for this agency on the notice day: state the fee in fee_rupiah alone, or record the tariff first",
        ));
    };
    if fee_rupiah == 0 && lines.is_empty() {
        return Ok(vec![]);
    }
    if t.items.is_empty() {
        return Err(Error::invalid(
            "notice.fee_rupiah",
            format!("{} declares the service free: no fee", t.cite()),
        ));
    }
    if lines.is_empty() {
        return Err(Error::invalid(
            "notice.fee_items",
            format!(
                "itemise the fee against {} (codes: {})",
                t.cite(),
                t.items
                    .iter()
                    .map(|i| i.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let mut v = Vec::new();
    let mut priced = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let item = t.items.iter().find(|it| it.code == line.code);
        if item.is_none() {
            v.push(FieldViolation::new(
                format!("notice.fee_items[{i}].code"),
                format!("{:?} is not an item of {}", line.code, t.cite()),
            ));
        }
        if !(1..=MAX_AMOUNT).contains(&line.quantity) {
            v.push(FieldViolation::new(
                format!("notice.fee_items[{i}].quantity"),
                format!("must be between 1 and {MAX_AMOUNT}"),
            ));
        }
        if let Some(item) = item {
            priced.push(FeeItem {
                code: item.code.clone(),
                description: item.description.clone(),
                quantity: line.quantity,
                unit_price_rupiah: item.price_rupiah,
                amount_rupiah: line.quantity.saturating_mul(item.price_rupiah),
            });
        }
    }
    if !v.is_empty() {
        return Err(Error::InvalidArgument(v));
    }
    let total: i64 = priced.iter().map(|p| p.amount_rupiah).sum();
    if total != fee_rupiah {
        let lines: Vec<String> = priced
            .iter()
            .map(|p| {
                format!(
                    "{} {} at {}",
                    p.quantity,
                    p.code,
                    rupiah(p.unit_price_rupiah)
                )
            })
            .collect();
        return Err(Error::invalid(
            "notice.fee_rupiah",
            format!(
                "{} does not match {}: {} = {}",
                rupiah(fee_rupiah),
                t.cite(),
                lines.join(" + "),
                rupiah(total)
            ),
        ));
    }
    Ok(priced)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn item(code: &str, price: i64) -> TariffItem {
        TariffItem {
            code: code.into(),
            description: format!("Penggandaan {code}"),
            unit: "lembar".into(),
            price_rupiah: price,
        }
    }

    fn tariff(agency: &str, from: Date, items: Vec<TariffItem>) -> Tariff {
        Tariff {
            agency_id: agency.into(),
            effective_date: from,
            maklumat_number: format!("{agency}/1"),
            items,
            create_time: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_tariff_in_force() {
        let ts = vec![
            tariff("kota", date(2025, 1, 1), vec![item("a4", 300)]),
            tariff("kota", date(2026, 1, 1), vec![item("a4", 200)]),
            tariff("dinkes", date(2026, 6, 1), vec![]),
            tariff("lebak", date(2020, 1, 1), vec![item("a4", 100)]),
        ];
        let dinkes = "/kota/dinkes/";
        // (path, day, effective date and agency wanted)
        type Case<'a> = (&'a str, Date, Option<(&'a str, Date)>);
        let cases: &[Case] = &[
            (dinkes, date(2024, 12, 31), None),
            (dinkes, date(2025, 6, 1), Some(("kota", date(2025, 1, 1)))),
            (dinkes, date(2026, 1, 1), Some(("kota", date(2026, 1, 1)))),
            // The OPD's own maklumat overrides the Pemda's from its date.
            (dinkes, date(2026, 6, 1), Some(("dinkes", date(2026, 6, 1)))),
            (
                "/kota/disdik/",
                date(2026, 6, 1),
                Some(("kota", date(2026, 1, 1))),
            ),
            ("/kota/", date(2026, 6, 1), Some(("kota", date(2026, 1, 1)))),
            // "kota" is not a prefix match of "kota-baru".
            ("/kota-baru/x/", date(2026, 6, 1), None),
        ];
        for (path, day, want) in cases {
            let got = in_force(&ts, path, *day).map(|t| (t.agency_id.as_str(), t.effective_date));
            assert_eq!(got, *want, "{path} {day}");
        }
    }

    #[test]
    fn fees_against_the_tariff() {
        let t = tariff(
            "kota",
            date(2026, 1, 1),
            vec![item("a4", 200), item("cd", 5_000)],
        );
        let free = tariff("kota", date(2026, 1, 1), vec![]);
        let line = |code: &str, quantity| FeeLine {
            code: code.into(),
            quantity,
        };
        // (tariff, fee, lines, violated field or "" when accepted, total priced)
        type Case<'a> = (Option<&'a Tariff>, i64, Vec<FeeLine>, &'a str, i64);
        let cases: Vec<Case> = vec![
            (None, 12_500, vec![], "", 0),
            (None, 0, vec![], "", 0),
            (None, 400, vec![line("a4", 2)], "notice.fee_items", 0),
            (Some(&t), 0, vec![], "", 0),
            (
                Some(&t),
                9_000,
                vec![line("a4", 20), line("cd", 1)],
                "",
                9_000,
            ),
            (Some(&t), 9_000, vec![], "notice.fee_items", 0),
            (
                Some(&t),
                10_000,
                vec![line("a4", 20), line("cd", 1)],
                "notice.fee_rupiah",
                0,
            ),
            (Some(&t), 0, vec![line("a4", 1)], "notice.fee_rupiah", 0),
            (
                Some(&t),
                200,
                vec![line("a3", 1)],
                "notice.fee_items[0].code",
                0,
            ),
            (
                Some(&t),
                0,
                vec![line("a4", 0)],
                "notice.fee_items[0].quantity",
                0,
            ),
            (Some(&free), 200, vec![], "notice.fee_rupiah", 0),
            (Some(&free), 0, vec![], "", 0),
        ];
        for (tariff, fee, lines, want, total) in cases {
            match price(tariff, fee, &lines) {
                Ok(items) => {
                    assert_eq!(want, "", "{fee} {lines:?} accepted");
                    assert_eq!(items.iter().map(|i| i.amount_rupiah).sum::<i64>(), total);
                }
                Err(Error::InvalidArgument(v)) => {
                    assert_eq!(v[0].field, want, "{fee} {lines:?}: {}", v[0].description)
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        let Err(Error::InvalidArgument(v)) =
            price(Some(&t), 10_000, &[line("a4", 20), line("cd", 1)])
        else {
            panic!()
        };
        assert_eq!(
            v[0].description,
            "Rp 10.000 does not match maklumat kota/1 of agencies/kota (in force since 2026-01-01): 20 a4 at Rp 200 + 1 cd at Rp 5.000 = Rp 9.000"
        );
    }

    #[test]
    fn tariff_items() {
        let ok = check_items("t.items", &[item("fotokopi-a4", 200), item("cd", 0)]);
        assert!(ok.is_empty(), "{ok:?}");
        let fields: Vec<String> = check_items(
            "t.items",
            &[item("A4", 200), item("cd", -1), item("cd", 1), item("", 1)],
        )
        .into_iter()
        .map(|v| v.field)
        .collect();
        assert_eq!(
            fields,
            vec![
                "t.items[0].code",
                "t.items[1].price_rupiah",
                "t.items[2].code",
                "t.items[3].code"
            ]
        );
    }
}
