// Counter-based RNG: Philox-4x32-10 (Salmon et al., SC 2011). Element `index` of a draw keyed by
// (seed, stream) uses counter (index, purpose, 0, 0) and key (seed, stream); purpose 0 = uniform,
// 1 = normal. Everything above the end marker is exported as RNG_WGSL so that other kernels
// (dropout, SDE samplers) prepend it and draw exactly the same numbers. The host twin is
// kernels/reference/rng.ts.
// Every identifier here, locals and parameters included, starts with rng_/RNG_: webgpu-utils'
// reflection counts any identifier equal to a global buffer's name as a use of that buffer, so a
// local `w` would make a host shader's `w` binding look used by every entry point.

const RNG_M0 = 0xD2511F53u;
const RNG_M1 = 0xCD9E8D57u;
const RNG_W0 = 0x9E3779B9u;
const RNG_W1 = 0xBB67AE85u;
const RNG_PI = 3.14159265358979;

// (high, low) words of the 64-bit product a * b, from 16-bit halves (WGSL has no u64).
fn rng_mulhilo(rng_a: u32, rng_b: u32) -> vec2u {
  let rng_ll = (rng_a & 0xFFFFu) * (rng_b & 0xFFFFu);
  let rng_hl = (rng_a >> 16u) * (rng_b & 0xFFFFu);
  let rng_lh = (rng_a & 0xFFFFu) * (rng_b >> 16u);
  let rng_hh = (rng_a >> 16u) * (rng_b >> 16u);
  // At most 2^32 - 1: no overflow.
  let rng_cross = (rng_ll >> 16u) + (rng_hl & 0xFFFFu) + rng_lh;
  return vec2u(rng_hh + (rng_hl >> 16u) + (rng_cross >> 16u), rng_a * rng_b);
}

fn rng_philox(rng_counter: vec4u, rng_key: vec2u) -> vec4u {
  var rng_c = rng_counter;
  var rng_k = rng_key;
  for (var rng_r = 0u; rng_r < 10u; rng_r++) {
    let rng_p0 = rng_mulhilo(RNG_M0, rng_c.x);
    let rng_p1 = rng_mulhilo(RNG_M1, rng_c.z);
    rng_c = vec4u(rng_p1.x ^ rng_c.y ^ rng_k.x, rng_p1.y, rng_p0.x ^ rng_c.w ^ rng_k.y, rng_p0.y);
    rng_k = rng_k + vec2u(RNG_W0, RNG_W1);
  }
  return rng_c;
}

// (k + 0.5) / 2^23 with k the top 23 bits: strictly inside (0, 1), exact in f32.
fn rng_bits_to_uniform(rng_word: u32) -> f32 {
  return (f32(rng_word >> 9u) + 0.5) * (1.0 / 8388608.0);
}

fn rng_uniform(rng_seed: u32, rng_stream: u32, rng_index: u32) -> f32 {
  return rng_bits_to_uniform(rng_philox(vec4u(rng_index, 0u, 0u, 0u), vec2u(rng_seed, rng_stream)).x);
}

// Box-Muller; cos's argument is kept in [-pi, pi] where f32 cos is most accurate.
fn rng_normal(rng_seed: u32, rng_stream: u32, rng_index: u32) -> f32 {
  let rng_w = rng_philox(vec4u(rng_index, 1u, 0u, 0u), vec2u(rng_seed, rng_stream));
  let rng_u1 = rng_bits_to_uniform(rng_w.x);
  let rng_u2 = rng_bits_to_uniform(rng_w.y);
  return sqrt(-2.0 * log(rng_u1)) * cos(2.0 * RNG_PI * rng_u2 - RNG_PI);
}

// ---- end of RNG_WGSL ----

struct Params { n: u32, seed: u32, stream: u32, purpose: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> values: array<f32>;
@group(0) @binding(2) var<storage, read_write> bits: array<u32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  if (params.purpose == 0u) {
    values[i] = rng_uniform(params.seed, params.stream, i);
  } else {
    values[i] = rng_normal(params.seed, params.stream, i);
  }
}

// Raw Philox words for element i (all four), for bit-exact tests against the twin.
@compute @workgroup_size(WG)
fn raw(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.n) { return; }
  let words = rng_philox(vec4u(i, params.purpose, 0u, 0u), vec2u(params.seed, params.stream));
  bits[4u * i] = words.x;
  bits[4u * i + 1u] = words.y;
  bits[4u * i + 2u] = words.z;
  bits[4u * i + 3u] = words.w;
}
