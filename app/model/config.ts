/**
 * Model configuration and the two presets (docs/method.md §7).
 *
 * `paper` keeps every faithful element of the reference code with the tiny widths of docs/method.md §7.
 * `generative` is a labelled deviation for sampling: a noise-level embedding into both score
 * networks, a wide VE range for 2D->3D and the standard GDSS epsilon weighting for 3D->2D.
 */
import { TEN_CLASS_ELEMENTS } from '../chem/elements';
import type { SDEKind } from './sde';

export type PresetName = 'paper' | 'generative';

export interface GinConfig {
  numLayers: number;
  dim: number;
  /** Dropout after each layer (0 in pretraining). */
  dropout: number;
}

export interface SchNetConfig {
  numInteractions: number;
  dim: number;
  numFilters: number;
  numGaussians: number;
  /** Å; also the upper end of the RBF centres linspace(0, cutoff, numGaussians). */
  cutoff: number;
}

export interface Score2Dto3DConfig {
  /** h: node/edge hidden width (= heads * headDim). */
  hidden: number;
  heads: number;
  headDim: number;
  numBlocks: number;
  convsPerBlock: number;
  /** Hidden width of the per-edge coefficient MLP (2h -> coeffHidden -> 3). */
  coeffHidden: number;
  /** Dropout on attention weights and in the GATLayer feed-forward (training only). */
  dropout: number;
  /** Std of the fixed Gaussian Fourier weights W ~ N(0, scale^2). */
  fourierScale: number;
  /**
   * Adds to each extended edge's 2D feature a learned embedding of the pair's bond type (none,
   * single, double, triple, aromatic, misc) and hop count (1, 2, 3, 4, >= 5), zero-initialised
   * (docs/method.md §2.9). A labelled deviation for generative use: without it, atoms with equal
   * GIN embeddings but different bonding partners (furan's C3/C4) cannot be told apart. Off in both
   * presets; checkpoints saved before it existed load with it off.
   */
  edgeStructure: boolean;
}

export interface Score3Dto2DConfig {
  /** Width of the mixed input Z = Linear(H3) + Linear(X_t). */
  nfeat: number;
  /** GCN width of the node network and EdgeNet x width. */
  nhid: number;
  /** Depth of the node (X) network. */
  depthX: number;
  /** attn dim a of EdgeNet: Q/K are 2a wide and split into chunks of a / heads. */
  adim: number;
  heads: number;
  cInit: number;
  cHid: number;
  cFinal: number;
  /** Number of EdgeNet layers. */
  numLayers: number;
  /** Linear layers of the per-pair EdgeNet MLP (2Cin -> H -> ... -> Cout). */
  numLinears: number;
  /** Hidden width of the node output MLP; 0 means 2 * input width (GDSS). */
  nodeMlpHidden: number;
  /**
   * Gaussian radial-basis channels of the interatomic distance fed to the final pair MLP (0: none,
   * the paper, where pairs see the geometry only through SchNet's atom embeddings). A labelled
   * deviation of the generative preset: bonds are a function of distance first of all.
   */
  distanceChannels: number;
}

export interface SDEConfig {
  kind: SDEKind;
  /** VE: sigma_min, sigma_max (Å for 2D->3D). VP: beta_0, beta_1. */
  min: number;
  max: number;
  N: number;
}

/**
 * How the 2D->3D network is trained and evaluated around its raw output F (the `generative`
 * recipe; the paper's is `LEGACY_RECIPE_2D_TO_3D`). See docs of MoleculeSDE.eps2Dto3D.
 */
export interface Recipe2Dto3D {
  /**
   * Noise levels of the training loss. 'uniform': the paper's antithetic integer times, i.e.
   * log-uniform sigma over [min, max] for VE. 'lognormal': ln sigma ~ N(logSigmaMean, logSigmaStd^2)
   * (antithetic pairs), truncated to [min, max] (as EDM), which puts the training where sampling
   * decides which atoms become neighbours (sigma 0.1-1 Å) instead of spreading it over 6 decades.
   */
  noiseLevels: 'uniform' | 'lognormal';
  logSigmaMean: number;
  logSigmaStd: number;
  /**
   * sigma_data (Å) of the analytic preconditioning eps_hat = x sigma / (sigma^2 + sd^2)
   * + sd / sqrt(sigma^2 + sd^2) F: the first term is the exact denoiser of an isotropic Gaussian
   * of std sd, so large sigma is right without training and F only has to learn the correction.
   * 0 turns it off (eps_hat = F). VE only.
   */
  sigmaData: number;
  /**
   * Zero-mean (per molecule) noise, and the network sees and returns per-molecule centred
   * vectors: the frames are built from absolute positions, so centring is what makes the model
   * translation-invariant.
   */
  centred: boolean;
}

