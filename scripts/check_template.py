#!/usr/bin/env python3
"""Checks that functions/, template.yaml, events/, the local router and openapi.yaml describe the
same functions and routes, and that the template keeps its IAM and partition rules. Run by
`make test` with the project's venv:

    .venv/bin/python scripts/check_template.py [path/to/template.yaml]

What must hold (the exit status is 1 and every problem is listed otherwise):
- the directories in functions/ == the `Metadata.BuildProperties.Binary` of the
  AWS::Serverless::Function resources (exactly one resource each) == the files events/*.json;
- each function resource is built by rust-cargolambda from the workspace root (CodeUri "."), its
  logical id is the binary in PascalCase + "Function", and the binary is one its crate builds;
- every function except the S3-triggered ones (on-upload) and the scheduled ones (expire-orders, reconcile-payments,
  refresh-wechat-token) has exactly one event, of type HttpApi, on the template's one
  AWS::Serverless::HttpApi (wechat-push: one per method, on one path); on-upload has exactly one
  event, of type S3; the scheduled ones exactly one, of type ScheduleV2;
- no two functions share a route, and each route equals the `routeKey` of events/<binary>.json
  (on-upload's sample must be an aws:s3 ObjectCreated event, expire-orders' an aws.scheduler
  Scheduled Event);
- every ARN written with Fn::Sub contains ${AWS::Partition}, and no string hard-codes "arn:aws:";
- no IAM statement has Action "*" or Resource "*" unless its Sid starts with "AwsRequiresWildcard",
  and no Allow statement grants a whole service ("s3:*") either. (Patterns in a Condition, such as
  "PRODUCT#*" for dynamodb:LeadingKeys, match key values, not resources: they are not checked here.)
- a condition on dynamodb:LeadingKeys uses a ForAllValues: operator, as AWS requires: the key holds
  the partition key of every item a request touches, so ForAnyValue: (or a single-valued operator)
  would let a BatchGetItem through as soon as one of its keys matched.
- every function with an event source that invokes it asynchronously (S3, SNS, EventBridge rules and
  schedules, ...) has an on-failure destination (EventInvokeConfig.DestinationConfig.OnFailure, or a
  DeadLetterQueue), so that events still failing after Lambda's retries are kept, not dropped.
- the watch router of Cargo.toml (`make dev`) serves each function on its template route (a path
  mapped to one function serves every method);
- openapi.yaml, the API contract, has exactly the template's HttpApi routes as its operations
  (METHOD + path), and exactly the router's paths; each operation's `x-function` is the function
  the template and the router map its route to, its `operationId` is that name in camelCase
  (get-product: getProduct), and its `x-error-codes` lists integers, each documented in a row of
  docs/errors.md, each with its HTTP status (code / 100) among the operation's responses, and
  including every five-digit code (4xxxx, 5xxxx) its summary or description mentions.

It uses cfn-lint's own YAML decoder for the template, so the short-form tags (!Ref, !Sub, ...)
arrive as the same dicts CloudFormation sees ({"Ref": ...}, {"Fn::Sub": ...}); openapi.yaml is
plain YAML, read with PyYAML (a dependency of cfn-lint).
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
import tomllib
from pathlib import Path

import yaml
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
EVENTS_DIR = ROOT / "events"
# Functions triggered by S3 rather than by an HTTP route.
S3_FUNCTIONS = {"on-upload"}
# Functions run by an EventBridge Scheduler schedule (SAM event type ScheduleV2).
SCHEDULED_FUNCTIONS = {"expire-orders", "refresh-wechat-token", "reconcile-payments"}
# HTTP functions with one event per method on their one path.
MULTI_METHOD_FUNCTIONS = {"wechat-push"}
# Functions that serve files under a prefix: the prefix itself and one file below it
# (`/console` and `/console/{file}`); each operation's id ends with its last segment's name.
MULTI_PATH_FUNCTIONS = {"serve-console"}
WILDCARD_SID_PREFIX = "AwsRequiresWildcard"
# SAM event types whose source invokes the function asynchronously (InvocationType Event): Lambda
# retries a failed event and then drops it unless the function has an on-failure destination. A
# Schedule/ScheduleV2 event's own DeadLetterConfig does not count: it only catches events EventBridge
# could not deliver, not those the function failed on.
ASYNC_EVENT_TYPES = {
    "S3", "SNS", "Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent", "CloudWatchLogs", "IoTRule",
}
TEMPLATE = "template.yaml"  # how messages name the template; set in main()
OPENAPI_PATH = ROOT / "openapi.yaml"
OPENAPI = "openapi.yaml"  # how messages name the API contract
ERRORS_DOC = ROOT / "docs" / "errors.md"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# A code of ours in prose: five digits, HTTP status x 100 + n, 4xx or 5xx.
CODE_IN_TEXT = re.compile(r"(?<![0-9])[45][0-9]{4}(?![0-9])")


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(message)


def pascal(binary: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", binary))


def camel(binary: str) -> str:
    """The operationId of a function: its name in camelCase (get-product: getProduct)."""
    name = pascal(binary)
    return name[:1].lower() + name[1:]


def rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def crate_binaries(crate_dir: Path) -> set[str] | None:
    """The binary names a crate in functions/ builds, or None when it has no readable Cargo.toml."""
    manifest = crate_dir / "Cargo.toml"
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    names = {b.get("name") for b in data.get("bin", []) if isinstance(b, dict) and b.get("name")}
    package = data.get("package", {}).get("name")
    if package and (crate_dir / "src" / "main.rs").is_file():
        names.add(package)
    return names


def walk(node, path=()):
    """Yields (path, value) for every node of a decoded template."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, path + (str(key),))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, path + (str(index),))


