/** Float64 twins of the model's own kernels (geometry.wgsl, dense.wgsl). Row-major arrays. */

type V3 = [number, number, number];
const sub3 = (a: V3, b: V3): V3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot3 = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross3 = (a: V3, b: V3): V3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const norm3 = (a: V3) => Math.sqrt(dot3(a, a));
const scale3 = (a: V3, s: number): V3 => [a[0] * s, a[1] * s, a[2] * s];
const at3 = (x: ArrayLike<number>, k: number): V3 => [x[3 * k], x[3 * k + 1], x[3 * k + 2]];

export function edgeFramesRef(pos: ArrayLike<number>, src: ArrayLike<number>, dst: ArrayLike<number>, fourier: ArrayLike<number>, eps = 1e-6) {
  const E = src.length;
  const h = fourier.length / 2;
  const frames = new Float64Array(E * 9);
  const angles = new Float64Array(E * 2);
  const featj = new Float64Array(E * 4 * h);
  const feati = new Float64Array(E * 4 * h);
  const featd = new Float64Array(E * 2 * h);
  const TWO_PI = 2 * Math.PI;
  for (let e = 0; e < E; e++) {
    const xj = at3(pos, src[e]);
    const xi = at3(pos, dst[e]);
    const diff = sub3(xj, xi);
    const dist = norm3(diff);
    const e1 = scale3(diff, 1 / (dist + eps));
    const cr = cross3(xj, xi);
    const e2 = scale3(cr, 1 / (norm3(cr) + eps));
    const e3 = cross3(e1, e2);
    frames.set([...e1, ...e2, ...e3], 9 * e);
    const cj: V3 = [dot3(e1, xj), dot3(e2, xj), dot3(e3, xj)];
    const ci: V3 = [dot3(e1, xi), dot3(e2, xi), dot3(e3, xi)];
    const cos = dot3(cj, ci) / ((norm3(cj) + eps) * (norm3(ci) + eps));
    angles[2 * e] = Math.sqrt(1 - Math.min(cos * cos, 1 - 1e-7));
    angles[2 * e + 1] = cos;
    for (let k = 0; k < h; k++) {
      const w = TWO_PI * fourier[k];
      const wd = TWO_PI * fourier[h + k];
      const o4 = 4 * h * e;
      featj[o4 + k] = Math.sin(cj[0] * w);
      featj[o4 + h + k] = Math.cos(cj[0] * w);
      featj[o4 + 2 * h + k] = Math.sin(cj[2] * w);
      featj[o4 + 3 * h + k] = Math.cos(cj[2] * w);
      feati[o4 + k] = Math.sin(ci[0] * w);
      feati[o4 + h + k] = Math.cos(ci[0] * w);
      feati[o4 + 2 * h + k] = Math.sin(ci[2] * w);
      feati[o4 + 3 * h + k] = Math.cos(ci[2] * w);
      featd[2 * h * e + k] = Math.sin(dist * wd);
      featd[2 * h * e + h + k] = Math.cos(dist * wd);
    }
  }
  return { frames, angles, featj, feati, featd };
}

export function pairRbfRef(pos: ArrayLike<number>, src: ArrayLike<number>, dst: ArrayLike<number>, K: number, cutoff: number) {
  const P = src.length;
  const spacing = cutoff / (K - 1);
  const gamma = 0.5 / (spacing * spacing);
  const rbf = new Float64Array(P * K);
  const cut = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    const d = norm3(sub3(at3(pos, src[p]), at3(pos, dst[p])));
    for (let k = 0; k < K; k++) rbf[p * K + k] = Math.exp(-gamma * (d - k * spacing) ** 2);
    cut[p] = d < cutoff ? 0.5 * (Math.cos((Math.PI * d) / cutoff) + 1) : 0;
  }
  return { rbf, cutoff: cut };
}

export function noiseEmbeddingRef(logStdPerGraph: ArrayLike<number>, graphOf: ArrayLike<number>, W: ArrayLike<number>): Float64Array {
  const h = W.length;
  const out = new Float64Array(graphOf.length * 2 * h);
  for (let r = 0; r < graphOf.length; r++) {
    const ls = logStdPerGraph[graphOf[r]];
    for (let k = 0; k < h; k++) {
      out[2 * h * r + k] = Math.sin(2 * Math.PI * W[k] * ls);
      out[2 * h * r + h + k] = Math.cos(2 * Math.PI * W[k] * ls);
    }
  }
  return out;
}