/**
 * Radial basis of the 3D->2D distance channels: exp(-((d - mu_k) / width)^2) with `count` centres
 * spaced `width` apart from `first` Å, resolving the 0.1-0.2 Å between triple, double, aromatic
 * and single bonds.
 */
export const DISTANCE_RBF = { count: 24, first: 0.8, width: 0.1 } as const;

/** The recipe of the paper and of every checkpoint saved before recipes existed. */
export const LEGACY_RECIPE_2D_TO_3D: Recipe2Dto3D = { noiseLevels: 'uniform', logSigmaMean: 0, logSigmaStd: 1, sigmaData: 0, centred: false };

export interface LossCoefficients {
  contrastive: number;
  gen2Dto3D: number;
  /** Multiplies 0.5 (L_X + L_A), as the reference code does. */
  gen3Dto2D: number;
}

export interface ModelConfig {
  preset: PresetName;
  gin: GinConfig;
  schnet: SchNetConfig;
  score2Dto3D: Score2Dto3DConfig;
  score3Dto2D: Score3Dto2DConfig;
  sde2Dto3D: SDEConfig;
  sde3Dto2D: SDEConfig;
  recipe2Dto3D: Recipe2Dto3D;
  /** p of std^p in both generative losses (§2.6). */
  annealPower: number;
  /**
   * 3D->2D loss form. 'paper': (z - out/std)^2 exactly as the reference code (§3.6).
   * 'gdss': (z - out)^2, the standard GDSS epsilon matching (a labelled deviation).
   */
  loss3Dto2D: 'paper' | 'gdss';
  coeffs: LossCoefficients;
  /** EBM-NCE temperature. */
  temperature: number;
  lr: number;
  /** lr multipliers: 2D scale for GIN and the 2D->3D net, 3D scale for SchNet and the 3D->2D net (§1.3). */
  lrScale2D: number;
  lrScale3D: number;
  /** Noise-level embedding (Fourier features of log std(t)) added to the score networks' node inputs. */
  timeEmbedding: boolean;
  /** Atom classes of the 3D->2D one-hot: 119 (Z - 1, faithful) or 10 (C N O F P S Cl Br I + other). */
  numAtomClasses: 119 | 10;
}

const paper: ModelConfig = {
  preset: 'paper',
  gin: { numLayers: 3, dim: 64, dropout: 0 },
  schnet: { numInteractions: 3, dim: 64, numFilters: 64, numGaussians: 25, cutoff: 10 },
  score2Dto3D: { hidden: 32, heads: 8, headDim: 4, numBlocks: 2, convsPerBlock: 2, coeffHidden: 64, dropout: 0.1, fourierScale: 1, edgeStructure: false },
  score3Dto2D: {
    nfeat: 64, nhid: 16, depthX: 4, adim: 16, heads: 4, cInit: 2, cHid: 8, cFinal: 4, numLayers: 4, numLinears: 3, nodeMlpHidden: 0,
    distanceChannels: 0,
  },
  sde2Dto3D: { kind: 'VE', min: 0.2, max: 1.0, N: 1000 },
  sde3Dto2D: { kind: 'VE', min: 0.1, max: 1.0, N: 1000 },
  recipe2Dto3D: { ...LEGACY_RECIPE_2D_TO_3D },
  annealPower: 0,
  loss3Dto2D: 'paper',
  coeffs: { contrastive: 1, gen2Dto3D: 1, gen3Dto2D: 1 },
  temperature: 0.1,
  lr: 1e-4,
  lrScale2D: 1,
  lrScale3D: 0.1,
  timeEmbedding: false,
  numAtomClasses: 119,
};

/**
 * Generative deviation. The 2D->3D loss is epsilon matching, ||eps_hat - z||^2 with p = 0 here:
 * on the score scale that is lambda(sigma) = sigma^2, i.e. NCSN's "anneal power 2", the
 * well-conditioned weighting over a 1000x sigma range. (The reference code's p = 2 applies std^2
 * on top of epsilon matching, which over 0.01..10 Å would weight the terms over six decades.)
 *
 * Recipe (eval/diagnostics.md): noise levels log-normal around 0.3 Å, where the first checkpoint
 * was barely better than a Gaussian blob and samples went wrong; the analytic Gaussian skip with
 * sigma_data = 1.2 Å (the per-coordinate RMS of the centred qm9like heavy-atom positions is 1.17;
 * druglike's is 2.04);
 * centred noise and inputs; 10 atom classes and the full learning rate for the 3D side (at 0.1 x lr
 * the 3D->2D network barely moved).
 */
