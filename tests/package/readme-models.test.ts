// The "Build your own model" guide's examples (docs/guide/models.md) run as written against the built bundle, on small
// stand-in data (fewer iterations); each does what the text says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';

test('docs/guide/models.md examples run: MNIST description, time series, CNF written as code', async () => {
  const guide = readFileSync(new URL('../../docs/guide/models.md', import.meta.url), 'utf8');
  const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]);
  assert.is(blocks.length, 3);
  const bundle = new URL('../../build/index.js', import.meta.url).href;
  let code = blocks
    .join('\n')
    .replace(`from 'taynode'`, `from '${bundle}'`)
    .replace(/iterations: \d+/, 'iterations: 2')
    .replace(/\(seed: number\)/, '(seed)');
  assert.ok(code.includes(bundle), 'the example imports from taynode');
  // Stand-in data: 100 "images", 4 series of 50 steps read at 5 times, 6 points in the plane.
  const prelude = `
    const images = Float64Array.from({ length: 100 * 784 }, (_, i) => ((i * 7919) % 256) / 255);
    const labels = Float64Array.from({ length: 100 }, (_, i) => i % 10);
    const x = Float64Array.from({ length: 4 * 150 }, (_, i) => Math.sin(i));
    const times = [0, 1, 2.5, 4, 5];
    const target = Float64Array.from({ length: 5 * 4 }, (_, i) => Math.cos(i));
    const mask = Float64Array.from(target, (_, i) => (i % 3 === 0 ? 0 : 1));
    const points = Float64Array.from({ length: 12 }, (_, i) => Math.sin(3 * i));
    const none = new Float64Array(6);
  `;
  // Imports stay first; the prelude follows them.
  const firstStatement = code.indexOf(';', code.indexOf(`'${bundle}'`)) + 1;
  code = code.slice(0, firstStatement) + prelude + code.slice(firstStatement);
  code += '\nexport const result = { mnist, again, r, output, stats, blockStats, nll, flow, rebuilt };';
  const { result } = await import(`data:text/javascript,${encodeURIComponent(code)}`);
  assert.is(result.mnist.params.length, 6);
  assert.equal(
    result.again.params.map((p: { name: string }) => p.name),
    result.mnist.params.map((p: { name: string }) => p.name),
  );
  assert.ok(Number.isFinite(result.r.loss));
  assert.is(result.output.length, 5 * 4);
  // A Model's stats is one object, as a NeuralOde's: the blocks' total; blockStats holds each block's.
  assert.ok(Number.isInteger(result.stats.nfe) && result.stats.nfe > 0);
  assert.is(result.blockStats.length, 1);
  assert.is(result.stats.nfe, result.blockStats[0].nfe);
  assert.ok(Number.isFinite(result.nll.loss) && result.nll.logDensity.length === 6);
  assert.equal(result.rebuilt.params[0].value.toFloat64Array(), result.flow.params[0].value.toFloat64Array());
});

test.run();
