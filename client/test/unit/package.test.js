// What WeChat DevTools' "build npm" and the mini-program runtime need of the package: the files of
// the `miniprogram` directory in plain ES2017 CommonJS, requiring only each other, no Node APIs.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const acorn = require('acorn');
const pkg = require('../../package.json');

const ROOT = path.join(__dirname, '..', '..');
const DIST = path.join(ROOT, pkg.miniprogram);
const SOURCES = fs.readdirSync(DIST).filter((file) => file.endsWith('.js'));

test('the miniprogram directory holds index.js, which is also main', () => {
  assert.ok(SOURCES.includes('index.js'));
  assert.equal(path.join(ROOT, pkg.main), path.join(DIST, 'index.js'));
  assert.equal(pkg.dependencies, undefined, 'no runtime dependencies');
});

test('every source file parses as an ES2017 script', () => {
  for (const file of SOURCES) {
    const text = fs.readFileSync(path.join(DIST, file), 'utf8');
    assert.doesNotThrow(() => acorn.parse(text, { ecmaVersion: 2017, sourceType: 'script' }), file);
  }
});

test('source files require only each other, and use no Node API', () => {
  for (const file of SOURCES) {
    const text = fs.readFileSync(path.join(DIST, file), 'utf8');
    for (const [, target] of text.matchAll(/require\(['"]([^'"]+)['"]\)/g)) {
      assert.match(target, /^\.\/[\w-]+\.js$/, `${file} requires ${target}`);
      assert.ok(fs.existsSync(path.join(DIST, target)), `${file} requires ${target}`);
    }
    assert.doesNotMatch(text, /\b(process|Buffer|__dirname|globalThis)\b|\.finally\(/, file);
  }
});

test('the manifest says what bundlers and tools need: exports, types, no side effects, the Node floor', () => {
  assert.equal(pkg.exports['.'].default, `./${pkg.main}`);
  assert.equal(pkg.exports['.'].types, `./${pkg.types}`);
  assert.equal(pkg.sideEffects, false);
  assert.equal(pkg.engines.node, '>=18.13');
  assert.equal(pkg.license, 'MIT OR Apache-2.0');
});
