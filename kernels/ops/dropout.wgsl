// Inverted dropout. Prepended with RNG_WGSL (rng.ts) at load time: element i is kept when
// rng_uniform(seed, stream, i) >= p, and scaled by 1 / (1 - p).
// Forward saves nothing: backward redraws the same mask from (seed, stream, i).

struct Params { n: u32, seed: u32, stream: u32, p: f32, scale: f32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

const WG = 256u;

fn keep_scale(i: u32) -> f32 {
  return select(0.0, params.scale, rng_uniform(params.seed, params.stream, i) >= params.p);
}

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  y[i] = x[i] * keep_scale(i);
}

@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  dx[i] = dx[i] + dy[i] * keep_scale(i);
}
