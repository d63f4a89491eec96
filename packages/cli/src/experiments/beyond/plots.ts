// `taynode beyond`'s figures as Vega-Lite specs (rendered by ../../plots.ts): the regularisers' NFE
// against loss (one curve per regulariser through its λ, each starting from λ = 0; one panel per
// dataset), and the budget runs' λ, measured NFE and loss against iteration.
import type { VegaLiteSpec } from '../../plots.js';
import { labelLayers, paddedDomain, placeLabels } from '../../plot-labels.js';
import type { RegulariserRow } from './run.js';
import type { BudgetSummary } from './summary.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** NFE against loss, a curve per regulariser through λ = 0 and its λ, a panel per dataset. */
export function regularisersSpec(rows: readonly RegulariserRow[]): VegaLiteSpec {
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const panel = (dataset: string) => {
    const here = rows.filter((r) => r.dataset === dataset && Number.isFinite(r.nfe) && Number.isFinite(r.loss));
    const none = here.find((r) => r.regulariser === 'none');
    const names = [...new Set(here.filter((r) => r.regulariser !== 'none').map((r) => r.name))];
    // λ = 0 begins every curve (the same point, drawn in each colour, labelled once).
    const rowsOfCurves = names
      .flatMap((name) => [...(none ? [{ ...none, name }] : []), ...here.filter((r) => r.name === name)])
      .map((r) => ({
        name: r.name,
        lambda: r.lambda,
        nfe: r.nfe,
        loss: r.lossKind === 'test error' ? 100 * r.loss : r.loss,
        label: r.lambda === 0 ? 'λ=0' : `${r.lambda}`,
      }));
    const width = 360,
      height = 260,
      fontSize = 9;
    const xDomain = paddedDomain(rowsOfCurves.map((r) => r.nfe)),
      yDomain = paddedDomain(rowsOfCurves.map((r) => r.loss));
    const labelled = rowsOfCurves.map((r, i) => r.lambda !== 0 || rowsOfCurves.findIndex((o) => o.lambda === 0) === i);
    const places = placeLabels(
      rowsOfCurves.map((r, i) => ({ x: r.nfe, y: r.loss, label: labelled[i] ? r.label : '' })),
      { width, height, xDomain, yDomain, fontSize },
    );
    const values = rowsOfCurves.map((r, i) => ({ ...r, place: labelled[i] ? (places[i] ?? null) : null }));
    const lossTitle = here[0]?.lossKind === 'test error' ? 'test error (%)' : 'test NLL (nats)';
    const x = {
      field: 'nfe',
      type: 'quantitative',
      title: 'NFE',
      scale: { domain: xDomain, nice: false, zero: false },
    };
    const y = {
      field: 'loss',
      type: 'quantitative',
      title: lossTitle,
      scale: { domain: yDomain, nice: false, zero: false },
    };
    return {
      title: dataset,
      width,
      height,
      data: { values },
      layer: [
        {
          mark: { type: 'line', point: { filled: true, size: 60 } },
          encoding: {
            x,
            y,
            color: { field: 'name', type: 'nominal', title: 'regulariser' },
            order: { field: 'lambda' },
          },
        },
        ...labelLayers(x, y, fontSize, 'place', { color: { field: 'name', type: 'nominal' } }),
      ],
    };
  };
  return {
    $schema: SCHEMA,
    title: 'Speed regularisers: NFE against test loss (each curve: λ = 0, then its λ in order)',
    hconcat: datasets.map(panel),
    resolve: { scale: { color: 'shared' } },
  } as VegaLiteSpec;
}

/** λ (log), the measured NFE (with each target) and the minibatch loss against iteration, per budget. */
export function budgetsSpec(budgets: readonly BudgetSummary[]): VegaLiteSpec {
  const label = (b: BudgetSummary) => `${b.fraction}× (${b.target.toFixed(1)})`;
  const values = budgets.flatMap((b) =>
    b.trace.map((t) => ({
      budget: label(b),
      iteration: t.iteration,
      lambda: t.lambda,
      loss: t.loss,
      nfe: t.nfeMeasured ?? null,
    })),
  );
  const targets = budgets.map((b) => ({ budget: label(b), target: b.target }));
  const color = { field: 'budget', type: 'nominal', title: 'budget' };
  const x = { field: 'iteration', type: 'quantitative', title: 'iteration' };
  // λ labelled at powers of ten only (1-2-5 labels on a log axis print over each other)
  const lambdas = values.map((v) => v.lambda).filter((l) => l > 0);
  const decades = lambdas.length
    ? range(Math.floor(Math.log10(Math.min(...lambdas))), Math.ceil(Math.log10(Math.max(...lambdas)))).map(
        (e) => 10 ** e,
      )
    : [];
  // the minibatch losses of the budgets lie on top of each other: a running mean of 10 on a log axis tells them apart
  const meanLoss = {
    window: [{ op: 'mean', field: 'loss', as: 'meanLoss' }],
    frame: [-9, 0],
    groupby: ['budget'],
    sort: [{ field: 'iteration' }],
  };
  return {
    $schema: SCHEMA,
    title: 'λ tuned online to an NFE budget (MNIST, R_3): λ, measured NFE and minibatch loss',
    vconcat: [
      {
        width: 480,
        height: 150,
        data: { values },
        mark: 'line',
        encoding: {
          x,
          y: {
            field: 'lambda',
            type: 'quantitative',
            title: 'λ',
            scale: { type: 'log' },
            axis: { values: decades, format: '~g' },
          },
          color,
        },
      },
      {
        width: 480,
        height: 150,
        layer: [
          {
            data: { values },
            transform: [{ filter: 'datum.nfe !== null' }],
            mark: { type: 'line', point: true },
            encoding: { x, y: { field: 'nfe', type: 'quantitative', title: 'measured NFE' }, color },
          },
          {
            data: { values: targets },
            mark: { type: 'rule', strokeDash: [4, 3] },
            encoding: { y: { field: 'target', type: 'quantitative' }, color },
          },
        ],
      },
      {
        width: 480,
        height: 150,
        data: { values },
        transform: [meanLoss],
        mark: { type: 'line' },
        encoding: {
          x,
          y: {
            field: 'meanLoss',
            type: 'quantitative',
            title: ['minibatch cross-entropy', '(mean of 10 iterations, log)'],
            scale: { type: 'log', nice: false },
          },
          color,
        },
      },
    ],
  } as VegaLiteSpec;
}

/** The integers from `a` to `b`, both included. */
function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}
