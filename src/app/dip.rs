//! The DIP (Daftar Informasi Publik): entries, versions, withdrawals, the
//! checklist per year, coverage; and the Pasal 11(2) proposals written when
//! an objection or a dispute opens information.
use std::collections::{BTreeMap, HashMap};

use jiff::{Timestamp, civil::Date};
use uuid::Uuid;

use super::App;
use crate::{
    domain::{
        InformationKind,
        agency::{self, Agency, depth_on, path_ids},
        dip::{self, Checklist, Coverage, Entry, Version, Withdrawal},
        exemption,
        figures::{self, PemdaAssessmentRule, Period, ScoringPolicy},
        time,
    },
    error::{Error, FieldViolation, Result},
    store::{
        Tx,
        dik::fetch_exemption,
        dip::{
            entry_not_found, fetch_entry, insert_checklist, insert_entry, insert_version,
            next_entry_number, stored_checklist, withdraw_entry,
        },
        rows::agency_not_found,
    },
};

fn invalid(problems: Vec<dip::Problem>) -> Error {
    Error::InvalidArgument(
        problems
            .into_iter()
            .map(|(f, d)| FieldViolation::new(f, d))
            .collect(),
    )
}

fn precondition(problems: Vec<dip::Problem>) -> Error {
    let text: Vec<String> = problems.iter().map(|(f, d)| format!("{f}: {d}")).collect();
    Error::precondition("DIP_VERSION_ORDER", text.join("; "))
}

/// The checklist governing `year` in the writer's transaction.
async fn checklist_in(tx: &mut Tx<'_>, year: i16) -> Result<Checklist> {
    Ok(stored_checklist(&mut tx.conn, year)
        .await?
        .map(|(c, _)| c)
        .unwrap_or_else(|| Checklist::default_for(year)))
}

/// An entry of `owner`'s DIP with its agency, in the writer's transaction
/// (NOT_FOUND naming the entry otherwise).
async fn owned_entry(tx: &mut Tx<'_>, owner: &str, id: Uuid) -> Result<(Entry, Agency)> {
    let e = fetch_entry(&mut tx.conn, id)
        .await?
        .filter(|e| e.agency_id == owner)
        .ok_or_else(|| entry_not_found(owner, id))?;
    let agency = tx
        .agency(owner)
        .await?
        .ok_or_else(|| entry_not_found(owner, id))?;
    Ok((e, agency))
}

/// Numbers and stores a checked version as the entry's latest.
async fn append_version(
    tx: &mut Tx<'_>,
    e: &mut Entry,
    mut v: Version,
    now: Timestamp,
    actor: &str,
) -> Result<()> {
    v.number = e.versions.len() as i32 + 1;
    v.create_time = now;
    insert_version(&mut tx.conn, e.id, &v, actor).await?;
    e.versions.push(v);
    Ok(())
}

/// Refuses to publish an entry linked to a DIK entry in force that day: an
/// entry cannot be both exempt and published (RULINGS).
async fn check_not_exempt(tx: &mut Tx<'_>, e: &Entry, day: Date, field: &str) -> Result<()> {
    let Some((_, xid)) = &e.exemption else {
        return Ok(());
    };
    if let Some(x) = fetch_exemption(&mut tx.conn, *xid).await?
        && x.status_on(day) == exemption::Status::Active
    {
        return Err(Error::precondition(
            "DIP_ENTRY_EXEMPT",
            format!(
                "{field}: the information is exempt on {day} under DIK entry {} (Pasal 17 huruf {}); \
                 it cannot be published while that entry is in force",
                x.name(),
                x.letter.as_str()
            ),
        ));
    }
    Ok(())
}

