use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use integration_tests::{TestApp, request, spawn_app};
use lambda_http::http::Method;
use serde_json::{Value, json};
use shared::files::{GetFileUrl, OnUpload, UploadReport, UploadToken};
use shared::identity::{GetUserInfo, UpdateUserInfo};
use shared::runtime::events::EventAdapter;

pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n fake image bytes for the test";

pub(crate) async fn token_for_upload(app: &TestApp, token: &str, body: Value) -> integration_tests::Reply {
    app.call::<UploadToken>(request(Method::POST, "/uploads/token").bearer(token).json(&body))
        .await
}

/// Posts `bytes` exactly as `wx.uploadFile` does: multipart, the form fields, the file last.
pub(crate) async fn post_upload(grant: &Value, bytes: &[u8], content_type: &str) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in grant["fields"].as_object().unwrap() {
        form = form.text(name.clone(), value.as_str().unwrap().to_owned());
    }
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name("avatar.png")
        .mime_str(content_type)
        .unwrap();
    form = form.part("file", part);
    reqwest::Client::new()
        .post(grant["url"].as_str().unwrap())
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn s3_event(bucket: &str, key: &str, sequencer: &str) -> aws_lambda_events_s3::S3Event {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/on-upload.json"))
        .unwrap()
        .replace("wx-serverless-uploads", bucket)
        .replace("REPLACE_WITH_OBJECT_KEY", key)
        .replace("0055AED6DCD90281E5", sequencer);
    serde_json::from_str(&text).unwrap()
}

mod aws_lambda_events_s3 {
    pub use shared::files::S3Event;
}

pub(crate) async fn on_upload(app: &TestApp, bucket: &str, key: &str, sequencer: &str) -> UploadReport {
    let handler = EventAdapter::<OnUpload>::build(&app.startup()).await.unwrap();
    handler
        .handle("test", s3_event(bucket, key, sequencer))
        .await
        .unwrap()
}

async fn file_item(app: &TestApp, key: &str) -> Option<Value> {
    use shared::infra::store::keys::{self, field::file};
    let item = app.item(&keys::file(key)).await?;
    Some(json!({
        "owner": item[file::OWNER].as_s().unwrap(),
        "size": item[file::SIZE].as_n().unwrap().parse::<i64>().unwrap(),
        "contentType": item[file::CONTENT_TYPE].as_s().unwrap(),
        "purpose": item[file::PURPOSE].as_s().unwrap(),
    }))
}

pub(crate) async fn object_exists(app: &TestApp, key: &str) -> bool {
    app.s3
        .head_object()
        .bucket(&app.bucket)
        .key(key)
        .send()
        .await
        .is_ok()
}

