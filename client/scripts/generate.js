#!/usr/bin/env node
// Generates src/routes.js (the name -> route map), types/api.d.ts (each function's input, result and
// error codes) and the table of functions in README.md from the API contract, openapi.yaml. `--check`
// writes nothing and fails when the committed files differ from a fresh generation.
'use strict';

const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const CLIENT = path.join(__dirname, '..');
const CONTRACT = path.join(CLIENT, '..', 'openapi.yaml');
const OUTPUTS = {
  routes: path.join(CLIENT, 'src', 'routes.js'),
  types: path.join(CLIENT, 'types', 'api.d.ts'),
  readme: path.join(CLIENT, 'README.md'),
};
const README_TABLE = /(<!-- functions:start[^>]*-->\n)[\s\S]*?(<!-- functions:end -->)/;
const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Follows a local `$ref` (`#/components/...`) to what it names. */
function resolve(doc, node) {
  if (!node || !node.$ref) return node;
  const target = node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((at, key) => (at ? at[key] : undefined), doc);
  if (!target) throw new Error(`unresolved $ref ${node.$ref}`);
  return resolve(doc, target);
}

/** The name a `#/components/schemas/NAME` reference gives. */
function schemaName(ref) {
  const match = /^#\/components\/schemas\/(.+)$/.exec(ref || '');
  return match ? match[1] : null;
}

/** Every operation of the contract, in document order. */
function operations(doc) {
  const all = [];
  for (const [routePath, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      if (item[method]) all.push({ method: method.toUpperCase(), path: routePath, op: item[method] });
    }
  }
  return all;
}

/** The `data` schema of an operation's 200 envelope, or null when it does not answer the envelope. */
function envelopeData(doc, op) {
  const ok = resolve(doc, op.responses && op.responses['200']);
  const media = ok && ok.content && ok.content['application/json'];
  if (!media) return null;
  const envelope = resolve(doc, media.schema);
  const parts = (envelope && envelope.allOf) || [];
  const isEnvelope = parts.some((part) => schemaName(part.$ref) === 'Success');
  const withData = parts.find((part) => part.properties && part.properties.data);
  return isEnvelope && withData ? withData.properties.data : null;
}

/** The security scheme an operation uses: 'bearer', 'none', or another scheme's name. */
function authOf(op) {
  const requirements = op.security || [];
  if (requirements.length === 0) return 'none';
  return Object.keys(requirements[0])[0];
}

/**
 * The operations a mini-program can call: those answering the envelope, public or with a bearer
 * token. Webhooks (no envelope) and operators' routes (`/admin/`: SigV4 or the console's
 * session) are left out.
 */
function callableOperations(doc) {
  return operations(doc)
    .map((entry) => ({ ...entry, data: envelopeData(doc, entry.op), auth: authOf(entry.op) }))
    .filter((entry) => entry.data && (entry.auth === 'none' || entry.auth === 'bearer') && !entry.path.startsWith('/admin/'));
}

function parametersOf(doc, op) {
  return (op.parameters || []).map((param) => resolve(doc, param));
}

function bodySchemaOf(doc, op) {
  const body = resolve(doc, op.requestBody);
  const media = body && body.content && body.content['application/json'];
  return media ? media.schema : null;
}

// --- src/routes.js -------------------------------------------------------------------------------

function routeOf(doc, entry) {
  const params = parametersOf(doc, entry.op);
  const bodySchema = bodySchemaOf(doc, entry.op);
  const body = bodySchema ? resolve(doc, bodySchema) : null;
  return {
    method: entry.method,
    path: entry.path,
    auth: entry.auth,
    pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
    queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
    bodyParams: body ? Object.keys(body.properties || {}) : null,
    idempotencyKey: params.some((p) => p.in === 'header' && p.name.toLowerCase() === IDEMPOTENCY_HEADER),
  };
}

function renderRoutes(doc) {
  const lines = [
    '// Generated from openapi.yaml by scripts/generate.js: do not edit (`npm run generate`).',
    "'use strict';",
    '',
    '/**',
    ' * Every function a mini-program can call, by operationId: its HTTP method and path, whether it',
    ' * needs the access token (auth "bearer") or not ("none"), which input names go in the path, the',
    ' * query string and the JSON body (null: the route takes no body), and whether it carries an',
    ' * Idempotency-Key header.',
    ' */',
    'module.exports = {',
  ];
  for (const entry of callableOperations(doc)) {
    const route = routeOf(doc, entry);
    const fields = Object.entries(route).map(([key, value]) => `${key}: ${literal(value)}`);
    lines.push(`  ${entry.op.operationId}: { ${fields.join(', ')} },`);
  }
  lines.push('};', '');
  return lines.join('\n');
}