/// Records a DIP entry proposed for information an objection or a dispute
/// declared open (UU KIP Pasal 11(2): setiap saat), or ordered published
/// (ground b: berkala), in the writer's transaction. Its officer publishes
/// it (or withdraws it, with a reason).
pub(crate) async fn propose_opened(
    tx: &mut Tx<'_>,
    agency_id: &str,
    information: &str,
    opened_by: &str,
    kind: InformationKind,
    items: Vec<String>,
    now: Timestamp,
) -> Result<Entry> {
    let number = next_entry_number(&mut tx.conn, agency_id).await?;
    let e = Entry {
        id: Uuid::now_v7(),
        agency_id: agency_id.to_string(),
        number,
        summary: information.to_string(),
        holding_unit: "PPID".into(),
        responsible: "PPID".into(),
        production_place: None,
        softcopy: true,
        hardcopy: true,
        retention: String::new(),
        kind,
        items,
        update_months: None,
        event_date: None,
        exemption: None,
        opened_by: Some(opened_by.to_string()),
        versions: Vec::new(),
        withdrawn: None,
        create_time: now,
    };
    insert_entry(&mut tx.conn, &e).await?;
    Ok(e)
}

impl App {
    /// The checklist governing `year`: the latest one set, else the built-in
    /// one; with when it was set.
    pub async fn dip_checklist(&self, year: i16) -> Result<(Checklist, Option<Timestamp>)> {
        Ok(match self.store.dip_checklist(year).await? {
            Some((c, t)) => (c, Some(t)),
            None => (Checklist::default_for(year), None),
        })
    }

    /// Sets a new version of a year's checklist (checked by the caller with
    /// [`Checklist::problems`]).
    pub async fn set_dip_checklist(&self, c: Checklist) -> Result<(Checklist, Timestamp)> {
        let now = self.now();
        let stored = c.clone();
        let version = self
            .store
            .writer()
            .write(move |tx| {
                Box::pin(async move { insert_checklist(&mut tx.conn, &stored, now).await })
            })
            .await?;
        Ok((Checklist { version, ..c }, now))
    }