#[tokio::test]
async fn an_upload_token_is_signed_locally_and_a_real_multipart_post_stores_the_file() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("uploader")).await;
    let token = login["accessToken"].as_str().unwrap();
    let openid = login["user"]["openid"].as_str().unwrap();
    let function = app.function::<UploadToken>().await;
    app.take_round_trips();
    app.take_s3_calls();

    let reply = integration_tests::call(
        &function,
        request(Method::POST, "/uploads/token")
            .bearer(token)
            .json(&json!({"contentType": "image/png", "size": PNG.len(), "purpose": "avatar"})),
    )
    .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        (app.take_round_trips(), app.take_s3_calls()),
        (4, 0),
        "the session read and the per-user count, then the usage reads under the uploader's \
         opaque id and its openid (older keys) together: signing needs no AWS call"
    );
    let grant = reply.data().clone();
    let key = grant["key"].as_str().unwrap().to_owned();
    let uploader = uploader_id(openid);
    assert!(
        key.starts_with(&format!("uploads/u/{uploader}/")) && key.ends_with(".png"),
        "{key}"
    );
    assert!(!key.contains(openid), "a key never names the openid: {key}");
    assert_eq!(
        grant["maxBytes"],
        PNG.len(),
        "the declared size is the most accepted"
    );
    assert!(
        grant["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{}", app.bucket))
    );
    let policy: Value = serde_json::from_slice(
        &STANDARD
            .decode(grant["fields"]["policy"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert!(
        policy["conditions"]
            .as_array()
            .unwrap()
            .contains(&json!({"key": key}))
    );

    let response = post_upload(&grant, PNG, "image/png").await;

    assert_eq!(response.status().as_u16(), 201, "{:?}", response.text().await);
    let head = app
        .s3
        .head_object()
        .bucket(&app.bucket)
        .key(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_type(), Some("image/png"));
    assert_eq!(head.content_length(), Some(PNG.len() as i64));

    let report = on_upload(&app, &app.bucket, &key, "0055AED6DCD90281E5").await;
    assert_eq!((report.recorded, report.deleted), (1, 0));
    let recorded = file_item(&app, &key).await.expect("the file is recorded");
    assert_eq!(
        recorded,
        json!({"owner": uploader, "size": PNG.len(), "contentType": "image/png", "purpose": "avatar"})
    );

    // S3 delivers at least once: the same event again changes nothing.
    let before = app.table_snapshot().await;
    let again = on_upload(&app, &app.bucket, &key, "0055AED6DCD90281E5").await;
    assert_eq!((again.recorded, again.duplicates), (0, 1));
    assert_eq!(app.table_snapshot().await, before);
}

#[tokio::test]
async fn on_upload_deletes_objects_that_break_the_limits() {
    let mut app = spawn_app().await;
    app.env = app.env.clone().with("UPLOAD_MAX_BYTES", "1024");
    let put = |key: &'static str, body: Vec<u8>, content_type: &'static str| {
        let (s3, bucket) = (app.s3.clone(), app.bucket.clone());
        async move {
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .body(body.into())
                .content_type(content_type)
                .send()
                .await
                .unwrap();
        }
    };
    let cases = [
        ("uploads/o_x/2026/11/page.png", vec![b'<'; 10], "text/html"),
        ("uploads/o_x/2026/11/big.png", vec![0u8; 2048], "image/png"),
        ("uploads/o_x/2026/11/wrong-ext.gif", vec![0u8; 10], "image/png"),
        ("uploads/elsewhere.png", vec![0u8; 10], "image/png"),
        ("uploads/o_x/2026/11/fine.png", vec![0u8; 10], "image/png"),
    ];
    for (key, body, content_type) in cases.clone() {
        put(key, body, content_type).await;
    }

    for (key, _, _) in &cases {
        on_upload(&app, &app.bucket, key, "0055AED6DCD90281E6").await;
    }

    for (key, _, _) in &cases[..4] {
        assert!(!object_exists(&app, key).await, "{key} should be deleted");
        assert!(
            file_item(&app, key).await.is_none(),
            "{key} should not be recorded"
        );
    }
    assert!(object_exists(&app, cases[4].0).await);
    assert!(file_item(&app, cases[4].0).await.is_some());
    // A missing object (deleted before the event arrived) is skipped, not an error.
    let report = on_upload(&app, &app.bucket, "uploads/o_x/2026/11/gone.png", "1").await;
    assert_eq!(report.missing, 1);
}

#[tokio::test]
async fn upload_tokens_refuse_bad_types_oversize_unknown_fields_and_missing_tokens() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("refused")).await;
    let token = login["accessToken"].as_str().unwrap();

    for (body, field) in [
        (
            json!({"contentType": "application/x-msdownload", "size": 10}),
            "contentType",
        ),
        (json!({"contentType": "text/html", "size": 10}), "contentType"),
        (json!({"contentType": "image/png"}), "size"),
        (json!({"contentType": "image/png", "size": 0}), "size"),
        (
            json!({"contentType": "image/png", "size": 10 * 1024 * 1024 + 1}),
            "size",
        ),
        (json!({"contentType": "image/png", "size": -1}), "size"),
        (
            json!({"contentType": "image/png", "size": 10, "key": "uploads/o_victim/2026/11/x.png"}),
            "key",
        ),
        (
            json!({"contentType": "image/png", "size": 10, "purpose": "../etc"}),
            "purpose",
        ),
        (json!({"size": 10}), "contentType"),
    ] {
        let reply = token_for_upload(&app, token, body.clone()).await;
        assert_eq!(
            (reply.status, reply.code()),
            (400, 40002),
            "{body}: {:?}",
            reply.body
        );
        assert!(
            reply.body["message"].as_str().unwrap().contains(field),
            "{body}: {:?}",
            reply.body
        );
    }
    let anonymous = app
        .call::<UploadToken>(
            request(Method::POST, "/uploads/token").json(&json!({"contentType": "image/png"})),
        )
        .await;
    assert_eq!((anonymous.status, anonymous.code()), (401, 40101));
}

