#!/usr/bin/env python3
"""`make new-function NAME=get-thing METHOD=GET ROUTE=/things/{id} AUTH=user [AREA=catalog]`
(AUTH=staff ROLES=<group> for an operators' route behind the console sign-in: the group is one
of `role_groups!` in shared/src/domain/operators.rs)

Adds one HTTP function, everywhere the drift check (scripts/check_template.py) looks:
- functions/NAME/: the binary, one line of wiring;
- shared/src/AREA/SNAKE.rs: the endpoint, a stub answering `{}`, in its area (a new area folder
  when AREA names none; AREA defaults from the route's first segment);
- template.yaml: the function and its log group, with least-privilege policy placeholders (a user
  function may read its caller's session; nothing else until the handler needs it);
- openapi.yaml: the operation (its error codes, its responses, the `x-function`);
- Cargo.toml: the route of `make dev`'s router;
- events/NAME.json: a sample API Gateway event;
- tests/tests/api/SNAKE.rs: a test of who may call it, and one (ignored until the handler is
  written) that fails on the stub's empty answer.
The SDK's routes and types are regenerated from openapi.yaml by the make target (`npm run generate`).
Writes nothing when an argument is wrong or the name or route is taken.
"""

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "shared" / "src"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
AUTHS = ("public", "user", "operator", "staff")
OPERATORS_RS = SRC / "domain" / "operators.rs"
# The area a route's first segment belongs to; another segment is a new area of that name.
AREA_OF_SEGMENT = {
    "auth": "identity", "users": "identity", "products": "catalog", "orders": "orders",
    "pay": "payments", "uploads": "files", "files": "files", "wechat": "wechat", "admin": "operators",
}
# The contract's tag of each area (openapi.yaml `tags`).
TAG_OF_AREA = {
    "identity": "users", "catalog": "catalog", "orders": "orders", "payments": "payments",
    "fulfilment": "admin", "operators": "admin", "files": "uploads", "wechat": "platform",
}
# What each kind of caller can be answered besides 200, as (code, status) pairs.
COMMON_CODES = [40001, 40002, 41301, 50001]
AUTH_CODES = {
    "public": [],
    "user": [40101, 40102, 40103, 40105, 50302],
    "operator": [40108, 40302],
    "staff": [40109, 40303, 40304, 40305, 50302],
}
RESPONSES = {
    400: "BadRequest", 401: "Unauthorized", 403: "OperatorForbidden", 413: "PayloadTooLarge",
    500: "InternalError", 503: "ServiceUnavailable",
}


def fail(message):
    print(f"new-function: {message}", file=sys.stderr)
    sys.exit(2)


def pascal(name):
    return "".join(part.capitalize() for part in name.split("-"))


