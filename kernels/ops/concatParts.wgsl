// Up to eight column blocks ("parts") of one row-major matrix ("whole") in one dispatch, both
// directions; the one-dispatch replacement for calling concat.wgsl's copy_cols once per part.
//
//   gather_parts:   whole[r, c] (+)= part_k[r, c - o_k]   (concat's forward, split's backward)
//   scatter_parts:  part_k[r, c - o_k] (+)= whole[r, c]   (split's forward, concat's backward)
//
// for c in [o_0, o_8) of whole's `cols` columns, where part k covers [o_k, o_{k+1}). Unused slots
// have o_k = o_8 (zero width). One invocation per element of the covered block; each element is
// read and written by exactly one invocation, so the result is the same as the per-part copies
// (a copy, or one addition). Bit k of `accumulate` adds into the destination instead of
// overwriting it; bit k of `skip` leaves part k out (a part without a gradient).
//
// WGSL cannot index bindings, so the parts are eight named buffers picked with if/else (not a
// switch: webgpu-utils' reflection does not see buffers used only inside switch cases).

struct Params {
  rows: u32, cols: u32, accumulate: u32, skip: u32,
  o0: u32, o1: u32, o2: u32, o3: u32, o4: u32, o5: u32, o6: u32, o7: u32, o8: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// gather_parts: parts read, whole written.
@group(0) @binding(1) var<storage, read_write> whole: array<f32>;
@group(0) @binding(2) var<storage, read> in0: array<f32>;
@group(0) @binding(3) var<storage, read> in1: array<f32>;
@group(0) @binding(4) var<storage, read> in2: array<f32>;
@group(0) @binding(5) var<storage, read> in3: array<f32>;
@group(0) @binding(6) var<storage, read> in4: array<f32>;
@group(0) @binding(7) var<storage, read> in5: array<f32>;
@group(0) @binding(8) var<storage, read> in6: array<f32>;
@group(0) @binding(9) var<storage, read> in7: array<f32>;
// scatter_parts: whole read, parts written.
@group(0) @binding(10) var<storage, read> src: array<f32>;
@group(0) @binding(11) var<storage, read_write> out0: array<f32>;
@group(0) @binding(12) var<storage, read_write> out1: array<f32>;
@group(0) @binding(13) var<storage, read_write> out2: array<f32>;
@group(0) @binding(14) var<storage, read_write> out3: array<f32>;
@group(0) @binding(15) var<storage, read_write> out4: array<f32>;
@group(0) @binding(16) var<storage, read_write> out5: array<f32>;
@group(0) @binding(17) var<storage, read_write> out6: array<f32>;
@group(0) @binding(18) var<storage, read_write> out7: array<f32>;

const WG = 256u;

struct Place { part: u32, index: u32, wholeIndex: u32 }

// Where element i of the covered block lives: its part, the index inside that part, and the index
// in whole. The block is enumerated part by part (part 0's rows, then part 1's, ...), not row by
// row: neighbouring invocations then touch neighbouring elements of one part, so a workgroup takes
// one branch of read_in / write_out instead of all eight with masked loads and stores (measured on
// lavapipe: in row order the scatter was ~6x slower than per-part copies). The part is the last k
// whose first element is at or before i (zero-width parts are stepped over).
fn place_part_major(i: u32) -> Place {
  let p = params;
  var o = array<u32, 9>(p.o0, p.o1, p.o2, p.o3, p.o4, p.o5, p.o6, p.o7, p.o8);
  var k = 0u;
  for (var j = 1u; j < 8u; j++) {
    if (i >= p.rows * (o[j] - p.o0)) { k = j; }
  }
  let within = i - p.rows * (o[k] - p.o0);
  let width = o[k + 1u] - o[k];
  let r = within / width;
  return Place(k, within, r * p.cols + o[k] + (within - r * width));
}

fn read_in(k: u32, idx: u32) -> f32 {
  if (k == 0u) { return in0[idx]; }
  else if (k == 1u) { return in1[idx]; }
  else if (k == 2u) { return in2[idx]; }
  else if (k == 3u) { return in3[idx]; }
  else if (k == 4u) { return in4[idx]; }
  else if (k == 5u) { return in5[idx]; }
  else if (k == 6u) { return in6[idx]; }
  return in7[idx];
}

@compute @workgroup_size(WG)
fn gather_parts(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.rows * (params.o8 - params.o0)) { return; }
  let at = place_part_major(i);
  if (((params.skip >> at.part) & 1u) != 0u) { return; }
  var v = read_in(at.part, at.index);
  if (((params.accumulate >> at.part) & 1u) != 0u) { v = whole[at.wholeIndex] + v; }
  whole[at.wholeIndex] = v;
}

// out_k[idx] (+)= v, overwriting unless bit k of `accumulate` is set.
fn write_out(k: u32, idx: u32, v: f32, acc: bool) {
  if (k == 0u) { if (acc) { out0[idx] = out0[idx] + v; } else { out0[idx] = v; } }
  else if (k == 1u) { if (acc) { out1[idx] = out1[idx] + v; } else { out1[idx] = v; } }
  else if (k == 2u) { if (acc) { out2[idx] = out2[idx] + v; } else { out2[idx] = v; } }
  else if (k == 3u) { if (acc) { out3[idx] = out3[idx] + v; } else { out3[idx] = v; } }
  else if (k == 4u) { if (acc) { out4[idx] = out4[idx] + v; } else { out4[idx] = v; } }
  else if (k == 5u) { if (acc) { out5[idx] = out5[idx] + v; } else { out5[idx] = v; } }
  else if (k == 6u) { if (acc) { out6[idx] = out6[idx] + v; } else { out6[idx] = v; } }
  else { if (acc) { out7[idx] = out7[idx] + v; } else { out7[idx] = v; } }
}

@compute @workgroup_size(WG)
fn scatter_parts(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.rows * (params.o8 - params.o0)) { return; }
  let at = place_part_major(i);
  if (((params.skip >> at.part) & 1u) != 0u) { return; }
  write_out(at.part, at.index, src[at.wholeIndex], ((params.accumulate >> at.part) & 1u) != 0u);
}
