// The worker's side of a WorkerPool: its own runtime (wasm instance and arena, made with the pool's
// runtime options on its first request) and its own copies of the models it was sent (rebuilt from
// saveModel's bytes), which it sets to the parameters each request carries before computing on its
// shard. A failure is replied with the error's name and message; the worker stays up for the next.
import { ArgumentError, ShapeError } from '../errors.js';
import { createRuntimeSync, type Runtime } from '../runtime/wasm.js';
import { Rng } from '../random.js';
import { NeuralOde } from '../model/neural-ode.js';
import { Model } from '../model/model.js';
import { lossFromDescription } from '../model/losses.js';
import { loadComposedModel, loadModel } from '../model/serialize.js';
import { zeroGrads, type ParameterLike } from '../autodiff/parameters.js';
import { concatParameters } from './combine.js';
import { parentPort } from './port.js';
import type {
  BackwardAtReply,
  ForwardAtReply,
  LoadReply,
  ObjectiveReply,
  PoolRequest,
  PredictReply,
} from './protocol.js';
import type { ForwardPass } from '../model/neural-ode.js';
import type { StateNorm } from '../gradients/method.js';
import { sharedStepsNorm } from './shared-norm.js';
import { abortSharedSteps, SharedStepBarrier, type SharedSteps } from './step-barrier.js';

/** The request's shared steps (when it carries them) as the solves' norm option: every adaptive solve's norm is the batch's. */
function sharing(steps: SharedSteps | undefined): { norm?: StateNorm } {
  if (!steps) return {};
  const barrier = new SharedStepBarrier(steps);
  return { norm: ({ batchMeans }) => sharedStepsNorm(barrier, batchMeans) };
}

/** An objectiveAt forward pass kept for its backward request (with what it ran with: other requests may change the model meanwhile). */
interface KeptPass {
  model: NeuralOde;
  pass: ForwardPass;
  params: Float64Array;
}

/**
 * Serves a WorkerPool from inside a worker (a Node worker_threads Worker or a module Web Worker). The
 * package's `build/pool-worker.js` calls it; a script of your own (for a bundler) does the same:
 * `import { servePoolWorker } from 'taynode'; servePoolWorker();` and passes its URL as `workerUrl`.
 */
