//! The operators' console sessions: sign-in with password and TOTP, cookie flags, the initial
//! password, CSRF and Origin, failures that hold an account, sessions that end, user tokens and
//! console cookies kept to their own routes, roles per operation, and the audit log.

use integration_tests::console::{CONSOLE_ORIGIN, PASSWORD, code, cookie_of, totp_of};
use integration_tests::{TestApp, request, spawn_app};
use lambda_http::http::Method;
use serde_json::json;
use shared::after_sales::ListAfterSalesQueue;
use shared::domain::operators::{FREE_FAILURES, LOCK_AFTER};
use shared::identity::GetUserInfo;
use shared::operators::{ChangePassword, GetMe, SignOut};

fn now_secs(app: &TestApp) -> u64 {
    app.clock.now().epoch_secs() as u64
}

fn me() -> integration_tests::RequestBuilder {
    request(Method::GET, "/admin/me")
}

#[tokio::test]
async fn an_operator_signs_in_with_password_and_code_into_an_http_only_strict_cookie_and_changes_the_initial_password()
 {
    let app = spawn_app().await;
    let enrolment = app.create_operator("Owner@Shop.Example", "owner").await;
    assert!(
        enrolment
            .totp_uri
            .starts_with("otpauth://totp/wx-serverless:owner@shop.example?secret=")
    );
    let totp = totp_of(&enrolment);

    let signed = app
        .sign_in(
            "owner@shop.example",
            &enrolment.password,
            &code(&totp, now_secs(&app), 0),
        )
        .await;

    assert_eq!(signed.status, 200, "{:?}", signed.body);
    assert_eq!(signed.data()["role"], "owner");
    assert_eq!(signed.data()["mustChangePassword"], true);
    let set_cookie = signed.headers["set-cookie"].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set_cookie.contains(flag), "{flag}: {set_cookie}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain-http local origin: {set_cookie}"
    );
    let cookie = cookie_of(&signed).unwrap();
    let secret = cookie.split('.').nth(1).unwrap();
    assert!(
        !signed.body.to_string().contains(secret),
        "the session is in the cookie only"
    );
    let csrf = signed.data()["csrfToken"].as_str().unwrap().to_owned();
    let console = |builder: integration_tests::RequestBuilder| {
        builder
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .header("origin", CONSOLE_ORIGIN)
    };

    let who = app.call::<GetMe>(console(me()).build()).await;
    assert_eq!(
        (who.data()["email"].as_str(), who.data()["csrfToken"].as_str()),
        (Some("owner@shop.example"), Some(csrf.as_str()))
    );
    let queue = app
        .call::<ListAfterSalesQueue>(console(request(Method::GET, "/admin/after-sales")).build())
        .await;
    assert_eq!(
        (queue.status, queue.code()),
        (403, 40305),
        "the initial password first: {:?}",
        queue.body
    );
    let weak = app
        .call::<ChangePassword>(
            console(request(Method::POST, "/admin/password"))
                .json(&json!({"current": enrolment.password, "new": "short"})),
        )
        .await;
    assert_eq!(
        (
            weak.status,
            weak.body["message"]
                .as_str()
                .map(|m| m.starts_with("validation failed: new"))
        ),
        (400, Some(true))
    );
    let wrong = app
        .call::<ChangePassword>(
            console(request(Method::POST, "/admin/password"))
                .json(&json!({"current": "not it at all, sorry", "new": PASSWORD})),
        )
        .await;
    assert_eq!((wrong.status, wrong.code()), (400, 40002), "{:?}", wrong.body);
    let changed = app
        .call::<ChangePassword>(
            console(request(Method::POST, "/admin/password"))
                .json(&json!({"current": enrolment.password, "new": PASSWORD})),
        )
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    let queue = app
        .call::<ListAfterSalesQueue>(console(request(Method::GET, "/admin/after-sales")).build())
        .await;
    assert_eq!(queue.status, 200, "the same session goes on: {:?}", queue.body);

    // The audit log has the sign-in and the change, the passwords masked.
    let operator_id = signed.data()["id"].as_str().unwrap();
    let records = app.store().audit_of_target(operator_id, 10).await.unwrap();
    assert!(records.iter().any(|r| r.action == "sign-in"), "{records:?}");
    let log = serde_json::to_string(
        &app.store()
            .audit_of_day(&app.clock.now().to_string()[..10], None, 100)
            .await
            .unwrap()
            .0,
    )
    .unwrap();
    assert!(log.contains("change-password"), "{log}");
    assert!(
        !log.contains(PASSWORD) && !log.contains(&enrolment.password),
        "{log}"
    );
}

