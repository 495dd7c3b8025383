// Runs the sample's pages and components headless: jsdom for the DOM, miniprogram-simulate for
// WXML/WXSS and the component system, a mocked `wx` and a mocked `wx-serverless`.
const path = require('node:path');
const Module = require('node:module');
const { JSDOM } = require('jsdom');

const ROOT = path.resolve(__dirname, '..', '..');

const { window } = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
  url: 'http://localhost/',
});
global.window = window;
for (const name of ['document', 'Event', 'CustomEvent', 'Node', 'Element', 'HTMLElement', 'getComputedStyle']) {
  global[name] = window[name];
}
global.requestAnimationFrame = (fn) => setTimeout(fn, 0);

// require('wx-serverless') in the sample resolves to the mock.
const SDK_MOCK = path.join(__dirname, 'wx-serverless.js');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveSdkMock(request, ...rest) {
  return request === 'wx-serverless' ? SDK_MOCK : resolveFilename.call(this, request, ...rest);
};

const simulate = require('miniprogram-simulate');
const sdk = require('./wx-serverless');
const wx = require('./wx');

global.wx = wx;

/** Lets every pending promise and setData settle. */
const settle = () => simulate.sleep(0);

/** Loads and renders a page or component (a path under the project root, no extension). */
function render(relativePath, properties) {
  const id = simulate.load(path.join(ROOT, relativePath), { compiler: 'simulate', rootPath: ROOT });
  const comp = simulate.render(id, properties);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

/** Renders a page and runs its onLoad(query) and onShow() as the framework would. */
async function openPage(relativePath, query = {}) {
  const page = render(relativePath);
  if (page.instance.onLoad) page.instance.onLoad(query);
  if (page.instance.onShow) page.instance.onShow();
  await settle();
  return page;
}

/** The rendered text, whitespace collapsed. */
function textOf(comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ').trim();
}

/** Taps the first node matching selector, and settles. */
async function tap(comp, selector, options) {
  const node = comp.querySelector(selector);
  if (!node) throw new Error(`nothing matches ${selector}`);
  node.dispatchEvent('tap', options);
  await settle();
}

function reset() {
  sdk.reset();
  wx.reset();
}

module.exports = { ROOT, sdk, wx, settle, render, openPage, textOf, tap, reset };
