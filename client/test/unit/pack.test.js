// The package as npm ships it: `npm pack` makes a tarball holding the sources, the declarations
// and the README (no tests, no scripts), and a project that installs the tarball can require it.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack ships src, types and the README, and the packed package installs and loads', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'wx-serverless-pack-'));
  try {
    const packed = JSON.parse(
      execFileSync(npm, ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }),
    )[0];
    const files = packed.files.map((file) => file.path).sort();
    assert.ok(files.includes('src/index.js') && files.includes('src/routes.js'), files.join(', '));
    assert.ok(files.includes('types/index.d.ts') && files.includes('types/api.d.ts'), files.join(', '));
    assert.ok(files.includes('README.md') && files.includes('package.json'));
    assert.ok(files.includes('LICENSE-MIT') && files.includes('LICENSE-APACHE'), 'the licence ships with the code');
    assert.deepEqual(files.filter((file) => /^(test|scripts|node_modules)\//.test(file)), []);

    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync(npm, ['install', '--no-audit', '--no-fund', '--offline', path.join(work, packed.filename)], {
      cwd: app,
      stdio: 'ignore',
    });
    const cloud = require(require.resolve('wx-serverless', { paths: [app] }));
    for (const name of ['init', 'callFunction', 'uploadFile', 'pay', 'bindPhone', 'subscribe', 'newCheckoutKey', 'logout']) {
      assert.equal(typeof cloud[name], 'function', name);
    }
    assert.equal(cloud.routes.getProduct.path, '/products/{id}');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
