import * as tf from '@tensorflow/tfjs';

/**
 * One LSTM layer as one differentiable op with a hand-written gradient (issue 10, item 4).
 *
 * The layers LSTM (tf.layers.lstm) runs its cell as ~30 small kernels per time step and lets
 * autodiff record every one of them, so on wasm a 48-token batch spends most of its time in kernel
 * dispatch and in per-step weight-gradient matmuls. Here:
 * - the input projection of all time steps is one matmul ([T*B, D] x [D, 4U]);
 * - each forward step is one matmul with the recurrent kernel plus the cell's elementwise ops;
 * - everything the backward pass can compute for all steps at once (the gate derivatives) is
 *   computed on stacked [T, B, .] tensors, so a backward step is seven kernels;
 * - the weight gradients are one matmul each over all time steps (dW = Xᵀ·dZ, dU = Hprevᵀ·dZ).
 * Gate order and weight shapes are Keras' (i, f, c, o; kernel [D, 4U], recurrent [U, 4U], bias
 * [4U]), gates use the sigmoid and the cell the tanh, so it matches tf.layers.lstm with
 * `recurrentActivation: 'sigmoid'` (checked in fused-lstm.test.ts). Zero initial state, no masking.
 */
/** The name a profile lists a fusedLstm call under (a custom-gradient op, not a backend kernel). */
export const FUSED_LSTM_OP = 'FusedLstm';

export function fusedLstm(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  options: { returnSequences: boolean },
): tf.Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const [xIn, w, u, b, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const [batch, steps, inputDim] = xIn.shape;
    const units = u.shape[0];
    // tanh(x) = 2σ(2x) − 1: wasm's Tanh is a scalar loop ~40x slower per element than its
    // XNNPACK Sigmoid, so the candidate columns are pre-scaled by 2 (one sigmoid covers all four
    // gates) and the cell state is carried doubled (C2 = 2c), so tanh(c) = 2σ(C2) − 1.
    const columnScale = tf.concat([tf.ones([2 * units]), tf.fill([units], 2), tf.ones([units])]);
    const xTime = tf.reshape(tf.transpose(xIn, [1, 0, 2]), [steps * batch, inputDim]);
    const projected = tf.reshape(tf.add(tf.matMul(xTime, tf.mul(w, columnScale)), tf.mul(b, columnScale)), [steps, batch, 4 * units]);
    const projectedSteps = tf.unstack(projected);
    const uScaled = tf.mul(u, columnScale);
    let h: tf.Tensor2D = tf.zeros([batch, units]);
    let c2: tf.Tensor2D = tf.zeros([batch, units]);
    const gates: tf.Tensor2D[] = [];
    const candidates2: tf.Tensor2D[] = [];
    const cells2: tf.Tensor2D[] = [];
    const cellTanhs: tf.Tensor2D[] = [];
    const outputs: tf.Tensor2D[] = [];
    for (let t = 0; t < steps; t++) {
      const a = tf.sigmoid<tf.Tensor2D>(tf.add<tf.Tensor2D>(projectedSteps[t] as tf.Tensor2D, tf.matMul(h, uScaled)));
      const i = tf.slice(a, [0, 0], [batch, units]);
      const f = tf.slice(a, [0, units], [batch, units]);
      const g2 = tf.sub<tf.Tensor2D>(tf.mul(tf.slice(a, [0, 2 * units], [batch, units]), 4), 2);
      const o = tf.slice(a, [0, 3 * units], [batch, units]);
      c2 = tf.add(tf.mul(f, c2), tf.mul(i, g2));
      const cellTanh = tf.sub<tf.Tensor2D>(tf.mul(tf.sigmoid(c2), 2), 1);
      h = tf.mul(o, cellTanh);
      gates.push(a);
      candidates2.push(g2);
      cells2.push(c2);
      cellTanhs.push(cellTanh);
      outputs.push(h);
    }
    const hidden = tf.stack(outputs) as tf.Tensor3D; // [T, B, U]
    const half = (list: tf.Tensor2D[]) => tf.mul(tf.stack(list), 0.5);
    save([xTime, w, u, tf.stack(gates), half(candidates2), half(cells2), tf.stack(cellTanhs), hidden]);
    const value = options.returnSequences ? tf.transpose(hidden, [1, 0, 2]) : h;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      backward(dy, saved, { batch, steps, inputDim, units, returnSequences: options.returnSequences });
    return { value, gradFunc };
  });
  // Named scope: profiles list the op under this name (kernel-guard.ts knows it is not a kernel).
  return tf.tidy(FUSED_LSTM_OP, () => op(x, kernel, recurrentKernel, bias));
}

interface Shape {
  batch: number;
  steps: number;
  inputDim: number;
  units: number;
  returnSequences: boolean;
}

