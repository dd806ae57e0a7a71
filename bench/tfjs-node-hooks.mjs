/**
 * Node module hook for the benchmark only: lets Node load @tensorflow/tfjs-core's ES-module build
 * of `dist/register_all_gradients.js`, whose relative imports have no file extension (written for
 * bundlers). Without it, tfjs in Node has no gradients (the CommonJS bundles leave them out).
 * A relative, extensionless import from inside node_modules/@tensorflow/ gets '.js' appended when
 * that file exists (`./gradients` is both a file and a folder there, so the folder must not win).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent && parent.includes('/node_modules/@tensorflow/') && specifier.startsWith('.') && !/\.[cm]?js$/.test(specifier)) {
    const url = new URL(`${specifier}.js`, parent);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) {
      return nextResolve(url.href, context);
    }
  }
  return nextResolve(specifier, context);
}
