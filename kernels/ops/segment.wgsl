// Segment reductions over a CSR: sum, mean and max of the rows of X [E, F] per segment -> Y [S, F].
// One invocation per (segment, feature) loops over the segment's elements in CSR order (ascending
// element id), so the result is deterministic without atomics. Every element belongs to exactly one
// segment, so the backward invocations, which also run per (segment, feature), write disjoint
// entries of dX and need no atomics either.
// Saves for backward: sum and mean nothing (the CSR); max the element id of the first argmax.

struct Params { segments: u32, cols: u32, mode: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> order: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(6) var<storage, read> dy: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;
@group(0) @binding(8) var<storage, read> argmax_in: array<u32>;

const WG = 256u;
const MODE_MEAN = 1u;
// Marks an empty segment in argmax: it has no element to route the gradient to.
const NONE = 0xffffffffu;

// mode 0: Y[s, f] = sum_k X[order[k], f]; mode 1: the same divided by the segment size (0 if empty).
@compute @workgroup_size(WG)
fn reduce_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.segments * params.cols) { return; }
  let s = i / params.cols;
  let f = i - s * params.cols;
  let begin = offsets[s];
  let end = offsets[s + 1u];
  var acc = 0.0;
  for (var k = begin; k < end; k++) {
    acc += x[order[k] * params.cols + f];
  }
  if (params.mode == MODE_MEAN && end > begin) { acc = acc / f32(end - begin); }
  y[i] = acc;
}

// dX[e, f] += dY[s, f] (divided by the segment size for mean) for every element e of segment s.
@compute @workgroup_size(WG)
fn reduce_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.segments * params.cols) { return; }
  let s = i / params.cols;
  let f = i - s * params.cols;
  let begin = offsets[s];
  let end = offsets[s + 1u];
  var g = dy[i];
  if (params.mode == MODE_MEAN && end > begin) { g = g / f32(end - begin); }
  for (var k = begin; k < end; k++) {
    let j = order[k] * params.cols + f;
    dx[j] = dx[j] + g;
  }
}

// Y[s, f] = max_k X[order[k], f] (0 if empty); argmax = the first (lowest id) element reaching it.
@compute @workgroup_size(WG)
fn max_forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.segments * params.cols) { return; }
  let s = i / params.cols;
  let f = i - s * params.cols;
  let begin = offsets[s];
  let end = offsets[s + 1u];
  var best = 0.0;
  var arg = NONE;
  for (var k = begin; k < end; k++) {
    let e = order[k];
    let v = x[e * params.cols + f];
    // Strictly greater: ties keep the earlier element, and ids ascend inside a segment.
    if (arg == NONE || v > best) {
      best = v;
      arg = e;
    }
  }
  y[i] = best;
  argmax[i] = arg;
}

// dX[argmax[s, f], f] += dY[s, f]; empty segments pass no gradient.
@compute @workgroup_size(WG)
fn max_backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.segments * params.cols) { return; }
  let s = i / params.cols;
  let f = i - s * params.cols;
  let arg = argmax_in[i];
  if (arg == NONE) { return; }
  let j = arg * params.cols + f;
  dx[j] = dx[j] + dy[i];
}
