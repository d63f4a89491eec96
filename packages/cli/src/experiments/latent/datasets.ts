// The multichannel datasets of `taynode latent --dataset`: the PhysioNet-like synthetic set and the real
// PhysioNet 2012 files (--data-dir), as the experiment's data. Both run the interpolation task only (the
// paper's PhysioNet task); the periodic set stays in run.ts.
import { ArgumentError } from 'taynode';
import { makeChannelBatch } from './channel-batches.js';
import { maxRows, type ChannelSet } from './channels.js';
import { splitIndices } from './data.js';
import { hiddenSolve } from './physionet-like/dynamics.js';
import { DEFAULT_PHYSIONET_LIKE, hiddenParameters, physionetLikeSet } from './physionet-like/generate.js';
import { loadPhysioNet } from './physionet/load.js';
import type { LatentExperimentData, LatentSettings } from './run.js';

export type LatentDataset = 'periodic' | 'physionet-like' | 'physionet';
export const LATENT_DATASETS: readonly LatentDataset[] = ['periodic', 'physionet-like', 'physionet'];

function fromChannels(
  dataset: LatentDataset,
  set: ChannelSet,
  train: Int32Array,
  test: Int32Array,
): LatentExperimentData {
  const steps = maxRows(set);
  const batch = (series: number[]) => makeChannelBatch(set, series, steps);
  return {
    dataset,
    channelSet: set,
    channels: set.channels.length,
    times: set.times,
    tMax: set.tMax,
    steps,
    train,
    test,
    testBatch: batch(Array.from(test)),
    batch,
  };
}

export function channelData(s: LatentSettings): LatentExperimentData {
  if (s.mode !== 'interp')
    throw new ArgumentError(
      'mode',
      `'interp' for the ${s.dataset} set (its task is interpolation; extrap is the periodic set's)`,
      s.mode,
    );
  if (s.dataset === 'physionet-like') {
    const set = physionetLikeSet({ ...DEFAULT_PHYSIONET_LIKE, series: s.series, seed: s.seed + 7919 });
    const { train, test } = splitIndices(s.series, 0.8);
    return {
      ...fromChannels('physionet-like', set, train, test),
      trueDynamicsNfe: (b, tol) =>
        hiddenSolve(set.y0.subarray(3 * b, 3 * b + 3), hiddenParameters(set, b), tol).stats.nfe,
      trueDynamicsDefinition:
        "the series' generating process, a 3-D autonomous nonlinear ODE with a closed form (docs/experiments/latent-physionet-like.md)",
    };
  }
  if (s.dataset === 'physionet') {
    if (!s.dataDir)
      throw new ArgumentError(
        'dataDir',
        'the PhysioNet 2012 folder (set-a/ …) for the physionet dataset (--data-dir)',
        s.dataDir,
      );
    const set = loadPhysioNet(s.dataDir, { seed: s.seed });
    return fromChannels('physionet', set, set.train, set.test);
  }
  throw new ArgumentError('dataset', `one of ${LATENT_DATASETS.join(', ')}`, s.dataset);
}