def where(path) -> str:
    return "/".join(path)


def check_arns(template: dict, report: Report) -> None:
    for path, node in walk(template):
        if isinstance(node, dict) and "Fn::Sub" in node:
            sub = node["Fn::Sub"]
            text = sub[0] if isinstance(sub, list) and sub else sub
            if isinstance(text, str) and "arn:" in text and "${AWS::Partition}" not in text:
                report.fail(f"{where(path)}: the ARN {text!r} must use ${{AWS::Partition}}, not a fixed partition")
        elif (
            isinstance(node, str)
            and "Fn::Sub" not in path[-2:]  # a Sub template: reported above
            and re.search(r"\barn:aws(-cn|-us-gov)?:", node)
        ):
            report.fail(
                f"{where(path)}: {node!r} hard-codes the partition; build it with "
                "!Sub \"arn:${AWS::Partition}:...\" so the template also deploys to aws-cn"
            )


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def check_statements(template: dict, report: Report) -> None:
    for path, node in walk(template.get("Resources", {}), ("Resources",)):
        if not (isinstance(node, dict) and "Statement" in node):
            continue
        for index, statement in enumerate(as_list(node["Statement"])):
            if not isinstance(statement, dict):
                continue
            at = f"{where(path)}/Statement/{index}"
            sid = statement.get("Sid", "")
            excused = isinstance(sid, str) and sid.startswith(WILDCARD_SID_PREFIX)
            actions = [a for a in as_list(statement.get("Action", [])) if isinstance(a, str)]
            resources = [r for r in as_list(statement.get("Resource", [])) if isinstance(r, str)]
            if "*" in actions and not excused:
                report.fail(f'{at}: Action "*" is only allowed with a Sid starting with {WILDCARD_SID_PREFIX}')
            if "*" in resources and not excused:
                report.fail(f'{at}: Resource "*" is only allowed with a Sid starting with {WILDCARD_SID_PREFIX}')
            if statement.get("Effect") == "Allow" and not excused:
                for action in actions:
                    if action != "*" and action.endswith(":*"):
                        report.fail(f"{at}: {action!r} grants a whole service; list the actions the code calls")
            conditions = statement.get("Condition")
            for operator, keys in (conditions.items() if isinstance(conditions, dict) else []):
                if isinstance(keys, dict) and "dynamodb:LeadingKeys" in keys and not str(operator).startswith("ForAllValues:"):
                    report.fail(
                        f"{at}: dynamodb:LeadingKeys must be matched with a ForAllValues: operator "
                        f"(e.g. ForAllValues:StringLike), not {operator}"
                    )