#[tokio::test]
async fn a_code_works_once_and_every_wrong_part_answers_the_same() {
    let app = spawn_app().await;
    let enrolment = app.create_operator("ops@shop.example", "support").await;
    let totp = totp_of(&enrolment);
    let now = now_secs(&app);
    let first = app
        .sign_in("ops@shop.example", &enrolment.password, &code(&totp, now, 0))
        .await;
    assert_eq!(first.status, 200, "{:?}", first.body);

    let replay = app
        .sign_in("ops@shop.example", &enrolment.password, &code(&totp, now, 0))
        .await;
    let wrong_password = app
        .sign_in("ops@shop.example", "guess guess guess", &code(&totp, now, 1))
        .await;
    let nobody = app
        .sign_in("nobody@shop.example", &enrolment.password, &code(&totp, now, 1))
        .await;

    for reply in [&replay, &wrong_password, &nobody] {
        assert_eq!((reply.status, reply.code()), (401, 40110), "{:?}", reply.body);
        assert!(reply.headers.get("set-cookie").is_none());
    }
    assert_eq!(
        replay.body["message"], nobody.body["message"],
        "nothing tells them apart"
    );
    let foreign = app
        .call::<shared::operators::SignIn>(
            request(Method::POST, "/admin/session")
                .header("origin", "https://evil.example")
                .json(&json!({"email": "ops@shop.example", "password": enrolment.password, "totp": code(&totp, now, 1)})),
        )
        .await;
    assert_eq!(
        (foreign.status, foreign.code()),
        (403, 40304),
        "{:?}",
        foreign.body
    );
}

#[tokio::test]
async fn failures_hold_the_account_longer_and_longer_then_lock_it_until_it_passes_or_an_owner_unlocks_it() {
    let mut app = spawn_app().await;
    app.freeze_clock();
    let enrolment = app.create_operator("packer@shop.example", "fulfilment").await;
    let totp = totp_of(&enrolment);
    for _ in 0..FREE_FAILURES {
        let wrong = app
            .sign_in("packer@shop.example", "wrong wrong wrong", "000000")
            .await;
        assert_eq!(wrong.code(), 40110);
    }

    let held = app
        .sign_in(
            "packer@shop.example",
            &enrolment.password,
            &code(&totp, now_secs(&app), 0),
        )
        .await;

    assert_eq!((held.status, held.code()), (429, 42904), "{:?}", held.body);
    assert_eq!(held.headers["retry-after"], "1");
    for _ in FREE_FAILURES..LOCK_AFTER {
        app.clock.advance(std::time::Duration::from_secs(120));
        assert_eq!(
            app.sign_in("packer@shop.example", "wrong wrong wrong", "000000")
                .await
                .code(),
            40110
        );
    }
    app.clock.advance(std::time::Duration::from_secs(14 * 60));
    let locked = app
        .sign_in(
            "packer@shop.example",
            &enrolment.password,
            &code(&totp, now_secs(&app), 0),
        )
        .await;
    assert_eq!(locked.code(), 42904, "locked for 15 minutes: {:?}", locked.body);
    app.accounts().unlock("packer@shop.example").await.unwrap();
    let unlocked = app
        .sign_in(
            "packer@shop.example",
            &enrolment.password,
            &code(&totp, now_secs(&app), 0),
        )
        .await;
    assert_eq!(unlocked.status, 200, "the owner's recovery: {:?}", unlocked.body);
}