export function frameMixRef(coef: ArrayLike<number>, frames: ArrayLike<number>): Float64Array {
  const E = coef.length / 3;
  const y = new Float64Array(3 * E);
  for (let e = 0; e < E; e++) {
    for (let d = 0; d < 3; d++) {
      let v = 0;
      for (let k = 0; k < 3; k++) v += coef[3 * e + k] * frames[9 * e + 3 * k + d];
      y[3 * e + d] = v;
    }
  }
  return y;
}

export function frameMixBackwardRef(dy: ArrayLike<number>, frames: ArrayLike<number>): Float64Array {
  const E = dy.length / 3;
  const dc = new Float64Array(3 * E);
  for (let e = 0; e < E; e++) {
    for (let k = 0; k < 3; k++) {
      let v = 0;
      for (let d = 0; d < 3; d++) v += dy[3 * e + d] * frames[9 * e + 3 * k + d];
      dc[3 * e + k] = v;
    }
  }
  return dc;
}

/** sym(mean_h tanh(Q_h K_hᵀ scale)) over q, k [B * n, heads * hdim] -> [B, n, n]. */
export function headAttentionRef(q: ArrayLike<number>, k: ArrayLike<number>, B: number, n: number, heads: number, hdim: number, scale: number): Float64Array {
  const W = heads * hdim;
  const score = (b: number, i: number, j: number, h: number) => {
    let s = 0;
    for (let d = 0; d < hdim; d++) s += q[(b * n + i) * W + h * hdim + d] * k[(b * n + j) * W + h * hdim + d];
    return s * scale;
  };
  const y = new Float64Array(B * n * n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let m = 0;
        for (let h = 0; h < heads; h++) m += Math.tanh(score(b, i, j, h)) + Math.tanh(score(b, j, i, h));
        y[(b * n + i) * n + j] = m / (2 * heads);
      }
    }
  }
  return y;
}

export function headAttentionBackwardRef(q: ArrayLike<number>, k: ArrayLike<number>, dy: ArrayLike<number>, B: number, n: number, heads: number, hdim: number, scale: number) {
  const W = heads * hdim;
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const G = (dy[(b * n + i) * n + j] + dy[(b * n + j) * n + i]) / (2 * heads);
        for (let h = 0; h < heads; h++) {
          let s = 0;
          for (let d = 0; d < hdim; d++) s += q[(b * n + i) * W + h * hdim + d] * k[(b * n + j) * W + h * hdim + d];
          const th = Math.tanh(s * scale);
          const g = G * (1 - th * th) * scale;
          for (let d = 0; d < hdim; d++) {
            dq[(b * n + i) * W + h * hdim + d] += g * k[(b * n + j) * W + h * hdim + d];
            dk[(b * n + j) * W + h * hdim + d] += g * q[(b * n + i) * W + h * hdim + d];
          }
        }
      }
    }
  }
  return { dq, dk };
}

export function toDenseRef(x: ArrayLike<number>, F: number, atomOfSlot: ArrayLike<number>): Float64Array {
  const y = new Float64Array(atomOfSlot.length * F);
  for (let s = 0; s < atomOfSlot.length; s++) {
    const a = atomOfSlot[s];
    if (a === 0xffffffff) continue;
    for (let f = 0; f < F; f++) y[s * F + f] = x[a * F + f];
  }
  return y;
}

export function noisyAtomTypesRef(classOfSlot: ArrayLike<number>, znoise: ArrayLike<number>, flags: ArrayLike<number>, mean: ArrayLike<number>, std: ArrayLike<number>, nmax: number, C: number) {
  const S = classOfSlot.length;
  const z = new Float64Array(S * C);
  const xt = new Float64Array(S * C);
  for (let s = 0; s < S; s++) {
    const g = Math.floor(s / nmax);
    for (let c = 0; c < C; c++) {
      const x0 = classOfSlot[s] === c ? 1 : 0;
      z[s * C + c] = znoise[s * C + c] * flags[s];
      xt[s * C + c] = (mean[g] * x0 + std[g] * z[s * C + c]) * flags[s];
    }
  }
  return { z, xt };
}

export function noisyAdjacencyRef(a0: ArrayLike<number>, znoise: ArrayLike<number>, flags: ArrayLike<number>, mean: ArrayLike<number>, std: ArrayLike<number>, B: number, n: number) {
  const z = new Float64Array(B * n * n);
  const at = new Float64Array(B * n * n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const m = flags[b * n + i] * flags[b * n + j];
        const idx = (b * n + i) * n + j;
        z[idx] = i === j ? 0 : znoise[(b * n + Math.min(i, j)) * n + Math.max(i, j)] * m;
        at[idx] = (mean[b] * a0[idx] + std[b] * z[idx]) * m;
      }
    }
  }
  return { z, at };
}