# The shared WeChat access token: the only item of the table one function alone may write.
ACCESS_TOKEN_KEY = "WECHAT#ACCESS_TOKEN"
ACCESS_TOKEN_WRITER = "RefreshWechatTokenFunction"
TABLE_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:*", "*"}


def check_access_token_writers(template: dict, report: Report) -> None:
    """Only the refresher may write WECHAT#ACCESS_TOKEN: every other function's table writes are
    conditioned on dynamodb:LeadingKeys that cannot match it (they report a refusal elsewhere)."""
    for logical_id, resource in template.get("Resources", {}).items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        if logical_id == ACCESS_TOKEN_WRITER:
            continue
        for path, node in walk(resource.get("Properties", {}).get("Policies", []), ("Resources", logical_id, "Policies")):
            if not (isinstance(node, dict) and "Statement" in node):
                continue
            for index, statement in enumerate(as_list(node["Statement"])):
                if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                    continue
                actions = {a for a in as_list(statement.get("Action", [])) if isinstance(a, str)}
                if not actions & TABLE_WRITES:
                    continue
                conditions = statement.get("Condition") if isinstance(statement.get("Condition"), dict) else {}
                keys = [
                    key
                    for operator, values in conditions.items()
                    if str(operator).startswith("ForAllValues:StringLike") or str(operator).startswith("ForAllValues:StringEquals")
                    for key in as_list((values or {}).get("dynamodb:LeadingKeys", []))
                    if isinstance(values, dict)
                ]
                resources = " ".join(str(r) for r in as_list(statement.get("Resource", [])))
                on_table = "Table" in resources or resources == "*"
                if not on_table:
                    continue
                if not keys or any(fnmatch.fnmatchcase(ACCESS_TOKEN_KEY, str(key)) for key in keys):
                    report.fail(
                        f"{where(path)}/Statement/{index}: {logical_id} may write {ACCESS_TOKEN_KEY}; only "
                        f"{ACCESS_TOKEN_WRITER} may (the others GetItem it and report a refusal on "
                        f"{ACCESS_TOKEN_KEY}_REFUSED)"
                    )


def check_failure_destinations(resources: dict, globals_fn: dict, report: Report) -> None:
    # A separate AWS::Lambda::EventInvokeConfig resource also counts, when it names the function by Ref.
    configured: set[str] = set()
    for resource in resources.values():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Lambda::EventInvokeConfig":
            continue
        props = resource.get("Properties") or {}
        target = props.get("FunctionName")
        on_failure = (props.get("DestinationConfig") or {}).get("OnFailure") or {}
        if isinstance(target, dict) and on_failure.get("Destination"):
            configured.add(target.get("Ref"))
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties") or {}
        events = props.get("Events") or {}
        if not isinstance(events, dict):
            continue  # reported with the function's other checks
        async_events = sorted(
            f"{name} ({event.get('Type')})"
            for name, event in events.items()
            if isinstance(event, dict) and event.get("Type") in ASYNC_EVENT_TYPES
        )
        if not async_events:
            continue
        invoke_config = props.get("EventInvokeConfig", globals_fn.get("EventInvokeConfig"))
        destinations = (invoke_config.get("DestinationConfig") if isinstance(invoke_config, dict) else None) or {}
        on_failure = destinations.get("OnFailure") if isinstance(destinations, dict) else None
        # SAM: OnFailure needs a Type; without a Destination, SAM creates the SQS queue or SNS topic itself.
        has_on_failure = isinstance(on_failure, dict) and bool(on_failure.get("Type") or on_failure.get("Destination"))
        dlq = props.get("DeadLetterQueue", globals_fn.get("DeadLetterQueue"))
        has_dlq = isinstance(dlq, dict) and bool(dlq.get("TargetArn"))
        if not (has_on_failure or has_dlq or logical_id in configured):
            report.fail(
                f"{TEMPLATE}: {logical_id} is invoked asynchronously by {', '.join(async_events)} but has no "
                "on-failure destination: Lambda drops the events that still fail after its retries. Add "
                "EventInvokeConfig.DestinationConfig.OnFailure (e.g. Type: SQS, Destination: !GetAtt <queue>.Arn) "
                "or a DeadLetterQueue"
            )