const generative: ModelConfig = {
  ...paper,
  preset: 'generative',
  score2Dto3D: { ...paper.score2Dto3D },
  sde2Dto3D: { kind: 'VE', min: 0.01, max: 10, N: 1000 },
  sde3Dto2D: { ...paper.sde3Dto2D },
  score3Dto2D: { ...paper.score3Dto2D, distanceChannels: DISTANCE_RBF.count },
  recipe2Dto3D: { noiseLevels: 'lognormal', logSigmaMean: Math.log(0.3), logSigmaStd: 1.2, sigmaData: 1.2, centred: true },
  annealPower: 0,
  loss3Dto2D: 'gdss',
  coeffs: { ...paper.coeffs },
  lrScale3D: 1,
  timeEmbedding: true,
  numAtomClasses: 10,
};

export const PRESETS: Record<PresetName, ModelConfig> = { paper, generative };

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A preset with overrides merged in (nested objects merge key by key). Unknown keys and values of
 * the wrong type are errors that name the path, so a typo in a URL or CLI flag is not silently lost.
 */
export function resolveConfig(preset: PresetName, overrides: DeepPartial<ModelConfig> | Record<string, unknown> = {}): ModelConfig {
  const base = PRESETS[preset];
  if (!base) throw new Error(`resolveConfig: unknown preset '${preset}' (use 'paper' or 'generative')`);
  const merged = merge(structuredClone(base) as unknown as Record<string, unknown>, overrides as Record<string, unknown>, 'config');
  const config = merged as unknown as ModelConfig;
  validateConfig(config);
  return config;
}

function merge(target: Record<string, unknown>, src: Record<string, unknown>, path: string): Record<string, unknown> {
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    if (!(k in target)) throw new Error(`resolveConfig: unknown setting ${path}.${k}`);
    const cur = target[k];
    if (isPlainObject(cur)) {
      if (!isPlainObject(v)) throw new Error(`resolveConfig: ${path}.${k} must be an object`);
      merge(cur, v, `${path}.${k}`);
    } else {
      if (typeof v !== typeof cur) throw new Error(`resolveConfig: ${path}.${k} must be a ${typeof cur}, got ${typeof v}`);
      target[k] = v;
    }
  }
  return target;
}

/** Largest widths, layer counts and SDE step counts a config may ask for. */
export const MAX_CONFIG_WIDTH = 2048;
export const MAX_CONFIG_LAYERS = 32;
export const MAX_CONFIG_STEPS = 1_000_000;

/**
 * The config of a saved checkpoint: checkpoints written before a setting existed ran without it,
 * so a missing `recipe2Dto3D` means the legacy recipe, not today's preset default.
 */
export function configFromCheckpoint(preset: PresetName, saved: Record<string, unknown>): ModelConfig {
  const withDefaults: Record<string, unknown> = 'recipe2Dto3D' in saved ? { ...saved } : { ...saved, recipe2Dto3D: { ...LEGACY_RECIPE_2D_TO_3D } };
  const s3 = saved.score3Dto2D;
  if (isPlainObject(s3) && !('distanceChannels' in s3)) withDefaults.score3Dto2D = { ...s3, distanceChannels: 0 };
  const s2 = saved.score2Dto3D;
  if (isPlainObject(s2) && !('edgeStructure' in s2)) withDefaults.score2Dto3D = { ...s2, edgeStructure: false };
  return resolveConfig(preset, withDefaults);
}