#[tokio::test]
async fn file_urls_are_given_for_own_keys_only_and_download_the_file() {
    let mut app = spawn_app().await;
    // URLs are signed per window of the clock: frozen, both reads fall in the same one.
    app.freeze_clock();
    let login = app.login(&app.new_user_name("owner")).await;
    let token = login["accessToken"].as_str().unwrap();
    let grant = token_for_upload(
        &app,
        token,
        json!({"contentType": "image/png", "size": PNG.len()}),
    )
    .await
    .data()
    .clone();
    assert_eq!(post_upload(&grant, PNG, "image/png").await.status().as_u16(), 201);
    let own = grant["key"].as_str().unwrap();
    let foreign = "uploads/o_someone_else/2026/11/secret.png";
    app.take_s3_calls();

    let reply = app
        .call::<GetFileUrl>(
            request(Method::GET, "/files/url")
                .bearer(token)
                .query("keys", &format!("{own},{foreign}"))
                .build(),
        )
        .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(app.take_s3_calls(), 0, "presigning needs no AWS call");
    let files = reply.data()["files"].as_array().unwrap();
    assert_eq!(files[0]["status"], "OK");
    assert_eq!(
        (files[1]["key"].as_str(), files[1]["status"].as_str()),
        (Some(foreign), Some("NOT_FOUND"))
    );
    assert!(files[1].get("url").is_none());
    let again = app
        .call::<GetFileUrl>(
            request(Method::GET, "/files/url")
                .bearer(token)
                .query("keys", own)
                .build(),
        )
        .await;
    assert_eq!(
        again.data()["files"][0]["url"],
        files[0]["url"],
        "a stable URL keeps image caches warm"
    );
    let downloaded = reqwest::get(files[0]["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(downloaded.status().as_u16(), 200);
    assert_eq!(downloaded.bytes().await.unwrap().as_ref(), PNG);

    let too_many = (0..51).map(|i| format!("k{i}")).collect::<Vec<_>>().join(",");
    for keys in [too_many.as_str(), "", ","] {
        let reply = app
            .call::<GetFileUrl>(
                request(Method::GET, "/files/url")
                    .bearer(token)
                    .query("keys", keys)
                    .build(),
            )
            .await;
        assert_eq!((reply.status, reply.code()), (400, 40002), "{keys}");
    }
}

#[tokio::test]
async fn an_uploaded_avatar_becomes_a_usable_url_and_someone_elses_key_is_refused() {
    let app = spawn_app().await;
    let alice = app.login(&app.new_user_name("alice")).await;
    let bob = app.login(&app.new_user_name("bob")).await;
    let alice_token = alice["accessToken"].as_str().unwrap();
    let bob_token = bob["accessToken"].as_str().unwrap();
    let grant = token_for_upload(
        &app,
        alice_token,
        json!({"contentType": "image/png", "size": PNG.len(), "purpose": "avatar"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(post_upload(&grant, PNG, "image/png").await.status().as_u16(), 201);
    let key = grant["key"].as_str().unwrap();
    // An image uploaded for another purpose was never sent to WeChat's image check.
    let general = token_for_upload(
        &app,
        alice_token,
        json!({"contentType": "image/png", "size": PNG.len(), "purpose": "general"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(
        post_upload(&general, PNG, "image/png").await.status().as_u16(),
        201
    );
    let before = app.table_snapshot().await;

    for (token, avatar_key) in [
        (alice_token, general["key"].as_str().unwrap()),
        (bob_token, key),
        (alice_token, "uploads/o_nobody/2026/11/x.png"),
        (alice_token, &key.replace(".png", "-missing.png")),
    ] {
        let reply = app
            .call::<UpdateUserInfo>(
                request(Method::PATCH, "/users/me")
                    .bearer(token)
                    .json(&json!({"avatarKey": avatar_key})),
            )
            .await;
        assert_eq!(
            (reply.status, reply.code()),
            (400, 40002),
            "{avatar_key}: {:?}",
            reply.body
        );
        assert!(reply.body["message"].as_str().unwrap().contains("avatarKey"));
    }
    assert_eq!(app.table_snapshot().await, before);

    let updated = app
        .call::<UpdateUserInfo>(
            request(Method::PATCH, "/users/me")
                .bearer(alice_token)
                .json(&json!({"avatarKey": key})),
        )
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.body);
    let me = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(alice_token).build())
        .await;
    assert_eq!(me.data()["avatarKey"], key);
    let url = me.data()["avatarUrl"].as_str().unwrap();
    let downloaded = reqwest::get(url).await.unwrap();
    assert_eq!(downloaded.bytes().await.unwrap().as_ref(), PNG);

    // A plain URL replaces the uploaded avatar.
    let plain = app
        .call::<UpdateUserInfo>(
            request(Method::PATCH, "/users/me")
                .bearer(alice_token)
                .json(&json!({"avatarUrl": "https://thirdwx.qlogo.cn/a/132"})),
        )
        .await;
    assert_eq!(plain.data()["avatarUrl"], "https://thirdwx.qlogo.cn/a/132");
    assert!(plain.data().get("avatarKey").is_none());
}

#[tokio::test]
async fn an_event_key_with_non_ascii_and_broken_escapes_is_handled_without_a_panic() {
    let app = spawn_app().await;

    for raw in [
        "uploads/%E5%9B%BE%",
        "uploads/%aé/2026/11/x.png",
        "%",
        "uploads/%F0%9F",
    ] {
        let report = on_upload(&app, &app.bucket, raw, "0055AED6DCD90281E5").await;

        assert_eq!(report.deleted, 1, "{raw}: outside the layout, so deleted");
    }
}

#[tokio::test]
async fn a_file_larger_than_its_granted_size_is_never_kept() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("liar")).await;
    let token = login["accessToken"].as_str().unwrap();
    let grant = token_for_upload(
        &app,
        token,
        json!({"contentType": "image/png", "size": PNG.len() - 1}),
    )
    .await
    .data()
    .clone();
    assert_eq!(grant["maxBytes"], PNG.len() - 1);
    assert!(
        grant["fields"]["policy"].as_str().is_some_and(|p| {
            let policy = STANDARD.decode(p).unwrap();
            String::from_utf8_lossy(&policy)
                .contains(&format!("[\"content-length-range\",1,{}]", PNG.len() - 1))
        }),
        "the policy's upper bound is the declared size"
    );
    let key = grant["key"].as_str().unwrap().to_owned();

    // S3 refuses the POST; an emulator that does not check the policy stores it, and the trigger
    // must then delete it.
    let posted = post_upload(&grant, PNG, "image/png").await.status().as_u16();
    if posted == 201 {
        let report = on_upload(&app, &app.bucket, &key, "0055AED6DCD90281E5").await;
        assert_eq!(report.deleted, 1);
    }

    assert!(!object_exists(&app, &key).await, "status {posted}");
    assert!(file_item(&app, &key).await.is_none());
}

/// An S3 event of `name` (e.g. `LifecycleExpiration:Delete`) for `key`.
fn s3_event_named(bucket: &str, key: &str, name: &str) -> aws_lambda_events_s3::S3Event {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/on-upload.json"))
        .unwrap()
        .replace("wx-serverless-uploads", bucket)
        .replace("REPLACE_WITH_OBJECT_KEY", key)
        .replace("ObjectCreated:Post", name);
    serde_json::from_str(&text).unwrap()
}

/// Grants, posts and records one upload of the PNG; answers its key.
async fn upload_png(app: &TestApp, token: &str, sequencer: &str) -> String {
    let grant = token_for_upload(app, token, json!({"contentType": "image/png", "size": PNG.len()})).await;
    assert_eq!(grant.status, 200, "{:?}", grant.body);
    assert_eq!(
        post_upload(grant.data(), PNG, "image/png")
            .await
            .status()
            .as_u16(),
        201
    );
    let key = grant.data()["key"].as_str().unwrap().to_owned();
    let report = on_upload(app, &app.bucket, &key, sequencer).await;
    assert_eq!(report.recorded, 1);
    key
}

#[tokio::test]
async fn stored_bytes_are_capped_per_user_and_deleted_or_expired_files_give_them_back() {
    let mut app = spawn_app().await;
    let quota = 2 * PNG.len();
    app.env = app
        .env
        .clone()
        .with("UPLOAD_MAX_BYTES", PNG.len().to_string())
        .with("UPLOAD_QUOTA_BYTES", quota.to_string());
    let login = app.login(&app.new_user_name("hoard")).await;
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let first = upload_png(&app, &token, "0055AED6DCD90281E5").await;
    upload_png(&app, &token, "0055AED6DCD90281E6").await;

    let refused = token_for_upload(&app, &token, json!({"contentType": "image/png", "size": 1})).await;

    assert_eq!(
        (refused.status, refused.code()),
        (409, 40906),
        "{:?}",
        refused.body
    );
    assert_eq!(refused.data()["storedBytes"], quota);
    assert_eq!(refused.data()["quotaBytes"], quota);
    let handler = EventAdapter::<OnUpload>::build(&app.startup()).await.unwrap();
    for _ in 0..2 {
        // Delivered twice: the bytes come back once.
        let report = handler
            .handle(
                "expiry",
                s3_event_named(&app.bucket, &first, "LifecycleExpiration:Delete"),
            )
            .await
            .unwrap();
        assert!(report.forgotten <= 1);
    }
    assert!(file_item(&app, &first).await.is_none());
    let again = token_for_upload(
        &app,
        &token,
        json!({"contentType": "image/png", "size": PNG.len()}),
    )
    .await;
    assert_eq!(
        again.status, 200,
        "the expired file's bytes were given back: {:?}",
        again.body
    );
    let over = token_for_upload(
        &app,
        &token,
        json!({"contentType": "image/png", "size": PNG.len() + 1}),
    )
    .await;
    assert_eq!(
        over.code(),
        40002,
        "more than the largest upload is a bad size, not a quota matter"
    );
}

/// The opaque id the keys of `openid`'s uploads are named by.
pub(crate) fn uploader_id(openid: &str) -> String {
    shared::files::objects::uploader(&shared::domain::ids::Openid::parse(openid).unwrap()).id
}

/// The bytes `openid`'s usage item holds (zero without one).
async fn stored_bytes(app: &TestApp, openid: &str) -> i64 {
    use shared::infra::store::keys::{self, field::usage};
    app.item(&keys::usage(&uploader_id(openid)))
        .await
        .and_then(|item| item.get(usage::STORED_BYTES).and_then(|v| v.as_n().ok()).cloned())
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn a_policy_used_twice_at_its_key_counts_what_is_stored_and_a_removal_never_goes_below_zero() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("twice")).await;
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let openid = login["user"]["openid"].as_str().unwrap().to_owned();
    let big: Vec<u8> = [PNG, &[b'x'; 2000][..]].concat();
    let grant = token_for_upload(
        &app,
        &token,
        json!({"contentType": "image/png", "size": big.len()}),
    )
    .await;
    assert_eq!(grant.status, 200, "{:?}", grant.body);
    let key = grant.data()["key"].as_str().unwrap().to_owned();

    // A small file first, then the whole grant at the same key with the same policy.
    assert_eq!(
        post_upload(grant.data(), PNG, "image/png")
            .await
            .status()
            .as_u16(),
        201
    );
    on_upload(&app, &app.bucket, &key, "0055AED6DCD90281E5").await;
    assert_eq!(
        post_upload(grant.data(), &big, "image/png")
            .await
            .status()
            .as_u16(),
        201
    );
    on_upload(&app, &app.bucket, &key, "0055AED6DCD90281E6").await;
    // The first event delivered again, late: it changes nothing.
    on_upload(&app, &app.bucket, &key, "0055AED6DCD90281E5").await;

    assert_eq!(
        stored_bytes(&app, &openid).await,
        big.len() as i64,
        "the usage is what the bucket holds"
    );
    assert_eq!(file_item(&app, &key).await.unwrap()["size"], big.len());

    let handler = EventAdapter::<OnUpload>::build(&app.startup()).await.unwrap();
    for _ in 0..2 {
        handler
            .handle(
                "removed",
                s3_event_named(&app.bucket, &key, "ObjectRemoved:Delete"),
            )
            .await
            .unwrap();
    }
    assert_eq!(
        stored_bytes(&app, &openid).await,
        0,
        "given back once, never below zero"
    );
}

#[tokio::test]
async fn uploads_start_unreferenced_and_an_avatar_is_kept_by_the_lifecycle_rule() {
    let app = spawn_app().await;
    let login = app.login(&app.new_user_name("keeper")).await;
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let grant = token_for_upload(
        &app,
        &token,
        json!({"contentType": "image/png", "size": PNG.len(), "purpose": "avatar"}),
    )
    .await;
    let openid = login["user"]["openid"].as_str().unwrap().to_owned();
    assert_eq!(
        grant.data()["fields"]["tagging"],
        format!(
            "<Tagging><TagSet><Tag><Key>state</Key><Value>unreferenced</Value></Tag>\
             <Tag><Key>uploader</Key><Value>{openid}</Value></Tag></TagSet></Tagging>"
        ),
        "S3 tags the object as it stores it: unreferenced, and whose it is (not in its key)"
    );
    assert_eq!(
        post_upload(grant.data(), PNG, "image/png")
            .await
            .status()
            .as_u16(),
        201
    );
    let key = grant.data()["key"].as_str().unwrap().to_owned();
    assert_eq!(
        tags_of(&app, &key).await,
        [
            ("state".into(), "unreferenced".into()),
            ("uploader".into(), openid.clone())
        ]
    );

    let reply = app
        .call::<UpdateUserInfo>(
            request(Method::PATCH, "/users/me")
                .bearer(&token)
                .json(&json!({"avatarKey": key})),
        )
        .await;

    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        tags_of(&app, &key).await,
        [("state".into(), "referenced".into()), ("uploader".into(), openid)]
    );
}

/// The tags of the object at `key`, sorted by name.
async fn tags_of(app: &TestApp, key: &str) -> Vec<(String, String)> {
    let tags = app
        .s3
        .get_object_tagging()
        .bucket(&app.bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let mut tags: Vec<(String, String)> = tags
        .tag_set()
        .iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect();
    tags.sort();
    tags
}

/// The test key pair of the CDN (shared/tests/vectors): the private key PEM and the public key
/// (SPKI DER), as uploaded to CloudFront.
fn cdn_test_keys() -> (String, Vec<u8>) {
    let vector: Value = serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/tests/vectors/cloudfront_signed_url.json"
    )))
    .unwrap();
    let public_pem = vector["rsa_public_pem"].as_str().unwrap();
    let body: String = public_pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    (
        vector["rsa_pkcs1_private_pem"].as_str().unwrap().to_owned(),
        STANDARD.decode(body).unwrap(),
    )
}

