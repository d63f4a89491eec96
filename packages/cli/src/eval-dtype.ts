// `--eval-dtype` of the training commands: what value type a trained model's reported NFE, errors and
// R_K are measured in. At the paper's 1.4e-8 an f32 model's error estimate meets f32's rounding and
// the solver takes steps its dynamics do not need (MNIST: 32 → 50 NFE), so by default an f32-trained
// model is measured on an f64 copy of its weights ('float32' measures the f32 model itself).
import { Option } from 'commander';
import {
  DTYPES,
  type RuntimeDtype as Dtype,
  runtime,
  Model,
  type NeuralOde,
  loadComposedModel,
  loadModel,
  saveModel,
} from 'taynode';

export function evalDtypeOption(): Option {
  return new Option(
    '--eval-dtype <type>',
    'value type the reported NFE, errors and R_K are measured in (float64: an f32-trained model on an f64 copy of its weights; moot with --dtype float64)',
  )
    .choices(DTYPES as Dtype[])
    .default('float64');
}

// One copy per model, refreshed with its current weights: a run measures at several points, and each
// new model would keep its parameters and programs in the shared arena for good.
const f64Copies = new WeakMap<object, NeuralOde | Model>();

/** The model to measure: the trained one, or (an f32 model, evalDtype 'float64') its weights widened into the shared f64 runtime. */
export function measuredModel<M extends NeuralOde | Model>(model: M, evalDtype: Dtype): M {
  if (model.rt.dtype !== 'float32' || evalDtype === 'float32') return model;
  const copy = f64Copies.get(model) as M | undefined;
  if (copy === undefined) {
    const bytes = saveModel(model, {}, { dtype: 'F32' });
    const made = (
      model instanceof Model ? loadComposedModel(runtime(), bytes).model : loadModel(runtime(), bytes).model
    ) as M;
    f64Copies.set(model, made);
    return made;
  }
  copy.params.forEach((p, i) => p.value.copyFrom(model.params[i].value.toFloat64Array()));
  return copy;
}
