// One call for either kind of loaded model: what loadModel (a NeuralOde) or loadComposedModel (a Model)
// returned, applied to a batch. The same as the model's own predict; a function so that the
// inference entry (taynode/infer) reads as load, then predict.
import { ArgumentError } from '../errors.js';
import { Model, type ModelPredictOptions } from './model.js';
import { NeuralOde, type PredictOptions } from './neural-ode.js';

/** A NeuralOde: z(t1) (and z at options.times) for a batch of initial states [batch, D], row-major. */
export function predict(model: NeuralOde, x: Float64Array, options?: PredictOptions): ReturnType<NeuralOde['predict']>;
/** A Model: its output for a batch of inputs [batch, inputWidth], row-major. */
export function predict(model: Model, x: Float64Array, options?: ModelPredictOptions): ReturnType<Model['predict']>;
export function predict(model: NeuralOde | Model, x: Float64Array, options: PredictOptions | ModelPredictOptions = {}) {
  if (model instanceof Model) return model.predict(x, options as ModelPredictOptions);
  if (model instanceof NeuralOde) return model.predict(x, options as PredictOptions);
  throw new ArgumentError('model', 'a NeuralOde or a Model (from loadModel or loadComposedModel)', model);
}
