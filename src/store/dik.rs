// The DIK, objections and disputes: SQL both backends share (see common.rs).

use crate::{
    domain::{
        DecisionExtent, DisputeOutcome, ObjectionDecision, ObjectionGround,
        exemption::{Exemption, Revocation, Status as ExemptionStatus},
        objection::{self, Dispute, Objection, ObjectionAnswer, Settlement},
    },
    store::{ExemptionFilter, ObjectionDecisionInput, ObjectionFiling},
};

macro_rules! exemption_columns {
    () => {
        "id, agency_id, information, letter, sub_item, other_law, harm, public_interest_test, \
         decree_number, decree_date, start_date, end_date, decided_by, revoke_time, revoke_date, \
         revoke_reason, create_time, \
         (SELECT COUNT(*) FROM notice_citations c WHERE c.exemption_id = exemptions.id) AS citation_count"
    };
}

macro_rules! objection_columns {
    () => {
        "o.id, o.registration_number, o.request_id, r.registration_number AS request_registration_number, \
         o.agency_id, o.grounds, o.grounds_arose, o.statement, o.file_time, o.file_date, o.answer_due_date, \
         o.decision, o.extent, o.reasons, o.superior_name, o.superior_position, o.decide_time, \
         o.decide_date, o.answered_on_time, o.reopened_due_date, \
         (SELECT d.id FROM disputes d WHERE d.objection_id = o.id) AS dispute_id"
    };
}

macro_rules! dispute_columns {
    () => {
        "id, objection_id, request_id, commission_register_number, file_time, window_start, \
         window_due, outcome, decision_date, decision_number, summary"
    };
}

fn exemption_from_row(r: &DbRow) -> Result<(Exemption, i64)> {
    let revoked = match r.try_get::<Option<i64>, _>("revoke_time")? {
        Some(t) => Some(Revocation {
            time: from_ts(t)?,
            reason: r
                .try_get::<Option<String>, _>("revoke_reason")?
                .unwrap_or_default(),
            date: parse_date(&r.try_get::<String, _>("revoke_date")?)?,
        }),
        None => None,
    };
    let id: String = r.try_get("id")?;
    Ok((
        Exemption {
            id: Uuid::parse_str(&id).context("stored exemption id")?,
            agency_id: r.try_get("agency_id")?,
            information: r.try_get("information")?,
            letter: parse_named(
                &r.try_get::<String, _>("letter")?,
                ExemptionLetter::parse,
                "letter",
            )?,
            sub_item: r.try_get("sub_item")?,
            other_law: r.try_get("other_law")?,
            harm: r.try_get("harm")?,
            public_interest_test: r.try_get("public_interest_test")?,
            decree_number: r.try_get("decree_number")?,
            decree_date: parse_date(&r.try_get::<String, _>("decree_date")?)?,
            start_date: parse_date(&r.try_get::<String, _>("start_date")?)?,
            end_date: opt_date(r.try_get("end_date")?)?,
            decided_by: r.try_get("decided_by")?,
            revoked,
            create_time: from_ts(r.try_get("create_time")?)?,
        },
        r.try_get("citation_count")?,
    ))
}

async fn fetch_exemption(conn: &mut Conn, id: Uuid) -> Result<Option<Exemption>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        exemption_columns!(),
        " FROM exemptions WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row
        .as_ref()
        .map(exemption_from_row)
        .transpose()?
        .map(|(e, _)| e))
}

fn exemption_not_found(agency_id: &str, id: Uuid) -> Error {
    Error::NotFound {
        kind: "exemption",
        name: format!("agencies/{agency_id}/exemptions/{id}"),
    }
}

fn objection_not_found(id: Uuid) -> Error {
    Error::NotFound {
        kind: "objection",
        name: format!("objections/{id}"),
    }
}

fn dispute_not_found(id: Uuid) -> Error {
    Error::NotFound {
        kind: "dispute",
        name: format!("disputes/{id}"),
    }
}

fn split_list<T>(s: &str, parse: impl Fn(&str) -> Result<T>) -> Result<Vec<T>> {
    s.split(',').filter(|p| !p.is_empty()).map(parse).collect()
}

