// `taynode beyond`'s figures as Vega-Lite specs (rendered by ../../plots.ts): the regularisers' NFE
// against loss (one curve per regulariser through its λ, each starting from λ = 0; one panel per
// dataset), and the budget runs' λ, measured NFE and loss against iteration.
import type { VegaLiteSpec } from '../../plots.js';
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
    // λ = 0 begins every curve (the same point, drawn in each colour).
    const values = names.flatMap((name) => [...(none ? [{ ...none, name }] : []), ...here.filter((r) => r.name === name)]).map((r) => ({
      name: r.name, lambda: r.lambda, nfe: r.nfe, loss: r.lossKind === 'test error' ? 100 * r.loss : r.loss, label: r.lambda === 0 ? 'λ=0' : `${r.lambda}`,
    }));
    const lossTitle = here[0]?.lossKind === 'test error' ? 'test error (%)' : 'test NLL (nats)';
    const x = { field: 'nfe', type: 'quantitative', title: 'NFE', scale: { zero: false } };
    const y = { field: 'loss', type: 'quantitative', title: lossTitle, scale: { zero: false } };
    return {
      title: dataset, width: 360, height: 260, data: { values },
      layer: [
        { mark: { type: 'line', point: { filled: true, size: 60 } }, encoding: { x, y, color: { field: 'name', type: 'nominal', title: 'regulariser' }, order: { field: 'lambda' } } },
        { mark: { type: 'text', dx: 6, dy: -6, align: 'left', fontSize: 9 }, encoding: { x, y, text: { field: 'label' }, color: { field: 'name', type: 'nominal' } } },
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
  const values = budgets.flatMap((b) => b.trace.map((t) => ({ budget: label(b), iteration: t.iteration, lambda: t.lambda, loss: t.loss, nfe: t.nfeMeasured ?? null })));
  const targets = budgets.map((b) => ({ budget: label(b), target: b.target }));
  const color = { field: 'budget', type: 'nominal', title: 'budget' };
  const x = { field: 'iteration', type: 'quantitative', title: 'iteration' };
  return {
    $schema: SCHEMA,
    title: 'λ tuned online to an NFE budget (MNIST, R_3): λ, measured NFE and minibatch loss',
    vconcat: [
      { width: 480, height: 150, data: { values }, mark: 'line', encoding: { x, y: { field: 'lambda', type: 'quantitative', title: 'λ', scale: { type: 'log' } }, color } },
      {
        width: 480, height: 150,
        layer: [
          { data: { values }, transform: [{ filter: 'datum.nfe !== null' }], mark: { type: 'line', point: true }, encoding: { x, y: { field: 'nfe', type: 'quantitative', title: 'measured NFE' }, color } },
          { data: { values: targets }, mark: { type: 'rule', strokeDash: [4, 3] }, encoding: { y: { field: 'target', type: 'quantitative' }, color } },
        ],
      },
      { width: 480, height: 150, data: { values }, mark: { type: 'line', opacity: 0.7 }, encoding: { x, y: { field: 'loss', type: 'quantitative', title: 'minibatch cross-entropy' }, color } },
    ],
  } as VegaLiteSpec;
}
