// `taynode cnf --merge a.json,b.json --json out.json`: the rows of runs trained apart (one process a
// core), summarised as one run (experiments/cnf/merge.ts checks they are one experiment). It trains
// nothing, so the only other options it takes are those of the summary: --eval-tols (which tolerance
// is the headline), --nll-budget, --json where it writes, and --out (with --force) for Fig. 5c drawn
// from the merged rows (the density and sample figures need the models, which results files lack).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { mergeCnfResults, MergeError, type CnfResultsFile } from '../experiments/cnf/merge.js';
import { comparisonLines, summaryJson, tableText } from '../experiments/cnf/summary.js';
import { outcomeTradeoffSpec } from '../experiments/cnf/plots.js';
import { checkFilePath, OutputDir, writeFileAtomic } from '../output.js';
import { renderSvg } from '../plots.js';

/** Options a merge reads; every other option given on the command line is refused. */
const MERGE_OPTIONS = new Set(['merge', 'json', 'evalTols', 'nllBudget', 'out', 'force']);

export async function runCnfMerge(
  opts: { merge: string[]; json?: string; evalTols: number[]; nllBudget: number; out?: string; force?: boolean },
  command: Command,
): Promise<void> {
  const given = (key: string) => command.getOptionValueSource(key) === 'cli';
  const stray = command.options.filter((o) => given(o.attributeName()) && !MERGE_OPTIONS.has(o.attributeName()));
  if (stray.length)
    throw new MergeError(
      `--merge summarises finished runs and trains nothing: ${stray.map((o) => o.long).join(', ')} would be ignored`,
    );
  if (!opts.json) throw new MergeError('--merge needs --json <path>: where to write the merged results');
  const json = opts.json;
  const output = opts.out === undefined ? undefined : new OutputDir(opts.out, { command: 'cnf', force: opts.force });
  if (output) output.checkFile(json, '--json');
  else checkFilePath(json, '--json');
  const files: CnfResultsFile[] = opts.merge.map((path) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new MergeError(`--merge ${path}: cannot read it (${(e as Error).message})`);
    }
    try {
      return { path, json: JSON.parse(text) };
    } catch (e) {
      throw new MergeError(`--merge ${path}: not JSON (${(e as Error).message})`);
    }
  });
  const merged = mergeCnfResults(files, given('evalTols') ? opts.evalTols : undefined);
  const settings = given('nllBudget') ? { ...merged.settings, nllBudget: opts.nllBudget } : merged.settings;
  console.log(tableText(merged.outcome, merged.dim));
  const trueNll = merged.extra.nll_true as number | undefined;
  for (const line of comparisonLines(merged.outcome, settings, merged.dim, trueNll)) console.log(line);
  const summary = summaryJson(merged.outcome, settings, merged.dim, {
    ...merged.extra,
    command: `taynode cnf ${process.argv.slice(3).join(' ')}`.trim(),
    date: new Date().toISOString(),
  });
  const text = JSON.stringify(summary, null, 2) + '\n';
  let figure = '';
  if (output) {
    figure = ` and ${output.write('cnf-tradeoff.svg', await renderSvg(outcomeTradeoffSpec(merged.outcome, settings, merged.dim)))}`;
    output.writeFile(json, text);
    output.commit();
  } else writeFileAtomic(json, text);
  console.log(
    `wrote ${json}${figure}: ${merged.outcome.table.length} rows and ${merged.outcome.sweep.length} sweep rows from ${files.length} files`,
  );
}
