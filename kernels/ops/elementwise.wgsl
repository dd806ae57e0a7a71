// Elementwise arithmetic, forward and the backward accumulations. One flat 1-D grid over n elements;
// `cols` is the length of the last axis for the row/column broadcasts.
//   y = a + b | a - b | a * b | alpha * a | a + b[col] (bias) | a * b[row] (row scale)
// Backward: axpy (y (+)= alpha * a), axpy2 (two of them), mul_acc (y (+)= a * b), mul_acc2 (both
// gradients of mul) and scale_rows,
// each accumulating or, for a gradient's first contribution, overwriting (accumulate = 0).

struct Params { n: u32, cols: u32, alpha: f32, accumulate: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

const WG = 256u;

fn flat_index(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

@compute @workgroup_size(WG)
fn add(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = a[i] + b[i];
}

@compute @workgroup_size(WG)
fn sub(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = a[i] - b[i];
}

@compute @workgroup_size(WG)
fn mul(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = a[i] * b[i];
}

@compute @workgroup_size(WG)
fn scale(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = params.alpha * a[i];
}

@compute @workgroup_size(WG)
fn add_bias(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  y[i] = a[i] + b[i % params.cols];
}

// y[r, c] = a[r, c] * b[r] (accumulate = 1: y += ...). Forward of scaleRows, and the backward of
// scaleRows (dx += dy * s) and of rowDot (da += dy[r] * b).
@compute @workgroup_size(WG)
fn scale_rows(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  var v = a[i] * b[i / params.cols];
  if (params.accumulate != 0u) { v = v + y[i]; }
  y[i] = v;
}

// y (+)= alpha * a. accumulate = 0 when y is a gradient's first contribution (engine.gradInto):
// it is overwritten, so it needs no clear.
@compute @workgroup_size(WG)
fn axpy(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  var v = params.alpha * a[i];
  if (params.accumulate != 0u) { v = y[i] + v; }
  y[i] = v;
}

// Backward of add/sub when both inputs need a gradient, in one pass over dy = a:
// y (+)= a and y2 (+)= alpha a; bit 0 of accumulate is y's mode, bit 1 is y2's.
@group(0) @binding(4) var<storage, read_write> y2: array<f32>;

@compute @workgroup_size(WG)
fn axpy2(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let d = a[i];
  var u = d;
  if ((params.accumulate & 1u) != 0u) { u = y[i] + u; }
  y[i] = u;
  var w = params.alpha * d;
  if ((params.accumulate & 2u) != 0u) { w = y2[i] + w; }
  y2[i] = w;
}

// Both gradients of mul in one pass: y (+)= a b and y2 (+)= a c, with a = dy, b and c the other
// inputs (bit 0 / bit 1 of accumulate: add instead of overwriting).
@group(0) @binding(5) var<storage, read> c: array<f32>;

@compute @workgroup_size(WG)
fn mul_acc2(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  let d = a[i];
  var u = d * b[i];
  if ((params.accumulate & 1u) != 0u) { u = y[i] + u; }
  y[i] = u;
  var w = d * c[i];
  if ((params.accumulate & 2u) != 0u) { w = y2[i] + w; }
  y2[i] = w;
}

// y (+)= a * b (the backward of mul).
@compute @workgroup_size(WG)
fn mul_acc(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flat_index(gid, nwg);
  if (i >= params.n) { return; }
  var v = a[i] * b[i];
  if (params.accumulate != 0u) { v = y[i] + v; }
  y[i] = v;
}
