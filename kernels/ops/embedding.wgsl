// Embedding sum: h[n, f] = sum_t table[index[n, t], f] over T index slots per row (the OGB 9 atom /
// 3 bond feature tables packed into one table, indices already offset into it).
// Forward saves nothing but the index; the backward reads a CSR of the flattened index by table row.
// Backward: one invocation per (table row, feature) sums dh over the slots that read that row, in
// CSR order, so the scatter-add into the table is deterministic and needs no atomics.
// The csr_* entry points build that CSR on the device when the caller has no host copy of the index.
// Index values >= vocab read as 0 in the forward and receive no gradient (the host path rejects them).

struct Params { rows: u32, slots: u32, cols: u32, vocab: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read_write> h: array<f32>;
@group(0) @binding(4) var<storage, read> offsets: array<u32>;
@group(0) @binding(5) var<storage, read> order: array<u32>;
@group(0) @binding(6) var<storage, read> dh: array<f32>;
@group(0) @binding(7) var<storage, read_write> dtable: array<f32>;
@group(0) @binding(8) var<storage, read_write> csr_offsets: array<u32>;
@group(0) @binding(9) var<storage, read_write> csr_order: array<u32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn forward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.rows * params.cols) { return; }
  let n = i / params.cols;
  let f = i - n * params.cols;
  var acc = 0.0;
  for (var t = 0u; t < params.slots; t++) {
    let v = index[n * params.slots + t];
    if (v < params.vocab) { acc += table[v * params.cols + f]; }
  }
  h[i] = acc;
}

// dtable[v, f] += sum over slots j with index[j] = v (ascending j) of dh[j / T, f].
@compute @workgroup_size(WG)
fn backward(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.vocab * params.cols) { return; }
  let v = i / params.cols;
  let f = i - v * params.cols;
  var acc = 0.0;
  for (var k = offsets[v]; k < offsets[v + 1u]; k++) {
    acc += dh[(order[k] / params.slots) * params.cols + f];
  }
  dtable[i] = dtable[i] + acc;
}

// Device CSR, step 1: csr_offsets[v + 1] = number of slots reading row v (one invocation per row).
@compute @workgroup_size(WG)
fn csr_count(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let v = gid.x + gid.y * nwg.x * WG;
  if (v >= params.vocab) { return; }
  let total = params.rows * params.slots;
  var c = 0u;
  for (var j = 0u; j < total; j++) {
    c += select(0u, 1u, index[j] == v);
  }
  csr_offsets[v + 1u] = c;
  if (v == 0u) { csr_offsets[0] = 0u; }
}

// Step 2: inclusive prefix sum of the counts in one invocation (vocab is small: hundreds of rows).
@compute @workgroup_size(1)
fn csr_scan() {
  var run = 0u;
  for (var v = 1u; v <= params.vocab; v++) {
    run += csr_offsets[v];
    csr_offsets[v] = run;
  }
}

// Step 3: each row lists its slots in ascending order (a stable counting sort, like buildCsr).
@compute @workgroup_size(WG)
fn csr_fill(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let v = gid.x + gid.y * nwg.x * WG;
  if (v >= params.vocab) { return; }
  let total = params.rows * params.slots;
  var cursor = csr_offsets[v];
  for (var j = 0u; j < total; j++) {
    if (index[j] == v) {
      csr_order[cursor] = j;
      cursor++;
    }
  }
}
