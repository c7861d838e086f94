//! What of a request is personal data (UU No. 27/2022, PDP), in one place:
//! every export (gRPC and CLI) passes requests through [`project_requester`].

use crate::domain::request::Requester;

/// Leaves the requester's identity out unless `include_personal_data`: the
/// name, NIK or legal-entity registration, address, phone, email and proxy
/// are emptied; the requester's type (individual, group, legal entity) and
/// occupation stay, since statistics and the public register use them.
pub fn project_requester(requester: &mut Requester, include_personal_data: bool) {
    if include_personal_data {
        return;
    }
    requester.full_name.clear();
    requester.nik = None;
    requester.legal_entity_registration = None;
    requester.address.clear();
    requester.phone = None;
    requester.email = None;
    requester.proxy = None;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{RequesterType, request::Proxy};

    fn siti() -> Requester {
        Requester {
            full_name: "Siti Rahayu".into(),
            kind: RequesterType::Individual,
            nik: Some("3673019876543210".into()),
            legal_entity_registration: Some("AHU-0001".into()),
            address: "Jl. Ki Mas Jong 5".into(),
            phone: Some("081298765432".into()),
            email: Some("siti@contoh.id".into()),
            occupation: Some("Peneliti".into()),
            proxy: Some(Proxy {
                full_name: "Budi".into(),
                power_of_attorney: "SK-1".into(),
            }),
        }
    }

    #[test]
    fn identity_is_left_out_type_and_occupation_stay() {
        let mut r = siti();
        project_requester(&mut r, false);
        assert_eq!(
            r,
            Requester {
                full_name: String::new(),
                kind: RequesterType::Individual,
                nik: None,
                legal_entity_registration: None,
                address: String::new(),
                phone: None,
                email: None,
                occupation: Some("Peneliti".into()),
                proxy: None,
            }
        );
    }

    #[test]
    fn everything_stays_when_allowed() {
        let mut r = siti();
        project_requester(&mut r, true);
        assert_eq!(r, siti());
    }
}
