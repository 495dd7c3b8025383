//! Operators, their console sessions and the audit log in the table. An account is two items
//! (the profile, and the claim on its e-mail address that finds it at sign-in); its sessions live
//! in its partition; audit records are put once and never updated or deleted.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};

use super::item::{Attributes, Item, key_attributes, n, s, written};
use super::keys::{self, attr, field, item_type};
use super::queues_pages::Partition;
use super::transaction::{Outcome, Transaction};
use super::{Read, Store};
use crate::domain::operators::{AuditRecord, ConsoleSession, Email, Operator, Role};
use crate::domain::paging::Position;
use crate::domain::time::Timestamp;
use crate::infra::storage::StorageError;

impl Store {
    /// Creates `operator` with the claim on its address, in one transaction. False when the
    /// address already has an account.
    #[tracing::instrument(skip_all)]
    pub async fn create_operator(&self, operator: &Operator) -> Result<bool, StorageError> {
        const CONTEXT: &str = "creating the operator";
        let built = |e| StorageError::failed(CONTEXT, e);
        let mut claim = key_attributes(&keys::operator_email(operator.email.as_str()));
        claim.insert(attr::TYPE.into(), s(item_type::OPERATOR_EMAIL));
        claim.insert(field::operator::ID.into(), s(&operator.id));
        let mut transaction = Transaction::new();
        transaction.push(
            (),
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(self.table())
                        .set_item(Some(claim))
                        .condition_expression("attribute_not_exists(pk)")
                        .build()
                        .map_err(built)?,
                )
                .build(),
        );
        transaction.push(
            (),
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(self.table())
                        .set_item(Some(operator_item(operator)))
                        .condition_expression("attribute_not_exists(pk)")
                        .build()
                        .map_err(built)?,
                )
                .build(),
        );
        Ok(matches!(
            transaction.run(self, CONTEXT).await?,
            Outcome::Committed
        ))
    }

    /// An operator by id, read consistently.
    pub async fn operator(&self, id: &str) -> Result<Option<Operator>, StorageError> {
        self.get(&keys::operator(id), Read::Consistent, "reading the operator")
            .await?
            .as_ref()
            .map(operator_from)
            .transpose()
    }

    /// An operator by e-mail address (the claim, then the profile).
    #[tracing::instrument(skip_all)]
    pub async fn operator_by_email(&self, email: &Email) -> Result<Option<Operator>, StorageError> {
        let claim = self
            .get(
                &keys::operator_email(email.as_str()),
                Read::Consistent,
                "finding the operator",
            )
            .await?;
        match claim {
            Some(claim) => self.operator(&Item(&claim).s(field::operator::ID)?).await,
            None => Ok(None),
        }
    }

    /// The operator and one of their console sessions, both read consistently at once (one
    /// round trip of latency), so a removal, a role or password change is seen by the next
    /// request.
    #[tracing::instrument(skip_all)]
    pub async fn operator_and_session(
        &self,
        operator_id: &str,
        secret_hash: &str,
    ) -> Result<(Option<Operator>, Option<ConsoleSession>), StorageError> {
        let session_key = keys::console_session(operator_id, secret_hash);
        let (operator, session) = tokio::join!(
            self.operator(operator_id),
            self.get(&session_key, Read::Consistent, "reading the console session")
        );
        let session = session?.as_ref().map(session_from).transpose()?;
        Ok((operator?, session))
    }

    /// Counts one more failed sign-in of `operator` (as read) and holds the next attempt until
    /// `next_attempt_at`. A concurrent failure wins instead (then this one is not counted twice).
    #[tracing::instrument(skip_all)]
    pub async fn record_sign_in_failure(
        &self,
        operator: &Operator,
        next_attempt_at: Timestamp,
    ) -> Result<(), StorageError> {
        use field::operator as f;
        let result = self
            .update(&keys::operator(&operator.id))
            .update_expression("SET #failures = :failures, #next = :next")
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(#failures) OR #failures = :read)",
            )
            .expression_attribute_names("#failures", f::FAILURES)
            .expression_attribute_names("#next", f::NEXT_ATTEMPT_AT)
            .expression_attribute_values(":failures", n(operator.failures + 1))
            .expression_attribute_values(":read", n(operator.failures))
            .expression_attribute_values(":next", s(next_attempt_at.to_string()))
            .send()
            .await;
        written(result, "counting the failed sign-in").map(|_| ())
    }

    /// Opens `session` for `operator` (as read), signed in with TOTP step `step`: one
    /// transaction that spends the step (only a later one than the last: a code works once),
    /// clears the failures and puts the session. False when the step was spent meanwhile or the
    /// account changed.
    #[tracing::instrument(skip_all)]
    pub async fn open_console_session(
        &self,
        operator: &Operator,
        step: u64,
        secret_hash: &str,
        session: &ConsoleSession,
    ) -> Result<bool, StorageError> {
        use field::operator as f;
        const CONTEXT: &str = "opening the console session";
        let built = |e| StorageError::failed(CONTEXT, e);
        let key = keys::operator(&operator.id);
        let spend = Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .update_expression("SET #step = :step, #failures = :zero, #signed = :now REMOVE #next")
            .condition_expression(
                "#credentials = :credentials AND (attribute_not_exists(#step) OR #step < :step)",
            )
            .expression_attribute_names("#step", f::TOTP_STEP)
            .expression_attribute_names("#failures", f::FAILURES)
            .expression_attribute_names("#signed", f::LAST_SIGN_IN_AT)
            .expression_attribute_names("#next", f::NEXT_ATTEMPT_AT)
            .expression_attribute_names("#credentials", f::CREDENTIALS)
            .expression_attribute_values(":step", n(step))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":now", s(session.created_at.to_string()))
            .expression_attribute_values(":credentials", n(operator.credentials))
            .build()
            .map_err(built)?;
        let mut item = key_attributes(&keys::console_session(&operator.id, secret_hash));
        item.insert(attr::TYPE.into(), s(item_type::CONSOLE_SESSION));
        item.extend(session_attributes(session));
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push((), TransactWriteItem::builder().update(spend).build());
        transaction.push((), TransactWriteItem::builder().put(put).build());
        Ok(matches!(
            transaction.run(self, CONTEXT).await?,
            Outcome::Committed
        ))
    }

    /// Records that the session was used at `now` (it stays open another idle period).
    pub async fn touch_console_session(
        &self,
        operator_id: &str,
        secret_hash: &str,
        now: Timestamp,
    ) -> Result<(), StorageError> {
        let result = self
            .update(&keys::console_session(operator_id, secret_hash))
            .update_expression("SET #seen = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#seen", field::console_session::LAST_SEEN_AT)
            .expression_attribute_values(":now", s(now.to_string()))
            .send()
            .await;
        written(result, "touching the console session").map(|_| ())
    }

    /// Ends a console session (sign-out). Ending one that is gone is not an error.
    pub async fn end_console_session(
        &self,
        operator_id: &str,
        secret_hash: &str,
    ) -> Result<(), StorageError> {
        self.client
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key_attributes(&keys::console_session(
                operator_id,
                secret_hash,
            ))))
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("ending the console session", e))?;
        Ok(())
    }

    /// Replaces `operator`'s password (as read: its credentials version) by `password_hash`:
    /// every other session ends (the version moves on) and the one at `keep` follows it. False
    /// when the account changed meanwhile.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        operator: &Operator,
        password_hash: &str,
        keep: &str,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        use field::operator as f;
        const CONTEXT: &str = "changing the password";
        let built = |e| StorageError::failed(CONTEXT, e);
        let key = keys::operator(&operator.id);
        let next = operator.credentials + 1;
        let change = Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(key.pk))
            .key(attr::SK, s(key.sk))
            .update_expression("SET #hash = :hash, #credentials = :next, #must = :false, #updated = :now")
            .condition_expression("#credentials = :read")
            .expression_attribute_names("#hash", f::PASSWORD_HASH)
            .expression_attribute_names("#credentials", f::CREDENTIALS)
            .expression_attribute_names("#must", f::MUST_CHANGE_PASSWORD)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_values(":hash", s(password_hash))
            .expression_attribute_values(":next", n(next))
            .expression_attribute_values(":read", n(operator.credentials))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":now", s(now.to_string()))
            .build()
            .map_err(built)?;
        let session_key = keys::console_session(&operator.id, keep);
        let follow = Update::builder()
            .table_name(self.table())
            .key(attr::PK, s(session_key.pk))
            .key(attr::SK, s(session_key.sk))
            .update_expression("SET #credentials = :next")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#credentials", field::console_session::CREDENTIALS)
            .expression_attribute_values(":next", n(next))
            .build()
            .map_err(built)?;
        let mut transaction = Transaction::new();
        transaction.push((), TransactWriteItem::builder().update(change).build());
        transaction.push((), TransactWriteItem::builder().update(follow).build());
        Ok(matches!(
            transaction.run(self, CONTEXT).await?,
            Outcome::Committed
        ))
    }

    /// Gives `operator` new credentials (an owner's or the command line's reset): a new password
    /// to change at first sign-in and a new TOTP secret; every session ends and failures clear.
    #[tracing::instrument(skip_all)]
    pub async fn reset_operator(
        &self,
        operator: &Operator,
        password_hash: &str,
        totp_secret: &str,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        use field::operator as f;
        let result = self
            .update(&keys::operator(&operator.id))
            .update_expression(
                "SET #hash = :hash, #totp = :totp, #credentials = :next, #must = :true, #failures = :zero, #updated = :now REMOVE #next, #step",
            )
            .condition_expression("#credentials = :read")
            .expression_attribute_names("#hash", f::PASSWORD_HASH)
            .expression_attribute_names("#totp", f::TOTP_SECRET)
            .expression_attribute_names("#credentials", f::CREDENTIALS)
            .expression_attribute_names("#must", f::MUST_CHANGE_PASSWORD)
            .expression_attribute_names("#failures", f::FAILURES)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_names("#next", f::NEXT_ATTEMPT_AT)
            .expression_attribute_names("#step", f::TOTP_STEP)
            .expression_attribute_values(":hash", s(password_hash))
            .expression_attribute_values(":totp", s(totp_secret))
            .expression_attribute_values(":next", n(operator.credentials + 1))
            .expression_attribute_values(":read", n(operator.credentials))
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":now", s(now.to_string()))
            .send()
            .await;
        written(result, "resetting the operator")
    }

    /// Lifts the hold failed sign-ins put on an operator (the owner's recovery, from the command
    /// line).
    pub async fn unlock_operator(&self, operator: &Operator, now: Timestamp) -> Result<(), StorageError> {
        use field::operator as f;
        let result = self
            .update(&keys::operator(&operator.id))
            .update_expression("SET #failures = :zero, #updated = :now REMOVE #next")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#failures", f::FAILURES)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_names("#next", f::NEXT_ATTEMPT_AT)
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":now", s(now.to_string()))
            .send()
            .await;
        written(result, "unlocking the operator").map(|_| ())
    }

    /// Gives `operator` the role `role`; the next request of any of their sessions sees it.
    pub async fn set_operator_role(
        &self,
        operator: &Operator,
        role: Role,
        now: Timestamp,
    ) -> Result<bool, StorageError> {
        use field::operator as f;
        let result = self
            .update(&keys::operator(&operator.id))
            .update_expression("SET #role = :role, #updated = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#role", f::ROLE)
            .expression_attribute_names("#updated", f::UPDATED_AT)
            .expression_attribute_values(":role", s(role.as_str()))
            .expression_attribute_values(":now", s(now.to_string()))
            .send()
            .await;
        written(result, "changing the role")
    }

    /// Removes `operator` and the claim on their address; their sessions end with the account
    /// (each request reads it) and expire from the table.
    #[tracing::instrument(skip_all)]
    pub async fn delete_operator(&self, operator: &Operator) -> Result<bool, StorageError> {
        const CONTEXT: &str = "removing the operator";
        let built = |e| StorageError::failed(CONTEXT, e);
        let mut transaction = Transaction::new();
        for key in [
            keys::operator(&operator.id),
            keys::operator_email(operator.email.as_str()),
        ] {
            transaction.push(
                (),
                TransactWriteItem::builder()
                    .delete(
                        Delete::builder()
                            .table_name(self.table())
                            .set_key(Some(key_attributes(&key)))
                            .condition_expression("attribute_exists(pk)")
                            .build()
                            .map_err(built)?,
                    )
                    .build(),
            );
        }
        Ok(matches!(
            transaction.run(self, CONTEXT).await?,
            Outcome::Committed
        ))
    }

    /// Every operator, by e-mail address: one Query of the GSI1 partition of operators.
    #[tracing::instrument(skip_all)]
    pub async fn list_operators(&self) -> Result<Vec<Operator>, StorageError> {
        let output = self
            .client
            .query()
            .table_name(self.table())
            .index_name(keys::index::GSI1)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", attr::GSI1PK)
            .expression_attribute_values(":pk", s(keys::OPERATORS))
            .limit(200)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("listing the operators", e))?;
        output.items().iter().map(operator_from).collect()
    }

    /// Appends `record` to the audit log (never replacing one).
    #[tracing::instrument(skip_all)]
    pub async fn append_audit(&self, record: &AuditRecord) -> Result<(), StorageError> {
        use field::audit as f;
        let at = record.at.to_string();
        let mut item = key_attributes(&keys::audit(&at[..10], &at, &record.request_id));
        item.insert(attr::TYPE.into(), s(item_type::AUDIT));
        item.insert(f::AT.into(), s(&at));
        item.insert(f::OPERATOR_ID.into(), s(&record.operator_id));
        item.insert(f::EMAIL.into(), s(&record.email));
        item.insert(f::ROLE.into(), s(record.role.as_str()));
        item.insert(f::ACTION.into(), s(&record.action));
        item.insert(f::IP.into(), s(&record.ip));
        item.insert(f::REQUEST_ID.into(), s(&record.request_id));
        item.insert(f::CHANGES.into(), s(record.changes.to_string()));
        if let Some(target) = &record.target {
            item.insert(f::TARGET.into(), s(target));
            item.insert(attr::GSI1PK.into(), s(keys::audit_target(target)));
            item.insert(attr::GSI1SK.into(), s(format!("{at}#{}", record.request_id)));
        }
        self.client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("appending to the audit log", e))?;
        Ok(())
    }

    /// The audit records of day `day` (`YYYY-MM-DD`, UTC), oldest first, after position `after`:
    /// one Query. Answers the records and where to go on from when there may be more.
    #[tracing::instrument(skip_all)]
    pub async fn audit_of_day(
        &self,
        day: &str,
        after: Option<&Position>,
        limit: i32,
    ) -> Result<(Vec<AuditRecord>, Option<String>), StorageError> {
        let partition = Partition {
            index: None,
            pk: attr::PK,
            sk: attr::SK,
            value: keys::audit(day, "", "").pk,
        };
        let query = self.queue_query(&partition, after, limit);
        self.queue_page(query, attr::SK, audit_from, "reading the audit log")
            .await
    }

    /// The latest `limit` audit records of `target` (an order id, an operator id), newest first:
    /// one Query of its GSI1 partition.
    #[tracing::instrument(skip_all)]
    pub async fn audit_of_target(&self, target: &str, limit: i32) -> Result<Vec<AuditRecord>, StorageError> {
        let output = self
            .client
            .query()
            .table_name(self.table())
            .index_name(keys::index::GSI1)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", attr::GSI1PK)
            .expression_attribute_values(":pk", s(keys::audit_target(target)))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| StorageError::from_sdk("reading the audit log", e))?;
        output.items().iter().map(audit_from).collect()
    }
}

