//! Who may do what: API keys, roles, scopes, personal-data masking and
//! public tracking codes. Pure functions; the API layer applies them.
use hmac::{Hmac, Mac};
use jiff::Timestamp;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::domain::{Role, agency::Agency};

/// A stored API key (its token is never stored, only its hash).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// Public id (`keys/{id}`).
    pub id: String,
    /// A label for people ("portal kota serang").
    pub name: String,
    /// Its powers.
    pub role: Role,
    /// The agency it is bound to; `None` for the operator's keys.
    pub agency_id: Option<String>,
    /// When made.
    pub create_time: Timestamp,
    /// Who made it.
    pub created_by: String,
    /// When revoked, if it was.
    pub revoke_time: Option<Timestamp>,
}

/// A new key and the token to hand out once.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    /// Id.
    pub id: String,
    /// `ppid_{id}_{secret}`: shown once.
    pub token: String,
    /// What to store.
    pub token_hash: String,
}

/// Makes a key id and token: 32 random bytes of secret.
pub fn issue_key() -> IssuedKey {
    let mut rng = rand::rng();
    let mut id = [0u8; 8];
    rng.fill_bytes(&mut id);
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let id = hex(&id);
    let token = format!("ppid_{id}_{}", hex(&secret));
    let token_hash = token_hash(&token);
    IssuedKey {
        id,
        token,
        token_hash,
    }
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An authenticated caller and what it reaches.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The key.
    pub key_id: String,
    /// Its label.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The agency whose subtree it reaches (`None`: everything). Admins
    /// and superiors reach their whole Pemda; officers, intake and readers
    /// their agency's subtree.
    pub scope: Option<Agency>,
}

impl Principal {
    /// The caller bound to `key` (with its agency and that agency's Pemda).
    pub fn new(key: &ApiKey, agency: Option<Agency>, pemda: Option<Agency>) -> Self {
        let scope = match key.role {
            Role::Admin | Role::Superior => pemda.or(agency),
            Role::Officer | Role::Intake | Role::Reader => agency,
        };
        Self {
            key_id: key.id.clone(),
            name: key.name.clone(),
            role: key.role,
            scope,
        }
    }

    /// The path of the subtree it reaches (`None`: everything).
    pub fn scope_path(&self) -> Option<&str> {
        self.scope.as_ref().map(|a| a.path.as_str())
    }

    /// Whether the agency at `path` is within reach.
    pub fn reaches(&self, path: &str) -> bool {
        self.scope_path()
            .is_none_or(|scope| path.starts_with(scope))
    }

    /// Whether this caller sees requesters' personal data of requests
    /// handled at `path`: admins and the handling agency's officers.
    pub fn sees_personal_data(&self, path: &str) -> bool {
        matches!(self.role, Role::Admin | Role::Officer) && self.reaches(path)
    }

    /// The name written in event histories: the label, then the key id
    /// in a suffix only the service writes (labels may not hold
    /// parentheses, see [`check_label`]).
    pub fn actor(&self) -> String {
        format!("{} (key {})", self.name, self.key_id)
    }

    /// The operator: an admin bound to no agency.
    pub fn is_operator(&self) -> bool {
        self.role == Role::Admin && self.scope.is_none()
    }
}

/// Whether a key can manage keys (make and revoke them over gRPC): admins.
pub fn manages_keys(role: Role) -> bool {
    role == Role::Admin
}

/// Whether revoking `key` would leave no active key that can manage keys,
/// when `other_managers` such keys stay active. Refused over gRPC (and by
/// `ppid keys revoke` unless forced), so a deployment does not lock itself
/// out of its own keys by accident; `ppid keys create` on the database
/// always recovers.
pub fn revoking_leaves_no_manager(key: &ApiKey, other_managers: i64) -> bool {
    key.revoke_time.is_none() && manages_keys(key.role) && other_managers == 0
}

