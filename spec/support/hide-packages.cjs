// Preloaded with `node --require`: the packages named in BIGRAYS_TEST_HIDE (comma-separated)
// are "not installed", to require() and to import() alike, with Node's own error for that.
'use strict';
const Module = require('node:module');

const hidden = new Set((process.env.BIGRAYS_TEST_HIDE || '').split(',').filter(Boolean));
const packageOf = (request) => request.split('/').slice(0, request.startsWith('@') ? 2 : 1).join('/');

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveFilename(request, ...rest) {
  if (hidden.has(packageOf(request))) {
    throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
  }
  return resolve.call(this, request, ...rest);
};

const hook = `
const hidden = new Set(${JSON.stringify([...hidden])});
export async function resolve(specifier, context, next) {
  const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  if (hidden.has(name)) {
    throw Object.assign(new Error("Cannot find package '" + name + "' imported from " + context.parentURL), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;
Module.register(`data:text/javascript,${encodeURIComponent(hook)}`);
