//! The profile form: django-warrant's `ProfileForm` fields and limits, minus the API key
//! attributes (users may not rewrite their own keys), validated with messages per field.

use std::collections::BTreeMap;

use rocket::serde::Serialize;
use rocket::FromForm;

/// Local field, Cognito attribute, label, maximum length.
pub const FIELDS: [(&str, &str, &str, usize); 7] = [
    ("first_name", "given_name", "First Name", 200),
    ("last_name", "family_name", "Last Name", 200),
    ("email", "email", "Email", 200),
    ("phone_number", "phone_number", "Phone Number", 30),
    ("gender", "gender", "Gender", 10),
    ("address", "address", "Address", 200),
    ("preferred_username", "preferred_username", "Preferred Username", 200),
];

/// The genders the original form offers.
pub const GENDERS: [(&str, &str); 2] = [("female", "Female"), ("male", "Male")];

/// The submitted form; every field is a string so that bad input comes back to the user
/// with a message instead of failing to parse.
#[derive(Debug, Default, FromForm, Serialize)]
#[serde(crate = "rocket::serde")]
pub struct ProfileForm {
    #[field(default = String::new())]
    pub first_name: String,
    #[field(default = String::new())]
    pub last_name: String,
    #[field(default = String::new())]
    pub email: String,
    #[field(default = String::new())]
    pub phone_number: String,
    #[field(default = String::new())]
    pub gender: String,
    #[field(default = String::new())]
    pub address: String,
    #[field(default = String::new())]
    pub preferred_username: String,
}

impl ProfileForm {
    /// The form pre-filled from Cognito attributes.
    pub fn from_attributes(attributes: &rocket_warrant::account::UserAttributes) -> ProfileForm {
        let get = |name: &str| attributes.get(name).unwrap_or_default().to_owned();
        ProfileForm {
            first_name: get("given_name"),
            last_name: get("family_name"),
            email: get("email"),
            phone_number: get("phone_number"),
            gender: get("gender"),
            address: get("address"),
            preferred_username: get("preferred_username"),
        }
    }

    /// The submitted value of a field by its name.
    pub fn value(&self, field: &str) -> &str {
        match field {
            "first_name" => &self.first_name,
            "last_name" => &self.last_name,
            "email" => &self.email,
            "phone_number" => &self.phone_number,
            "gender" => &self.gender,
            "address" => &self.address,
            "preferred_username" => &self.preferred_username,
            _ => "",
        }
    }

    /// Field name to error message; empty when the form is valid.
    pub fn errors(&self) -> BTreeMap<&'static str, String> {
        let mut errors = BTreeMap::new();
        for (field, _, _, max) in FIELDS {
            let value = self.value(field).trim();
            if value.is_empty() {
                errors.insert(field, "This field is required.".to_owned());
            } else if value.chars().count() > max {
                errors.insert(field, format!("Ensure this value has at most {max} characters."));
            }
        }
        if !errors.contains_key("email") && !is_email(self.email.trim()) {
            errors.insert("email", "Enter a valid email address.".to_owned());
        }
        if !errors.contains_key("gender") && !GENDERS.iter().any(|(v, _)| *v == self.gender) {
            errors.insert(
                "gender",
                format!("Select a valid choice. {} is not one of the available choices.", self.gender),
            );
        }
        errors
    }

    /// Cognito attribute name to value, for UpdateUserAttributes.
    pub fn attributes(&self) -> Vec<(&'static str, String)> {
        FIELDS.iter().map(|(field, attribute, _, _)| (*attribute, self.value(field).trim().to_owned())).collect()
    }
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}
