// `--dtype float32|float64` for the training commands: which runtime the experiment's models live in.
// float64 keeps the shared runtime (runs bitwise as before); float32 gets a runtime of its own.
import { Option } from 'commander';
import { createRuntimeSync, runtime, type Runtime, DTYPES, type RuntimeDtype as Dtype } from 'taynode';

export function dtypeOption(): Option {
  return new Option('--dtype <type>', 'value type of the models, their gradients and optimiser state')
    .choices(DTYPES as Dtype[])
    .default('float64');
}

export function runtimeFor(dtype: Dtype = 'float64'): Runtime {
  return dtype === 'float64' ? runtime() : createRuntimeSync({ dtype });
}
