/** Types Vite's `?raw` imports of WGSL files: the module's default export is the shader source text. */
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
