//! Importing an existing register (`ppid import register`): each row is
//! registered with its real dates and its history (extension, written
//! notice, delivery) is back-filed through the same rules as a live
//! request (`requests::register`, `requests::transition_in`), each step at
//! its own time. All rows run in one transaction of the writer: a file with
//! one bad row writes nothing, and a dry run is the same run rolled back.
use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
};

use jiff::{Timestamp, civil::Time, tz::TimeZone};
use uuid::Uuid;

use super::{
    App,
    requests::{register, transition_in},
};
use crate::{
    domain::{
        RequestState,
        agency::Agency,
        lifecycle::{Command, NoticeInput},
        request::{self, NewRequest, Request},
    },
    error::{Error, Result},
    import::{Column, Decision, ImportRow, Problem, Register},
    store::{
        Tx,
        register::{imported_already, set_legacy_number},
    },
};

/// Who the imported history names as its actor.
pub const IMPORT_ACTOR: &str = "import";

/// What an import did (or, in a dry run or with problems, would do).
#[derive(Debug, Default, Clone)]
pub struct ImportReport {
    /// Rows read.
    pub rows: usize,
    /// Requests registered.
    pub imported: usize,
    /// Rows already in the register (by number): left alone.
    pub already_present: usize,
    /// Requests whose old number did not fit and was kept beside a new one.
    pub legacy_numbers: usize,
    /// Withholdings on a Pasal 17 letter without a DIK entry, flagged.
    pub unregistered_basis: usize,
    /// Everything wrong; non-empty means nothing was written.
    pub problems: Vec<Problem>,
    /// Whether it was written.
    pub written: bool,
}

/// Local times given to the steps of a day: the register records dates
/// only, and steps on one day must follow each other.
const RECEIVED_AT: (i8, i8) = (8, 0);
const RETURNED_OR_WITHDRAWN_AT: (i8, i8) = (9, 0);
const EXTENDED_AT: (i8, i8) = (10, 0);
const NOTICE_AT: (i8, i8) = (12, 0);
const DELIVERED_AT: (i8, i8) = (14, 0);

fn at(d: jiff::civil::Date, (h, m): (i8, i8), tz: &TimeZone) -> Result<Timestamp> {
    tz.to_timestamp(d.to_datetime(Time::new(h, m, 0, 0).expect("valid time")))
        .map_err(|e| Error::invalid("date", e.to_string()))
}

