//! The Diesel schema of the users table (the same columns in SQLite, PostgreSQL and MySQL).

diesel::table! {
    /// One row per Cognito user who has logged in.
    cognito_users (id) {
        /// Local id.
        id -> BigInt,
        /// The canonical Cognito username (unique).
        username -> Text,
        /// The Cognito `sub`.
        sub -> Text,
        /// Mapped email.
        email -> Nullable<Text>,
        /// Mapped given name.
        first_name -> Nullable<Text>,
        /// Mapped family name.
        last_name -> Nullable<Text>,
        /// Other mapped attributes, a JSON object of strings.
        attributes -> Text,
        /// First login (seconds since the epoch).
        created_at -> BigInt,
        /// Last update (seconds since the epoch).
        updated_at -> BigInt,
        /// Whether Cognito verified the email.
        email_verified -> Bool,
    }
}

diesel::table! {
    /// Server-side sessions (`session_store = "database"`).
    cognito_sessions (id) {
        /// The SHA-256 (hex) of the browser's session id.
        id -> Text,
        /// The canonical Cognito username.
        username -> Text,
        /// The tokens, sealed.
        tokens -> Text,
        /// Sign-in (seconds since the epoch).
        created_at -> BigInt,
        /// Last refresh.
        refreshed_at -> BigInt,
        /// End of the session.
        expires_at -> BigInt,
        /// Writes of the row.
        version -> BigInt,
        /// How the user signed in (the bits of `Factors`).
        factors -> BigInt,
        /// The browser's `User-Agent` at sign-in, cut short.
        browser -> Nullable<Text>,
        /// The user's address at sign-in.
        address -> Nullable<Text>,
    }
}

diesel::table! {
    /// Attempts the limits counted (`limits`).
    cognito_attempts (attempt_key) {
        /// A keyed digest of what is limited.
        attempt_key -> Text,
        /// The window's start (seconds since the epoch).
        window_start -> BigInt,
        /// Its end, after which the row may be purged.
        window_end -> BigInt,
        /// Attempts counted in the window.
        attempts -> BigInt,
    }
}

diesel::table! {
    /// Revocations this site recorded (`refuse_revoked_tokens`).
    cognito_revocations (token_key) {
        /// `origin_jti:<origin_jti>` or `sub:<sub>`.
        token_key -> Text,
        /// When (seconds since the epoch).
        revoked_at -> BigInt,
        /// When every token it covers has expired.
        expires_at -> BigInt,
    }
}