#[tokio::test]
async fn a_change_needs_the_sessions_csrf_token_and_the_consoles_origin() {
    let app = spawn_app().await;
    let login = app.operator_session("manager").await;
    let body = json!({"current": PASSWORD, "new": "another long pass phrase"});
    let attempts = [
        request(Method::POST, "/admin/password")
            .header("cookie", &login.cookie)
            .header("origin", CONSOLE_ORIGIN),
        request(Method::POST, "/admin/password")
            .header("cookie", &login.cookie)
            .header("origin", CONSOLE_ORIGIN)
            .header("x-csrf-token", "not-the-token"),
        request(Method::POST, "/admin/password")
            .header("cookie", &login.cookie)
            .header("x-csrf-token", &login.csrf)
            .header("origin", "https://evil.example"),
        request(Method::POST, "/admin/password")
            .header("cookie", &login.cookie)
            .header("x-csrf-token", &login.csrf),
    ];
    for attempt in attempts {
        let reply = app.call::<ChangePassword>(attempt.json(&body)).await;
        assert_eq!((reply.status, reply.code()), (403, 40304), "{:?}", reply.body);
    }
    let signed_out = app
        .call::<SignOut>(request(Method::DELETE, "/admin/session").console(&login).build())
        .await;
    assert_eq!(signed_out.status, 200, "{:?}", signed_out.body);
    assert!(
        signed_out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = app.call::<GetMe>(me().console(&login).build()).await;
    assert_eq!(
        (after.status, after.code()),
        (401, 40109),
        "signed out: {:?}",
        after.body
    );
}

#[tokio::test]
async fn user_tokens_never_open_admin_routes_and_console_cookies_never_open_user_routes() {
    let app = spawn_app().await;
    let login = app.operator_session("owner").await;
    let token = app.token_for("o_console_user").await;

    let with_token = app.call::<GetMe>(me().bearer(&token).build()).await;
    let with_cookie = app
        .call::<GetUserInfo>(request(Method::GET, "/users/me").console(&login).build())
        .await;

    assert_eq!(
        (with_token.status, with_token.code()),
        (401, 40109),
        "{:?}",
        with_token.body
    );
    assert_eq!(
        (with_cookie.status, with_cookie.code()),
        (401, 40101),
        "{:?}",
        with_cookie.body
    );
}

#[tokio::test]
async fn sessions_end_when_idle_and_a_password_change_or_a_role_change_takes_effect_on_the_next_request() {
    let mut app = spawn_app().await;
    app.freeze_clock();
    let first = app.operator_session("manager").await;
    let now = now_secs(&app);
    let second = app
        .sign_in(&first.email, PASSWORD, &code(&first.totp, now, 1))
        .await;
    assert_eq!(second.status, 200, "{:?}", second.body);
    let second_cookie = cookie_of(&second).unwrap();

    let operator = app.store().operator(&first.operator_id).await.unwrap().unwrap();
    app.store()
        .set_operator_role(
            &operator,
            shared::domain::operators::Role::Support,
            app.clock.now(),
        )
        .await
        .unwrap();
    let demoted = app
        .call::<ListAfterSalesQueue>(request(Method::GET, "/admin/after-sales").console(&first).build())
        .await;
    assert_eq!(demoted.status, 200, "support reads the queue: {:?}", demoted.body);
    let who = app.call::<GetMe>(me().console(&first).build()).await;
    assert_eq!(who.data()["role"], "support");

    let changed = app
        .call::<ChangePassword>(
            request(Method::POST, "/admin/password")
                .console(&first)
                .json(&json!({"current": PASSWORD, "new": "a brand new pass phrase"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    let other = app
        .call::<GetMe>(me().header("cookie", &second_cookie).build())
        .await;
    assert_eq!(other.code(), 40109, "the other session ended: {:?}", other.body);
    assert_eq!(app.call::<GetMe>(me().console(&first).build()).await.status, 200);

    app.clock.advance(shared::domain::operators::SESSION_IDLE);
    let idle = app.call::<GetMe>(me().console(&first).build()).await;
    assert_eq!(idle.code(), 40109, "idle for 30 minutes: {:?}", idle.body);
}

#[tokio::test]
async fn every_role_is_allowed_exactly_the_admin_operations_its_group_names() {
    use shared::after_sales::{ApproveAfterSales, ReceiveAfterSales, RefundOrderPart, RejectAfterSales};
    use shared::domain::operators::{
        AfterSalesDecisions, AnyOperator, Myself, Refunds, Returns, Role, Roles,
    };
    let shop = crate::payments::shop().await;
    let app = &shop.app;
    let decide = |action: &str| {
        request(Method::POST, &format!("/admin/orders/x/after-sales/1/{action}"))
            .path_param("id", "20261204000000000001")
            .path_param("number", "1")
    };
    for role in Role::ALL {
        let login = app.operator_session(role.as_str()).await;
        let replies = [
            (
                "list-after-sales-queue",
                AnyOperator::ALLOWED,
                app.call::<ListAfterSalesQueue>(
                    request(Method::GET, "/admin/after-sales").console(&login).build(),
                )
                .await,
            ),
            (
                "approve-after-sales",
                AfterSalesDecisions::ALLOWED,
                app.call::<ApproveAfterSales>(decide("approve").console(&login).json(&json!({})))
                    .await,
            ),
            (
                "reject-after-sales",
                AfterSalesDecisions::ALLOWED,
                app.call::<RejectAfterSales>(decide("reject").console(&login).json(&json!({"reason": "no"})))
                    .await,
            ),
            (
                "receive-after-sales",
                Returns::ALLOWED,
                app.call::<ReceiveAfterSales>(decide("receive").console(&login).json(&json!({})))
                    .await,
            ),
            (
                "refund-order-part",
                Refunds::ALLOWED,
                app.call::<RefundOrderPart>(
                    request(Method::POST, "/admin/orders/x/refunds")
                        .path_param("id", "20261204000000000001")
                        .console(&login)
                        .json(&json!({"amountFen": 1, "reason": "goodwill"})),
                )
                .await,
            ),
            (
                "get-me",
                Myself::ALLOWED,
                app.call::<GetMe>(me().console(&login).build()).await,
            ),
        ];
        for (operation, allowed, reply) in replies {
            if allowed.contains(role) {
                assert!(
                    ![401, 403].contains(&reply.status),
                    "{role} may call {operation}: {:?}",
                    reply.body
                );
            } else {
                assert_eq!(
                    (reply.status, reply.code()),
                    (403, 40303),
                    "{role} may not call {operation}: {:?}",
                    reply.body
                );
            }
        }
    }
    let anonymous = app
        .call::<ListAfterSalesQueue>(request(Method::GET, "/admin/after-sales").build())
        .await;
    assert_eq!((anonymous.status, anonymous.code()), (401, 40109));
}