/// Checks `url` as CloudFront does for a canned policy: the policy rebuilt from the URL and its
/// `Expires`, the signature (CloudFront's base64) verified with the public key. Answers `Expires`.
fn verify_cloudfront_url(url: &str, key_pair_id: &str, public_key: &[u8]) -> i64 {
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
    let (resource, query) = url.split_once('?').expect("a query");
    let params: Vec<(&str, &str)> = query.split('&').map(|p| p.split_once('=').unwrap()).collect();
    let names: Vec<&str> = params.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        ["Expires", "Signature", "Key-Pair-Id", "Hash-Algorithm"],
        "{url}"
    );
    assert_eq!((params[2].1, params[3].1), (key_pair_id, "SHA256"));
    let expires: i64 = params[0].1.parse().unwrap();
    let policy = format!(
        r#"{{"Statement":[{{"Resource":"{resource}","Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}"#
    );
    let signature = STANDARD
        .decode(params[1].1.replace('-', "+").replace('_', "=").replace('~', "/"))
        .unwrap();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key)
        .verify(policy.as_bytes(), &signature)
        .expect("the signature verifies with the CDN's public key");
    expires
}

/// getFileUrl's answer for one of the caller's keys.
async fn file_url(app: &TestApp, token: &str, key: &str) -> Value {
    let reply = app
        .call::<GetFileUrl>(
            request(Method::GET, "/files/url")
                .bearer(token)
                .query("keys", key)
                .build(),
        )
        .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.data()["files"][0].clone()
}

