// Layer normalisation over the feature axis of x [M, F] (biased variance, as PyTorch).
// Forward saves per-row stats [M, 2] = (mean, rstd) for backward; backward also reads x.
// Rows are independent: one invocation per row loops over its F features (F is small here).
// dγ and dβ are column sums, one invocation per feature looping over rows in order: deterministic.

struct Params { rows: u32, cols: u32, eps: f32 }

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
  for (var k = 0u; k < F; k++) { y[base + k] = (x[base + k] - mean) * rstd * gamma[k] + beta[k]; }
  stats[2u * r] = mean;
  stats[2u * r + 1u] = rstd;
}

// dx += rstd (g - mean(g) - x̂ mean(g x̂)), g = dy γ.
@compute @workgroup_size(WG)
fn backward_x(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let r = gid.x + gid.y * nwg.x * WG;
  if (r >= params.rows) { return; }
  let F = params.cols;
  let base = r * F;
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
  for (var k = 0u; k < F; k++) {
    let xh = (x[base + k] - mean) * rstd;
    dx[base + k] = dx[base + k] + rstd * (dy[base + k] * gamma[k] - mg - xh * mgx);
  }
}

// dγ_f += Σ_r dy x̂ (one invocation per feature).
@compute @workgroup_size(WG)
fn backward_gamma(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let f = gid.x + gid.y * nwg.x * WG;
  if (f >= params.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < params.rows; r++) {
    let i = r * params.cols + f;
    s += dy[i] * (x[i] - stats[2u * r]) * stats[2u * r + 1u];
  }
  dgamma[f] = dgamma[f] + s;
}

// dβ_f += Σ_r dy (one invocation per feature).
@compute @workgroup_size(WG)
fn backward_beta(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let f = gid.x + gid.y * nwg.x * WG;
  if (f >= params.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < params.rows; r++) { s += dy[r * params.cols + f]; }
  dbeta[f] = dbeta[f] + s;
}
