// Scalar losses as deterministic chunked reductions: invocation j sums the terms of elements
// [j * chunk, (j + 1) * chunk) in index order; the host repeats with kind 0 (plain sum) over the
// partials until one value is left, and applies `scale` (1/n for means) on that last pass only.
// Same inputs, same partition, same order: bit-identical results on every run.
// kind: 0 sum(a); 1 BCE with logits a, targets b; 2 weighted squared error, pred a, target b,
// row weights w (cols per row); 3 L1 |a - b|.
// Forward saves nothing: backward re-reads the inputs (a, b, w) and the loss gradient dloss[0].

struct Params { n: u32, chunk: u32, kind: u32, cols: u32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;
@group(0) @binding(5) var<storage, read> dloss: array<f32>;
@group(0) @binding(6) var<storage, read_write> da: array<f32>;
@group(0) @binding(7) var<storage, read_write> db: array<f32>;
@group(0) @binding(8) var<storage, read_write> dw: array<f32>;

const WG = 256u;

fn softplus(v: f32) -> f32 {
  return max(v, 0.0) + log(1.0 + exp(-abs(v)));
}

fn sigmoid(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}

// if/else rather than switch: webgpu-utils' reflection does not see buffer uses inside switch cases.
fn term(i: u32) -> f32 {
  let kind = params.kind;
  if (kind == 0u) { return a[i]; }
  if (kind == 1u) { return softplus(a[i]) - b[i] * a[i]; }
  if (kind == 2u) { let d = a[i] - b[i]; return w[i / params.cols] * d * d; }
  return abs(a[i] - b[i]);
}

@compute @workgroup_size(WG)
fn reduce(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * WG;
  let start = j * params.chunk;
  // Invocation 0 always writes, so an empty input sums to 0.
  if (j > 0u && start >= params.n) { return; }
  let end = min(start + params.chunk, params.n);
  var s = 0.0;
  for (var i = start; i < end; i++) { s += term(i); }
  partial[j] = s * params.scale;
}

// d loss / d a_i, times the upstream gradient and `scale` (1/n for means).
@compute @workgroup_size(WG)
fn grad_a(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let g = dloss[0] * params.scale;
  let kind = params.kind;
  var d = sign(a[i] - b[i]);
  if (kind == 0u) { d = 1.0; }
  else if (kind == 1u) { d = sigmoid(a[i]) - b[i]; }
  else if (kind == 2u) { d = 2.0 * w[i / params.cols] * (a[i] - b[i]); }
  da[i] = da[i] + g * d;
}

// d loss / d b_i (targets), for kinds 1-3.
@compute @workgroup_size(WG)
fn grad_b(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let g = dloss[0] * params.scale;
  let kind = params.kind;
  var d = -sign(a[i] - b[i]);
  if (kind == 1u) { d = -a[i]; }
  else if (kind == 2u) { d = -2.0 * w[i / params.cols] * (a[i] - b[i]); }
  db[i] = db[i] + g * d;
}

// Weighted squared error: d loss / d w_r = Σ_f (a - b)², one invocation per row (n = rows).
@compute @workgroup_size(WG)
fn grad_w(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= params.n) { return; }
  var s = 0.0;
  for (var f = 0u; f < params.cols; f++) {
    let d = a[r * params.cols + f] - b[r * params.cols + f];
    s += d * d;
  }
  dw[r] = dw[r] + dloss[0] * s;
}
