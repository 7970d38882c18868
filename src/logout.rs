//! Logout: the cookies cleared and the tokens revoked at Cognito.

use rocket::http::CookieJar;

use crate::fairing::Cognito;

impl Cognito {
    /// Clears the token cookies and signs the user out at Cognito (GlobalSignOut), so the
    /// access and refresh tokens stop working everywhere. When Cognito cannot be reached the
    /// cookies are cleared all the same and the failure is logged.
    ///
    /// ```no_run
    /// # use rocket::{get, http::CookieJar};
    /// use rocket_warrant::Cognito;
    ///
    /// #[get("/logout")]
    /// async fn logout(cognito: &Cognito, jar: &CookieJar<'_>) -> &'static str {
    ///     cognito.sign_out(jar).await;
    ///     "Logged out"
    /// }
    /// ```
    pub async fn sign_out(&self, jar: &CookieJar<'_>) {
        let stored = self.cookies().get(jar);
        self.cookies().clear(jar);
        let Some(access) = stored.access_token else {
            return;
        };
        if let Err(e) = self.client().global_sign_out(&access).await {
            log::warn!("rocket_warrant: signing out at Cognito failed ({e}); the cookies are cleared");
        }
    }
}