    /// Registers an entry in an agency's DIP, published at once when
    /// `first` is given. Its items are checked against the checklist of the
    /// agency's current year; its exemption link against the DIK.
    #[tracing::instrument(skip_all, fields(agency = %entry.agency_id))]
    pub async fn create_dip_entry(
        &self,
        entry: Entry,
        first: Option<Version>,
        actor: &str,
    ) -> Result<Entry> {
        let now = self.now();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                let mut e = entry;
                Box::pin(async move {
                    let agency = tx
                        .agency(&e.agency_id)
                        .await?
                        .ok_or_else(|| agency_not_found(&e.agency_id))?;
                    let today = time::local_date(now, &agency.tz());
                    let checklist = checklist_in(tx, today.year()).await?;
                    let mut problems = dip::check_entry("entry", &e, &checklist);
                    if let Some((owner, xid)) = &e.exemption {
                        let x = fetch_exemption(&mut tx.conn, *xid)
                            .await?
                            .filter(|x| &x.agency_id == owner);
                        match x {
                            Some(x) if depth_on(&agency.path, &x.agency_id).is_some() => {}
                            _ => problems.push((
                                "entry.exemption".into(),
                                format!(
                                    "agencies/{owner}/exemptions/{xid} is not a DIK entry of this agency or one above it"
                                ),
                            )),
                        }
                    }
                    let mut order = Vec::new();
                    if let Some(v) = &first {
                        // Named as the create call names it.
                        let (inv, pre) = dip::check_version("first_version", &e, v, today);
                        problems.extend(inv);
                        order.extend(pre);
                    }
                    if !problems.is_empty() {
                        return Err(invalid(problems));
                    }
                    if !order.is_empty() {
                        return Err(precondition(order));
                    }
                    if let Some(v) = &first {
                        check_not_exempt(tx, &e, v.publish_date, "first_version.publish_date")
                            .await?;
                    }
                    e.number = next_entry_number(&mut tx.conn, &e.agency_id).await?;
                    e.create_time = now;
                    insert_entry(&mut tx.conn, &e).await?;
                    if let Some(v) = first {
                        append_version(tx, &mut e, v, now, &actor).await?;
                    }
                    Ok(e)
                })
            })
            .await
    }

    /// Publishes a new version of an entry (the first publishes a proposed
    /// entry). Versions are dated in order; the old ones keep their dates.
    #[tracing::instrument(skip_all, fields(entry = %id))]
    pub async fn publish_dip_version(
        &self,
        agency_id: &str,
        id: Uuid,
        version: Version,
        actor: &str,
    ) -> Result<Entry> {
        let now = self.now();
        let owner = agency_id.to_string();
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let v = version;
                    let (mut e, agency) = owned_entry(tx, &owner, id).await?;
                    if let Some(w) = &e.withdrawn {
                        return Err(Error::precondition(
                            "DIP_ENTRY_WITHDRAWN",
                            format!(
                                "{} was withdrawn on {}: register a new entry",
                                e.name(),
                                w.date
                            ),
                        ));
                    }
                    let today = time::local_date(now, &agency.tz());
                    let (inv, pre) = dip::check_version("version", &e, &v, today);
                    if !inv.is_empty() {
                        return Err(invalid(inv));
                    }
                    if !pre.is_empty() {
                        return Err(precondition(pre));
                    }
                    check_not_exempt(tx, &e, v.publish_date, "version.publish_date").await?;
                    append_version(tx, &mut e, v, now, &actor).await?;
                    Ok(e)
                })
            })
            .await
    }

    /// Takes an entry off the DIP from today (agency-local), with a reason.
    #[tracing::instrument(skip_all, fields(entry = %id))]
    pub async fn withdraw_dip_entry(
        &self,
        agency_id: &str,
        id: Uuid,
        reason: String,
    ) -> Result<Entry> {
        let now = self.now();
        let owner = agency_id.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let (mut e, agency) = owned_entry(tx, &owner, id).await?;
                    if e.withdrawn.is_some() {
                        return Err(Error::precondition(
                            "DIP_ENTRY_WITHDRAWN",
                            format!("{} is already withdrawn", e.name()),
                        ));
                    }
                    let w = Withdrawal {
                        time: now,
                        date: time::local_date(now, &agency.tz()),
                        reason,
                    };
                    withdraw_entry(&mut tx.conn, id, &w).await?;
                    e.withdrawn = Some(w);
                    Ok(e)
                })
            })
            .await
    }

    /// An entry of an agency's DIP.
    pub async fn get_dip_entry(&self, agency_id: &str, id: Uuid) -> Result<Entry> {
        self.store.get_dip_entry(agency_id, id).await
    }

    /// The DIP of an agency: its Pemda's entries, then its own.
    pub async fn dip_entries(&self, agency: &Agency) -> Result<Vec<Entry>> {
        self.store.dip_entries(agency).await
    }

    /// What the DIP of `agency` covers on `day`, against the checklist of
    /// that day's year.
    pub async fn dip_coverage(&self, agency: &Agency, day: Date) -> Result<Coverage> {
        let (checklist, _) = self.dip_checklist(day.year()).await?;
        let ids: Vec<String> = path_ids(&agency.path).map(String::from).collect();
        let facts = self.store.dip_facts(&ids).await?;
        Ok(dip::coverage(&checklist, &agency.path, &facts, day))
    }
}