fn operator_item(operator: &Operator) -> Attributes {
    use field::operator as f;
    let mut item = key_attributes(&keys::operator(&operator.id));
    item.insert(attr::TYPE.into(), s(item_type::OPERATOR));
    item.insert(attr::GSI1PK.into(), s(keys::OPERATORS));
    item.insert(attr::GSI1SK.into(), s(operator.email.as_str()));
    item.insert(f::ID.into(), s(&operator.id));
    item.insert(f::EMAIL.into(), s(operator.email.as_str()));
    item.insert(f::ROLE.into(), s(operator.role.as_str()));
    item.insert(f::PASSWORD_HASH.into(), s(&operator.password_hash));
    item.insert(f::TOTP_SECRET.into(), s(&operator.totp_secret));
    item.insert(f::FAILURES.into(), n(operator.failures));
    item.insert(
        f::MUST_CHANGE_PASSWORD.into(),
        AttributeValue::Bool(operator.must_change_password),
    );
    item.insert(f::CREDENTIALS.into(), n(operator.credentials));
    item.insert(f::CREATED_AT.into(), s(operator.created_at.to_string()));
    item.insert(f::UPDATED_AT.into(), s(operator.updated_at.to_string()));
    item
}

fn operator_from(attributes: &Attributes) -> Result<Operator, StorageError> {
    use field::operator as f;
    let item = Item(attributes);
    Ok(Operator {
        id: item.s(f::ID)?,
        email: item.parsed(f::EMAIL, |text| Email::parse(text).ok())?,
        role: item.parsed(f::ROLE, Role::parse)?,
        password_hash: item.s(f::PASSWORD_HASH)?,
        totp_secret: item.s(f::TOTP_SECRET)?,
        totp_step: item.opt_n(f::TOTP_STEP)?,
        failures: item.opt_n(f::FAILURES)?.unwrap_or(0),
        next_attempt_at: item.opt_time(f::NEXT_ATTEMPT_AT)?,
        must_change_password: matches!(
            attributes.get(f::MUST_CHANGE_PASSWORD),
            Some(AttributeValue::Bool(true))
        ),
        credentials: item.opt_n(f::CREDENTIALS)?.unwrap_or(0),
        created_at: item.time(f::CREATED_AT)?,
        updated_at: item.time(f::UPDATED_AT)?,
        last_sign_in_at: item.opt_time(f::LAST_SIGN_IN_AT)?,
    })
}