#[tokio::test]
async fn downloads_are_presigned_s3_urls_until_the_cdn_is_configured_then_signed_urls_on_our_domain() {
    use shared::runtime::config::vars;
    let mut app = spawn_app().await;
    // URLs are signed per window of the clock: frozen, every read here falls in the same one.
    app.freeze_clock();
    let login = app.login(&app.new_user_name("cdn")).await;
    let token = login["accessToken"].as_str().unwrap().to_owned();
    let grant = token_for_upload(
        &app,
        &token,
        json!({"contentType": "image/png", "size": PNG.len(), "purpose": "avatar"}),
    )
    .await
    .data()
    .clone();
    assert_eq!(post_upload(&grant, PNG, "image/png").await.status().as_u16(), 201);
    let key = grant["key"].as_str().unwrap().to_owned();

    let presigned = file_url(&app, &token, &key).await;
    let presigned_url = presigned["url"].as_str().unwrap();
    assert!(
        presigned_url.starts_with(&format!(
            "{}/{}/{key}?",
            integration_tests::emulator_endpoint(),
            app.bucket
        )),
        "{presigned_url}"
    );
    assert!(presigned_url.contains("X-Amz-Signature=") && !presigned_url.contains("Key-Pair-Id"));

    // As deployed: the private key in an SSM SecureString parameter, named by the function's env.
    let (private_pem, public_key) = cdn_test_keys();
    let parameter = format!("/test/{}/download-key", shared::infra::crypto::random_id(6));
    aws_sdk_ssm::Client::new(&app.aws)
        .put_parameter()
        .name(&parameter)
        .value(&private_pem)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    app.env = app
        .env
        .clone()
        .with(vars::DOWNLOAD_BASE_URL, "https://files.example.cn/")
        .with(vars::DOWNLOAD_KEY_PAIR_ID, "K2JCJMDEHXQW5F")
        .with("DOWNLOAD_PRIVATE_KEY_PARAMETER", &parameter);
    app.take_s3_calls();

    let signed = file_url(&app, &token, &key).await;
    let again = file_url(&app, &token, &key).await;

    assert_eq!(app.take_s3_calls(), 0, "signing needs no AWS call");
    let url = signed["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("https://files.example.cn/{key}?Expires=")),
        "{url}"
    );
    let expires = verify_cloudfront_url(url, "K2JCJMDEHXQW5F", &public_key);
    let expires_at = chrono::DateTime::parse_from_rfc3339(signed["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires, expires_at.timestamp());
    assert_eq!(
        signed["expiresAt"], presigned["expiresAt"],
        "the same signing window"
    );
    assert_eq!(
        again["url"], signed["url"],
        "a stable URL keeps image caches warm"
    );

    let saved = app
        .call::<UpdateUserInfo>(
            request(Method::PATCH, "/users/me")
                .bearer(&token)
                .json(&json!({"avatarKey": key})),
        )
        .await;
    let me = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").bearer(&token).build())
        .await;
    for (what, reply) in [("updateUserInfo", &saved), ("getUserInfo", &me)] {
        assert_eq!(reply.status, 200, "{what}: {:?}", reply.body);
        let avatar = reply.data()["avatarUrl"].as_str().unwrap();
        assert!(
            avatar.starts_with("https://files.example.cn/uploads/"),
            "{what}: {avatar}"
        );
        verify_cloudfront_url(avatar, "K2JCJMDEHXQW5F", &public_key);
    }
}

#[tokio::test]
async fn a_half_configured_cdn_stops_the_function_at_cold_start_naming_the_missing_variable() {
    use shared::runtime::config::vars;
    use shared::runtime::http::Adapter;
    let mut app = spawn_app().await;
    app.env = app
        .env
        .clone()
        .with(vars::DOWNLOAD_BASE_URL, "https://files.example.cn")
        .with(vars::DOWNLOAD_PRIVATE_KEY, cdn_test_keys().0);

    let Err(err) = Adapter::<GetFileUrl>::build(&app.startup()).await else {
        panic!("getFileUrl started with half a CDN");
    };
    let err = err.to_string();

    assert!(err.contains("DOWNLOAD_KEY_PAIR_ID"), "{err}");
    assert!(
        Adapter::<UploadToken>::build(&app.startup()).await.is_ok(),
        "the upload side never reads the CDN's settings"
    );
}