fn objection_from_row(r: &DbRow) -> Result<(Objection, Vec<Uuid>)> {
    let decision = match r.try_get::<Option<String>, _>("decision")? {
        Some(d) => Some(ObjectionAnswer {
            decision: parse_named(&d, ObjectionDecision::parse, "objection decision")?,
            extent: parse_named(
                &r.try_get::<Option<String>, _>("extent")?
                    .unwrap_or_default(),
                DecisionExtent::parse,
                "decision extent",
            )?,
            reasons: r.try_get("reasons")?,
            superior_name: r
                .try_get::<Option<String>, _>("superior_name")?
                .unwrap_or_default(),
            superior_position: r
                .try_get::<Option<String>, _>("superior_position")?
                .unwrap_or_default(),
            decide_time: from_ts(
                r.try_get::<Option<i64>, _>("decide_time")?
                    .unwrap_or_default(),
            )?,
            decide_date: parse_date(
                &r.try_get::<Option<String>, _>("decide_date")?
                    .unwrap_or_default(),
            )?,
            on_time: r
                .try_get::<Option<bool>, _>("answered_on_time")?
                .unwrap_or(false),
            reopened_due_date: opt_date(r.try_get("reopened_due_date")?)?,
        }),
        None => None,
    };
    let id: String = r.try_get("id")?;
    let request_id: String = r.try_get("request_id")?;
    let disputes = r
        .try_get::<Option<String>, _>("dispute_id")?
        .map(|d| Uuid::parse_str(&d).context("stored dispute id"))
        .transpose()?
        .into_iter()
        .collect();
    Ok((
        Objection {
            id: Uuid::parse_str(&id).context("stored objection id")?,
            registration_number: r.try_get("registration_number")?,
            request_id: Uuid::parse_str(&request_id).context("stored request id")?,
            request_registration_number: r.try_get("request_registration_number")?,
            agency_id: r.try_get("agency_id")?,
            grounds: split_list(&r.try_get::<String, _>("grounds")?, |g| {
                parse_named(g, ObjectionGround::parse, "objection ground")
            })?,
            grounds_arose: split_list(&r.try_get::<String, _>("grounds_arose")?, parse_date)?,
            statement: r.try_get("statement")?,
            file_time: from_ts(r.try_get("file_time")?)?,
            file_date: parse_date(&r.try_get::<String, _>("file_date")?)?,
            answer_due_date: parse_date(&r.try_get::<String, _>("answer_due_date")?)?,
            decision,
        },
        disputes,
    ))
}

async fn fetch_objection(conn: &mut Conn, id: Uuid) -> Result<Option<(Objection, Vec<Uuid>)>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        objection_columns!(),
        " FROM objections o JOIN requests r ON r.id = o.request_id WHERE o.id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(objection_from_row).transpose()
}

fn dispute_from_row(r: &DbRow) -> Result<Dispute> {
    let settlement = match r.try_get::<Option<String>, _>("outcome")? {
        Some(o) => Some(Settlement {
            outcome: parse_named(&o, DisputeOutcome::parse, "dispute outcome")?,
            decision_date: parse_date(
                &r.try_get::<Option<String>, _>("decision_date")?
                    .unwrap_or_default(),
            )?,
            decision_number: r
                .try_get::<Option<String>, _>("decision_number")?
                .unwrap_or_default(),
            summary: r.try_get("summary")?,
        }),
        None => None,
    };
    let id: String = r.try_get("id")?;
    let oid: String = r.try_get("objection_id")?;
    let rid: String = r.try_get("request_id")?;
    Ok(Dispute {
        id: Uuid::parse_str(&id).context("stored dispute id")?,
        objection_id: Uuid::parse_str(&oid).context("stored objection id")?,
        request_id: Uuid::parse_str(&rid).context("stored request id")?,
        commission_register_number: r.try_get("commission_register_number")?,
        file_time: from_ts(r.try_get("file_time")?)?,
        window_start: parse_date(&r.try_get::<String, _>("window_start")?)?,
        window_due: parse_date(&r.try_get::<String, _>("window_due")?)?,
        settlement,
    })
}

async fn fetch_dispute(conn: &mut Conn, id: Uuid) -> Result<Option<Dispute>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        dispute_columns!(),
        " FROM disputes WHERE id = $1"
    ))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(dispute_from_row).transpose()
}

fn join<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