/** GIN's (1 + eps) h + m for h, m [N, F] and a scalar eps. */
export function ginCombineRef(h: ArrayLike<number>, eps: number, m: ArrayLike<number>): Float64Array {
  return Float64Array.from(h, (v, i) => v + v * eps + m[i]);
}

export function ginCombineBackwardRef(h: ArrayLike<number>, eps: number, dy: ArrayLike<number>) {
  let deps = 0;
  for (let i = 0; i < h.length; i++) deps += dy[i] * h[i];
  return { dh: Float64Array.from(dy, (v) => v * (1 + eps)), dm: Float64Array.from(dy), deps: Float64Array.of(deps) };
}

/**
 * TransformerConv (transformerConv's twin), from its formula: nodes [N, 4 H c] = q | k | v | skip,
 * pe [E, peCols] with the layer's block at peOffset; per head, softmax over i's incoming edges of
 * (q_i . (k_j + pe_e)) / sqrt(c), conv[i] = skip[i] + sum_e alpha_e (v_j + pe_e).
 */
export function transformerConvRef(
  nodes: ArrayLike<number>, pe: ArrayLike<number>, peCols: number, peOffset: number, src: ArrayLike<number>, dst: ArrayLike<number>,
  N: number, heads: number, hdim: number,
): Float64Array {
  const W = heads * hdim;
  const node = (i: number, block: number, h: number, d: number) => nodes[i * 4 * W + block * W + h * hdim + d];
  const edge = (e: number, h: number, d: number) => pe[e * peCols + peOffset + h * hdim + d];
  const conv = new Float64Array(N * W);
  for (let i = 0; i < N; i++) {
    const incoming: number[] = [];
    for (let e = 0; e < dst.length; e++) if (dst[e] === i) incoming.push(e);
    for (let h = 0; h < heads; h++) {
      const scores = incoming.map((e) => {
        let s = 0;
        for (let d = 0; d < hdim; d++) s += node(i, 0, h, d) * (node(src[e], 1, h, d) + edge(e, h, d));
        return s / Math.sqrt(hdim);
      });
      const m = Math.max(...scores);
      const w = scores.map((s) => Math.exp(s - m));
      const total = w.reduce((a, b) => a + b, 0);
      for (let d = 0; d < hdim; d++) {
        let v = node(i, 3, h, d);
        incoming.forEach((e, k) => (v += (w[k] / total) * (node(src[e], 2, h, d) + edge(e, h, d))));
        conv[i * W + h * hdim + d] = v;
      }
    }
  }
  return conv;
}

/** u + LayerNorm(x) γ + β per row of [rows, cols] (biased variance), then SiLU when `silu`. */
export function residualLayerNormRef(u: ArrayLike<number>, x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, rows: number, cols: number, silu = false, eps = 1e-5): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let k = 0; k < cols; k++) mean += x[r * cols + k] / cols;
    let v = 0;
    for (let k = 0; k < cols; k++) v += (x[r * cols + k] - mean) ** 2 / cols;
    for (let k = 0; k < cols; k++) {
      const s = u[r * cols + k] + ((x[r * cols + k] - mean) / Math.sqrt(v + eps)) * gamma[k] + beta[k];
      y[r * cols + k] = silu ? s / (1 + Math.exp(-s)) : s;
    }
  }
  return y;
}

/** [u[src_e] + u[dst_e] | r[e]] for every edge: u [N, F], r [E, R] -> [E, F + R]. */
export function edgePairConcatRef(u: ArrayLike<number>, r: ArrayLike<number>, src: ArrayLike<number>, dst: ArrayLike<number>, F: number, R: number): Float64Array {
  const E = src.length;
  const y = new Float64Array(E * (F + R));
  for (let e = 0; e < E; e++) {
    for (let c = 0; c < F; c++) y[e * (F + R) + c] = u[src[e] * F + c] + u[dst[e] * F + c];
    for (let c = 0; c < R; c++) y[e * (F + R) + F + c] = r[e * R + c];
  }
  return y;
}

/** Per node i, the mean over edges e with dst[e] = i of Σ_k coef[e, k] frame_k[e] (0 without edges): [N, 3]. */
export function frameMixMeanRef(coef: ArrayLike<number>, frames: ArrayLike<number>, dst: ArrayLike<number>, N: number): Float64Array {
  const mixed = frameMixRef(coef, frames);
  const y = new Float64Array(3 * N);
  const count = new Float64Array(N);
  for (let e = 0; e < dst.length; e++) {
    count[dst[e]]++;
    for (let d = 0; d < 3; d++) y[3 * dst[e] + d] += mixed[3 * e + d];
  }
  for (let i = 0; i < N; i++) for (let d = 0; d < 3; d++) if (count[i] > 0) y[3 * i + d] /= count[i];
  return y;
}
