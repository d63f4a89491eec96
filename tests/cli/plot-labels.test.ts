// Point labels in the figures do not print over each other or run out of the plot (into the legend).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LABEL_PLACES, paddedDomain, placeLabels, type LabelLayout } from '../../packages/cli/src/plot-labels.js';
import { regularisersSpec } from '../../packages/cli/src/experiments/beyond/plots.js';
import { tradeoffSpec } from '../../packages/cli/src/experiments/cnf/plots.js';
import type { RegulariserRow } from '../../packages/cli/src/experiments/beyond/run.js';

/** The boxes placeLabels reasons about, recomputed from its answer (the same geometry as the text layers). */
function boxes(points: { x: number; y: number; label: string }[], layout: LabelLayout, places: (string | undefined)[]) {
  const {
    width,
    height,
    xDomain: [x0, x1],
    yDomain: [y0, y1],
    fontSize,
  } = layout;
  return points.flatMap((p, i) => {
    const place = places[i];
    if (!place) return [];
    const px = ((p.x - x0) / (x1 - x0)) * width,
      py = height - ((p.y - y0) / (y1 - y0)) * height;
    const w = 0.62 * fontSize * p.label.length;
    const left = place.startsWith('right') ? px + 7 : px - 7 - w;
    const top = place.endsWith('above') ? py - 7 - fontSize : py + 7;
    return [{ left, right: left + w, top, bottom: top + fontSize }];
  });
}

test('clustered points: the labels placed do not overlap and stay inside the plot; a right-edge label goes left', () => {
  // the 8gaussians panel of results/beyond/regularisers: five points within a few pixels of each other
  const points = [
    [56, 3.07, '0.3'],
    [56.2, 3.072, '0.25'],
    [55.8, 3.068, '0.1'],
    [56, 3.06, '0.05'],
    [50, 3.09, '3'],
    [80, 3.1, 'λ=0'],
    [80, 3.18, '0.5'],
  ].map(([x, y, label]) => ({ x: x as number, y: y as number, label: label as string }));
  const layout: LabelLayout = {
    width: 360,
    height: 260,
    xDomain: paddedDomain(points.map((p) => p.x)),
    yDomain: paddedDomain(points.map((p) => p.y)),
    fontSize: 9,
  };
  const places = placeLabels(points, layout);
  const placed = boxes(points, layout, places);
  assert.ok(placed.length >= 4, `most labels placed (${places})`);
  for (const [i, a] of placed.entries()) {
    assert.ok(
      a.left >= 0 && a.right <= layout.width && a.top >= 0 && a.bottom <= layout.height,
      `inside: ${JSON.stringify(a)}`,
    );
    for (const b of placed.slice(i + 1))
      assert.ok(
        a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top,
        'no two labels overlap',
      );
  }
  assert.ok(places[5]?.startsWith('left'), `the point at the right edge is labelled on its left (${places[5]})`);
  assert.ok(places.every((p) => p === undefined || LABEL_PLACES.includes(p)));
});

test('regularisers: λ = 0, the first point of every curve, is labelled once per panel', () => {
  const row = (name: string, lambda: number, nfe: number, loss: number): RegulariserRow =>
    ({
      dataset: '8gaussians',
      regulariser: lambda === 0 ? 'none' : 'rnode',
      name: lambda === 0 ? 'none' : name,
      lambda,
      nfe,
      loss,
      lossKind: 'test NLL',
      trainSeconds: 1,
      trainCpuSeconds: 1,
      trainNfeForward: 1,
      trainNfeBackward: 1,
      source: 'this run',
    }) as RegulariserRow;
  const rows = [row('', 0, 80, 3.1), row('RNODE', 1, 38, 3.4), row('ERNODE', 0.5, 20, 3.64), row('R_2', 3, 50, 3.09)];
  const spec = regularisersSpec(rows) as unknown as {
    hconcat: { data: { values: { label: string; place: string | null }[] } }[];
  };
  const zeros = spec.hconcat[0].data.values.filter((v) => v.label === 'λ=0');
  assert.is(zeros.length, 3, 'λ = 0 drawn in each of the three curves');
  assert.is(zeros.filter((v) => v.place !== null).length, 1, 'and labelled once');
});

test('the committed mixture16 trade-off: the label of the top-right point no longer runs into the legend', () => {
  const points = [
    { series: 'R_2 sweep', label: 'λ = 10', lambda: 10, nfe: 44, nll: 17.2422 },
    { series: 'R_2 sweep', label: 'λ = 0.3', lambda: 0.3, nfe: 50, nll: 17.2368 },
    { series: 'R_2 sweep', label: 'λ = 1', lambda: 1, nfe: 50, nll: 17.22 },
    { series: 'R_2 sweep', label: 'λ = 3', lambda: 3, nfe: 44, nll: 17.2 },
    { series: 'R_3', label: 'λ = 0.3', lambda: 0.3, nfe: 50, nll: 17.2307 },
    { series: 'RNODE', label: 'λ = 0.01', lambda: 0.01, nfe: 56, nll: 17.2449 },
    { series: 'unregularised', label: 'λ = 0', lambda: 0, nfe: 56, nll: 17.2196 },
  ];
  const spec = tradeoffSpec(points, 'mixture16', 'NLL') as unknown as {
    data: { values: { label: string; nfe: number; place: string | null }[] };
  };
  for (const v of spec.data.values.filter((p) => p.nfe === 56))
    assert.ok(v.place === null || v.place.startsWith('left'), `${v.label}: ${v.place}`);
});

test.run();
