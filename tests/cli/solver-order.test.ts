// The Figure-2 experiment's table and the shared plotting helper.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { solverOrderTable } from '../../packages/cli/src/commands/solver-order.js';
import { heatmapSpec, renderSvg } from '../../packages/cli/src/plots.js';
import { ADAPTIVE_METHODS, TABLEAUS } from '../../src/ode/index.js';

test('NFE is flat while K ≤ the embedded order and grows beyond it', () => {
  const rows = solverOrderTable(1e-6, 1e-6, 5);
  assert.is(rows.length, ADAPTIVE_METHODS.length * 5);
  for (const method of ADAPTIVE_METHODS) {
    const q = TABLEAUS[method].embeddedOrder!;
    const nfe = (K: number) => rows.find((r) => r.method === method && r.K === K)!.nfe;
    for (let K = 2; K <= q; K++) assert.is(nfe(K), nfe(1), `${method} K=${K}`);
    if (q + 1 <= 5) assert.ok(nfe(q + 1) > nfe(q), `${method}: K=${q + 1} needs more than K=${q}`);
    for (const r of rows.filter((x) => x.method === method))
      assert.ok(r.error < 1e-4, `${method} K=${r.K} error ${r.error}`);
  }
});

test('heatmapSpec renders to an SVG with one labelled cell per record', async () => {
  const values = [
    { a: 'x', b: 'p', v: 1 },
    { a: 'y', b: 'p', v: 10 },
    { a: 'x', b: 'q', v: 100 },
  ];
  const svg = await renderSvg(
    heatmapSpec({ values, x: { field: 'a' }, y: { field: 'b' }, color: { field: 'v', logScale: true }, title: 'T' }),
  );
  assert.match(svg, /^<svg/);
  for (const label of ['>1<', '>10<', '>100<', '>T<']) assert.ok(svg.includes(label), `missing ${label}`);
});

test.run();
