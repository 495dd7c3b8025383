//! Every way an access token can be wrong gets a 401 with its own code.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use integration_tests::{APPID, call, request, signing_keys, spawn_app};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::files::UploadToken;
use shared::identity::GetUserInfo;
use shared::infra::tokens::new_key_pair;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({
        "iss": "wx-serverless", "aud": APPID, "sub": "o_someone", "iat": now(), "nbf": now(),
        "exp": now() + 600, "jti": "j1", "sid": "s1",
    })
}

/// Signs `claims` with EdDSA under `kid:base64(PKCS#8)`, naming `kid` in the header.
fn sign_with(claims: &Value, private_key: &str) -> String {
    let (kid, der) = private_key.split_once(':').unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_owned());
    let der = base64::engine::general_purpose::STANDARD.decode(der).unwrap();
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&der)).unwrap()
}

/// Signs `claims` with the test process's signing key.
fn sign(claims: &Value) -> String {
    sign_with(claims, &signing_keys().0)
}

fn with(mut claims: Value, field: &str, value: Value) -> Value {
    claims[field] = value;
    claims
}

fn without(mut claims: Value, field: &str) -> Value {
    claims.as_object_mut().unwrap().remove(field);
    claims
}

/// The algorithm-confusion attack: HS256 with the (public) verification key as the HMAC secret.
fn hs256_with_public_key(claims: &Value) -> String {
    let (kid, public) = signing_keys().1.split_once(':').unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    let raw = URL_SAFE_NO_PAD.decode(public).unwrap();
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(&raw)).unwrap()
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
    // Same kid as the real key, another key: a forgery. Another kid altogether: not listed.
    let impostor = format!(
        "{}:{}",
        signing_keys().0.split_once(':').unwrap().0,
        new_key_pair("x").unwrap().0.expose().split_once(':').unwrap().1
    );
    let stranger = new_key_pair("retired").unwrap().0.expose().to_owned();
    let cases: Vec<(&str, Option<String>, i64)> = vec![
        ("no header", None, 40101),
        ("empty bearer", Some("Bearer ".into()), 40101),
        ("garbage", Some("Bearer not-a-jwt".into()), 40102),
        ("wrong scheme", Some(format!("Basic {}", sign(&claims()))), 40102),
        (
            "wrong signature",
            Some(format!("Bearer {}", sign_with(&claims(), &impostor))),
            40102,
        ),
        (
            "unknown kid",
            Some(format!("Bearer {}", sign_with(&claims(), &stranger))),
            40102,
        ),
        (
            "HS256 keyed with the public key",
            Some(format!("Bearer {}", hs256_with_public_key(&claims()))),
            40102,
        ),
        (
            "nbf in the future",
            Some(format!(
                "Bearer {}",
                sign(&with(claims(), "nbf", json!(now() + 600)))
            )),
            40102,
        ),
        (
            "iat in the future",
            Some(format!(
                "Bearer {}",
                sign(&with(claims(), "iat", json!(now() + 600)))
            )),
            40102,
        ),
        (
            "missing nbf",
            Some(format!("Bearer {}", sign(&without(claims(), "nbf")))),
            40102,
        ),
        (
            "missing sid",
            Some(format!("Bearer {}", sign(&without(claims(), "sid")))),
            40102,
        ),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign(&with(claims(), "exp", json!(now() - 3600)))
            )),
            40103,
        ),
        (
            "wrong aud",
            Some(format!(
                "Bearer {}",
                sign(&with(claims(), "aud", json!("wxother")))
            )),
            40102,
        ),
        (
            "wrong iss",
            Some(format!("Bearer {}", sign(&with(claims(), "iss", json!("evil"))))),
            40102,
        ),
        ("alg none", Some(format!("Bearer {}", unsigned(&claims()))), 40102),
        (
            "missing sub",
            Some(format!("Bearer {}", sign(&without(claims(), "sub")))),
            40102,
        ),
        (
            "missing exp",
            Some(format!("Bearer {}", sign(&without(claims(), "exp")))),
            40102,
        ),
        (
            "string exp",
            Some(format!(
                "Bearer {}",
                sign(&with(claims(), "exp", json!("99999999999")))
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
async fn a_valid_token_of_an_open_session_for_a_user_that_does_not_exist_is_a_404() {
    let app = spawn_app().await;
    let token = app.token_for("o_nobody").await;

    let reply = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(&token).build())
        .await;

    assert_eq!((reply.status, reply.code()), (404, 40401));
}

#[tokio::test]
async fn a_valid_signature_without_an_open_session_is_refused() {
    let app = spawn_app().await;

    let reply = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(&sign(&claims())).build())
        .await;

    assert_eq!((reply.status, reply.code()), (401, 40105));
}

#[tokio::test]
async fn a_signed_token_whose_subject_could_break_an_object_key_is_a_401_not_a_crash() {
    let app = spawn_app().await;
    let upload = app.function::<UploadToken>().await;

    for sub in ["../o_bob", "o.alice", "o alice", "名字", ""] {
        let token = sign(&with(claims(), "sub", json!(sub)));
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

#[tokio::test]
async fn during_a_key_rotation_tokens_of_the_old_and_the_new_key_both_verify_until_the_old_is_unlisted() {
    let mut app = spawn_app().await;
    let (new_private, new_public) = new_key_pair("test-2").unwrap();
    let (old_private, old_public) = signing_keys();
    let old_token = app.token_for("o_rotating").await;
    let claims_for = |token: &str| -> Value {
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
    };
    // The same session, signed by the new key: what refresh answers once the new key signs.
    let new_token = sign_with(&claims_for(&old_token), new_private.expose());
    assert_ne!(old_private.as_str(), new_private.expose());

    app.env = app
        .env
        .clone()
        .with("JWT_PUBLIC_KEYS", format!("{new_public},{old_public}"));
    let both = app.function::<GetUserInfo>().await;
    app.env = app.env.clone().with("JWT_PUBLIC_KEYS", new_public.clone());
    let new_only = app.function::<GetUserInfo>().await;

    let status = |function, token: &str| {
        let request = request(Method::GET, "/users/me").bearer(token).build();
        async move {
            let reply = call(function, request).await;
            (reply.status, reply.code())
        }
    };
    assert_eq!(
        status(&both, &old_token).await,
        (404, 40401),
        "old key still listed: verified"
    );
    assert_eq!(
        status(&both, &new_token).await,
        (404, 40401),
        "new key listed: verified"
    );
    assert_eq!(status(&new_only, &new_token).await, (404, 40401));
    assert_eq!(
        status(&new_only, &old_token).await,
        (401, 40102),
        "old key unlisted: refused"
    );
}