/** A JS literal in the project's style (single quotes). */
function literal(value) {
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return String(value);
}

// --- types/api.d.ts ------------------------------------------------------------------------------

/** Turns JSON Schemas into TypeScript types, collecting the named schemas they refer to. */
class TypeWriter {
  constructor(doc) {
    this.doc = doc;
    this.named = new Map(); // schema name -> rendered declaration, in first-use order
  }

  /** The TypeScript type of `schema`, indented for nesting `depth`. */
  type(schema, depth) {
    if (!schema || Object.keys(schema).length === 0) return 'unknown';
    const ref = schemaName(schema.$ref);
    if (ref) {
      this.declare(ref);
      return ref;
    }
    if ('const' in schema) return JSON.stringify(schema.const);
    if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
    if (schema.oneOf || schema.anyOf) {
      return (schema.oneOf || schema.anyOf).map((member) => this.member(member, depth)).join(' | ');
    }
    const base = this.baseType(schema, depth);
    if (!schema.allOf) return base;
    const baseMember = Array.isArray(schema.type) && schema.type.length > 1 ? `(${base})` : base;
    // allOf members that carry types narrow the base (UpdateUserInput's "at least one of").
    const parts = schema.allOf.filter(hasTypeInformation).map((member) => this.member(member, depth));
    return [baseMember, ...parts].filter((part) => part !== 'unknown').join(' & ') || 'unknown';
  }

  /** A member of a union or intersection, parenthesised when it is itself one. */
  member(schema, depth) {
    const rendered = this.type(schema, depth);
    return isComposite(schema) ? `(${rendered})` : rendered;
  }

  baseType(schema, depth) {
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    if (types.length === 0) {
      return schema.properties || schema.required ? this.objectType(schema, depth) : 'unknown';
    }
    return types.map((type) => this.single(type, schema, depth)).join(' | ');
  }

  single(type, schema, depth) {
    switch (type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array':
        return `Array<${this.type(schema.items, depth)}>`;
      case 'object':
        return this.objectType(schema, depth);
      default:
        throw new Error(`unsupported schema type ${type}`);
    }
  }

