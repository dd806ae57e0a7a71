// Training-step health on the GPU, so a bad step is caught without a per-step readback stall.
//
// flags[slot] is a bit set for the slot-th step of the current logging window:
//   bit 0 (1): a loss term is NaN or infinite;  bit 1 (2): a gradient element is NaN or infinite.
// The optimiser (kernels/optim/adam.wgsl) reads flags[slot] and skips its update when it is
// non-zero; the host reads the flags back with the loss history every logEvery steps.
//
// Non-finite test on the bits (exponent all ones), not `x != x`: compilers may fold the latter away.

struct Params { n: u32, slot: u32, bit: u32, terms: u32, gradBit: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> flags: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read> l0: array<f32>;
@group(0) @binding(4) var<storage, read> l1: array<f32>;
@group(0) @binding(5) var<storage, read> l2: array<f32>;
@group(0) @binding(6) var<storage, read> l3: array<f32>;
@group(0) @binding(7) var<storage, read> l4: array<f32>;
@group(0) @binding(8) var<storage, read_write> history: array<f32>;

const WG = 256u;

fn non_finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

// Grid-stride scan of x[0..n); one atomicOr per invocation, and only when it found a bad value.
@compute @workgroup_size(WG)
fn check_finite(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * WG;
  var bad = false;
  for (var i = gid.x; i < params.n; i += stride) {
    if (non_finite(x[i])) { bad = true; }
  }
  if (bad) { atomicOr(&flags[params.slot], params.bit); }
}

// One invocation: copies the five loss scalars into history[slot * terms + k] and flags the step
// when any is non-finite.
@compute @workgroup_size(1)
fn record_losses() {
  let base = params.slot * params.terms;
  let v = array<f32, 5>(l0[0], l1[0], l2[0], l3[0], l4[0]);
  var bad = false;
  for (var k = 0u; k < 5u; k++) {
    history[base + k] = v[k];
    if (non_finite(v[k])) { bad = true; }
  }
  if (bad) { atomicOr(&flags[params.slot], params.bit); }
}

// The two above in one dispatch, over a whole gradient arena (kernels/arena.ts; its padding is
// zero): workgroup 0's first invocation records the losses, every invocation scans x grid-stride.
@compute @workgroup_size(WG)
fn record_and_check(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let stride = nwg.x * WG;
  var bad = false;
  if (gid.x == 0u) {
    let base = params.slot * params.terms;
    let v = array<f32, 5>(l0[0], l1[0], l2[0], l3[0], l4[0]);
    var lossBad = false;
    for (var k = 0u; k < 5u; k++) {
      history[base + k] = v[k];
      if (non_finite(v[k])) { lossBad = true; }
    }
    if (lossBad) { atomicOr(&flags[params.slot], params.bit); }
  }
  for (var i = gid.x; i < params.n; i += stride) {
    if (non_finite(x[i])) { bad = true; }
  }
  if (bad) { atomicOr(&flags[params.slot], params.gradBit); }
}

// Undoes a flagged step for tensors that the step changed in place (BatchNorm running stats):
// dst = backup when flags[slot] != 0. The flag is read as a plain word: the atomics that set it
// ran in earlier dispatches, which WebGPU orders before this one.
@group(0) @binding(9) var<storage, read> flag_words: array<u32>;
@group(0) @binding(10) var<storage, read> backup: array<f32>;
@group(0) @binding(11) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WG)
fn restore_if_flagged(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  if (flag_words[params.slot] == 0u) { return; }
  let i = gid.x + gid.y * nwg.x * WG;
  if (i < params.n) { dst[i] = backup[i]; }
}
