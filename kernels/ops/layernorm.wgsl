// Layer normalisation over the feature axis of x [M, F] (biased variance, as PyTorch), optionally
// with a residual added to the output: y = res + LN(x) (a transformer's "u + LN(f(u))"), which saves
// the separate add and its backward pass.
// Forward saves per-row stats [M, 2] = (mean, rstd) for backward; backward also reads x.
// Rows are independent: one invocation per row loops over its F features (F is small here).
// dγ and dβ are column sums, one invocation per feature looping over rows in order: deterministic.
// The backward is one dispatch, `backward`: invocations [0, rows) each write one row of dx (and of
// the residual's gradient, which is dy), the next `cols` each one feature of dγ and dβ.

struct Params {
  rows: u32, cols: u32, eps: f32,
  // backward: bit 0 dx, bit 1 dγ, bit 2 dβ, bit 3 the residual's gradient are wanted; bit 4 dx and
  // bit 5 the residual's gradient accumulate (else overwrite: a first contribution).
  // forward: bit 6 a residual is added.
  flags: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;
@group(0) @binding(6) var<storage, read> dy: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;
@group(0) @binding(8) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(9) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(10) var<storage, read> residual: array<f32>;
@group(0) @binding(11) var<storage, read_write> dresidual: array<f32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= params.rows) { return; }
  let F = params.cols;
  let base = r * F;
  var s = 0.0;
  for (var k = 0u; k < F; k++) { s += x[base + k]; }
  let mean = s / f32(F);
  // Two passes (mean, then squared deviations): no cancellation for rows with a large mean.
  var q = 0.0;
  for (var k = 0u; k < F; k++) { let d = x[base + k] - mean; q += d * d; }
  let rstd = 1.0 / sqrt(q / f32(F) + params.eps);
  let withResidual = (params.flags & 64u) != 0u;
  for (var k = 0u; k < F; k++) {
    var v = (x[base + k] - mean) * rstd * gamma[k] + beta[k];
    if (withResidual) { v = v + residual[base + k]; }
    y[base + k] = v;
  }
  stats[2u * r] = mean;
  stats[2u * r + 1u] = rstd;
}

// dx (+)= rstd (g - mean(g) - x̂ mean(g x̂)), g = dy γ; the residual's gradient (+)= dy.
fn backward_row(r: u32) {
  let F = params.cols;
  let base = r * F;
  let f = params.flags;
  if ((f & 8u) != 0u) {
    let acc = (f & 32u) != 0u;
    for (var k = 0u; k < F; k++) {
      var v = dy[base + k];
      if (acc) { v = dresidual[base + k] + v; }
      dresidual[base + k] = v;
    }
  }
  if ((f & 1u) == 0u) { return; }
  let mean = stats[2u * r];
  let rstd = stats[2u * r + 1u];
  var mg = 0.0;
  var mgx = 0.0;
  for (var k = 0u; k < F; k++) {
    let g = dy[base + k] * gamma[k];
    mg += g;
    mgx += g * (x[base + k] - mean) * rstd;
  }
  mg /= f32(F);
  mgx /= f32(F);
  let acc = (f & 16u) != 0u;
  for (var k = 0u; k < F; k++) {
    let xh = (x[base + k] - mean) * rstd;
    var v = rstd * (dy[base + k] * gamma[k] - mg - xh * mgx);
    if (acc) { v = dx[base + k] + v; }
    dx[base + k] = v;
  }
}

// dγ_c += Σ_r dy x̂ and dβ_c += Σ_r dy for feature c, rows in order.
fn backward_feature(c: u32) {
  let f = params.flags;
  var sg = 0.0;
  var sb = 0.0;
  for (var r = 0u; r < params.rows; r++) {
    let i = r * params.cols + c;
    sg += dy[i] * (x[i] - stats[2u * r]) * stats[2u * r + 1u];
    sb += dy[i];
  }
  if ((f & 2u) != 0u) { dgamma[c] = dgamma[c] + sg; }
  if ((f & 4u) != 0u) { dbeta[c] = dbeta[c] + sb; }
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i < params.rows) {
    backward_row(i);
  } else if (i < params.rows + params.cols) {
    backward_feature(i - params.rows);
  }
}