  objectType(schema, depth) {
    const properties = schema.properties || {};
    const required = new Set(schema.required || []);
    const pad = '  '.repeat(depth + 1);
    const lines = [];
    for (const [name, property] of Object.entries(properties)) {
      lines.push(...docComment(property.description, pad));
      const optional = required.has(name) ? '' : '?';
      lines.push(`${pad}${propertyKey(name)}${optional}: ${this.type(property, depth + 1)};`);
    }
    const extra = schema.additionalProperties;
    if (extra && typeof extra === 'object') {
      // An index signature must admit every property, the optional ones' undefined included.
      const anyOptional = Object.keys(properties).some((name) => !required.has(name));
      lines.push(`${pad}[name: string]: ${this.member(extra, depth + 1)}${anyOptional ? ' | undefined' : ''};`);
    } else if (lines.length === 0 && extra !== false && Object.keys(properties).length === 0) {
      return 'Record<string, unknown>';
    }
    if (lines.length === 0) return 'Record<string, never>';
    return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`;
  }

  /** Declares the component schema `name` once (and, through it, what it refers to). */
  declare(name) {
    if (this.named.has(name)) return;
    this.named.set(name, null); // reserved first: schemas may refer to each other
    const schema = this.doc.components.schemas[name];
    const body = this.type(schema, 0);
    const head = docComment(schema.description, '');
    const isPlainObject = body.startsWith('{') && !schema.allOf && !schema.oneOf && !schema.anyOf;
    const declaration = isPlainObject
      ? `export interface ${name} ${body}`
      : `export type ${name} = ${body};`;
    this.named.set(name, [...head, declaration].join('\n'));
  }
}

/** Whether the type of `schema` is a union or an intersection (a member of another needs parentheses). */
function isComposite(schema) {
  if (!schema || schema.$ref) return false;
  return Boolean(
    schema.oneOf ||
      schema.anyOf ||
      schema.allOf ||
      (schema.enum && schema.enum.length > 1) ||
      (Array.isArray(schema.type) && schema.type.length > 1),
  );
}

/** Whether an allOf member says anything a TypeScript type can carry. */
function hasTypeInformation(schema) {
  return Boolean(
    schema.$ref || schema.type || schema.properties || schema.required || schema.anyOf || schema.oneOf || schema.allOf,
  );
}

function propertyKey(name) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function docComment(text, pad) {
  if (!text) return [];
  const lines = String(text).trim().replace(/\*\//g, '*\\/').split('\n');
  if (lines.length === 1) return [`${pad}/** ${lines[0]} */`];
  return [`${pad}/**`, ...lines.map((line) => `${pad} *${line ? ` ${line}` : ''}`), `${pad} */`];
}

/** The input type of an operation: its path and query parameters, and its JSON body. */
function inputType(writer, doc, op) {
  const params = parametersOf(doc, op).filter((p) => p.in === 'path' || p.in === 'query');
  const parts = [];
  if (params.length > 0) {
    const fields = params.map((p) => {
      const comment = docComment(p.description, '      ');
      const optional = p.required ? '' : '?';
      return [...comment, `      ${propertyKey(p.name)}${optional}: ${writer.type(p.schema, 3)};`].join('\n');
    });
    parts.push(`{\n${fields.join('\n')}\n    }`);
  }
  const body = bodySchemaOf(doc, op);
  if (body) parts.push(writer.member(body, 2));
  return parts.length > 0 ? parts.join(' & ') : 'Record<string, never>';
}

function renderTypes(doc) {
  const writer = new TypeWriter(doc);
  const entries = callableOperations(doc).map((entry) => {
    const op = entry.op;
    const codes = (op['x-error-codes'] || []).join(' | ') || 'never';
    return [
      ...docComment(`${op.summary} (${entry.method} ${entry.path}).`, '  '),
      `  ${op.operationId}: {`,
      `    input: ${inputType(writer, doc, op)};`,
      `    result: ${writer.type(entry.data, 2)};`,
      `    errorCodes: ${codes};`,
      '  };',
    ].join('\n');
  });
  const errorSchema = doc.components.schemas.Error;
  const errorData = writer.type(errorSchema.properties.data, 0);
  return [
    '// Generated from openapi.yaml by scripts/generate.js: do not edit (`npm run generate`).',
    '',
    '/**',
    ' * Every function a mini-program can call, by name: the `data` it takes (path and query parameters',
    ' * and body fields, merged), the `result` it answers (the envelope\'s `data`) and the error codes it',
    ' * may answer (docs/errors.md).',
    ' */',
    'export interface Functions {',
    entries.join('\n'),
    '}',
    '',
    '/** The name of a function a mini-program can call. */',
    'export type FunctionName = keyof Functions;',
    '',
    '/** The `data` of an error envelope, when the client can act on it. */',
    `export type ErrorData = ${errorData};`,
    '',
    [...writer.named.values()].join('\n\n'),
    '',
  ].join('\n');
}

// --- README.md: the table of functions ---------------------------------------------------------------

/** The data names of an operation, `?` after the optional ones, by where they go. */
function dataNames(doc, op) {
  const params = parametersOf(doc, op).filter((p) => p.in === 'path' || p.in === 'query');
  const names = params.map((p) => `${p.name}${p.required ? '' : '?'}`);
  const bodySchema = bodySchemaOf(doc, op);
  const body = bodySchema ? resolve(doc, bodySchema) : null;
  const required = new Set((body && body.required) || []);
  for (const name of Object.keys((body && body.properties) || {})) names.push(`${name}${required.has(name) ? '' : '?'}`);
  return names.length > 0 ? names.map((name) => `\`${name}\``).join(', ') : '-';
}

function renderReadme(doc, current) {
  if (!README_TABLE.test(current)) throw new Error('README.md has no <!-- functions:start --> ... <!-- functions:end --> markers');
  const session = new Set(['login', 'refresh', 'logout']);
  const rows = callableOperations(doc)
    .filter((entry) => !session.has(entry.op.operationId))
    .map((entry) => {
      const auth = entry.auth === 'bearer' ? 'bearer' : 'none';
      const cells = [`\`${entry.op.operationId}\``, `\`${entry.method} ${entry.path}\``, auth, dataNames(doc, entry.op), entry.op.summary];
      return `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
    });
  const table = ['| name | route | auth | data | what |', '|---|---|---|---|---|', ...rows, ''].join('\n');
  return current.replace(README_TABLE, (_, start, end) => `${start}${table}${end}`);
}

// --- main ------------------------------------------------------------------------------------------

function generate() {
  const doc = YAML.parse(fs.readFileSync(CONTRACT, 'utf8'));
  return {
    [OUTPUTS.routes]: renderRoutes(doc),
    [OUTPUTS.types]: renderTypes(doc),
    [OUTPUTS.readme]: renderReadme(doc, fs.readFileSync(OUTPUTS.readme, 'utf8')),
  };
}

function main(args) {
  const files = generate();
  if (args.includes('--check')) {
    const stale = Object.entries(files).filter(([file, text]) => {
      return !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text;
    });
    for (const [file] of stale) {
      console.error(`${path.relative(CLIENT, file)} differs from openapi.yaml: run \`npm run generate\``);
    }
    process.exitCode = stale.length > 0 ? 1 : 0;
    return;
  }
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(CLIENT, file)}`);
  }
}

main(process.argv.slice(2));