fn session_attributes(session: &ConsoleSession) -> Attributes {
    use field::console_session as f;
    Attributes::from([
        (f::CSRF_TOKEN.into(), s(&session.csrf_token)),
        (f::CREATED_AT.into(), s(session.created_at.to_string())),
        (f::LAST_SEEN_AT.into(), s(session.last_seen_at.to_string())),
        (f::CREDENTIALS.into(), n(session.credentials)),
        (attr::TTL.into(), n(session.expires_at().epoch_secs())),
    ])
}

fn session_from(attributes: &Attributes) -> Result<ConsoleSession, StorageError> {
    use field::console_session as f;
    let item = Item(attributes);
    Ok(ConsoleSession {
        csrf_token: item.s(f::CSRF_TOKEN)?,
        created_at: item.time(f::CREATED_AT)?,
        last_seen_at: item.time(f::LAST_SEEN_AT)?,
        credentials: item.n(f::CREDENTIALS)?,
    })
}

fn audit_from(attributes: &Attributes) -> Result<AuditRecord, StorageError> {
    use field::audit as f;
    let item = Item(attributes);
    Ok(AuditRecord {
        at: item.time(f::AT)?,
        operator_id: item.s(f::OPERATOR_ID)?,
        email: item.s(f::EMAIL)?,
        role: item.parsed(f::ROLE, Role::parse)?,
        action: item.s(f::ACTION)?,
        target: item.opt_s(f::TARGET),
        changes: serde_json::from_str(&item.s(f::CHANGES)?).unwrap_or(serde_json::Value::Null),
        ip: item.s(f::IP)?,
        request_id: item.s(f::REQUEST_ID)?,
    })
}