def documented_codes(report: Report) -> set[int]:
    """The codes of the rows of docs/errors.md (`| 40002 | 400 | ...`)."""
    try:
        text = ERRORS_DOC.read_text(encoding="utf-8")
    except OSError as err:
        report.fail(f"{rel(ERRORS_DOC)} is missing or unreadable ({err})")
        return set()
    return {int(code) for code in re.findall(r"^\|\s*([0-9]{5})\s*\|", text, flags=re.MULTILINE)}


def router_routes(router: dict) -> dict[str, dict[str, str]]:
    """path -> {METHOD: function} of the watch router; a path mapped to one function is {"ANY": it}."""
    table: dict[str, dict[str, str]] = {}
    for path, target in router.items():
        entries = [{"method": "ANY", "function": target}] if isinstance(target, str) else target
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("method"), str) and isinstance(entry.get("function"), str):
                table.setdefault(path, {})[entry["method"].upper()] = entry["function"]
    return table


def endpoint_roles() -> dict[str, list[str] | None]:
    """function -> the roles its endpoint allows (`Staff<Group>`, from `role_groups!` in
    shared/src/domain/operators.rs), or None for a caller that is no operator's session."""
    operators = (ROOT / "shared" / "src" / "domain" / "operators.rs").read_text(encoding="utf-8")
    body = operators[operators.index("role_groups! {"):]
    groups = {name: [r.strip().lower() for r in roles.split(",")]
              for name, roles in re.findall(r"^    (\w+) = \[([A-Za-z, ]+)\]", body, re.M)}
    found: dict[str, list[str] | None] = {}
    for source in (ROOT / "shared" / "src").rglob("*.rs"):
        text = source.read_text(encoding="utf-8")
        for function, auth in re.findall(r'^\s*\w+: (?:GET|POST|PUT|PATCH|DELETE) "([a-z0-9-]+)", ([^,]+(?:<\w+>)?),', text, re.M):
            group = re.fullmatch(r"Staff<(\w+)>", auth.strip())
            found[function] = groups.get(group.group(1), ["?" + group.group(1)]) if group else None
    return found