function backward(dy: tf.Tensor, saved: tf.Tensor[], shape: Shape): tf.Tensor[] {
  const { batch, steps, inputDim, units } = shape;
  const [xTime, w, u, gatesAll, candidatesAll, cellsAll, cellTanhsAll, hidden] = saved as [
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor3D,
  ];
  const part = (k: number) => tf.slice(gatesAll, [0, 0, k * units], [steps, batch, units]);
  const [i, f, o] = [part(0), part(1), part(3)];
  const g = candidatesAll;
  const zeroState = tf.zeros([1, batch, units]);
  const previousCells = tf.concat([zeroState, tf.slice(cellsAll, [0, 0, 0], [steps - 1, batch, units])], 0);
  const sigmoidSlope = (s: tf.Tensor) => tf.mul(s, tf.sub(1, s));
  // dz = [dc, dc, dc, dh] ⊙ factors, with every factor known from the forward pass.
  const factors = tf.concat(
    [
      tf.mul(g, sigmoidSlope(i)),
      tf.mul(previousCells, sigmoidSlope(f)),
      tf.mul(i, tf.sub(1, tf.square(g))),
      tf.mul(cellTanhsAll, sigmoidSlope(o)),
    ],
    2,
  );
  // dc += dh ⊙ o ⊙ (1 - tanh(c)²)
  const hiddenToCell = tf.mul(o, tf.sub(1, tf.square(cellTanhsAll)));
  const factorSteps = tf.unstack(factors);
  const hiddenToCellSteps = tf.unstack(hiddenToCell);
  const forgetSteps = tf.unstack(f);
  const outputGradSteps = shape.returnSequences ? tf.unstack(tf.transpose(dy, [1, 0, 2])) : undefined;
  const recurrentTransposed = tf.transpose(u);
  let dhRecurrent: tf.Tensor | undefined = shape.returnSequences ? undefined : dy;
  let dcNext: tf.Tensor | undefined;
  const dzSteps: tf.Tensor[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    const fromOutput = outputGradSteps?.[t];
    const dh = fromOutput && dhRecurrent ? tf.add(dhRecurrent, fromOutput) : (fromOutput ?? dhRecurrent ?? tf.zeros([batch, units]));
    const viaHidden = tf.mul(dh, hiddenToCellSteps[t] as tf.Tensor);
    const dc = dcNext ? tf.add(dcNext, viaHidden) : viaHidden;
    const dz = tf.mul(tf.concat([dc, dc, dc, dh], 1), factorSteps[t] as tf.Tensor);
    dzSteps[t] = dz;
    if (t > 0) {
      dcNext = tf.mul(dc, forgetSteps[t] as tf.Tensor);
      dhRecurrent = tf.matMul(dz, recurrentTransposed);
    }
  }
  const dz = tf.reshape(tf.stack(dzSteps), [steps * batch, 4 * units]);
  const previousHidden = tf.reshape(tf.concat([zeroState, tf.slice(hidden, [0, 0, 0], [steps - 1, batch, units])], 0), [steps * batch, units]);
  const dx = tf.transpose(tf.reshape(tf.matMul(dz, tf.transpose(w)), [steps, batch, inputDim]), [1, 0, 2]);
  const dKernel = tf.matMul(xTime, dz, true, false);
  const dRecurrent = tf.matMul(previousHidden, dz, true, false);
  const dBias = tf.sum(dz, 0);
  return [dx, dKernel, dRecurrent, dBias];
}

type LayerInitializer = ReturnType<typeof tf.initializers.glorotUniform>;

export interface FusedLstmLayerArgs {
  units: number;
  returnSequences?: boolean;
  kernelInitializer?: LayerInitializer;
  recurrentInitializer?: LayerInitializer;
  name?: string;
}

/**
 * tf.layers.lstm's drop-in for our models: the same weights (kernel, recurrent_kernel, bias, in
 * Keras' shapes and gate order) run by fusedLstm. Registered for serialization, so a saved model
 * loads back as FusedLstm; bundles saved with the layers LSTM still load as they were.
 */
export class FusedLstm extends tf.layers.Layer {
  static readonly className = 'FusedLstm';
  readonly units: number;
  readonly returnSequences: boolean;
  private readonly kernelInitializer: LayerInitializer;
  private readonly recurrentInitializer: LayerInitializer;
  private kernel: tf.LayerVariable | undefined;
  private recurrentKernel: tf.LayerVariable | undefined;
  private bias: tf.LayerVariable | undefined;

  constructor(args: FusedLstmLayerArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.kernelInitializer = args.kernelInitializer ?? tf.initializers.glorotUniform({});
    this.recurrentInitializer = args.recurrentInitializer ?? tf.initializers.orthogonal({});
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1];
    if (typeof inputDim !== 'number') throw new Error('FusedLstm needs a known feature dimension');
    const units = this.units;
    this.kernel = this.addWeight('kernel', [inputDim, 4 * units], 'float32', this.kernelInitializer);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [units, 4 * units], 'float32', this.recurrentInitializer);
    // Keras' unit forget bias: the forget gate starts open, so early gradients flow through time.
    this.bias = this.addWeight('bias', [4 * units], 'float32', tf.initializers.zeros());
    const forgetOpen = new Float32Array(4 * units);
    forgetOpen.fill(1, units, 2 * units);
    this.bias.write(tf.tensor1d(forgetOpen));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return this.returnSequences ? [shape[0] ?? null, shape[1] ?? null, this.units] : [shape[0] ?? null, this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
    if (!this.kernel || !this.recurrentKernel || !this.bias) throw new Error('FusedLstm called before build');
    return fusedLstm(
      x,
      this.kernel.read() as tf.Tensor2D,
      this.recurrentKernel.read() as tf.Tensor2D,
      this.bias.read() as tf.Tensor1D,
      { returnSequences: this.returnSequences },
    );
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, returnSequences: this.returnSequences };
  }
}

tf.serialization.registerClass(FusedLstm);

/** A FusedLstm layer (the factory style of tf.layers.lstm). */
export function fusedLstmLayer(args: FusedLstmLayerArgs): FusedLstm {
  return new FusedLstm(args);
}
