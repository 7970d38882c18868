//! API Gateway: the usage plans of an API key, all plans, and subscribing a key to a plan.

use aws_sdk_apigateway as apigw;
use rocket::fairing::{AdHoc, Fairing};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::serde::Serialize;
use rocket_warrant::Cognito;

/// An API Gateway usage plan, as the pages show it.
#[derive(Debug, Clone, Serialize)]
#[serde(crate = "rocket::serde")]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// The API Gateway client, built at ignite with the same AWS settings as Cognito's.
pub struct Gateway {
    client: apigw::Client,
}

impl Gateway {
    /// Builds the client after the Cognito fairing (attach it after `Cognito::fairing`).
    pub fn fairing() -> impl Fairing {
        AdHoc::try_on_ignite("API Gateway", |rocket| async move {
            let Some(cognito) = rocket.state::<Cognito>() else {
                rocket::error!("the API Gateway fairing needs Cognito::fairing() attached before it");
                return Err(rocket);
            };
            let gateway = Gateway { client: apigw::Client::new(cognito.sdk_config()) };
            Ok(rocket.manage(gateway))
        })
    }

    /// The plans `key_id` is subscribed to, every page of them.
    pub async fn plans_for_key(&self, key_id: &str) -> Result<Vec<Plan>, String> {
        self.plans(Some(key_id)).await
    }

    /// Every plan.
    pub async fn all_plans(&self) -> Result<Vec<Plan>, String> {
        self.plans(None).await
    }

    async fn plans(&self, key_id: Option<&str>) -> Result<Vec<Plan>, String> {
        let mut plans = Vec::new();
        let mut position: Option<String> = None;
        loop {
            let page = self
                .client
                .get_usage_plans()
                .set_key_id(key_id.map(str::to_owned))
                .set_position(position.clone())
                .limit(500)
                .send()
                .await
                .map_err(|e| aws_smithy_types::error::display::DisplayErrorContext(e).to_string())?;
            plans.extend(page.items().iter().map(|p| Plan {
                id: p.id().unwrap_or_default().to_owned(),
                name: p.name().unwrap_or_default().to_owned(),
                description: p.description().unwrap_or_default().to_owned(),
            }));
            match page.position() {
                Some(next) if Some(next) != position.as_deref() => position = Some(next.to_owned()),
                _ => return Ok(plans),
            }
        }
    }

    /// Adds `key_id` to the plan `plan_id`.
    pub async fn subscribe(&self, plan_id: &str, key_id: &str) -> Result<(), String> {
        self.client
            .create_usage_plan_key()
            .usage_plan_id(plan_id)
            .key_id(key_id)
            .key_type("API_KEY")
            .send()
            .await
            .map(drop)
            .map_err(|e| aws_smithy_types::error::display::DisplayErrorContext(e).to_string())
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for &'r Gateway {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match req.rocket().state::<Gateway>() {
            Some(gateway) => Outcome::Success(gateway),
            None => Outcome::Error((rocket::http::Status::InternalServerError, ())),
        }
    }
}