def check_openapi(routes: dict[str, list[str]], router: dict, report: Report) -> int:
    """Checks openapi.yaml against the template's routes (binary -> ["METHOD /path", ...]) and the
    watch router; answers how many operations it has."""
    try:
        spec = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))
    except OSError as err:
        report.fail(f"{OPENAPI} is missing or unreadable ({err}): it is the API contract of every route in {TEMPLATE}")
        return 0
    except yaml.YAMLError as err:
        report.fail(f"{OPENAPI} is not valid YAML: {err}")
        return 0
    paths = spec.get("paths") if isinstance(spec, dict) else None
    if not isinstance(paths, dict):
        report.fail(f"{OPENAPI}: expected a mapping `paths` of the routes")
        return 0

    by_route = {route: binary for binary, served in routes.items() for route in served}  # "METHOD /path" -> binary
    local = router_routes(router)
    documented = documented_codes(report)
    roles_of = endpoint_roles()
    seen: set[str] = set()
    operation_ids: dict[str, list[str]] = {}
    for path, item in paths.items():
        if not isinstance(item, dict):
            report.fail(f"{OPENAPI}: paths/{path} must be a mapping of operations")
            continue
        for method, operation in item.items():
            if str(method).lower() not in HTTP_METHODS:
                continue
            route = f"{str(method).upper()} {path}"
            at = f"{OPENAPI}: {route}"
            seen.add(route)
            if not isinstance(operation, dict):
                report.fail(f"{at}: the operation must be a mapping")
                continue

            # --- which function serves it -----------------------------------------------------
            function = operation.get("x-function")
            expected = by_route.get(route)
            if not isinstance(function, str) or not function:
                report.fail(f"{at}: x-function is missing (the function serving the route, as in functions/)")
            if expected is None:
                report.fail(f"{at} is not a route of {TEMPLATE}: no function has an HttpApi event with this Method and Path")
            elif isinstance(function, str) and function and function != expected:
                report.fail(f"{at}: x-function is {function!r} but {TEMPLATE} routes it to {expected!r}")
            served = local.get(path, {})
            if not served:
                report.fail(f"{at}: the watch router of Cargo.toml has no path {path!r}")
            else:
                by_router = served.get(str(method).upper(), served.get("ANY"))
                if by_router is None:
                    report.fail(f"{at}: the watch router of Cargo.toml serves {path!r} but not for {str(method).upper()}")
                elif isinstance(function, str) and function and by_router != function:
                    report.fail(f"{at}: x-function is {function!r} but the watch router of Cargo.toml serves it with {by_router!r}")

            # --- its roles (operators' routes) ----------------------------------------------------
            if path.startswith("/admin/") and isinstance(function, str):
                declared = operation.get("x-roles")
                allowed = roles_of.get(function)
                if not isinstance(declared, list):
                    report.fail(f"{at}: x-roles is missing (the roles that may call it; [] when no operator session does)")
                elif allowed is None and declared:
                    report.fail(f"{at}: x-roles is {declared} but {function}'s caller is no operator session (x-roles: [])")
                elif allowed is not None and sorted(declared) != sorted(allowed):
                    report.fail(f"{at}: x-roles is {declared} but {function} allows {allowed} (its Staff<...> group in shared/src)")

            # --- its operationId ----------------------------------------------------------------
            operation_id = operation.get("operationId")
            name = function if isinstance(function, str) and function else expected
            wanted_id = camel(name) if name else None
            if name and name in MULTI_PATH_FUNCTIONS:
                last = path.rstrip("/").rsplit("/", 1)[-1].strip("{}")
                wanted_id = f"{camel(name)}{last[:1].upper()}{last[1:]}"  # one per path: serveConsoleFile
            elif name and len(routes.get(name, [])) > 1:
                wanted_id = f"{camel(name)}{str(method).capitalize()}"  # one per method: wechatPushGet
            if name and operation_id != wanted_id:
                report.fail(f"{at}: operationId is {operation_id!r}, expected {wanted_id!r} (the camelCase of {name})")
            if isinstance(operation_id, str):
                operation_ids.setdefault(operation_id, []).append(route)

            # --- its error codes ----------------------------------------------------------------
            codes = operation.get("x-error-codes")
            if not isinstance(codes, list) or not all(isinstance(c, int) and not isinstance(c, bool) for c in codes):
                report.fail(f"{at}: x-error-codes must be a list of integers (the five-digit codes it can answer; [] for none)")
                codes = None
            statuses = {str(status) for status in (operation.get("responses") or {})}
            for code in codes or []:
                if not 10000 <= code <= 99999:
                    report.fail(f"{at}: x-error-codes has {code}, which is not a five-digit code")
                    continue
                if documented and code not in documented:
                    report.fail(f"{at}: error code {code} is not documented in {rel(ERRORS_DOC)}")
                if str(code // 100) not in statuses:
                    report.fail(f"{at}: error code {code} answers HTTP {code // 100}, which is not among its responses ({', '.join(sorted(statuses)) or 'none'})")
            if codes is not None:
                prose = " ".join(str(operation.get(key) or "") for key in ("summary", "description"))
                for code in sorted({int(c) for c in CODE_IN_TEXT.findall(prose)} - set(codes)):
                    report.fail(f"{at}: its description mentions error code {code}, which is not in its x-error-codes")

    for operation_id, where_used in sorted(operation_ids.items()):
        if len(where_used) > 1:
            report.fail(f"{OPENAPI}: operationId {operation_id!r} is used by {len(where_used)} operations: {', '.join(where_used)}")
    for route, binary in sorted(by_route.items()):
        if route not in seen:
            report.fail(f"{OPENAPI}: no operation for {route}, which {TEMPLATE} routes to {binary} (x-function: {binary}, operationId: {camel(binary)})")
    for path in sorted(set(local) - set(paths)):
        report.fail(f"{OPENAPI}: no path {path!r}, which the watch router of Cargo.toml serves ({', '.join(sorted(set(local[path].values())))})")
    return len(seen)


def main() -> int:
    global TEMPLATE
    template_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "template.yaml"
    TEMPLATE = rel(template_path)
    report = Report()

    template, matches = decode(str(template_path))
    if matches or not isinstance(template, dict):
        for match in matches or []:
            print(f"FAIL: {rel(template_path)}: {match}")
        print(f"FAIL: {rel(template_path)} could not be parsed")
        return 1
    resources = template.get("Resources", {})

    # --- the three sets ---------------------------------------------------------------------------
    crates = (
        {p.name for p in FUNCTIONS_DIR.iterdir() if p.is_dir() and not p.name.startswith(".")}
        if FUNCTIONS_DIR.is_dir()
        else set()
    )
    samples = {p.stem for p in EVENTS_DIR.glob("*.json")} if EVENTS_DIR.is_dir() else set()

    functions: dict[str, list[str]] = {}  # binary -> logical ids
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        binary = (resource.get("Metadata") or {}).get("BuildProperties", {}).get("Binary")
        if not isinstance(binary, str) or not binary:
            report.fail(f"{TEMPLATE}: {logical_id} has no Metadata.BuildProperties.Binary")
            continue
        functions.setdefault(binary, []).append(logical_id)

    for binary, ids in sorted(functions.items()):
        if len(ids) > 1:
            report.fail(f"{TEMPLATE}: binary {binary!r} is built by {len(ids)} resources ({', '.join(ids)}); exactly one expected")

    declared = set(functions)
    for name in sorted(crates - declared):
        report.fail(
            f"{TEMPLATE}: no AWS::Serverless::Function for functions/{name} "
            f"(expected {pascal(name)}Function with Metadata.BuildProperties.Binary: {name})"
        )
    for name in sorted(declared - crates):
        report.fail(f"functions/{name}/ is missing: {TEMPLATE} deploys {', '.join(functions[name])} (Binary: {name}) but there is no such crate")
    for name in sorted((crates | declared) - samples):
        kind = (
            "an S3 ObjectCreated event" if name in S3_FUNCTIONS
            else "an EventBridge Scheduler event" if name in SCHEDULED_FUNCTIONS
            else "an API Gateway HTTP API (payload 2.0) request"
        )
        report.fail(f"events/{name}.json is missing: add a sample of {kind} for {name}")
    for name in sorted(samples - crates - declared):
        report.fail(f"events/{name}.json belongs to no function: there is neither functions/{name}/ nor a function with Binary: {name}")

    # --- each function resource ------------------------------------------------------------------
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    apis = [lid for lid, r in resources.items() if isinstance(r, dict) and r.get("Type") == "AWS::Serverless::HttpApi"]
    if len(apis) != 1:
        report.fail(f"{TEMPLATE}: expected exactly one AWS::Serverless::HttpApi, found {len(apis)} ({', '.join(apis) or 'none'})")
    api_id = apis[0] if len(apis) == 1 else None

    routes: dict[str, list[str]] = {}  # binary -> ["METHOD /path", ...]
    s3_prefixes: dict[str, str] = {}  # binary -> key prefix of its S3 event
    schedules: dict[str, str] = {}  # binary -> its ScheduleExpression
    for binary, ids in sorted(functions.items()):
        logical_id = ids[0]
        resource = resources[logical_id]
        props = resource.get("Properties") or {}
        prefix = f"{TEMPLATE}: {logical_id}"

        if logical_id != pascal(binary) + "Function":
            report.fail(f"{prefix}: the logical id of binary {binary!r} must be {pascal(binary)}Function")
        if resource["Metadata"].get("BuildMethod") != "rust-cargolambda":
            report.fail(f"{prefix}: Metadata.BuildMethod must be rust-cargolambda")
        if props.get("CodeUri", globals_fn.get("CodeUri")) != ".":
            report.fail(f'{prefix}: CodeUri must be "." (the workspace root, where cargo lambda builds)')
        for key, expected in (("Handler", "bootstrap"), ("Runtime", "provided.al2023"), ("Architectures", ["arm64"])):
            if props.get(key, globals_fn.get(key)) != expected:
                report.fail(f"{prefix}: {key} must be {expected!r} (directly or through Globals)")
        if binary in crates:
            binaries = crate_binaries(FUNCTIONS_DIR / binary)
            if binaries is None:
                report.fail(f"functions/{binary}/Cargo.toml is missing or unreadable")
            elif binary not in binaries:
                report.fail(f"{prefix}: functions/{binary} builds {sorted(binaries) or 'no binary'}, not {binary!r}")

        events = props.get("Events") or {}
        if not isinstance(events, dict):
            report.fail(f"{prefix}: Events must be a map")
            continue
        wanted = "S3" if binary in S3_FUNCTIONS else "ScheduleV2" if binary in SCHEDULED_FUNCTIONS else "HttpApi"
        kinds = sorted(f"{name} ({(e or {}).get('Type')})" for name, e in events.items())
        # A webhook may answer several methods on its one path (WeChat's push: GET and POST).
        several = wanted == "HttpApi" and binary in MULTI_METHOD_FUNCTIONS | MULTI_PATH_FUNCTIONS
        if (len(events) != 1 and not several) or not events or any((e or {}).get("Type") != wanted for e in events.values()):
            report.fail(f"{prefix}: expected exactly one event of type {wanted}, found {len(events)}: {', '.join(kinds) or 'none'}")
            continue
        event_props = next(iter(events.values())).get("Properties") or {}
        if wanted == "HttpApi":
            served = []
            for event in events.values():
                event_props = event.get("Properties") or {}
                method, path = event_props.get("Method"), event_props.get("Path")
                if not isinstance(method, str) or not isinstance(path, str):
                    report.fail(f"{prefix}: its HttpApi event needs a literal Method and Path")
                    continue
                if api_id and event_props.get("ApiId") != {"Ref": api_id}:
                    report.fail(f"{prefix}: its HttpApi event must set ApiId: !Ref {api_id} (one API for all routes)")
                served.append(f"{method.upper()} {path}")
            if len({route.split(" ", 1)[1] for route in served}) > 1 and binary not in MULTI_PATH_FUNCTIONS:
                report.fail(f"{prefix}: its HttpApi events must share one Path")
            if served:
                routes[binary] = sorted(served)
        elif wanted == "ScheduleV2":
            expression = event_props.get("ScheduleExpression")
            if not isinstance(expression, str) or not expression:
                report.fail(f"{prefix}: its ScheduleV2 event needs a literal ScheduleExpression")
                continue
            schedules[binary] = expression
        else:
            rules = (((event_props.get("Filter") or {}).get("S3Key") or {}).get("Rules")) or []
            prefixes = [r.get("Value") for r in rules if isinstance(r, dict) and str(r.get("Name")).lower() == "prefix"]
            s3_prefixes[binary] = prefixes[0] if prefixes and isinstance(prefixes[0], str) else ""
            events_field = as_list(event_props.get("Events"))
            if not any(isinstance(e, str) and e.startswith("s3:ObjectCreated:") for e in events_field):
                report.fail(f"{prefix}: its S3 event must listen to s3:ObjectCreated:*")

    owners: dict[str, list[str]] = {}
    for binary, served in routes.items():
        for route in served:
            owners.setdefault(route, []).append(binary)
    for route, binaries in sorted(owners.items()):
        if len(binaries) > 1:
            report.fail(f"{TEMPLATE}: route {route!r} is served by {len(binaries)} functions: {', '.join(sorted(binaries))}")

    # --- the event samples -----------------------------------------------------------------------
    for binary in sorted(set(routes) | set(s3_prefixes) | set(schedules)):
        sample_path = EVENTS_DIR / f"{binary}.json"
        if not sample_path.is_file():
            continue  # already reported as missing
        try:
            sample = json.loads(sample_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            report.fail(f"{rel(sample_path)} is not valid JSON: {err}")
            continue
        if binary in routes:
            route_key = sample.get("routeKey") if isinstance(sample, dict) else None
            if route_key not in routes[binary]:
                report.fail(
                    f"{rel(sample_path)}: routeKey is {route_key!r} but {TEMPLATE} routes {binary} "
                    f"on {' and '.join(routes[binary])!r}"
                )
        elif binary in schedules:
            # The content is not checked further: the scheduled functions ignore it.
            if not (
                isinstance(sample, dict)
                and sample.get("source") == "aws.scheduler"
                and sample.get("detail-type") == "Scheduled Event"
            ):
                report.fail(f'{rel(sample_path)}: expected an EventBridge Scheduler event (source "aws.scheduler", detail-type "Scheduled Event")')
        else:
            records = sample.get("Records") if isinstance(sample, dict) else None
            if not isinstance(records, list) or not records:
                report.fail(f"{rel(sample_path)}: expected an S3 event with a non-empty Records list")
                continue
            # The object key is not checked: samples may carry a placeholder to fill in.
            for index, record in enumerate(records):
                name = (record or {}).get("eventName", "") if isinstance(record, dict) else ""
                if not isinstance(record, dict) or record.get("eventSource") != "aws:s3" or not str(name).startswith("ObjectCreated:"):
                    report.fail(f"{rel(sample_path)}: Records[{index}] is not an aws:s3 ObjectCreated event")

    # --- the local router (`make dev`) serves the same routes ------------------------------------
    try:
        manifest = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))
        router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as err:
        report.fail(f"Cargo.toml: [workspace.metadata.lambda.watch.router] is missing or unreadable ({err})")
        router = {}
    local: dict[str, list[str]] = {}  # binary -> ["METHOD /path", ...]
    for path, target in router.items():
        entries = [{"method": "ANY", "function": target}] if isinstance(target, str) else target
        for entry in entries:
            local.setdefault(entry["function"], []).append(f"{entry['method'].upper()} {path}")
    for binary, routed in sorted(routes.items()):
        served = local.get(binary)
        route = " and ".join(routed)
        if served is None:
            report.fail(f"Cargo.toml: the watch router does not serve {binary} ({route})")
            continue
        # "ANY /path" serves every method the template routes on that path.
        covered = {r for r in routed if r in served or f"ANY {r.split(' ', 1)[1]}" in served}
        extra = [s for s in served if not any(s == r or (s.startswith("ANY ") and r.split(" ", 1)[1] == s[4:]) for r in routed)]
        if covered != set(routed) or extra:
            report.fail(f"Cargo.toml: the watch router serves {binary} on {' and '.join(served)!r}, {TEMPLATE} on {route!r}")
    for binary in sorted(set(local) - set(routes)):
        report.fail(f"Cargo.toml: the watch router serves {binary}, which has no route in {TEMPLATE}")

    # --- the API contract (openapi.yaml) names the same routes and functions -----------------------
    operations = check_openapi(routes, router if isinstance(router, dict) else {}, report)

    # --- partition and wildcards -----------------------------------------------------------------
    check_arns(template, report)
    check_statements(template, report)
    check_access_token_writers(template, report)

    # --- asynchronous triggers keep their failed events ------------------------------------------
    check_failure_destinations(resources, globals_fn, report)

    if report.problems:
        for problem in report.problems:
            print(f"FAIL: {problem}")
        print(
            f"check_template: {len(report.problems)} problem(s) in {rel(template_path)}, functions/, events/, "
            f"Cargo.toml and {OPENAPI}"
        )
        return 1
    print(
        f"check_template: OK - {len(functions)} functions, {len(routes)} routes, their event samples "
        f"and the {operations} operations of {OPENAPI} agree"
    )
    for binary in sorted(functions):
        trigger = " and ".join(routes.get(binary, [])) or (
            f"schedule {schedules[binary]}" if binary in schedules else "S3 ObjectCreated " + s3_prefixes.get(binary, "")
        )
        print(f"  {functions[binary][0]:<24} {trigger}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