/// Checks what an objection on ground b cites as not published: a DIP
/// entry of the agency (or one above it) and/or an item of the filing
/// year's checklist, both berkala (Pasal 35(1)(b) concerns Pasal 9
/// information). Returns the entry's name.
pub(crate) async fn check_unpublished_citation(
    tx: &mut Tx<'_>,
    agency: &Agency,
    f: &super::objections::ObjectionFiling,
    file_date: Date,
) -> Result<Option<String>> {
    let mut problems = Vec::new();
    let mut name = None;
    if let Some((owner, id)) = &f.unpublished_dip_entry {
        match fetch_entry(&mut tx.conn, *id)
            .await?
            .filter(|e| &e.agency_id == owner && depth_on(&agency.path, owner).is_some())
        {
            Some(e) if e.kind != InformationKind::Berkala => problems.push((
                "unpublished_dip_entry".to_string(),
                format!(
                    "{} is {} information; ground b concerns berkala information (Pasal 9)",
                    e.name(),
                    e.kind.as_str()
                ),
            )),
            Some(e) => name = Some(e.name()),
            None => problems.push((
                "unpublished_dip_entry".to_string(),
                format!(
                    "agencies/{owner}/dipEntries/{id} is not an entry of the DIP of agencies/{}",
                    agency.id
                ),
            )),
        }
    }
    if let Some(code) = &f.unpublished_item {
        let checklist = checklist_in(tx, file_date.year()).await?;
        match checklist.item(code) {
            None => problems.push((
                "unpublished_item".to_string(),
                format!(
                    "{code:?} is not an item of the {} checklist (version {})",
                    checklist.year, checklist.version
                ),
            )),
            Some(it) if it.kind != InformationKind::Berkala => problems.push((
                "unpublished_item".to_string(),
                format!(
                    "{code} is {} information; ground b concerns berkala information (Pasal 9)",
                    it.kind.as_str()
                ),
            )),
            Some(_) => {}
        }
    }
    if problems.is_empty() {
        Ok(name)
    } else {
        Err(invalid(problems))
    }
}

impl App {
    /// Loads entries already judged sound (the data generator), with their
    /// versions, numbered after the agency's last, in one transaction.
    pub async fn load_dip_entries(&self, entries: Vec<Entry>, actor: &str) -> Result<usize> {
        let actor = actor.to_string();
        self.store
            .writer()
            .write(move |tx| {
                Box::pin(async move {
                    let mut next: HashMap<String, i64> = HashMap::new();
                    for mut e in entries.iter().cloned() {
                        let n = match next.get(&e.agency_id) {
                            Some(n) => *n,
                            None => next_entry_number(&mut tx.conn, &e.agency_id).await?,
                        };
                        next.insert(e.agency_id.clone(), n + 1);
                        e.number = n;
                        insert_entry(&mut tx.conn, &e).await?;
                        for v in &e.versions {
                            insert_version(&mut tx.conn, e.id, v, &actor).await?;
                        }
                    }
                    Ok(entries.len())
                })
            })
            .await
    }
}

/// Items computed from one agency's DIP: values and why, by item name.
pub(crate) type Computed = (BTreeMap<String, f64>, BTreeMap<String, String>);

/// Computed DIP items by (agency, day judged, checklist year, mean of OPDs),
/// valid while the store's DIP stamp is `stamp`: a ranking read again
/// costs one stamp read, whatever the size of the country.
pub(crate) struct DipCache {
    stamp: i64,
    map: HashMap<(String, Date, i16, bool), Computed>,
}

impl Default for DipCache {
    fn default() -> Self {
        Self {
            stamp: i64::MIN,
            map: Default::default(),
        }
    }
}

/// Entries kept at most: a national ranking holds one per Pemda and day.
const DIP_CACHE_MAX: usize = 100_000;

impl DipCache {
    /// Forgets everything when the stamp moved.
    pub(crate) fn at(&mut self, stamp: i64) -> &mut Self {
        if self.stamp != stamp || self.map.len() > DIP_CACHE_MAX {
            self.map.clear();
            self.stamp = stamp;
        }
        self
    }

    /// A member's computed items, if known.
    pub(crate) fn get(&self, key: &(String, Date, i16, bool)) -> Option<&Computed> {
        self.map.get(key)
    }

    /// Keeps a member's computed items (empty: none computed) under `stamp`.
    pub(crate) fn put(&mut self, stamp: i64, key: (String, Date, i16, bool), v: Computed) {
        if self.stamp == stamp {
            self.map.insert(key, v);
        }
    }
}

