/**
 * Node module hooks for the CLI: `node --import ./app/cli/register.mjs app/cli/<tool>.ts`.
 *
 * - Registers tsx (TypeScript, the bundler-style resolution the app uses).
 * - Makes `import code from './x.wgsl?raw'` return the file's text as the default export, as Vite
 *   does in the browser and in vitest, so the kernels load unchanged in Node.
 *
 * This one file is both the entry (loaded by --import, on the main thread) and the hooks module
 * (loaded again by module.register on the loader thread, with '?hooks' appended to its URL).
 */
import { register } from 'node:module';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const IS_HOOKS = new URL(import.meta.url).search === '?hooks';

if (!IS_HOOKS) {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  // Registered after tsx, so these hooks run first and answer '?raw' imports before tsx sees them.
  register(new URL('?hooks', import.meta.url));
}

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  if (specifier.endsWith('?raw')) {
    const path = specifier.slice(0, -'?raw'.length);
    if (!context.parentURL) throw new Error(`register.mjs: cannot resolve '${specifier}' without an importing module`);
    const url = new URL(path, context.parentURL);
    if (url.protocol !== 'file:') throw new Error(`register.mjs: '${specifier}' resolves to ${url.href}, not a file`);
    url.search = '?raw';
    return { url: url.href, format: 'module', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:' && parsed.search === '?raw') {
    parsed.search = '';
    const file = fileURLToPath(parsed);
    let text;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`register.mjs: cannot read ${file} for a '?raw' import: ${err instanceof Error ? err.message : err}`);
    }
    return { format: 'module', source: `export default ${JSON.stringify(text)};\n`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
