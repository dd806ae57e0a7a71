// Copies a block of columns between two row-major matrices with the same number of rows:
//   dst[r, dstOff + c] (+)= src[r, srcOff + c]   for r < rows, c < width.
// concat's forward writes each part into its column slice; its backward adds the slices back to the
// parts. split is the same in the other direction. One invocation per copied element.

struct Params { rows: u32, width: u32, srcCols: u32, srcOff: u32, dstCols: u32, dstOff: u32, accumulate: u32 }

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

const WG = 256u;

@compute @workgroup_size(WG)
fn copy_cols(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= params.rows * params.width) { return; }
  let r = i / params.width;
  let c = i % params.width;
  let d = r * params.dstCols + params.dstOff + c;
  var v = src[r * params.srcCols + params.srcOff + c];
  if (params.accumulate != 0u) { v = v + dst[d]; }
  dst[d] = v;
}
