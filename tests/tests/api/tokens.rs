//! Every way an access token can be wrong gets a 401 with its own code.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use integration_tests::{APPID, JWT_SECRET, call, request, spawn_app};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::api::uploads::UploadToken;
use shared::api::users::GetUserInfo;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({
        "iss": "wx-serverless", "aud": APPID, "sub": "o_someone", "iat": now(),
        "exp": now() + 600, "jti": "j1", "sid": "s1",
    })
}

fn sign(claims: &Value, key: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

fn with(mut claims: Value, field: &str, value: Value) -> Value {
    claims[field] = value;
    claims
}

fn without(mut claims: Value, field: &str) -> Value {
    claims.as_object_mut().unwrap().remove(field);
    claims
}

fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

#[tokio::test]
async fn a_token_that_is_missing_or_wrong_in_any_way_is_a_401_with_its_code() {
    let app = spawn_app().await;
    let function = app.function::<GetUserInfo>().await;
    let cases: Vec<(&str, Option<String>, i64)> = vec![
        ("no header", None, 40101),
        ("empty bearer", Some("Bearer ".into()), 40101),
        ("garbage", Some("Bearer not-a-jwt".into()), 40102),
        (
            "wrong scheme",
            Some(format!("Basic {}", sign(&claims(), JWT_SECRET))),
            40102,
        ),
        (
            "wrong signature",
            Some(format!(
                "Bearer {}",
                sign(&claims(), "another-key-of-at-least-32-bytes!!")
            )),
            40102,
        ),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign(&with(claims(), "exp", json!(now() - 3600)), JWT_SECRET)
            )),
            40103,
        ),
        (
            "wrong aud",
            Some(format!(
                "Bearer {}",
                sign(&with(claims(), "aud", json!("wxother")), JWT_SECRET)
            )),
            40102,
        ),
        (
            "wrong iss",
            Some(format!(
                "Bearer {}",
                sign(&with(claims(), "iss", json!("evil")), JWT_SECRET)
            )),
            40102,
        ),
        ("alg none", Some(format!("Bearer {}", unsigned(&claims()))), 40102),
        (
            "missing sub",
            Some(format!("Bearer {}", sign(&without(claims(), "sub"), JWT_SECRET))),
            40102,
        ),
        (
            "missing exp",
            Some(format!("Bearer {}", sign(&without(claims(), "exp"), JWT_SECRET))),
            40102,
        ),
        (
            "string exp",
            Some(format!(
                "Bearer {}",
                sign(&with(claims(), "exp", json!("99999999999")), JWT_SECRET)
            )),
            40102,
        ),
    ];
    for (case, header, code) in cases {
        let mut builder = request(Method::GET, "/users/me");
        if let Some(header) = &header {
            builder = builder.header("authorization", header);
        }
        let reply = integration_tests::call(&function, builder.build()).await;
        assert_eq!(
            (reply.status, reply.code()),
            (401, code),
            "{case}: {:?}",
            reply.body
        );
    }
    assert_eq!(app.take_round_trips(), 0, "a bad token never reaches the table");
}

#[tokio::test]
async fn a_well_formed_token_for_a_user_that_does_not_exist_is_a_404() {
    let app = spawn_app().await;

    let reply = app
        .call::<GetUserInfo>(
            request(Method::GET, "/users/me")
                .bearer(&sign(&claims(), JWT_SECRET))
                .build(),
        )
        .await;

    assert_eq!((reply.status, reply.code()), (404, 40401));
}

#[tokio::test]
async fn a_signed_token_whose_subject_could_break_an_object_key_is_a_401_not_a_crash() {
    let app = spawn_app().await;
    let upload = app.function::<UploadToken>().await;

    for sub in ["../o_bob", "o.alice", "o alice", "名字", ""] {
        let token = sign(&with(claims(), "sub", json!(sub)), JWT_SECRET);
        let reply = call(
            &upload,
            request(Method::POST, "/uploads/token")
                .bearer(&token)
                .json(&json!({"contentType": "image/png", "size": 10})),
        )
        .await;

        assert_eq!(
            (reply.status, reply.code()),
            (401, 40102),
            "sub {sub:?}: {:?}",
            reply.body
        );
    }
    assert_eq!(app.take_s3_calls(), 0);
}
