// y[b, i, j, c] (+)= h (x[b, i, j, c] + x[b, j, i, c]) with h = 1 ('sum') or 1/2 ('mean').
// The map is self-adjoint, so the backward is the same kernel applied to dy, accumulating.

struct Params { n: u32, channels: u32, nodes: u32, factor: f32, accumulate: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn symmetrize(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = gid.x + gid.y * nwg.x * WG;
  if (idx >= params.n) { return; }
  let N = params.nodes;
  let C = params.channels;
  let c = idx % C;
  let pair = idx / C;
  let j = pair % N;
  let bi = pair / N;
  let i = bi % N;
  let b = bi / N;
  let mirrored = ((b * N + j) * N + i) * C + c;
  var v = params.factor * (x[idx] + x[mirrored]);
  if (params.accumulate != 0u) { v = v + y[idx]; }
  y[idx] = v;
}