impl App {
    /// The items each member's DIP computes for a period (none for a member
    /// whose DIP is not kept in the service), with why. A member's DIP is
    /// judged on the period's last day, or today while it runs; a Pemda
    /// whose assessed items are the mean of its OPDs' gets the mean of
    /// theirs.
    pub(crate) async fn dip_items(
        &self,
        members: &[Agency],
        subtrees: &[Vec<&Agency>],
        period: &Period,
        policy: &ScoringPolicy,
    ) -> Result<HashMap<String, Computed>> {
        if !policy
            .assessment_items
            .iter()
            .any(|(n, _)| n == dip::JENIS_INFORMASI || n == dip::DIGITALISASI)
        {
            return Ok(HashMap::new());
        }
        let mean = policy.pemda_assessment_rule == PemdaAssessmentRule::MeanOfOpds;
        let year = period.policy_year();
        let now = self.now();
        let day_of = |a: &Agency| period.end.min(time::local_date(now, &a.tz()));
        let key_of =
            |m: &Agency, sub: &Vec<&Agency>| (m.id.clone(), day_of(m), year, mean && sub.len() > 1);
        // The stamp first, then the facts: a cached value is never older
        // than its stamp.
        let stamp = self.store.dip_stamp().await?;
        let mut out = HashMap::new();
        let mut todo: Vec<(&Agency, &Vec<&Agency>)> = Vec::new();
        {
            let mut cache = self.dip_cache.lock().unwrap_or_else(|e| e.into_inner());
            let cache = cache.at(stamp);
            for (m, sub) in members.iter().zip(subtrees) {
                match cache.get(&key_of(m, sub)) {
                    Some(v) if v.0.is_empty() => {}
                    Some(v) => {
                        out.insert(m.id.clone(), v.clone());
                    }
                    None => todo.push((m, sub)),
                }
            }
        }
        if todo.is_empty() {
            return Ok(out);
        }
        let mut ids: Vec<String> = Vec::new();
        for (m, sub) in &todo {
            ids.extend(agency::path_ids(&m.path).map(String::from));
            if mean && sub.len() > 1 {
                ids.extend(sub.iter().map(|a| a.id.clone()));
            }
        }
        ids.sort();
        ids.dedup();
        let facts = self.store.dip_facts(&ids).await?;
        let mut by_agency: HashMap<&str, Vec<&dip::EntryFacts>> = HashMap::new();
        for f in &facts {
            by_agency.entry(f.agency_id.as_str()).or_default().push(f);
        }
        let (checklist, _) = self.dip_checklist(year).await?;
        let cover = |a: &Agency| {
            let mine: Vec<dip::EntryFacts> = agency::path_ids(&a.path)
                .filter_map(|id| by_agency.get(id))
                .flatten()
                .map(|f| (*f).clone())
                .collect();
            dip::coverage(&checklist, &a.path, &mine, day_of(a))
        };
        let mut computed = Vec::new();
        for (m, sub) in todo {
            let (values, why) = if mean && sub.len() > 1 {
                let opds: Vec<BTreeMap<String, f64>> = sub
                    .iter()
                    .filter(|a| a.id != m.id)
                    .map(|a| cover(a).computed())
                    .filter(|c| !c.is_empty())
                    .collect();
                let refs: Vec<&BTreeMap<String, f64>> = opds.iter().collect();
                let values = figures::mean_of_opds(policy, &refs).unwrap_or_default();
                let why = values
                    .keys()
                    .map(|k| {
                        (
                            k.clone(),
                            format!("computed: the mean of the DIPs of {} OPDs", opds.len()),
                        )
                    })
                    .collect();
                (values, why)
            } else {
                let c = cover(m);
                let why = BTreeMap::from([
                    (dip::JENIS_INFORMASI.to_string(), c.explain_jenis()),
                    (dip::DIGITALISASI.to_string(), c.explain_digital()),
                ]);
                (c.computed(), why)
            };
            if !values.is_empty() {
                out.insert(m.id.clone(), (values.clone(), why.clone()));
            }
            computed.push((key_of(m, sub), (values, why)));
        }
        let mut cache = self.dip_cache.lock().unwrap_or_else(|e| e.into_inner());
        for (k, v) in computed {
            cache.put(stamp, k, v);
        }
        Ok(out)
    }
}