impl Core {
    /// Appends an event to a request's history and bumps its version, for
    /// steps that live outside the request (objections, disputes); `next` is
    /// the request's new projection (its version already bumped).
    async fn append_request_event(
        &self,
        conn: &mut Conn,
        before: &Request,
        next: &Request,
        event: NewEvent,
        now: Timestamp,
        actor: &str,
    ) -> Result<()> {
        let agency = fetch_agency(conn, &next.agency_id)
            .await?
            .ok_or_else(|| agency_not_found(&next.agency_id))?;
        if !write_request(conn, next, &agency.path, before.version).await? {
            return Err(Error::Aborted(format!(
                "requests/{} changed concurrently; read it again and retry",
                next.id
            )));
        }
        insert_event(conn, next, &event, now, actor).await?;
        let tz = agency.tz();
        let change = stats::diff(
            &stats::request_contributions(before, &tz),
            &stats::request_contributions(next, &tz),
        );
        self.record_figures(conn, &change).await
    }
}

fn bumped(req: &Request, now: Timestamp) -> Request {
    let mut next = req.clone();
    next.version += 1;
    next.update_time = now;
    next
}

#[async_trait::async_trait]
impl crate::store::DikStore for SqlStore {
    #[tracing::instrument(skip_all, fields(agency = %e.agency_id))]
    async fn create_exemption(&self, e: Exemption) -> Result<Exemption> {
        let mut tx = begin_write(&self.pool).await?;
        fetch_agency(&mut tx, &e.agency_id)
            .await?
            .ok_or_else(|| agency_not_found(&e.agency_id))?;
        sqlx::query(
            "INSERT INTO exemptions (id, agency_id, information, letter, sub_item, other_law, harm, \
             public_interest_test, decree_number, decree_date, start_date, end_date, decided_by, create_time) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(e.id.to_string())
        .bind(&e.agency_id)
        .bind(&e.information)
        .bind(e.letter.as_str())
        .bind(&e.sub_item)
        .bind(&e.other_law)
        .bind(&e.harm)
        .bind(&e.public_interest_test)
        .bind(&e.decree_number)
        .bind(e.decree_date.to_string())
        .bind(e.start_date.to_string())
        .bind(e.end_date.map(|d| d.to_string()))
        .bind(&e.decided_by)
        .bind(ts(e.create_time))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn get_exemption(&self, agency_id: &str, id: Uuid) -> Result<(Exemption, i64)> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(concat!(
            "SELECT ",
            exemption_columns!(),
            " FROM exemptions WHERE id = $1 AND agency_id = $2"
        ))
        .bind(id.to_string())
        .bind(agency_id)
        .fetch_optional(&mut *conn)
        .await?;
        row.as_ref()
            .map(exemption_from_row)
            .transpose()?
            .ok_or_else(|| exemption_not_found(agency_id, id))
    }

    async fn list_exemptions(
        &self,
        agency: &Agency,
        filter: &ExemptionFilter,
        after: Option<(Date, Uuid)>,
        limit: i64,
    ) -> Result<Vec<(Exemption, i64)>> {
        let mut qb = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            exemption_columns!(),
            " FROM exemptions WHERE agency_id IN ("
        ));
        {
            // The agency and every agency above it (its path).
            let mut sep = qb.separated(", ");
            for id in agency.path.split('/').filter(|s| !s.is_empty()) {
                sep.push_bind(id.to_string());
            }
        }
        qb.push(")");
        if let Some(l) = filter.letter {
            qb.push(" AND letter = ").push_bind(l.as_str());
        }
        if !filter.statuses.is_empty() {
            let today = filter.today.to_string();
            qb.push(" AND (1 = 0");
            for s in &filter.statuses {
                match s {
                    ExemptionStatus::Revoked => {
                        qb.push(" OR (revoke_date IS NOT NULL AND revoke_date <= ")
                            .push_bind(today.clone())
                            .push(")");
                    }
                    ExemptionStatus::NotYetInForce => {
                        qb.push(" OR ((revoke_date IS NULL OR revoke_date > ")
                            .push_bind(today.clone())
                            .push(") AND start_date > ")
                            .push_bind(today.clone())
                            .push(")");
                    }
                    ExemptionStatus::Active => {
                        qb.push(" OR ((revoke_date IS NULL OR revoke_date > ")
                            .push_bind(today.clone())
                            .push(") AND start_date <= ")
                            .push_bind(today.clone())
                            .push(" AND (end_date IS NULL OR end_date >= ")
                            .push_bind(today.clone())
                            .push("))");
                    }
                    ExemptionStatus::Expired => {
                        qb.push(" OR ((revoke_date IS NULL OR revoke_date > ")
                            .push_bind(today.clone())
                            .push(") AND end_date < ")
                            .push_bind(today.clone())
                            .push(")");
                    }
                }
            }
            qb.push(")");
        }
        if let Some((d, id)) = after {
            qb.push(" AND (decree_date < ")
                .push_bind(d.to_string())
                .push(" OR (decree_date = ")
                .push_bind(d.to_string())
                .push(" AND id < ")
                .push_bind(id.to_string())
                .push("))");
        }
        qb.push(" ORDER BY decree_date DESC, id DESC LIMIT ")
            .push_bind(limit);
        let rows = qb.build().fetch_all(&self.pool).await?;
        rows.iter().map(exemption_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(exemption = %id))]
    async fn revoke_exemption(
        &self,
        agency_id: &str,
        id: Uuid,
        reason: String,
        now: Timestamp,
    ) -> Result<(Exemption, i64)> {
        let mut tx = begin_write(&self.pool).await?;
        let agency = fetch_agency(&mut tx, agency_id)
            .await?
            .ok_or_else(|| exemption_not_found(agency_id, id))?;
        let e = fetch_exemption(&mut tx, id)
            .await?
            .filter(|e| e.agency_id == agency_id)
            .ok_or_else(|| exemption_not_found(agency_id, id))?;
        if let Some(r) = &e.revoked {
            return Err(Error::precondition(
                "ALREADY_REVOKED",
                format!("{} was already revoked on {}", e.name(), r.date),
            ));
        }
        let day = time::local_date(now, &agency.tz());
        sqlx::query("UPDATE exemptions SET revoke_time = $1, revoke_date = $2, revoke_reason = $3 WHERE id = $4")
            .bind(ts(now))
            .bind(day.to_string())
            .bind(&reason)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.get_exemption(agency_id, id).await
    }

    #[tracing::instrument(skip_all, fields(request = %f.request_id))]
    async fn file_objection(
        &self,
        f: ObjectionFiling,
        now: Timestamp,
        actor: &str,
    ) -> Result<Objection> {
        let mut tx = begin_write(&self.pool).await?;
        let (req, _) = fetch_request(&mut tx, f.request_id)
            .await?
            .ok_or_else(|| request_not_found(f.request_id))?;
        let agency = fetch_agency(&mut tx, &req.agency_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("request's agency {} is missing", req.agency_id))?;
        let pending: Option<String> = sqlx::query_scalar(
            "SELECT registration_number FROM objections WHERE request_id = $1 AND decision IS NULL",
        )
        .bind(req.id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(number) = pending {
            return Err(Error::precondition(
                "OBJECTION_PENDING",
                format!("objection {number} on this request awaits the atasan's answer"),
            ));
        }
        let tz = agency.tz();
        let cal = self.calendar_in(&mut tx, &agency).await?;
        let file_time = f.file_time.unwrap_or(now);
        if file_time < req.receive_time {
            return Err(Error::invalid(
                "file_time",
                "is before the request was received",
            ));
        }
        let windows = objection::check_filing(&f.grounds, &req, &tz, &cal, file_time)?;
        let file_date = time::local_date(file_time, &tz);
        let answer = objection::answer_deadline(&cal, file_date)?;
        let seq = next_number(&mut tx, &agency.pemda_id, file_date.year(), "objection").await?;
        let o = Objection {
            id: f.id,
            registration_number: format!(
                "{}/KEB/{}/{seq:06}",
                agency.pemda_id.to_ascii_uppercase(),
                file_date.year()
            ),
            request_id: req.id,
            request_registration_number: req.registration_number.clone(),
            agency_id: agency.id.clone(),
            grounds: f.grounds.clone(),
            statement: f.statement,
            file_time,
            file_date,
            grounds_arose: windows.iter().map(|(_, arose, _)| *arose).collect(),
            answer_due_date: answer.due,
            decision: None,
        };
        sqlx::query(
            "INSERT INTO objections (id, registration_number, request_id, agency_id, agency_path, grounds, \
             grounds_arose, statement, file_time, file_date, answer_due_date, create_time) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(o.id.to_string())
        .bind(&o.registration_number)
        .bind(req.id.to_string())
        .bind(&agency.id)
        .bind(&agency.path)
        .bind(join(o.grounds.iter().map(|g| g.as_str())))
        .bind(join(&o.grounds_arose))
        .bind(&o.statement)
        .bind(ts(file_time))
        .bind(file_date.to_string())
        .bind(answer.due.to_string())
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        let mut details = BTreeMap::new();
        self.record_figures(&mut tx, &stats::objection_contributions(&o))
            .await?;
        details.insert("objection".to_string(), format!("objections/{}", o.id));
        details.insert(
            "objection_number".to_string(),
            o.registration_number.clone(),
        );
        details.insert(
            "grounds".to_string(),
            join(o.grounds.iter().map(|g| g.as_str())),
        );
        details.insert("answer_due_date".to_string(), answer.due.to_string());
        let event = NewEvent {
            kind: EventType::ObjectionFiled,
            event_time: file_time,
            summary: format!(
                "objection {} filed (Pasal 35(1) {}); the atasan's answer is due {}",
                o.registration_number,
                join(o.grounds.iter().map(|g| g.as_str())),
                answer.due
            ),
            details,
        };
        self.append_request_event(&mut tx, &req, &bumped(&req, now), event, now, actor)
            .await?;
        tx.commit().await?;
        Ok(o)
    }

    async fn get_objection(&self, id: Uuid) -> Result<(Objection, Vec<Uuid>)> {
        let mut conn = self.pool.acquire().await?;
        fetch_objection(&mut conn, id)
            .await?
            .ok_or_else(|| objection_not_found(id))
    }

    async fn list_objections(
        &self,
        request: Option<Uuid>,
        agency: Option<&Agency>,
        after: Option<(Timestamp, Uuid)>,
        limit: i64,
    ) -> Result<Vec<(Objection, Vec<Uuid>)>> {
        let mut qb = QueryBuilder::<Db>::new(concat!(
            "SELECT ",
            objection_columns!(),
            " FROM objections o JOIN requests r ON r.id = o.request_id WHERE 1 = 1"
        ));
        if let Some(r) = request {
            qb.push(" AND o.request_id = ").push_bind(r.to_string());
        }
        if let Some(a) = agency {
            push_subtree(&mut qb, "o.agency_path", &a.path);
        }
        if let Some((t, id)) = after {
            qb.push(" AND (o.file_time < ")
                .push_bind(ts(t))
                .push(" OR (o.file_time = ")
                .push_bind(ts(t))
                .push(" AND o.id < ")
                .push_bind(id.to_string())
                .push("))");
        }
        qb.push(" ORDER BY o.file_time DESC, o.id DESC LIMIT ")
            .push_bind(limit);
        let rows = qb.build().fetch_all(&self.pool).await?;
        rows.iter().map(objection_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(objection = %id))]
    async fn decide_objection(
        &self,
        id: Uuid,
        d: ObjectionDecisionInput,
        now: Timestamp,
        actor: &str,
    ) -> Result<(Objection, Vec<Uuid>)> {
        let mut tx = begin_write(&self.pool).await?;
        let (o, disputes) = fetch_objection(&mut tx, id)
            .await?
            .ok_or_else(|| objection_not_found(id))?;
        if let Some(a) = &o.decision {
            return Err(Error::precondition(
                "ALREADY_DECIDED",
                format!(
                    "objection {} was already answered on {}",
                    o.registration_number, a.decide_date
                ),
            ));
        }
        let (req, _) = fetch_request(&mut tx, o.request_id)
            .await?
            .ok_or_else(|| request_not_found(o.request_id))?;
        let agency = fetch_agency(&mut tx, &req.agency_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("request's agency {} is missing", req.agency_id))?;
        let tz = agency.tz();
        let decide_time = d.decide_time.unwrap_or(now);
        if decide_time < o.file_time {
            return Err(Error::invalid(
                "decide_time",
                "is before the objection was filed",
            ));
        }
        let decide_date = time::local_date(decide_time, &tz);
        let on_time = decide_date <= o.answer_due_date;
        let mut next = bumped(&req, now);
        let mut reopened = None;
        if d.decision == ObjectionDecision::Overturned && req.state != RequestState::Withdrawn {
            let cal = self.calendar_in(&mut tx, &agency).await?;
            next = lifecycle::reopen(
                &req,
                decide_date,
                self.settings.objection_reopen_working_days,
                &cal,
                &tz,
                now,
            )?;
            reopened = next.due_date;
        }
        sqlx::query(
            "UPDATE objections SET decision = $1, extent = $2, reasons = $3, superior_name = $4, \
             superior_position = $5, decide_time = $6, decide_date = $7, answered_on_time = $8, \
             reopened_due_date = $9 WHERE id = $10",
        )
        .bind(d.decision.as_str())
        .bind(d.extent.as_str())
        .bind(&d.reasons)
        .bind(&d.superior_name)
        .bind(&d.superior_position)
        .bind(ts(decide_time))
        .bind(decide_date.to_string())
        .bind(on_time)
        .bind(reopened.map(|r| r.to_string()))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        let mut details = BTreeMap::new();
        let mut decided = o.clone();
        decided.decision = Some(ObjectionAnswer {
            decision: d.decision,
            extent: d.extent,
            reasons: d.reasons.clone(),
            superior_name: d.superior_name.clone(),
            superior_position: d.superior_position.clone(),
            decide_time,
            decide_date,
            on_time,
            reopened_due_date: reopened,
        });
        self.record_figures(
            &mut tx,
            &stats::diff(
                &stats::objection_contributions(&o),
                &stats::objection_contributions(&decided),
            ),
        )
        .await?;
        details.insert("objection".to_string(), format!("objections/{id}"));
        details.insert("decision".to_string(), d.decision.as_str().to_string());
        details.insert("extent".to_string(), d.extent.as_str().to_string());
        details.insert("answered_on_time".to_string(), on_time.to_string());
        details.insert("superior_position".to_string(), d.superior_position.clone());
        let mut summary = format!(
            "objection {} {} {} by the atasan ({}){}",
            o.registration_number,
            d.decision.as_str(),
            d.extent.as_str(),
            d.superior_position,
            if on_time { "" } else { ", answered late" }
        );
        if let Some(due) = reopened {
            details.insert("due_date".to_string(), due.to_string());
            summary.push_str(&format!("; the request goes back to the PPID, due {due}"));
        }
        let event = NewEvent {
            kind: EventType::ObjectionDecided,
            event_time: decide_time,
            summary,
            details,
        };
        self.append_request_event(&mut tx, &req, &next, event, now, actor)
            .await?;
        tx.commit().await?;
        Ok((decided, disputes))
    }

    #[tracing::instrument(skip_all, fields(objection = %objection_id))]
    async fn file_dispute(
        &self,
        id: Uuid,
        objection_id: Uuid,
        file_time: Option<Timestamp>,
        commission_register_number: Option<String>,
        now: Timestamp,
        actor: &str,
    ) -> Result<Dispute> {
        let mut tx = begin_write(&self.pool).await?;
        let (o, disputes) = fetch_objection(&mut tx, objection_id)
            .await?
            .ok_or_else(|| objection_not_found(objection_id))?;
        if let Some(existing) = disputes.first() {
            return Err(Error::precondition(
                "DISPUTE_ALREADY_FILED",
                format!(
                    "objection {} already went to the Komisi Informasi as disputes/{existing}",
                    o.registration_number
                ),
            ));
        }
        let (req, _) = fetch_request(&mut tx, o.request_id)
            .await?
            .ok_or_else(|| request_not_found(o.request_id))?;
        let agency = fetch_agency(&mut tx, &o.agency_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("objection's agency {} is missing", o.agency_id))?;
        let tz = agency.tz();
        let cal = self.calendar_in(&mut tx, &agency).await?;
        let file_time = file_time.unwrap_or(now);
        let file_day = time::local_date(file_time, &tz);
        let Some(window) = objection::dispute_window(&cal, &o, file_day)? else {
            return Err(Error::precondition(
                "OBJECTION_NOT_DECIDED",
                format!(
                    "objection {} has not been answered and its answer is due on {}: a dispute can be filed after the answer, or after that date",
                    o.registration_number, o.answer_due_date
                ),
            ));
        };
        if file_day < window.start {
            return Err(Error::invalid("file_time", "is before the atasan's answer"));
        }
        if file_day > window.due {
            return Err(Error::precondition(
                "DISPUTE_TOO_LATE",
                format!(
                    "a dispute had to be filed within 14 working days after {}, by {} (filed {file_day})",
                    window.start, window.due
                ),
            ));
        }
        let dispute = Dispute {
            id,
            objection_id,
            request_id: req.id,
            commission_register_number,
            file_time,
            window_start: window.start,
            window_due: window.due,
            settlement: None,
        };
        sqlx::query(
            "INSERT INTO disputes (id, objection_id, request_id, commission_register_number, file_time, \
             window_start, window_due, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.to_string())
        .bind(objection_id.to_string())
        .bind(req.id.to_string())
        .bind(&dispute.commission_register_number)
        .bind(ts(file_time))
        .bind(window.start.to_string())
        .bind(window.due.to_string())
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        self.record_figures(
            &mut tx,
            &stats::dispute_contributions(&dispute, &o.agency_id, &tz),
        )
        .await?;
        let mut details = BTreeMap::new();
        details.insert("dispute".to_string(), format!("disputes/{id}"));
        details.insert(
            "objection".to_string(),
            format!("objections/{objection_id}"),
        );
        details.insert("window_due_date".to_string(), window.due.to_string());
        let event = NewEvent {
            kind: EventType::DisputeFiled,
            event_time: file_time,
            summary: format!(
                "dispute filed with the Komisi Informasi on objection {}",
                o.registration_number
            ),
            details,
        };
        self.append_request_event(&mut tx, &req, &bumped(&req, now), event, now, actor)
            .await?;
        tx.commit().await?;
        Ok(dispute)
    }

    async fn get_dispute(&self, id: Uuid) -> Result<Dispute> {
        let mut conn = self.pool.acquire().await?;
        fetch_dispute(&mut conn, id)
            .await?
            .ok_or_else(|| dispute_not_found(id))
    }

    #[tracing::instrument(skip_all, fields(dispute = %id))]
    async fn record_dispute_outcome(
        &self,
        id: Uuid,
        s: Settlement,
        now: Timestamp,
        actor: &str,
    ) -> Result<Dispute> {
        let mut tx = begin_write(&self.pool).await?;
        let dispute = fetch_dispute(&mut tx, id)
            .await?
            .ok_or_else(|| dispute_not_found(id))?;
        if let Some(prev) = &dispute.settlement {
            return Err(Error::precondition(
                "ALREADY_SETTLED",
                format!(
                    "disputes/{id} was already settled ({}, {})",
                    prev.outcome, prev.decision_number
                ),
            ));
        }
        let (req, _) = fetch_request(&mut tx, dispute.request_id)
            .await?
            .ok_or_else(|| request_not_found(dispute.request_id))?;
        let agency = fetch_agency(&mut tx, &req.agency_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("request's agency {} is missing", req.agency_id))?;
        let tz = agency.tz();
        if s.decision_date < time::local_date(dispute.file_time, &tz) {
            return Err(Error::invalid(
                "decision_date",
                "is before the dispute was filed",
            ));
        }
        if s.decision_date > time::local_date(now, &tz) {
            return Err(Error::invalid("decision_date", "is in the future"));
        }
        sqlx::query("UPDATE disputes SET outcome = $1, decision_date = $2, decision_number = $3, summary = $4 WHERE id = $5")
            .bind(s.outcome.as_str())
            .bind(s.decision_date.to_string())
            .bind(&s.decision_number)
            .bind(&s.summary)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        let mut details = BTreeMap::new();
        details.insert("dispute".to_string(), format!("disputes/{id}"));
        let (objection, _) = fetch_objection(&mut tx, dispute.objection_id)
            .await?
            .ok_or_else(|| objection_not_found(dispute.objection_id))?;
        let mut settled = dispute.clone();
        settled.settlement = Some(s.clone());
        self.record_figures(
            &mut tx,
            &stats::diff(
                &stats::dispute_contributions(&dispute, &objection.agency_id, &tz),
                &stats::dispute_contributions(&settled, &objection.agency_id, &tz),
            ),
        )
        .await?;
        details.insert("outcome".to_string(), s.outcome.as_str().to_string());
        details.insert("decision_number".to_string(), s.decision_number.clone());
        details.insert("decision_date".to_string(), s.decision_date.to_string());
        let event = NewEvent {
            kind: EventType::DisputeSettled,
            event_time: now,
            summary: format!(
                "dispute settled by the Komisi Informasi: {} ({})",
                s.outcome, s.decision_number
            ),
            details,
        };
        self.append_request_event(&mut tx, &req, &bumped(&req, now), event, now, actor)
            .await?;
        tx.commit().await?;
        Ok(settled)
    }
}
