import { describe, expect, it } from 'vitest';
import { atomClass, configFromCheckpoint, DISTANCE_RBF, LEGACY_RECIPE_2D_TO_3D, PRESETS, resolveConfig, TEN_CLASS_ELEMENTS } from './config';

describe('model config', () => {
  it('paper preset is the faithful objective with the tiny widths of docs/method.md §7', () => {
    const c = PRESETS.paper;
    expect(c.temperature).toBe(0.1);
    expect(c.sde2Dto3D).toMatchObject({ kind: 'VE', min: 0.2, max: 1 });
    expect(c.sde3Dto2D).toMatchObject({ kind: 'VE', min: 0.1, max: 1 });
    expect(c.annealPower).toBe(0);
    expect(c.loss3Dto2D).toBe('paper');
    expect(c.timeEmbedding).toBe(false);
    expect(c.coeffs).toEqual({ contrastive: 1, gen2Dto3D: 1, gen3Dto2D: 1 });
    expect(c.gin).toMatchObject({ numLayers: 3, dim: 64 });
    expect(c.schnet).toMatchObject({ numInteractions: 3, dim: 64, numFilters: 64, numGaussians: 25, cutoff: 10 });
    expect(c.score2Dto3D).toMatchObject({ hidden: 32, heads: 8, headDim: 4, numBlocks: 2, convsPerBlock: 2, coeffHidden: 64 });
    expect(c.score3Dto2D).toMatchObject({ nfeat: 64, nhid: 16, adim: 16, cInit: 2, cHid: 8, cFinal: 4, numLayers: 4 });
  });

  it('generative preset adds the noise-level embedding, the wide VE range, GDSS weighting, the sampling recipe and distance channels', () => {
    const c = PRESETS.generative;
    expect(c.timeEmbedding).toBe(true);
    expect(c.sde2Dto3D).toMatchObject({ kind: 'VE', min: 0.01, max: 10 });
    expect(c.loss3Dto2D).toBe('gdss');
    expect(c.recipe2Dto3D).toMatchObject({ noiseLevels: 'lognormal', centred: true });
    expect(c.recipe2Dto3D.sigmaData).toBeGreaterThan(0);
    expect(PRESETS.paper.recipe2Dto3D).toEqual(LEGACY_RECIPE_2D_TO_3D);
    // Same networks as paper, but for the distance channels of the 3D->2D pair MLP.
    expect(c.gin).toEqual(PRESETS.paper.gin);
    expect(PRESETS.paper.score3Dto2D.distanceChannels).toBe(0);
    expect(c.score3Dto2D).toEqual({ ...PRESETS.paper.score3Dto2D, distanceChannels: DISTANCE_RBF.count });
  });

  it('reads checkpoints saved before the recipe and the distance channels existed with their old meaning', () => {
    const saved = JSON.parse(JSON.stringify(PRESETS.generative)) as Record<string, Record<string, unknown>>;
    delete saved.recipe2Dto3D;
    delete saved.score3Dto2D.distanceChannels;
    const c = configFromCheckpoint('generative', saved);
    expect(c.recipe2Dto3D).toEqual(LEGACY_RECIPE_2D_TO_3D);
    expect(c.score3Dto2D.distanceChannels).toBe(0);
    // A checkpoint that has them keeps them.
    expect(configFromCheckpoint('generative', JSON.parse(JSON.stringify(PRESETS.generative)))).toEqual(PRESETS.generative);
  });

  it('keeps the 2D->3D edge-structure embedding off in both presets and in checkpoints saved before it existed', () => {
    expect(PRESETS.paper.score2Dto3D.edgeStructure).toBe(false);
    expect(PRESETS.generative.score2Dto3D.edgeStructure).toBe(false);
    const saved = JSON.parse(JSON.stringify(PRESETS.generative)) as Record<string, Record<string, unknown>>;
    delete saved.score2Dto3D.edgeStructure;
    expect(configFromCheckpoint('generative', saved).score2Dto3D.edgeStructure).toBe(false);
    // A checkpoint trained with it keeps it; an override turns it on.
    saved.score2Dto3D.edgeStructure = true;
    expect(configFromCheckpoint('generative', saved).score2Dto3D.edgeStructure).toBe(true);
    expect(resolveConfig('generative', { score2Dto3D: { edgeStructure: true } }).score2Dto3D.edgeStructure).toBe(true);
  });

  it('merges nested overrides without touching the preset', () => {
    const c = resolveConfig('paper', { gin: { dim: 32 }, schnet: { dim: 32 }, sde2Dto3D: { kind: 'VP' }, numAtomClasses: 10 });
    expect(c.gin).toEqual({ numLayers: 3, dim: 32, dropout: 0 });
    expect(c.sde2Dto3D).toMatchObject({ kind: 'VP', min: 0.2, max: 1 });
    expect(c.numAtomClasses).toBe(10);
    expect(PRESETS.paper.gin.dim).toBe(64);
  });

  it('rejects unknown keys, wrong types and impossible settings with the setting named', () => {
    expect(() => resolveConfig('paper', { gin: { width: 3 } } as never)).toThrow(/config\.gin\.width/);
    expect(() => resolveConfig('paper', { temperature: '0.1' } as never)).toThrow(/temperature must be a number/);
    expect(() => resolveConfig('paper', { gin: { dim: 32 } })).toThrow(/gin\.dim .* schnet\.dim/);
    expect(() => resolveConfig('paper', { score2Dto3D: { heads: 3 } })).toThrow(/heads \* headDim/);
    expect(() => resolveConfig('paper', { sde2Dto3D: { min: 2 } })).toThrow(/0 < min < max/);
    expect(() => resolveConfig('nope' as never)).toThrow(/unknown preset/);
  });

  it('maps atoms to the 119 and the 10 classes', () => {
    expect(atomClass(5, 119)).toBe(5);
    expect(atomClass(5, 10)).toBe(0); // carbon
    expect(atomClass(16, 10)).toBe(TEN_CLASS_ELEMENTS.indexOf(17)); // chlorine
    expect(atomClass(0, 10)).toBe(9); // hydrogen: other
    expect(atomClass(118, 119)).toBe(118);
  });
});