/// The reason an error gives, without the error kind's prefix.
fn reason(e: &Error) -> String {
    match e {
        Error::InvalidArgument(v) => v
            .iter()
            .map(|f| format!("{} {}", f.field, f.description))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// How a row's number is kept.
enum Number {
    /// `{PEMDA}/PPID/{YEAR}/{NNNNNN}` of this Pemda: kept as it is.
    Kept { year: i16, seq: i64 },
    /// Another form: kept as the legacy number beside a new one.
    Legacy,
}

fn classify(number: &str, pemda_id: &str) -> std::result::Result<Number, String> {
    if !request::is_registration_number(number) {
        return Ok(Number::Legacy);
    }
    let parts: Vec<&str> = number.split('/').collect();
    if parts[0] != pemda_id.to_ascii_uppercase() {
        return Err(format!(
            "is a number of another Pemda ({}), not of {}",
            parts[0],
            pemda_id.to_ascii_uppercase()
        ));
    }
    match (parts[2].parse(), parts[3].parse()) {
        (Ok(year), Ok(seq)) if seq > 0 => Ok(Number::Kept { year, seq }),
        _ => Err("has no valid year or sequence number".into()),
    }
}

impl App {
    /// Imports `register` (as `import::read_file` read it) into `agency_id` (a Pemda or an
    /// OPD; an OPD column may name agencies below it). `dry_run`: check
    /// everything, write nothing.
    pub async fn import_register(
        &self,
        agency_id: &str,
        register: Register,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let agency = self.store.get_agency(agency_id).await?;
        let subtree = self.store.subtree(&agency).await?;
        let mut report = ImportReport {
            rows: register.rows.len() + problem_rows(&register.problems),
            problems: register.problems.clone(),
            ..Default::default()
        };
        // The last "now": no step may be later than the real clock.
        let today = self.now();
        let outcome: Arc<Mutex<Option<ImportReport>>> = Arc::new(Mutex::new(None));
        let kept = outcome.clone();
        let written = self
            .store
            .writer()
            .write_unbounded(move |tx| {
                Box::pin(async move {
                    tx.memo.importing = true;
                    let ran =
                        import_rows(tx, &agency, &subtree, &register, today, &mut report).await;
                    tx.memo.importing = false;
                    ran?;
                    if dry_run || !report.problems.is_empty() {
                        // Roll back: nothing of a dry run or a bad file stays.
                        *kept.lock().expect("not poisoned") = Some(report);
                        return Err(Error::Aborted("import rolled back".into()));
                    }
                    report.written = true;
                    Ok(report)
                })
            })
            .await;
        match written {
            Ok(r) => Ok(r),
            Err(e) => match outcome.lock().expect("not poisoned").take() {
                Some(mut r) => {
                    r.problems.sort_by_key(|p| p.row);
                    Ok(r)
                }
                None => Err(e),
            },
        }
    }
}

fn problem_rows(problems: &[Problem]) -> usize {
    let mut rows: Vec<usize> = problems.iter().map(|p| p.row).filter(|r| *r > 0).collect();
    rows.sort_unstable();
    rows.dedup();
    rows.len()
}

async fn import_rows(
    tx: &mut Tx<'_>,
    top: &Agency,
    subtree: &[Agency],
    register: &Register,
    today: Timestamp,
    report: &mut ImportReport,
) -> Result<()> {
    let col = |c: Column| register.header(c);
    // Numbers first: which are kept, and where each Pemda's sequence must
    // continue (before any new number is given to a legacy row).
    let mut numbers = Vec::with_capacity(register.rows.len());
    let mut highest: BTreeMap<i16, i64> = BTreeMap::new();
    for row in &register.rows {
        match classify(&row.number, &top.pemda_id) {
            Ok(n) => {
                if let Number::Kept { year, seq } = n {
                    let h = highest.entry(year).or_insert(0);
                    *h = (*h).max(seq);
                }
                numbers.push(Some(n));
            }
            Err(why) => {
                report.problems.push(Problem {
                    row: row.row,
                    column: col(Column::Number),
                    reason: why,
                });
                numbers.push(None);
            }
        }
    }
    for (year, seq) in highest {
        tx.raise_number(&top.pemda_id, year, "request", seq).await?;
    }
    let by_id: HashMap<&str, &Agency> = subtree.iter().map(|a| (a.id.as_str(), a)).collect();
    for (row, number) in register.rows.iter().zip(numbers) {
        let Some(number) = number else { continue };
        let legacy = matches!(number, Number::Legacy);
        if imported_already(&mut tx.conn, &top.pemda_id, &row.number, legacy).await? {
            report.already_present += 1;
            continue;
        }
        let agency = match &row.opd {
            None => top,
            Some(o) => {
                let found = by_id
                    .get(o.strip_prefix("agencies/").unwrap_or(o))
                    .copied()
                    .or_else(|| {
                        subtree
                            .iter()
                            .find(|a| a.display_name.eq_ignore_ascii_case(o.trim()))
                    });
                match found {
                    Some(a) => a,
                    None => {
                        report.problems.push(Problem {
                            row: row.row,
                            column: col(Column::Opd),
                            reason: format!(
                                "\"{o}\" is not an agency of agencies/{} (give its id or its name)",
                                top.id
                            ),
                        });
                        continue;
                    }
                }
            }
        };
        match import_row(tx, agency, row, legacy, today, register).await? {
            Ok(r) => {
                report.imported += 1;
                report.legacy_numbers += usize::from(legacy);
                report.unregistered_basis +=
                    usize::from(r.notice.as_ref().is_some_and(|n| n.unregistered_basis));
            }
            Err(p) => report.problems.push(p),
        }
    }
    Ok(())
}

/// Files one row. The outer error is fatal (the database failed); the
/// inner one is the row's problem, reported with the others.
async fn import_row(
    tx: &mut Tx<'_>,
    agency: &Agency,
    row: &ImportRow,
    legacy: bool,
    today: Timestamp,
    register: &Register,
) -> Result<std::result::Result<Request, Problem>> {
    let tz = agency.tz();
    let problem = |c: Column, e: &Error| Problem {
        row: row.row,
        column: register.header(c),
        reason: reason(e),
    };
    // Only a rule's refusal is the row's problem; anything else stops all.
    let is_refusal = |e: &Error| {
        matches!(
            e,
            Error::InvalidArgument(_) | Error::FailedPrecondition { .. } | Error::NotFound { .. }
        )
    };
    macro_rules! step {
        ($column:expr, $e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) if is_refusal(&e) => return Ok(Err(problem($column, &e))),
                Err(e) => return Err(e),
            }
        };
    }
    let received = step!(Column::Received, at(row.received, RECEIVED_AT, &tz));
    let new = NewRequest {
        id: Uuid::now_v7(),
        agency_id: agency.id.clone(),
        requester: row.requester.clone(),
        information_requested: row.information_requested.clone(),
        purpose: row.purpose.clone(),
        access_method: row.access_method,
        copy_form: row.copy_form,
        delivery_method: row.delivery_method,
        channel: row.channel,
        personal_information_basis: None,
        receive_time: Some(received),
        body_hash: "imported".into(),
        submitted_by: None,
    };
    let submitted = step!(
        Column::Received,
        register_at(tx, new, received, &row.number, legacy).await
    );
    let id = submitted.id;
    if legacy {
        set_legacy_number(&mut tx.conn, id, &row.number).await?;
    }
    let mut r = submitted;
    let apply = async |tx: &mut Tx<'_>, command: Command, now: Timestamp| {
        transition_in(tx, id, None, command, now.min(today), IMPORT_ACTOR, true).await
    };
    // An extension: on its date, or (a due date later than the clock's
    // without one) on the original due date.
    let extension_day = row.extension_date.or_else(|| {
        row.due_date
            .filter(|d| r.original_due_date.is_some_and(|o| *d > o))
            .and(r.original_due_date)
    });
    if let Some(day) = extension_day {
        let t = step!(Column::ExtensionDate, at(day, EXTENDED_AT, &tz));
        r = step!(
            Column::ExtensionDate,
            apply(
                tx,
                Command::Extend {
                    reason: row
                        .extension_reason
                        .clone()
                        .unwrap_or_else(|| "Perpanjangan (diimpor dari register)".into()),
                    extend_time: Some(t),
                },
                t,
            )
            .await
        );
    }
    if let Some(due) = row.due_date
        && r.due_date != Some(due)
    {
        let computed = r.due_date.map(|d| d.to_string()).unwrap_or_default();
        return Ok(Err(Problem {
            row: row.row,
            column: register.header(Column::DueDate),
            reason: format!(
                "{due} is not the due date the working-day calendar gives ({computed})"
            ),
        }));
    }
    match row.decision {
        Decision::State(RequestState::Withdrawn)
        | Decision::State(RequestState::AwaitingCompletion) => {
            let t = step!(
                Column::Decision,
                at(row.received, RETURNED_OR_WITHDRAWN_AT, &tz)
            );
            let command = if row.decision == Decision::State(RequestState::Withdrawn) {
                Command::Withdraw {
                    reason: Some("diimpor dari register".into()),
                }
            } else {
                Command::ReturnForCompletion {
                    missing_information: "(diimpor dari register)".into(),
                }
            };
            r = step!(Column::Decision, apply(tx, command, t).await);
        }
        Decision::State(_) => {}
        Decision::Notice(outcome) => {
            let Some(day) = row.notice_date else {
                // The reader reported it; nothing to file.
                return Ok(Err(Problem {
                    row: row.row,
                    column: register.header(Column::NoticeDate),
                    reason: "is empty, but the register records a written notice".into(),
                }));
            };
            let t = step!(Column::NoticeDate, at(day, NOTICE_AT, &tz));
            let mut exemptions = Vec::new();
            for eid in &row.dik {
                let e = step!(
                    Column::Dik,
                    crate::store::dik::fetch_exemption(&mut tx.conn, *eid)
                        .await?
                        .ok_or_else(|| Error::NotFound {
                            kind: "DIK entry",
                            name: eid.to_string(),
                        })
                );
                exemptions.push((e.agency_id, e.id));
            }
            let notice = NoticeInput {
                outcome,
                notice_text: "Pemberitahuan tertulis (diimpor dari register)".into(),
                exemption_letters: row.letters.clone(),
                withheld_parts: row.withheld_parts.clone(),
                holder: None,
                fee_rupiah: row.fee_rupiah,
                fee_items: Vec::new(),
                payment_method: row.payment_method.clone(),
                delivery_method: outcome.gives_information().then_some(row.delivery_method),
                format: None,
                notice_time: Some(t),
                delivery_due_date: None,
                exemptions,
            };
            let column = if outcome.withholds() {
                Column::RejectionReason
            } else if row.fee_rupiah > 0 {
                Column::Fee
            } else {
                Column::NoticeDate
            };
            r = match apply(tx, Command::Respond(notice), t).await {
                Ok(r) => r,
                Err(e) if is_refusal(&e) => {
                    // Dates going backwards are the notice date's fault.
                    let c = if reason(&e).contains("notice_time") {
                        Column::NoticeDate
                    } else {
                        column
                    };
                    return Ok(Err(problem(c, &e)));
                }
                Err(e) => return Err(e),
            };
        }
    }
    if let Some(day) = row.delivery_date {
        if !matches!(row.decision, Decision::Notice(_)) {
            return Ok(Err(Problem {
                row: row.row,
                column: register.header(Column::DeliveryDate),
                reason: "information is delivered only after a written notice".into(),
            }));
        }
        let t = step!(Column::DeliveryDate, at(day, DELIVERED_AT, &tz));
        r = step!(
            Column::DeliveryDate,
            apply(
                tx,
                Command::RecordDelivery {
                    deliver_time: Some(t),
                    note: None,
                },
                t,
            )
            .await
        );
    }
    Ok(Ok(r))
}

/// Registers at `received` (its own "now"): under `number`, or with a new
/// number and `number` named as the legacy one in the history.
async fn register_at(
    tx: &mut Tx<'_>,
    new: NewRequest,
    received: Timestamp,
    number: &str,
    legacy: bool,
) -> Result<Request> {
    let (keep, legacy_number) = if legacy {
        (None, Some(number))
    } else {
        (Some(number.to_string()), None)
    };
    Ok(
        register(tx, new, received, IMPORT_ACTOR, false, keep, legacy_number)
            .await?
            .request,
    )
}