def snake_case(name):
    """`orderId` -> `order_id`."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def camel(name):
    first, *rest = name.split("-")
    return first + "".join(part.capitalize() for part in rest)


def parse_args(argv):
    args = dict(arg.split("=", 1) for arg in argv if "=" in arg)
    name, method = args.get("NAME", ""), args.get("METHOD", "").upper()
    route, auth = args.get("ROUTE", ""), args.get("AUTH", "")
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", name):
        fail(f"NAME={name!r}: a kebab-case name of two words or more, such as get-thing")
    if method not in METHODS:
        fail(f"METHOD={method!r}: one of {', '.join(METHODS)}")
    if not re.fullmatch(r"(/([A-Za-z0-9_-]+|\{[a-z][A-Za-z0-9]*\}))+", route):
        fail(f"ROUTE={route!r}: a path such as /things/{{id}} (segments of letters, digits, _ and -, or {{name}})")
    if auth not in AUTHS:
        fail(f"AUTH={auth!r}: one of {', '.join(AUTHS)}")
    first = route.split("/")[1]
    area = args.get("AREA") or AREA_OF_SEGMENT.get(first) or first.replace("-", "_").lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", area) or area in ("runtime", "domain", "infra", "lib"):
        fail(f"AREA={area!r}: an area's module name (identity, catalog, orders, ...), or a new one")
    if (ROOT / "functions" / name).exists():
        fail(f"functions/{name} exists already")
    openapi = (ROOT / "openapi.yaml").read_text()
    path_item = re.search(rf"^  {re.escape(route)}:\n((?:    .*\n|\n)*)", openapi, re.M)
    if path_item and re.search(rf"^    {method.lower()}:", path_item.group(1), re.M):
        fail(f"{method} {route} is served already (openapi.yaml)")
    roles = args.get("ROLES", "")
    if auth == "staff":
        groups = role_groups()
        if roles not in groups:
            fail(f"ROLES={roles!r}: one of the role groups of {OPERATORS_RS.relative_to(ROOT)}: {', '.join(groups)}")
    return name, method, route, (auth, roles), area


def role_groups():
    """The role groups of `role_groups!`: name -> [role, ...] (lowercase, as in x-roles)."""
    text = OPERATORS_RS.read_text()
    body = text[text.index("role_groups! {"):]
    return {name: [r.strip().lower() for r in roles.split(",")]
            for name, roles in re.findall(r"^    (\w+) = \[([A-Za-z, ]+)\]", body, re.M)}


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"  wrote {path.relative_to(ROOT)}")


def edit(path, change):
    text = path.read_text()
    new = change(text)
    if new == text:
        fail(f"could not edit {path.relative_to(ROOT)}")
    path.write_text(new)
    print(f"  edited {path.relative_to(ROOT)}")


def main(argv):
    name, method, route, (auth, roles), area = parse_args(argv)
    snake, struct = name.replace("-", "_"), pascal(name)
    params = re.findall(r"\{(\w+)\}", route)
    sample_path = re.sub(r"\{(\w+)\}", "sample", route)
    print(f"new-function: {name} ({method} {route}, {auth}) in shared/src/{area}/")

    # The binary.
    write(ROOT / "functions" / name / "Cargo.toml", f'''[package]
name = "{name}"
description = "The `{name}` function: {method} {route}."
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[dependencies]
shared.workspace = true
tokio.workspace = true
''')
    write(ROOT / "functions" / name / "src" / "main.rs", f'''//! `{name}`: {method} {route}.

#[tokio::main]
async fn main() -> Result<(), shared::BoxError> {{
    shared::serve::<shared::{area}::{struct}>().await
}}
''')

    # The endpoint, in its area.
    auth_type = {"public": "Public", "user": "Caller", "operator": "Operator", "staff": f"Staff<{roles}>"}[auth]
    imports = ["use serde::Serialize;"] if not params else ["use serde::{Deserialize, Serialize};"]
    imports.append("")
    if auth == "user":
        imports.append("use crate::domain::ids::Caller;")
    if auth == "staff":
        imports.append(f"use crate::domain::operators::{roles};")
    runtime_items = ([] if params else ["NoInput"]) + ([auth_type] if auth in ("public", "operator") else []) + ["endpoint"]
    imports.append(f"use crate::runtime::http::{{{', '.join(runtime_items)}}};")
    if auth == "staff":
        imports.append("use crate::runtime::staff::Staff;")
    if params:
        fields = "\n".join(f"    pub {snake_case(p)}: String," for p in params)
        input_type = f"{struct}Input"
        input_decl = f'''
/// `{name}`'s input: the path's parameters (add the query's and the body's fields here).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct {input_type} {{
{fields}
}}
'''
    else:
        input_type, input_decl = "NoInput", ""
    write(SRC / area / f"{snake}.rs", f'''//! `{name}` ({method} {route}): written by `make new-function`; say here what it is for.

{chr(10).join(imports)}
{input_decl}
/// What `{name}` answers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct {struct}Output {{}}

endpoint! {{
    /// `{method} {route}`.
    {struct}: {method} "{name}", {auth_type}, ();
    fn(_service, _ctx, _input: {input_type}) -> {struct}Output {{
        // The stub: turn the input into domain types, call one use case of this area (its service
        // in place of `()`), and answer its result.
        Ok::<_, crate::ApiError>({struct}Output {{}})
    }}
}}
''')
    mod_rs = SRC / area / "mod.rs"
    if mod_rs.exists():
        def add_module(text):
            text = re.sub(r"((?:^(?:pub )?mod \w+;\n)+)", lambda m: m.group(1) + f"mod {snake};\n", text, count=1, flags=re.M)
            return text.rstrip("\n") + f"\npub use {snake}::*;\n"
        edit(mod_rs, add_module)
    else:
        write(mod_rs, f'''//! {area.replace("_", " ").capitalize()}: written by `make new-function` for `{route}`; say here which part
//! of the shop this area is.

mod {snake};

pub use {snake}::*;
''')
        def add_area(text):
            mods = re.findall(r"^pub mod (\w+);$", text, re.M)
            after = max([m for m in mods if m < area], default=None)
            if after is None:
                return re.sub(r"^(pub mod \w+;)$", f"pub mod {area};\n\\1", text, count=1, flags=re.M)
            return text.replace(f"pub mod {after};\n", f"pub mod {after};\npub mod {area};\n", 1)
        edit(SRC / "lib.rs", add_area)

    # The template: the function, least privilege, and its log group.
    environment = {"user": '''      Environment:
        Variables:
          JWT_PUBLIC_KEYS: !Ref JwtPublicKeys
''', "staff": '''      Environment:
        Variables:
          CONSOLE_ORIGINS: !Ref ConsoleOrigins
''', "operator": '''      Environment:
        Variables:
          OPERATOR_ROLE_ARN: !Ref OperatorRoleArn
'''}.get(auth, "")
    gateway_auth = '''            Auth:
              Authorizer: AWS_IAM
''' if auth == "operator" else ""
    if auth == "user":
        policies = '''      Policies:
        # DynamoDB: GetItem of the caller's session SESSION#<sid> (the session check). Add a
        # statement per key prefix, index, bucket prefix or parameter the handler uses, no more.
        - Statement:
            - Sid: ReadSession
              Effect: Allow
              Action: dynamodb:GetItem
              Resource: !GetAtt Table.Arn
              Condition:
                ForAllValues:StringLike:
                  dynamodb:LeadingKeys:
                    - "SESSION#*"
'''
    elif auth == "staff":
        policies = '''      Policies:
        # DynamoDB: the console session check (GetItem of the operator OPERATOR#<id> and of the
        # session in its partition; UpdateItem of the session's last use) and the audit record
        # of a change (PutItem AUDIT#<day>, never replacing one). Add a statement per key prefix,
        # index, bucket prefix or parameter the handler uses, no more.
        - Statement:
            - Sid: ConsoleSession
              Effect: Allow
              Action:
                - dynamodb:GetItem
                - dynamodb:UpdateItem
              Resource: !GetAtt Table.Arn
              Condition:
                ForAllValues:StringLike:
                  dynamodb:LeadingKeys:
                    - "OPERATOR#*"
            - Sid: AppendAudit
              Effect: Allow
              Action: dynamodb:PutItem
              Resource: !GetAtt Table.Arn
              Condition:
                ForAllValues:StringLike:
                  dynamodb:LeadingKeys:
                    - "AUDIT#*"
'''
    else:
        policies = '''      # Policies: none yet. Add a statement per key prefix, index, bucket prefix or parameter the
      # handler uses, no more (see the other functions).
'''
    resource = f'''  {struct}Function:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties:
        Binary: {name}
    Properties:
      CodeUri: .
      Description: "{method} {route} (written by make new-function: say what it does)."
      Timeout: !Ref FunctionTimeout
      LoggingConfig:
        LogGroup: !Ref {struct}LogGroup
{environment}      Events:
        Api:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Method: {method}
            Path: {route}
{gateway_auth}{policies}
  {struct}LogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/aws/lambda/${{AWS::StackName}}/{name}"
      RetentionInDays: !Ref LogRetentionInDays

'''
    edit(ROOT / "template.yaml", lambda text: text.replace("\nOutputs:\n", "\n" + resource + "Outputs:\n", 1))

    # The contract.
    codes = sorted(COMMON_CODES + AUTH_CODES[auth])
    statuses = sorted({code // 100 for code in codes})
    private = auth != "public" or method != "GET"
    cache = '''            Cache-Control:
              $ref: '#/components/headers/CacheControlNoStore'
''' if private else ""
    security = {"public": "", "user": "      security:\n        - bearer: []\n",
                "operator": "      security:\n        - sigv4: []\n",
                "staff": "      security:\n        - consoleSession: []\n"}[auth]
    if auth == "staff":
        security += f"      x-roles: [{', '.join(role_groups()[roles])}]\n"
    parameters = ""
    if params:
        parameters = "      parameters:\n" + "".join(f'''        - name: {p}
          in: path
          required: true
          schema:
            type: string
            minLength: 1
            maxLength: 128
''' for p in params)
    responses = "".join(f"        '{status}':\n          $ref: '#/components/responses/{RESPONSES[status]}'\n" for status in statuses)
    tag = TAG_OF_AREA.get(area, area)
    operation = f'''    {method.lower()}:
      tags: [{tag}]
      operationId: {camel(name)}
      x-function: {name}
      summary: {method} {route} (written by make new-function)
      description: |
        Written by `make new-function`: say what it does, what it takes and what it answers.

        Error codes: {", ".join(map(str, codes))}.
      x-error-codes: [{", ".join(map(str, codes))}]
{security}{parameters}      responses:
        '200':
          description: "What it answers (the stub: an empty object)."
          headers:
            x-request-id:
              $ref: '#/components/headers/XRequestId'
{cache}          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/Success'
                  - properties:
                      data:
                        type: object
{responses}'''

    def add_operation(text):
        item = re.search(rf"^  {re.escape(route)}:\n((?:    .*\n|\n)*)", text, re.M)
        if item:
            end = item.end()
            return text[:end].rstrip("\n") + "\n" + operation + "\n" + text[end:].lstrip("\n")
        if tag not in re.findall(r"^  - name: (\S+)$", text, re.M):
            text = text.replace("\npaths:\n", f"  - name: {tag}\n    description: Written by make new-function\n\npaths:\n", 1)
        return text.replace("\ncomponents:\n", f"\n  {route}:\n{operation}\ncomponents:\n", 1)

    edit(ROOT / "openapi.yaml", add_operation)

    # make dev's router.
    cargo = ROOT / "Cargo.toml"
    router = tomllib.loads(cargo.read_text())["workspace"]["metadata"]["lambda"]["watch"]["router"]

    def add_route(text):
        key = f'"{route}" = '
        current = router.get(route)
        if current is None:
            return text.rstrip("\n") + f'\n"{route}" = "{name}"\n'
        if isinstance(current, str):
            other = re.search(rf"^  \S+:\n(?:(?:    .*\n|\n)*?)    (\w+):\n(?:      .*\n)*?      x-function: {re.escape(current)}\n", (ROOT / "openapi.yaml").read_text(), re.M)
            other_method = other.group(1).upper() if other else "GET"
            entries = f'[\n    {{ method = "{other_method}", function = "{current}" }},\n    {{ method = "{method}", function = "{name}" }},\n]'
            return re.sub(rf'^{re.escape(key)}"{re.escape(current)}"$', lambda _: key + entries, text, count=1, flags=re.M)
        return re.sub(rf'(^{re.escape(key)}\[\n(?:    .*\n)*?)\]', lambda m: m.group(1) + f'    {{ method = "{method}", function = "{name}" }},\n]', text, count=1, flags=re.M)

    edit(cargo, add_route)

    # A sample event.
    headers = {"content-type": "application/json", "host": "api.example.com", "user-agent": "Mozilla/5.0 MicroMessenger/8.0.50 miniProgram"}
    if auth == "user":
        headers["authorization"] = "Bearer REPLACE_WITH_ACCESS_TOKEN"
    context = {
        "accountId": "123456789012", "apiId": "a1b2c3d4e5", "domainName": "api.example.com", "domainPrefix": "api",
        "http": {"method": method, "path": sample_path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10",
                 "userAgent": headers["user-agent"]},
        "requestId": f"sample-{name}-0001", "routeKey": f"{method} {route}", "stage": "$default",
        "time": "24/Nov/2026:05:13:21 +0000", "timeEpoch": 1795497201000,
    }
    if auth == "staff":
        headers["cookie"] = "wxs_console=REPLACE_WITH_OPERATOR_ID.REPLACE_WITH_SESSION_SECRET"
        headers["origin"] = "http://127.0.0.1:9000"
        headers["x-csrf-token"] = "REPLACE_WITH_CSRF_TOKEN"
    if auth == "operator":
        headers["authorization"] = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261124/us-east-1/execute-api/aws4_request"
        context["authorizer"] = {"iam": {"accessKey": "AKIAEXAMPLE", "accountId": "123456789012", "callerId": "AIDAEXAMPLE",
                                         "principalOrgId": None, "userArn": "arn:aws:sts::123456789012:assumed-role/shop-shippers/operator",
                                         "userId": "AIDAEXAMPLE", "cognitoIdentity": None}}
    event = {"version": "2.0", "routeKey": f"{method} {route}", "rawPath": sample_path, "rawQueryString": "",
             "headers": headers, "requestContext": context, "isBase64Encoded": False}
    if params:
        event["pathParameters"] = {p: "sample" for p in params}
    write(ROOT / "events" / f"{name}.json", json.dumps(event, indent=2, ensure_ascii=False) + "\n")

    # Its tests.
    build = f'request(Method::{method}, "{sample_path}")' + "".join(f'\n        .path_param("{p}", "sample")' for p in params)
    if auth == "user":
        refused = f'''#[tokio::test]
async fn {snake}_refuses_a_caller_without_an_access_token() {{
    let app = spawn_app().await;

    let reply = app.call::<{struct}>({build}.build()).await;

    assert_eq!((reply.status, reply.code()), (401, 40101), "{{:?}}", reply.body);
}}
'''
        caller = f'let token = app.token_for("o_{snake}").await;\n    '
        authed = f'{build}\n        .bearer(&token)'
    elif auth == "operator":
        refused = f'''#[tokio::test]
async fn {snake}_refuses_a_request_the_gateway_did_not_sign() {{
    let app = spawn_app().await;

    let reply = app.call::<{struct}>({build}.bearer("a-user-token").build()).await;

    assert_eq!((reply.status, reply.code()), (403, 40302), "{{:?}}", reply.body);
}}
'''
        caller = ""
        authed = f'{build}\n        .header("authorization", "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE")\n        .iam("arn:aws:iam::123456789012:user/operator")'
    elif auth == "staff":
        refused = f'''#[tokio::test]
async fn {snake}_refuses_a_caller_without_a_console_session() {{
    let app = spawn_app().await;
    let token = app.token_for("o_{snake}").await;

    let reply = app.call::<{struct}>({build}.bearer(&token).build()).await;

    assert_eq!((reply.status, reply.code()), (401, 40109), "a user token is no session: {{:?}}", reply.body);
}}
'''
        caller = f'let console = app.operator_session("{role_groups()[roles][0]}").await;\n    '
        authed = f'{build}\n        .console(&console)'
    else:
        refused = f'''#[tokio::test]
async fn {snake}_answers_only_its_method() {{
    let app = spawn_app().await;

    let reply = app.call::<{struct}>(request(Method::{"POST" if method != "POST" else "GET"}, "{sample_path}").build()).await;

    assert_eq!((reply.status, reply.code()), (405, 40501), "{{:?}}", reply.body);
}}
'''
        caller, authed = "", build
    write(ROOT / "tests" / "tests" / "api" / f"{snake}.rs", f'''//! `{name}` ({method} {route}): written by `make new-function`.

use integration_tests::{{request, spawn_app}};
use lambda_http::http::Method;
use shared::{area}::{struct};

{refused}
#[tokio::test]
#[ignore = "the handler is a stub: write it, then this test (and remove this line)"]
async fn {snake}_answers_what_its_handler_computes() {{
    let app = spawn_app().await;
    {caller}
    let reply = app.call::<{struct}>({authed}.build()).await;

    assert_eq!(reply.status, 200, "{{:?}}", reply.body);
    assert_ne!(reply.data(), &serde_json::json!({{}}), "the stub answers an empty object");
}}
''')
    def add_test_module(text):
        mods = re.findall(r"^mod \w+;$", text, re.M)
        block = "\n".join(sorted(set(mods) | {f"mod {snake};"}))
        return re.sub(r"(?:^mod \w+;\n)+", lambda _: block + "\n", text, count=1, flags=re.M)

    edit(ROOT / "tests" / "tests" / "api" / "main.rs", add_test_module)
    print(f"new-function: done. Next: the handler in shared/src/{area}/{snake}.rs, its policies in template.yaml, "
          f"its contract in openapi.yaml, and the ignored test in tests/tests/api/{snake}.rs.")


if __name__ == "__main__":
    main(sys.argv[1:])
