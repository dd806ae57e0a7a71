// Pointwise activations, forward and backward.
// kind: 0 relu, 1 silu, 2 tanh, 3 elu (alpha 1), 4 shifted softplus, 5 sigmoid.
// Forward saves its input x; backward recomputes what it needs from x.

// accumulate (backward): 1 adds into dx, 0 overwrites it (a gradient's first contribution).
struct Params { n: u32, kind: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

const WG = 256u;
const LN2 = 0.6931471805599453;

fn sigmoid(v: f32) -> f32 {
  // Stable on both sides: exp of a non-positive number only.
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}

fn softplus(v: f32) -> f32 {
  return max(v, 0.0) + log(1.0 + exp(-abs(v)));
}

fn act(v: f32, kind: u32) -> f32 {
  switch kind {
    case 0u: { return max(v, 0.0); }
    case 1u: { return v * sigmoid(v); }
    case 2u: { return tanh(v); }
    case 3u: { if (v > 0.0) { return v; } return exp(v) - 1.0; }
    case 4u: { return softplus(v) - LN2; }
    default: { return sigmoid(v); }
  }
}

fn act_derivative(v: f32, kind: u32) -> f32 {
  switch kind {
    case 0u: { return select(0.0, 1.0, v > 0.0); }
    case 1u: { let s = sigmoid(v); return s * (1.0 + v * (1.0 - s)); }
    // sech^2 rather than 1 - tanh^2, which cancels badly in f32 for large |v|.
    case 2u: { let c = cosh(min(abs(v), 40.0)); return 1.0 / (c * c); }
    case 3u: { if (v > 0.0) { return 1.0; } return exp(v); }
    case 4u: { return sigmoid(v); }
    default: { let s = sigmoid(v); return s * (1.0 - s); }
  }
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  y[i] = act(x[i], params.kind);
}

// dx (+)= dy * f'(x)
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  var v = dy[i] * act_derivative(x[i], params.kind);
  if (params.accumulate != 0u) { v = dx[i] + v; }
  dx[i] = v;
}
