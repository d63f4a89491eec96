// Node module-customisation hook: `import bytes from 'x.wasm'` yields a Uint8Array of the file.
import { readFile } from 'node:fs/promises';

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.wasm')) return nextLoad(url, context);
  const bytes = await readFile(new URL(url));
  return {
    format: 'module',
    shortCircuit: true,
    source: `export default Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0));`,
  };
}