export async function servePoolWorker(): Promise<void> {
  const port = await parentPort();
  let rt: Runtime | undefined;
  const runtime = () => {
    if (!rt) throw new ArgumentError('request', 'an init request first (the pool sends one on start)', 'none');
    return rt;
  };
  const models = new Map<number, NeuralOde | Model>();
  const passes = new Map<number, KeptPass>();
  const modelOf = (handle: number) => {
    const model = models.get(handle);
    if (!model) throw new ArgumentError('model', 'a model loaded into this worker', handle);
    return model;
  };
  port.listen((message) => {
    const request = message as PoolRequest;
    try {
      switch (request.type) {
        case 'init':
          rt = createRuntimeSync(request.runtime);
          port.post({ id: request.id, result: null });
          return;
        case 'load': {
          const model =
            request.kind === 'model'
              ? loadComposedModel(runtime(), request.bytes).model
              : loadModel(runtime(), request.bytes).model;
          models.set(request.model, model);
          const result: LoadReply = {
            params: model.params.map((p) => ({ name: p.name, shape: [p.value.rows, p.value.cols] })),
            inputWidth: model.inputWidth,
            outputWidth: model.outputWidth,
          };
          port.post({ id: request.id, result });
          return;
        }
        case 'objective': {
          const start = performance.now();
          const model = modelOf(request.model);
          setParams(model.params, request.params);
          const options = {
            loss: lossFromDescription(request.loss),
            lambdaScale: request.lambdaScale,
            ...sharing(request.steps),
            ...(request.seed === undefined ? {} : { rng: new Rng(request.seed) }),
          };
          const r =
            model instanceof Model
              ? model.objective(request.x, request.target, { ...options, lazyTerms: request.lazyTerms === true })
              : model.objective(request.x, request.target, options);
          const grads = concatParameters(model.params, 'grad');
          const result: ObjectiveReply = {
            loss: r.loss,
            dataLoss: r.dataLoss,
            regularizers: r.regularizers,
            nfeForward: r.nfeForward,
            nfeBackward: r.nfeBackward,
            forwardStats: r.forwardStats,
            grads,
            ms: performance.now() - start,
          };
          port.post({ id: request.id, result }, [grads.buffer]);
          return;
        }
        case 'predict': {
          const model = modelOf(request.model);
          if (request.params) setParams(model.params, request.params);
          const options = {
            ...(request.solver ? { solver: request.solver } : {}),
            ...(request.times ? { times: request.times } : {}),
            ...sharing(request.steps),
          };
          const result: PredictReply = (() => {
            if (model instanceof Model) {
              const r = model.predict(request.x, options);
              return { output: r.output, z1: r.z1, stats: r.blockStats };
            }
            const r = model.predict(request.x, options);
            return { output: r.zs, z1: r.z1, stats: [r.stats] };
          })();
          port.post({ id: request.id, result }, [...new Set([result.output.buffer, result.z1.buffer])]);
          return;
        }
        case 'forwardAt': {
          const model = modelOf(request.model);
          if (!(model instanceof NeuralOde)) throw new ArgumentError('model', 'a NeuralOde (objectiveAt)', 'a Model');
          setParams(model.params, request.params);
          const pass = model.forward(request.z0, {
            record: true,
            times: request.times,
            lambdaScale: request.lambdaScale,
            ...sharing(request.steps),
            ...(request.seed === undefined ? {} : { rng: new Rng(request.seed) }),
          });
          passes.set(request.pass, { model, pass, params: request.params });
          const r = pass.result;
          const result: ForwardAtReply = {
            zs: r.zs,
            termLoss: r.loss,
            regularizers: r.regularizers,
            nfeForward: r.nfeForward,
            forwardStats: r.forwardStats,
          };
          port.post({ id: request.id, result }, [result.zs.buffer]);
          return;
        }
        case 'backwardAt': {
          const start = performance.now();
          const kept = passes.get(request.pass);
          passes.delete(request.pass);
          if (!request.zsBar) {
            // (a 'backprop' pass's stages stay allocated in this worker's arena until released)
            if (kept) kept.model.release(kept.pass);
            port.post({ id: request.id, result: null });
            return;
          }
          if (!kept) throw new ArgumentError('pass', 'a forward pass kept by this worker', request.pass);
          const { model, pass } = kept;
          setParams(model.params, kept.params);
          const before = pass.result.loss;
          zeroGrads(model.params);
          // (the backward's own solve, the adjoint's, steps with this request's shared steps)
          pass.norm = sharing(request.steps).norm;
          model.backward(pass, request.zsBar!);
          const grads = concatParameters(model.params, 'grad');
          const result: BackwardAtReply = {
            grads,
            termLoss: pass.result.loss - before,
            regularizers: pass.result.regularizers,
            nfeBackward: pass.result.nfeBackward,
            ms: performance.now() - start,
          };
          port.post({ id: request.id, result }, [grads.buffer]);
          return;
        }
        case 'unload':
          models.delete(request.model);
          port.post({ id: request.id, result: null });
          return;
        default:
          throw new ArgumentError(
            'request.type',
            'init, load, objective, predict, forwardAt, backwardAt or unload',
            (request as { type?: unknown }).type,
          );
      }
    } catch (e) {
      // The other workers of a call with shared steps would wait for this one at the next norm.
      if (request && 'steps' in request && request.steps) abortSharedSteps(request.steps.buffer);
      const error = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
      port.post({ id: request?.id, error });
    }
  });
  port.post({ type: 'ready' });
}

function setParams(params: readonly ParameterLike[], values: Float64Array): void {
  let offset = 0;
  for (const p of params) {
    p.value.copyFrom(values.subarray(offset, offset + p.value.size));
    offset += p.value.size;
  }
  if (offset !== values.length)
    throw new ShapeError(`params: the worker's model has ${offset} values, the request carried ${values.length}`);
}