/** Throws on settings the networks cannot run with. */
export function validateConfig(c: ModelConfig): void {
  // Upper bounds too: a checkpoint's or a URL's config sizes every GPU buffer, and an absurd one
  // (gin.dim=100000) would otherwise fail deep inside an allocation ("Invalid typed array length").
  const LAYERS = /numLayers|numInteractions|numBlocks|convsPerBlock|depthX|numLinears|heads|cInit|cFinal/;
  const posInt = (v: number, what: string) => {
    const max = what.endsWith('.N') ? MAX_CONFIG_STEPS : LAYERS.test(what) ? MAX_CONFIG_LAYERS : MAX_CONFIG_WIDTH;
    if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`config: ${what} must be an integer in 1..${max}, got ${v}`);
  };
  posInt(c.gin.numLayers, 'gin.numLayers');
  posInt(c.gin.dim, 'gin.dim');
  posInt(c.schnet.numInteractions, 'schnet.numInteractions');
  posInt(c.schnet.dim, 'schnet.dim');
  posInt(c.schnet.numFilters, 'schnet.numFilters');
  posInt(c.schnet.numGaussians, 'schnet.numGaussians');
  if (c.schnet.numGaussians < 2) throw new Error('config: schnet.numGaussians must be at least 2');
  if (!(c.schnet.cutoff > 0)) throw new Error(`config: schnet.cutoff must be positive, got ${c.schnet.cutoff}`);
  if (c.gin.dim !== c.schnet.dim) {
    throw new Error(`config: gin.dim (${c.gin.dim}) and schnet.dim (${c.schnet.dim}) must match: the contrastive loss takes <H2_i, H3_i>`);
  }
  const s = c.score2Dto3D;
  for (const k of ['hidden', 'heads', 'headDim', 'numBlocks', 'convsPerBlock', 'coeffHidden'] as const) posInt(s[k], `score2Dto3D.${k}`);
  if (s.heads * s.headDim !== s.hidden) throw new Error(`config: score2Dto3D.heads * headDim (${s.heads} x ${s.headDim}) must equal hidden (${s.hidden})`);
  if (!(s.dropout >= 0 && s.dropout < 1)) throw new Error(`config: score2Dto3D.dropout must lie in [0, 1), got ${s.dropout}`);
  const d = c.score3Dto2D;
  for (const k of ['nfeat', 'nhid', 'depthX', 'adim', 'heads', 'cInit', 'cHid', 'cFinal', 'numLayers', 'numLinears'] as const) posInt(d[k], `score3Dto2D.${k}`);
  if (d.cInit !== 2) throw new Error(`config: score3Dto2D.cInit must be 2 (the channels [A, A·A]), got ${d.cInit}`);
  if (d.adim % d.heads !== 0) throw new Error(`config: score3Dto2D.adim (${d.adim}) must be divisible by heads (${d.heads})`);
  if (d.numLinears < 2) throw new Error('config: score3Dto2D.numLinears must be at least 2');
  if (!Number.isInteger(d.distanceChannels) || d.distanceChannels < 0 || d.distanceChannels > 256) {
    throw new Error(`config: score3Dto2D.distanceChannels must be an integer in [0, 256], got ${d.distanceChannels}`);
  }
  for (const [name, sde] of [['sde2Dto3D', c.sde2Dto3D], ['sde3Dto2D', c.sde3Dto2D]] as const) {
    if (sde.kind !== 'VE' && sde.kind !== 'VP') throw new Error(`config: ${name}.kind must be 'VE' or 'VP'`);
    if (!(sde.min > 0 && sde.max > sde.min)) throw new Error(`config: ${name} needs 0 < min < max, got ${sde.min}, ${sde.max}`);
    posInt(sde.N, `${name}.N`);
  }
  const r = c.recipe2Dto3D;
  if (r.noiseLevels !== 'uniform' && r.noiseLevels !== 'lognormal') throw new Error(`config: recipe2Dto3D.noiseLevels must be 'uniform' or 'lognormal'`);
  if (!Number.isFinite(r.logSigmaMean) || !(r.logSigmaStd > 0 && Number.isFinite(r.logSigmaStd))) {
    throw new Error(`config: recipe2Dto3D needs a finite logSigmaMean and a positive logSigmaStd, got ${r.logSigmaMean}, ${r.logSigmaStd}`);
  }
  if (!(r.sigmaData >= 0 && Number.isFinite(r.sigmaData))) throw new Error(`config: recipe2Dto3D.sigmaData must be >= 0, got ${r.sigmaData}`);
  if ((r.noiseLevels === 'lognormal' || r.sigmaData > 0) && c.sde2Dto3D.kind !== 'VE') {
    throw new Error(`config: the log-normal noise levels and the sigma_data preconditioning of recipe2Dto3D need a VE sde2Dto3D`);
  }
  if (c.numAtomClasses !== 119 && c.numAtomClasses !== 10) throw new Error(`config: numAtomClasses must be 119 or 10, got ${c.numAtomClasses}`);
  if (c.loss3Dto2D !== 'paper' && c.loss3Dto2D !== 'gdss') throw new Error(`config: loss3Dto2D must be 'paper' or 'gdss'`);
  if (!(c.temperature > 0)) throw new Error(`config: temperature must be positive, got ${c.temperature}`);
  if (!Number.isFinite(c.annealPower)) throw new Error('config: annealPower must be finite');
}

// The 10-class option's elements live with the chemistry (chem/elements.ts); re-exported for callers of the config.
export { TEN_CLASS_ELEMENTS };

/** 3D->2D class of an atom from its OGB feature 0 (atomic number - 1). */
export function atomClass(atomicNumberMinusOne: number, numClasses: 119 | 10): number {
  if (numClasses === 119) return Math.min(atomicNumberMinusOne, 118);
  const k = TEN_CLASS_ELEMENTS.indexOf((atomicNumberMinusOne + 1) as (typeof TEN_CLASS_ELEMENTS)[number]);
  return k < 0 ? 9 : k;
}