/// Masks all but the last `keep` characters: `************1234`.
pub fn mask_tail(value: &str, keep: usize) -> String {
    let n = value.chars().count();
    if n == 0 {
        return String::new();
    }
    let keep = keep.min(n / 2);
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i < n - keep { '*' } else { c })
        .collect()
}

/// `s***@contoh.id`: the first letter and the domain.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => mask_tail(email, 0),
    }
}

/// A whole address hidden: it says where someone lives.
pub fn mask_address(address: &str) -> String {
    if address.is_empty() {
        String::new()
    } else {
        "***".into()
    }
}

type HmacSha256 = Hmac<Sha256>;

/// Characters of a tracking code: no 0/O, 1/I/L, so it can be read aloud.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// The public tracking code of a request: derived from the server's secret
/// and the request id, so it needs no storage, is the same on every retry of
/// the submission, and cannot be guessed without the secret.
pub fn tracking_code(secret: &[u8], request_id: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(request_id.as_bytes());
    let digest = mac.finalize().into_bytes();
    let code: String = digest
        .iter()
        .take(12)
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..])
}

/// Compares a presented code with the expected one in constant time
/// (ignoring case and spacing, as people type them).
pub fn code_matches(expected: &str, presented: &str) -> bool {
    let norm = |s: &str| -> Vec<u8> {
        s.bytes()
            .filter(|b| !matches!(b, b'-' | b' '))
            .map(|b| b.to_ascii_uppercase())
            .collect()
    };
    let (a, b) = (norm(expected), norm(presented));
    let mut diff = a.len() ^ b.len();
    for (x, y) in a.iter().zip(b.iter()) {
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// A fresh secret for tracking codes.
pub fn new_secret() -> String {
    let mut s = [0u8; 32];
    rand::rng().fill_bytes(&mut s);
    hex(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_key_manager_is_kept() {
        let key = |role, revoked: bool| ApiKey {
            id: "k".into(),
            name: "k".into(),
            role,
            agency_id: None,
            create_time: Timestamp::UNIX_EPOCH,
            created_by: "t".into(),
            revoke_time: revoked.then_some(Timestamp::UNIX_EPOCH),
        };
        // (key, other active managers, refused)
        let cases = [
            (key(Role::Admin, false), 0, true),
            (key(Role::Admin, false), 1, false),
            (key(Role::Admin, true), 0, false), // already revoked: idempotent
            (key(Role::Officer, false), 0, false),
            (key(Role::Reader, false), 0, false),
            (key(Role::Superior, false), 0, false),
            (key(Role::Intake, false), 0, false),
        ];
        for (k, others, refused) in cases {
            assert_eq!(
                revoking_leaves_no_manager(&k, others),
                refused,
                "{k:?} {others}"
            );
        }
    }

    #[test]
    fn masks() {
        let cases = [
            (mask_tail("3604010101900001", 4), "************0001"),
            (mask_tail("081234567890", 3), "*********890"),
            (mask_tail("12", 4), "*2"),
            (mask_tail("", 4), ""),
            (mask_email("siti.rahayu@contoh.id"), "s***@contoh.id"),
            (mask_address("Jl. Ki Mas Jong No. 5"), "***"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn tokens_hash_and_differ() {
        let a = issue_key();
        let b = issue_key();
        assert_ne!(a.token, b.token);
        assert_eq!(token_hash(&a.token), a.token_hash);
        assert!(a.token.starts_with(&format!("ppid_{}_", a.id)));
        assert!(!a.token_hash.contains(&a.token));
    }

    #[test]
    fn tracking_codes() {
        let code = tracking_code(b"secret", "0193c3a2-0000-7000-8000-000000000001");
        assert_eq!(code.len(), 14);
        assert_eq!(
            code,
            tracking_code(b"secret", "0193c3a2-0000-7000-8000-000000000001")
        );
        assert_ne!(
            code,
            tracking_code(b"other", "0193c3a2-0000-7000-8000-000000000001")
        );
        assert!(code_matches(&code, &code.to_lowercase().replace('-', " ")));
        assert!(!code_matches(&code, &code[..13]));
        assert!(!code_matches(&code, ""));
    }

    fn key(role: Role) -> ApiKey {
        ApiKey {
            id: "k1".into(),
            name: "n".into(),
            role,
            agency_id: Some("dinkes".into()),
            create_time: Timestamp::UNIX_EPOCH,
            created_by: "t".into(),
            revoke_time: None,
        }
    }

    fn agency(id: &str, path: &str) -> Agency {
        Agency {
            id: id.into(),
            display_name: id.into(),
            kind: crate::domain::AgencyKind::Opd,
            parent_id: None,
            pemda_id: "kota".into(),
            path: path.into(),
            time_zone: "Asia/Jakarta".into(),
            comparison_group: "g".into(),
            create_time: Timestamp::UNIX_EPOCH,
            update_time: Timestamp::UNIX_EPOCH,
            version: 1,
        }
    }

    #[test]
    fn scopes_and_personal_data() {
        let dinkes = agency("dinkes", "/kota/dinkes/");
        let kota = agency("kota", "/kota/");
        // (role, reaches dinkes, reaches disdik, sees personal data at dinkes)
        let table = [
            (Role::Admin, true, true, true),
            (Role::Officer, true, false, true),
            (Role::Superior, true, true, false),
            (Role::Intake, true, false, false),
            (Role::Reader, true, false, false),
        ];
        for (role, own, other, pii) in table {
            let p = Principal::new(&key(role), Some(dinkes.clone()), Some(kota.clone()));
            assert_eq!(p.reaches("/kota/dinkes/"), own, "{role}");
            assert_eq!(p.reaches("/kota/disdik/"), other, "{role}");
            assert_eq!(p.sees_personal_data("/kota/dinkes/"), pii, "{role}");
            assert!(!p.reaches("/kab/dinkes/"), "{role}: another Pemda");
        }
    }
}

/// Why a key's label (or an open-mode actor name) is refused: histories
/// append "(key <id>)" to it, so a label with parentheses could pose as
/// another key.
pub fn check_label(label: &str) -> Option<&'static str> {
    if label.contains(['(', ')', '[', ']']) {
        Some("may not contain parentheses or brackets: histories append \"(key <id>)\" to it")
    } else if label.chars().any(char::is_control) {
        Some("may not contain control characters")
    } else {
        None
    }
}

/// Splits an event's actor into its label and the acting key's id, from the
/// suffix the service appends (the last " (key <id>)"); `None` when no key
/// acted (open mode, the CLI, the portal).
pub fn split_actor(actor: &str) -> (&str, Option<&str>) {
    if let Some(head) = actor.strip_suffix(')')
        && let Some((label, id)) = head.rsplit_once(" (key ")
        && !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return (label, Some(id));
    }
    (actor, None)
}

#[cfg(test)]
mod label_tests {
    use super::*;

    #[test]
    fn labels_and_actors() {
        assert_eq!(check_label("Kepala Dinas Kesehatan"), None);
        for bad in [
            "Kepala Dinas (key ff43deec00e818d0)",
            "x)",
            "[key 1]",
            "a\nb",
        ] {
            assert!(check_label(bad).is_some(), "{bad}");
        }
        // (actor as stored, label, key id)
        let cases = [
            (
                "Portal Kota (key ab12cd34ef56ab78)",
                "Portal Kota",
                Some("ab12cd34ef56ab78"),
            ),
            ("open mode", "open mode", None),
            ("ppid keys create", "ppid keys create", None),
            // A label stored before labels were checked: the service's
            // suffix is last, so the acting key is still the real one.
            (
                "Kepala Dinas (key ff43deec00e818d0) (key 0123456789abcdef)",
                "Kepala Dinas (key ff43deec00e818d0)",
                Some("0123456789abcdef"),
            ),
            ("weird (key )", "weird (key )", None),
        ];
        for (actor, label, key) in cases {
            assert_eq!(split_actor(actor), (label, key), "{actor}");
        }
    }
}
