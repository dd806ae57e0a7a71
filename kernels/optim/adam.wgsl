// Fused Adam update for one parameter tensor (PyTorch semantics, no weight decay):
//   m ← β1 m + (1 - β1) g;  v ← β2 v + (1 - β2) g²;  p ← p - step_size · m / (sqrt(v) · inv_sqrt_bc2 + eps)
// with (1 - β) passed from the host (1 - f32(0.999) would be off by 5e-5 relative).
//
// The step count t lives on the GPU (step_count[0] = updates applied so far), so a step can be
// skipped on the GPU without the host knowing: when skip_flags[flag_index] != 0 (a health flag set
// earlier in the same command buffer) `update` returns before touching param, m or v, and
// `advance` leaves the count alone. The bias corrections for update t come from a host-built table,
// bias[2(t-1)] = 1 / (1 - β1^t) and bias[2(t-1)+1] = 1 / sqrt(1 - β2^t), each rounded once from
// float64: computing β^t in f32 here would lose ~5e-5 relative at small t (the same 1 - β issue).
// Both entries only decrease with t and reach exactly 1.0 in f32 after finitely many steps; the
// table ends there and later steps reuse its last row.

struct Params { n: u32, beta1: f32, beta2: f32, one_minus_beta1: f32, one_minus_beta2: f32, eps: f32, lr: f32, flag_index: u32, table_rows: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(4) var<storage, read_write> exp_avg_sq: array<f32>;
@group(0) @binding(5) var<storage, read> skip_flags: array<u32>;
@group(0) @binding(6) var<storage, read_write> step_count: array<u32>;
@group(0) @binding(7) var<storage, read> bias: array<f32>;

const WG = 256u;

// One update of one parameter tensor; every tensor of the step reads the same step_count, which
// `advance` (encoded after all of them) moves on. The flag words were set by atomics in earlier
// dispatches, which WebGPU orders before this one, so a plain read sees them.
@compute @workgroup_size(WG)
fn update(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  if (skip_flags[params.flag_index] != 0u) { return; }
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let row = min(step_count[0] + 1u, params.table_rows) - 1u;
  let step_size = params.lr * bias[2u * row];
  let inv_sqrt_bc2 = bias[2u * row + 1u];
  let g = grad[i];
  let m = params.beta1 * exp_avg[i] + params.one_minus_beta1 * g;
  let v = params.beta2 * exp_avg_sq[i] + params.one_minus_beta2 * g * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  param[i] = param[i] - step_size * m / (sqrt(v) * inv_sqrt_bc2 + params.eps);
}

// The whole parameter arena in one dispatch (kernels/arena.ts): one workgroup per 64-float chunk,
// chunk_slot[chunk] = the tensor owning it, slot_info[4 s ..] = (first float, size, active, lr bits)
// of tensor s. Inactive tensors (no gradient this step, as PyTorch skips .grad = None) and the
// padding after each tensor are left alone. Same arithmetic as `update`, per element.
@group(0) @binding(8) var<storage, read> chunk_slot: array<u32>;
@group(0) @binding(9) var<storage, read> slot_info: array<u32>;

const CHUNK = 64u;

@compute @workgroup_size(CHUNK)
fn update_arena(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  if (skip_flags[params.flag_index] != 0u) { return; }
  let chunk = wid.x + wid.y * nwg.x;
  if (chunk >= params.n) { return; }
  let s = chunk_slot[chunk];
  let start = slot_info[4u * s];
  let i = chunk * CHUNK + lid.x;
  if (slot_info[4u * s + 2u] == 0u || i - start >= slot_info[4u * s + 1u]) { return; }
  let lr = bitcast<f32>(slot_info[4u * s + 3u]);
  let row = min(step_count[0] + 1u, params.table_rows) - 1u;
  let step_size = lr * bias[2u * row];
  let inv_sqrt_bc2 = bias[2u * row + 1u];
  let g = grad[i];
  let m = params.beta1 * exp_avg[i] + params.one_minus_beta1 * g;
  let v = params.beta2 * exp_avg_sq[i] + params.one_minus_beta2 * g * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  param[i] = param[i] - step_size * m / (sqrt(v) * inv_sqrt_bc2 + params.eps);
}

// One invocation, after every `update` of the step: counts the step unless it was skipped.
@compute @workgroup_size(1)
fn advance() {
  if (skip_flags[params.flag_index] != 0u) { return; }
  step_count[0] = step_count[0] + 1u;
}
