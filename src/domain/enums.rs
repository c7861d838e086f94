//! The closed vocabularies of the register, each with a stable storage name.

/// Defines an enum with a stable snake_case name per variant, used in storage
/// and event details (never the Debug name, so renaming a variant is safe).
macro_rules! named_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The stable storage name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            /// Parses a storage name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Stored documents (JSON) carry the storage name too.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    <D::Error as serde::de::Error>::custom(format!(
                        "unknown {} {s:?}", stringify!($name)
                    ))
                })
            }
        }
    };
}

named_enum! {
    /// Kind of public body (badan publik).
    pub enum AgencyKind {
        /// Pemerintah Daerah: its PPID is the PPID Utama.
        Pemda = "pemda",
        /// Organisasi Perangkat Daerah, with a PPID Pelaksana.
        Opd = "opd",
        /// Any other public body.
        OtherPublicBody = "other_public_body",
    }
}

named_enum! {
    /// How a request arrived.
    pub enum Channel {
        /// Web form.
        WebForm = "web_form",
        /// At the desk.
        WalkIn = "walk_in",
        /// Email.
        Email = "email",
        /// Letter.
        Letter = "letter",
        /// Telephone.
        Phone = "phone",
        /// Another agency's portal or an intake system.
        AgencyPortal = "agency_portal",
    }
}

named_enum! {
    /// How the requester wants to obtain the information.
    pub enum AccessMethod {
        /// Melihat, membaca, mendengarkan, mencatat.
        Inspect = "inspect",
        /// Mendapatkan salinan.
        Copy = "copy",
    }
}

named_enum! {
    /// Form of a copy.
    pub enum CopyForm {
        /// Electronic.
        Softcopy = "softcopy",
        /// Paper.
        Hardcopy = "hardcopy",
    }
}

named_enum! {
    /// Delivery of the information.
    pub enum DeliveryMethod {
        /// Collected in person.
        PickUp = "pick_up",
        /// Courier.
        Courier = "courier",
        /// Post.
        Post = "post",
        /// Fax.
        Fax = "fax",
        /// Email.
        Email = "email",
    }
}

named_enum! {
    /// Individual, group or legal entity (perorangan, kelompok orang, badan hukum).
    pub enum RequesterType {
        /// A person.
        Individual = "individual",
        /// A group of people.
        Group = "group",
        /// A legal entity.
        LegalEntity = "legal_entity",
    }
}

named_enum! {
    /// The decision in the written notice (pemberitahuan tertulis, Pasal 22(7)).
    pub enum Outcome {
        /// Diberikan seluruhnya.
        Granted = "granted",
        /// Diberikan sebagian.
        PartiallyGranted = "partially_granted",
        /// Ditolak: dikecualikan under Pasal 17.
        Rejected = "rejected",
        /// Tidak dikuasai.
        NotHeld = "not_held",
        /// Belum didokumentasikan.
        NotYetDocumented = "not_yet_documented",
    }
}

impl Outcome {
    /// Whether the notice withholds something and so must cite Pasal 17.
    pub fn withholds(self) -> bool {
        matches!(self, Outcome::Rejected | Outcome::PartiallyGranted)
    }

    /// Whether information is handed over after the notice.
    pub fn gives_information(self) -> bool {
        matches!(self, Outcome::Granted | Outcome::PartiallyGranted)
    }
}

named_enum! {
    /// UU KIP Pasal 17: the only grounds on which information may be withheld.
    pub enum ExemptionLetter {
        /// a. Law enforcement.
        A = "a",
        /// b. Intellectual property and fair competition.
        B = "b",
        /// c. Defence and security.
        C = "c",
        /// d. Natural wealth.
        D = "d",
        /// e. National economic resilience.
        E = "e",
        /// f. Foreign relations.
        F = "f",
        /// g. Authentic personal deeds and wills.
        G = "g",
        /// h. Personal secrets.
        H = "h",
        /// i. Confidential memoranda.
        I = "i",
        /// j. Information another law forbids disclosing.
        J = "j",
    }
}

