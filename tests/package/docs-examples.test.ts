// The guides' self-contained examples run as written against the built bundle (TypeScript types
// stripped by esbuild) and print or return what their comments say.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { transformSync } from 'esbuild';
import { readFileSync } from 'node:fs';

const bundle = new URL('../../build/index.js', import.meta.url).href;

/** The first ```ts block of a guide, importing from the built bundle, with `tail` appended; its exports. */
async function runFirstBlock(
  guide: string,
  tail: string,
  edit = (code: string) => code,
): Promise<Record<string, unknown>> {
  const text = readFileSync(new URL(`../../docs/guide/${guide}`, import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)\n```/.exec(text);
  assert.ok(block, `${guide} has a TypeScript block`);
  const code = edit(block[1].replace(`from 'taynode'`, `from '${bundle}'`));
  assert.ok(code.includes(bundle), `${guide}'s example imports from taynode`);
  const js = transformSync(code + '\n' + tail, { loader: 'ts', format: 'esm' }).code;
  return import(`data:text/javascript,${encodeURIComponent(js)}`);
}

test('docs/guide/runtime.md: C = A·B prints [19, 22, 43, 50]', async () => {
  const { product } = await runFirstBlock('runtime.md', 'export const product = c.toFloat64Array();', (code) => {
    assert.ok(code.includes('console.log(c.toFloat64Array())'), 'the example prints the product');
    return code.replace('console.log(', 'globalThis.printedByRuntimeExample = (');
  });
  assert.equal(Array.from(product as Float64Array), [19, 22, 43, 50]);
  assert.equal(
    Array.from((globalThis as { printedByRuntimeExample?: Float64Array }).printedByRuntimeExample ?? []),
    [19, 22, 43, 50],
  );
});

test('docs/guide/solvers.md: the Lorenz system solves to every requested time with its statistics', async () => {
  const { ys, stats } = (await runFirstBlock('solvers.md', 'export { ys, stats };')) as {
    ys: Float64Array[];
    stats: { nfe: number; acceptedSteps: number };
  };
  assert.is(ys.length, 3);
  assert.equal(Array.from(ys[0]), [10, 1, 1]);
  assert.ok(ys.every((y) => y.length === 3 && y.every(Number.isFinite)));
  assert.ok(stats.nfe > 0 && stats.acceptedSteps > 0);
});

test.run();
