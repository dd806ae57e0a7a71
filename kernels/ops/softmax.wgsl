// Segment softmax: for each segment s and head h, alpha[e, h] = exp(S[e, h] - m) / sum_e' exp(S[e', h] - m)
// over the elements e of s (m = the segment max, for stability). One invocation per (segment, head)
// loops over the segment's elements in CSR order: deterministic, no atomics, no barriers; elements
// belong to one segment each, so writes never collide.
// Saves for backward: its output alpha.

struct Params { segments: u32, heads: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> scores: array<f32>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> order: array<u32>;
@group(0) @binding(4) var<storage, read_write> alpha: array<f32>;
@group(0) @binding(5) var<storage, read> alpha_in: array<f32>;
@group(0) @binding(6) var<storage, read> da: array<f32>;
@group(0) @binding(7) var<storage, read_write> ds: array<f32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.segments * params.heads) { return; }
  let s = i / params.heads;
  let h = i - s * params.heads;
  let begin = offsets[s];
  let end = offsets[s + 1u];
  if (end == begin) { return; }
  var m = scores[order[begin] * params.heads + h];
  for (var k = begin + 1u; k < end; k++) {
    m = max(m, scores[order[k] * params.heads + h]);
  }
  var total = 0.0;
  for (var k = begin; k < end; k++) {
    total += exp(scores[order[k] * params.heads + h] - m);
  }
  // total >= 1 (the max term is exp(0)), so the division is safe.
  let inv = 1.0 / total;
  for (var k = begin; k < end; k++) {
    let j = order[k] * params.heads + h;
    alpha[j] = exp(scores[j] - m) * inv;
  }
}

// dS[e, h] += alpha[e, h] * (dA[e, h] - sum_{e' in seg} alpha[e', h] dA[e', h])
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.segments * params.heads) { return; }
  let s = i / params.heads;
  let h = i - s * params.heads;
  let begin = offsets[s];
  let end = offsets[s + 1u];
  var dot = 0.0;
  for (var k = begin; k < end; k++) {
    let j = order[k] * params.heads + h;
    dot += alpha_in[j] * da[j];
  }
  for (var k = begin; k < end; k++) {
    let j = order[k] * params.heads + h;
    ds[j] = ds[j] + alpha_in[j] * (da[j] - dot);
  }
}