named_enum! {
    /// Where a request is in its lifecycle.
    pub enum RequestState {
        /// Awaiting the written notice; the clock runs.
        Pending = "pending",
        /// Returned for completion; the clock is paused.
        AwaitingCompletion = "awaiting_completion",
        /// The written notice was given.
        Responded = "responded",
        /// The information was delivered.
        Delivered = "delivered",
        /// Withdrawn by the requester.
        Withdrawn = "withdrawn",
    }
}

impl RequestState {
    /// The states of an open request: no written notice yet, not withdrawn.
    /// The one definition of "open": backlogs, the oldest pending and the
    /// figures' open counts (received, less decided and withdrawn) use it.
    pub const OPEN: [RequestState; 2] = [RequestState::Pending, RequestState::AwaitingCompletion];

    /// Whether a request in this state is open (see [`Self::OPEN`]).
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The states in which the legal clock runs (it is paused while the
    /// requester completes the request): only a running clock can be overdue
    /// or be moved by a holiday edit.
    pub const CLOCK_RUNS: [RequestState; 1] = [RequestState::Pending];

    /// Whether the legal clock runs (see [`Self::CLOCK_RUNS`]).
    pub fn clock_runs(self) -> bool {
        Self::CLOCK_RUNS.contains(&self)
    }
}

named_enum! {
    /// What an entry of a request's history records.
    pub enum EventType {
        /// Registered.
        Submitted = "submitted",
        /// Returned for completion.
        ReturnedForCompletion = "returned_for_completion",
        /// Completed and resubmitted.
        Resubmitted = "resubmitted",
        /// Forwarded to another agency.
        Forwarded = "forwarded",
        /// Deadline extended.
        Extended = "extended",
        /// Written notice given.
        Responded = "responded",
        /// Information delivered.
        Delivered = "delivered",
        /// Withdrawn.
        Withdrawn = "withdrawn",
        /// Due date moved by a calendar change.
        DueDateChanged = "due_date_changed",
        /// An objection was filed.
        ObjectionFiled = "objection_filed",
        /// The atasan answered an objection.
        ObjectionDecided = "objection_decided",
        /// A dispute was filed.
        DisputeFiled = "dispute_filed",
        /// A dispute was settled.
        DisputeSettled = "dispute_settled",
        /// The requester received the written notice (e.g. by post).
        NoticeReceived = "notice_received",
        /// The requester received the atasan's answer to an objection.
        ObjectionAnswerReceived = "objection_answer_received",
        /// An objection's answer due date or dispute window moved because
        /// the holiday calendar changed.
        ObjectionDeadlineChanged = "objection_deadline_changed",
        /// A step of a dispute before the Komisi Informasi or the courts.
        DisputeStepRecorded = "dispute_step_recorded",
    }
}

named_enum! {
    /// Grounds of an objection (keberatan), UU KIP Pasal 35(1) a–g.
    pub enum ObjectionGround {
        /// a. Rejection under Pasal 17.
        Rejected = "a",
        /// b. Periodic information not provided.
        PeriodicNotProvided = "b",
        /// c. Request not answered.
        NotAnswered = "c",
        /// d. Answered other than as requested.
        AnsweredOtherwise = "d",
        /// e. Request not fulfilled.
        NotFulfilled = "e",
        /// f. Unreasonable fee.
        UnreasonableFee = "f",
        /// g. Answered later than the law allows.
        AnsweredLate = "g",
    }
}

named_enum! {
    /// The atasan's answer to an objection (Pasal 36).
    pub enum ObjectionDecision {
        /// The PPID's answer stands; written reasons required.
        Upheld = "upheld",
        /// The objection is granted.
        Overturned = "overturned",
        /// Not admissible (tidak dapat diterima): late, or on a ground that
        /// does not fit; written reasons required.
        Inadmissible = "inadmissible",
    }
}

named_enum! {
    /// What an overturned objection did (UU KIP Pasal 35-36).
    pub enum OverturnEffect {
        /// Grounds a-e: the request went back to the PPID for a new answer.
        Reopened = "reopened",
        /// Ground f alone: the fee was corrected and the difference refunded.
        FeeCorrected = "fee_corrected",
        /// Ground g alone: the lateness is acknowledged; nothing reopens.
        Acknowledged = "acknowledged",
        /// Ground b without a request: the agency is to publish.
        PublicationOrdered = "publication_ordered",
    }
}

named_enum! {
    /// When a dispute was filed, against the window of Pasal 37(2). The
    /// Komisi Informasi decides admissibility; the register only says.
    pub enum FilingTiming {
        /// Within the 14 working days.
        WithinWindow = "within_window",
        /// After them.
        Late = "late",
        /// Before the atasan answered or the answer window passed.
        Early = "early",
    }
}

named_enum! {
    /// Whether a ground of an objection could be raised when it was filed,
    /// as the register computed it (the atasan decides).
    pub enum Admissibility {
        /// Raised within its window, on a ground that fits the request.
        Admissible = "admissible",
        /// Raised after its 30-working-day window (Pasal 35(2)).
        Late = "late",
        /// The ground does not fit the request as it stood.
        NotApplicable = "not_applicable",
    }
}

named_enum! {
    /// How far an objection decision goes.
    pub enum DecisionExtent {
        /// Wholly.
        Wholly = "wholly",
        /// In part.
        Partly = "partly",
    }
}

named_enum! {
    /// How the Komisi Informasi settled a dispute (sengketa, Pasal 37–39).
    pub enum DisputeOutcome {
        /// Mediation agreement.
        MediationAgreement = "mediation_agreement",
        /// Adjudication: request granted.
        AdjudicationGranted = "adjudication_granted",
        /// Adjudication: granted in part.
        AdjudicationPartlyGranted = "adjudication_partly_granted",
        /// Adjudication: refused.
        AdjudicationRefused = "adjudication_refused",
        /// Not admissible (e.g. filed late, or without an objection first).
        Inadmissible = "inadmissible",
        /// Withdrawn by the requester.
        Withdrawn = "withdrawn",
    }
}

named_enum! {
    /// Where a dispute stands before the Komisi Informasi and the courts
    /// (UU KIP Pasal 37-50; Perki 1/2013 on dispute procedure).
    pub enum DisputeStage {
        /// Filed with the Komisi Informasi.
        Registered = "registered",
        /// In mediation (mediasi).
        Mediation = "mediation",
        /// Mediation failed; awaiting adjudication.
        MediationFailed = "mediation_failed",
        /// In adjudication (ajudikasi): hearings held.
        Adjudication = "adjudication",
        /// The Komisi Informasi decided (or the dispute was settled, withdrawn).
        Decided = "decided",
        /// Appealed to the PTUN or the PN (Pasal 47-48).
        Appealed = "appealed",
        /// The court decided.
        CourtDecided = "court_decided",
        /// In cassation at the Mahkamah Agung (Pasal 50).
        Cassation = "cassation",
        /// The Mahkamah Agung decided.
        CassationDecided = "cassation_decided",
    }
}

named_enum! {
    /// The court of an appeal against a Komisi Informasi decision (Pasal 47).
    pub enum Court {
        /// Pengadilan Tata Usaha Negara: for state public bodies.
        Ptun = "ptun",
        /// Pengadilan Negeri: for other public bodies.
        Pn = "pn",
    }
}

named_enum! {
    /// A party to a dispute.
    pub enum Party {
        /// The public body (termohon).
        Agency = "agency",
        /// The requester (pemohon).
        Requester = "requester",
    }
}

named_enum! {
    /// What a court did with the decision before it.
    pub enum CourtOutcome {
        /// The decision stands.
        Upheld = "upheld",
        /// The decision is overturned.
        Overturned = "overturned",
        /// Overturned in part.
        PartlyOverturned = "partly_overturned",
        /// The appeal is not admissible.
        Inadmissible = "inadmissible",
    }
}

named_enum! {
    /// What an API key may do (see `domain::access`).
    pub enum Role {
        /// PPID Utama: everything within its Pemda (no agency: the operator,
        /// everything everywhere).
        Admin = "admin",
        /// PPID Pelaksana: requests, exemptions and figures of its agency
        /// and sub-agencies.
        Officer = "officer",
        /// Atasan PPID: decides the objections of its Pemda.
        Superior = "superior",
        /// A web form or portal: submits requests, reads back its own.
        Intake = "intake",
        /// Reporting jobs: figures, rankings, reports and exports, without
        /// personal data.
        Reader = "reader",
    }
}

named_enum! {
    /// What a DIK entry covers, so that UU KIP Pasal 18 can be checked:
    /// free text alone cannot be.
    pub enum InformationCategory {
        /// Anything else (no Pasal 18 rule applies by category).
        General = "general",
        /// A person's personal data or secrets (Pasal 17 letters g, h; j
        /// under the personal-data law): disclosable under Pasal 18(2).
        PersonalData = "personal_data",
        /// Pasal 18(1)(a): court decisions.
        CourtDecision = "court_decision",
        /// Pasal 18(1)(b): decrees, decisions, regulations, circulars and
        /// other policies, binding or not, and law enforcers' considerations.
        Policy = "policy",
        /// Pasal 18(1)(c): orders ending an investigation or prosecution.
        InvestigationTermination = "investigation_termination",
        /// Pasal 18(1)(d): law enforcers' annual spending plans.
        LawEnforcementSpendingPlan = "law_enforcement_spending_plan",
        /// Pasal 18(1)(e): law enforcers' annual financial reports.
        LawEnforcementFinancialReport = "law_enforcement_financial_report",
        /// Pasal 18(1)(f): reports on corruption proceeds recovered.
        CorruptionRecoveryReport = "corruption_recovery_report",
        /// Pasal 18(1)(g) with Pasal 11(2): information declared open after
        /// an objection or a dispute.
        OpenedByObjectionOrDispute = "opened_by_objection_or_dispute",
    }
}

named_enum! {
    /// Why personal information asked for is not exempt from this
    /// requester (UU KIP Pasal 18(2)); recorded at intake.
    pub enum PersonalInformationBasis {
        /// The requester is the person the information is about: letters g
        /// and h protect a person's secrets from others, not from the person.
        OwnData = "own_data",
        /// The person whose secret it is consented in writing (Pasal 18(2)(a)).
        WrittenConsent = "written_consent",
        /// It concerns the person's position in a public office (Pasal 18(2)(b)).
        PublicOffice = "public_office",
    }
}

named_enum! {
    /// A letter written from the register (the forms annexed to Perki KI
    /// 1/2021 on service standards).
    pub enum LetterKind {
        /// Tanda bukti penerimaan permohonan.
        Receipt = "receipt",
        /// Permintaan melengkapi permohonan.
        CompletionRequest = "completion_request",
        /// Pemberitahuan tertulis: diberikan seluruhnya.
        NoticeGranted = "notice_granted",
        /// Pemberitahuan tertulis: diberikan sebagian.
        NoticePartiallyGranted = "notice_partially_granted",
        /// Pemberitahuan tertulis: ditolak (Pasal 17).
        NoticeRejected = "notice_rejected",
        /// Pemberitahuan tertulis: tidak dikuasai.
        NoticeNotHeld = "notice_not_held",
        /// Pemberitahuan tertulis: belum didokumentasikan.
        NoticeNotYetDocumented = "notice_not_yet_documented",
        /// Pemberitahuan perpanjangan jangka waktu (Pasal 22(8)).
        Extension = "extension",
        /// Tanda bukti penyerahan informasi.
        HandoverReceipt = "handover_receipt",
        /// Tanda bukti penerimaan keberatan.
        ObjectionReceipt = "objection_receipt",
        /// Tanggapan atasan PPID atas keberatan.
        ObjectionAnswer = "objection_answer",
    }
}

named_enum! {
    /// The kinds of information a body publishes on its own (UU KIP Pasal 9–11).
    pub enum InformationKind {
        /// Berkala (Pasal 9): announced periodically, at least every six months.
        Berkala = "berkala",
        /// Serta-merta (Pasal 10): announced at once, what threatens lives
        /// and public order.
        SertaMerta = "serta_merta",
        /// Setiap saat (Pasal 11): available at any time.
        SetiapSaat = "setiap_saat",
    }
}

impl InformationKind {
    /// The Indonesian name, as DIPs print it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Berkala => "Berkala",
            Self::SertaMerta => "Serta-merta",
            Self::SetiapSaat => "Setiap saat",
        }
    }

    /// The English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::Berkala => "Periodic",
            Self::SertaMerta => "Immediate",
            Self::SetiapSaat => "Available at any time",
        }
    }
}
