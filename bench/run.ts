// `npm run bench [name…]`: runs every bench/*.bench.ts (or those whose names contain an argument)
// one after another in this process. Each writes its figures to bench/results/<name>.json and prints
// ratios measured side by side, since absolute times drift on a shared machine.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) throw new Error(`no benchmark matches ${filters.join(', ')}`);
for (const file of files) {
  console.log(`\n=== ${file}`);
  const mod = (await import(pathToFileURL(dir + file).href)) as { run: () => Promise<void> };
  await mod.run();
}
