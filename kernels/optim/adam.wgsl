// Fused Adam update for one parameter tensor (PyTorch semantics, no weight decay):
//   m ← β1 m + (1 - β1) g;  v ← β2 v + (1 - β2) g²;  p ← p - step_size · m / (sqrt(v) · inv_sqrt_bc2 + eps)
// with (1 - β) passed from the host (1 - f32(0.999) would be off by 5e-5 relative),
// step_size = lr · lrScale / (1 - β1^t) and inv_sqrt_bc2 = 1 / sqrt(1 - β2^t), from the host.

struct Params { n: u32, beta1: f32, beta2: f32, one_minus_beta1: f32, one_minus_beta2: f32, eps: f32, step_size: f32, inv_sqrt_bc2: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(4) var<storage, read_write> exp_avg_sq: array<f32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let g = grad[i];
  let m = params.beta1 * exp_avg[i] + params.one_minus_beta1 * g;
  let v = params.beta2 * exp_avg_sq[i] + params.one_minus_beta2 * g * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  param[i] = param[i] - params.step_size * m / (sqrt(v) * params.inv_sqrt_bc2 + params.eps);
}
