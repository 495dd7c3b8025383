// The project as WeChat DevTools opens it: every page and component complete, and every WXML and
// WXSS file accepted by WeChat's own compilers (wcc and wcsc, shipped in miniprogram-compiler).
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT } = require('./support/harness');

const readJson = (file) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));
const exists = (file) => fs.existsSync(path.join(ROOT, file));
const app = readJson('app.json');

test('every page and component has its four files and its components exist', () => {
  const seen = new Set();
  const check = (unit) => {
    if (seen.has(unit)) return;
    seen.add(unit);
    for (const ext of ['js', 'json', 'wxml', 'wxss']) assert.ok(exists(`${unit}.${ext}`), `${unit}.${ext}`);
    const using = readJson(`${unit}.json`).usingComponents || {};
    for (const target of Object.values(using)) {
      check(target.startsWith('/') ? target.slice(1) : path.join(path.dirname(unit), target));
    }
  };
  app.pages.forEach(check);
  assert.ok(seen.has('components/product-card/product-card'));
  assert.ok(seen.has('components/price/price'));
});

test('the tab bar lists pages, and the pages the backend links to exist', () => {
  for (const tab of app.tabBar.list) assert.ok(app.pages.includes(tab.pagePath), tab.pagePath);
  // SHARE_CODE_PAGE's default, and the orderShipped template's page in docs/deploy.md
  assert.ok(app.pages.includes('pages/product/detail'));
  assert.ok(app.pages.includes('pages/order/detail'));
  // opened from the order page (申请售后, 售后记录)
  assert.ok(app.pages.includes('pages/after-sales/apply'));
  assert.ok(app.pages.includes('pages/after-sales/list'));
});

test('project.config.json opens the dev stack without domain checks', () => {
  const project = readJson('project.config.json');
  assert.equal(project.appid, 'wxdevappid0000000');
  assert.equal(project.compileType, 'miniprogram');
  assert.equal(project.setting.urlCheck, false);
  readJson('sitemap.json');
});

// The compilers are native binaries for x86-64 Linux, macOS and Windows; elsewhere this is skipped.
function compilersRun() {
  const bin = { linux: 'linux/wcc', darwin: 'mac/wcc', win32: 'windows/wcc.exe' }[process.platform];
  if (!bin) return false;
  const wcc = path.join(path.dirname(require.resolve('miniprogram-compiler/package.json')), 'bin', bin);
  try {
    fs.chmodSync(wcc, 0o755);
  } catch (err) {
    // read-only install: try it as it is
  }
  const run = spawnSync(wcc, ['-v']);
  return !run.error;
}

test('WeChat compilers accept every WXML and WXSS file', { skip: !compilersRun() && 'WeChat compilers cannot run here' }, () => {
  const compiler = require('miniprogram-compiler');
  assert.match(compiler.wxmlToJs(ROOT), /\$gwx/);
  assert.ok(compiler.wxssToJs(ROOT).length > 0);
});
